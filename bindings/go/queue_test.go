package allcore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// getValue runs get on a new goroutine and returns channels of its value
// and error, for calls expected to block.
func getValue[T any](get func() (T, error)) (<-chan T, <-chan error) {
	values := make(chan T, 1)
	errs := make(chan error, 1)
	go func() {
		v, err := get()
		values <- v
		errs <- err
	}()
	return values, errs
}

// drain takes every item left in q without waiting.
func drain[T any](t *testing.T, q *Queue[T]) []T {
	t.Helper()
	var items []T
	for {
		v, err := q.TryGet()
		if errors.Is(err, ErrWouldBlock) || errors.Is(err, ErrClosed) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
}

func TestQueueFIFOOrder(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[string](StringCodec{}, 0))(t))
	for _, word := range []string{"a", "", "bc", "d"} {
		if err := q.Put(ctx, word); err != nil {
			t.Fatal(err)
		}
	}
	if got := drain(t, q); !slices.Equal(got, []string{"a", "", "bc", "d"}) {
		t.Fatalf("FIFO order %q", got)
	}

	// With several producers, each producer's items keep their order.
	const producers, each = 4, 2000
	numbers := cleanup(t, must(NewQueue[int64](FixedCodec[int64]{}, 16))(t))
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := numbers.Put(ctx, int64(p*each+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	next := make([]int64, producers)
	for range producers * each {
		v, err := numbers.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := v / each
		if v%each != next[p] {
			t.Fatalf("producer %d: got item %d, want %d", p, v%each, next[p])
		}
		next[p]++
	}
	wg.Wait()
}

func TestQueueLIFOOrder(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewLifoQueue[string](StringCodec{}, 0))(t))
	for _, word := range []string{"first", "second", "third"} {
		if err := q.Put(ctx, word); err != nil {
			t.Fatal(err)
		}
	}
	if got := drain(t, q); !slices.Equal(got, []string{"third", "second", "first"}) {
		t.Fatalf("LIFO order %q", got)
	}
	u := cleanup(t, must(NewU64Queue(QueueLIFO, 0))(t))
	if n, err := u.PutMany(ctx, []uint64{1, 2, 3, 4}); n != 4 || err != nil {
		t.Fatal(n, err)
	}
	if got := drain(t, u); !slices.Equal(got, []uint64{4, 3, 2, 1}) {
		t.Fatalf("u64 LIFO order %v", got)
	}
}

func TestQueuePriorityOrder(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewPriorityQueue[string](StringCodec{}, 0))(t))
	puts := []struct {
		item     string
		priority int64
	}{{"low-a", 5}, {"urgent", -1}, {"low-b", 5}, {"mid-a", 2}, {"low-c", 5}, {"mid-b", 2}}
	for _, put := range puts {
		if err := q.PutPriority(ctx, put.item, put.priority); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Put(ctx, "zero"); err != nil { // priority 0
		t.Fatal(err)
	}
	want := []string{"urgent", "zero", "mid-a", "mid-b", "low-a", "low-b", "low-c"}
	if got := drain(t, q); !slices.Equal(got, want) {
		t.Fatalf("priority order %q, want %q", got, want)
	}

	// 8-byte values take the 64-bit path for plain puts; priorities still work.
	u := cleanup(t, must(NewU64Queue(QueuePriority, 0))(t))
	for i, priority := range []int64{3, 1, 3, 1, 2} {
		if err := u.PutPriorityTimeout(uint64(i), priority, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if got := drain(t, u); !slices.Equal(got, []uint64{1, 3, 4, 0, 2}) {
		t.Fatalf("u64 priority order %v", got)
	}

	fifo := cleanup(t, must(NewQueue[string](StringCodec{}, 0))(t))
	wantStatus(t, "PutPriority on a FIFO queue", fifo.PutPriority(ctx, "x", 1), ErrInvalidArgument)
}

func TestQueueBounded(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[string](StringCodec{}, 2))(t))
	if q.Cap() != 2 || !q.Empty() || q.Full() || q.Len() != 0 {
		t.Fatalf("new queue: cap %d empty %v full %v len %d", q.Cap(), q.Empty(), q.Full(), q.Len())
	}
	wantStatus(t, "TryGet on empty", func() error { _, err := q.TryGet(); return err }(), ErrWouldBlock)
	start := time.Now()
	_, err := q.GetTimeout(30 * time.Millisecond)
	wantStatus(t, "GetTimeout on empty", err, ErrTimeout)
	if elapsed := time.Since(start); elapsed < 25*time.Millisecond {
		t.Fatalf("GetTimeout returned after %v", elapsed)
	}
	for _, word := range []string{"a", "b"} {
		if err := q.TryPut(word); err != nil {
			t.Fatal(err)
		}
	}
	if !q.Full() || q.Len() != 2 || q.Empty() {
		t.Fatalf("full queue: full %v len %d", q.Full(), q.Len())
	}
	wantStatus(t, "TryPut on full", q.TryPut("c"), ErrWouldBlock)
	wantStatus(t, "PutTimeout on full", q.PutTimeout("c", 30*time.Millisecond), ErrTimeout)

	// A blocked Put (native wait) goes in once a Get makes room.
	blocked := result(func() error { return q.Put(ctx, "c") })
	stillBlocked(t, blocked)
	if v, err := q.Get(ctx); v != "a" || err != nil {
		t.Fatal(v, err)
	}
	if err := receive(t, blocked); err != nil {
		t.Fatal(err)
	}

	// A cancellable context ends a blocked Put and a blocked Get.
	cancelled, cancel := context.WithCancel(ctx)
	blocked = result(func() error { return q.Put(cancelled, "d") })
	stillBlocked(t, blocked)
	cancel()
	if err := receive(t, blocked); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	if got := drain(t, q); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("left %q", got)
	}
	deadline, cancelDeadline := context.WithTimeout(ctx, 40*time.Millisecond)
	defer cancelDeadline()
	if _, err := q.Get(deadline); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get past the deadline: %v", err)
	}
	// A blocked Get with a cancellable context takes an item that arrives.
	cancellable, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	values, errs := getValue(func() (string, error) { return q.Get(cancellable) })
	stillBlocked(t, errs)
	if err := q.Put(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, errs); err != nil || <-values != "late" {
		t.Fatal("blocked Get did not take the item:", err)
	}
}

