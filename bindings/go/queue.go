package allcore

/*
#include "allcore.h"

#cgo noescape ac_queue_new
#cgo nocallback ac_queue_new
#cgo noescape ac_queue_new_u64
#cgo nocallback ac_queue_new_u64
#cgo nocallback ac_queue_close
#cgo nocallback ac_queue_release
#cgo nocallback ac_queue_shutdown
#cgo noescape allcore_go_queue_put
#cgo nocallback allcore_go_queue_put
#cgo noescape allcore_go_queue_put_priority
#cgo nocallback allcore_go_queue_put_priority
#cgo noescape allcore_go_queue_put_u64
#cgo nocallback allcore_go_queue_put_u64
#cgo noescape allcore_go_queue_put_many
#cgo nocallback allcore_go_queue_put_many
#cgo noescape allcore_go_queue_put_many_u64
#cgo nocallback allcore_go_queue_put_many_u64
#cgo noescape allcore_go_queue_get
#cgo nocallback allcore_go_queue_get
#cgo noescape allcore_go_queue_get_u64
#cgo nocallback allcore_go_queue_get_u64
#cgo noescape allcore_go_queue_get_many
#cgo nocallback allcore_go_queue_get_many
#cgo noescape allcore_go_queue_get_many_u64
#cgo nocallback allcore_go_queue_get_many_u64
#cgo noescape allcore_go_queue_count
#cgo nocallback allcore_go_queue_count
#cgo noescape allcore_go_queue_flag
#cgo nocallback allcore_go_queue_flag
#cgo nocallback ac_queue_task_done_many
#cgo nocallback ac_queue_join

// The queue calls take the queue's address as an integer and the data as
// uint8_t pointers: cgo checks at run time every pointer argument whose
// target type it cannot see into (an opaque ac_queue *, a void *) for Go
// pointers, a cost comparable to the call itself. The queue is native
// memory and byte buffers hold no Go pointers, so both are safe.

static inline ac_status allcore_go_queue_put(uintptr_t queue, const uint8_t *data, size_t len, int64_t timeout_ns) {
	return ac_queue_put_timeout((const ac_queue *)queue, data, len, timeout_ns);
}

static inline ac_status allcore_go_queue_put_priority(uintptr_t queue, const uint8_t *data, size_t len, int64_t priority, int64_t timeout_ns) {
	return ac_queue_put_priority((const ac_queue *)queue, data, len, priority, timeout_ns);
}

static inline ac_status allcore_go_queue_put_u64(uintptr_t queue, uint64_t value, int64_t timeout_ns) {
	return ac_queue_put_u64((const ac_queue *)queue, value, timeout_ns);
}

static inline ac_status allcore_go_queue_put_many(uintptr_t queue, const uint8_t *data, const size_t *lengths, size_t count, int64_t timeout_ns, size_t *out_put) {
	return ac_queue_put_many((const ac_queue *)queue, data, lengths, count, timeout_ns, out_put);
}

static inline ac_status allcore_go_queue_put_many_u64(uintptr_t queue, const uint64_t *values, size_t count, int64_t timeout_ns, size_t *out_put) {
	return ac_queue_put_many_u64((const ac_queue *)queue, values, count, timeout_ns, out_put);
}

static inline ac_status allcore_go_queue_get(uintptr_t queue, uint8_t *buffer, size_t capacity, int64_t timeout_ns, size_t *out_len) {
	return ac_queue_get_timeout((const ac_queue *)queue, buffer, capacity, timeout_ns, out_len);
}

static inline ac_status allcore_go_queue_get_u64(uintptr_t queue, int64_t timeout_ns, uint64_t *out_value) {
	return ac_queue_get_u64((const ac_queue *)queue, timeout_ns, out_value);
}

static inline ac_status allcore_go_queue_get_many(uintptr_t queue, uint8_t *buffer, size_t capacity, size_t *lengths, size_t max_items, int64_t timeout_ns, size_t *out_count) {
	return ac_queue_get_many((const ac_queue *)queue, buffer, capacity, lengths, max_items, timeout_ns, out_count);
}

static inline ac_status allcore_go_queue_get_many_u64(uintptr_t queue, uint64_t *values, size_t max_items, int64_t timeout_ns, size_t *out_count) {
	return ac_queue_get_many_u64((const ac_queue *)queue, values, max_items, timeout_ns, out_count);
}

// Which count allcore_go_queue_count reads.
enum { ALLCORE_GO_QUEUE_SIZE, ALLCORE_GO_QUEUE_MAXSIZE, ALLCORE_GO_QUEUE_UNFINISHED };

static inline size_t allcore_go_queue_count(uintptr_t queue, int which) {
	const ac_queue *q = (const ac_queue *)queue;
	size_t count = 0;
	switch (which) {
	case ALLCORE_GO_QUEUE_SIZE: ac_queue_size(q, &count); break;
	case ALLCORE_GO_QUEUE_MAXSIZE: ac_queue_maxsize(q, &count); break;
	default: ac_queue_unfinished_tasks(q, &count); break;
	}
	return count;
}

// Which flag allcore_go_queue_flag reads.
enum { ALLCORE_GO_QUEUE_EMPTY, ALLCORE_GO_QUEUE_FULL, ALLCORE_GO_QUEUE_CLOSED };

static inline bool allcore_go_queue_flag(uintptr_t queue, int which) {
	const ac_queue *q = (const ac_queue *)queue;
	bool flag = false;
	switch (which) {
	case ALLCORE_GO_QUEUE_EMPTY: ac_queue_is_empty(q, &flag); break;
	case ALLCORE_GO_QUEUE_FULL: ac_queue_is_full(q, &flag); break;
	default: ac_queue_is_closed(q, &flag); break;
	}
	return flag;
}
*/
import "C"

