// Package cfuncs defines small C functions for allcore's tests and
// benchmarks: C function pointers of type int64_t (*)(int64_t) for
// Pool.MapFunc, and a no-op the lock benchmarks compare cgo calls against.
package cfuncs

/*
#include <stdint.h>
#include <stdlib.h>

static int64_t square(int64_t value) { return value * value; }

static void *square_function(void) { return (void *)square; }

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
