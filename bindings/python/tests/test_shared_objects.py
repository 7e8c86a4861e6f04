"""One allcore Queue and ThreadPool shared with a C library and a Go
c-shared library in one Python process (examples/shared_objects), and the
handle API every object has for it."""

import ctypes
import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import allcore
from allcore import _ffi, _lib

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shared_objects" / "shared_objects.py"
SOURCE = Path(__file__).resolve().parents[1] / "src"


def test_c_and_go_libraries_feed_one_queue_from_allcores_pool():
    for tool in ("gcc", "go", "pkg-config"):
        assert shutil.which(tool), f"{tool} is needed to build the example's libraries"
    env = dict(os.environ, PYTHONPATH=str(SOURCE))
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "4000 messages from C and Go on allcore's pool, one allcore: ok\n"


@pytest.mark.parametrize(
    "make",
    [
        allcore.Lock,
        allcore.RLock,
        allcore.Event,
        lambda: allcore.Semaphore(2),
        allcore.Queue,
        allcore.Topic,
    ],
)
def test_objects_pass_to_ctypes_as_their_handle(make):
    thing = make()
    address = thing.handle
    assert isinstance(address, int) and address
    # `_as_parameter_`: the object itself passes as its handle.
    kind = type(thing).__name__
    retain = {
        "Lock": "ac_mutex_retain",
        "RLock": "ac_rlock_retain",
        "Event": "ac_event_retain",
        "Semaphore": "ac_semaphore_retain",
        "Queue": "ac_queue_retain",
        "Topic": "ac_topic_retain",
    }[kind]
    function = _lib.library[retain]
    function.restype = ctypes.c_void_p
    assert function(thing) == address
    # The extra reference keeps the native object after Python closes its own.
    release = _lib.library[retain.replace("retain", "release")]
    thing.close()
    with pytest.raises(allcore.ClosedError):
        _ = thing.handle
    release(ctypes.c_void_p(address))


def test_a_thread_pool_passes_as_its_handle():
    with allcore.ThreadPool(1) as pool:
        address = pool.handle
        assert isinstance(address, int) and address
        stats = _lib.library.ac_pool_get_stats
        assert stats(pool, None) != 0  # a NULL out-parameter is refused, for this pool
    with pytest.raises(RuntimeError):
        _ = pool.handle


def test_from_handle_adopts_the_same_native_object():
    lock = allcore.Lock()
    other = allcore.Lock.from_handle(lock.handle)
    assert other.handle == lock.handle
    assert other.acquire(timeout=1)
    assert lock.locked()
    # Closing the adopted copy releases its reference only.
    other.close()
    assert lock.locked()
    lock.release()
    assert lock.acquire(blocking=False)
    lock.release()
    lock.close()

    event = allcore.Event()
    adopted = allcore.Event.from_handle(event.handle)
    event.set()
    assert adopted.wait(1)
    event.close()
    assert adopted.is_set()  # the native event outlives the creator's close
    adopted.close()

    counter = allcore.AtomicCounter(5)
    assert allcore.AtomicCounter.from_handle(counter.handle).load() == 5


def test_from_handle_refuses_null():
    with pytest.raises(ValueError):
        allcore.Lock.from_handle(0)


def test_closing_a_python_lock_closes_it_for_every_owner_and_keeps_its_memory():
    lock = allcore.Lock()
    retain = _lib.library["ac_mutex_retain"]
    retain.restype = ctypes.c_void_p
    address = retain(lock)
    lock.close()
    # The creator closed it: the C owner's reference holds a closed mutex.
    handle = ctypes.c_void_p(address)
    assert _lib.library["ac_mutex_lock_timeout"](handle, ctypes.c_int64(0)) == _ffi.AC_CLOSED
    _lib.library["ac_mutex_release"](handle)


def test_closing_an_adopted_lock_leaves_it_open_for_its_creator():
    lock = allcore.Lock()
    adopted = allcore.Lock.from_handle(lock.handle)
    adopted.close()
    assert lock.acquire(timeout=1)
    lock.release()
    lock.close()


def test_queue_from_handle_shares_items_and_bound():
    q = allcore.Queue(2)
    other = allcore.Queue.from_handle(q.handle)
    assert other.maxsize == 2
    item = {"shared": True}
    other.put(item)
    assert q.get() is item  # one native queue, references kept
    other.put(1)
    other.put(2)
    with pytest.raises(queue.Full):
        other.put(3, timeout=0.01)  # the native bound holds for the adopter
    other.close()
    assert q.get() == 1  # closing the adopter leaves the queue to its creator
    q.close()
    with pytest.raises(TypeError):
        allcore.PriorityQueue.from_handle(1)


def test_queue_from_handle_of_a_message_queue_made_by_c():
    handle = ctypes.c_void_p()
    assert _ffi.ac_queue_new(_ffi.AC_QUEUE_FIFO, 0, 0, ctypes.byref(handle)) == _ffi.AC_OK
    q = allcore.Queue.from_handle(handle.value)
    _ffi.ac_queue_release(handle)  # the adopter's reference keeps it
    q.put_many([b"raw", "text"])
    q.put(7)
    assert [q.get(), q.get(), q.get()] == [b"raw", "text", 7]
    with pytest.raises(TypeError, match="messages only"):
        q.put(object())
    assert q.qsize() == 0
    q.close()


def test_topic_condition_and_barrier_from_handle():
    topic = allcore.Topic()
    subscriber = allcore.Queue()
    allcore.Topic.from_handle(topic.handle).subscribe(subscriber)
    assert topic.publish("news") == 1 and subscriber.get() == "news"

    lock = allcore.Lock()
    condition = allcore.Condition(lock)
    adopted = allcore.Condition.from_handle(condition.handle, lock)
    woke = []

    def wait() -> None:
        with adopted:
            woke.append(adopted.wait(10))

    thread = threading.Thread(target=wait)
    thread.start()
    while not woke and thread.is_alive():
        with condition:
            condition.notify()
        thread.join(0.01)
    assert woke == [True]

    barrier = allcore.Barrier(2)
    other = allcore.Barrier.from_handle(barrier.handle)
    assert other.parties == 2
    results = []
    thread = threading.Thread(target=lambda: results.append(other.wait(10)))
    thread.start()
    results.append(barrier.wait(10))
    thread.join()
    assert sorted(results) == [0, 1]
    with pytest.raises(TypeError):
        _ = allcore.Barrier(2, action=lambda: None).handle


def test_thread_pool_from_handle_runs_on_the_same_workers():
    with allcore.ThreadPool(2) as pool:
        adopted = allcore.ThreadPool.from_handle(pool.handle)
        assert adopted.submit(lambda: 6 * 7).result(10) == 42
        assert adopted.stats().workers == 2
        adopted.shutdown()  # stops this object only
        with pytest.raises(RuntimeError):
            adopted.submit(int)
        assert pool.submit(int, "5").result(10) == 5
        adopted.close()
