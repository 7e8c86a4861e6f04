package allcore

/*
#include <stdlib.h>

#include "allcore.h"
#include "shims.h"

#cgo noescape ac_pool_new
#cgo nocallback ac_pool_new
#cgo noescape ac_pool_get_stats
#cgo nocallback ac_pool_get_stats
#cgo noescape ac_pool_map_kernel
#cgo nocallback ac_pool_map_kernel
#cgo noescape ac_pool_map
#cgo noescape ac_pool_range_sum
#cgo nocallback ac_pool_range_sum
#cgo noescape ac_pool_busy_loop_for
#cgo nocallback ac_pool_busy_loop_for
#cgo noescape allcore_go_submit
#cgo noescape ac_pool_submit_kernel
#cgo nocallback ac_pool_submit_kernel
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Kernel names a built-in CPU kernel the pool can run without calling back
// into Go.
type Kernel int32

// The built-in kernels. Each takes up to two int64 arguments, a and b.
const (
	// KernelFib computes Fib(a); b is ignored.
	KernelFib Kernel = C.AC_KERNEL_FIB
	// KernelBusyLoop runs BusyLoop(a) and yields the loop's final state; b
	// is ignored.
	KernelBusyLoop Kernel = C.AC_KERNEL_BUSY_LOOP
	// KernelBusyLoopFor spins for a nanoseconds and yields the iteration
	// count; b is ignored.
	KernelBusyLoopFor Kernel = C.AC_KERNEL_BUSY_LOOP_FOR
	// KernelRangeSum computes RangeSum(a, b).
	KernelRangeSum Kernel = C.AC_KERNEL_RANGE_SUM
)

// ShutdownMode says what Pool.Shutdown does with tasks not yet started.
type ShutdownMode int32

// The shutdown modes.
const (
	// ShutdownDrain runs every queued task before the workers stop.
	ShutdownDrain ShutdownMode = C.AC_SHUTDOWN_DRAIN
	// ShutdownCancel cancels every queued task (their futures report
	// ErrCancelled) and lets running ones finish.
	ShutdownCancel ShutdownMode = C.AC_SHUTDOWN_CANCEL
)

// PoolStats is a snapshot of a pool's counters.
type PoolStats struct {
	// Workers is the number of worker threads alive.
	Workers int
	// Queued is the number of tasks submitted and not yet taken by a worker.
	Queued int
	// Running is the number of tasks running now.
	Running int
	// Completed is the number of tasks that ran to completion.
	Completed uint64
}

// An Option configures NewPool.
type Option func(*poolOptions)

type poolOptions struct {
	namePrefix string
}

// WithNamePrefix names the pool's worker threads "<prefix>-<index>" (as seen
// by debuggers and top -H) instead of "allcore-<index>".
func WithNamePrefix(prefix string) Option {
	return func(options *poolOptions) { options.namePrefix = prefix }
}

// Pool is a pool of native worker threads. Its methods are safe for
// concurrent use; the blocking ones (Map, MapFunc, ParallelFor,
// ParallelForFunc, RangeSum, BusyLoopFor) also put the calling thread to
// work.
type Pool struct {
	handle handle[*C.ac_pool]
	// adopted is set for a pool from PoolFromHandle: Close releases it
	// without shutting it down.
	adopted bool
}

func freePool(pool *C.ac_pool) {
	C.ac_pool_close(pool)
	C.ac_pool_release(pool)
}

// NewPool starts a pool of workers native threads; 0 starts the number the
// environment variable ALLCORE_NUM_THREADS gives when it is set (as
// OMP_NUM_THREADS sizes OpenMP), else one per CPU the process may use
// (AvailableCPUs). It fails with ErrInvalidArgument for a negative count or
// one above 4096, or for 0 when ALLCORE_NUM_THREADS is set to anything but a
// whole number from 1 to 4096, and ErrNoMemory when the threads cannot be
// started.
func NewPool(workers int, opts ...Option) (*Pool, error) {
	if workers < 0 {
		return nil, newError("new pool", ErrInvalidArgument, "a negative worker count")
	}
	var options poolOptions
	for _, opt := range opts {
		opt(&options)
	}
	var prefix *C.char
	if options.namePrefix != "" {
		prefix = C.CString(options.namePrefix)
		defer C.free(unsafe.Pointer(prefix))
	}
	var native *C.ac_pool
	if err := call("new pool", func() C.ac_status {
		return C.ac_pool_new(C.size_t(workers), prefix, &native)
	}); err != nil {
		return nil, err
	}
	p := &Pool{}
	p.handle.ptr = native
	p.handle.free = freePool
	runtime.SetFinalizer(p, (*Pool).Close)
	return p, nil
}

func (p *Pool) acquire(op string) (*C.ac_pool, error) {
	native, ok := p.handle.acquire()
	if !ok {
		return nil, newError(op, ErrClosed, "the pool is closed")
	}
	return native, nil
}

// release ends a call begun by acquire; keeping p alive until here keeps its
// finalizer from freeing the native pool during the call.
func (p *Pool) release() {
	p.handle.release()
	runtime.KeepAlive(p)
}

// Close shuts the pool down, cancelling the tasks not yet started (their
// futures report ErrCancelled), waits for the running ones and the worker
// threads, and releases the pool. Calls in progress on other goroutines
// finish first; later calls fail with ErrClosed. Close is idempotent.
func (p *Pool) Close() error {
	native, ok := p.handle.acquire()
	if !ok {
		return nil
	}
	var err error
	if !p.adopted {
		err = call("pool close", func() C.ac_status {
			return C.ac_pool_shutdown(native, C.AC_SHUTDOWN_CANCEL)
		})
	}
	if p.handle.close() {
		runtime.SetFinalizer(p, nil)
	}
	p.release()
	return err
}

// Shutdown stops the pool accepting tasks (later submissions fail with
// ErrClosed) and either runs or cancels the queued ones according to mode.
// With wait it returns once every worker thread has exited (except the
// calling one, when called from a task). Every future is resolved either
// way. The pool still needs Close.
func (p *Pool) Shutdown(mode ShutdownMode, wait bool) error {
	native, err := p.acquire("pool shutdown")
	if err != nil {
		return err
	}
	defer p.release()
	flags := C.ac_shutdown(mode)
	if !wait {
		flags |= C.AC_SHUTDOWN_NO_WAIT
	}
	return call("pool shutdown", func() C.ac_status { return C.ac_pool_shutdown(native, flags) })
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() (PoolStats, error) {
	native, err := p.acquire("pool stats")
	if err != nil {
		return PoolStats{}, err
	}
	defer p.release()
	var stats C.ac_pool_stats
	if err := call("pool stats", func() C.ac_status { return C.ac_pool_get_stats(native, &stats) }); err != nil {
		return PoolStats{}, err
	}
	return PoolStats{
		Workers:   int(stats.workers),
		Queued:    int(stats.queued),
		Running:   int(stats.running),
		Completed: uint64(stats.completed),
	}, nil
}

// SubmitKernel queues a built-in kernel with arguments a and b and returns
// its future. The kernel's own errors (ErrOverflow for Fib(93)) are reported
// by the future. It fails with ErrInvalidArgument for an unknown kernel and
// ErrClosed after shutdown.
func (p *Pool) SubmitKernel(kernel Kernel, a, b int64) (*Future, error) {
	native, err := p.acquire("pool submit kernel")
	if err != nil {
		return nil, err
	}
	defer p.release()
	var future *C.ac_future
	if err := call("pool submit kernel", func() C.ac_status {
		return C.ac_pool_submit_kernel(native, C.ac_kernel(kernel), C.int64_t(a), C.int64_t(b), &future)
	}); err != nil {
		return nil, err
	}
	return newFuture(future, newCompletion(nil), false), nil
}

// Submit queues task to run on one of the pool's native worker threads and
// returns its future, whose value is what task returns. A panic in task is
// recovered and reported by the future as ErrBroken. Entering Go from a
// native thread costs a cgo callback per task, and one more when the future
// is done; prefer SubmitKernel or Map for small pieces of work. It fails with
// ErrClosed after shutdown.
func (p *Pool) Submit(task func() int64) (*Future, error) {
	if task == nil {
		return nil, newError("pool submit", ErrNullPointer, "a nil task")
	}
	native, err := p.acquire("pool submit")
	if err != nil {
		return nil, err
	}
	defer p.release()
	completion := newCompletion(task)
	handle := cgo.NewHandle(completion)
	var future *C.ac_future
	if err := call("pool submit", func() C.ac_status {
		return C.allcore_go_submit(native, C.uintptr_t(handle), &future)
	}); err != nil {
		handle.Delete()
		return nil, err
	}
	return newFuture(future, completion, true), nil
}

// int64Pointer returns the C view of a slice's first element, or nil for an
// empty slice. C reads or writes it only for the duration of one call.
func int64Pointer(values []int64) *C.int64_t {
	if len(values) == 0 {
		return nil
	}
	return (*C.int64_t)(unsafe.Pointer(&values[0]))
}

// Map returns kernel(input) for every input, computed in parallel on the
// workers and the calling thread without entering Go. It accepts KernelFib,
// KernelBusyLoop and KernelBusyLoopFor; Fib inputs are all checked before any
// work starts.
func (p *Pool) Map(kernel Kernel, inputs []int64) ([]int64, error) {
	native, err := p.acquire("pool map")
	if err != nil {
		return nil, err
	}
	defer p.release()
	outputs := make([]int64, len(inputs))
	err = call("pool map", func() C.ac_status {
		return C.ac_pool_map_kernel(native, C.ac_kernel(kernel), int64Pointer(inputs), int64Pointer(outputs), C.size_t(len(inputs)))
	})
	if err != nil {
		return nil, err
	}
	return outputs, nil
}

// MapFunc returns fn(input) for every input, computed in parallel on the
// workers and the calling thread, where fn is a C function pointer of type
// int64_t (*)(int64_t), such as one obtained from a C library or cgo. It
// fails with ErrNullPointer for a nil fn.
func (p *Pool) MapFunc(fn unsafe.Pointer, inputs []int64) ([]int64, error) {
	native, err := p.acquire("pool map func")
	if err != nil {
		return nil, err
	}
	defer p.release()
	outputs := make([]int64, len(inputs))
	err = call("pool map func", func() C.ac_status {
		return C.ac_pool_map(native, C.ac_map_fn(fn), int64Pointer(inputs), int64Pointer(outputs), C.size_t(len(inputs)), 0)
	})
	if err != nil {
		return nil, err
	}
	return outputs, nil
}

// forBody is the Go state of one ParallelFor, reached from C through a
// cgo.Handle.
type forBody struct {
	body      func(begin, end int)
	panicked  atomic.Bool
	panicOnce sync.Once
	recovered any
}

// run handles one chunk. After a panic the remaining chunks are skipped and
// the first panic is kept for ParallelFor to raise again.
func (f *forBody) run(begin, end int) {
	if f.panicked.Load() {
		return
	}
	defer func() {
		if recovered := recover(); recovered != nil {
			f.panicOnce.Do(func() { f.recovered = recovered })
			f.panicked.Store(true)
		}
	}()
	f.body(begin, end)
}

// ParallelFor calls body(begin, end) over consecutive chunks of [0, n) of at
// most chunk indices (0 picks a size), on the workers and the calling
// thread, and returns when every chunk is done: Go's version of OpenMP's
// parallel for. Chunks run concurrently, each through a cgo callback, so
// give each one enough work. If body panics, the remaining chunks are
// skipped and ParallelFor panics with the same value on the calling
// goroutine. It fails with ErrInvalidArgument for a negative n or chunk.
func (p *Pool) ParallelFor(n, chunk int, body func(begin, end int)) error {
	if n < 0 || chunk < 0 {
		return newError("pool parallel for", ErrInvalidArgument, "a negative count or chunk size")
	}
	if body == nil {
		return newError("pool parallel for", ErrNullPointer, "a nil body")
	}
	native, err := p.acquire("pool parallel for")
	if err != nil {
		return err
	}
	defer p.release()
	state := &forBody{body: body}
	handle := cgo.NewHandle(state)
	defer handle.Delete()
	err = call("pool parallel for", func() C.ac_status {
		return C.allcore_go_parallel_for(native, C.size_t(n), C.size_t(chunk), C.uintptr_t(handle))
	})
	if state.panicked.Load() {
		panic(state.recovered)
	}
	return err
}

// RangeSum is the package's RangeSum split across the workers and the
// calling thread, with the same overflow rule: ErrOverflow before any work.
func (p *Pool) RangeSum(start, stop int64) (int64, error) {
	native, err := p.acquire("pool range sum")
	if err != nil {
		return 0, err
	}
	defer p.release()
	var sum C.int64_t
	err = call("pool range sum", func() C.ac_status {
		return C.ac_pool_range_sum(native, C.int64_t(start), C.int64_t(stop), &sum)
	})
	return int64(sum), err
}

// BusyLoopFor spins for d on one thread per worker, up to the CPUs,
// filling every core, and returns the total iteration count. It fails with
// ErrInvalidArgument for a negative d.
func (p *Pool) BusyLoopFor(d time.Duration) (uint64, error) {
	native, err := p.acquire("pool busy loop")
	if err != nil {
		return 0, err
	}
	defer p.release()
	var iterations C.uint64_t
	err = call("pool busy loop", func() C.ac_status {
		return C.ac_pool_busy_loop_for(native, C.int64_t(d), &iterations)
	})
	return uint64(iterations), err
}
