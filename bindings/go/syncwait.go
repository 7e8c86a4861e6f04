package allcore

/*
#include "allcore.h"
*/
import "C"

import (
	"context"
	"sync/atomic"
	"time"
)

// waitSlice is the longest one native wait lasts when the binding must be
// able to stop waiting on its own: when a context may be cancelled, or when
// Close must be able to end the wait of a lock or a semaphore (see
// waitSliced). Between slices the waiting goroutine checks its context and
// whether the object was closed.
const waitSlice = 20 * time.Millisecond

// forever is the library's "no time limit" (AC_FOREVER).
const forever time.Duration = C.AC_FOREVER

// statusError turns a status returned by a hot call into an error without
// reading the library's per-thread detail message (that would need the
// goroutine locked to its thread around the call). Every status these calls
// return has one documented meaning, which the Status's own text gives.
func statusError(op string, status C.ac_status) error {
	if status == C.AC_OK {
		return nil
	}
	return &Error{Op: op, Status: Status(status)}
}

// closedError reports a call on a closed object.
func closedError(op, object string) error {
	return newError(op, ErrClosed, "the "+object+" is closed")
}

// isClosed reports whether Close has been called on the handle.
func isClosed[P any](h *handle[P]) bool {
	return h.state.Load()&closedBit != 0
}

// waitSliced runs attempt, a native wait of at most the given number of
// nanoseconds, until attempt reports anything but AC_TIMEOUT, the wait's
// time is up, ctx is done or the handle is closed.
//
// A native wait cannot be interrupted from Go, and freeing a native object
// while a call on it is starting is undefined behaviour (the library only
// protects waits that are already asleep), so an object's memory must not be
// freed while any call on it is in flight. Waiting in slices of at most
// waitSlice therefore serves both cancellation and Close: a cancelled
// context or a closed object ends the wait within one slice, after which
// the last call to leave frees the native object.
//
// timeout < 0 waits without a limit, timeout 0 makes one non-blocking
// attempt. It returns the last status (AC_TIMEOUT when timeout passed,
// AC_CLOSED when the handle was closed), or ctx's error when ctx ended the
// wait; ctx may be nil.
func waitSliced(ctx context.Context, timeout time.Duration, closed *atomic.Int64, attempt func(ns int64) C.ac_status) (C.ac_status, error) {
	if timeout == 0 {
		return attempt(0), nil
	}
	var deadline, ctxDeadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
		ctxDeadline, _ = ctx.Deadline()
	}
	for {
		if done != nil {
			select {
			case <-done:
				return C.AC_TIMEOUT, ctx.Err()
			default:
			}
		}
		if closed.Load()&closedBit != 0 {
			return C.AC_CLOSED, nil
		}
		slice := waitSlice
		now := time.Now()
		if !ctxDeadline.IsZero() {
			remaining := ctxDeadline.Sub(now)
			if remaining <= 0 {
				return C.AC_TIMEOUT, context.DeadlineExceeded
			}
			slice = min(slice, remaining)
		}
		if timeout > 0 {
			remaining := deadline.Sub(now)
			if remaining <= 0 {
				return C.AC_TIMEOUT, nil
			}
			slice = min(slice, remaining)
		}
		if status := attempt(int64(slice)); status != C.AC_TIMEOUT {
			return status, nil
		}
	}
}

// closeWaking closes the handle of an object whose waiters the library lets
// the binding wake (an event is set, a latch counted down, a barrier
// aborted, a condition notified), so those waits may block natively without
// slices. It calls poke once the handle is marked closed, so that every
// woken waiter sees the mark and reports ErrClosed. A wait that was
// starting, not yet asleep, when poke ran could miss it, so while other
// calls are in flight poke is repeated from a goroutine that holds its own
// guard on the handle; the native free happens when the last of them
// leaves. It reports whether this was the first close.
func closeWaking[P any](h *handle[P], poke func(P)) bool {
	native, ok := h.acquire()
	if !ok {
		return false
	}
	if !h.close() {
		h.release()
		return false
	}
	poke(native)
	const onlyUs = closedBit + 1
	if h.state.Load() == onlyUs {
		h.release()
		return true
	}
	go func() {
		delay := 50 * time.Microsecond
		for h.state.Load() != onlyUs {
			time.Sleep(delay)
			poke(native)
			delay = min(2*delay, 10*time.Millisecond)
		}
		h.release()
	}()
	return true
}

// Owner identifies the holder of an RLock. Goroutines move between OS
// threads, so unlike C and Python callers a goroutine cannot be identified
// by its thread: it passes an Owner token instead, the same one to every
// Lock and Unlock of one holder. Valid tokens are 1 to math.MaxInt64;
// NewOwner mints fresh ones.
type Owner uint64

var lastOwner atomic.Uint64

// NewOwner returns an Owner token no other call of NewOwner returns.
func NewOwner() Owner {
	return Owner(lastOwner.Add(1))
}
