package allcore

/*
#include "allcore.h"

#cgo noescape ac_counter_new
#cgo nocallback ac_counter_new
#cgo nocallback ac_counter_close
#cgo nocallback ac_counter_release
#cgo noescape ac_counter_add
#cgo nocallback ac_counter_add
#cgo noescape ac_counter_load
#cgo nocallback ac_counter_load
#cgo nocallback ac_counter_store
#cgo noescape ac_counter_compare_exchange
#cgo nocallback ac_counter_compare_exchange
*/
import "C"

import "runtime"

// Counter is an atomic 64-bit integer in native memory, which C and Python
// code can share with Go. Create it with NewCounter.
type Counter struct {
	handle handle[*C.ac_counter]
}

func freeCounter(counter *C.ac_counter) {
	C.ac_counter_close(counter)
	C.ac_counter_release(counter)
}

// NewCounter returns a counter holding value.
func NewCounter(value int64) (*Counter, error) {
	var native *C.ac_counter
	if err := call("new counter", func() C.ac_status { return C.ac_counter_new(C.int64_t(value), &native) }); err != nil {
		return nil, err
	}
	c := &Counter{}
	c.handle.ptr = native
	c.handle.free = freeCounter
	runtime.SetFinalizer(c, (*Counter).Close)
	return c, nil
}

func (c *Counter) release() {
	c.handle.release()
	runtime.KeepAlive(c)
}

// Add atomically adds delta (which may be negative) and returns the new
// value. It fails with ErrOverflow, changing nothing, if the result would
// not fit in an int64, and with ErrClosed after Close.
func (c *Counter) Add(delta int64) (int64, error) {
	native, ok := c.handle.acquire()
	if !ok {
		return 0, closedError("counter add", "counter")
	}
	defer c.release()
	var value C.int64_t
	status := C.ac_counter_add(native, C.int64_t(delta), &value)
	return int64(value), statusError("counter add", status)
}

// Load returns the current value (0 once c is closed).
func (c *Counter) Load() int64 {
	native, ok := c.handle.acquire()
	if !ok {
		return 0
	}
	defer c.release()
	var value C.int64_t
	C.ac_counter_load(native, &value)
	return int64(value)
}

// Store atomically replaces the value. It fails only with ErrClosed.
func (c *Counter) Store(value int64) error {
	native, ok := c.handle.acquire()
	if !ok {
		return closedError("counter store", "counter")
	}
	defer c.release()
	return statusError("counter store", C.ac_counter_store(native, C.int64_t(value)))
}

// CompareAndSwap atomically replaces the value with new if it equals old,
// and reports whether it did (false once c is closed).
func (c *Counter) CompareAndSwap(old, new int64) bool {
	native, ok := c.handle.acquire()
	if !ok {
		return false
	}
	defer c.release()
	var previous C.int64_t
	status := C.ac_counter_compare_exchange(native, C.int64_t(old), C.int64_t(new), &previous)
	return status == C.AC_OK && int64(previous) == old
}

// Close releases the native counter. Later calls fail with ErrClosed (or
// return zero values). Close is idempotent, safe alongside other calls,
// and returns nil.
func (c *Counter) Close() error {
	if c.handle.close() {
		runtime.SetFinalizer(c, nil)
	}
	return nil
}
