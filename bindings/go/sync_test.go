package allcore

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// must takes a constructor's results and returns a function that fails the
// test on its error or returns its value: must(NewMutex())(t).
func must[T any](value T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return value
	}
}

// closer is any sync object of the package.
type closer interface{ Close() error }

// cleanup closes object when the test ends.
func cleanup[T closer](t *testing.T, object T) T {
	t.Cleanup(func() { object.Close() })
	return object
}

// wantStatus fails the test unless err matches status.
func wantStatus(t *testing.T, what string, err error, status Status) {
	t.Helper()
	if !errors.Is(err, status) {
		t.Fatalf("%s: got %v, want %v", what, err, status)
	}
}

// wantPanic fails the test unless fn panics with a message containing want.
func wantPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		recovered := recover()
		if recovered == nil {
			t.Fatalf("no panic, want %q", want)
		}
		var message string
		switch value := recovered.(type) {
		case string:
			message = value
		case error:
			message = value.Error()
		}
		if want != "" && !contains(message, want) {
			t.Fatalf("panic %q, want %q", message, want)
		}
	}()
	fn()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// eventually waits up to 5 s for condition, polling.
func eventually(t *testing.T, what string, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// result runs fn on a new goroutine and returns a channel of its error.
func result(fn func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	return done
}

// receive waits up to 5 s for an error from done.
func receive(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the goroutine did not return")
		return nil
	}
}

// stillBlocked checks that nothing arrives on done for a little while.
func stillBlocked(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("returned %v while it should still wait", err)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestMutexBasics(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	if m.IsLocked() {
		t.Fatal("a new mutex is locked")
	}
	m.Lock()
	if !m.IsLocked() || m.TryLock() {
		t.Fatal("Lock did not lock")
	}
	wantStatus(t, "LockTimeout(0)", m.LockTimeout(0), ErrWouldBlock)
	wantStatus(t, "LockTimeout(20ms)", m.LockTimeout(20*time.Millisecond), ErrTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := m.LockContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockContext on a held mutex: %v", err)
	}
	// Any goroutine may unlock.
	if err := receive(t, result(func() error { m.Unlock(); return nil })); err != nil {
		t.Fatal(err)
	}
	if !m.TryLock() {
		t.Fatal("TryLock of a free mutex failed")
	}
	m.Unlock()
	if err := m.LockContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Unlock()
	wantPanic(t, "allcore: unlock of unlocked mutex", m.Unlock)
}

func TestMutexWaiterGetsLock(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	m.Lock()
	done := result(func() error { m.Lock(); m.Unlock(); return nil })
	stillBlocked(t, done)
	m.Unlock()
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
}

func TestMutexCancelledContext(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.LockContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("LockContext(cancelled): %v", err)
	}
	m.Lock()
	ctx, cancel = context.WithCancel(context.Background())
	done := result(func() error { return m.LockContext(ctx) })
	stillBlocked(t, done)
	cancel()
	if err := receive(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("LockContext cancelled while waiting: %v", err)
	}
	m.Unlock()
}

func TestMutexCounterHammer(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	const goroutines, rounds = 8, 5000
	var wg sync.WaitGroup
	total := 0
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				m.Lock()
				total++
				m.Unlock()
			}
		}()
	}
	wg.Wait()
	if total != goroutines*rounds {
		t.Fatalf("total %d, want %d", total, goroutines*rounds)
	}
}

func TestMutexClose(t *testing.T) {
	m := must(NewMutex())(t)
	m.Lock()
	waiting := result(func() error { return m.LockContext(context.Background()) })
	timed := result(func() error { return m.LockTimeout(time.Hour) })
	panicked := result(func() (err error) {
		defer func() {
			if recovered := recover(); recovered != nil {
				err = recovered.(error)
			}
		}()
		m.Lock()
		return nil
	})
	stillBlocked(t, waiting)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	wantStatus(t, "LockContext while closed", receive(t, waiting), ErrClosed)
	wantStatus(t, "LockTimeout while closed", receive(t, timed), ErrClosed)
	wantStatus(t, "Lock while closed", receive(t, panicked), ErrClosed)
	wantStatus(t, "LockContext after Close", m.LockContext(context.Background()), ErrClosed)
	if m.TryLock() || m.IsLocked() {
		t.Fatal("a closed mutex locks")
	}
	m.Unlock() // a no-op after Close
	wantPanic(t, "closed", m.Lock)
}