func TestQueueShutdown(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[string](StringCodec{}, 2))(t))
	for _, word := range []string{"a", "b"} {
		if err := q.Put(ctx, word); err != nil {
			t.Fatal(err)
		}
	}
	blockedPut := result(func() error { return q.Put(ctx, "c") })
	stillBlocked(t, blockedPut)
	if n, err := q.Shutdown(false); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	wantStatus(t, "blocked Put woken by Shutdown", receive(t, blockedPut), ErrClosed)
	wantStatus(t, "Put after Shutdown", q.Put(ctx, "d"), ErrClosed)
	if !q.IsShutdown() {
		t.Fatal("IsShutdown false after Shutdown")
	}
	// Gets drain what is left, then fail with ErrClosed.
	for _, want := range []string{"a", "b"} {
		if v, err := q.Get(ctx); v != want || err != nil {
			t.Fatal(v, err, "want", want)
		}
	}
	_, err := q.Get(ctx)
	wantStatus(t, "Get on a drained shut-down queue", err, ErrClosed)
	if n, err := q.Shutdown(true); n != 0 || err != nil {
		t.Fatal("second Shutdown:", n, err)
	}

	// Blocked gets of every kind wake with ErrClosed.
	empty := cleanup(t, must(NewU64Queue(QueueFIFO, 0))(t))
	cancellable, cancel := context.WithCancel(ctx)
	defer cancel()
	_, native := getValue(func() (uint64, error) { return empty.Get(ctx) })
	_, sliced := getValue(func() (uint64, error) { return empty.Get(cancellable) })
	_, timed := getValue(func() (uint64, error) { return empty.GetTimeout(time.Hour) })
	batch := result(func() error { _, err := empty.GetMany(ctx, make([]uint64, 4)); return err })
	stillBlocked(t, native)
	empty.Shutdown(false)
	for name, errs := range map[string]<-chan error{"Get": native, "Get(ctx)": sliced, "GetTimeout": timed, "GetMany": batch} {
		wantStatus(t, name+" woken by Shutdown", receive(t, errs), ErrClosed)
	}

	// An immediate shutdown discards the items and counts them done.
	now := cleanup(t, must(NewQueue[[]byte](BytesCodec{}, 0))(t))
	for range 3 {
		now.Put(ctx, []byte("x"))
	}
	if n, err := now.Shutdown(true); n != 3 || err != nil {
		t.Fatal("immediate Shutdown:", n, err)
	}
	if err := now.JoinTimeout(0); err != nil {
		t.Fatal("Join after discarding:", err)
	}
	_, err = now.TryGet()
	wantStatus(t, "TryGet after an immediate Shutdown", err, ErrClosed)
}

