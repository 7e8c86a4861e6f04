// Package cfuncs defines small C functions for allcore's tests and
// benchmarks: C function pointers of type int64_t (*)(int64_t) for
// Pool.MapFunc, loop bodies and tasks for Pool.ParallelForFunc and
// Pool.SubmitFunc, and a no-op the lock benchmarks compare cgo calls against.
package cfuncs

/*
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static int64_t square(int64_t value) { return value * value; }

static void *square_function(void) { return (void *)square; }

// values[i] = 3 * values[i] + 1 over [begin, end) of an int64 array.
static void triple_plus_one(void *context, size_t begin, size_t end) {
	int64_t *values = context;
	for (size_t i = begin; i < end; i++) values[i] = 3 * values[i] + 1;
}

static void *triple_plus_one_function(void) { return (void *)triple_plus_one; }

static double seconds(void) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec * 1e-9;
}

// Each chunk arrives, then waits (up to 20 s) until context[1] chunks are in
// at once; context[2] is set when it gave up. context[0] counts arrivals.
static void meet(void *context, size_t begin, size_t end) {
	_Atomic int64_t *state = context;
	(void)begin;
	(void)end;
	atomic_fetch_add(&state[0], 1);
	double give_up = seconds() + 20.0;
	while (atomic_load(&state[0]) < atomic_load(&state[1])) {
		if (seconds() > give_up) {
			atomic_store(&state[2], 1);
			return;
		}
	}
}

static void *meet_function(void) { return (void *)meet; }

// A task: the sum of the 10 int64 values behind context.
static int64_t sum_ten(void *context) {
	const int64_t *values = context;
	int64_t total = 0;
	for (int i = 0; i < 10; i++) total += values[i];
	return total;
}

static void *sum_ten_function(void) { return (void *)sum_ten; }

static void *alloc_int64s(size_t count) { return calloc(count ? count : 1, sizeof(int64_t)); }

// noop has the shape of the binding's mutex calls: one native object
// address in (as an integer, which cgo passes without a pointer check), a
// status out, and no work at all.
static int32_t noop(uintptr_t object) {
	(void)object;
	return 0;
}

static uintptr_t noop_object_new(void) { return (uintptr_t)malloc(1); }

#cgo noescape noop
#cgo nocallback noop
*/
import "C"

import "unsafe"

// Square returns a pointer to a C function that squares its argument.
func Square() unsafe.Pointer {
	return C.square_function()
}

// TriplePlusOne returns a pointer to a C loop body, void (*)(void *, size_t,
// size_t), that replaces values[i] by 3 * values[i] + 1 for the int64 array
// its context points to.
func TriplePlusOne() unsafe.Pointer {
	return C.triple_plus_one_function()
}

// Meet returns a pointer to a C loop body whose every chunk waits (up to 20
// seconds) until context[1] chunks are running at once; it counts arrivals
// in context[0] and sets context[2] when it gave up. Context is 3 int64s.
func Meet() unsafe.Pointer {
	return C.meet_function()
}

// SumTen returns a pointer to a C task, int64_t (*)(void *), that sums the
// ten int64 values its context points to.
func SumTen() unsafe.Pointer {
	return C.sum_ten_function()
}

// NewInt64s allocates count zeroed int64 values in C memory, which a
// native task may use after the call that handed it over returns. Free it
// with Free.
func NewInt64s(count int) []int64 {
	return unsafe.Slice((*int64)(C.alloc_int64s(C.size_t(count))), count)
}

// Free releases memory from NewInt64s.
func Free(values []int64) {
	C.free(unsafe.Pointer(unsafe.SliceData(values)))
}

// NoopObject is the address of a native object passed to Noop.
type NoopObject uintptr

// NewNoopObject allocates the object passed to Noop; it is never freed.
func NewNoopObject() NoopObject {
	return NoopObject(C.noop_object_new())
}

// Noop makes one bare cgo call to a C function that does nothing and
// returns 0: the floor under any cgo call of the same shape.
func Noop(object NoopObject) int32 {
	return int32(C.noop(C.uintptr_t(object)))
}