func TestMutexCloseUnderLoad(t *testing.T) {
	// Close while goroutines hammer the mutex: every call either works or
	// reports ErrClosed, never crashes.
	for range 20 {
		m := must(NewMutex())(t)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if err := m.LockTimeout(time.Second); err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Error(err)
						}
						return
					}
					m.Unlock()
				}
			}()
		}
		time.Sleep(time.Millisecond)
		m.Close()
		wg.Wait()
	}
}

func TestLockAll(t *testing.T) {
	a := cleanup(t, must(NewMutex())(t))
	b := cleanup(t, must(NewMutex())(t))
	c := cleanup(t, must(NewMutex())(t))
	if err := LockAll(context.Background(), a, b, c); err != nil {
		t.Fatal(err)
	}
	if !a.IsLocked() || !b.IsLocked() || !c.IsLocked() {
		t.Fatal("LockAll left a mutex unlocked")
	}
	wantStatus(t, "LockAllTimeout(0) of held", LockAllTimeout(0, c, a), ErrWouldBlock)
	wantStatus(t, "LockAllTimeout of held", LockAllTimeout(20*time.Millisecond, c, a), ErrTimeout)
	if err := UnlockAll(a, b, c); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "UnlockAll of free", UnlockAll(a), ErrNotOwner)
	wantStatus(t, "duplicate", LockAll(context.Background(), a, a), ErrInvalidArgument)
	wantStatus(t, "nil", LockAll(context.Background(), a, nil), ErrNullPointer)
	if a.IsLocked() {
		t.Fatal("a failed LockAll left a locked")
	}
	if err := LockAll(context.Background()); err != nil {
		t.Fatal("LockAll of nothing:", err)
	}
	// Held by someone else: a cancelled context ends the wait, holding none.
	b.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := LockAll(ctx, a, b); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockAll with b held: %v", err)
	}
	if a.IsLocked() {
		t.Fatal("a timed-out LockAll left a locked")
	}
	b.Unlock()
	closed := must(NewMutex())(t)
	closed.Close()
	wantStatus(t, "LockAll with a closed mutex", LockAll(context.Background(), a, closed), ErrClosed)
	wantStatus(t, "UnlockAll with a closed mutex", UnlockAll(a, closed), ErrClosed)
}