func TestQueueClose(t *testing.T) {
	ctx := context.Background()
	q := must(NewQueue[string](StringCodec{}, 1))(t)
	full := must(NewQueue[string](StringCodec{}, 1))(t)
	full.Put(ctx, "x")
	cancellable, cancel := context.WithCancel(ctx)
	defer cancel()
	_, get := getValue(func() (string, error) { return q.Get(ctx) })
	_, getSliced := getValue(func() (string, error) { return q.Get(cancellable) })
	_, getTimed := getValue(func() (string, error) { return q.GetTimeout(time.Hour) })
	put := result(func() error { return full.Put(ctx, "y") })
	putSliced := result(func() error { return full.Put(cancellable, "y") })
	join := result(func() error { return full.Join(ctx) })
	stillBlocked(t, get)
	stillBlocked(t, join)
	q.Close()
	full.Close()
	if err := q.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	waits := map[string]<-chan error{"Get": get, "Get(ctx)": getSliced, "GetTimeout": getTimed, "Put": put, "Put(ctx)": putSliced, "Join": join}
	for name, errs := range waits {
		wantStatus(t, name+" woken by Close", receive(t, errs), ErrClosed)
	}

	// Every later call fails with ErrClosed; queries report a closed queue.
	wantStatus(t, "Put after Close", q.Put(ctx, "z"), ErrClosed)
	wantStatus(t, "TryPut after Close", q.TryPut("z"), ErrClosed)
	wantStatus(t, "PutPriority after Close", q.PutPriority(ctx, "z", 1), ErrClosed)
	_, err := q.TryGet()
	wantStatus(t, "TryGet after Close", err, ErrClosed)
	_, err = q.PutMany(ctx, []string{"z"})
	wantStatus(t, "PutMany after Close", err, ErrClosed)
	_, err = q.GetMany(ctx, make([]string, 1))
	wantStatus(t, "GetMany after Close", err, ErrClosed)
	wantStatus(t, "TaskDone after Close", q.TaskDone(), ErrClosed)
	wantStatus(t, "Join after Close", q.Join(ctx), ErrClosed)
	_, err = q.Shutdown(false)
	wantStatus(t, "Shutdown after Close", err, ErrClosed)
	if q.Len() != 0 || q.Cap() != 0 || !q.Empty() || q.Full() || !q.IsShutdown() || q.Unfinished() != 0 {
		t.Fatal("queries on a closed queue")
	}
	if _, open := <-q.Chan(ctx); open {
		t.Fatal("Chan of a closed queue delivered an item")
	}
}

func TestQueueCloseUnderLoad(t *testing.T) {
	// Close while goroutines put and get: every call works or reports
	// ErrClosed, never crashes.
	for round := range 20 {
		q := must(NewU64Queue(QueueFIFO, 8))(t)
		var ctx context.Context = context.Background()
		if round%2 == 1 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
		}
		var wg sync.WaitGroup
		for worker := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := uint64(0); ; i++ {
					var err error
					if worker%2 == 0 {
						err = q.Put(ctx, i)
					} else {
						_, err = q.Get(ctx)
					}
					if err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Error(err)
						}
						return
					}
				}
			}()
		}
		time.Sleep(time.Millisecond)
		q.Close()
		wg.Wait()
	}
}