import (
	"context"
	"math"
	"reflect"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// QueueKind is the order in which a queue hands out its items.
type QueueKind int32

// The queue kinds.
const (
	// QueueFIFO hands out items first in, first out (Python's queue.Queue).
	QueueFIFO QueueKind = C.AC_QUEUE_FIFO
	// QueueLIFO hands out the newest item first (queue.LifoQueue).
	QueueLIFO QueueKind = C.AC_QUEUE_LIFO
	// QueuePriority hands out the lowest priority value first and, among
	// equal priorities, the oldest first (queue.PriorityQueue, but stable).
	QueuePriority QueueKind = C.AC_QUEUE_PRIORITY
)

// QueueOptions configures NewQueueWithOptions.
type QueueOptions struct {
	// Kind is the queue's order; the zero value is QueueFIFO.
	Kind QueueKind
	// MaxSize bounds the number of queued items; 0 means unbounded.
	MaxSize int
	// MaxItemSize bounds the encoded size of one item in bytes; 0 means
	// the library's default, 64 MiB.
	MaxItemSize int
}

// Queue is a blocking queue of T values in native memory, the Go face of
// the library's queue (Python's queue.Queue, LifoQueue and PriorityQueue,
// and C's ac_queue). Each value travels as a byte message made by the
// queue's Codec, so a Queue[[]byte] with BytesCodec exchanges exactly the
// bytes C and Python put and get. Create one with NewQueue, NewLifoQueue,
// NewPriorityQueue, NewU64Queue or NewQueueWithOptions; the zero value is
// not usable. All methods are safe for concurrent use.
//
// Every call is at least one cgo call (tens of nanoseconds), so a Queue
// is slower than a buffered Go channel between goroutines; it is the
// choice when C or Python code shares the queue's semantics, or for
// PutMany and GetMany, which move many items per call. Queues of 8-byte
// FixedCodec values (int64, uint64, float64) use the library's 64-bit
// calls and need no buffers at all.
//
// Waits take a context.Context or a time.Duration. A context that cannot
// be cancelled (context.Background()) and a Duration wait natively, woken
// by items, room, Shutdown or Close; a cancellable context waits in
// native slices of at most 20 ms and gives up with ctx.Err() once ctx is
// done.
//
// Shutdown ends a queue's life the way Python 3.13's Queue.shutdown
// does: puts fail with ErrClosed, gets take the items left and then fail
// with ErrClosed, and blocked callers wake. Close releases the native
// queue, discarding its items (see Close).
type Queue[T any] struct {
	handle handle[*C.ac_queue]
	codec  Codec[T]
	// view is codec when the codec's encoding of a value is the value's
	// own memory (BytesCodec, StringCodec), nil otherwise.
	view viewer[T]
	// wide is set when T's values are 8-byte FixedCodec values, moved
	// through the library's 64-bit calls.
	wide bool
	// adopted is set for a queue from QueueFromHandle: Close releases it
	// without shutting it down.
	adopted bool
}

func freeQueue(queue *C.ac_queue) {
	C.ac_queue_shutdown(queue, true, nil)
	C.ac_queue_close(queue)
	C.ac_queue_release(queue)
}

// NewQueue returns an empty first-in, first-out queue holding at most
// maxsize items (0 = unbounded) encoded by codec.
func NewQueue[T any](codec Codec[T], maxsize int) (*Queue[T], error) {
	return NewQueueWithOptions(codec, QueueOptions{Kind: QueueFIFO, MaxSize: maxsize})
}

// NewLifoQueue returns an empty last-in, first-out queue (a stack) holding
// at most maxsize items (0 = unbounded).
func NewLifoQueue[T any](codec Codec[T], maxsize int) (*Queue[T], error) {
	return NewQueueWithOptions(codec, QueueOptions{Kind: QueueLIFO, MaxSize: maxsize})
}

// NewPriorityQueue returns an empty priority queue holding at most maxsize
// items (0 = unbounded). PutPriority gives an item its priority (Put
// gives 0); Get returns the lowest priority value first and, among equal
// priorities, the item put first.
func NewPriorityQueue[T any](codec Codec[T], maxsize int) (*Queue[T], error) {
	return NewQueueWithOptions(codec, QueueOptions{Kind: QueuePriority, MaxSize: maxsize})
}

// NewU64Queue returns an empty queue of uint64 values of the given kind
// (ac_queue_new_u64): a Queue[uint64] with FixedCodec whose puts and gets
// are single calls to ac_queue_put_u64 and ac_queue_get_u64 (or their
// batch forms) with no buffer, and whose FIFO storage holds bare values:
// the fastest way to pass integers, indexes or handles. Every item is
// exactly 8 bytes, also for C and Python code sharing the queue.
func NewU64Queue(kind QueueKind, maxsize int) (*Queue[uint64], error) {
	const op = "new queue"
	if maxsize < 0 {
		return nil, newError(op, ErrInvalidArgument, "a negative size")
	}
	return newQueue[uint64](op, FixedCodec[uint64]{}, func(native **C.ac_queue) C.ac_status {
		return C.ac_queue_new_u64(C.ac_queue_kind(kind), C.size_t(maxsize), native)
	})
}

// NewQueueWithOptions returns an empty queue configured by options. It
// fails with ErrNullPointer for a nil codec and with ErrInvalidArgument
// for an unknown kind or a negative size.
func NewQueueWithOptions[T any](codec Codec[T], options QueueOptions) (*Queue[T], error) {
	const op = "new queue"
	if codec == nil {
		return nil, newError(op, ErrNullPointer, "a nil codec")
	}
	if options.MaxSize < 0 || options.MaxItemSize < 0 {
		return nil, newError(op, ErrInvalidArgument, "a negative size")
	}
	return newQueue(op, codec, func(native **C.ac_queue) C.ac_status {
		return C.ac_queue_new(C.ac_queue_kind(options.Kind), C.size_t(options.MaxSize), C.size_t(options.MaxItemSize), native)
	})
}

// newQueue wraps the native queue that create makes.
func newQueue[T any](op string, codec Codec[T], create func(**C.ac_queue) C.ac_status) (*Queue[T], error) {
	var native *C.ac_queue
	if err := call(op, func() C.ac_status { return create(&native) }); err != nil {
		return nil, err
	}
	q := &Queue[T]{codec: codec}
	// The shortcuts are for this package's own codecs only, not for a
	// type that embeds one and encodes differently.
	if reflect.TypeOf(codec).PkgPath() == reflect.TypeFor[BytesCodec]().PkgPath() {
		q.view, _ = codec.(viewer[T])
		if wide, ok := codec.(wide64); ok {
			q.wide = wide.is64()
		}
	}
	q.handle.ptr = native
	q.handle.free = freeQueue
	runtime.SetFinalizer(q, (*Queue[T]).Close)
	return q, nil
}

// release ends a call begun by handle.acquire; keeping q alive until here
// keeps its finalizer from freeing the native queue during the call.
func (q *Queue[T]) release() {
	q.handle.release()
	runtime.KeepAlive(q)
}

// failure turns a status of a queue call into its error: ErrClosed with
// "the queue is closed" when Close ended the call, the bare status
// otherwise (AC_CLOSED then means the queue was shut down).
func (q *Queue[T]) failure(op string, status C.ac_status) error {
	if status == C.AC_CLOSED && isClosed(&q.handle) {
		return closedError(op, "queue")
	}
	return statusError(op, status)
}

// wait runs attempt, a native call waiting at most ns nanoseconds: once,
// with the whole timeout, when nothing can cancel the wait (Shutdown and
// Close wake native waits on a queue), in slices that check ctx and Close
// otherwise (see waitSliced).
func (q *Queue[T]) wait(ctx context.Context, timeout time.Duration, attempt func(ns int64) C.ac_status) (C.ac_status, error) {
	if ctx == nil {
		return attempt(int64(timeout)), nil
	}
	done := ctx.Done()
	if done == nil {
		return attempt(int64(timeout)), nil
	}
	// Most calls need no wait: try once without one before setting up
	// the slices (which read the clock and the context's deadline).
	select {
	case <-done:
		return C.AC_TIMEOUT, ctx.Err()
	default:
	}
	if status := attempt(0); status != C.AC_WOULD_BLOCK || timeout == 0 {
		return status, nil
	}
	return waitSliced(ctx, timeout, &q.handle.state, attempt)
}

// budget is what is left of a call's timeout when it must wait again (a
// get retrying with a larger buffer).
type budget struct {
	timeout  time.Duration
	deadline time.Time
}

func newBudget(timeout time.Duration) budget {
	b := budget{timeout: timeout}
	if timeout > 0 {
		b.deadline = time.Now().Add(timeout)
	}
	return b
}

// left returns the time left: the timeout itself when it is 0 or
// unlimited, at least one nanosecond otherwise, so that a spent timeout
// still reports AC_TIMEOUT rather than AC_WOULD_BLOCK.
func (b budget) left() time.Duration {
	if b.timeout <= 0 {
		return b.timeout
	}
	return max(time.Until(b.deadline), 1)
}

// bytePointer returns the address of data's first byte for C, or nil for
// an empty slice.
func bytePointer(data []byte) *C.uint8_t {
	if cap(data) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(data)))
}

