// Command ticket_selling sells 1000 tickets from 4 ticket windows at once.
// An allcore Mutex guards the count, so no ticket is sold twice and none is
// lost, however the goroutines interleave.
package main

import (
	"fmt"
	"log"
	"sync"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	const tickets, windows = 1000, 4
	lock, err := allcore.NewMutex()
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Close()

	left := tickets
	soldBy := make([]int, windows)
	owner := make([]int, tickets) // which window sold each seat, 0 = unsold
	var wg sync.WaitGroup
	for window := range windows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lock.Lock()
				if left == 0 {
					lock.Unlock()
					return
				}
				seat := tickets - left
				left--
				owner[seat] = window + 1
				lock.Unlock()
				soldBy[window]++
			}
		}()
	}
	wg.Wait()

	sold, twice := 0, 0
	for _, n := range soldBy {
		sold += n
	}
	for _, w := range owner {
		if w == 0 {
			twice++ // a seat never sold means another was sold twice
		}
	}
	fmt.Printf("windows: %d\n", windows)
	fmt.Printf("tickets sold: %d\n", sold)
	fmt.Printf("tickets left: %d\n", left)
	fmt.Printf("seats sold twice: %d\n", twice)
}
