package allcore

/*
#include "allcore.h"

#cgo noescape ac_topic_new
#cgo nocallback ac_topic_new
#cgo nocallback ac_topic_close
#cgo nocallback ac_topic_release
#cgo nocallback ac_topic_close
#cgo nocallback ac_topic_subscribe
#cgo nocallback ac_topic_unsubscribe
#cgo noescape ac_topic_subscribers
#cgo nocallback ac_topic_subscribers
#cgo noescape allcore_go_topic_publish
#cgo nocallback allcore_go_topic_publish

// Takes the message as a uint8_t pointer, which cgo passes without a run
// time check (see queue.go).
static inline ac_status allcore_go_topic_publish(const ac_topic *topic, const uint8_t *data, size_t len, int64_t timeout_ns, size_t *out_delivered) {
	return ac_topic_publish(topic, data, len, timeout_ns, out_delivered);
}
*/
import "C"

import (
	"context"
	"runtime"
	"time"
)

// Subscriber is a queue that a Topic can deliver to: any *Queue[T]. Its
// method is unexported, so only this package's queues implement it.
type Subscriber interface {
	nativeQueue() (*C.ac_queue, func(), bool)
}

var _ Subscriber = (*Queue[[]byte])(nil)

// Topic is a publish/subscribe exchange in native memory (the seeds'
// Exchange): Publish copies a message into every subscribed queue, so one
// publisher reaches many consumers, each reading its own queue at its
// own pace. A subscriber may be a Queue of any kind and element type; it
// receives the published bytes as they are, so its codec must decode
// them. Create a topic with NewTopic; the zero value is not usable. All
// methods are safe for concurrent use, including Subscribe and
// Unsubscribe while other goroutines publish.
type Topic struct {
	handle handle[*C.ac_topic]
	// adopted is set by TopicFromHandle: Close releases the reference
	// without closing the topic its other owners use.
	adopted bool
}

func freeTopic(topic *C.ac_topic) {
	C.ac_topic_close(topic)
	C.ac_topic_release(topic)
}

// NewTopic returns a topic with no subscribers.
func NewTopic() (*Topic, error) {
	var native *C.ac_topic
	if err := call("new topic", func() C.ac_status { return C.ac_topic_new(&native) }); err != nil {
		return nil, err
	}
	t := &Topic{}
	t.handle.ptr = native
	t.handle.free = freeTopic
	runtime.SetFinalizer(t, (*Topic).Close)
	return t, nil
}

func (t *Topic) release() {
	t.handle.release()
	runtime.KeepAlive(t)
}

// withQueue runs one call taking both the topic and a subscriber queue.
func (t *Topic) withQueue(op string, q Subscriber, fn func(*C.ac_topic, *C.ac_queue) C.ac_status) error {
	if q == nil {
		return newError(op, ErrNullPointer, "a nil queue")
	}
	native, ok := t.handle.acquire()
	if !ok {
		return closedError(op, "topic")
	}
	defer t.release()
	queue, release, ok := q.nativeQueue()
	if !ok {
		return closedError(op, "queue")
	}
	defer release()
	return t.failure(op, fn(native, queue))
}

// failure is Queue.failure for a topic.
func (t *Topic) failure(op string, status C.ac_status) error {
	if status == C.AC_CLOSED && isClosed(&t.handle) {
		return closedError(op, "topic")
	}
	return statusError(op, status)
}

// Subscribe adds q to the topic: every publish that starts after it
// returns puts a copy of its message into q. It fails with
// ErrInvalidArgument when q is subscribed already and with ErrClosed when
// the topic or q is closed. Shutting q down or closing it unsubscribes it.
func (t *Topic) Subscribe(q Subscriber) error {
	return t.withQueue("topic subscribe", q, func(topic *C.ac_topic, queue *C.ac_queue) C.ac_status {
		return C.ac_topic_subscribe(topic, queue)
	})
}

// Unsubscribe removes q: publishes that start after it returns do not
// reach q (one already under way may still deliver to it). It fails with
// ErrInvalidArgument when q is not subscribed.
func (t *Topic) Unsubscribe(q Subscriber) error {
	return t.withQueue("topic unsubscribe", q, func(topic *C.ac_topic, queue *C.ac_queue) C.ac_status {
		return C.ac_topic_unsubscribe(topic, queue)
	})
}

// Subscribers returns the number of subscribed queues, 0 once the topic is
// closed.
func (t *Topic) Subscribers() int {
	native, ok := t.handle.acquire()
	if !ok {
		return 0
	}
	defer t.release()
	var count C.size_t
	C.ac_topic_subscribers(native, &count)
	return int(count)
}

// Publish puts a copy of data into every subscribed queue, in
// subscription order, and returns how many received it. A full bounded
// subscriber is waited for (back-pressure) until ctx's deadline, shared by
// the whole publish; when some subscriber missed the message by then,
// Publish delivers to all the others and fails with ErrTimeout.
// Subscribers that were shut down or closed are skipped and unsubscribed.
// It fails with ErrInvalidArgument, delivering nothing, when data is over
// a subscriber's item size limit, and with ErrClosed when the topic is
// closed before or during the publish.
//
// One publish cannot be cancelled part way without delivering the message
// twice on a retry, so Publish honours ctx's deadline but not a
// cancellation without one: it checks ctx before it starts, and then
// waits for full subscribers until the deadline (without a deadline, until
// they have room or the topic or they are closed).
func (t *Topic) Publish(ctx context.Context, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	timeout := forever
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(deadline), 1)
	}
	return t.publish(data, timeout)
}

// PublishTimeout is Publish waiting at most d for full subscribers. With
// d = 0 a full subscriber simply misses the message (it is dropped for
// that subscriber only) and PublishTimeout reports ErrWouldBlock after
// delivering to the others; a negative d waits as long as it takes.
func (t *Topic) PublishTimeout(data []byte, d time.Duration) (int, error) {
	return t.publish(data, d)
}

func (t *Topic) publish(data []byte, timeout time.Duration) (int, error) {
	const op = "topic publish"
	native, ok := t.handle.acquire()
	if !ok {
		return 0, closedError(op, "topic")
	}
	defer t.release()
	var delivered C.size_t
	status := C.allcore_go_topic_publish(native, bytePointer(data), C.size_t(len(data)), C.int64_t(timeout), &delivered)
	return int(delivered), t.failure(op, status)
}

// Close closes the topic and releases it: publishes blocked on a full
// subscriber wake with ErrClosed, later calls fail with ErrClosed, and the
// topic lets go of its subscribers (the queues themselves stay open; they
// belong to their owners). A topic from TopicFromHandle is only released,
// staying open for its other owners. Close is idempotent, safe alongside
// other calls, and always returns nil.
func (t *Topic) Close() error {
	if t.adopted {
		if t.handle.close() {
			runtime.SetFinalizer(t, nil)
		}
		return nil
	}
	if closeWaking(&t.handle, func(native *C.ac_topic) { C.ac_topic_close(native) }) {
		runtime.SetFinalizer(t, nil)
	}
	return nil
}