// scratch is a reusable buffer for encoding puts and receiving gets.
type scratch struct {
	data    []byte
	lengths []C.size_t
}

// The smallest buffer a get starts with, and the largest one kept for
// reuse: a buffer grown for a bigger item is dropped after the call.
const (
	minScratch = 256
	maxScratch = 4 << 20
)

var scratches = sync.Pool{New: func() any { return &scratch{data: make([]byte, minScratch)} }}

func getScratch() *scratch {
	return scratches.Get().(*scratch)
}

func putScratch(s *scratch) {
	if cap(s.data) <= maxScratch {
		scratches.Put(s)
	}
}

// grow makes s.data at least needed bytes long.
func (s *scratch) grow(needed int) {
	if needed > len(s.data) {
		s.data = make([]byte, max(needed, 2*len(s.data)))
	}
}

// encode returns v's message: v's own memory for a viewing codec, else
// the codec's encoding in s (which keeps any larger buffer for reuse).
func (q *Queue[T]) encode(v T, s *scratch) []byte {
	if q.view != nil {
		return q.view.view(v)
	}
	data := q.codec.Encode(v, s.data[:0])
	if cap(data) > cap(s.data) {
		s.data = data[:cap(data)]
	}
	return data
}

// Put adds v to the queue, waiting for room in a bounded queue until ctx
// is done. It fails with ctx.Err() when ctx ends first, with an error
// matching ErrClosed once the queue is shut down or closed, and with
// ErrInvalidArgument for an item over the queue's item size limit. On a
// priority queue the item has priority 0.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	return q.put("queue put", ctx, forever, v, 0, false)
}

