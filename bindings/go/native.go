package allcore

/*
#include "allcore.h"

#cgo noescape ac_pool_parallel_for
*/
import "C"

import "unsafe"

// ParallelForFunc calls the C function fn(context, begin, end) over
// consecutive chunks of [0, n) of at most chunk indices (0 picks a size), on
// the workers and the calling thread, and returns when every chunk is done,
// without entering Go. fn is a C function pointer of type
// void (*)(void *context, size_t begin, size_t end), such as one from a C
// library or cgo. context is handed to fn unchanged; it may point to Go
// memory that holds no Go pointers (a []float64's first element), since C
// uses it only until ParallelForFunc returns. It fails with ErrNullPointer
// for a nil fn and ErrInvalidArgument for a negative n or chunk.
func (p *Pool) ParallelForFunc(n, chunk int, fn, context unsafe.Pointer) error {
	if n < 0 || chunk < 0 {
		return newError("pool parallel for func", ErrInvalidArgument, "a negative count or chunk size")
	}
	if fn == nil {
		return newError("pool parallel for func", ErrNullPointer, "a nil function")
	}
	native, err := p.acquire("pool parallel for func")
	if err != nil {
		return err
	}
	defer p.release()
	return call("pool parallel for func", func() C.ac_status {
		return C.ac_pool_parallel_for(native, C.size_t(n), C.size_t(chunk), C.ac_for_fn(fn), context)
	})
}

// SubmitFunc queues the C function fn(context) to run on one of the pool's
// native worker threads, without entering Go, and returns its future, whose
// value is what fn returns. fn is a C function pointer of type
// int64_t (*)(void *context). The task uses context after SubmitFunc
// returns, so it must not point to Go memory: use C memory (C.malloc) or
// nil, and keep it valid until the future is done. It fails with
// ErrNullPointer for a nil fn and ErrClosed after shutdown.
func (p *Pool) SubmitFunc(fn, context unsafe.Pointer) (*Future, error) {
	if fn == nil {
		return nil, newError("pool submit func", ErrNullPointer, "a nil function")
	}
	native, err := p.acquire("pool submit func")
	if err != nil {
		return nil, err
	}
	defer p.release()
	var future *C.ac_future
	if err := call("pool submit func", func() C.ac_status {
		return C.ac_pool_submit(native, C.ac_task_fn(fn), context, &future)
	}); err != nil {
		return nil, err
	}
	return newFuture(future, newCompletion(nil), false), nil
}