func TestQueueTaskDoneJoin(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[int32](FixedCodec[int32]{}, 0))(t))
	wantStatus(t, "TaskDone with nothing put", q.TaskDone(), ErrInvalidArgument)
	if err := q.JoinTimeout(0); err != nil {
		t.Fatal("Join with nothing put:", err)
	}
	const jobs = 20
	for i := range int32(jobs) {
		q.Put(ctx, i)
	}
	wantStatus(t, "JoinTimeout(0) with work left", q.JoinTimeout(0), ErrWouldBlock)
	wantStatus(t, "JoinTimeout with work left", q.JoinTimeout(20*time.Millisecond), ErrTimeout)
	joined := result(func() error { return q.Join(ctx) })
	stillBlocked(t, joined)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := q.TryGet(); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
				if err := q.TaskDone(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := receive(t, joined); err != nil {
		t.Fatal("Join:", err)
	}
	if q.Unfinished() != 0 {
		t.Fatal("unfinished after Join:", q.Unfinished())
	}

	// TaskDoneMany after a batch; too many marks nothing.
	q.PutMany(ctx, []int32{1, 2, 3})
	if q.Unfinished() != 3 {
		t.Fatal("unfinished", q.Unfinished())
	}
	wantStatus(t, "TaskDoneMany(4) of 3", q.TaskDoneMany(4), ErrInvalidArgument)
	wantStatus(t, "TaskDoneMany(-1)", q.TaskDoneMany(-1), ErrInvalidArgument)
	if err := q.TaskDoneMany(3); err != nil || q.Unfinished() != 0 {
		t.Fatal(err, q.Unfinished())
	}

	// A cancelled context ends Join.
	q.Put(ctx, 9)
	cancelled, cancel := context.WithCancel(ctx)
	joined = result(func() error { return q.Join(cancelled) })
	stillBlocked(t, joined)
	cancel()
	if err := receive(t, joined); !errors.Is(err, context.Canceled) {
		t.Fatal("Join with a cancelled context:", err)
	}
}

func TestQueueBatch(t *testing.T) {
	ctx := context.Background()
	words := []string{"alpha", "", "gamma", "delta", "epsilon"}
	q := cleanup(t, must(NewQueue[string](StringCodec{}, 0))(t))
	if n, err := q.PutMany(ctx, words); n != len(words) || err != nil {
		t.Fatal(n, err)
	}
	if n, err := q.PutMany(ctx, nil); n != 0 || err != nil {
		t.Fatal("PutMany(nil):", n, err)
	}
	got := make([]string, 3)
	if n, err := q.GetMany(ctx, got); n != 3 || err != nil || !slices.Equal(got, words[:3]) {
		t.Fatal(n, err, got)
	}
	// GetMany takes what is queued without waiting for more.
	if n, err := q.GetMany(ctx, got); n != 2 || err != nil || !slices.Equal(got[:2], words[3:]) {
		t.Fatal(n, err, got)
	}
	if n, err := q.GetMany(ctx, nil); n != 0 || err != nil {
		t.Fatal("GetMany(nil):", n, err)
	}

	// A bounded PutMany waits for room; GetMany gets items in order.
	u := cleanup(t, must(NewU64Queue(QueueFIFO, 4))(t))
	values := make([]uint64, 100)
	for i := range values {
		values[i] = uint64(i) * 3
	}
	put := result(func() error {
		n, err := u.PutMany(ctx, values)
		if err == nil && n != len(values) {
			err = fmt.Errorf("PutMany put %d of %d", n, len(values))
		}
		return err
	})
	var received []uint64
	batch := make([]uint64, 7)
	for len(received) < len(values) {
		n, err := u.GetMany(ctx, batch)
		if err != nil || n == 0 {
			t.Fatal(n, err)
		}
		received = append(received, batch[:n]...)
	}
	if err := receive(t, put); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(received, values) {
		t.Fatal("u64 batches out of order")
	}

	// A bounded PutMany with a cancellable context puts what fits and stops.
	cancelled, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	n, err := u.PutMany(cancelled, values)
	if n != 4 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("PutMany past its deadline:", n, err)
	}
	drain(t, u)

	// An oversized item keeps the whole batch out.
	small := cleanup(t, must(NewQueueWithOptions[string](StringCodec{}, QueueOptions{MaxItemSize: 4}))(t))
	n, err = small.PutMany(ctx, []string{"ok", "too long", "ok"})
	wantStatus(t, "PutMany with an oversized item", err, ErrInvalidArgument)
	if n != 0 || small.Len() != 0 {
		t.Fatal("PutMany put part of a batch with an oversized item:", n, small.Len())
	}

	// PutMany after Shutdown reports ErrClosed and how many went in (none).
	u.Shutdown(false)
	n, err = u.PutMany(ctx, values)
	wantStatus(t, "PutMany after Shutdown", err, ErrClosed)
	if n != 0 {
		t.Fatal("PutMany after Shutdown put", n)
	}
}

