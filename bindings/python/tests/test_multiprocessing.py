"""allcore.multiprocessing across real processes, under every start method,
including processes killed with SIGKILL while they put, get or hold a lock."""

import functools
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
import warnings

import pytest

from allcore import ClosedError
from allcore import multiprocessing as amp
from allcore._queue import ShutDown

METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]


@pytest.fixture(params=METHODS)
def context(request):
    return multiprocessing.get_context(request.param)


def _producer(q, start, count):
    for i in range(start, start + count):
        q.put(i)


def _echo(inbox, outbox):
    while True:
        item = inbox.get()
        if item is None:
            return
        outbox.put(item)


def _locker(lock, counter, rounds):
    for _ in range(rounds):
        with lock, counter.get_lock():
            counter.value = counter.value + 1


def _hold_forever(lock, ready):
    lock.acquire()
    ready.set()
    time.sleep(60)


def _init_worker(q):
    global _worker_queue
    _worker_queue = q


def _pool_task(x):
    _worker_queue.put(x * x)
    return x


def _barrier_party(barrier, results):
    results.put(barrier.wait(timeout=30))


def _joinable_worker(q):
    while True:
        item = q.get()
        q.task_done()
        if item is None:
            return


def test_items_travel_as_multiprocessing_sends_them(context):
    inbox, outbox = amp.Queue(), amp.Queue()
    process = context.Process(target=_echo, args=(inbox, outbox))
    process.start()
    items = [1, -(2**70), "text", b"\xacbytes", b"raw", {"a": [1, 2]}, (None, 1.5), True]
    for item in items:
        inbox.put(item)
    inbox.put(None)
    got = [outbox.get(timeout=30) for _ in items]
    process.join(30)
    assert got == items
    assert [type(item) for item in got] == [type(item) for item in items]


def test_many_producers_keep_their_order(context):
    q = amp.Queue(maxsize=100)
    processes = [context.Process(target=_producer, args=(q, p * 10_000, 2000)) for p in range(3)]
    for process in processes:
        process.start()
    last = {}
    for _ in range(6000):
        value = q.get(timeout=30)
        producer = value // 10_000
        assert value > last.get(producer, -1)
        last[producer] = value
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    with pytest.raises(queue.Empty):
        q.get(timeout=0.01)


