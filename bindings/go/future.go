package allcore

/*
#include "allcore.h"

#cgo noescape ac_future_get_state
#cgo nocallback ac_future_get_state
#cgo noescape ac_future_cancel
#cgo noescape ac_future_result
#cgo noescape ac_future_wait_any
#cgo noescape ac_future_wait_all
#include "shims.h"
*/
import "C"

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// FutureState is where a Future is in its life.
type FutureState int32

// The states of a Future.
const (
	// FuturePending means the task is queued and can still be cancelled.
	FuturePending FutureState = C.AC_FUTURE_PENDING
	// FutureRunning means a worker is running the task.
	FutureRunning FutureState = C.AC_FUTURE_RUNNING
	// FutureFinished means the task ran and its result is available.
	FutureFinished FutureState = C.AC_FUTURE_FINISHED
	// FutureCancelled means the task was cancelled before it started.
	FutureCancelled FutureState = C.AC_FUTURE_CANCELLED
)

// String returns the state's name, such as "running".
func (s FutureState) String() string {
	switch s {
	case FuturePending:
		return "pending"
	case FutureRunning:
		return "running"
	case FutureFinished:
		return "finished"
	case FutureCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("FutureState(%d)", int32(s))
}

// completion is the Go side of one future, reached from C through a
// cgo.Handle: the Go function to run, if any, and the done channel. The
// native done callback (allcoreFutureDone) closes done and deletes the
// handle. The library calls it exactly once for every future, even one that
// is closed or cancelled, so the handle never leaks.
type completion struct {
	task func() int64
	done chan struct{}

	// Written by run before the task completes, read after done is closed.
	panicked     bool
	panicMessage string
}

func newCompletion(task func() int64) *completion {
	return &completion{task: task, done: make(chan struct{})}
}

// run runs the Go task on a native worker thread. A panic is recovered and
// later reported by Result as ErrBroken, which is how the library reports a
// native task that panicked.
func (c *completion) run() int64 {
	defer func() {
		if recovered := recover(); recovered != nil {
			c.panicked = true
			c.panicMessage = fmt.Sprint(recovered)
		}
	}()
	return c.task()
}

func (c *completion) resolve() {
	close(c.done)
}

// Future is the pending or completed result of one task submitted to a
// Pool. Its methods are safe for concurrent use.
//
// A wait that cannot be cancelled (Wait with a context that is never done,
// WaitTimeout, WaitAll and WaitAny with such a context) blocks in the
// library, which is the fastest way to wait. A wait on a cancellable context
// parks the goroutine on the Done channel instead: the library calls back
// into Go when the task finishes or is cancelled, on the thread that
// completes or cancels it, and that callback closes the channel.
type Future struct {
	handle     handle[*C.ac_future]
	completion *completion
	watchOnce  sync.Once
	closed     chan struct{}
}

func freeFuture(future *C.ac_future) {
	C.ac_future_close(future)
	C.ac_future_release(future)
}

// newFuture wraps a native future; watched says whether completion's done
// callback is already registered.
func newFuture(native *C.ac_future, completion *completion, watched bool) *Future {
	f := &Future{completion: completion, closed: make(chan struct{})}
	f.handle.ptr = native
	f.handle.free = freeFuture
	if watched {
		f.watchOnce.Do(func() {})
	}
	runtime.SetFinalizer(f, (*Future).Close)
	return f
}

func (f *Future) acquire(op string) (*C.ac_future, error) {
	native, ok := f.handle.acquire()
	if !ok {
		return nil, newError(op, ErrClosed, "the future is closed")
	}
	return native, nil
}

// release ends a call begun by acquire; keeping f alive until here keeps its
// finalizer from freeing the native future during the call.
func (f *Future) release() {
	f.handle.release()
	runtime.KeepAlive(f)
}

// watch registers the done callback that closes the Done channel.
func (f *Future) watch() {
	native, err := f.acquire("future watch")
	if err != nil {
		return
	}
	defer f.release()
	handle := cgo.NewHandle(f.completion)
	if C.allcore_go_watch(native, C.uintptr_t(handle)) != C.AC_OK {
		handle.Delete()
	}
}

// Done returns a channel that is closed when the task has finished or has
// been cancelled. The first call asks the library for a done callback. The
// channel stays open if the future is closed before that.
func (f *Future) Done() <-chan struct{} {
	f.watchOnce.Do(f.watch)
	return f.completion.done
}

// wait blocks in the library for at most timeout (negative: forever).
func (f *Future) wait(timeout time.Duration) error {
	native, err := f.acquire("future wait")
	if err != nil {
		return err
	}
	defer f.release()
	return call("future wait", func() C.ac_status { return C.ac_future_wait(native, C.int64_t(timeout)) })
}

// Wait blocks until the task has finished or been cancelled, or ctx is done
// (then it returns ctx.Err()). It fails with ErrClosed once the future is
// closed; Close interrupts it only when ctx can be cancelled, otherwise the
// wait ends with the task.
func (f *Future) Wait(ctx context.Context) error {
	if ctx.Done() == nil {
		return f.wait(C.AC_FOREVER)
	}
	done := f.Done()
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case <-done:
		return nil
	case <-f.closed:
		return newError("future wait", ErrClosed, "the future is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitTimeout is Wait with a timeout instead of a context, following the
// library's convention: it fails with ErrTimeout when d passes first, a zero
// d only checks and fails with ErrWouldBlock, and a negative d waits as long
// as it takes.
func (f *Future) WaitTimeout(d time.Duration) error {
	return f.wait(d)
}

// Result waits like Wait, then returns the task's value, or its error:
// ErrCancelled when it was cancelled before it started, a kernel's error
// (ErrOverflow for Fib(93)), or ErrBroken when it panicked.
func (f *Future) Result(ctx context.Context) (int64, error) {
	if err := f.Wait(ctx); err != nil {
		return 0, err
	}
	native, err := f.acquire("future result")
	if err != nil {
		return 0, err
	}
	defer f.release()
	var value C.int64_t
	err = call("future result", func() C.ac_status { return C.ac_future_result(native, 0, &value) })
	if err == nil && f.completion.task != nil {
		// The done callback runs right after the task: once it has, the
		// outcome of the Go function is visible here.
		<-f.completion.done
		if f.completion.panicked {
			return 0, newError("future result", ErrBroken, "task panicked: "+f.completion.panicMessage)
		}
	}
	return int64(value), err
}

// Cancel cancels the task if it has not started and reports whether the
// future is now cancelled: false when the task is running or has finished,
// or when the future is closed.
func (f *Future) Cancel() bool {
	native, err := f.acquire("future cancel")
	if err != nil {
		return false
	}
	defer f.release()
	var cancelled C.bool
	if err := call("future cancel", func() C.ac_status { return C.ac_future_cancel(native, &cancelled) }); err != nil {
		return false
	}
	return bool(cancelled)
}

// State returns where the task is in its life.
func (f *Future) State() (FutureState, error) {
	native, err := f.acquire("future state")
	if err != nil {
		return 0, err
	}
	defer f.release()
	var state C.ac_future_state
	err = call("future state", func() C.ac_status { return C.ac_future_get_state(native, &state) })
	return FutureState(state), err
}

// Close releases the future; the task itself still runs, or stays
// cancelled. Later calls fail with ErrClosed, and waits on a cancellable
// context return it at once. The native future is freed when the last call
// in progress on it returns. Close is idempotent and always returns nil.
func (f *Future) Close() error {
	if f.handle.close() {
		close(f.closed)
		runtime.SetFinalizer(f, nil)
	}
	return nil
}

// acquireAll acquires every future for one call taking an array of them, or
// fails with ErrClosed if one is closed. The caller must call the returned
// release function.
func acquireAll(op string, futures []*Future) ([]*C.ac_future, func(), error) {
	natives := make([]*C.ac_future, 0, len(futures))
	release := func() {
		for _, f := range futures[:len(natives)] {
			f.release()
		}
	}
	for _, f := range futures {
		native, err := f.acquire(op)
		if err != nil {
			release()
			return nil, nil, err
		}
		natives = append(natives, native)
	}
	return natives, release, nil
}

// WaitAny blocks until at least one of futures is done and returns the index
// of a done one. It fails with ErrInvalidArgument when futures is empty, with
// ErrClosed when one of them is closed, and with ctx.Err() when ctx is done
// first.
func WaitAny(ctx context.Context, futures ...*Future) (int, error) {
	if len(futures) == 0 {
		return 0, newError("wait any", ErrInvalidArgument, "no futures to wait for")
	}
	if ctx.Done() == nil {
		natives, release, err := acquireAll("wait any", futures)
		if err != nil {
			return 0, err
		}
		defer release()
		var index C.size_t
		err = call("wait any", func() C.ac_status {
			return C.ac_future_wait_any(&natives[0], C.size_t(len(natives)), C.AC_FOREVER, &index)
		})
		return int(index), err
	}
	// Cases: ctx.Done(), then each future's done and closed channels.
	cases := make([]reflect.SelectCase, 1, 1+2*len(futures))
	cases[0] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}
	for _, f := range futures {
		cases = append(cases,
			reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(f.Done())},
			reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(f.closed)})
	}
	chosen, _, _ := reflect.Select(cases)
	switch {
	case chosen == 0:
		return 0, ctx.Err()
	case chosen%2 == 0:
		return 0, newError("wait any", ErrClosed, "the future is closed")
	}
	return (chosen - 1) / 2, nil
}

// WaitAll blocks until every one of futures is done. It fails like Wait
// with the first error it meets.
func WaitAll(ctx context.Context, futures ...*Future) error {
	if ctx.Done() == nil {
		natives, release, err := acquireAll("wait all", futures)
		if err != nil {
			return err
		}
		defer release()
		if len(natives) == 0 {
			return nil
		}
		return call("wait all", func() C.ac_status {
			return C.ac_future_wait_all(&natives[0], C.size_t(len(natives)), C.AC_FOREVER)
		})
	}
	for _, f := range futures {
		if err := f.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
