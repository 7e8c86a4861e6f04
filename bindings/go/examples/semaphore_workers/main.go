// Command semaphore_workers runs 12 jobs on 12 goroutines but lets at most
// 3 work at a time: each job holds one permit of an allcore Semaphore of 3
// while it works.
package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	const jobs, slots = 12, 3
	permits, err := allcore.NewBoundedSemaphore(slots)
	if err != nil {
		log.Fatal(err)
	}
	defer permits.Close()

	var working, most, done atomic.Int64
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := permits.Acquire(context.Background(), 1); err != nil {
				log.Fatal(err)
			}
			now := working.Add(1)
			for {
				seen := most.Load()
				if now <= seen || most.CompareAndSwap(seen, now) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond) // the job
			working.Add(-1)
			done.Add(1)
			if err := permits.Release(1); err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("jobs done: %d\n", done.Load())
	fmt.Printf("most working at once: %d (limit %d)\n", most.Load(), slots)
	fmt.Printf("permits free at the end: %d\n", permits.Value())
	err = permits.Release(1)
	fmt.Printf("releasing a permit never taken fails: %v\n", err)
}
