package allcore

/*
#include "allcore.h"

#cgo noescape ac_condition_new
#cgo nocallback ac_condition_new
#cgo nocallback ac_condition_close
#cgo nocallback ac_condition_release
#cgo nocallback ac_condition_wait
#cgo nocallback ac_condition_notify
#cgo nocallback ac_condition_notify_all
*/
import "C"

import (
	"context"
	"runtime"
	"time"
)

// Cond is a condition variable in native memory tied to an allcore Mutex,
// L, which must be held when calling Wait. Unlike sync.Cond, its waits take
// a context or a timeout. Create it with NewCond.
//
// A wait that cannot be cancelled (a context whose Done channel is nil, or
// WaitTimeout) sleeps in the library until notified, timed out or closed.
// A wait on a cancellable context sleeps at most 20 ms and then returns nil
// even if nobody notified (a spurious wakeup, which pthread_cond_wait also
// allows): the binding cannot interrupt a native wait, and re-entering it
// internally could miss a notify made while L was being retaken. As with
// any condition variable, call Wait in a loop that re-checks the predicate,
// or use WaitFor.
type Cond struct {
	// L is the mutex the condition is used with.
	L      *Mutex
	handle handle[*C.ac_condition]
}

func freeCond(condition *C.ac_condition) {
	C.ac_condition_close(condition)
	C.ac_condition_release(condition)
}

// NewCond returns a condition variable used with l. It fails with
// ErrNullPointer for a nil l.
func NewCond(l *Mutex) (*Cond, error) {
	if l == nil {
		return nil, newError("new cond", ErrNullPointer, "a nil mutex")
	}
	var native *C.ac_condition
	if err := call("new cond", func() C.ac_status { return C.ac_condition_new(&native) }); err != nil {
		return nil, err
	}
	c := &Cond{L: l}
	c.handle.ptr = native
	c.handle.free = freeCond
	runtime.SetFinalizer(c, (*Cond).Close)
	return c, nil
}

func (c *Cond) release() {
	c.handle.release()
	runtime.KeepAlive(c)
}

// wait unlocks L, waits natively for at most timeout, and locks L again.
func (c *Cond) wait(timeout time.Duration) (C.ac_status, error) {
	native, ok := c.handle.acquire()
	if !ok {
		return C.AC_CLOSED, closedError("cond wait", "cond")
	}
	defer c.release()
	mutex, ok := c.L.handle.acquire()
	if !ok {
		return C.AC_CLOSED, closedError("cond wait", "mutex")
	}
	defer c.L.release()
	status := C.ac_condition_wait(native, mutex, C.int64_t(timeout))
	if isClosed(&c.handle) {
		// Close wakes every waiter with a notify; they report the close.
		return C.AC_CLOSED, closedError("cond wait", "cond")
	}
	return status, statusError("cond wait", status)
}

// Wait atomically unlocks L and waits until notified or ctx is done, then
// locks L again before returning, whatever it returns (unless L itself was
// closed meanwhile). It returns ctx.Err() if ctx was done, ErrNotOwner if L
// is not locked, and ErrClosed if c is closed before or while it waits. A
// cancellable ctx makes it return nil after at most 20 ms (see Cond).
func (c *Cond) Wait(ctx context.Context) error {
	done := ctx.Done()
	if done == nil {
		_, err := c.wait(forever)
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	slice := waitSlice
	if deadline, ok := ctx.Deadline(); ok {
		slice = max(min(slice, time.Until(deadline)), 1)
	}
	status, err := c.wait(slice)
	if status == C.AC_TIMEOUT {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return nil
	}
	return err
}

// WaitTimeout is Wait with a timeout instead of a context, never returning
// early: it fails with ErrTimeout when d passes without a notify (with L
// locked again). A d of 0 fails with ErrWouldBlock without unlocking L; a
// negative d waits as long as it takes.
func (c *Cond) WaitTimeout(d time.Duration) error {
	_, err := c.wait(d)
	return err
}

// WaitFor waits, with L held, until condition() reports true or ctx is
// done, calling condition with L held before each wait. It returns nil once
// condition holds, ctx.Err() or ErrClosed otherwise, with L held.
func (c *Cond) WaitFor(ctx context.Context, condition func() bool) error {
	for !condition() {
		if err := c.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Notify wakes up to n goroutines or threads waiting on c, longest-waiting
// first. Holding L is allowed but not required. It fails with
// ErrInvalidArgument for a negative n and ErrClosed after Close.
func (c *Cond) Notify(n int) error {
	native, ok := c.handle.acquire()
	if !ok {
		return closedError("cond notify", "cond")
	}
	status := C.ac_condition_notify(native, C.int64_t(n))
	c.release()
	return statusError("cond notify", status)
}

// Signal wakes one waiter, if any. It does nothing after Close.
func (c *Cond) Signal() {
	_ = c.Notify(1)
}

// Broadcast wakes every waiter. It does nothing after Close.
func (c *Cond) Broadcast() {
	native, ok := c.handle.acquire()
	if !ok {
		return
	}
	C.ac_condition_notify_all(native)
	c.release()
}

// Close releases the native condition variable. Every goroutine waiting on
// it wakes at once, retakes L and returns ErrClosed; later calls fail with
// ErrClosed (Signal and Broadcast do nothing). Close is idempotent, safe
// alongside other calls, and returns nil; it does not close L.
func (c *Cond) Close() error {
	if closeWaking(&c.handle, func(native *C.ac_condition) { C.ac_condition_notify_all(native) }) {
		runtime.SetFinalizer(c, nil)
	}
	return nil
}
