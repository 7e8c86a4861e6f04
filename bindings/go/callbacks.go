package allcore

/*
#include "allcore.h"
*/
import "C"

import "runtime/cgo"

// The functions below are entered from C (shims.c) on the pool's native
// threads: a worker, or the thread of the goroutine that called a blocking
// pool function, which takes part in the work. A Go panic must not unwind
// into C, so each one recovers it and hands it to the Go side that waits.

//export allcoreRunTask
func allcoreRunTask(context C.uintptr_t) C.int64_t {
	return C.int64_t(cgo.Handle(context).Value().(*completion).run())
}

//export allcoreFutureDone
func allcoreFutureDone(context C.uintptr_t) {
	handle := cgo.Handle(context)
	handle.Value().(*completion).resolve()
	handle.Delete()
}

//export allcoreRunBody
func allcoreRunBody(context C.uintptr_t, begin, end C.size_t) {
	cgo.Handle(context).Value().(*forBody).run(int(begin), int(end))
}
