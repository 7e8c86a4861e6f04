// Command barrier_start_line runs 3 races of 5 runners. Each runner gets
// ready at its own pace and waits at the start line, an allcore Barrier;
// nobody starts until all 5 are there, and the barrier refills for the
// next race.
package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	const runners, races = 5, 3
	startLine, err := allcore.NewBarrier(runners)
	if err != nil {
		log.Fatal(err)
	}
	defer startLine.Close()

	for race := 1; race <= races; race++ {
		var ready, startedEarly atomic.Int64
		var mu sync.Mutex
		var arrivals []int
		var wg sync.WaitGroup
		for runner := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(runner) * 5 * time.Millisecond) // warming up
				ready.Add(1)
				index, err := startLine.Wait(context.Background())
				if err != nil {
					log.Fatal(err)
				}
				if ready.Load() != runners {
					startedEarly.Add(1)
				}
				mu.Lock()
				arrivals = append(arrivals, index)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(arrivals)
		fmt.Printf("race %d: %d runners started together, arrival indexes %v, false starts %d\n",
			race, len(arrivals), arrivals, startedEarly.Load())
	}
	fmt.Printf("barrier broken: %v\n", startLine.Broken())
}
