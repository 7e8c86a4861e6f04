// Command priority_jobs queues jobs in an allcore priority queue and runs
// them most urgent first; jobs of equal priority run in the order they
// were queued. Jobs are structs carried by a small custom Codec, and the
// main goroutine waits for all of them with Join, then shuts the
// queue down to stop the worker.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log"

	allcore "github.com/allcore/allcore/bindings/go"
)

// Job is one unit of work.
type Job struct {
	Name    string
	Minutes uint16
}

// jobCodec encodes a Job as its minutes (2 bytes) followed by its name.
type jobCodec struct{}

func (jobCodec) Encode(job Job, dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, job.Minutes)
	return append(dst, job.Name...)
}

func (jobCodec) Decode(data []byte) (Job, error) {
	if len(data) < 2 {
		return Job{}, errors.New("a job message is at least 2 bytes long")
	}
	return Job{Minutes: binary.LittleEndian.Uint16(data), Name: string(data[2:])}, nil
}

func main() {
	ctx := context.Background()
	jobs, err := allcore.NewPriorityQueue[Job](jobCodec{}, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer jobs.Close()

	queued := []struct {
		job      Job
		priority int64
	}{
		{Job{"write release notes", 30}, 3},
		{Job{"fix production outage", 45}, 0},
		{Job{"review pull request", 20}, 2},
		{Job{"rotate leaked key", 5}, 0},
		{Job{"update dependencies", 15}, 3},
		{Job{"answer support ticket", 10}, 1},
	}
	for _, q := range queued {
		if err := jobs.PutPriority(ctx, q.job, q.priority); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("queued %d jobs\n", jobs.Len())

	// One worker runs the jobs in priority order and marks each done,
	// until the queue is shut down.
	stopped := make(chan error)
	go func() {
		for {
			job, err := jobs.Get(ctx)
			if err != nil {
				stopped <- err
				return
			}
			fmt.Printf("run %-22s %2d min\n", job.Name, job.Minutes)
			if err := jobs.TaskDone(); err != nil {
				log.Fatal(err)
			}
		}
	}()
	if err := jobs.Join(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("all jobs done, unfinished: %d\n", jobs.Unfinished())
	if _, err := jobs.Shutdown(false); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("worker stopped: %v\n", <-stopped)
}
