package allcore

/*
#include "allcore.h"

#cgo nocallback ac_pool_retain
#cgo nocallback ac_pool_release
#cgo nocallback ac_queue_retain
#cgo nocallback ac_queue_release
#cgo nocallback ac_mutex_retain
#cgo nocallback ac_mutex_release
#cgo nocallback ac_rlock_retain
#cgo nocallback ac_rlock_release
#cgo nocallback ac_rwlock_retain
#cgo nocallback ac_rwlock_release
#cgo nocallback ac_semaphore_retain
#cgo nocallback ac_semaphore_release
#cgo nocallback ac_counter_retain
#cgo nocallback ac_counter_release
#cgo nocallback ac_event_retain
#cgo nocallback ac_event_release
#cgo nocallback ac_latch_retain
#cgo nocallback ac_latch_release
#cgo nocallback ac_barrier_retain
#cgo nocallback ac_barrier_release
#cgo nocallback ac_condition_retain
#cgo nocallback ac_condition_release
#cgo nocallback ac_topic_retain
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

// Handle returns the native ac_mutex pointer, to hand the mutex to C or to
// another language in the process; it stays valid while m is open.
func (m *Mutex) Handle() unsafe.Pointer {
	return unsafe.Pointer(m.handle.ptr)
}

// MutexFromHandle adopts a native ac_mutex made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference.
func MutexFromHandle(h unsafe.Pointer) (*Mutex, error) {
	if h == nil {
		return nil, newError("mutex from handle", ErrNullPointer, "a nil handle")
	}
	m := &Mutex{}
	m.handle.ptr = C.ac_mutex_retain((*C.ac_mutex)(h))
	m.handle.free = func(native *C.ac_mutex) { C.ac_mutex_release(native) }
	runtime.SetFinalizer(m, (*Mutex).Close)
	return m, nil
}

// Handle returns the native ac_rlock pointer, to hand the lock to C or to
// another language in the process; it stays valid while l is open.
func (l *RLock) Handle() unsafe.Pointer {
	return unsafe.Pointer(l.handle.ptr)
}

// RLockFromHandle adopts a native ac_rlock made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference.
func RLockFromHandle(h unsafe.Pointer) (*RLock, error) {
	if h == nil {
		return nil, newError("lock from handle", ErrNullPointer, "a nil handle")
	}
	l := &RLock{}
	l.handle.ptr = C.ac_rlock_retain((*C.ac_rlock)(h))
	l.handle.free = func(native *C.ac_rlock) { C.ac_rlock_release(native) }
	runtime.SetFinalizer(l, (*RLock).Close)
	return l, nil
}

// Handle returns the native ac_rwlock pointer, to hand the lock to C or to
// another language in the process; it stays valid while rw is open.
func (rw *RWMutex) Handle() unsafe.Pointer {
	return unsafe.Pointer(rw.handle.ptr)
}

// RWMutexFromHandle adopts a native ac_rwlock made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference.
func RWMutexFromHandle(h unsafe.Pointer) (*RWMutex, error) {
	if h == nil {
		return nil, newError("lock from handle", ErrNullPointer, "a nil handle")
	}
	rw := &RWMutex{}
	rw.handle.ptr = C.ac_rwlock_retain((*C.ac_rwlock)(h))
	rw.handle.free = func(native *C.ac_rwlock) { C.ac_rwlock_release(native) }
	runtime.SetFinalizer(rw, (*RWMutex).Close)
	return rw, nil
}

// Handle returns the native ac_semaphore pointer, to hand the semaphore to C or to
// another language in the process; it stays valid while s is open.
func (s *Semaphore) Handle() unsafe.Pointer {
	return unsafe.Pointer(s.handle.ptr)
}

// SemaphoreFromHandle adopts a native ac_semaphore made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference.
func SemaphoreFromHandle(h unsafe.Pointer) (*Semaphore, error) {
	if h == nil {
		return nil, newError("semaphore from handle", ErrNullPointer, "a nil handle")
	}
	s := &Semaphore{}
	s.handle.ptr = C.ac_semaphore_retain((*C.ac_semaphore)(h))
	s.handle.free = func(native *C.ac_semaphore) { C.ac_semaphore_release(native) }
	runtime.SetFinalizer(s, (*Semaphore).Close)
	return s, nil
}

// Handle returns the native ac_counter pointer, to hand the counter to C or to
// another language in the process; it stays valid while c is open.
func (c *Counter) Handle() unsafe.Pointer {
	return unsafe.Pointer(c.handle.ptr)
}

// CounterFromHandle adopts a native ac_counter made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference.
func CounterFromHandle(h unsafe.Pointer) (*Counter, error) {
	if h == nil {
		return nil, newError("counter from handle", ErrNullPointer, "a nil handle")
	}
	c := &Counter{}
	c.handle.ptr = C.ac_counter_retain((*C.ac_counter)(h))
	c.handle.free = func(native *C.ac_counter) { C.ac_counter_release(native) }
	runtime.SetFinalizer(c, (*Counter).Close)
	return c, nil
}

// Handle returns the native ac_event pointer, to hand the event to C or to
// another language in the process; it stays valid while e is open.
func (e *Event) Handle() unsafe.Pointer {
	return unsafe.Pointer(e.handle.ptr)
}

// EventFromHandle adopts a native ac_event made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference and wakes no waiter.
func EventFromHandle(h unsafe.Pointer) (*Event, error) {
	if h == nil {
		return nil, newError("event from handle", ErrNullPointer, "a nil handle")
	}
	e := &Event{adopted: true}
	e.handle.ptr = C.ac_event_retain((*C.ac_event)(h))
	e.handle.free = func(native *C.ac_event) { C.ac_event_release(native) }
	runtime.SetFinalizer(e, (*Event).Close)
	return e, nil
}

// Handle returns the native ac_latch pointer, to hand the latch to C or to
// another language in the process; it stays valid while l is open.
func (l *Latch) Handle() unsafe.Pointer {
	return unsafe.Pointer(l.handle.ptr)
}

// LatchFromHandle adopts a native ac_latch made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference and wakes no waiter.
func LatchFromHandle(h unsafe.Pointer) (*Latch, error) {
	if h == nil {
		return nil, newError("latch from handle", ErrNullPointer, "a nil handle")
	}
	l := &Latch{adopted: true}
	l.handle.ptr = C.ac_latch_retain((*C.ac_latch)(h))
	l.handle.free = func(native *C.ac_latch) { C.ac_latch_release(native) }
	runtime.SetFinalizer(l, (*Latch).Close)
	return l, nil
}

// Handle returns the native ac_barrier pointer, to hand the barrier to C or to
// another language in the process; it stays valid while b is open.
func (b *Barrier) Handle() unsafe.Pointer {
	return unsafe.Pointer(b.handle.ptr)
}

// BarrierFromHandle adopts a native ac_barrier made elsewhere (by C, or a Python
// object's handle), taking a reference of its own; Close releases only that
// reference and wakes no waiter.
func BarrierFromHandle(h unsafe.Pointer) (*Barrier, error) {
	if h == nil {
		return nil, newError("barrier from handle", ErrNullPointer, "a nil handle")
	}
	b := &Barrier{adopted: true}
	b.handle.ptr = C.ac_barrier_retain((*C.ac_barrier)(h))
	b.handle.free = func(native *C.ac_barrier) { C.ac_barrier_release(native) }
	runtime.SetFinalizer(b, (*Barrier).Close)
	return b, nil
}

// Handle returns the native ac_condition pointer, to hand the condition to C
// or to another language in the process; it stays valid while c is open.
func (c *Cond) Handle() unsafe.Pointer {
	return unsafe.Pointer(c.handle.ptr)
}

// CondFromHandle adopts a native ac_condition made elsewhere (by C, or a
// Python Condition's handle), used with l, the mutex its other owners wait
// with; it takes a reference of its own, and Close releases only that
// reference. It fails with ErrNullPointer for a nil handle or l.
func CondFromHandle(l *Mutex, h unsafe.Pointer) (*Cond, error) {
	if h == nil || l == nil {
		return nil, newError("cond from handle", ErrNullPointer, "a nil handle or mutex")
	}
	c := &Cond{L: l}
	c.handle.ptr = C.ac_condition_retain((*C.ac_condition)(h))
	c.handle.free = func(native *C.ac_condition) { C.ac_condition_release(native) }
	runtime.SetFinalizer(c, (*Cond).Close)
	return c, nil
}

// Handle returns the native ac_topic pointer, to hand the topic to C or to
// another language in the process; it stays valid while t is open.
func (t *Topic) Handle() unsafe.Pointer {
	return unsafe.Pointer(t.handle.ptr)
}

// TopicFromHandle adopts a native ac_topic made elsewhere (by C, or a Python
// Topic's handle), taking a reference of its own; Close releases only that
// reference, leaving the topic open for its other owners.
func TopicFromHandle(h unsafe.Pointer) (*Topic, error) {
	if h == nil {
		return nil, newError("topic from handle", ErrNullPointer, "a nil handle")
	}
	t := &Topic{adopted: true}
	t.handle.ptr = C.ac_topic_retain((*C.ac_topic)(h))
	t.handle.free = func(native *C.ac_topic) { C.ac_topic_release(native) }
	runtime.SetFinalizer(t, (*Topic).Close)
	return t, nil
}