def test_locks_and_values_across_processes(context):
    lock = amp.Lock()
    counter = amp.Value("i", 0)
    processes = [context.Process(target=_locker, args=(lock, counter, 200)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert counter.value == 600


def test_pool_initializer_gets_a_queue(context):
    q = amp.Queue()
    with context.Pool(2, initializer=_init_worker, initargs=(q,)) as pool:
        assert sorted(pool.map(_pool_task, range(10))) == list(range(10))
    assert sorted(q.get(timeout=30) for _ in range(10)) == [x * x for x in range(10)]


def test_barrier_and_joinable_queue(context):
    barrier = amp.Barrier(3)
    results = amp.Queue()
    processes = [context.Process(target=_barrier_party, args=(barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    mine = barrier.wait(timeout=30)
    indices = sorted([mine, results.get(timeout=30), results.get(timeout=30)])
    assert indices == [0, 1, 2]
    for process in processes:
        process.join(30)
    q = amp.JoinableQueue()
    worker = context.Process(target=_joinable_worker, args=(q,))
    worker.start()
    for i in range(100):
        q.put(i)
    q.put(None)
    q.join()
    worker.join(30)
    with pytest.raises(ValueError):
        q.task_done()


def test_lock_of_a_killed_holder_is_acquired_with_a_warning(context):
    lock = amp.Lock()
    ready = amp.Event()
    process = context.Process(target=_hold_forever, args=(lock, ready))
    process.start()
    assert ready.wait(30)
    assert not lock.acquire(timeout=0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.join(30)
    with pytest.warns(amp.OwnerDiedWarning):
        assert lock.acquire(timeout=30)
    assert lock.owner_died
    lock.release()


def _put_forever(q):
    i = 0
    while True:
        q.put(("item", i, "x" * (i % 50)))
        i += 1


def _get_forever(q, record):
    while True:
        record.put(q.get())


def test_killed_putters_and_getters_leave_a_whole_queue():
    q = amp.Queue(capacity_bytes=4096)
    record = amp.Queue()
    context = multiprocessing.get_context("fork")
    for round_ in range(10):
        putter = context.Process(target=_put_forever, args=(q,))
        getter = context.Process(target=_get_forever, args=(q, record))
        putter.start()
        getter.start()
        time.sleep(0.02 + 0.005 * round_)
        os.kill(putter.pid, signal.SIGKILL)
        os.kill(getter.pid, signal.SIGKILL)
        putter.join()
        getter.join()
    seen = []
    for source in (record, q):
        while True:
            try:
                seen.append(source.get_nowait())
            except queue.Empty:
                break
    assert seen
    for tag, i, text in seen:
        assert tag == "item" and text == "x" * (i % 50)
    q.put("still works")
    assert q.get(timeout=5) == "still works"


def _put_ints_forever(q):
    i = 0
    while True:
        q.put(i)
        i += 1


def test_killed_putters_leave_unfinished_tasks_counting_committed_items():
    # Each committed item counts as an unfinished task, a put cut short does
    # not: after every round, the items queued are the tasks left.
    q = amp.JoinableQueue(capacity_bytes=1 << 16)
    context = multiprocessing.get_context("fork")
    for round_ in range(20):
        putters = [context.Process(target=_put_ints_forever, args=(q,)) for _ in range(2)]
        for putter in putters:
            putter.start()
        time.sleep(0.01 + 0.002 * round_)
        for putter in putters:
            os.kill(putter.pid, signal.SIGKILL)
        for putter in putters:
            putter.join()
        taken = 0
        while True:
            try:
                q.get_nowait()
            except queue.Empty:
                break
            q.task_done()
            taken += 1
        assert taken > 0
        with pytest.raises(ValueError):
            q.task_done()
        joined = threading.Thread(target=q.join, daemon=True)
        joined.start()
        joined.join(5)
        assert not joined.is_alive()


def _mark(q, what):
    q.put(what)


def _barrier_then_mark(barrier, q):
    barrier.wait(timeout=30)
    q.put("passed")


def test_barrier_action_runs_before_any_party_is_released(context):
    q = amp.Queue()
    for _ in range(3):
        barrier = amp.Barrier(3, action=functools.partial(_mark, q, "action"))
        processes = [
            context.Process(target=_barrier_then_mark, args=(barrier, q)) for _ in range(2)
        ]
        for process in processes:
            process.start()
        _barrier_then_mark(barrier, q)
        for process in processes:
            process.join(30)
        assert [q.get(timeout=30) for _ in range(4)] == ["action"] + ["passed"] * 3


def _wait_without_timeout(barrier, results):
    try:
        barrier.wait()
        results.put("passed")
    except amp.BrokenBarrierError:
        results.put("broken")


def test_a_party_killed_in_its_action_breaks_the_barrier():
    context = multiprocessing.get_context("fork")
    for _ in range(3):
        results = amp.Queue()
        ready = amp.Event()
        barrier = amp.Barrier(3, action=functools.partial(_set_and_sleep, ready))
        waiters = [
            context.Process(target=_wait_without_timeout, args=(barrier, results)) for _ in range(2)
        ]
        for waiter in waiters:
            waiter.start()
        while barrier.n_waiting < 2:
            time.sleep(0.005)
        last = context.Process(target=barrier.wait)
        last.start()
        assert ready.wait(30)
        os.kill(last.pid, signal.SIGKILL)
        last.join()
        assert [results.get(timeout=30) for _ in range(2)] == ["broken", "broken"]
        for waiter in waiters:
            waiter.join(30)
        assert barrier.broken


def _set_and_sleep(event):
    event.set()
    time.sleep(60)


def _scale(value, array, raw):
    with value.get_lock():
        value.value *= 2
    with array.get_lock():
        array[:] = [x * 2 for x in array[:]]
    raw[1] = -1.5


def test_float_values_and_arrays_are_shared(context):
    value = amp.Value("d", 1.25)
    array = amp.Array("f", [0.5, 1.5, 2.5])
    raw = amp.Array("d", 3, lock=False)
    assert isinstance(raw, amp.RawArray) and not hasattr(raw, "get_lock")
    assert list(raw) == [0.0, 0.0, 0.0]
    process = context.Process(target=_scale, args=(value, array, raw))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert value.value == 2.5
    assert array[:] == [1.0, 3.0, 5.0] and array[1:] == [3.0, 5.0] and len(array) == 3
    assert raw[:] == [0.0, -1.5, 0.0]
    assert pickle.loads(pickle.dumps(value)).value == 2.5
    text = amp.Array("c", b"hello")
    assert text.value == b"hello" and text.raw == b"hello"


def test_batches_bounds_and_shutdown():
    q = amp.Queue(maxsize=3)
    q.put_many([1, "two", b"three"])
    assert q.full() and q.qsize() == 3
    with pytest.raises(queue.Full):
        q.put(4, timeout=0.01)
    with pytest.raises(queue.Full):
        q.put_nowait(4)
    assert q.get_many(10) == [1, "two", b"three"]
    with pytest.raises(queue.Empty):
        q.get_nowait()
    big = amp.Queue()
    items = [bytes(range(256)) * 100, "é" * 10_000, list(range(1000))]
    big.put_many(items)
    assert big.get_many(10) == items
    q.put("last")
    q.shutdown()
    with pytest.raises(ShutDown):
        q.put(1)
    assert q.get() == "last"
    with pytest.raises(ShutDown):
        q.get()
    q.close()
    with pytest.raises(ValueError):
        q.get()


def test_sync_objects_in_one_process():
    semaphore = amp.BoundedSemaphore(2)
    assert semaphore.acquire() and semaphore.acquire()
    assert not semaphore.acquire(timeout=0.01)
    semaphore.release()
    semaphore.release()
    with pytest.raises(ValueError):
        semaphore.release()
    assert amp.Semaphore(0).get_value() == 0
    rlock = amp.RLock()
    with rlock, rlock:
        assert rlock._is_owned()
    with pytest.raises(AssertionError):
        rlock.release()
    lock = amp.Lock()
    with pytest.raises(ValueError):
        lock.release()
    event = amp.Event()
    assert not event.wait(0.01)
    event.set()
    assert event.wait() and event.is_set()
    barrier = amp.Barrier(2, timeout=0.01)
    with pytest.raises(amp.BrokenBarrierError):
        barrier.wait()
    assert barrier.broken
    barrier.reset()
    assert not barrier.broken and barrier.parties == 2


def test_objects_pickle_by_name_and_go_with_their_last_user():
    q = amp.Queue()
    name = q.name
    other = pickle.loads(pickle.dumps(q))
    other.put(5)
    assert q.get() == 5
    assert os.path.exists(f"/dev/shm/{name}")
    del q, other
    assert not os.path.exists(f"/dev/shm/{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lock = amp.Lock()
        assert lock.acquire()
        assert not lock.owner_died


def _wait_closed(kind, obj, ready, results):
    ready.release()
    try:
        if kind in ("lock", "semaphore"):
            obj.acquire(timeout=30)
        elif kind in ("event", "barrier"):
            obj.wait(30)
        else:
            with obj:
                obj.wait(30)
        results.put((kind, "no error"))
    except ClosedError:
        results.put((kind, "closed"))


def test_shutdown_wakes_waiters_of_other_processes(context):
    lock, semaphore, event = amp.Lock(), amp.Semaphore(0), amp.Event()
    barrier, condition = amp.Barrier(2), amp.Condition()
    ready, results = amp.Semaphore(0), amp.Queue()
    lock.acquire()
    objects = {
        "lock": lock,
        "semaphore": semaphore,
        "event": event,
        "barrier": barrier,
        "condition": condition,
    }
    processes = [
        context.Process(target=_wait_closed, args=(kind, obj, ready, results))
        for kind, obj in objects.items()
    ]
    for process in processes:
        process.start()
    for _ in processes:
        assert ready.acquire(timeout=30)
    time.sleep(0.1)
    for obj in objects.values():
        obj.shutdown()
    got = dict(results.get(timeout=30) for _ in processes)
    assert got == {kind: "closed" for kind in objects}
    for process in processes:
        process.join(30)
    lock.release()  # the holder still may
    with pytest.raises(ClosedError):
        lock.acquire(timeout=1)
    with pytest.raises(ClosedError):
        event.wait(1)


def _wait_on(condition, sleeping, woken):
    with condition:
        sleeping.release()
        if condition.wait(30):
            woken.put(os.getpid())


def test_condition_skips_a_killed_waiter(context):
    condition = amp.Condition(amp.Lock())
    sleeping, woken = amp.Semaphore(0), amp.Queue()
    victim = context.Process(target=_wait_on, args=(condition, sleeping, woken))
    victim.start()
    assert sleeping.acquire(timeout=30)
    with condition:  # the victim sleeps once it let go of the lock
        pass
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(30)
    survivor = context.Process(target=_wait_on, args=(condition, sleeping, woken))
    survivor.start()
    assert sleeping.acquire(timeout=30)
    with condition:
        condition.notify()
    assert woken.get(timeout=30) == survivor.pid
    survivor.join(30)
    with pytest.raises(AssertionError):
        condition.notify()
    with condition:
        assert not condition.wait(0.01)
        assert condition.wait_for(lambda: 7, timeout=0) == 7
    with pytest.raises(TypeError):
        amp.Condition(threading.Lock())