func TestLockAllNoDeadlock(t *testing.T) {
	// Dining philosophers: each takes its two neighbouring forks, in
	// opposite orders, many times; LockAll must never deadlock.
	const n, rounds = 5, 300
	forks := make([]*Mutex, n)
	for i := range forks {
		forks[i] = cleanup(t, must(NewMutex())(t))
	}
	meals := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			left, right := forks[i], forks[(i+1)%n]
			if i%2 == 1 {
				left, right = right, left
			}
			for range rounds {
				if err := LockAll(context.Background(), left, right); err != nil {
					t.Error(err)
					return
				}
				meals[i]++
				if err := UnlockAll(left, right); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, count := range meals {
		if count != rounds {
			t.Fatalf("philosopher %d ate %d times", i, count)
		}
	}
}

func TestRLock(t *testing.T) {
	l := cleanup(t, must(NewRLock())(t))
	alice, bob := NewOwner(), NewOwner()
	if alice == bob || alice == 0 {
		t.Fatal("NewOwner repeats or returns 0")
	}
	for range 3 {
		if err := l.Lock(alice); err != nil {
			t.Fatal(err)
		}
	}
	if l.TryLock(bob) {
		t.Fatal("bob took alice's lock")
	}
	wantStatus(t, "bob LockTimeout", l.LockTimeout(bob, 20*time.Millisecond), ErrTimeout)
	wantStatus(t, "bob Unlock", l.Unlock(bob), ErrNotOwner)
	// The owner token, not the goroutine, owns the lock.
	done := result(func() error { return l.Lock(bob) })
	for range 2 {
		if err := receive(t, result(func() error { return l.Unlock(alice) })); err != nil {
			t.Fatal(err)
		}
	}
	stillBlocked(t, done)
	if err := l.Unlock(alice); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "alice Unlock after release", l.Unlock(alice), ErrNotOwner)
	if err := l.Unlock(bob); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "token 0", l.Lock(0), ErrInvalidArgument)
	wantStatus(t, "token above MaxInt64", l.Lock(Owner(math.MaxInt64)+1), ErrInvalidArgument)
	wantStatus(t, "unlock token 0", l.Unlock(0), ErrInvalidArgument)

	locker := l.Locker(alice)
	locker.Lock()
	locker.Lock()
	locker.Unlock()
	locker.Unlock()
	wantPanic(t, "", locker.Unlock)

	ctx, cancel := context.WithCancel(context.Background())
	l.Lock(alice)
	done = result(func() error { return l.LockContext(ctx, bob) })
	stillBlocked(t, done)
	cancel()
	if err := receive(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("LockContext cancelled: %v", err)
	}
	done = result(func() error { return l.Lock(bob) })
	stillBlocked(t, done)
	l.Close()
	l.Close()
	wantStatus(t, "Lock while closed", receive(t, done), ErrClosed)
	wantStatus(t, "Unlock after Close", l.Unlock(alice), ErrClosed)
}

func TestRLockHammer(t *testing.T) {
	l := cleanup(t, must(NewRLock())(t))
	total := 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := NewOwner()
			for range 2000 {
				if err := l.Lock(owner); err != nil {
					t.Error(err)
					return
				}
				if err := l.Lock(owner); err != nil { // reentrant
					t.Error(err)
					return
				}
				total++
				l.Unlock(owner)
				l.Unlock(owner)
			}
		}()
	}
	wg.Wait()
	if total != 6*2000 {
		t.Fatalf("total %d", total)
	}
}

func TestRWMutex(t *testing.T) {
	rw := cleanup(t, must(NewRWMutex())(t))
	rw.RLock()
	if !rw.TryRLock() {
		t.Fatal("a second reader was refused")
	}
	if rw.TryLock() {
		t.Fatal("a writer got in with readers")
	}
	wantStatus(t, "LockTimeout with readers", rw.LockTimeout(20*time.Millisecond), ErrTimeout)
	rw.RUnlock()
	rw.RUnlock()
	wantPanic(t, "runlock of unlocked rwmutex", rw.RUnlock)
	rw.Lock()
	if rw.TryRLock() || rw.TryLock() {
		t.Fatal("the write lock is not exclusive")
	}
	wantStatus(t, "RLockTimeout(0) with a writer", rw.RLockTimeout(0), ErrWouldBlock)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := rw.RLockContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RLockContext with a writer: %v", err)
	}
	done := result(func() error { return rw.LockContext(context.Background()) })
	stillBlocked(t, done)
	rw.Unlock()
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
	rw.Unlock()
	wantPanic(t, "unlock of unlocked rwmutex", rw.Unlock)
	locker := rw.RLocker()
	locker.Lock()
	locker.Lock()
	if rw.TryLock() {
		t.Fatal("RLocker did not read-lock")
	}
	locker.Unlock()
	locker.Unlock()

	rw.Lock()
	done = result(func() error { return rw.RLockContext(context.Background()) })
	stillBlocked(t, done)
	rw.Close()
	rw.Close()
	wantStatus(t, "RLock while closed", receive(t, done), ErrClosed)
	wantStatus(t, "after Close", rw.LockTimeout(0), ErrClosed)
	rw.Unlock() // no-op after Close
	wantPanic(t, "closed", rw.RLock)
}

