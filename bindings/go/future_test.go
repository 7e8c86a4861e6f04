package allcore

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitHonoursItsContext(t *testing.T) {
	pool := newTestPool(t, 1)
	future, release := blocker(t, pool)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := future.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with a deadline: %v; want context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	if _, err := future.Result(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Result with a cancelled context: %v; want context.Canceled", err)
	}
	if err := future.WaitTimeout(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitTimeout(10ms): %v; want ErrTimeout", err)
	}
	if err := future.WaitTimeout(0); !errors.Is(err, ErrWouldBlock) {
		t.Errorf("WaitTimeout(0): %v; want ErrWouldBlock", err)
	}
	select {
	case <-future.Done():
		t.Error("Done() closed while the task runs")
	default:
	}

	release()
	<-future.Done()
	if err := future.WaitTimeout(0); err != nil {
		t.Errorf("WaitTimeout(0) when done: %v", err)
	}
	if err := future.WaitTimeout(-1); err != nil {
		t.Errorf("WaitTimeout(-1) when done: %v", err)
	}
	if value, err := future.Result(context.Background()); err != nil || value != 1 {
		t.Errorf("Result() = %d, %v; want 1", value, err)
	}
}

func TestFutureClosedWhileWaitedFor(t *testing.T) {
	pool := newTestPool(t, 1)
	future, release := blocker(t, pool)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interruptible := make(chan error)
	go func() { interruptible <- future.Wait(ctx) }()
	blocking := make(chan error)
	go func() { blocking <- future.WaitTimeout(time.Hour) }()
	time.Sleep(10 * time.Millisecond)
	if err := future.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := <-interruptible; !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a cancellable context interrupted by Close: %v; want ErrClosed", err)
	}
	// A wait blocked in the library keeps the native future until it ends
	// with the task (or fails with ErrClosed if it started after Close).
	release()
	if err := <-blocking; err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("WaitTimeout across Close: %v; want nil or ErrClosed", err)
	}
	if err := future.WaitTimeout(time.Hour); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitTimeout after Close: %v; want ErrClosed", err)
	}
}

func TestFutureUseAfterClose(t *testing.T) {
	pool := newTestPool(t, 1)
	running, release := blocker(t, pool)
	queued, err := pool.SubmitKernel(KernelFib, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := queued.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	}
	if _, err := queued.State(); !errors.Is(err, ErrClosed) {
		t.Errorf("State after Close: %v; want ErrClosed", err)
	}
	if queued.Cancel() {
		t.Error("Cancel after Close = true")
	}
	if _, err := queued.Result(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Result after Close of an unfinished future: %v; want ErrClosed", err)
	}
	select {
	case <-queued.Done():
		t.Error("Done() of a future closed before it was watched is closed")
	default:
	}
	release()
	if value, err := running.Result(context.Background()); err != nil || value != 1 {
		t.Errorf("running task = %d, %v; want 1", value, err)
	}
}

func TestWaitAnyAndWaitAll(t *testing.T) {
	pool := newTestPool(t, 2)
	slow, release := blocker(t, pool)
	fast, err := pool.SubmitKernel(KernelFib, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if index, err := WaitAny(ctx, slow, fast); err != nil || index != 1 {
		t.Errorf("WaitAny = %d, %v; want 1", index, err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := WaitAll(short, fast, slow); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitAll with a running task: %v; want context.DeadlineExceeded", err)
	}
	if _, err := WaitAny(short, slow); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitAny with a running task: %v; want context.DeadlineExceeded", err)
	}
	if _, err := WaitAny(ctx); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("WaitAny() of nothing: %v; want ErrInvalidArgument", err)
	}
	if err := WaitAll(ctx); err != nil {
		t.Errorf("WaitAll() of nothing: %v", err)
	}
	closed, err := pool.SubmitKernel(KernelFib, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := WaitAny(ctx, fast, closed); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitAny with a closed future: %v; want ErrClosed", err)
	}
	if err := WaitAll(ctx, fast, closed); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitAll with a closed future: %v; want ErrClosed", err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		release()
	}()
	if index, err := WaitAny(ctx, slow); err != nil || index != 0 {
		t.Errorf("WaitAny after release = %d, %v; want 0", index, err)
	}
	if err := WaitAll(ctx, fast, slow); err != nil {
		t.Errorf("WaitAll = %v", err)
	}
}

func TestWaitAnyReportsAClosedFuture(t *testing.T) {
	pool := newTestPool(t, 1)
	future, _ := blocker(t, pool)
	go func() {
		time.Sleep(10 * time.Millisecond)
		future.Close()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := WaitAny(ctx, future); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitAny on a future closed meanwhile: %v; want ErrClosed", err)
	}
}

func TestFutureStateString(t *testing.T) {
	for state, want := range map[FutureState]string{
		FuturePending:   "pending",
		FutureRunning:   "running",
		FutureFinished:  "finished",
		FutureCancelled: "cancelled",
		FutureState(9):  "FutureState(9)",
	} {
		if got := state.String(); got != want {
			t.Errorf("%d.String() = %q; want %q", int32(state), got, want)
		}
	}
}
