// Command latch_runners waits for a relay of 4 runners with an allcore
// Latch: each runner counts the latch down when it finishes, and the
// referee, waiting on the latch, announces the end only when all 4 have.
package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync"
	"time"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	const runners = 4
	finishLine, err := allcore.NewLatch(runners)
	if err != nil {
		log.Fatal(err)
	}
	defer finishLine.Close()

	var mu sync.Mutex
	var finished []int
	for runner := 1; runner <= runners; runner++ {
		go func() {
			time.Sleep(time.Duration(runners-runner) * 10 * time.Millisecond) // running
			mu.Lock()
			finished = append(finished, runner)
			mu.Unlock()
			if err := finishLine.CountDown(1); err != nil {
				log.Fatal(err)
			}
		}()
	}
	fmt.Printf("referee waits for %d runners\n", finishLine.Count())
	if err := finishLine.Wait(context.Background()); err != nil {
		log.Fatal(err)
	}
	mu.Lock()
	slices.Sort(finished)
	fmt.Printf("runners finished: %v\n", finished)
	mu.Unlock()
	fmt.Printf("count left: %d\n", finishLine.Count())
	fmt.Println("referee: the race is over")
}
