// Command shm_consumer takes integers from a named allcore shared-memory
// queue (made by a process in any language, such as Python's
// allcore.multiprocessing.Queue) until the queue is shut down, then prints
// how many arrived and their sum.
//
//	go run ./cmd/shm_consumer NAME
package main

import (
	"errors"
	"fmt"
	"os"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: shm_consumer NAME")
		os.Exit(2)
	}
	queue, err := allcore.OpenShmQueue(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer queue.Close()
	var count, sum, others int64
	for {
		message, err := queue.Get(-1)
		if errors.Is(err, allcore.ErrClosed) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if value, ok := allcore.DecodeWireInt(message); ok {
			count++
			sum += value
		} else {
			others++
		}
	}
	fmt.Printf("Go consumer: %d integers, sum %d, %d other messages\n", count, sum, others)
}
