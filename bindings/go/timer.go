package allcore

/*
#include <stdint.h>

#include "allcore.h"
#include "shims.h"

// Exported by callbacks.go.
int64_t allcoreRunTask(uintptr_t context);

static int64_t allcore_go_timer_task(void *context) {
	return allcoreRunTask((uintptr_t)context);
}

// Sets the Go task behind `completion` to run after delay_ns and registers
// its done callback, as allcore_go_submit does for an immediate task.
static ac_status allcore_go_submit_after(const ac_pool *pool, int64_t delay_ns,
                                         uintptr_t completion, ac_future **out_future) {
	ac_future *future = NULL;
	ac_status status =
		ac_pool_submit_after(pool, delay_ns, allcore_go_timer_task, (void *)completion, &future);
	if (status != AC_OK) {
		return status;
	}
	status = allcore_go_watch(future, completion);
	if (status != AC_OK) {
		// The done callback is what releases `completion`: cancel the task
		// (or wait for it) before giving the future up.
		ac_future_cancel(future, NULL);
		ac_future_wait(future, AC_FOREVER);
		ac_future_release(future);
		return status;
	}
	*out_future = future;
	return AC_OK;
}

#cgo noescape ac_pool_submit_after
#cgo nocallback ac_pool_submit_after
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Timer is a function waiting to run on a pool after a delay, made by
// AfterFunc or Pool.AfterFunc; like the *time.Timer of time.AfterFunc, Stop
// stops it and Reset sets it again. All of a pool's pending timers wait in
// the pool's one timer thread (started by its first timer), not a goroutine
// or thread each; when one is due, a pool worker runs its function. Its
// methods are safe for concurrent use.
type Timer struct {
	pool *Pool
	task func() int64
	mu   sync.Mutex
	// The native timer of the latest AfterFunc or Reset.
	future *Future
}

// current returns the future of the latest arming.
func (t *Timer) current() *Future {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.future
}

// stop cancels future if it has not started and reports whether this call
// cancelled it.
func stop(future *Future) bool {
	if state, err := future.State(); err != nil || state != FuturePending {
		return false
	}
	return future.Cancel()
}

// Stop prevents the timer from firing. It returns true if the call stops
// the timer, false if the timer has already fired (its function may still
// be running), been stopped, or been cancelled by the pool's shutdown. Stop
// does not wait for a running function: use Done for that.
func (t *Timer) Stop() bool {
	return stop(t.current())
}

// Reset makes the timer call its function again once d has elapsed, as
// time.Timer.Reset does for an AfterFunc timer: a pending call is replaced,
// and a call that already fired or was stopped happens once more. It
// returns true if the timer was pending. It fails with ErrClosed after the
// pool's shutdown.
func (t *Timer) Reset(d time.Duration) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	wasPending := stop(t.future)
	future, err := t.pool.submitAfter(d, t.task)
	if err != nil {
		return wasPending, err
	}
	t.future = future
	return wasPending, nil
}

// Done returns a channel that is closed once the timer's function has
// returned, or once the timer was stopped or cancelled by the pool's
// shutdown. After Reset it reports on the new arming.
func (t *Timer) Done() <-chan struct{} {
	return t.current().Done()
}

// nativeDelay converts d for the C ABI: a negative d counts as 0, as in
// time.AfterFunc.
func nativeDelay(d time.Duration) C.int64_t {
	if d < 0 {
		d = 0
	}
	return C.int64_t(d)
}

// AfterFunc waits for d to elapse and then calls f on one of the pool's
// native worker threads, and returns a Timer whose Stop cancels the call.
// A negative or zero d runs f as soon as a worker is free. A panic in f
// crashes the program, as one in a time.AfterFunc function does. Closing
// or shutting down the pool cancels its pending timers. It fails with
// ErrNullPointer for a nil f and ErrClosed after shutdown.
func (p *Pool) AfterFunc(d time.Duration, f func()) (*Timer, error) {
	if f == nil {
		return nil, newError("pool after func", ErrNullPointer, "a nil function")
	}
	task := func() int64 {
		defer func() {
			if recovered := recover(); recovered != nil {
				// As an unrecovered panic in a goroutine: the program stops.
				go func() { panic(recovered) }()
				select {}
			}
		}()
		f()
		return 0
	}
	future, err := p.submitAfter(d, task)
	if err != nil {
		return nil, err
	}
	return &Timer{pool: p, task: task, future: future}, nil
}

// submitAfter queues the Go task to run on a worker once d has elapsed.
func (p *Pool) submitAfter(d time.Duration, task func() int64) (*Future, error) {
	native, err := p.acquire("pool after func")
	if err != nil {
		return nil, err
	}
	defer p.release()
	completion := newCompletion(task)
	handle := cgo.NewHandle(completion)
	var future *C.ac_future
	if err := call("pool after func", func() C.ac_status {
		return C.allcore_go_submit_after(native, nativeDelay(d), C.uintptr_t(handle), &future)
	}); err != nil {
		handle.Delete()
		return nil, err
	}
	return newFuture(future, completion, true), nil
}

// SubmitFuncAfter queues the C function task, of type int64_t
// (*)(void *context), to run on a worker with context once d has elapsed,
// without entering Go, and returns its future (whose value is what task
// returns and whose Cancel stops it before it runs). context must be nil or
// C memory that outlives the task: C may not keep Go pointers. A negative d
// counts as 0. It fails with ErrNullPointer for a nil task and ErrClosed
// after shutdown.
func (p *Pool) SubmitFuncAfter(d time.Duration, task, context unsafe.Pointer) (*Future, error) {
	native, err := p.acquire("pool submit func after")
	if err != nil {
		return nil, err
	}
	defer p.release()
	var future *C.ac_future
	if err := call("pool submit func after", func() C.ac_status {
		return C.ac_pool_submit_after(native, nativeDelay(d), C.ac_task_fn(task), context, &future)
	}); err != nil {
		return nil, err
	}
	return newFuture(future, newCompletion(nil), false), nil
}

var timerPool struct {
	once sync.Once
	pool *Pool
	err  error
}

// sharedTimerPool is the pool behind the package-level AfterFunc, started
// on first use with max(4, AvailableCPUs()) workers named "allcore-timer-<i>".
func sharedTimerPool() (*Pool, error) {
	timerPool.once.Do(func() {
		timerPool.pool, timerPool.err = NewPool(max(4, AvailableCPUs()), WithNamePrefix("allcore-timer"))
	})
	return timerPool.pool, timerPool.err
}

// AfterFunc is Pool.AfterFunc on a pool the package shares between all its
// timers (started by the first call, with max(4, AvailableCPUs()) workers
// named "allcore-timer-<index>"), in the form of time.AfterFunc: it waits
// for d to elapse and then calls f on a worker of that pool. It panics with
// ErrNullPointer for a nil f, and with ErrNoMemory when the pool's threads
// cannot be started.
func AfterFunc(d time.Duration, f func()) *Timer {
	pool, err := sharedTimerPool()
	if err != nil {
		panic(err)
	}
	timer, err := pool.AfterFunc(d, f)
	if err != nil {
		panic(err)
	}
	return timer
}
