package allcore

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func shmName(tag string) string {
	return fmt.Sprintf("allcore-go-%s-%d", tag, os.Getpid())
}

func TestShmQueueSharedByName(t *testing.T) {
	name := shmName("queue")
	q, err := CreateShmQueue(name, 4096, 2)
	if err != nil {
		t.Fatal(err)
	}
	other, err := OpenShmQueue(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Put([]byte("hello"), 0); err != nil {
		t.Fatal(err)
	}
	if err := q.Put(EncodeWireInt(-42), 0); err != nil {
		t.Fatal(err)
	}
	if err := q.Put([]byte("x"), 0); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("full queue: %v", err)
	}
	if got, err := other.Get(0); err != nil || string(got) != "hello" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err := other.Get(time.Second)
	if value, ok := DecodeWireInt(got); err != nil || !ok || value != -42 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := other.Get(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("empty queue: %v", err)
	}
	if err := q.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(-1); !errors.Is(err, ErrClosed) {
		t.Fatalf("shut down: %v", err)
	}
	q.Close()
	other.Close()
	if _, err := OpenShmQueue(name); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("the last user removed the name: %v", err)
	}
}

// TestShmMutexOwnerDied runs a helper process (this test binary) that
// locks a named mutex and is then killed.
func TestShmMutexOwnerDied(t *testing.T) {
	if name := os.Getenv("ALLCORE_SHM_HOLD"); name != "" {
		m, err := OpenShmMutex(name)
		if err != nil {
			os.Exit(1)
		}
		m.Lock()
		ready, _ := OpenShmEvent(name + "-ready")
		ready.Set()
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	name := shmName("mutex")
	m, err := CreateShmMutex(name)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ready, err := CreateShmEvent(name + "-ready")
	if err != nil {
		t.Fatal(err)
	}
	defer ready.Close()
	holder := exec.Command(os.Args[0], "-test.run", "^TestShmMutexOwnerDied$")
	holder.Env = append(os.Environ(), "ALLCORE_SHM_HOLD="+name)
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ready.Wait(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := m.LockTimeout(0); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("held by the helper: %v", err)
	}
	holder.Process.Kill()
	holder.Wait()
	if err := m.LockTimeout(30 * time.Second); !errors.Is(err, ErrOwnerDied) {
		t.Fatalf("after the holder died: %v", err)
	}
	m.Unlock()
	if err := m.LockTimeout(0); err != nil {
		t.Fatal(err)
	}
	m.Unlock()
}

func TestShmSyncObjects(t *testing.T) {
	s, err := CreateShmSemaphore("", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Acquire(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Acquire(0); !errors.Is(err, ErrWouldBlock) {
		t.Fatal(err)
	}
	if err := s.Release(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(1); !errors.Is(err, ErrOverflow) {
		t.Fatal(err)
	}
	c, err := CreateShmCounter("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Add(2) != 3 || c.Load() != 3 {
		t.Fatal("counter")
	}
	if err := UnlinkShm("no-such-allcore-object"); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "no shared object") {
		t.Fatal(err)
	}
}

func TestShmQueueBatches(t *testing.T) {
	q, err := CreateShmQueue("", 4096, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if n, err := q.PutMany([][]byte{[]byte("a"), {}, []byte("ccc")}, 0); n != 3 || err != nil {
		t.Fatalf("put many: %d, %v", n, err)
	}
	if n, err := q.PutMany([][]byte{make([]byte, 8192)}, 0); n != 0 || !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a message that never fits: %d, %v", n, err)
	}
	got, err := q.GetMany(2, 0)
	if err != nil || len(got) != 2 || string(got[0]) != "a" || len(got[1]) != 0 {
		t.Fatalf("get many: %q, %v", got, err)
	}
	q.buffer = make([]byte, 1) // the next one does not fit: the buffer grows
	got, err = q.GetMany(8, time.Second)
	if err != nil || len(got) != 1 || string(got[0]) != "ccc" {
		t.Fatalf("get many: %q, %v", got, err)
	}
	if _, err := q.GetMany(8, 0); !errors.Is(err, ErrWouldBlock) {
		t.Fatal(err)
	}
}

func TestShmRLockCondBarrierAndShutdown(t *testing.T) {
	l, err := CreateShmRLock("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Lock()
	if err := l.LockTimeout(0); err != nil {
		t.Fatal(err)
	}
	if l.Depth() != 2 {
		t.Fatalf("depth %d", l.Depth())
	}
	done := make(chan error)
	go func() { done <- l.LockTimeout(0) }()
	if err := <-done; !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("another goroutine's thread: %v", err)
	}
	l.Unlock()
	l.Unlock()

	m, err := CreateShmMutex(shmName("cond-lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := CreateShmCond(shmName("cond"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other, err := OpenShmCond(shmName("cond"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := c.Wait(0); !errors.Is(err, ErrNotOwner) {
		t.Fatal(err)
	}
	m.Lock()
	if err := c.Wait(5 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	woke := make(chan error)
	go func() {
		m.Lock()
		woke <- nil
		woke <- other.Wait(30 * time.Second)
		m.Unlock()
	}()
	m.Unlock()
	<-woke
	for {
		m.Lock()
		n, err := c.Notify(1)
		m.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := <-woke; err != nil {
		t.Fatalf("notified: %v", err)
	}
	go func() {
		m.Lock()
		woke <- nil
		woke <- c.Wait(-1)
		m.Unlock()
	}()
	<-woke
	m.Lock() // the waiter sleeps once this goroutine has the mutex
	m.Unlock()
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := <-woke; !errors.Is(err, ErrClosed) {
		t.Fatalf("shut down: %v", err)
	}

	b, err := CreateShmBarrier("", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	indexes := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			index, err := b.Wait(30 * time.Second)
			if err != nil {
				index = -1
			}
			indexes <- index
		}()
	}
	if first, second := <-indexes, <-indexes; first+second != 1 {
		t.Fatalf("indexes %d, %d", first, second)
	}
	if parties, waiting, broken := b.State(); parties != 2 || waiting != 0 || broken {
		t.Fatal(parties, waiting, broken)
	}
	if _, err := b.Wait(time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	if _, err := b.Wait(-1); !errors.Is(err, ErrBroken) {
		t.Fatal(err)
	}
	b.Reset()
	go func() {
		_, err := b.Wait(-1)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("barrier shut down: %v", err)
	}

	s, err := CreateShmSemaphore("", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := CreateShmEvent("")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, shutdown := range []func() error{m.Shutdown, l.Shutdown, s.Shutdown, e.Shutdown} {
		if err := shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.LockTimeout(-1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := l.LockTimeout(-1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := s.Acquire(-1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := e.Wait(-1); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func TestShmMemoryAndHeldBarrier(t *testing.T) {
	name := fmt.Sprintf("allcore-go-memory-%d", os.Getpid())
	m, err := CreateShmMemory(name, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	other, err := OpenShmMemory(name)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	data := m.Bytes()
	if len(data) != 16 || data[3] != 0 {
		t.Fatal("a new block is 16 zeroed bytes")
	}
	data[3] = 7
	if other.Bytes()[3] != 7 {
		t.Fatal("both handles see the same bytes")
	}
	b, err := CreateShmBarrier("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if index, err := b.WaitHolding(time.Second); err != nil || index != 0 {
		t.Fatal("the only party holds the barrier", index, err)
	}
	if err := b.Trip(); err != nil {
		t.Fatal(err)
	}
	if err := b.Trip(); err == nil {
		t.Fatal("a second trip has no barrier to release")
	}
}
