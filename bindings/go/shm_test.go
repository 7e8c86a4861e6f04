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