func TestQueueBufferGrowth(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[[]byte](BytesCodec{}, 0))(t))
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	items := [][]byte{[]byte("small"), big, {}, big[:minScratch+1], []byte("tail")}
	for _, item := range items {
		if err := q.Put(ctx, item); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range items {
		got, err := q.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || got == nil {
			t.Fatalf("item %d: %d bytes back, want %d", i, len(got), len(want))
		}
	}
	// The same through GetMany: a batch starting with the big item grows
	// the buffer; one after a small item stops before it.
	q.PutMany(ctx, [][]byte{big, []byte("x"), big})
	batch := make([][]byte, 3)
	var received [][]byte
	for len(received) < 3 {
		n, err := q.GetMany(ctx, batch)
		if err != nil || n == 0 {
			t.Fatal(n, err)
		}
		received = append(received, batch[:n]...)
	}
	if !bytes.Equal(received[0], big) || string(received[1]) != "x" || !bytes.Equal(received[2], big) {
		t.Fatal("GetMany of big items")
	}
	// Items over the item size limit are refused.
	limited := cleanup(t, must(NewQueueWithOptions[[]byte](BytesCodec{}, QueueOptions{MaxItemSize: 1000}))(t))
	wantStatus(t, "Put over the item size limit", limited.Put(ctx, big), ErrInvalidArgument)
}

func TestQueueChan(t *testing.T) {
	ctx := context.Background()
	q := cleanup(t, must(NewQueue[int64](FixedCodec[int64]{}, 4))(t))
	const producers, each = 3, 100
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := q.Put(ctx, int64(p*each+i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		q.Shutdown(false)
	}()
	var sum, count int64
	for v := range q.Chan(ctx) {
		sum += v
		count++
	}
	total := int64(producers * each)
	if count != total || sum != total*(total-1)/2 {
		t.Fatalf("range over Chan: %d items summing to %d", count, sum)
	}

	// A cancelled context ends the range.
	open := cleanup(t, must(NewQueue[int64](FixedCodec[int64]{}, 0))(t))
	open.Put(ctx, 1)
	cancellable, cancel := context.WithCancel(ctx)
	items := open.Chan(cancellable)
	if v := <-items; v != 1 {
		t.Fatal("first item", v)
	}
	cancel()
	done := result(func() error {
		for range items {
		}
		return nil
	})
	receive(t, done)
}

func TestTopic(t *testing.T) {
	ctx := context.Background()
	topic := cleanup(t, must(NewTopic())(t))
	a := cleanup(t, must(NewQueue[string](StringCodec{}, 0))(t))
	b := cleanup(t, must(NewLifoQueue[[]byte](BytesCodec{}, 0))(t))
	if topic.Subscribers() != 0 {
		t.Fatal("new topic has subscribers")
	}
	if n, err := topic.Publish(ctx, []byte("nobody")); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	for _, q := range []Subscriber{a, b} {
		if err := topic.Subscribe(q); err != nil {
			t.Fatal(err)
		}
	}
	wantStatus(t, "Subscribe twice", topic.Subscribe(a), ErrInvalidArgument)
	for _, message := range []string{"m1", "m2"} {
		if n, err := topic.Publish(ctx, []byte(message)); n != 2 || err != nil {
			t.Fatal(n, err)
		}
	}
	if got := drain(t, a); !slices.Equal(got, []string{"m1", "m2"}) {
		t.Fatal("subscriber a got", got)
	}
	if got := drain(t, b); len(got) != 2 || string(got[0]) != "m2" || string(got[1]) != "m1" {
		t.Fatal("LIFO subscriber b got", got)
	}
	if err := topic.Unsubscribe(b); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "Unsubscribe twice", topic.Unsubscribe(b), ErrInvalidArgument)
	if n, _ := topic.Publish(ctx, []byte("m3")); n != 1 || b.Len() != 0 {
		t.Fatal("an unsubscribed queue still receives", n)
	}
	drain(t, a)

	// A full bounded subscriber: dropped with timeout 0, waited for with
	// a deadline, and the others still get the message.
	full := cleanup(t, must(NewQueue[string](StringCodec{}, 1))(t))
	topic.Subscribe(full)
	full.Put(ctx, "old")
	n, err := topic.PublishTimeout([]byte("drop"), 0)
	wantStatus(t, "publish to a full subscriber, drop", err, ErrWouldBlock)
	if n != 1 || a.Len() != 1 {
		t.Fatal("delivered", n)
	}
	deadline, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	n, err = topic.Publish(deadline, []byte("wait"))
	wantStatus(t, "publish to a full subscriber, deadline", err, ErrTimeout)
	if n != 1 {
		t.Fatal("delivered", n)
	}
	// Back-pressure: a publish waits until the subscriber has room.
	published := result(func() error { _, err := topic.Publish(ctx, []byte("fits")); return err })
	stillBlocked(t, published)
	if v, _ := full.Get(ctx); v != "old" {
		t.Fatal(v)
	}
	if err := receive(t, published); err != nil {
		t.Fatal(err)
	}
	if v, _ := full.Get(ctx); v != "fits" {
		t.Fatal(v)
	}
	// A closed subscriber is dropped by the next publish.
	full.Close()
	wantStatus(t, "Subscribe a closed queue", topic.Subscribe(full), ErrClosed)
	drain(t, a)
	if n, err := topic.Publish(ctx, []byte("after")); n != 1 || err != nil || topic.Subscribers() != 1 {
		t.Fatal(n, err, topic.Subscribers())
	}

	// Closing the topic wakes a blocked publisher; later calls fail.
	stuck := cleanup(t, must(NewQueue[string](StringCodec{}, 1))(t))
	stuck.Put(ctx, "x")
	topic.Subscribe(stuck)
	published = result(func() error { _, err := topic.Publish(ctx, []byte("never")); return err })
	stillBlocked(t, published)
	topic.Close()
	topic.Close()
	wantStatus(t, "blocked Publish woken by Close", receive(t, published), ErrClosed)
	_, err = topic.Publish(ctx, []byte("late"))
	wantStatus(t, "Publish after Close", err, ErrClosed)
	wantStatus(t, "Subscribe after Close", topic.Subscribe(a), ErrClosed)
	wantStatus(t, "Unsubscribe after Close", topic.Unsubscribe(a), ErrClosed)
	if topic.Subscribers() != 0 {
		t.Fatal("a closed topic has subscribers")
	}
	// The queues outlive the topic.
	if err := a.Put(ctx, "still open"); err != nil {
		t.Fatal(err)
	}
}

