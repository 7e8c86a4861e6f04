package allcore

/*
#include "allcore.h"

#cgo noescape ac_rwlock_new
#cgo nocallback ac_rwlock_new
#cgo nocallback ac_rwlock_close
#cgo nocallback ac_rwlock_release
#cgo nocallback ac_rwlock_read_lock_timeout
#cgo nocallback ac_rwlock_read_unlock
#cgo nocallback ac_rwlock_write_lock_timeout
#cgo nocallback ac_rwlock_write_unlock
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// RWMutex is a reader/writer lock in native memory, shaped like
// sync.RWMutex: any number of readers or one writer. It is phase-fair: while
// a writer waits, new readers wait too, and when a writer unlocks, the
// readers already waiting go before the next writer, so neither side
// starves. Any goroutine may unlock. Create it with NewRWMutex.
//
// Lock and RLock panic if the lock is closed before or while they wait;
// the Context and Timeout variants return ErrClosed instead. Waits sleep in
// the library in slices of at most 20 ms (see Mutex.Close).
type RWMutex struct {
	handle handle[*C.ac_rwlock]
}

func freeRWMutex(rwlock *C.ac_rwlock) {
	C.ac_rwlock_close(rwlock)
	C.ac_rwlock_release(rwlock)
}

// NewRWMutex returns an unlocked reader/writer lock.
func NewRWMutex() (*RWMutex, error) {
	var native *C.ac_rwlock
	if err := call("new rwmutex", func() C.ac_status { return C.ac_rwlock_new(&native) }); err != nil {
		return nil, err
	}
	rw := &RWMutex{}
	rw.handle.ptr = native
	rw.handle.free = freeRWMutex
	runtime.SetFinalizer(rw, (*RWMutex).Close)
	return rw, nil
}

func (rw *RWMutex) release() {
	rw.handle.release()
	runtime.KeepAlive(rw)
}

func (rw *RWMutex) lock(ctx context.Context, timeout time.Duration, write bool) error {
	op := "rwmutex read lock"
	if write {
		op = "rwmutex lock"
	}
	native, ok := rw.handle.acquire()
	if !ok {
		return closedError(op, "lock")
	}
	defer rw.release()
	status, err := waitSliced(ctx, timeout, &rw.handle.state, func(ns int64) C.ac_status {
		if write {
			return C.ac_rwlock_write_lock_timeout(native, C.int64_t(ns))
		}
		return C.ac_rwlock_read_lock_timeout(native, C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	return statusError(op, status)
}

// Lock locks rw for writing, waiting until no reader or writer holds it.
func (rw *RWMutex) Lock() {
	if err := rw.lock(nil, forever, true); err != nil {
		panic(err)
	}
}

// LockContext locks rw for writing, waiting until ctx is done at most; it
// returns ctx.Err() if ctx ends first and ErrClosed if rw is closed.
func (rw *RWMutex) LockContext(ctx context.Context) error {
	return rw.lock(ctx, forever, true)
}

// LockTimeout locks rw for writing, waiting at most d: ErrTimeout when d
// passes, ErrWouldBlock when d is 0 and rw is held.
func (rw *RWMutex) LockTimeout(d time.Duration) error {
	return rw.lock(nil, d, true)
}

// TryLock locks rw for writing if that needs no waiting, and reports
// whether it did.
func (rw *RWMutex) TryLock() bool {
	return rw.lock(nil, 0, true) == nil
}

// Unlock undoes a write lock. It panics if rw is not locked for writing
// ("allcore: unlock of unlocked rwmutex"), and does nothing after Close.
func (rw *RWMutex) Unlock() {
	native, ok := rw.handle.acquire()
	if !ok {
		return
	}
	status := C.ac_rwlock_write_unlock(native)
	rw.release()
	if status != C.AC_OK {
		unlockFailed("rwmutex", status)
	}
}

// RLock locks rw for reading, shared with other readers.
func (rw *RWMutex) RLock() {
	if err := rw.lock(nil, forever, false); err != nil {
		panic(err)
	}
}

// RLockContext is RLock bounded by ctx, as LockContext.
func (rw *RWMutex) RLockContext(ctx context.Context) error {
	return rw.lock(ctx, forever, false)
}

// RLockTimeout is RLock waiting at most d, as LockTimeout.
func (rw *RWMutex) RLockTimeout(d time.Duration) error {
	return rw.lock(nil, d, false)
}

// TryRLock locks rw for reading if that needs no waiting, and reports
// whether it did.
func (rw *RWMutex) TryRLock() bool {
	return rw.lock(nil, 0, false) == nil
}

// RUnlock undoes one read lock. It panics if no reader holds rw ("allcore:
// runlock of unlocked rwmutex"), and does nothing after Close.
func (rw *RWMutex) RUnlock() {
	native, ok := rw.handle.acquire()
	if !ok {
		return
	}
	status := C.ac_rwlock_read_unlock(native)
	rw.release()
	if status != C.AC_OK {
		if status == C.AC_NOT_OWNER {
			panic("allcore: runlock of unlocked rwmutex")
		}
		panic(statusError("rwmutex read unlock", status))
	}
}

// RLocker returns a sync.Locker whose Lock and Unlock call RLock and
// RUnlock, like sync.RWMutex.RLocker.
func (rw *RWMutex) RLocker() sync.Locker {
	return (*rlocker)(rw)
}

type rlocker RWMutex

func (r *rlocker) Lock()   { (*RWMutex)(r).RLock() }
func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }

// Close releases the native lock, as Mutex.Close does: idempotent, safe
// alongside other calls, waiters give up within 20 ms with ErrClosed, and
// later calls fail with ErrClosed (unlocks do nothing). It returns nil.
func (rw *RWMutex) Close() error {
	if rw.handle.close() {
		runtime.SetFinalizer(rw, nil)
	}
	return nil
}