func TestRWMutexHammer(t *testing.T) {
	// Readers run together, writers alone.
	rw := cleanup(t, must(NewRWMutex())(t))
	var readers, writers, maxReaders atomic.Int64
	var wg sync.WaitGroup
	value := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 300 {
				if i%4 == 0 {
					rw.Lock()
					if writers.Add(1) != 1 || readers.Load() != 0 {
						t.Error("a writer is not alone")
					}
					value++
					writers.Add(-1)
					rw.Unlock()
				} else {
					rw.RLock()
					now := readers.Add(1)
					if writers.Load() != 0 {
						t.Error("a reader runs with a writer")
					}
					for {
						seen := maxReaders.Load()
						if now <= seen || maxReaders.CompareAndSwap(seen, now) {
							break
						}
					}
					_ = value
					readers.Add(-1)
					rw.RUnlock()
				}
			}
		}()
	}
	wg.Wait()
	if value != 2*300 {
		t.Fatalf("value %d", value)
	}
	// Readers are concurrent: two readers holding the lock at once.
	rw.RLock()
	if err := receive(t, result(func() error { return rw.RLockTimeout(time.Second) })); err != nil {
		t.Fatal("a second reader waited:", err)
	}
	rw.RUnlock()
	rw.RUnlock()
}

func TestSemaphore(t *testing.T) {
	s := cleanup(t, must(NewSemaphore(2))(t))
	if !s.TryAcquire(2) || s.Value() != 0 || s.TryAcquire(1) {
		t.Fatal("TryAcquire does not count")
	}
	wantStatus(t, "AcquireTimeout(0)", s.AcquireTimeout(1, 0), ErrWouldBlock)
	wantStatus(t, "AcquireTimeout", s.AcquireTimeout(1, 20*time.Millisecond), ErrTimeout)
	done := result(func() error { return s.Acquire(context.Background(), 3) })
	stillBlocked(t, done)
	if err := s.Release(2); err != nil {
		t.Fatal(err)
	}
	stillBlocked(t, done)
	if err := s.Release(1); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
	// An unbounded semaphore may grow past its start.
	if err := s.Release(5); err != nil || s.Value() != 5 {
		t.Fatal("Release(5):", err, s.Value())
	}
	wantStatus(t, "Release(0)", s.Release(0), ErrInvalidArgument)
	wantStatus(t, "Release(-1)", s.Release(-1), ErrInvalidArgument)
	wantStatus(t, "Acquire(0)", s.Acquire(context.Background(), 0), ErrInvalidArgument)
	wantStatus(t, "Acquire(-2)", s.AcquireTimeout(-2, time.Second), ErrInvalidArgument)
	wantStatus(t, "Release overflow", s.Release(math.MaxInt64), ErrOverflow)
	_, err := NewSemaphore(-1)
	wantStatus(t, "NewSemaphore(-1)", err, ErrInvalidArgument)

	ctx, cancel := context.WithCancel(context.Background())
	done = result(func() error { return s.Acquire(ctx, 6) })
	stillBlocked(t, done)
	cancel()
	if err := receive(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire cancelled: %v", err)
	}
	done = result(func() error { return s.Acquire(context.Background(), 6) })
	stillBlocked(t, done)
	s.Close()
	s.Close()
	wantStatus(t, "Acquire while closed", receive(t, done), ErrClosed)
	wantStatus(t, "Release after Close", s.Release(1), ErrClosed)
	if s.Value() != 0 || s.TryAcquire(1) {
		t.Fatal("a closed semaphore works")
	}
}

