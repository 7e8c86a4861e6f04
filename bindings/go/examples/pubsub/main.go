// Command pubsub is the seeds' exchange: a Topic keeps a set of
// subscribers (queues), attach is Subscribe, detach is Unsubscribe, and
// send is Publish, which copies the message into every subscribed queue.
// Each subscriber reads its own queue on its own goroutine, among them a
// logger that numbers the messages it sees.
package main

import (
	"context"
	"fmt"
	"log"
	"sync"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	ctx := context.Background()
	exchange, err := allcore.NewTopic()
	if err != nil {
		log.Fatal(err)
	}
	defer exchange.Close()

	names := []string{"logger", "task1", "task2"}
	queues := map[string]*allcore.Queue[string]{}
	received := map[string][]string{}
	var mu sync.Mutex
	var subscribers sync.WaitGroup
	for _, name := range names {
		q, err := allcore.NewQueue[string](allcore.StringCodec{}, 0)
		if err != nil {
			log.Fatal(err)
		}
		defer q.Close()
		queues[name] = q
		if err := exchange.Subscribe(q); err != nil {
			log.Fatal(err)
		}
		subscribers.Add(1)
		go func() {
			defer subscribers.Done()
			count := 0
			for message := range q.Chan(ctx) {
				count++
				if name == "logger" {
					message = fmt.Sprintf("msg[%d]: %s", count, message)
				}
				mu.Lock()
				received[name] = append(received[name], message)
				mu.Unlock()
			}
		}()
	}
	fmt.Printf("subscribers: %d\n", exchange.Subscribers())

	send := func(message string) {
		delivered, err := exchange.Publish(ctx, []byte(message))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("sent %q to %d subscribers\n", message, delivered)
	}
	send("test")
	send("sale starts")
	if err := exchange.Unsubscribe(queues["task2"]); err != nil {
		log.Fatal(err)
	}
	fmt.Println("task2 detached")
	send("sale ends")

	// No more messages: shut every queue down so each subscriber's loop
	// ends once it has read everything.
	for _, q := range queues {
		q.Shutdown(false)
	}
	subscribers.Wait()
	for _, name := range names {
		fmt.Printf("%s received %q\n", name, received[name])
	}
}
