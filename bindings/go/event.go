package allcore

/*
#include "allcore.h"

#cgo noescape ac_event_new
#cgo nocallback ac_event_new
#cgo nocallback ac_event_close
#cgo nocallback ac_event_release
#cgo nocallback ac_event_set
#cgo nocallback ac_event_clear
#cgo noescape ac_event_is_set
#cgo nocallback ac_event_is_set
#cgo nocallback ac_event_wait
#cgo noescape ac_latch_new
#cgo nocallback ac_latch_new
#cgo nocallback ac_latch_close
#cgo nocallback ac_latch_release
#cgo nocallback ac_latch_count_down
#cgo nocallback ac_latch_wait
#cgo noescape ac_latch_count
#cgo nocallback ac_latch_count
#cgo noescape ac_barrier_new
#cgo nocallback ac_barrier_new
#cgo nocallback ac_barrier_close
#cgo nocallback ac_barrier_release
#cgo noescape ac_barrier_wait
#cgo nocallback ac_barrier_wait
#cgo nocallback ac_barrier_abort
#cgo nocallback ac_barrier_reset
#cgo noescape ac_barrier_is_broken
#cgo nocallback ac_barrier_is_broken
#cgo noescape ac_barrier_n_waiting
#cgo nocallback ac_barrier_n_waiting
#cgo noescape ac_barrier_parties
#cgo nocallback ac_barrier_parties
*/
import "C"

import (
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"time"
)

// waitOpen waits on an event or a latch: natively and without slices when
// nothing can cancel the wait (Close wakes it by opening the object; see
// closeWaking), in 20 ms slices checking ctx otherwise. A wait that ends
// because the object was closed reports ErrClosed.
func waitOpen[P any](op, object string, h *handle[P], ctx context.Context, timeout time.Duration, wait func(P, int64) C.ac_status) error {
	native, ok := h.acquire()
	if !ok {
		return closedError(op, object)
	}
	defer h.release()
	var status C.ac_status
	if ctx == nil || ctx.Done() == nil {
		status = wait(native, int64(timeout))
	} else {
		var err error
		status, err = waitSliced(ctx, timeout, &h.state, func(ns int64) C.ac_status { return wait(native, ns) })
		if err != nil {
			return err
		}
	}
	if isClosed(h) {
		return closedError(op, object)
	}
	return statusError(op, status)
}

// Event is a flag goroutines and native threads can wait for (Python's
// threading.Event): Set raises it and wakes every waiter, Clear lowers it.
// Create it with NewEvent.
type Event struct {
	handle handle[*C.ac_event]
	// adopted is set by EventFromHandle: Close releases the reference
	// without waking the object's waiters.
	adopted bool
}

func freeEvent(event *C.ac_event) {
	C.ac_event_close(event)
	C.ac_event_release(event)
}

// NewEvent returns an event whose flag is clear.
func NewEvent() (*Event, error) {
	var native *C.ac_event
	if err := call("new event", func() C.ac_status { return C.ac_event_new(&native) }); err != nil {
		return nil, err
	}
	e := &Event{}
	e.handle.ptr = native
	e.handle.free = freeEvent
	runtime.SetFinalizer(e, (*Event).Close)
	return e, nil
}

func (e *Event) simple(op string, fn func(*C.ac_event) C.ac_status) error {
	native, ok := e.handle.acquire()
	if !ok {
		return closedError(op, "event")
	}
	status := fn(native)
	e.handle.release()
	runtime.KeepAlive(e)
	return statusError(op, status)
}

// Set raises the flag and wakes every waiter; they return nil even if the
// flag is cleared again before they run. It fails only with ErrClosed.
func (e *Event) Set() error {
	return e.simple("event set", func(native *C.ac_event) C.ac_status { return C.ac_event_set(native) })
}

// Clear lowers the flag. It fails only with ErrClosed.
func (e *Event) Clear() error {
	return e.simple("event clear", func(native *C.ac_event) C.ac_status { return C.ac_event_clear(native) })
}

// IsSet reports whether the flag is raised (false once e is closed).
func (e *Event) IsSet() bool {
	var set C.bool
	err := e.simple("event is set", func(native *C.ac_event) C.ac_status { return C.ac_event_is_set(native, &set) })
	return err == nil && bool(set)
}

func waitEvent(native *C.ac_event, ns int64) C.ac_status {
	return C.ac_event_wait(native, C.int64_t(ns))
}

// Wait blocks until the flag is raised or ctx is done (then it returns
// ctx.Err()); it fails with ErrClosed if e is closed before or while it
// waits. A context that can never be cancelled waits in the library
// without waking up; a cancellable one is checked at least every 20 ms.
func (e *Event) Wait(ctx context.Context) error {
	return waitOpen("event wait", "event", &e.handle, ctx, forever, waitEvent)
}