func TestBoundedSemaphore(t *testing.T) {
	s := cleanup(t, must(NewBoundedSemaphore(3))(t))
	wantStatus(t, "Release above the bound", s.Release(1), ErrOverflow)
	if !s.TryAcquire(2) {
		t.Fatal("TryAcquire(2) failed")
	}
	wantStatus(t, "Release(3) above the bound", s.Release(3), ErrOverflow)
	if s.Value() != 1 {
		t.Fatal("a refused release changed the value")
	}
	if err := s.Release(2); err != nil {
		t.Fatal(err)
	}
	// Many workers never hold more than the bound.
	var inside, most atomic.Int64
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if err := s.Acquire(context.Background(), 1); err != nil {
					t.Error(err)
					return
				}
				now := inside.Add(1)
				for {
					seen := most.Load()
					if now <= seen || most.CompareAndSwap(seen, now) {
						break
					}
				}
				if now > 3 {
					t.Error("more than 3 inside")
				}
				inside.Add(-1)
				if err := s.Release(1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if s.Value() != 3 || most.Load() > 3 {
		t.Fatalf("value %d, most inside %d", s.Value(), most.Load())
	}
}

func TestCond(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	c := cleanup(t, must(NewCond(m))(t))
	_, err := NewCond(nil)
	wantStatus(t, "NewCond(nil)", err, ErrNullPointer)
	wantStatus(t, "Wait without the lock", c.WaitTimeout(time.Second), ErrNotOwner)
	m.Lock()
	wantStatus(t, "WaitTimeout(0)", c.WaitTimeout(0), ErrWouldBlock)
	wantStatus(t, "WaitTimeout", c.WaitTimeout(20*time.Millisecond), ErrTimeout)
	if !m.IsLocked() {
		t.Fatal("Wait returned without the lock")
	}
	m.Unlock()
	wantStatus(t, "Notify(-1)", c.Notify(-1), ErrInvalidArgument)

	// A queue of items handed over under the condition.
	items := 0
	const consumers, each = 4, 50
	var wg sync.WaitGroup
	for i := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				m.Lock()
				var err error
				if i%2 == 0 {
					err = c.WaitFor(context.Background(), func() bool { return items > 0 })
				} else {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					err = c.WaitFor(ctx, func() bool { return items > 0 })
					cancel()
				}
				if err != nil {
					m.Unlock()
					t.Error(err)
					return
				}
				items--
				m.Unlock()
			}
		}()
	}
	for range consumers * each {
		m.Lock()
		items++
		m.Unlock()
		c.Signal()
	}
	// Signal after unlocking may find nobody waiting; Broadcast until done.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for {
		select {
		case <-finished:
			if items != 0 {
				t.Fatalf("%d items left", items)
			}
			goto closing
		case <-time.After(10 * time.Millisecond):
			c.Broadcast()
		}
	}
closing:
	m.Lock()
	waiters := make([]<-chan error, 3)
	for i := range waiters {
		waiters[i] = result(func() error {
			m.Lock()
			defer m.Unlock()
			if i == 0 {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				return c.WaitFor(ctx, func() bool { return false })
			}
			return c.Wait(context.Background())
		})
	}
	m.Unlock()
	for _, done := range waiters {
		stillBlocked(t, done)
	}
	c.Close()
	c.Close()
	for _, done := range waiters {
		wantStatus(t, "Wait while closed", receive(t, done), ErrClosed)
	}
	m.Lock()
	wantStatus(t, "Wait after Close", c.Wait(context.Background()), ErrClosed)
	m.Unlock()
	wantStatus(t, "Notify after Close", c.Notify(1), ErrClosed)
	c.Signal()
	c.Broadcast()
}

func TestCondContext(t *testing.T) {
	m := cleanup(t, must(NewMutex())(t))
	c := cleanup(t, must(NewCond(m))(t))
	m.Lock()
	defer m.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.WaitFor(ctx, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor past the deadline: %v", err)
	}
	if !m.IsLocked() {
		t.Fatal("the lock was not retaken")
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := c.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait(cancelled): %v", err)
	}
}

