// Command dining_philosophers seats 5 philosophers around a table with one
// fork between each pair. A philosopher needs both neighbouring forks to
// eat; taking them one at a time can deadlock (everyone holds a left fork),
// so each takes both at once with allcore.LockAll.
package main

import (
	"context"
	"fmt"
	"log"
	"sync"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	const philosophers, meals = 5, 200
	forks := make([]*allcore.Mutex, philosophers)
	for i := range forks {
		fork, err := allcore.NewMutex()
		if err != nil {
			log.Fatal(err)
		}
		defer fork.Close()
		forks[i] = fork
	}

	eaten := make([]int, philosophers)
	var wg sync.WaitGroup
	for i := range philosophers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			left, right := forks[i], forks[(i+1)%philosophers]
			for range meals {
				if err := allcore.LockAll(context.Background(), left, right); err != nil {
					log.Fatal(err)
				}
				eaten[i]++ // eating
				if err := allcore.UnlockAll(left, right); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	wg.Wait()
	for i, n := range eaten {
		fmt.Printf("philosopher %d ate %d meals\n", i, n)
	}
	fmt.Println("no deadlock")
}