func TestTopicFanOutWhileSubscribing(t *testing.T) {
	// One publisher sends 0, 1, 2, ... while queues join and leave: each
	// queue receives a gap-free run of messages, and queues subscribed for
	// the whole time receive all of them.
	ctx := context.Background()
	topic := cleanup(t, must(NewTopic())(t))
	const messages = 3000
	steady := make([]*Queue[uint64], 3)
	for i := range steady {
		steady[i] = cleanup(t, must(NewU64Queue(QueueFIFO, 0))(t))
		topic.Subscribe(steady[i])
	}
	published := result(func() error {
		message := make([]byte, 8)
		for i := range uint64(messages) {
			binary.NativeEndian.PutUint64(message, i)
			if n, err := topic.Publish(ctx, message); err != nil || n < len(steady) {
				return fmt.Errorf("publish %d: delivered %d, %v", i, n, err)
			}
		}
		return nil
	})
	var transient []*Queue[uint64]
	for range 30 {
		q := cleanup(t, must(NewU64Queue(QueueFIFO, 0))(t))
		if err := topic.Subscribe(q); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond)
		if err := topic.Unsubscribe(q); err != nil {
			t.Fatal(err)
		}
		transient = append(transient, q)
	}
	if err := receive(t, published); err != nil {
		t.Fatal(err)
	}
	for i, q := range steady {
		got := drain(t, q)
		if len(got) != messages {
			t.Fatalf("steady subscriber %d got %d messages", i, len(got))
		}
		for j, v := range got {
			if v != uint64(j) {
				t.Fatalf("steady subscriber %d: message %d is %d", i, j, v)
			}
		}
	}
	for i, q := range transient {
		got := drain(t, q)
		for j := 1; j < len(got); j++ {
			if got[j] != got[j-1]+1 {
				t.Fatalf("transient subscriber %d: %d after %d", i, got[j], got[j-1])
			}
		}
	}
}

