package allcore

import "sync/atomic"

// closedBit marks a handle as closed in handle.state; the bits below it
// count the calls in flight.
const closedBit = 1 << 62

// handle guards a native object pointer. The C ABI lets a call run while
// another thread frees the object, but not start after the free returned, so
// every call brackets its use of the pointer with acquire and release, and the
// native free runs only once the handle is closed and no call is in flight:
// either in close itself or in the last release.
type handle[P any] struct {
	ptr   P
	state atomic.Int64
	free  func(P)
}

// acquire returns the pointer for one call, or false once the handle is
// closed.
func (h *handle[P]) acquire() (P, bool) {
	for {
		state := h.state.Load()
		if state&closedBit != 0 {
			var closed P
			return closed, false
		}
		if h.state.CompareAndSwap(state, state+1) {
			return h.ptr, true
		}
	}
}

// release ends a call begun by a successful acquire.
func (h *handle[P]) release() {
	if h.state.Add(-1) == closedBit {
		h.free(h.ptr)
	}
}

// close marks the handle closed and reports whether this was the first
// close. The native object is freed now if no call is in flight, otherwise
// when the last one returns.
func (h *handle[P]) close() bool {
	for {
		state := h.state.Load()
		if state&closedBit != 0 {
			return false
		}
		if h.state.CompareAndSwap(state, state|closedBit) {
			if state == 0 {
				h.free(h.ptr)
			}
			return true
		}
	}
}
