package allcore

/*
#include "allcore.h"

#cgo noescape ac_fib
#cgo nocallback ac_fib
#cgo noescape ac_busy_loop
#cgo nocallback ac_busy_loop
#cgo noescape ac_busy_loop_for
#cgo nocallback ac_busy_loop_for
#cgo noescape ac_range_sum
#cgo nocallback ac_range_sum
*/
import "C"

import (
	"fmt"
	"time"
)

// Fib returns the n-th Fibonacci number computed by naive recursion
// (Fib(0) = 0, Fib(1) = Fib(2) = 1), a CPU-burn workload whose cost grows by
// about 2.6x for every 2 added to n. It fails with ErrInvalidArgument for a
// negative n and ErrOverflow for n > 92, whose result does not fit an int64.
func Fib(n int64) (int64, error) {
	var value C.int64_t
	err := call("fib", func() C.ac_status { return C.ac_fib(C.int64_t(n), &value) })
	return int64(value), err
}

// BusyLoop spins for the given number of steps of a loop the compiler
// cannot remove and returns the loop's final state.
func BusyLoop(iterations uint64) uint64 {
	var state C.uint64_t
	// ac_busy_loop accepts every iteration count.
	C.ac_busy_loop(C.uint64_t(iterations), &state)
	return uint64(state)
}

// BusyLoopFor spins on the calling thread for d and returns how many loop
// iterations it made. It fails with ErrInvalidArgument for a negative d.
func BusyLoopFor(d time.Duration) (uint64, error) {
	var iterations C.uint64_t
	err := call("busy loop", func() C.ac_status {
		return C.ac_busy_loop_for(C.int64_t(d), &iterations)
	})
	return uint64(iterations), err
}

// RangeSum returns the sum of the integers in [start, stop), computed by
// visiting each one; an empty range sums to 0. When the exact sum does not
// fit an int64 it returns 0 and an error matching ErrOverflow at once, before
// any work (a closed-form check), so RangeSum(0, math.MaxInt64) fails
// immediately instead of looping for years.
func RangeSum(start, stop int64) (int64, error) {
	var sum C.int64_t
	err := call("range sum", func() C.ac_status {
		return C.ac_range_sum(C.int64_t(start), C.int64_t(stop), &sum)
	})
	return int64(sum), err
}

// AvailableCPUs returns the number of CPUs this process may use, honouring
// its CPU affinity and cgroup quota: the worker count NewPool(0) picks when
// the environment variable ALLCORE_NUM_THREADS is not set.
func AvailableCPUs() int {
	return int(C.ac_pool_available_cpus())
}

// Version returns the native library's version as "major.minor.patch".
func Version() string {
	v := uint32(C.ac_version())
	return fmt.Sprintf("%d.%d.%d", v>>16, v>>8&0xff, v&0xff)
}
