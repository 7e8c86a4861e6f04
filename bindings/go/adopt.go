package allcore

/*
#include "allcore.h"

#cgo nocallback ac_pool_retain
#cgo nocallback ac_pool_release
#cgo nocallback ac_queue_retain
#cgo nocallback ac_queue_release
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Handle returns the native ac_pool pointer, to hand the pool to C or to
// another language in the process (a Python ThreadPool adopts it with
// ThreadPool.from_handle). It stays valid while p is open; a receiver that
// keeps it longer takes a reference of its own with ac_pool_retain.
func (p *Pool) Handle() unsafe.Pointer {
	return unsafe.Pointer(p.handle.ptr)
}

// PoolFromHandle adopts a native ac_pool made elsewhere (by C, or a Python
// ThreadPool's handle), taking a reference of its own. Close releases that
// reference only: the pool keeps running for its other owners.
func PoolFromHandle(h unsafe.Pointer) (*Pool, error) {
	if h == nil {
		return nil, newError("pool from handle", ErrNullPointer, "a nil handle")
	}
	p := &Pool{adopted: true}
	p.handle.ptr = C.ac_pool_retain((*C.ac_pool)(h))
	p.handle.free = releasePool
	runtime.SetFinalizer(p, (*Pool).Close)
	return p, nil
}

func releasePool(pool *C.ac_pool) {
	C.ac_pool_release(pool)
}

// Handle returns the native ac_queue pointer, to hand the queue to C or to
// another language in the process. It stays valid while q is open; a
// receiver that keeps it longer takes a reference of its own with
// ac_queue_retain.
func (q *Queue[T]) Handle() unsafe.Pointer {
	return unsafe.Pointer(q.handle.ptr)
}

// QueueFromHandle adopts a native ac_queue made elsewhere (by C, or a
// Python Queue's handle), taking a reference of its own; codec encodes and
// decodes its items, so it must match what the other owners put (an
// ac_queue_new_u64 queue takes FixedCodec[uint64]). Close releases that
// reference only: the queue stays open for its other owners.
func QueueFromHandle[T any](codec Codec[T], h unsafe.Pointer) (*Queue[T], error) {
	if h == nil {
		return nil, newError("queue from handle", ErrNullPointer, "a nil handle")
	}
	q, err := newQueue("queue from handle", codec, func(out **C.ac_queue) C.ac_status {
		*out = C.ac_queue_retain((*C.ac_queue)(h))
		return C.AC_OK
	})
	if err != nil {
		return nil, err
	}
	q.adopted = true
	q.handle.free = releaseQueue
	return q, nil
}

func releaseQueue(queue *C.ac_queue) {
	C.ac_queue_release(queue)
}
