package allcore

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allcore/allcore/bindings/go/internal/cfuncs"
)

// waitDone fails the test unless ch is closed within a generous time.
func waitDone(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not done", what)
	}
}

func TestAfterFuncRunsAfterTheDelay(t *testing.T) {
	pool := newTestPool(t, 2)
	fired := make(chan time.Time, 1)
	start := time.Now()
	timer, err := pool.AfterFunc(30*time.Millisecond, func() { fired <- time.Now() })
	if err != nil {
		t.Fatalf("AfterFunc: %v", err)
	}
	waitDone(t, timer.Done(), "timer")
	if at := <-fired; at.Sub(start) < 30*time.Millisecond {
		t.Errorf("fired after %v; want at least 30ms", at.Sub(start))
	}
	if timer.Stop() {
		t.Error("Stop after the timer fired = true; want false")
	}
}

func TestStopBeforeItFires(t *testing.T) {
	pool := newTestPool(t, 1)
	var calls atomic.Int32
	timer, err := pool.AfterFunc(20*time.Millisecond, func() { calls.Add(1) })
	if err != nil {
		t.Fatalf("AfterFunc: %v", err)
	}
	if !timer.Stop() {
		t.Fatal("Stop of a pending timer = false; want true")
	}
	if timer.Stop() {
		t.Error("second Stop = true; want false")
	}
	waitDone(t, timer.Done(), "stopped timer")
	// A later timer fires; the stopped one never does.
	later, err := pool.AfterFunc(40*time.Millisecond, func() {})
	if err != nil {
		t.Fatalf("AfterFunc: %v", err)
	}
	waitDone(t, later.Done(), "later timer")
	if n := calls.Load(); n != 0 {
		t.Errorf("the stopped timer's function ran %d times", n)
	}
}

func TestNegativeDelayRunsAtOnce(t *testing.T) {
	pool := newTestPool(t, 1)
	timer, err := pool.AfterFunc(-time.Second, func() {})
	if err != nil {
		t.Fatalf("AfterFunc: %v", err)
	}
	waitDone(t, timer.Done(), "timer")
}

func TestClosingThePoolCancelsPendingTimers(t *testing.T) {
	pool, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	timers := make([]*Timer, 100)
	for i := range timers {
		if timers[i], err = pool.AfterFunc(time.Minute, func() { calls.Add(1) }); err != nil {
			t.Fatalf("AfterFunc: %v", err)
		}
	}
	pool.Close()
	for _, timer := range timers {
		waitDone(t, timer.Done(), "cancelled timer")
		if timer.Stop() {
			t.Error("Stop after shutdown = true; want false")
		}
	}
	if calls.Load() != 0 {
		t.Error("a cancelled timer ran")
	}
	if _, err := pool.AfterFunc(time.Millisecond, func() {}); !errors.Is(err, ErrClosed) {
		t.Errorf("AfterFunc on a closed pool: %v; want ErrClosed", err)
	}
}

func TestAfterFuncRefusesANilFunction(t *testing.T) {
	pool := newTestPool(t, 1)
	if _, err := pool.AfterFunc(time.Millisecond, nil); !errors.Is(err, ErrNullPointer) {
		t.Errorf("AfterFunc(nil) error = %v; want ErrNullPointer", err)
	}
}

func TestPackageAfterFunc(t *testing.T) {
	done := make(chan struct{})
	timer := AfterFunc(time.Millisecond, func() { close(done) })
	waitDone(t, done, "package AfterFunc")
	waitDone(t, timer.Done(), "timer")
}

func TestSubmitFuncAfterRunsACFunction(t *testing.T) {
	pool := newTestPool(t, 1)
	context := cfuncs.NewInt64(41)
	defer cfuncs.FreeInt64(context)
	future, err := pool.SubmitFuncAfter(10*time.Millisecond, cfuncs.AddOneTask(), context)
	if err != nil {
		t.Fatalf("SubmitFuncAfter: %v", err)
	}
	if value, err := future.Result(t.Context()); err != nil || value != 42 {
		t.Errorf("Result = %d, %v; want 42", value, err)
	}
	pending, err := pool.SubmitFuncAfter(time.Minute, cfuncs.AddOneTask(), context)
	if err != nil {
		t.Fatalf("SubmitFuncAfter: %v", err)
	}
	if !pending.Cancel() {
		t.Error("Cancel of a pending timer = false")
	}
	if _, err := pending.Result(t.Context()); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled Result error = %v; want ErrCancelled", err)
	}
	if _, err := pool.SubmitFuncAfter(time.Millisecond, nil, nil); !errors.Is(err, ErrNullPointer) {
		t.Errorf("SubmitFuncAfter(nil) error = %v; want ErrNullPointer", err)
	}
}

func threadCount(t *testing.T) int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatalf("counting threads: %v", err)
	}
	return len(tasks)
}

func Test2000PendingTimersDoNotCost2000Threads(t *testing.T) {
	pool := newTestPool(t, 2)
	before := threadCount(t)
	timers := make([]*Timer, 2000)
	for i := range timers {
		var err error
		if timers[i], err = pool.AfterFunc(time.Minute, func() {}); err != nil {
			t.Fatalf("AfterFunc: %v", err)
		}
	}
	// The pool's one timer thread, plus any the Go runtime starts for itself.
	if added := threadCount(t) - before; added > 20 {
		t.Errorf("2000 pending timers added %d threads", added)
	}
	for _, timer := range timers {
		if !timer.Stop() {
			t.Fatal("Stop of a pending timer = false")
		}
	}
}

// A panic in an AfterFunc function crashes the program, as one in a
// time.AfterFunc function does: checked in a child process.
func TestAfterFuncPanicCrashesTheProgram(t *testing.T) {
	if os.Getenv("ALLCORE_TIMER_PANIC") == "1" {
		AfterFunc(time.Millisecond, func() { panic("timer boom") })
		time.Sleep(10 * time.Second)
		return
	}
	child := exec.Command(os.Args[0], "-test.run=^TestAfterFuncPanicCrashesTheProgram$")
	child.Env = append(os.Environ(), "ALLCORE_TIMER_PANIC=1")
	output, err := child.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(output), "panic: timer boom") {
		t.Fatalf("child: %v\n%s", err, output)
	}
}

func TestResetReplacesAPendingCallAndRearmsAFiredOne(t *testing.T) {
	pool := newTestPool(t, 1)
	var calls atomic.Int32
	timer, err := pool.AfterFunc(time.Minute, func() { calls.Add(1) })
	if err != nil {
		t.Fatalf("AfterFunc: %v", err)
	}
	first := timer.Done()
	if pending, err := timer.Reset(time.Millisecond); !pending || err != nil {
		t.Fatalf("Reset of a pending timer = %v, %v; want true, nil", pending, err)
	}
	waitDone(t, first, "replaced call")
	waitDone(t, timer.Done(), "reset timer")
	if n := calls.Load(); n != 1 {
		t.Fatalf("calls after one Reset = %d; want 1", n)
	}
	if pending, err := timer.Reset(time.Millisecond); pending || err != nil {
		t.Fatalf("Reset of a fired timer = %v, %v; want false, nil", pending, err)
	}
	waitDone(t, timer.Done(), "re-armed timer")
	if n := calls.Load(); n != 2 {
		t.Fatalf("calls after re-arming = %d; want 2", n)
	}
	pool.Close()
	if _, err := timer.Reset(time.Millisecond); !errors.Is(err, ErrClosed) {
		t.Errorf("Reset after Close: %v; want ErrClosed", err)
	}
}
