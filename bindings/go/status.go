package allcore

/*
#include "allcore.h"
*/
import "C"

import (
	"runtime"
	"strings"
)

// Status is the result code of an allcore call, the Go form of the C
// ac_status. Non-zero values are errors; the package's sentinel errors
// (ErrTimeout, ErrClosed, ...) are Status values, so errors.Is(err,
// ErrTimeout) matches any error carrying that status.
type Status int32

// The statuses an allcore call can fail with.
const (
	// ErrTimeout reports that a blocking call reached its timeout.
	ErrTimeout Status = C.AC_TIMEOUT
	// ErrWouldBlock reports that a call with a zero timeout would have had to block.
	ErrWouldBlock Status = C.AC_WOULD_BLOCK
	// ErrClosed reports that the object was shut down or closed before or during the call.
	ErrClosed Status = C.AC_CLOSED
	// ErrCancelled reports that the task was cancelled before it started.
	ErrCancelled Status = C.AC_CANCELLED
	// ErrBroken reports that the object is broken, such as a task that panicked.
	ErrBroken Status = C.AC_BROKEN
	// ErrInvalidArgument reports an argument out of its documented range.
	ErrInvalidArgument Status = C.AC_INVALID_ARGUMENT
	// ErrNullPointer reports that a required pointer argument is nil.
	ErrNullPointer Status = C.AC_NULL_POINTER
	// ErrNotOwner reports that the caller does not own what it tries to release.
	ErrNotOwner Status = C.AC_NOT_OWNER
	// ErrOverflow reports a result that does not fit its type.
	ErrOverflow Status = C.AC_OVERFLOW
	// ErrBufferTooSmall reports that the caller's buffer is too small.
	ErrBufferTooSmall Status = C.AC_BUFFER_TOO_SMALL
	// ErrNoMemory reports that memory or threads could not be obtained.
	ErrNoMemory Status = C.AC_NO_MEMORY
	// ErrPanic reports that allcore hit an internal bug and caught it.
	ErrPanic Status = C.AC_PANIC
)

// String returns the status's C name, such as "AC_TIMEOUT".
func (s Status) String() string {
	return C.GoString(C.ac_status_str(C.int32_t(s)))
}

// Error describes the status in words, such as "allcore: timeout".
func (s Status) Error() string {
	words := strings.ReplaceAll(strings.TrimPrefix(s.String(), "AC_"), "_", " ")
	return "allcore: " + strings.ToLower(words)
}

// Error is a failed allcore operation. It unwraps to its Status, so
// errors.Is(err, ErrOverflow) reports whether err is an overflow.
type Error struct {
	// Op names the operation that failed, such as "fib" or "pool submit".
	Op string
	// Status is why it failed.
	Status Status
	// Detail is the library's explanation, or empty when it gave none.
	Detail string
}

// Error returns "allcore: <op>: <detail>", falling back to the status when
// there is no detail.
func (e *Error) Error() string {
	detail := e.Detail
	if detail == "" {
		detail = strings.TrimPrefix(e.Status.Error(), "allcore: ")
	}
	return "allcore: " + e.Op + ": " + detail
}

// Unwrap returns the error's Status.
func (e *Error) Unwrap() error {
	return e.Status
}

// newError wraps a status the library reported without a detail message, or
// one the binding detects itself.
func newError(op string, status Status, detail string) error {
	return &Error{Op: op, Status: status, Detail: detail}
}

// call runs one C call that returns an ac_status. The library keeps the
// detail message of a failure per OS thread, and a goroutine may move to
// another thread between two cgo calls, so the goroutine stays locked to its
// thread until the message has been read.
func call(op string, fn func() C.ac_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := fn()
	if status == C.AC_OK {
		return nil
	}
	return &Error{Op: op, Status: Status(status), Detail: C.GoString(C.ac_last_error_message())}
}
