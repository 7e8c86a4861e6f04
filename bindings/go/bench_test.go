package allcore

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/allcore/allcore/bindings/go/internal/cfuncs"
)

// goFib is the naive recursive Fibonacci in pure Go, the baseline for Fib.
func goFib(n int64) int64 {
	if n < 2 {
		return n
	}
	return goFib(n-1) + goFib(n-2)
}

// fibBatch is the input of the parallel benchmarks: four fib(27) per CPU.
func fibBatch() []int64 {
	inputs := make([]int64, 4*AvailableCPUs())
	for i := range inputs {
		inputs[i] = 27
	}
	return inputs
}

// BenchmarkFib compares one call of Fib(30) with the same recursion in Go.
func BenchmarkFib(b *testing.B) {
	b.Run("allcore", func(b *testing.B) {
		for b.Loop() {
			if _, err := Fib(30); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			goFib(30)
		}
	})
}

// BenchmarkPoolMapFib compares Pool.Map over a batch of Fib(27) with one
// goroutine per CPU running the Go recursion over the same batch.
func BenchmarkPoolMapFib(b *testing.B) {
	inputs := fibBatch()
	b.Run("allcore", func(b *testing.B) {
		pool, err := NewPool(0)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		for b.Loop() {
			if _, err := pool.Map(KernelFib, inputs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goroutines", func(b *testing.B) {
		goroutines := runtime.GOMAXPROCS(0)
		outputs := make([]int64, len(inputs))
		for b.Loop() {
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := g; i < len(inputs); i += goroutines {
						outputs[i] = goFib(inputs[i])
					}
				}()
			}
			wg.Wait()
		}
	})
}