// WaitTimeout waits at most d for the flag: ErrTimeout when d passes,
// ErrWouldBlock when d is 0 and the flag is clear; a negative d waits as
// long as it takes.
func (e *Event) WaitTimeout(d time.Duration) error {
	return waitOpen("event wait", "event", &e.handle, nil, d, waitEvent)
}

// Close releases the native event. Goroutines waiting on it wake at once
// with ErrClosed; later calls fail with ErrClosed. Close is idempotent,
// safe alongside other calls, and returns nil.
func (e *Event) Close() error {
	if e.adopted {
		if e.handle.close() {
			runtime.SetFinalizer(e, nil)
		}
		return nil
	}
	if closeWaking(&e.handle, func(native *C.ac_event) { C.ac_event_set(native) }) {
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// Latch is a count-down latch (Java's CountDownLatch): waiters are
// released when CountDown has lowered the count to zero, and it stays open
// from then on. Create it with NewLatch.
type Latch struct {
	handle handle[*C.ac_latch]
	// adopted is set by LatchFromHandle: Close releases the reference
	// without waking the object's waiters.
	adopted bool
}

func freeLatch(latch *C.ac_latch) {
	C.ac_latch_close(latch)
	C.ac_latch_release(latch)
}

// NewLatch returns a latch that opens after count count-downs. It fails
// with ErrInvalidArgument for a negative count.
func NewLatch(count int64) (*Latch, error) {
	var native *C.ac_latch
	if err := call("new latch", func() C.ac_status { return C.ac_latch_new(C.int64_t(count), &native) }); err != nil {
		return nil, err
	}
	l := &Latch{}
	l.handle.ptr = native
	l.handle.free = freeLatch
	runtime.SetFinalizer(l, (*Latch).Close)
	return l, nil
}

// CountDown lowers the count by n, stopping at zero; reaching zero releases
// every waiter. It fails with ErrInvalidArgument for n < 1 and ErrClosed
// after Close.
func (l *Latch) CountDown(n int64) error {
	native, ok := l.handle.acquire()
	if !ok {
		return closedError("latch count down", "latch")
	}
	status := C.ac_latch_count_down(native, C.int64_t(n))
	l.handle.release()
	runtime.KeepAlive(l)
	return statusError("latch count down", status)
}

// Count returns the current count (0 once l is closed).
func (l *Latch) Count() int64 {
	native, ok := l.handle.acquire()
	if !ok {
		return 0
	}
	var count C.int64_t
	C.ac_latch_count(native, &count)
	l.handle.release()
	runtime.KeepAlive(l)
	return int64(count)
}

func waitLatch(native *C.ac_latch, ns int64) C.ac_status {
	return C.ac_latch_wait(native, C.int64_t(ns))
}

// Wait blocks until the count is zero or ctx is done, like Event.Wait.
func (l *Latch) Wait(ctx context.Context) error {
	return waitOpen("latch wait", "latch", &l.handle, ctx, forever, waitLatch)
}

// WaitTimeout waits at most d for the count to reach zero, like
// Event.WaitTimeout.
func (l *Latch) WaitTimeout(d time.Duration) error {
	return waitOpen("latch wait", "latch", &l.handle, nil, d, waitLatch)
}

// Close releases the native latch. Goroutines waiting on it wake at once
// with ErrClosed; later calls fail with ErrClosed. Close is idempotent,
// safe alongside other calls, and returns nil.
func (l *Latch) Close() error {
	if l.adopted {
		if l.handle.close() {
			runtime.SetFinalizer(l, nil)
		}
		return nil
	}
	if closeWaking(&l.handle, func(native *C.ac_latch) { C.ac_latch_count_down(native, math.MaxInt64) }) {
		runtime.SetFinalizer(l, nil)
	}
	return nil
}

// Barrier is a cyclic barrier (Python's threading.Barrier): Wait blocks
// until Parties goroutines or threads are waiting, then releases them all,
// and the barrier refills for the next round. A wait that gives up (its
// timeout or context) breaks the barrier, as in Python: every waiter then
// fails with ErrBroken until Reset. Create it with NewBarrier.
type Barrier struct {
	handle handle[*C.ac_barrier]
	// adopted is set by BarrierFromHandle: Close releases the reference
	// without waking the object's waiters.
	adopted bool
}

func freeBarrier(barrier *C.ac_barrier) {
	C.ac_barrier_close(barrier)
	C.ac_barrier_release(barrier)
}

// NewBarrier returns a barrier for parties goroutines or threads. It fails
// with ErrInvalidArgument for parties < 1.
func NewBarrier(parties int) (*Barrier, error) {
	var native *C.ac_barrier
	if err := call("new barrier", func() C.ac_status { return C.ac_barrier_new(C.int64_t(parties), &native) }); err != nil {
		return nil, err
	}
	b := &Barrier{}
	b.handle.ptr = native
	b.handle.free = freeBarrier
	runtime.SetFinalizer(b, (*Barrier).Close)
	return b, nil
}

func (b *Barrier) release() {
	b.handle.release()
	runtime.KeepAlive(b)
}

// wait waits natively for at most timeout.
func (b *Barrier) wait(timeout time.Duration) (int, C.ac_status, error) {
	native, ok := b.handle.acquire()
	if !ok {
		return 0, C.AC_CLOSED, closedError("barrier wait", "barrier")
	}
	defer b.release()
	var index C.int64_t
	status := C.ac_barrier_wait(native, C.int64_t(timeout), &index)
	if isClosed(&b.handle) && status != C.AC_OK {
		return 0, C.AC_CLOSED, closedError("barrier wait", "barrier")
	}
	return int(index), status, statusError("barrier wait", status)
}

// Wait blocks until every party waits, and returns this caller's arrival
// index: 0 for the first to arrive, Parties()-1 for the last. It fails with
// ErrBroken if the barrier is or becomes broken, and with ErrClosed if it
// is closed before or while it waits. A barrier wait cannot be sliced (a
// timed-out native wait breaks the barrier), so a cancellable ctx is
// watched by a goroutine (context.AfterFunc) that aborts the barrier when
// ctx is done; Wait then returns ctx.Err() and the other waiters
// ErrBroken. A ctx that ends just as the barrier trips may break the next
// round instead.
func (b *Barrier) Wait(ctx context.Context) (int, error) {
	if ctx.Done() == nil {
		index, _, err := b.wait(forever)
		return index, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var finished, aborted atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		if !finished.Load() {
			aborted.Store(true)
			_ = b.Abort()
		}
	})
	index, status, err := b.wait(forever)
	finished.Store(true)
	stop()
	if status == C.AC_BROKEN && aborted.Load() {
		return 0, ctx.Err()
	}
	return index, err
}

// WaitTimeout is Wait giving up after d: then it breaks the barrier and
// fails with ErrTimeout (ErrWouldBlock for a d of 0, unless this caller
// completes the round). A negative d waits as long as it takes.
func (b *Barrier) WaitTimeout(d time.Duration) (int, error) {
	index, _, err := b.wait(d)
	return index, err
}

func (b *Barrier) simple(op string, fn func(*C.ac_barrier) C.ac_status) error {
	native, ok := b.handle.acquire()
	if !ok {
		return closedError(op, "barrier")
	}
	status := fn(native)
	b.release()
	return statusError(op, status)
}

// Abort breaks the barrier: waiters and later waits fail with ErrBroken
// until Reset.
func (b *Barrier) Abort() error {
	return b.simple("barrier abort", func(native *C.ac_barrier) C.ac_status { return C.ac_barrier_abort(native) })
}

// Reset returns the barrier to its empty, unbroken state; goroutines
// waiting on it now fail with ErrBroken.
func (b *Barrier) Reset() error {
	return b.simple("barrier reset", func(native *C.ac_barrier) C.ac_status { return C.ac_barrier_reset(native) })
}

// Broken reports whether the barrier is broken (true once it is closed).
func (b *Barrier) Broken() bool {
	var broken C.bool
	err := b.simple("barrier broken", func(native *C.ac_barrier) C.ac_status { return C.ac_barrier_is_broken(native, &broken) })
	return err != nil || bool(broken)
}

// NWaiting returns how many are waiting in the current round (0 once the
// barrier is closed).
func (b *Barrier) NWaiting() int {
	var waiting C.int64_t
	_ = b.simple("barrier waiting", func(native *C.ac_barrier) C.ac_status { return C.ac_barrier_n_waiting(native, &waiting) })
	return int(waiting)
}

// Parties returns the number of parties each round waits for (0 once the
// barrier is closed).
func (b *Barrier) Parties() int {
	var parties C.int64_t
	_ = b.simple("barrier parties", func(native *C.ac_barrier) C.ac_status { return C.ac_barrier_parties(native, &parties) })
	return int(parties)
}

// Close releases the native barrier. Goroutines waiting on it wake at once
// with ErrClosed; later calls fail with ErrClosed. Close is idempotent,
// safe alongside other calls, and returns nil.
func (b *Barrier) Close() error {
	if b.adopted {
		if b.handle.close() {
			runtime.SetFinalizer(b, nil)
		}
		return nil
	}
	if closeWaking(&b.handle, func(native *C.ac_barrier) { C.ac_barrier_abort(native) }) {
		runtime.SetFinalizer(b, nil)
	}
	return nil
}
