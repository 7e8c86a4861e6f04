package allcore

/*
#include "allcore.h"

#cgo noescape ac_mutex_new
#cgo nocallback ac_mutex_new
#cgo nocallback ac_mutex_close
#cgo nocallback ac_mutex_release
#cgo nocallback ac_mutex_try_lock
#cgo noescape allcore_go_mutex_lock
#cgo nocallback allcore_go_mutex_lock
#cgo noescape allcore_go_mutex_unlock
#cgo nocallback allcore_go_mutex_unlock
#cgo noescape ac_mutex_is_locked
#cgo nocallback ac_mutex_is_locked
#cgo noescape ac_mutex_lock_all
#cgo nocallback ac_mutex_lock_all
#cgo noescape ac_mutex_unlock_all
#cgo nocallback ac_mutex_unlock_all
#cgo noescape ac_rlock_new
#cgo nocallback ac_rlock_new
#cgo nocallback ac_rlock_close
#cgo nocallback ac_rlock_release
#cgo nocallback ac_rlock_lock_as
#cgo nocallback ac_rlock_unlock_as

// The hot calls take the mutex's address as an integer: cgo checks every
// pointer argument whose type it cannot see into (such as an opaque
// ac_mutex *) for Go pointers at run time, a cost as large as the lock
// itself. The mutex is native memory, so the integer is safe.
static inline ac_status allcore_go_mutex_lock(uintptr_t mutex, int64_t timeout_ns) {
	return ac_mutex_lock_timeout((const ac_mutex *)mutex, timeout_ns);
}

static inline ac_status allcore_go_mutex_unlock(uintptr_t mutex) {
	return ac_mutex_unlock((const ac_mutex *)mutex);
}
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Mutex is a mutual exclusion lock in native memory, shared with C and
// Python code through the same library: Go's sync.Mutex semantics (not
// reentrant, and any goroutine may unlock it) with timeouts, contexts and
// deadlock-free LockAll on top. Create it with NewMutex; the zero value is
// not usable. It implements sync.Locker.
//
// Lock and Unlock are one cgo call each when the mutex is not contended. A
// contended Lock sleeps in the library, in slices of at most 20 ms so that
// Close can end the wait (see Close).
type Mutex struct {
	handle handle[*C.ac_mutex]
}

var _ sync.Locker = (*Mutex)(nil)

func freeMutex(mutex *C.ac_mutex) {
	C.ac_mutex_close(mutex)
	C.ac_mutex_release(mutex)
}

// NewMutex returns an unlocked mutex.
func NewMutex() (*Mutex, error) {
	var native *C.ac_mutex
	if err := call("new mutex", func() C.ac_status { return C.ac_mutex_new(&native) }); err != nil {
		return nil, err
	}
	m := &Mutex{}
	m.handle.ptr = native
	m.handle.free = freeMutex
	runtime.SetFinalizer(m, (*Mutex).Close)
	return m, nil
}

// release ends a call begun by handle.acquire; keeping m alive until here
// keeps its finalizer from freeing the native mutex during the call.
func (m *Mutex) release() {
	m.handle.release()
	runtime.KeepAlive(m)
}

// Lock locks m, waiting as long as it takes. Like sync.Mutex, locking a
// mutex the caller holds deadlocks. Lock has no error to return, so it
// panics if m is closed before or while it waits; LockContext returns
// ErrClosed instead.
func (m *Mutex) Lock() {
	native, ok := m.handle.acquire()
	if !ok {
		panic(closedError("mutex lock", "mutex"))
	}
	// Uncontended, this is the whole of Lock: one cgo call between two
	// atomic operations of the handle guard (release, inlined by hand).
	status := C.allcore_go_mutex_lock(address(unsafe.Pointer(native)), C.int64_t(waitSlice))
	if status != C.AC_OK {
		m.lockSlow(native, status)
		return
	}
	if m.handle.state.Add(-1) == closedBit {
		m.handle.free(native)
	}
	runtime.KeepAlive(m)
}

// address passes a native object's address to a hot C call as an integer.
func address(native unsafe.Pointer) C.uintptr_t {
	return C.uintptr_t(uintptr(native))
}

// lockSlow keeps waiting after a first slice of Lock ended with status, then
// ends the call; it panics if the mutex could not be locked.
func (m *Mutex) lockSlow(native *C.ac_mutex, status C.ac_status) {
	if status == C.AC_TIMEOUT {
		status, _ = waitSliced(nil, forever, &m.handle.state, func(ns int64) C.ac_status {
			return C.allcore_go_mutex_lock(address(unsafe.Pointer(native)), C.int64_t(ns))
		})
	}
	m.release()
	if status != C.AC_OK {
		panic(statusError("mutex lock", status))
	}
}

// Unlock unlocks m. Any goroutine may unlock it, not only the one that
// locked it. Like sync.Mutex it panics if m is not locked ("allcore:
// unlock of unlocked mutex"). After Close it does nothing: the lock no
// longer exists.
func (m *Mutex) Unlock() {
	native, ok := m.handle.acquire()
	if !ok {
		return
	}
	status := C.allcore_go_mutex_unlock(address(unsafe.Pointer(native)))
	if m.handle.state.Add(-1) == closedBit {
		m.handle.free(native)
	}
	runtime.KeepAlive(m)
	if status != C.AC_OK {
		unlockFailed("mutex", status)
	}
}

// unlockFailed panics for an unlock the library refused.
func unlockFailed(object string, status C.ac_status) {
	if status == C.AC_NOT_OWNER {
		panic("allcore: unlock of unlocked " + object)
	}
	panic(statusError(object+" unlock", status))
}

// TryLock locks m if it is free, without waiting, and reports whether it
// did. It reports false once m is closed.
func (m *Mutex) TryLock() bool {
	native, ok := m.handle.acquire()
	if !ok {
		return false
	}
	status := C.ac_mutex_try_lock(native)
	m.release()
	return status == C.AC_OK
}

// LockContext locks m, waiting until ctx is done at most. It returns
// ctx.Err() if ctx ends first (checked before the first attempt, and at
// least every 20 ms while waiting) and an error matching ErrClosed if m is
// closed before or while it waits.
func (m *Mutex) LockContext(ctx context.Context) error {
	return m.lock(ctx, forever)
}

// LockTimeout locks m, waiting at most d. It fails with ErrTimeout when d
// passes first, with ErrWouldBlock when d is 0 and m is locked, and with
// ErrClosed as LockContext. A negative d waits as long as it takes.
func (m *Mutex) LockTimeout(d time.Duration) error {
	return m.lock(nil, d)
}

func (m *Mutex) lock(ctx context.Context, timeout time.Duration) error {
	native, ok := m.handle.acquire()
	if !ok {
		return closedError("mutex lock", "mutex")
	}
	defer m.release()
	status, err := waitSliced(ctx, timeout, &m.handle.state, func(ns int64) C.ac_status {
		return C.allcore_go_mutex_lock(address(unsafe.Pointer(native)), C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	return statusError("mutex lock", status)
}

// IsLocked reports whether some goroutine or thread holds m; false once m
// is closed. The answer may be stale by the time it is read.
func (m *Mutex) IsLocked() bool {
	native, ok := m.handle.acquire()
	if !ok {
		return false
	}
	defer m.release()
	var locked C.bool
	return C.ac_mutex_is_locked(native, &locked) == C.AC_OK && bool(locked)
}

// Close releases the native mutex. Close is idempotent, safe to call while
// other goroutines use m, and always returns nil. Later calls fail with
// ErrClosed (Lock panics; Unlock does nothing); goroutines waiting to lock
// m give up within 20 ms with ErrClosed. The native mutex is freed when the
// last call in flight on it returns: the library may not free an object
// while a call on it is starting, which the binding cannot tell apart from
// one already asleep, so it never frees one under a call.
func (m *Mutex) Close() error {
	if m.handle.close() {
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// acquireMutexes acquires every mutex's handle for one call taking an array
// of them, or fails with ErrClosed if one is closed; the caller must call
// the returned release function.
func acquireMutexes(op string, mutexes []*Mutex) ([]*C.ac_mutex, func(), error) {
	natives := make([]*C.ac_mutex, 0, len(mutexes))
	release := func() {
		for _, m := range mutexes[:len(natives)] {
			m.release()
		}
	}
	for _, m := range mutexes {
		if m == nil {
			release()
			return nil, nil, newError(op, ErrNullPointer, "a nil mutex")
		}
		native, ok := m.handle.acquire()
		if !ok {
			release()
			return nil, nil, closedError(op, "mutex")
		}
		natives = append(natives, native)
	}
	return natives, release, nil
}

// LockAll locks every one of mutexes, or none: it never deadlocks with
// other goroutines or threads locking overlapping sets in any order (bank
// transfers between accounts, dining philosophers' forks). It waits on one
// mutex at a time while holding none of the others, backing off whenever
// another is busy. It returns ctx.Err() if ctx ends first, ErrClosed if one
// of them is closed, and ErrInvalidArgument if a mutex appears twice; on
// any error none of them is locked by this call. No mutexes succeed at
// once. Release them with UnlockAll.
func LockAll(ctx context.Context, mutexes ...*Mutex) error {
	return lockAll(ctx, forever, mutexes)
}

// LockAllTimeout is LockAll with a timeout instead of a context: it fails
// with ErrTimeout when d passes first (ErrWouldBlock for a d of 0).
func LockAllTimeout(d time.Duration, mutexes ...*Mutex) error {
	return lockAll(nil, d, mutexes)
}

func lockAll(ctx context.Context, timeout time.Duration, mutexes []*Mutex) error {
	natives, release, err := acquireMutexes("lock all", mutexes)
	if err != nil {
		return err
	}
	defer release()
	if len(natives) == 0 {
		return nil
	}
	// The waits are sliced on the first mutex's closed state; a closed
	// mutex among the others makes the library report AC_CLOSED at once.
	status, err := waitSliced(ctx, timeout, &mutexes[0].handle.state, func(ns int64) C.ac_status {
		return C.ac_mutex_lock_all(&natives[0], C.size_t(len(natives)), C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	if status == C.AC_OK {
		for _, m := range mutexes[1:] {
			if isClosed(&m.handle) {
				// Keep the promise that an error means nothing is held.
				C.ac_mutex_unlock_all(&natives[0], C.size_t(len(natives)))
				return closedError("lock all", "mutex")
			}
		}
	}
	return statusError("lock all", status)
}

// UnlockAll unlocks every one of mutexes, as locked by LockAll. It fails
// with ErrNotOwner if some were not locked (after unlocking the others),
// with ErrInvalidArgument, unlocking nothing, if a mutex appears twice, and
// with ErrClosed if one of them is closed.
func UnlockAll(mutexes ...*Mutex) error {
	natives, release, err := acquireMutexes("unlock all", mutexes)
	if err != nil {
		return err
	}
	defer release()
	if len(natives) == 0 {
		return nil
	}
	return statusError("unlock all", C.ac_mutex_unlock_all(&natives[0], C.size_t(len(natives))))
}

// RLock is a reentrant lock (Python's threading.RLock): its owner may lock
// it again and must unlock it as many times. Goroutines move between OS
// threads, so the owner is explicit: every method takes an Owner token
// (see NewOwner), and the Lock and Unlock of one holder must pass the same
// token, from any goroutine. Tokens are independent of the OS-thread
// owners C and Python callers use, so the two kinds exclude each other.
// Create it with NewRLock.
type RLock struct {
	handle handle[*C.ac_rlock]
}

func freeRLock(rlock *C.ac_rlock) {
	C.ac_rlock_close(rlock)
	C.ac_rlock_release(rlock)
}

// NewRLock returns an unowned reentrant lock.
func NewRLock() (*RLock, error) {
	var native *C.ac_rlock
	if err := call("new rlock", func() C.ac_status { return C.ac_rlock_new(&native) }); err != nil {
		return nil, err
	}
	l := &RLock{}
	l.handle.ptr = native
	l.handle.free = freeRLock
	runtime.SetFinalizer(l, (*RLock).Close)
	return l, nil
}

func (l *RLock) release() {
	l.handle.release()
	runtime.KeepAlive(l)
}

// Lock locks l for owner, waiting as long as it takes; if owner holds it
// already, it adds one level at once. It fails with ErrInvalidArgument for
// token 0 or one above math.MaxInt64, ErrOverflow past 2^64-1 levels, and
// ErrClosed if l is closed before or while it waits.
func (l *RLock) Lock(owner Owner) error {
	return l.lock(nil, owner, forever)
}

// LockContext is Lock bounded by ctx: it returns ctx.Err() if ctx ends
// first (checked at least every 20 ms while waiting).
func (l *RLock) LockContext(ctx context.Context, owner Owner) error {
	return l.lock(ctx, owner, forever)
}

// LockTimeout is Lock waiting at most d: ErrTimeout when d passes,
// ErrWouldBlock when d is 0 and another owner holds l.
func (l *RLock) LockTimeout(owner Owner, d time.Duration) error {
	return l.lock(nil, owner, d)
}

// TryLock locks l for owner if that needs no waiting, and reports whether
// it did.
func (l *RLock) TryLock(owner Owner) bool {
	return l.lock(nil, owner, 0) == nil
}

func (l *RLock) lock(ctx context.Context, owner Owner, timeout time.Duration) error {
	native, ok := l.handle.acquire()
	if !ok {
		return closedError("rlock lock", "lock")
	}
	defer l.release()
	status, err := waitSliced(ctx, timeout, &l.handle.state, func(ns int64) C.ac_status {
		return C.ac_rlock_lock_as(native, C.uint64_t(owner), C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	return statusError("rlock lock", status)
}

// Unlock undoes one Lock by owner; l is free when every level is undone.
// It fails with ErrNotOwner if owner does not hold l, ErrInvalidArgument
// for an invalid token, and ErrClosed after Close.
func (l *RLock) Unlock(owner Owner) error {
	native, ok := l.handle.acquire()
	if !ok {
		return closedError("rlock unlock", "lock")
	}
	status := C.ac_rlock_unlock_as(native, C.uint64_t(owner))
	l.release()
	return statusError("rlock unlock", status)
}

// Locker returns a sync.Locker that locks and unlocks l for owner. Its
// Lock panics if l is closed, and its Unlock panics if owner does not hold
// l.
func (l *RLock) Locker(owner Owner) sync.Locker {
	return ownedLocker{lock: l, owner: owner}
}

type ownedLocker struct {
	lock  *RLock
	owner Owner
}

func (o ownedLocker) Lock() {
	if err := o.lock.Lock(o.owner); err != nil {
		panic(err)
	}
}

func (o ownedLocker) Unlock() {
	if err := o.lock.Unlock(o.owner); err != nil {
		panic(err)
	}
}

// Close releases the native lock, as Mutex.Close does: idempotent, safe
// alongside other calls, waiters give up within 20 ms with ErrClosed, and
// later calls fail with ErrClosed. It always returns nil.
func (l *RLock) Close() error {
	if l.handle.close() {
		runtime.SetFinalizer(l, nil)
	}
	return nil
}