func TestEvent(t *testing.T) {
	e := cleanup(t, must(NewEvent())(t))
	if e.IsSet() {
		t.Fatal("a new event is set")
	}
	wantStatus(t, "WaitTimeout(0)", e.WaitTimeout(0), ErrWouldBlock)
	wantStatus(t, "WaitTimeout", e.WaitTimeout(20*time.Millisecond), ErrTimeout)
	var waiters []<-chan error
	for i := range 4 {
		waiters = append(waiters, result(func() error {
			if i%2 == 0 {
				return e.Wait(context.Background())
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return e.Wait(ctx)
		}))
	}
	for _, done := range waiters {
		stillBlocked(t, done)
	}
	if err := e.Set(); err != nil {
		t.Fatal(err)
	}
	for _, done := range waiters {
		if err := receive(t, done); err != nil {
			t.Fatal(err)
		}
	}
	if !e.IsSet() || e.Wait(context.Background()) != nil {
		t.Fatal("the flag is not set")
	}
	if err := e.Clear(); err != nil || e.IsSet() {
		t.Fatal("Clear", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := e.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past the deadline: %v", err)
	}
	forever := result(func() error { return e.Wait(context.Background()) })
	timed := result(func() error { return e.WaitTimeout(time.Hour) })
	stillBlocked(t, forever)
	e.Close()
	e.Close()
	wantStatus(t, "Wait while closed", receive(t, forever), ErrClosed)
	wantStatus(t, "WaitTimeout while closed", receive(t, timed), ErrClosed)
	wantStatus(t, "Set after Close", e.Set(), ErrClosed)
	wantStatus(t, "Wait after Close", e.Wait(context.Background()), ErrClosed)
	if e.IsSet() {
		t.Fatal("a closed event is set")
	}
}

func TestLatch(t *testing.T) {
	l := cleanup(t, must(NewLatch(3))(t))
	_, err := NewLatch(-1)
	wantStatus(t, "NewLatch(-1)", err, ErrInvalidArgument)
	wantStatus(t, "CountDown(0)", l.CountDown(0), ErrInvalidArgument)
	wantStatus(t, "CountDown(-1)", l.CountDown(-1), ErrInvalidArgument)
	wantStatus(t, "WaitTimeout(0)", l.WaitTimeout(0), ErrWouldBlock)
	done := result(func() error { return l.Wait(context.Background()) })
	for i := range 3 {
		stillBlocked(t, done)
		if l.Count() != int64(3-i) {
			t.Fatalf("count %d", l.Count())
		}
		if err := l.CountDown(1); err != nil {
			t.Fatal(err)
		}
	}
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
	if err := l.CountDown(5); err != nil || l.Count() != 0 {
		t.Fatal("CountDown past zero", err, l.Count())
	}

	l2 := must(NewLatch(1))(t)
	ctx, cancel := context.WithCancel(context.Background())
	done = result(func() error { return l2.Wait(ctx) })
	stillBlocked(t, done)
	cancel()
	if err := receive(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait cancelled: %v", err)
	}
	done = result(func() error { return l2.Wait(context.Background()) })
	stillBlocked(t, done)
	l2.Close()
	l2.Close()
	wantStatus(t, "Wait while closed", receive(t, done), ErrClosed)
	wantStatus(t, "CountDown after Close", l2.CountDown(1), ErrClosed)
}

func TestBarrier(t *testing.T) {
	_, err := NewBarrier(0)
	wantStatus(t, "NewBarrier(0)", err, ErrInvalidArgument)
	const parties = 4
	b := cleanup(t, must(NewBarrier(parties))(t))
	if b.Parties() != parties || b.NWaiting() != 0 || b.Broken() {
		t.Fatal("a new barrier's state")
	}
	// Three rounds: each releases exactly parties waiters with indexes
	// 0..parties-1.
	var passed atomic.Int64
	for round := range 3 {
		indexes := make(chan int, parties)
		var wg sync.WaitGroup
		for range parties - 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				index, err := b.Wait(context.Background())
				if err != nil {
					t.Error(err)
				}
				passed.Add(1)
				indexes <- index
			}()
		}
		eventually(t, "the waiters", func() bool { return b.NWaiting() == parties-1 })
		if passed.Load() != int64(round*parties) {
			t.Fatal("waiters passed before the last party")
		}
		index, err := b.WaitTimeout(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		passed.Add(1)
		indexes <- index
		wg.Wait()
		close(indexes)
		seen := make(map[int]bool)
		for index := range indexes {
			seen[index] = true
		}
		if len(seen) != parties || passed.Load() != int64((round+1)*parties) {
			t.Fatalf("round %d: indexes %v", round, seen)
		}
	}

	// A timeout breaks the barrier for everyone.
	waiting := result(func() error { _, err := b.Wait(context.Background()); return err })
	eventually(t, "the waiter", func() bool { return b.NWaiting() == 1 })
	_, err = b.WaitTimeout(20 * time.Millisecond)
	wantStatus(t, "WaitTimeout", err, ErrTimeout)
	wantStatus(t, "the other waiter", receive(t, waiting), ErrBroken)
	if !b.Broken() {
		t.Fatal("not broken")
	}
	_, err = b.Wait(context.Background())
	wantStatus(t, "Wait on a broken barrier", err, ErrBroken)
	if err := b.Reset(); err != nil || b.Broken() {
		t.Fatal("Reset", err)
	}

	// A cancelled context breaks it too.
	ctx, cancel := context.WithCancel(context.Background())
	waiting = result(func() error { _, err := b.Wait(context.Background()); return err })
	mine := result(func() error { _, err := b.Wait(ctx); return err })
	eventually(t, "the waiters", func() bool { return b.NWaiting() == 2 })
	cancel()
	if err := receive(t, mine); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait cancelled: %v", err)
	}
	wantStatus(t, "the other waiter", receive(t, waiting), ErrBroken)
	b.Reset()

	// Abort.
	waiting = result(func() error { _, err := b.Wait(context.Background()); return err })
	eventually(t, "the waiter", func() bool { return b.NWaiting() == 1 })
	b.Abort()
	wantStatus(t, "Wait aborted", receive(t, waiting), ErrBroken)
	b.Reset()

	// Close.
	waiting = result(func() error { _, err := b.Wait(context.Background()); return err })
	timed := result(func() error { _, err := b.WaitTimeout(time.Hour); return err })
	eventually(t, "the waiters", func() bool { return b.NWaiting() == 2 })
	b.Close()
	b.Close()
	wantStatus(t, "Wait while closed", receive(t, waiting), ErrClosed)
	wantStatus(t, "WaitTimeout while closed", receive(t, timed), ErrClosed)
	_, err = b.Wait(context.Background())
	wantStatus(t, "Wait after Close", err, ErrClosed)
	wantStatus(t, "Reset after Close", b.Reset(), ErrClosed)
	if !b.Broken() || b.Parties() != 0 {
		t.Fatal("a closed barrier's state")
	}
}