// BenchmarkSubmitWait measures submitting one tiny task and waiting for its
// result: a built-in kernel, a Go function (two cgo callbacks from a native
// thread), and a goroutine sending on a channel.
func BenchmarkSubmitWait(b *testing.B) {
	ctx := context.Background()
	b.Run("allcore-kernel", func(b *testing.B) {
		pool, err := NewPool(0)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		for b.Loop() {
			future, err := pool.SubmitKernel(KernelFib, 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := future.Result(ctx); err != nil {
				b.Fatal(err)
			}
			future.Close()
		}
	})
	b.Run("allcore-gofunc", func(b *testing.B) {
		pool, err := NewPool(0)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		for b.Loop() {
			future, err := pool.Submit(func() int64 { return 1 })
			if err != nil {
				b.Fatal(err)
			}
			if _, err := future.Result(ctx); err != nil {
				b.Fatal(err)
			}
			future.Close()
		}
	})
	b.Run("goroutine", func(b *testing.B) {
		results := make(chan int64)
		for b.Loop() {
			go func() { results <- goFib(1) }()
			<-results
		}
	})
}

// BenchmarkMutexLockUnlock measures an uncontended Lock + Unlock of an
// allcore Mutex. Compare it with BenchmarkTwoBareCgoCalls (the floor: two
// cgo calls that do nothing; the target is at most 1.3x) and with
// BenchmarkSyncMutex (Go's own, which needs no cgo call at all).
func BenchmarkMutexLockUnlock(b *testing.B) {
	m, err := NewMutex()
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for b.Loop() {
		m.Lock()
		m.Unlock()
	}
}

// BenchmarkTwoBareCgoCalls makes two cgo calls to a C function that does
// nothing, with ac_mutex_lock's shape (an opaque pointer in, a status out).
func BenchmarkTwoBareCgoCalls(b *testing.B) {
	object := cfuncs.NewNoopObject()
	for b.Loop() {
		cfuncs.Noop(object)
		cfuncs.Noop(object)
	}
}

// BenchmarkSyncMutex is sync.Mutex's Lock + Unlock, for scale.
func BenchmarkSyncMutex(b *testing.B) {
	var m sync.Mutex
	for b.Loop() {
		m.Lock()
		m.Unlock()
	}
}

// BenchmarkMutexContended runs Lock + Unlock from every P at once, with
// sync.Mutex beside it.
func BenchmarkMutexContended(b *testing.B) {
	b.Run("allcore", func(b *testing.B) {
		m, err := NewMutex()
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
	})
	b.Run("sync", func(b *testing.B) {
		var m sync.Mutex
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
	})
}

// BenchmarkQueuePutGet measures one Put and one Get of a small item on an
// unbounded queue, from one goroutine: BytesCodec (an 8-byte []byte, the
// generic path through a reusable buffer), StringCodec, and NewU64Queue
// (ac_queue_put_u64/get_u64, no buffer), against a buffered Go channel
// of the same items. Each allcore op is at least one cgo call; compare with
// BenchmarkTwoBareCgoCalls.
func BenchmarkQueuePutGet(b *testing.B) {
	ctx := context.Background()
	b.Run("allcore-bytes", func(b *testing.B) {
		q, err := NewQueue[[]byte](BytesCodec{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		item := []byte("12345678")
		for b.Loop() {
			if err := q.Put(ctx, item); err != nil {
				b.Fatal(err)
			}
			if _, err := q.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("allcore-string", func(b *testing.B) {
		q, err := NewQueue[string](StringCodec{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		for b.Loop() {
			if err := q.Put(ctx, "12345678"); err != nil {
				b.Fatal(err)
			}
			if _, err := q.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("allcore-u64", func(b *testing.B) {
		q, err := NewU64Queue(QueueFIFO, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		for b.Loop() {
			if err := q.Put(ctx, 42); err != nil {
				b.Fatal(err)
			}
			if _, err := q.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("allcore-u64-cancellable", func(b *testing.B) {
		// A context with a Done channel: the same calls, sliced waits.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		q, err := NewU64Queue(QueueFIFO, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		for b.Loop() {
			if err := q.Put(ctx, 42); err != nil {
				b.Fatal(err)
			}
			if _, err := q.Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("chan-bytes", func(b *testing.B) {
		items := make(chan []byte, 1024)
		item := []byte("12345678")
		for b.Loop() {
			items <- item
			<-items
		}
	})
	b.Run("chan-u64", func(b *testing.B) {
		items := make(chan uint64, 1024)
		for b.Loop() {
			items <- 42
			<-items
		}
	})
}

// BenchmarkQueueBatch moves 64 items per PutMany + GetMany pair and reports
// the cost per item (ns/item), against a buffered channel moving the same
// 64 items one by one.
func BenchmarkQueueBatch(b *testing.B) {
	const batch = 64
	ctx := context.Background()
	perItem := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/item")
	}
	b.Run("allcore-bytes", func(b *testing.B) {
		q, err := NewQueue[[]byte](BytesCodec{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		items := make([][]byte, batch)
		for i := range items {
			items[i] = []byte("12345678")
		}
		out := make([][]byte, batch)
		for b.Loop() {
			if _, err := q.PutMany(ctx, items); err != nil {
				b.Fatal(err)
			}
			for got := 0; got < batch; {
				n, err := q.GetMany(ctx, out)
				if err != nil {
					b.Fatal(err)
				}
				got += n
			}
		}
		perItem(b)
	})
	b.Run("allcore-u64", func(b *testing.B) {
		q, err := NewU64Queue(QueueFIFO, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		items := make([]uint64, batch)
		out := make([]uint64, batch)
		for b.Loop() {
			if _, err := q.PutMany(ctx, items); err != nil {
				b.Fatal(err)
			}
			for got := 0; got < batch; {
				n, err := q.GetMany(ctx, out)
				if err != nil {
					b.Fatal(err)
				}
				got += n
			}
		}
		perItem(b)
	})
	b.Run("chan-u64", func(b *testing.B) {
		items := make(chan uint64, batch)
		for b.Loop() {
			for i := range batch {
				items <- uint64(i)
			}
			for range batch {
				<-items
			}
		}
		perItem(b)
	})
}

// BenchmarkQueueMPMC has every P put and get 8-byte items through one
// bounded queue at once (the C target's MPMC shape), with a channel beside
// it.
func BenchmarkQueueMPMC(b *testing.B) {
	ctx := context.Background()
	b.Run("allcore-u64", func(b *testing.B) {
		q, err := NewU64Queue(QueueFIFO, 1024)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := q.Put(ctx, 1); err != nil {
					b.Error(err)
					return
				}
				if _, err := q.Get(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("chan-u64", func(b *testing.B) {
		items := make(chan uint64, 1024)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				items <- 1
				<-items
			}
		})
	})
}
