// Command producer_consumer runs the seeds' producer/consumer model over an
// allcore Queue: three producers fill a small bounded queue while two
// consumers empty it. No sentinel values mark the end: once every
// producer is done, the queue is shut down, the consumers take what is
// left and their loop over q.Chan ends by itself.
package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"

	allcore "github.com/allcore/allcore/bindings/go"
)

const itemsPerProducer = 10

func main() {
	ctx := context.Background()
	q, err := allcore.NewQueue[string](allcore.StringCodec{}, 4)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()

	var producers sync.WaitGroup
	for _, name := range []string{"A", "B", "C"} {
		producers.Add(1)
		go func() {
			defer producers.Done()
			for i := range itemsPerProducer {
				if err := q.Put(ctx, fmt.Sprintf("%s-%d", name, i)); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}

	taken := make([][]string, 2)
	var consumers sync.WaitGroup
	for c := range taken {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for item := range q.Chan(ctx) {
				taken[c] = append(taken[c], item)
			}
		}()
	}

	producers.Wait()
	if _, err := q.Shutdown(false); err != nil {
		log.Fatal(err)
	}
	consumers.Wait()

	seen := map[string]int{}
	inOrder := true
	for _, items := range taken {
		last := map[string]int{}
		for _, item := range items {
			seen[item]++
			name, number, _ := strings.Cut(item, "-")
			var n int
			fmt.Sscan(number, &n)
			if previous, ok := last[name]; ok && n <= previous {
				inOrder = false
			}
			last[name] = n
		}
	}
	once := len(seen) == 3*itemsPerProducer
	for _, count := range seen {
		once = once && count == 1
	}
	fmt.Printf("producers: 3, consumers: %d, queue capacity: %d\n", len(taken), q.Cap())
	fmt.Printf("items consumed: %d, each exactly once: %v\n", len(taken[0])+len(taken[1]), once)
	fmt.Printf("each consumer saw each producer's items in order: %v\n", inOrder)
	fmt.Printf("put after shutdown fails: %v\n", q.Put(ctx, "late"))
}