func TestCounter(t *testing.T) {
	c := cleanup(t, must(NewCounter(5))(t))
	if value, err := c.Add(3); value != 8 || err != nil {
		t.Fatal("Add", value, err)
	}
	if value, err := c.Add(-10); value != -2 || err != nil {
		t.Fatal("Add negative", value, err)
	}
	if c.CompareAndSwap(0, 1) || !c.CompareAndSwap(-2, 7) || c.Load() != 7 {
		t.Fatal("CompareAndSwap")
	}
	if err := c.Store(math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	_, err := c.Add(1)
	wantStatus(t, "Add overflow", err, ErrOverflow)
	if c.Load() != math.MaxInt64 {
		t.Fatal("an overflowing Add changed the value")
	}
	c.Store(0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				if _, err := c.Add(1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if c.Load() != 8000 {
		t.Fatalf("lost updates: %d", c.Load())
	}
	c.Close()
	c.Close()
	_, err = c.Add(1)
	wantStatus(t, "Add after Close", err, ErrClosed)
	wantStatus(t, "Store after Close", c.Store(1), ErrClosed)
	if c.Load() != 0 || c.CompareAndSwap(0, 1) {
		t.Fatal("a closed counter works")
	}
}

func TestSyncFinalizers(t *testing.T) {
	// Objects dropped without Close are released by their finalizers.
	for range 100 {
		must(NewMutex())(t)
		must(NewRWMutex())(t)
		must(NewEvent())(t)
		must(NewCounter(1))(t)
	}
	runtime_GC()
}

func runtime_GC() {
	for range 3 {
		runtime.GC()
	}
}
