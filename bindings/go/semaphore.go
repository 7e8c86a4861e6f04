package allcore

/*
#include "allcore.h"

#cgo noescape ac_semaphore_new
#cgo nocallback ac_semaphore_new
#cgo noescape ac_semaphore_new_bounded
#cgo nocallback ac_semaphore_new_bounded
#cgo nocallback ac_semaphore_close
#cgo nocallback ac_semaphore_release
#cgo nocallback ac_semaphore_acquire_n
#cgo nocallback ac_semaphore_post_n
#cgo noescape ac_semaphore_value
#cgo nocallback ac_semaphore_value
*/
import "C"

import (
	"context"
	"runtime"
	"time"
)

// Semaphore is a counting semaphore in native memory (Python's
// threading.Semaphore and BoundedSemaphore): Acquire takes permits, waiting
// until enough are available, and Release gives them back, from any
// goroutine. Create it with NewSemaphore or NewBoundedSemaphore.
//
// Waits sleep in the library in slices of at most 20 ms, so that a
// cancelled context or Close ends them (see Mutex.Close).
type Semaphore struct {
	handle handle[*C.ac_semaphore]
}

func freeSemaphore(semaphore *C.ac_semaphore) {
	C.ac_semaphore_close(semaphore)
	C.ac_semaphore_release(semaphore)
}

// NewSemaphore returns a semaphore holding value permits; releases may
// raise it up to math.MaxInt64. It fails with ErrInvalidArgument for a
// negative value.
func NewSemaphore(value int64) (*Semaphore, error) {
	return newSemaphore("new semaphore", value, false)
}

// NewBoundedSemaphore returns a semaphore holding value permits that a
// release may never raise above value: such a release fails with
// ErrOverflow (catching a release without an acquire).
func NewBoundedSemaphore(value int64) (*Semaphore, error) {
	return newSemaphore("new bounded semaphore", value, true)
}

func newSemaphore(op string, value int64, bounded bool) (*Semaphore, error) {
	var native *C.ac_semaphore
	if err := call(op, func() C.ac_status {
		if bounded {
			return C.ac_semaphore_new_bounded(C.int64_t(value), &native)
		}
		return C.ac_semaphore_new(C.int64_t(value), &native)
	}); err != nil {
		return nil, err
	}
	s := &Semaphore{}
	s.handle.ptr = native
	s.handle.free = freeSemaphore
	runtime.SetFinalizer(s, (*Semaphore).Close)
	return s, nil
}

func (s *Semaphore) release() {
	s.handle.release()
	runtime.KeepAlive(s)
}

func (s *Semaphore) acquire(ctx context.Context, n int64, timeout time.Duration) error {
	native, ok := s.handle.acquire()
	if !ok {
		return closedError("semaphore acquire", "semaphore")
	}
	defer s.release()
	status, err := waitSliced(ctx, timeout, &s.handle.state, func(ns int64) C.ac_status {
		return C.ac_semaphore_acquire_n(native, C.int64_t(n), C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	return statusError("semaphore acquire", status)
}

// Acquire takes n permits at once, waiting until that many are available
// or ctx is done (then it returns ctx.Err()). It fails with
// ErrInvalidArgument for n < 1 and ErrClosed if s is closed before or while
// it waits.
func (s *Semaphore) Acquire(ctx context.Context, n int64) error {
	return s.acquire(ctx, n, forever)
}

// AcquireTimeout is Acquire waiting at most d: ErrTimeout when d passes,
// ErrWouldBlock when d is 0 and too few permits are available.
func (s *Semaphore) AcquireTimeout(n int64, d time.Duration) error {
	return s.acquire(nil, n, d)
}

// TryAcquire takes n permits if that many are available now, and reports
// whether it did.
func (s *Semaphore) TryAcquire(n int64) bool {
	return s.acquire(nil, n, 0) == nil
}

// Release gives back n permits, waking waiters. It fails with
// ErrInvalidArgument for n < 1, and with ErrOverflow, releasing nothing, if
// that would raise a bounded semaphore above its initial value (or any
// semaphore above math.MaxInt64).
func (s *Semaphore) Release(n int64) error {
	native, ok := s.handle.acquire()
	if !ok {
		return closedError("semaphore release", "semaphore")
	}
	status := C.ac_semaphore_post_n(native, C.int64_t(n))
	s.release()
	return statusError("semaphore release", status)
}

// Value returns the number of permits available now (0 once s is closed).
func (s *Semaphore) Value() int64 {
	native, ok := s.handle.acquire()
	if !ok {
		return 0
	}
	defer s.release()
	var value C.int64_t
	C.ac_semaphore_value(native, &value)
	return int64(value)
}

// Close releases the native semaphore, as Mutex.Close does: idempotent,
// safe alongside other calls, waiters give up within 20 ms with ErrClosed,
// later calls fail with ErrClosed. It returns nil.
func (s *Semaphore) Close() error {
	if s.handle.close() {
		runtime.SetFinalizer(s, nil)
	}
	return nil
}