// PutTimeout is Put waiting at most d for room: ErrTimeout when the queue
// stays full, ErrWouldBlock when d is 0 and the queue is full. A negative
// d waits as long as it takes.
func (q *Queue[T]) PutTimeout(v T, d time.Duration) error {
	return q.put("queue put", nil, d, v, 0, false)
}

// TryPut adds v without waiting, failing with ErrWouldBlock when a
// bounded queue is full (Python's put_nowait).
func (q *Queue[T]) TryPut(v T) error {
	return q.put("queue put", nil, 0, v, 0, false)
}

// PutPriority is Put with a priority, for a priority queue: lower values
// come out first, equal ones in the order they were put. It fails with
// ErrInvalidArgument on a queue of another kind.
func (q *Queue[T]) PutPriority(ctx context.Context, v T, priority int64) error {
	return q.put("queue put priority", ctx, forever, v, priority, true)
}

// PutPriorityTimeout is PutPriority waiting at most d, as PutTimeout.
func (q *Queue[T]) PutPriorityTimeout(v T, priority int64, d time.Duration) error {
	return q.put("queue put priority", nil, d, v, priority, true)
}

func (q *Queue[T]) put(op string, ctx context.Context, timeout time.Duration, v T, priority int64, prioritised bool) error {
	native, ok := q.handle.acquire()
	if !ok {
		return closedError(op, "queue")
	}
	defer q.release()
	queue := address(unsafe.Pointer(native))
	if q.wide && !prioritised {
		value := *(*C.uint64_t)(unsafe.Pointer(&v))
		status, err := q.wait(ctx, timeout, func(ns int64) C.ac_status {
			return C.allcore_go_queue_put_u64(queue, value, C.int64_t(ns))
		})
		if err != nil {
			return err
		}
		return q.failure(op, status)
	}
	s := getScratch()
	defer putScratch(s)
	data := q.encode(v, s)
	status, err := q.wait(ctx, timeout, func(ns int64) C.ac_status {
		if prioritised {
			return C.allcore_go_queue_put_priority(queue, bytePointer(data), C.size_t(len(data)), C.int64_t(priority), C.int64_t(ns))
		}
		return C.allcore_go_queue_put(queue, bytePointer(data), C.size_t(len(data)), C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	return q.failure(op, status)
}

// Get removes and returns the next item, waiting for one until ctx is
// done. It fails with ctx.Err() when ctx ends first, and with an error
// matching ErrClosed once the queue is shut down and empty, or closed.
// When the codec cannot decode the item, the item is gone and Get
// returns the codec's error.
//
// The item is copied into a reusable buffer; one larger than the buffer
// stays queued while the buffer grows to its size (the library reports
// the size), and Get takes it on the next try.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	return q.get(ctx, forever)
}

// GetTimeout is Get waiting at most d: ErrTimeout when no item comes,
// ErrWouldBlock when d is 0 and the queue is empty. A negative d waits as
// long as it takes.
func (q *Queue[T]) GetTimeout(d time.Duration) (T, error) {
	return q.get(nil, d)
}

// TryGet removes and returns the next item without waiting, failing with
// ErrWouldBlock when the queue is empty (Python's get_nowait).
func (q *Queue[T]) TryGet() (T, error) {
	return q.get(nil, 0)
}

func (q *Queue[T]) get(ctx context.Context, timeout time.Duration) (T, error) {
	const op = "queue get"
	var zero T
	native, ok := q.handle.acquire()
	if !ok {
		return zero, closedError(op, "queue")
	}
	defer q.release()
	queue := address(unsafe.Pointer(native))
	limit := newBudget(timeout)
	if q.wide {
		var value C.uint64_t
		status, err := q.wait(ctx, timeout, func(ns int64) C.ac_status {
			return C.allcore_go_queue_get_u64(queue, C.int64_t(ns), &value)
		})
		if err != nil {
			return zero, err
		}
		if status == C.AC_OK {
			return *(*T)(unsafe.Pointer(&value)), nil
		}
		if status != C.AC_INVALID_ARGUMENT {
			return zero, q.failure(op, status)
		}
		// The next item is not 8 bytes long and stays queued: take it
		// through a buffer so that it does not block the queue, and let
		// the codec report it.
	}
	s := getScratch()
	defer putScratch(s)
	for {
		var length C.size_t
		status, err := q.wait(ctx, limit.left(), func(ns int64) C.ac_status {
			return C.allcore_go_queue_get(queue, bytePointer(s.data), C.size_t(len(s.data)), C.int64_t(ns), &length)
		})
		if err != nil {
			return zero, err
		}
		switch status {
		case C.AC_OK:
			return q.codec.Decode(s.data[:length])
		case C.AC_BUFFER_TOO_SMALL:
			s.grow(int(length))
		default:
			return zero, q.failure(op, status)
		}
	}
}

// PutMany adds values in order in one cgo call (more when it must wait
// for room in a bounded queue), and returns how many went in. It stops
// early when ctx ends (returning ctx.Err()) or the queue is shut down or
// closed (ErrClosed); the items put before then stay queued. When any
// item is over the item size limit, none is put (ErrInvalidArgument).
func (q *Queue[T]) PutMany(ctx context.Context, values []T) (int, error) {
	const op = "queue put many"
	native, ok := q.handle.acquire()
	if !ok {
		return 0, closedError(op, "queue")
	}
	defer q.release()
	if len(values) == 0 {
		return 0, nil
	}
	queue := address(unsafe.Pointer(native))
	done := 0
	if q.wide {
		// An 8-byte number and a uint64 share their layout.
		words := unsafe.Slice((*C.uint64_t)(unsafe.Pointer(unsafe.SliceData(values))), len(values))
		status, err := q.wait(ctx, forever, func(ns int64) C.ac_status {
			var put C.size_t
			status := C.allcore_go_queue_put_many_u64(queue, &words[done], C.size_t(len(words)-done), C.int64_t(ns), &put)
			done += int(put)
			return status
		})
		if err != nil {
			return done, err
		}
		return done, q.failure(op, status)
	}
	s := getScratch()
	defer putScratch(s)
	data := s.data[:0]
	lengths := s.lengths[:0]
	for _, v := range values {
		start := len(data)
		if q.view != nil {
			data = append(data, q.view.view(v)...)
		} else {
			data = q.codec.Encode(v, data)
		}
		lengths = append(lengths, C.size_t(len(data)-start))
	}
	s.data, s.lengths = data[:cap(data)], lengths
	offset := 0
	status, err := q.wait(ctx, forever, func(ns int64) C.ac_status {
		var put C.size_t
		status := C.allcore_go_queue_put_many(queue, bytePointer(data[offset:]), &lengths[done], C.size_t(len(lengths)-done), C.int64_t(ns), &put)
		for _, length := range lengths[done : done+int(put)] {
			offset += int(length)
		}
		done += int(put)
		return status
	})
	if err != nil {
		return done, err
	}
	return done, q.failure(op, status)
}

// GetMany waits until ctx is done for at least one item, then takes, in
// the same call and without waiting, the items already queued, up to
// len(dst); it stores them in dst in order and returns how many. It fails
// as Get does. Items that the codec cannot decode are dropped: GetMany
// then returns the items that decoded, compacted at the front of dst, and
// the first decode error.
func (q *Queue[T]) GetMany(ctx context.Context, dst []T) (int, error) {
	const op = "queue get many"
	native, ok := q.handle.acquire()
	if !ok {
		return 0, closedError(op, "queue")
	}
	defer q.release()
	if len(dst) == 0 {
		return 0, nil
	}
	queue := address(unsafe.Pointer(native))
	if q.wide {
		words := unsafe.Slice((*C.uint64_t)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
		var count C.size_t
		status, err := q.wait(ctx, forever, func(ns int64) C.ac_status {
			return C.allcore_go_queue_get_many_u64(queue, &words[0], C.size_t(len(words)), C.int64_t(ns), &count)
		})
		if err != nil {
			return 0, err
		}
		if status == C.AC_OK {
			return int(count), nil
		}
		if status != C.AC_INVALID_ARGUMENT {
			return 0, q.failure(op, status)
		}
		// The first item is not 8 bytes long: take it alone, as Get does.
		dst = dst[:1]
	}
	s := getScratch()
	defer putScratch(s)
	if cap(s.lengths) < len(dst) {
		s.lengths = make([]C.size_t, len(dst))
	}
	lengths := s.lengths[:len(dst)]
	for {
		var count C.size_t
		status, err := q.wait(ctx, forever, func(ns int64) C.ac_status {
			return C.allcore_go_queue_get_many(queue, bytePointer(s.data), C.size_t(len(s.data)), &lengths[0], C.size_t(len(lengths)), C.int64_t(ns), &count)
		})
		if err != nil {
			return 0, err
		}
		switch status {
		case C.AC_OK:
			return q.decodeMany(s, lengths[:count], dst)
		case C.AC_BUFFER_TOO_SMALL:
			s.grow(int(lengths[0]))
		default:
			return 0, q.failure(op, status)
		}
	}
}

// decodeMany decodes the messages laid end to end in s.data into dst.
func (q *Queue[T]) decodeMany(s *scratch, lengths []C.size_t, dst []T) (int, error) {
	var firstErr error
	stored, offset := 0, 0
	for _, length := range lengths {
		v, err := q.codec.Decode(s.data[offset : offset+int(length)])
		offset += int(length)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		dst[stored] = v
		stored++
	}
	// A buffer that the batch filled more than half way is doubled for
	// the next batch, so that later batches are limited by len(dst)
	// rather than by the buffer.
	if offset > len(s.data)/2 && len(s.data) < maxScratch {
		s.data = make([]byte, 2*len(s.data))
	}
	return stored, firstErr
}

// TaskDone marks one item taken from the queue as processed, for Join
// (Python's task_done). It fails with ErrInvalidArgument when called more
// times than items were put.
func (q *Queue[T]) TaskDone() error {
	return q.TaskDoneMany(1)
}

// TaskDoneMany is TaskDone n times in one call (after GetMany). It fails
// with ErrInvalidArgument, marking nothing, when fewer than n tasks are
// unfinished or n is negative.
func (q *Queue[T]) TaskDoneMany(n int) error {
	const op = "queue task done"
	if n < 0 {
		return newError(op, ErrInvalidArgument, "a negative count")
	}
	native, ok := q.handle.acquire()
	if !ok {
		return closedError(op, "queue")
	}
	status := C.ac_queue_task_done_many(native, C.size_t(n))
	q.release()
	return statusError(op, status)
}

// Join waits until every item ever put has been marked done with TaskDone
// (Python's join), or until ctx is done (ctx.Err()). A shutdown does not
// end the wait, since items being processed still count; Close does, with
// ErrClosed. Join always waits in 20 ms slices, so that Close can end it.
func (q *Queue[T]) Join(ctx context.Context) error {
	return q.join(ctx, forever)
}

// JoinTimeout is Join waiting at most d: ErrTimeout when d passes first,
// ErrWouldBlock when d is 0 and tasks are unfinished.
func (q *Queue[T]) JoinTimeout(d time.Duration) error {
	return q.join(nil, d)
}

func (q *Queue[T]) join(ctx context.Context, timeout time.Duration) error {
	const op = "queue join"
	native, ok := q.handle.acquire()
	if !ok {
		return closedError(op, "queue")
	}
	defer q.release()
	status, err := waitSliced(ctx, timeout, &q.handle.state, func(ns int64) C.ac_status {
		return C.ac_queue_join(native, C.int64_t(ns))
	})
	if err != nil {
		return err
	}
	if isClosed(&q.handle) {
		// Close discards the queued items and counts them done, which
		// can let the native join succeed: report the Close instead.
		return closedError(op, "queue")
	}
	return statusError(op, status)
}

// Shutdown shuts the queue down (Python 3.13's Queue.shutdown): later
// puts fail with ErrClosed; gets take the items left and then fail with
// ErrClosed; every blocked Put and Get wakes. With immediate, the queued
// items are discarded at once, counted done for Join, and their number is
// returned. Shutting down again is harmless. Shutdown is how producers
// tell consumers that no more items will come, without sentinel values;
// the native queue stays allocated until Close.
func (q *Queue[T]) Shutdown(immediate bool) (int, error) {
	const op = "queue shutdown"
	native, ok := q.handle.acquire()
	if !ok {
		return 0, closedError(op, "queue")
	}
	var discarded C.size_t
	status := C.ac_queue_shutdown(native, C.bool(immediate), &discarded)
	q.release()
	return int(discarded), statusError(op, status)
}

// count reads one of the queue's counts; 0 once the queue is closed.
func (q *Queue[T]) count(which C.int) int {
	native, ok := q.handle.acquire()
	if !ok {
		return 0
	}
	count := C.allcore_go_queue_count(address(unsafe.Pointer(native)), which)
	q.release()
	return int(min(count, math.MaxInt))
}

// flag reads one of the queue's flags; closedValue once the queue is
// closed.
func (q *Queue[T]) flag(which C.int, closedValue bool) bool {
	native, ok := q.handle.acquire()
	if !ok {
		return closedValue
	}
	flag := C.allcore_go_queue_flag(address(unsafe.Pointer(native)), which)
	q.release()
	return bool(flag)
}

// Len returns the number of queued items (Python's qsize), 0 once the
// queue is closed. Other goroutines may change it at once.
func (q *Queue[T]) Len() int { return q.count(C.ALLCORE_GO_QUEUE_SIZE) }

// Cap returns the queue's maxsize, 0 for an unbounded queue (or once the
// queue is closed).
func (q *Queue[T]) Cap() int { return q.count(C.ALLCORE_GO_QUEUE_MAXSIZE) }

// Unfinished returns the number of items put and not yet marked done
// (Python's unfinished_tasks), 0 once the queue is closed.
func (q *Queue[T]) Unfinished() int { return q.count(C.ALLCORE_GO_QUEUE_UNFINISHED) }

// Empty reports whether the queue holds no items now (true once closed).
func (q *Queue[T]) Empty() bool { return q.flag(C.ALLCORE_GO_QUEUE_EMPTY, true) }

// Full reports whether a bounded queue holds maxsize items now (always
// false for an unbounded queue, and once closed).
func (q *Queue[T]) Full() bool { return q.flag(C.ALLCORE_GO_QUEUE_FULL, false) }

// IsShutdown reports whether the queue has been shut down or closed.
func (q *Queue[T]) IsShutdown() bool { return q.flag(C.ALLCORE_GO_QUEUE_CLOSED, true) }

// Chan returns a channel that delivers the queue's items, fed by a
// goroutine that calls Get(ctx) in a loop, so that
//
//	for v := range q.Chan(ctx) { ... }
//
// consumes the queue until it is shut down and drained. The channel is
// unbuffered and is closed when Get fails: after Shutdown once the items
// left are delivered, after Close, when ctx is done, or when an item does
// not decode. An item the goroutine has taken when ctx ends before a
// receiver takes it is dropped, so cancel ctx only when the remaining
// items no longer matter. With a ctx that is never cancelled, the
// goroutine lives until the queue is shut down or closed.
func (q *Queue[T]) Chan(ctx context.Context) <-chan T {
	items := make(chan T)
	go func() {
		defer close(items)
		for {
			v, err := q.Get(ctx)
			if err != nil {
				return
			}
			select {
			case items <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return items
}

// Close shuts the queue down at once, discarding its items, and releases
// the native queue. Close is idempotent, safe to call while other
// goroutines use q, and always returns nil. Blocked Put and Get calls wake
// with ErrClosed, Join calls give up within 20 ms with ErrClosed, and
// later calls fail with ErrClosed (Len and the other queries report an
// empty, shut-down queue). A topic the queue was subscribed to drops it.
// The native queue is freed once the last call in flight on it returns.
func (q *Queue[T]) Close() error {
	if q.adopted {
		if q.handle.close() {
			runtime.SetFinalizer(q, nil)
		}
		return nil
	}
	if closeWaking(&q.handle, func(native *C.ac_queue) {
		C.ac_queue_shutdown(native, true, nil)
	}) {
		runtime.SetFinalizer(q, nil)
	}
	return nil
}

// nativeQueue acquires q's handle for a call on another object (a Topic),
// returning a function that ends the call.
func (q *Queue[T]) nativeQueue() (*C.ac_queue, func(), bool) {
	native, ok := q.handle.acquire()
	if !ok {
		return nil, nil, false
	}
	return native, q.release, true
}
