package allcore

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allcore/allcore/bindings/go/internal/cfuncs"
)

// newTestPool starts a pool that the test closes when it ends.
func newTestPool(t *testing.T, workers int, opts ...Option) *Pool {
	t.Helper()
	pool, err := NewPool(workers, opts...)
	if err != nil {
		t.Fatalf("NewPool(%d): %v", workers, err)
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

// blocker occupies one worker with a Go task that runs until release is
// called, and returns once the task is running.
func blocker(t *testing.T, pool *Pool) (future *Future, release func()) {
	t.Helper()
	started := make(chan struct{})
	released := make(chan struct{})
	future, err := pool.Submit(func() int64 {
		close(started)
		<-released
		return 1
	})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	<-started
	var once sync.Once
	release = func() { once.Do(func() { close(released) }) }
	t.Cleanup(release)
	return future, release
}

func TestNewPool(t *testing.T) {
	stats, err := newTestPool(t, 0).Stats()
	if err != nil || stats.Workers != AvailableCPUs() {
		t.Errorf("NewPool(0) stats = %+v, %v; want %d workers", stats, err, AvailableCPUs())
	}
	stats, err = newTestPool(t, 3).Stats()
	if err != nil || stats.Workers != 3 {
		t.Errorf("NewPool(3) stats = %+v, %v; want 3 workers", stats, err)
	}
	for _, workers := range []int{-1, 5000} {
		if _, err := NewPool(workers); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("NewPool(%d) error = %v; want ErrInvalidArgument", workers, err)
		}
	}
}

func TestWithNamePrefixNamesWorkerThreads(t *testing.T) {
	newTestPool(t, 2, WithNamePrefix("gotest"))
	// Each worker names itself once it runs: look until both have.
	found := 0
	for deadline := time.Now().Add(10 * time.Second); found != 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		names, err := filepath.Glob("/proc/self/task/*/comm")
		if err != nil {
			t.Fatal(err)
		}
		found = 0
		for _, name := range names {
			comm, err := os.ReadFile(name)
			if err == nil && strings.HasPrefix(string(comm), "gotest-") {
				found++
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d threads named gotest-*; want 2", found)
	}
}

func TestSubmitKernel(t *testing.T) {
	pool := newTestPool(t, 2)
	ctx := context.Background()
	fib, err := pool.SubmitKernel(KernelFib, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fib.Close()
	if value, err := fib.Result(ctx); err != nil || value != 832040 {
		t.Errorf("KernelFib(30) = %d, %v; want 832040", value, err)
	}
	if state, err := fib.State(); err != nil || state != FutureFinished {
		t.Errorf("State() = %v, %v; want finished", state, err)
	}
	sum, err := pool.SubmitKernel(KernelRangeSum, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if value, err := sum.Result(ctx); err != nil || value != 4950 {
		t.Errorf("KernelRangeSum(0, 100) = %d, %v; want 4950", value, err)
	}
	overflow, err := pool.SubmitKernel(KernelFib, 93, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := overflow.Result(ctx); !errors.Is(err, ErrOverflow) {
		t.Errorf("KernelFib(93) error = %v; want ErrOverflow", err)
	}
	if _, err := pool.SubmitKernel(Kernel(99), 0, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown kernel error = %v; want ErrInvalidArgument", err)
	}
}

func TestSubmitGoFunc(t *testing.T) {
	pool := newTestPool(t, 2)
	captured := int64(41)
	future, err := pool.Submit(func() int64 { return captured + 1 })
	if err != nil {
		t.Fatal(err)
	}
	if value, err := future.Result(context.Background()); err != nil || value != 42 {
		t.Errorf("Result() = %d, %v; want 42", value, err)
	}
	if _, err := pool.Submit(nil); !errors.Is(err, ErrNullPointer) {
		t.Errorf("Submit(nil) error = %v; want ErrNullPointer", err)
	}
}

func TestSubmitPanickingGoFuncBreaksItsFuture(t *testing.T) {
	pool := newTestPool(t, 1)
	future, err := pool.Submit(func() int64 { panic("boom") })
	if err != nil {
		t.Fatal(err)
	}
	_, err = future.Result(context.Background())
	if !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Result() error = %v; want ErrBroken mentioning the panic", err)
	}
	// The worker survives the panic.
	next, err := pool.SubmitKernel(KernelFib, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if value, err := next.Result(context.Background()); err != nil || value != 55 {
		t.Errorf("next task = %d, %v; want 55", value, err)
	}
}

func TestMapFib(t *testing.T) {
	pool := newTestPool(t, 0)
	inputs := make([]int64, 31)
	for i := range inputs {
		inputs[i] = int64(i)
	}
	outputs, err := pool.Map(KernelFib, inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range inputs {
		want, _ := Fib(n)
		if outputs[i] != want {
			t.Errorf("Map(KernelFib)[%d] = %d; want %d", i, outputs[i], want)
		}
	}
	if _, err := pool.Map(KernelFib, []int64{1, 93}); !errors.Is(err, ErrOverflow) {
		t.Errorf("Map(KernelFib, 93) error = %v; want ErrOverflow", err)
	}
	if _, err := pool.Map(KernelRangeSum, []int64{1}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Map(KernelRangeSum) error = %v; want ErrInvalidArgument", err)
	}
	if outputs, err := pool.Map(KernelFib, nil); err != nil || len(outputs) != 0 {
		t.Errorf("Map(KernelFib, nil) = %v, %v; want empty", outputs, err)
	}
}

func TestMapFunc(t *testing.T) {
	pool := newTestPool(t, 0)
	inputs := make([]int64, 1000)
	for i := range inputs {
		inputs[i] = int64(i - 500)
	}
	outputs, err := pool.MapFunc(cfuncs.Square(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range inputs {
		if outputs[i] != n*n {
			t.Fatalf("MapFunc(square)[%d] = %d; want %d", i, outputs[i], n*n)
		}
	}
	if _, err := pool.MapFunc(nil, inputs); !errors.Is(err, ErrNullPointer) {
		t.Errorf("MapFunc(nil) error = %v; want ErrNullPointer", err)
	}
}

func TestParallelForCoversEveryIndexOnce(t *testing.T) {
	pool := newTestPool(t, 0)
	for _, chunk := range []int{0, 1, 7, 100000} {
		const n = 10007
		counts := make([]atomic.Int32, n)
		err := pool.ParallelFor(n, chunk, func(begin, end int) {
			if chunk > 0 && end-begin > chunk {
				t.Errorf("chunk [%d, %d) is larger than %d", begin, end, chunk)
			}
			for i := begin; i < end; i++ {
				counts[i].Add(1)
			}
		})
		if err != nil {
			t.Fatalf("ParallelFor(chunk %d): %v", chunk, err)
		}
		for i := range counts {
			if got := counts[i].Load(); got != 1 {
				t.Fatalf("chunk %d: index %d visited %d times; want once", chunk, i, got)
			}
		}
	}
	if err := pool.ParallelFor(0, 0, func(int, int) { t.Error("body called for n = 0") }); err != nil {
		t.Errorf("ParallelFor(0) = %v", err)
	}
	if err := pool.ParallelFor(-1, 0, func(int, int) {}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ParallelFor(-1) error = %v; want ErrInvalidArgument", err)
	}
}

func TestParallelForPanicReachesTheCaller(t *testing.T) {
	pool := newTestPool(t, 2)
	defer func() {
		if recovered := recover(); recovered != "boom" {
			t.Errorf("recovered %v; want the body's panic", recovered)
		}
	}()
	pool.ParallelFor(100, 1, func(begin, end int) {
		if begin == 50 {
			panic("boom")
		}
	})
	t.Error("ParallelFor returned after its body panicked")
}

func TestPoolRangeSumAndBusyLoop(t *testing.T) {
	pool := newTestPool(t, 0)
	if sum, err := pool.RangeSum(-10, 10_000_000); err != nil || sum != 49_999_995_000_000-55 {
		t.Errorf("RangeSum = %d, %v", sum, err)
	}
	start := int64(1) << 62
	if sum, err := pool.RangeSum(start, start+1000); !errors.Is(err, ErrOverflow) || sum != 0 {
		t.Errorf("RangeSum overflow = %d, %v; want 0, ErrOverflow", sum, err)
	}
	// Years of work if it started: refused at once.
	if sum, err := pool.RangeSum(0, math.MaxInt64); !errors.Is(err, ErrOverflow) || sum != 0 {
		t.Errorf("RangeSum(0, MaxInt64) = %d, %v; want 0, ErrOverflow", sum, err)
	}
	if iterations, err := pool.BusyLoopFor(time.Millisecond); err != nil || iterations == 0 {
		t.Errorf("BusyLoopFor = %d, %v", iterations, err)
	}
	if _, err := pool.BusyLoopFor(-1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("BusyLoopFor(-1) error = %v; want ErrInvalidArgument", err)
	}
}

func TestCancelBeforeStart(t *testing.T) {
	pool := newTestPool(t, 1)
	running, release := blocker(t, pool)
	queued, err := pool.SubmitKernel(KernelFib, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if state, _ := queued.State(); state != FuturePending {
		t.Errorf("queued state = %v; want pending", state)
	}
	if running.Cancel() {
		t.Error("Cancel() of a running task = true")
	}
	if !queued.Cancel() {
		t.Fatal("Cancel() of a queued task = false")
	}
	if state, _ := queued.State(); state != FutureCancelled {
		t.Errorf("state after Cancel = %v; want cancelled", state)
	}
	if _, err := queued.Result(context.Background()); !errors.Is(err, ErrCancelled) {
		t.Errorf("Result() of a cancelled task: %v; want ErrCancelled", err)
	}
	release()
	if value, err := running.Result(context.Background()); err != nil || value != 1 {
		t.Errorf("running task = %d, %v; want 1", value, err)
	}
}

func TestShutdownCancelResolvesEveryFuture(t *testing.T) {
	pool := newTestPool(t, 1)
	running, release := blocker(t, pool)
	var queued []*Future
	for range 20 {
		future, err := pool.SubmitKernel(KernelFib, 25, 0)
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, future)
	}
	if err := pool.Shutdown(ShutdownCancel, false); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.SubmitKernel(KernelFib, 1, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("SubmitKernel after Shutdown: %v; want ErrClosed", err)
	}
	// The pool cancels a queued task when a worker takes it from the queue.
	release()
	for i, future := range queued {
		if _, err := future.Result(context.Background()); !errors.Is(err, ErrCancelled) {
			t.Errorf("queued future %d: %v; want ErrCancelled", i, err)
		}
	}
	if value, err := running.Result(context.Background()); err != nil || value != 1 {
		t.Errorf("running task = %d, %v; want 1", value, err)
	}
}

func TestShutdownDrainRunsQueuedTasks(t *testing.T) {
	pool := newTestPool(t, 1)
	var futures []*Future
	for n := range int64(20) {
		future, err := pool.SubmitKernel(KernelFib, n, 0)
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, future)
	}
	if err := pool.Shutdown(ShutdownDrain, true); err != nil {
		t.Fatal(err)
	}
	for n, future := range futures {
		want, _ := Fib(int64(n))
		if value, err := future.Result(context.Background()); err != nil || value != want {
			t.Errorf("Fib(%d) = %d, %v; want %d", n, value, err, want)
		}
	}
}

func TestCloseCancelsQueuedTasks(t *testing.T) {
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	running, release := blocker(t, pool)
	queued, err := pool.SubmitKernel(KernelFib, 25, 0)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error)
	go func() { closed <- pool.Close() }()
	// Close shuts the pool down before it waits for the blocked worker.
	for {
		if _, err := pool.SubmitKernel(KernelFib, 1, 0); errors.Is(err, ErrClosed) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	release()
	if err := <-closed; err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := queued.Result(context.Background()); !errors.Is(err, ErrCancelled) {
		t.Errorf("queued task after Close: %v; want ErrCancelled", err)
	}
	if value, err := running.Result(context.Background()); err != nil || value != 1 {
		t.Errorf("running task = %d, %v; want 1", value, err)
	}
}

func TestCloseIsIdempotentAndLaterCallsFail(t *testing.T) {
	pool, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := pool.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		}()
	}
	wg.Wait()
	if err := pool.Close(); err != nil {
		t.Errorf("Close() again = %v", err)
	}
	checks := map[string]error{}
	_, checks["SubmitKernel"] = pool.SubmitKernel(KernelFib, 1, 0)
	_, checks["Submit"] = pool.Submit(func() int64 { return 0 })
	_, checks["Map"] = pool.Map(KernelFib, []int64{1})
	_, checks["MapFunc"] = pool.MapFunc(cfuncs.Square(), []int64{1})
	checks["ParallelFor"] = pool.ParallelFor(1, 0, func(int, int) {})
	_, checks["RangeSum"] = pool.RangeSum(0, 1)
	_, checks["BusyLoopFor"] = pool.BusyLoopFor(0)
	_, checks["Stats"] = pool.Stats()
	checks["Shutdown"] = pool.Shutdown(ShutdownDrain, true)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v; want ErrClosed", name, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	pool := newTestPool(t, 4)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				n := int64((g + i) % 20)
				want, _ := Fib(n)
				future, err := pool.SubmitKernel(KernelFib, n, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if value, err := future.Result(ctx); err != nil || value != want {
					t.Errorf("Fib(%d) = %d, %v", n, value, err)
				}
				future.Close()
				goFuture, err := pool.Submit(func() int64 { return n })
				if err != nil {
					t.Error(err)
					return
				}
				if value, err := goFuture.Result(ctx); err != nil || value != n {
					t.Errorf("Submit = %d, %v; want %d", value, err, n)
				}
				if outputs, err := pool.Map(KernelFib, []int64{n, n}); err != nil || outputs[1] != want {
					t.Errorf("Map = %v, %v", outputs, err)
				}
				if _, err := pool.Stats(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestCloseRacingWithUse(t *testing.T) {
	pool, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				future, err := pool.SubmitKernel(KernelFib, 15, 0)
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("SubmitKernel: %v; want success or ErrClosed", err)
					}
					return
				}
				if _, err := future.Result(context.Background()); err != nil && !errors.Is(err, ErrCancelled) {
					t.Errorf("Result: %v; want success or ErrCancelled", err)
				}
				if _, err := pool.Map(KernelFib, []int64{10}); err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("Map: %v; want success or ErrClosed", err)
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	pool.Close()
	wg.Wait()
}
