package allcore

/*
#include <stdlib.h>
#include "allcore.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// ErrOwnerDied is the status of a lock taken over from a holder (another
// process or thread) that died holding it: the lock IS held by the caller,
// but the state it protects may be half updated.
const ErrOwnerDied Status = C.AC_OWNER_DIED

// Objects in shared memory, shared with other processes in any language:
// each is created under a name (CreateShm...) that others open
// (OpenShm...), or anonymous (name ""), shared with forked children. Close
// drops this process's reference (a finalizer does it too); a named
// object's name goes when every process that created or opened it has
// closed it, or at once with UnlinkShm. Shutdown (every object but the
// counter) closes the object for every process: waiters wake with
// ErrClosed and later blocking calls fail with it; it frees nothing. A
// process that dies, even by SIGKILL, never leaves the others hanging or
// with a corrupt queue; see the ac_shm_* functions in allcore.h.

func timeoutNs(timeout time.Duration) C.int64_t {
	if timeout < 0 {
		return C.AC_FOREVER
	}
	return C.int64_t(timeout)
}

func cName(name string) (*C.char, func()) {
	if name == "" {
		return nil, func() {}
	}
	native := C.CString(name)
	return native, func() { C.free(unsafe.Pointer(native)) }
}

// UnlinkShm removes the name of a shared-memory object at once: processes
// that opened it keep using it.
func UnlinkShm(name string) error {
	native, free := cName(name)
	defer free()
	return call("unlink shared object", func() C.ac_status { return C.ac_shm_unlink(native) })
}

// ShmQueue is a FIFO queue of byte messages in shared memory. Python's
// allcore.multiprocessing.Queue puts bytes, str and int in allcore's wire
// format (an int is 0xAC 'i' and 8 little-endian bytes; see DecodeWireInt).
type ShmQueue struct {
	ptr    *C.ac_shm_queue
	buffer []byte
}

// CreateShmQueue creates a queue whose ring holds capacityBytes bytes,
// holding at most maxItems items (0 = as many as fit).
func CreateShmQueue(name string, capacityBytes, maxItems int) (*ShmQueue, error) {
	native, free := cName(name)
	defer free()
	q := &ShmQueue{}
	if err := call("create shared queue", func() C.ac_status {
		return C.ac_shm_queue_create(native, C.size_t(capacityBytes), C.size_t(maxItems), &q.ptr)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(q, (*ShmQueue).Close)
	return q, nil
}

// OpenShmQueue opens the queue created under name by any process.
func OpenShmQueue(name string) (*ShmQueue, error) {
	native, free := cName(name)
	defer free()
	q := &ShmQueue{}
	if err := call("open shared queue", func() C.ac_status { return C.ac_shm_queue_open(native, &q.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(q, (*ShmQueue).Close)
	return q, nil
}

// Close drops this process's reference; the queue stays usable by others.
func (q *ShmQueue) Close() error {
	if q.ptr != nil {
		C.ac_shm_queue_release(q.ptr)
		q.ptr = nil
	}
	runtime.SetFinalizer(q, nil)
	return nil
}

// Put puts one message, waiting at most timeout for room (negative =
// forever, 0 = try): ErrTimeout, ErrWouldBlock, ErrClosed after Shutdown.
func (q *ShmQueue) Put(message []byte, timeout time.Duration) error {
	var data unsafe.Pointer
	if len(message) > 0 {
		data = unsafe.Pointer(&message[0])
	}
	status := C.ac_shm_queue_put(q.ptr, data, C.size_t(len(message)), timeoutNs(timeout))
	runtime.KeepAlive(message)
	runtime.KeepAlive(q)
	if status != C.AC_OK {
		return call("put", func() C.ac_status { return status })
	}
	return nil
}

// Get takes the next message (a fresh slice), waiting at most timeout:
// ErrTimeout, ErrWouldBlock, or ErrClosed once shut down and drained. Not
// safe for concurrent use by several goroutines (each opens its own ShmQueue).
func (q *ShmQueue) Get(timeout time.Duration) ([]byte, error) {
	if q.buffer == nil {
		q.buffer = make([]byte, 64*1024)
	}
	for {
		var length C.size_t
		status := C.ac_shm_queue_get(q.ptr, unsafe.Pointer(&q.buffer[0]), C.size_t(len(q.buffer)), timeoutNs(timeout), &length)
		runtime.KeepAlive(q)
		switch status {
		case C.AC_OK:
			return append([]byte(nil), q.buffer[:length]...), nil
		case C.AC_BUFFER_TOO_SMALL:
			q.buffer = make([]byte, int(length))
		default:
			return nil, call("get", func() C.ac_status { return status })
		}
	}
}

// Shutdown closes the queue for every process: puts fail with ErrClosed;
// gets drain what is queued, then fail with ErrClosed.
func (q *ShmQueue) Shutdown() error {
	defer runtime.KeepAlive(q)
	return call("shut down", func() C.ac_status { return C.ac_shm_queue_close(q.ptr) })
}

// PutMany puts messages in order in one native call, waiting at most
// timeout for room; it returns how many went in (all of them with a nil
// error; fewer with ErrTimeout, ErrWouldBlock, ErrClosed, or
// ErrInvalidArgument for a message that can never fit).
func (q *ShmQueue) PutMany(messages [][]byte, timeout time.Duration) (int, error) {
	if len(messages) == 0 {
		return 0, nil
	}
	total := 0
	for _, message := range messages {
		total += len(message)
	}
	data := make([]byte, 0, total+1)
	lengths := make([]C.size_t, len(messages))
	for i, message := range messages {
		data = append(data, message...)
		lengths[i] = C.size_t(len(message))
	}
	data = append(data, 0) // never empty: &data[0] is valid
	var put C.size_t
	status := C.ac_shm_queue_put_many(q.ptr, unsafe.Pointer(&data[0]), &lengths[0], C.size_t(len(messages)), timeoutNs(timeout), &put)
	runtime.KeepAlive(data)
	runtime.KeepAlive(lengths)
	runtime.KeepAlive(q)
	if status != C.AC_OK {
		return int(put), call("put many", func() C.ac_status { return status })
	}
	return int(put), nil
}

// GetMany waits at most timeout for a first message, then takes up to
// maxItems of those queued, in one native call (fresh slices). Errors are
// those of Get. Not safe for concurrent use by several goroutines.
func (q *ShmQueue) GetMany(maxItems int, timeout time.Duration) ([][]byte, error) {
	if maxItems <= 0 {
		return nil, nil
	}
	if q.buffer == nil {
		q.buffer = make([]byte, 64*1024)
	}
	lengths := make([]C.size_t, maxItems)
	for {
		var count C.size_t
		status := C.ac_shm_queue_get_many(q.ptr, unsafe.Pointer(&q.buffer[0]), C.size_t(len(q.buffer)), &lengths[0], C.size_t(maxItems), timeoutNs(timeout), &count)
		runtime.KeepAlive(q)
		switch status {
		case C.AC_OK:
			messages := make([][]byte, int(count))
			at := 0
			for i := range messages {
				n := int(lengths[i])
				messages[i] = append([]byte(nil), q.buffer[at:at+n]...)
				at += n
			}
			return messages, nil
		case C.AC_BUFFER_TOO_SMALL:
			q.buffer = make([]byte, int(lengths[0]))
		default:
			return nil, call("get many", func() C.ac_status { return status })
		}
	}
}

// Len returns the number of queued items.
func (q *ShmQueue) Len() int {
	var size C.size_t
	C.ac_shm_queue_size(q.ptr, &size)
	runtime.KeepAlive(q)
	return int(size)
}

// DecodeWireInt returns the integer in a message put as a Python int (or
// by C in the same format) and whether the message is one.
func DecodeWireInt(message []byte) (int64, bool) {
	if len(message) != 10 || message[0] != 0xAC || message[1] != 'i' {
		return 0, false
	}
	var value uint64
	for i := 7; i >= 0; i-- {
		value = value<<8 | uint64(message[2+i])
	}
	return int64(value), true
}

// EncodeWireInt returns the wire-format message of an integer, which
// Python gets back as an int.
func EncodeWireInt(value int64) []byte {
	message := []byte{0xAC, 'i', 0, 0, 0, 0, 0, 0, 0, 0}
	for i := 0; i < 8; i++ {
		message[2+i] = byte(uint64(value) >> (8 * i))
	}
	return message
}

// ShmMutex is a mutex in shared memory: any goroutine of any process may
// unlock it. A lock taken over from a holder that died reports ErrOwnerDied
// from LockTimeout (the lock is held then); Lock ignores that.
type ShmMutex struct{ ptr *C.ac_shm_mutex }

// CreateShmMutex creates an unlocked mutex.
func CreateShmMutex(name string) (*ShmMutex, error) {
	native, free := cName(name)
	defer free()
	m := &ShmMutex{}
	if err := call("create shared mutex", func() C.ac_status { return C.ac_shm_mutex_create(native, &m.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(m, (*ShmMutex).Close)
	return m, nil
}

// OpenShmMutex opens the mutex created under name.
func OpenShmMutex(name string) (*ShmMutex, error) {
	native, free := cName(name)
	defer free()
	m := &ShmMutex{}
	if err := call("open shared mutex", func() C.ac_status { return C.ac_shm_mutex_open(native, &m.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(m, (*ShmMutex).Close)
	return m, nil
}

// Close drops this process's reference.
func (m *ShmMutex) Close() error {
	if m.ptr != nil {
		C.ac_shm_mutex_release(m.ptr)
		m.ptr = nil
	}
	runtime.SetFinalizer(m, nil)
	return nil
}

// LockTimeout locks, waiting at most timeout (negative = forever, 0 =
// try). nil or ErrOwnerDied mean the lock is held.
func (m *ShmMutex) LockTimeout(timeout time.Duration) error {
	defer runtime.KeepAlive(m)
	return call("lock", func() C.ac_status { return C.ac_shm_mutex_lock(m.ptr, timeoutNs(timeout)) })
}

// Lock locks, waiting as long as it takes (sync.Locker).
func (m *ShmMutex) Lock() { _ = m.LockTimeout(-1) }

// Shutdown closes the mutex for every process: waiters and later locks
// fail with ErrClosed; the holder may still unlock.
func (m *ShmMutex) Shutdown() error {
	defer runtime.KeepAlive(m)
	return call("shut down", func() C.ac_status { return C.ac_shm_mutex_close(m.ptr) })
}

// Unlock unlocks (sync.Locker); it panics when the mutex is not locked.
func (m *ShmMutex) Unlock() {
	defer runtime.KeepAlive(m)
	if err := call("unlock", func() C.ac_status { return C.ac_shm_mutex_unlock(m.ptr) }); err != nil {
		panic(err)
	}
}

// ShmSemaphore is a counting semaphore in shared memory.
type ShmSemaphore struct{ ptr *C.ac_shm_semaphore }

// CreateShmSemaphore creates a semaphore holding value units; bound > 0
// makes a release beyond it fail with ErrOverflow.
func CreateShmSemaphore(name string, value, bound uint32) (*ShmSemaphore, error) {
	native, free := cName(name)
	defer free()
	s := &ShmSemaphore{}
	if err := call("create shared semaphore", func() C.ac_status {
		return C.ac_shm_semaphore_create(native, C.uint32_t(value), C.uint32_t(bound), &s.ptr)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*ShmSemaphore).Close)
	return s, nil
}

// OpenShmSemaphore opens the semaphore created under name.
func OpenShmSemaphore(name string) (*ShmSemaphore, error) {
	native, free := cName(name)
	defer free()
	s := &ShmSemaphore{}
	if err := call("open shared semaphore", func() C.ac_status { return C.ac_shm_semaphore_open(native, &s.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*ShmSemaphore).Close)
	return s, nil
}

// Close drops this process's reference.
func (s *ShmSemaphore) Close() error {
	if s.ptr != nil {
		C.ac_shm_semaphore_release(s.ptr)
		s.ptr = nil
	}
	runtime.SetFinalizer(s, nil)
	return nil
}

// Acquire takes a unit, waiting at most timeout.
func (s *ShmSemaphore) Acquire(timeout time.Duration) error {
	defer runtime.KeepAlive(s)
	return call("acquire", func() C.ac_status { return C.ac_shm_semaphore_acquire(s.ptr, timeoutNs(timeout)) })
}

// Release gives back count units.
func (s *ShmSemaphore) Release(count uint32) error {
	defer runtime.KeepAlive(s)
	return call("release", func() C.ac_status { return C.ac_shm_semaphore_post(s.ptr, C.uint32_t(count)) })
}

// Shutdown closes the semaphore for every process: waiters and later
// acquires that would wait fail with ErrClosed.
func (s *ShmSemaphore) Shutdown() error {
	defer runtime.KeepAlive(s)
	return call("shut down", func() C.ac_status { return C.ac_shm_semaphore_close(s.ptr) })
}

// ShmEvent is an event in shared memory.
type ShmEvent struct{ ptr *C.ac_shm_event }

// CreateShmEvent creates a cleared event.
func CreateShmEvent(name string) (*ShmEvent, error) {
	native, free := cName(name)
	defer free()
	e := &ShmEvent{}
	if err := call("create shared event", func() C.ac_status { return C.ac_shm_event_create(native, &e.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(e, (*ShmEvent).Close)
	return e, nil
}

// OpenShmEvent opens the event created under name.
func OpenShmEvent(name string) (*ShmEvent, error) {
	native, free := cName(name)
	defer free()
	e := &ShmEvent{}
	if err := call("open shared event", func() C.ac_status { return C.ac_shm_event_open(native, &e.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(e, (*ShmEvent).Close)
	return e, nil
}

// Close drops this process's reference.
func (e *ShmEvent) Close() error {
	if e.ptr != nil {
		C.ac_shm_event_release(e.ptr)
		e.ptr = nil
	}
	runtime.SetFinalizer(e, nil)
	return nil
}

// Set sets the event, waking every waiter in every process.
func (e *ShmEvent) Set() {
	C.ac_shm_event_set(e.ptr)
	runtime.KeepAlive(e)
}

// Clear clears the event.
func (e *ShmEvent) Clear() {
	C.ac_shm_event_clear(e.ptr)
	runtime.KeepAlive(e)
}

// Wait waits at most timeout for the event to be set.
func (e *ShmEvent) Wait(timeout time.Duration) error {
	defer runtime.KeepAlive(e)
	return call("wait", func() C.ac_status { return C.ac_shm_event_wait(e.ptr, timeoutNs(timeout)) })
}

// Shutdown closes the event for every process: waiters and later waits
// fail with ErrClosed.
func (e *ShmEvent) Shutdown() error {
	defer runtime.KeepAlive(e)
	return call("shut down", func() C.ac_status { return C.ac_shm_event_close(e.ptr) })
}

// ShmRLock is a reentrant lock in shared memory, owned by the OS thread
// that locked it: a goroutine that holds it stays on its OS thread
// (runtime.LockOSThread) until it unlocks the last time. A lock taken over
// from a holder that died reports ErrOwnerDied (the lock is held then).
type ShmRLock struct{ ptr *C.ac_shm_rlock }

// CreateShmRLock creates an unlocked reentrant lock.
func CreateShmRLock(name string) (*ShmRLock, error) {
	native, free := cName(name)
	defer free()
	l := &ShmRLock{}
	if err := call("create shared reentrant lock", func() C.ac_status { return C.ac_shm_rlock_create(native, &l.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(l, (*ShmRLock).Close)
	return l, nil
}

// OpenShmRLock opens the reentrant lock created under name.
func OpenShmRLock(name string) (*ShmRLock, error) {
	native, free := cName(name)
	defer free()
	l := &ShmRLock{}
	if err := call("open shared reentrant lock", func() C.ac_status { return C.ac_shm_rlock_open(native, &l.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(l, (*ShmRLock).Close)
	return l, nil
}

// Close drops this process's reference.
func (l *ShmRLock) Close() error {
	if l.ptr != nil {
		C.ac_shm_rlock_release(l.ptr)
		l.ptr = nil
	}
	runtime.SetFinalizer(l, nil)
	return nil
}

// LockTimeout locks (once more when this goroutine holds it), waiting at
// most timeout (negative = forever, 0 = try). nil or ErrOwnerDied mean the
// lock is held; each needs one Unlock.
func (l *ShmRLock) LockTimeout(timeout time.Duration) error {
	defer runtime.KeepAlive(l)
	runtime.LockOSThread()
	status := C.ac_shm_rlock_lock(l.ptr, timeoutNs(timeout))
	if status != C.AC_OK && status != C.AC_OWNER_DIED {
		runtime.UnlockOSThread()
	}
	return call("lock", func() C.ac_status { return status })
}

// Lock locks, waiting as long as it takes (sync.Locker).
func (l *ShmRLock) Lock() { _ = l.LockTimeout(-1) }

// Unlock unlocks once (sync.Locker); it panics unless this goroutine holds it.
func (l *ShmRLock) Unlock() {
	defer runtime.KeepAlive(l)
	if err := call("unlock", func() C.ac_status { return C.ac_shm_rlock_unlock(l.ptr) }); err != nil {
		panic(err)
	}
	runtime.UnlockOSThread()
}

// Depth returns how many times this goroutine holds it (0 = not at all).
func (l *ShmRLock) Depth() int {
	var depth C.uint32_t
	C.ac_shm_rlock_count(l.ptr, &depth)
	runtime.KeepAlive(l)
	return int(depth)
}

// Shutdown closes the lock for every process: waiters and later locks by
// others fail with ErrClosed; the holder may still lock again and unlock.
func (l *ShmRLock) Shutdown() error {
	defer runtime.KeepAlive(l)
	return call("shut down", func() C.ac_status { return C.ac_shm_rlock_close(l.ptr) })
}

// ShmCond is a condition variable in shared memory, used with the shared
// mutex L; waiters and notifiers may be in any process. A waiter killed
// while waiting takes no notify from the others.
type ShmCond struct {
	ptr *C.ac_shm_condition
	// L is the mutex the waiters hold; hold it to notify.
	L *ShmMutex
}

// CreateShmCond creates a condition over l (which the caller keeps).
func CreateShmCond(name string, l *ShmMutex) (*ShmCond, error) {
	native, free := cName(name)
	defer free()
	c := &ShmCond{L: l}
	if err := call("create shared condition", func() C.ac_status { return C.ac_shm_condition_create(native, &c.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(c, (*ShmCond).Close)
	return c, nil
}

// OpenShmCond opens the condition created under name, to use with l (the
// mutex its other users use, opened by its own name).
func OpenShmCond(name string, l *ShmMutex) (*ShmCond, error) {
	native, free := cName(name)
	defer free()
	c := &ShmCond{L: l}
	if err := call("open shared condition", func() C.ac_status { return C.ac_shm_condition_open(native, &c.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(c, (*ShmCond).Close)
	return c, nil
}

// Close drops this process's reference (not L's).
func (c *ShmCond) Close() error {
	if c.ptr != nil {
		C.ac_shm_condition_release(c.ptr)
		c.ptr = nil
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

// Wait unlocks L (which must be locked: ErrNotOwner), waits for a notify
// or at most timeout (negative = forever), and locks L again before
// returning: nil when notified, ErrTimeout, ErrClosed after Shutdown,
// ErrOwnerDied when L was taken back from a holder that died (L held; treat
// it as a wake). A timeout of 0 fails with ErrWouldBlock without unlocking.
func (c *ShmCond) Wait(timeout time.Duration) error {
	defer runtime.KeepAlive(c)
	defer runtime.KeepAlive(c.L)
	return call("wait", func() C.ac_status { return C.ac_shm_condition_wait(c.ptr, c.L.ptr, timeoutNs(timeout)) })
}

// Notify wakes up to n waiters, longest waiting first; it returns how many.
func (c *ShmCond) Notify(n int) (int, error) {
	defer runtime.KeepAlive(c)
	var woken C.uint64_t
	err := call("notify", func() C.ac_status { return C.ac_shm_condition_notify(c.ptr, C.int64_t(n), &woken) })
	return int(woken), err
}

// Signal wakes one waiter, if any.
func (c *ShmCond) Signal() { _, _ = c.Notify(1) }

// Broadcast wakes every waiter.
func (c *ShmCond) Broadcast() {
	C.ac_shm_condition_notify_all(c.ptr, nil)
	runtime.KeepAlive(c)
}

// Shutdown closes the condition for every process: waiters lock L again
// and fail with ErrClosed, and so do later waits (without unlocking).
func (c *ShmCond) Shutdown() error {
	defer runtime.KeepAlive(c)
	return call("shut down", func() C.ac_status { return C.ac_shm_condition_close(c.ptr) })
}

// ShmBarrier is a barrier in shared memory for a fixed number of parties.
// A waiter that times out breaks it, so a party that died never leaves the
// others waiting past their timeouts.
type ShmBarrier struct{ ptr *C.ac_shm_barrier }

// CreateShmBarrier creates a barrier for parties waiters.
func CreateShmBarrier(name string, parties uint32) (*ShmBarrier, error) {
	native, free := cName(name)
	defer free()
	b := &ShmBarrier{}
	if err := call("create shared barrier", func() C.ac_status {
		return C.ac_shm_barrier_create(native, C.uint32_t(parties), &b.ptr)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(b, (*ShmBarrier).Close)
	return b, nil
}

// OpenShmBarrier opens the barrier created under name.
func OpenShmBarrier(name string) (*ShmBarrier, error) {
	native, free := cName(name)
	defer free()
	b := &ShmBarrier{}
	if err := call("open shared barrier", func() C.ac_status { return C.ac_shm_barrier_open(native, &b.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(b, (*ShmBarrier).Close)
	return b, nil
}

// Close drops this process's reference.
func (b *ShmBarrier) Close() error {
	if b.ptr != nil {
		C.ac_shm_barrier_release(b.ptr)
		b.ptr = nil
	}
	runtime.SetFinalizer(b, nil)
	return nil
}

// Wait waits at most timeout for every party and returns this waiter's
// arrival index (0 = first). ErrBroken when the barrier is or gets broken
// (a waiter that times out breaks it and gets ErrTimeout); ErrClosed after
// Shutdown.
func (b *ShmBarrier) Wait(timeout time.Duration) (int, error) {
	defer runtime.KeepAlive(b)
	var index C.uint32_t
	err := call("wait", func() C.ac_status { return C.ac_shm_barrier_wait(b.ptr, timeoutNs(timeout), &index) })
	return int(index), err
}

// WaitHolding is Wait, but the last party to arrive returns (index
// parties-1) without the others being released: it runs its action, then
// calls Trip (or Abort). If it dies first, the others fail with ErrBroken.
func (b *ShmBarrier) WaitHolding(timeout time.Duration) (int, error) {
	defer runtime.KeepAlive(b)
	var index C.uint32_t
	err := call("wait", func() C.ac_status { return C.ac_shm_barrier_wait_holding(b.ptr, timeoutNs(timeout), &index) })
	return int(index), err
}

// Trip releases the parties of a barrier this process holds (after
// WaitHolding gave it the last index): ErrBroken when it was broken
// meanwhile.
func (b *ShmBarrier) Trip() error {
	defer runtime.KeepAlive(b)
	return call("trip", func() C.ac_status { return C.ac_shm_barrier_trip(b.ptr) })
}

// Abort breaks the barrier: waiters now and later fail with ErrBroken.
func (b *ShmBarrier) Abort() {
	C.ac_shm_barrier_abort(b.ptr)
	runtime.KeepAlive(b)
}

// Reset mends the barrier (waiters inside fail with ErrBroken).
func (b *ShmBarrier) Reset() {
	C.ac_shm_barrier_reset(b.ptr)
	runtime.KeepAlive(b)
}

// State returns the parties, the parties waiting now and whether it is broken.
func (b *ShmBarrier) State() (parties, waiting int, broken bool) {
	var p, w C.uint32_t
	var br C.bool
	C.ac_shm_barrier_state(b.ptr, &p, &w, &br)
	runtime.KeepAlive(b)
	return int(p), int(w), bool(br)
}

// Shutdown closes the barrier for every process: waiters and later waits
// fail with ErrClosed.
func (b *ShmBarrier) Shutdown() error {
	defer runtime.KeepAlive(b)
	return call("shut down", func() C.ac_status { return C.ac_shm_barrier_close(b.ptr) })
}

// ShmCounter is an atomic 64-bit counter in shared memory.
type ShmCounter struct{ ptr *C.ac_shm_counter }

// CreateShmCounter creates a counter holding value.
func CreateShmCounter(name string, value int64) (*ShmCounter, error) {
	native, free := cName(name)
	defer free()
	c := &ShmCounter{}
	if err := call("create shared counter", func() C.ac_status {
		return C.ac_shm_counter_create(native, C.int64_t(value), &c.ptr)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(c, (*ShmCounter).Close)
	return c, nil
}

// OpenShmCounter opens the counter created under name.
func OpenShmCounter(name string) (*ShmCounter, error) {
	native, free := cName(name)
	defer free()
	c := &ShmCounter{}
	if err := call("open shared counter", func() C.ac_status { return C.ac_shm_counter_open(native, &c.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(c, (*ShmCounter).Close)
	return c, nil
}

// Close drops this process's reference.
func (c *ShmCounter) Close() error {
	if c.ptr != nil {
		C.ac_shm_counter_release(c.ptr)
		c.ptr = nil
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

// Add adds delta and returns the new value.
func (c *ShmCounter) Add(delta int64) int64 {
	var value C.int64_t
	C.ac_shm_counter_add(c.ptr, C.int64_t(delta), &value)
	runtime.KeepAlive(c)
	return int64(value)
}

// Load returns the value.
func (c *ShmCounter) Load() int64 {
	var value C.int64_t
	C.ac_shm_counter_load(c.ptr, &value)
	runtime.KeepAlive(c)
	return int64(value)
}

// ShmMemory is a block of plain shared bytes (no lock of its own: guard it
// with a ShmMutex or ShmRLock), as Python's allcore.multiprocessing Value
// and Array keep their data in.
type ShmMemory struct{ ptr *C.ac_shm_memory }

// CreateShmMemory creates a block of size zeroed bytes.
func CreateShmMemory(name string, size int) (*ShmMemory, error) {
	native, free := cName(name)
	defer free()
	m := &ShmMemory{}
	if err := call("create shared memory", func() C.ac_status {
		return C.ac_shm_memory_create(native, C.size_t(size), &m.ptr)
	}); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(m, (*ShmMemory).Close)
	return m, nil
}

// OpenShmMemory opens the block created under name.
func OpenShmMemory(name string) (*ShmMemory, error) {
	native, free := cName(name)
	defer free()
	m := &ShmMemory{}
	if err := call("open shared memory", func() C.ac_status { return C.ac_shm_memory_open(native, &m.ptr) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(m, (*ShmMemory).Close)
	return m, nil
}

// Close drops this process's reference: slices from Bytes are then invalid.
func (m *ShmMemory) Close() error {
	if m.ptr != nil {
		C.ac_shm_memory_release(m.ptr)
		m.ptr = nil
	}
	runtime.SetFinalizer(m, nil)
	return nil
}

// Bytes is the shared block itself, valid until Close (keep m alive while
// using it).
func (m *ShmMemory) Bytes() []byte {
	var data unsafe.Pointer
	var size C.size_t
	C.ac_shm_memory_data(m.ptr, &data, &size)
	runtime.KeepAlive(m)
	return unsafe.Slice((*byte)(data), int(size))
}