func TestQueueStress(t *testing.T) {
	// 4 producers and 4 consumers through a small bounded queue, with
	// single and batch calls mixed: every item arrives exactly once.
	const producers, consumers, each = 4, 4, 40000
	run := func(t *testing.T, put func(ctx context.Context, values []uint64) error, get func(ctx context.Context, dst []uint64) (int, error), shutdown func()) {
		ctx := context.Background()
		var producing sync.WaitGroup
		for p := range producers {
			producing.Add(1)
			go func() {
				defer producing.Done()
				values := make([]uint64, 0, 16)
				for i := range each {
					values = append(values, uint64(p*each+i))
					if len(values) == cap(values) || i == each-1 || i%3 == 0 {
						if err := put(ctx, values); err != nil {
							t.Error(err)
							return
						}
						values = values[:0]
					}
				}
			}()
		}
		seen := make([][]uint64, consumers)
		var consuming sync.WaitGroup
		for c := range consumers {
			consuming.Add(1)
			go func() {
				defer consuming.Done()
				batch := make([]uint64, 1+c*5)
				for {
					n, err := get(ctx, batch)
					if errors.Is(err, ErrClosed) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					seen[c] = append(seen[c], batch[:n]...)
				}
			}()
		}
		producing.Wait()
		shutdown()
		consuming.Wait()
		count := make([]uint8, producers*each)
		var sum uint64
		for _, values := range seen {
			for _, v := range values {
				count[v]++
				sum += v
			}
		}
		for v, c := range count {
			if c != 1 {
				t.Fatalf("item %d arrived %d times", v, c)
			}
		}
		total := uint64(producers * each)
		if sum != total*(total-1)/2 {
			t.Fatalf("checksum %d", sum)
		}
	}
	t.Run("u64", func(t *testing.T) {
		q := cleanup(t, must(NewU64Queue(QueueFIFO, 32))(t))
		run(t, func(ctx context.Context, values []uint64) error {
			if len(values) == 1 {
				return q.Put(ctx, values[0])
			}
			_, err := q.PutMany(ctx, values)
			return err
		}, func(ctx context.Context, dst []uint64) (int, error) {
			if len(dst) == 1 {
				v, err := q.Get(ctx)
				dst[0] = v
				return 1, err
			}
			return q.GetMany(ctx, dst)
		}, func() { q.Shutdown(false) })
	})
	t.Run("strings", func(t *testing.T) {
		q := cleanup(t, must(NewQueue[string](StringCodec{}, 32))(t))
		cancellable, cancel := context.WithCancel(context.Background())
		defer cancel()
		run(t, func(ctx context.Context, values []uint64) error {
			words := make([]string, len(values))
			for i, v := range values {
				words[i] = fmt.Sprint(v)
			}
			if len(words) == 1 {
				return q.Put(cancellable, words[0])
			}
			_, err := q.PutMany(ctx, words)
			return err
		}, func(ctx context.Context, dst []uint64) (int, error) {
			words := make([]string, len(dst))
			var n int
			var err error
			if len(dst) == 1 {
				words[0], err = q.Get(cancellable)
				n = 1
			} else {
				n, err = q.GetMany(ctx, words)
			}
			for i := range n {
				fmt.Sscan(words[i], &dst[i])
			}
			return n, err
		}, func() { q.Shutdown(false) })
	})
}

