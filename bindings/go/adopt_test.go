package allcore

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAdoptedPoolAndQueueShareTheNativeObjects(t *testing.T) {
	ctx := context.Background()
	pool, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	queue, err := NewU64Queue(QueueFIFO, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer queue.Close()

	adoptedPool, err := PoolFromHandle(pool.Handle())
	if err != nil {
		t.Fatal(err)
	}
	adoptedQueue, err := QueueFromHandle(FixedCodec[uint64]{}, queue.Handle())
	if err != nil {
		t.Fatal(err)
	}
	if adoptedPool.Handle() != pool.Handle() || adoptedQueue.Handle() != queue.Handle() {
		t.Fatal("an adopted object has another handle")
	}
	future, err := adoptedPool.Submit(func() int64 {
		if err := adoptedQueue.Put(ctx, 42); err != nil {
			return -1
		}
		return 1
	})
	if err != nil {
		t.Fatal(err)
	}
	if value, err := future.Result(ctx); err != nil || value != 1 {
		t.Fatalf("task: %d, %v", value, err)
	}
	if value, err := queue.Get(ctx); err != nil || value != 42 {
		t.Fatalf("get: %d, %v", value, err)
	}

	// Closing the adopted copies releases their references only.
	if err := adoptedQueue.Close(); err != nil {
		t.Fatal(err)
	}
	if err := adoptedPool.Close(); err != nil {
		t.Fatal(err)
	}
	if err := queue.Put(ctx, 7); err != nil {
		t.Fatalf("the queue closed with its adopted copy: %v", err)
	}
	future, err = pool.Submit(func() int64 { return 3 })
	if err != nil {
		t.Fatalf("the pool closed with its adopted copy: %v", err)
	}
	if value, err := future.Result(ctx); err != nil || value != 3 {
		t.Fatalf("task: %d, %v", value, err)
	}
	if _, err := adoptedQueue.Get(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("get on a closed adopted queue: %v", err)
	}
}

func TestFromHandleRefusesNil(t *testing.T) {
	if _, err := PoolFromHandle(nil); !errors.Is(err, ErrNullPointer) {
		t.Fatalf("PoolFromHandle(nil): %v", err)
	}
	if _, err := QueueFromHandle(FixedCodec[uint64]{}, nil); !errors.Is(err, ErrNullPointer) {
		t.Fatalf("QueueFromHandle(nil): %v", err)
	}
}

func TestAdoptedLocksAndCountersShareTheNativeObjects(t *testing.T) {
	mutex, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	defer mutex.Close()
	adopted, err := MutexFromHandle(mutex.Handle())
	if err != nil {
		t.Fatal(err)
	}
	adopted.Lock()
	if mutex.TryLock() {
		t.Fatal("the adopted mutex is another mutex")
	}
	adopted.Unlock()
	if err := adopted.Close(); err != nil {
		t.Fatal(err)
	}
	if !mutex.TryLock() {
		t.Fatal("closing the adopted copy closed the mutex")
	}
	mutex.Unlock()

	counter, err := NewCounter(5)
	if err != nil {
		t.Fatal(err)
	}
	defer counter.Close()
	other, err := CounterFromHandle(counter.Handle())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.Handle() != counter.Handle() {
		t.Fatal("an adopted counter has another handle")
	}
	for _, adopt := range []func() error{
		func() error { _, err := RLockFromHandle(nil); return err },
		func() error { _, err := RWMutexFromHandle(nil); return err },
		func() error { _, err := SemaphoreFromHandle(nil); return err },
	} {
		if err := adopt(); !errors.Is(err, ErrNullPointer) {
			t.Fatalf("FromHandle(nil): %v", err)
		}
	}
}

func TestAnAdoptedEventSeesTheSameFlagAndItsCloseSetsNothing(t *testing.T) {
	event, err := NewEvent()
	if err != nil {
		t.Fatal(err)
	}
	defer event.Close()
	adopted, err := EventFromHandle(event.Handle())
	if err != nil {
		t.Fatal(err)
	}
	if err := adopted.Close(); err != nil {
		t.Fatal(err)
	}
	if event.IsSet() {
		t.Fatal("closing the adopted copy set the event")
	}
	again, err := EventFromHandle(event.Handle())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := event.Set(); err != nil {
		t.Fatal(err)
	}
	if !again.IsSet() {
		t.Fatal("the adopted event is another event")
	}
	for _, adopt := range []func() error{
		func() error { _, err := LatchFromHandle(nil); return err },
		func() error { _, err := BarrierFromHandle(nil); return err },
	} {
		if err := adopt(); !errors.Is(err, ErrNullPointer) {
			t.Fatalf("FromHandle(nil): %v", err)
		}
	}
}

func TestAdoptedCondAndTopicShareTheNativeObjects(t *testing.T) {
	mutex, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	defer mutex.Close()
	cond, err := NewCond(mutex)
	if err != nil {
		t.Fatal(err)
	}
	defer cond.Close()
	adopted, err := CondFromHandle(mutex, cond.Handle())
	if err != nil {
		t.Fatal(err)
	}
	if adopted.Handle() != cond.Handle() {
		t.Fatal("an adopted cond has another handle")
	}
	woke := make(chan bool, 1)
	ready := make(chan struct{})
	go func() {
		mutex.Lock()
		close(ready)
		err := adopted.WaitTimeout(10 * time.Second)
		mutex.Unlock()
		woke <- err == nil
	}()
	<-ready
	// The waiter holds the mutex until it waits: once we get it, it waits.
	mutex.Lock()
	cond.Signal()
	mutex.Unlock()
	if !<-woke {
		t.Fatal("a signal on the creator's cond did not wake the adopted cond's waiter")
	}
	if err := adopted.Close(); err != nil {
		t.Fatal(err)
	}

	topic, err := NewTopic()
	if err != nil {
		t.Fatal(err)
	}
	defer topic.Close()
	sub, err := NewQueue(BytesCodec{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	adoptedTopic, err := TopicFromHandle(topic.Handle())
	if err != nil {
		t.Fatal(err)
	}
	if err := adoptedTopic.Subscribe(sub); err != nil {
		t.Fatal(err)
	}
	if err := adoptedTopic.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := topic.Publish(context.Background(), []byte("news")); err != nil || n != 1 {
		t.Fatalf("publish after the adopted copy closed: %d, %v", n, err)
	}
	if _, err := CondFromHandle(nil, cond.Handle()); !errors.Is(err, ErrNullPointer) {
		t.Fatalf("a nil mutex: %v", err)
	}
}
