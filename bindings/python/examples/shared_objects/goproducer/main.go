// A Go library (go build -buildmode=c-shared -tags allcore_shared) that
// feeds an allcore queue from allcore's pool, given both by handle: it
// adopts them (taking references of its own) and releases them when done.
package main

/*
#cgo pkg-config: allcore
#include <stdint.h>

#include "allcore.h"

// The allcore this library is linked to, to check it is the host's own.
static const void *allcore_address(void) { return (const void *)&ac_version; }
*/
import "C"

import (
	"context"
	"fmt"
	"sync/atomic"
	"unsafe"

	allcore "github.com/allcore/allcore/bindings/go"
)

// go_produce puts count messages "go <i>" into the queue, in parallel on the
// pool; it returns 0, or -1 if it could not adopt them, or the number of
// failed puts.
//
//export go_produce
func go_produce(pool, queue unsafe.Pointer, first, count C.int64_t) C.int {
	p, err := allcore.PoolFromHandle(pool)
	if err != nil {
		return -1
	}
	defer p.Close()
	q, err := allcore.QueueFromHandle(allcore.StringCodec{}, queue)
	if err != nil {
		return -1
	}
	defer q.Close()
	var failures atomic.Int64
	err = p.ParallelFor(int(count), 16, func(begin, end int) {
		for i := begin; i < end; i++ {
			if q.Put(context.Background(), fmt.Sprintf("go %d", int64(first)+int64(i))) != nil {
				failures.Add(1)
			}
		}
	})
	if err != nil {
		return -1
	}
	return C.int(failures.Load())
}

// go_allcore returns the address of ac_version in the allcore it runs on.
//
//export go_allcore
func go_allcore() unsafe.Pointer {
	return unsafe.Pointer(C.allcore_address())
}

func main() {}