func TestQueueBadInput(t *testing.T) {
	ctx := context.Background()
	_, err := NewQueue[string](nil, 0)
	wantStatus(t, "nil codec", err, ErrNullPointer)
	_, err = NewQueue[string](StringCodec{}, -1)
	wantStatus(t, "negative maxsize", err, ErrInvalidArgument)
	_, err = NewQueueWithOptions[string](StringCodec{}, QueueOptions{MaxItemSize: -1})
	wantStatus(t, "negative item size", err, ErrInvalidArgument)
	_, err = NewQueueWithOptions[string](StringCodec{}, QueueOptions{Kind: 7})
	wantStatus(t, "unknown kind", err, ErrInvalidArgument)
	_, err = NewU64Queue(-1, 0)
	wantStatus(t, "unknown kind (u64)", err, ErrInvalidArgument)
	_, err = NewU64Queue(QueueFIFO, -1)
	wantStatus(t, "negative maxsize (u64)", err, ErrInvalidArgument)

	topic := cleanup(t, must(NewTopic())(t))
	wantStatus(t, "Subscribe(nil)", topic.Subscribe(nil), ErrNullPointer)
	wantStatus(t, "Unsubscribe(nil)", topic.Unsubscribe(nil), ErrNullPointer)

	// Messages that do not decode: reported, taken off the queue, and the
	// next item is fine. The topic delivers raw bytes of any length to
	// queues of messages.
	u := cleanup(t, must(NewQueue[uint64](FixedCodec[uint64]{}, 0))(t))
	small := cleanup(t, must(NewQueue[int16](FixedCodec[int16]{}, 0))(t))
	topic.Subscribe(u)
	topic.Subscribe(small)
	topic.Publish(ctx, []byte{1, 2, 3})
	eight := binary.NativeEndian.AppendUint64(nil, 0x0102030405060708)
	topic.Publish(ctx, eight)
	_, err = u.Get(ctx)
	wantStatus(t, "3-byte message as uint64", err, ErrInvalidArgument)
	if v, err := u.Get(ctx); v != 0x0102030405060708 || err != nil {
		t.Fatalf("next item %#x %v", v, err)
	}
	_, err = small.Get(ctx)
	wantStatus(t, "3-byte message as int16", err, ErrInvalidArgument)
	_, err = small.Get(ctx)
	wantStatus(t, "8-byte message as int16", err, ErrInvalidArgument)

	// A u64 batch stops before an item of another length; one starting
	// with such an item reports it and takes it off the queue.
	if err := topic.Unsubscribe(small); err != nil {
		t.Fatal(err)
	}
	topic.Publish(ctx, eight)
	topic.Publish(ctx, []byte{9})
	topic.Publish(ctx, eight)
	batch := make([]uint64, 4)
	n, err := u.GetMany(ctx, batch)
	if n != 1 || err != nil {
		t.Fatal("u64 batch before an item of another length:", n, err)
	}
	n, err = u.GetMany(ctx, batch)
	wantStatus(t, "u64 batch starting with a 1-byte item", err, ErrInvalidArgument)
	if n != 0 {
		t.Fatal(n)
	}
	if n, err = u.GetMany(ctx, batch); n != 1 || err != nil || batch[0] != 0x0102030405060708 {
		t.Fatal(n, err)
	}

	// A queue of 64-bit values takes 8-byte items only: a publish of
	// anything else delivers nothing.
	values := cleanup(t, must(NewU64Queue(QueueFIFO, 0))(t))
	topic.Subscribe(values)
	_, err = topic.Publish(ctx, []byte{1, 2, 3})
	wantStatus(t, "3-byte message to a u64 queue", err, ErrInvalidArgument)
	if values.Len() != 0 || u.Len() != 0 {
		t.Fatal("a refused publish delivered", values.Len(), u.Len())
	}
	topic.Unsubscribe(values)

	// A generic batch keeps what decodes and reports the first failure.
	topic.Unsubscribe(u)
	topic.Subscribe(small)
	for _, message := range [][]byte{{1, 0}, {1, 2, 3}, {2, 0}} {
		topic.Publish(ctx, message)
	}
	pairs := make([]int16, 4)
	n, err = small.GetMany(ctx, pairs)
	wantStatus(t, "batch with an item that does not decode", err, ErrInvalidArgument)
	if n != 2 || pairs[0] != int16(binary.NativeEndian.Uint16([]byte{1, 0})) || pairs[1] != int16(binary.NativeEndian.Uint16([]byte{2, 0})) {
		t.Fatal("decoded items", n, pairs[:n])
	}
}

func TestQueueRawInterop(t *testing.T) {
	// The message of a FixedCodec uint64 is the 8 native-endian bytes C
	// reads with ac_queue_get_u64, and BytesCodec sees the same bytes.
	ctx := context.Background()
	topic := cleanup(t, must(NewTopic())(t))
	raw := cleanup(t, must(NewQueue[[]byte](BytesCodec{}, 0))(t))
	numbers := cleanup(t, must(NewQueue[float64](FixedCodec[float64]{}, 0))(t))
	topic.Subscribe(raw)
	topic.Subscribe(numbers)
	message := binary.NativeEndian.AppendUint64(nil, 0x400921fb54442d18) // pi
	topic.Publish(ctx, message)
	if got, _ := raw.Get(ctx); !bytes.Equal(got, message) {
		t.Fatal("raw bytes", got)
	}
	if got, _ := numbers.Get(ctx); got != 3.141592653589793 {
		t.Fatal("float64", got)
	}
	var codec FixedCodec[uint32]
	if encoded := codec.Encode(0xdeadbeef, nil); !bytes.Equal(encoded, binary.NativeEndian.AppendUint32(nil, 0xdeadbeef)) {
		t.Fatal("uint32 encoding", encoded)
	}
}

func TestQueueFinalizers(t *testing.T) {
	// Queues and topics dropped without Close are released by finalizers.
	for range 100 {
		q := must(NewQueue[string](StringCodec{}, 0))(t)
		q.Put(context.Background(), "left behind")
		must(NewTopic())(t).Subscribe(q)
	}
	runtime_GC()
}
