"""The same queue-semantics tests, run against ``queue`` and ``allcore``.

Each test takes ``api``, a namespace with ``Queue``, ``LifoQueue``,
``PriorityQueue``, ``SimpleQueue``, ``Empty`` and ``Full`` from one of the two
modules: passing on both is what "drop-in replacement" means here. The cases
follow CPython's ``Lib/test/test_queue.py``.
"""

import queue
import threading
import time
import types

import pytest
from _threads import finish, start

import allcore

NAMES = ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "Empty", "Full")
SHORT = 0.05  # a timeout that must expire
LONG = 10.0  # a wait that must not time out
HAS_SHUTDOWN = hasattr(queue, "ShutDown")


def make_api(request):
    module = queue if request.param == "queue" else allcore
    namespace = types.SimpleNamespace(
        name=request.param, **{name: getattr(module, name) for name in NAMES}
    )
    if HAS_SHUTDOWN or module is allcore:
        namespace.ShutDown = module.ShutDown
    return namespace


@pytest.fixture(params=["queue", "allcore"])
def api(request):
    return make_api(request)


# ------------------------------------------------------------------ order


def test_fifo_order(api):
    q = api.Queue()
    for item in range(10):
        q.put(item)
    assert [q.get() for _ in range(10)] == list(range(10))


def test_lifo_order(api):
    q = api.LifoQueue()
    for item in range(10):
        q.put(item)
    assert [q.get() for _ in range(10)] == list(range(9, -1, -1))


def test_priority_order(api):
    q = api.PriorityQueue()
    items = [(5, "e"), (1, "a"), (3, "c"), (2, "b"), (4, "d"), (-7, "neg")]
    for item in items:
        q.put(item)
    assert [q.get() for _ in items] == sorted(items)


def test_priority_plain_ints(api):
    q = api.PriorityQueue()
    for item in (3, 1, 2, 2**40, -5):
        q.put(item)
    assert [q.get() for _ in range(5)] == [-5, 1, 2, 3, 2**40]


def test_simple_queue(api):
    q = api.SimpleQueue()
    assert q.empty() and q.qsize() == 0
    q.put("a")
    q.put("b", block=False)
    q.put("c", timeout=1)
    q.put_nowait("d")
    assert q.qsize() == 4 and not q.empty()
    assert [q.get(), q.get(False), q.get(timeout=1), q.get_nowait()] == list("abcd")
    with pytest.raises(api.Empty):
        q.get_nowait()
    with pytest.raises(api.Empty):
        q.get(timeout=SHORT)


# ------------------------------------------------------ sizes and limits


def test_sizes(api):
    q = api.Queue(3)
    assert q.maxsize == 3
    assert q.empty() and not q.full() and q.qsize() == 0
    for item in range(3):
        q.put(item)
    assert q.full() and not q.empty() and q.qsize() == 3


@pytest.mark.parametrize("maxsize", [0, -1, -100])
def test_nonpositive_maxsize_is_unbounded(api, maxsize):
    q = api.Queue(maxsize)
    assert q.maxsize == maxsize
    for item in range(1000):
        q.put_nowait(item)
    assert not q.full() and q.qsize() == 1000


def test_full_and_empty_raise(api):
    q = api.Queue(1)
    with pytest.raises(api.Empty):
        q.get_nowait()
    with pytest.raises(api.Empty):
        q.get(block=False)
    q.put_nowait(1)
    with pytest.raises(api.Full):
        q.put_nowait(2)
    with pytest.raises(api.Full):
        q.put(2, block=False)
    with pytest.raises(api.Full):
        q.put(2, timeout=SHORT)
    assert q.get() == 1
    with pytest.raises(api.Empty):
        q.get(timeout=SHORT)


def test_timeouts_are_honoured(api):
    q = api.Queue(1)
    began = time.monotonic()
    with pytest.raises(api.Empty):
        q.get(timeout=0.2)
    assert time.monotonic() - began >= 0.19
    q.put(1)
    began = time.monotonic()
    with pytest.raises(api.Full):
        q.put(2, timeout=0.2)
    assert time.monotonic() - began >= 0.19
    with pytest.raises(api.Empty):
        api.Queue().get(timeout=0)


def test_negative_timeout_is_a_value_error(api):
    q = api.Queue(1)
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    q.put(1)
    with pytest.raises(ValueError):
        q.put(2, timeout=-1)


def test_put_blocks_until_room(api):
    q = api.Queue(1)
    q.put("first")
    thread = start(q.put, "second")
    time.sleep(SHORT)
    assert thread.is_alive() and q.qsize() == 1
    assert q.get() == "first"
    finish(thread)
    assert q.get(timeout=LONG) == "second"


def test_get_blocks_until_an_item(api):
    q = api.Queue()
    got = []
    thread = start(lambda: got.append(q.get()))
    time.sleep(SHORT)
    assert thread.is_alive()
    q.put("item")
    finish(thread)
    assert got == ["item"]


def test_get_with_timeout_receives_a_late_item(api):
    q = api.Queue()
    got = []
    thread = start(lambda: got.append(q.get(timeout=LONG)))
    time.sleep(SHORT)
    q.put(42)
    finish(thread)
    assert got == [42]


# --------------------------------------------------------- task tracking


def test_task_done_and_join(api):
    q = api.Queue()
    processed = []

    def worker():
        while True:
            item = q.get()
            if item is None:
                q.task_done()
                return
            processed.append(item)
            q.task_done()

    workers = [start(worker) for _ in range(3)]
    for item in range(100):
        q.put(item)
    q.join()
    assert sorted(processed) == list(range(100))
    for _ in workers:
        q.put(None)
    q.join()
    finish(*workers)


def test_task_done_too_many_times(api):
    q = api.Queue()
    with pytest.raises(ValueError, match="task_done\\(\\) called too many times"):
        q.task_done()
    q.put(1)
    q.get()
    q.task_done()
    with pytest.raises(ValueError, match="too many times"):
        q.task_done()


def test_join_waits_for_task_done(api):
    q = api.Queue()
    q.put(1)
    joined = threading.Event()
    thread = start(lambda: (q.join(), joined.set()))
    time.sleep(SHORT)
    assert not joined.is_set()
    q.get()
    q.task_done()
    finish(thread)
    assert joined.is_set()


# -------------------------------------------------- producers/consumers


@pytest.mark.parametrize("kind", ["Queue", "LifoQueue", "SimpleQueue"])
def test_many_producers_and_consumers_lose_nothing(api, kind):
    q = getattr(api, kind)(*([] if kind == "SimpleQueue" else [8]))
    producers, consumers, per_producer = 4, 4, 1500
    got = [[] for _ in range(consumers)]

    def produce(start_at):
        for item in range(start_at, start_at + per_producer):
            q.put(item)

    def consume(index):
        mine = got[index]
        while True:
            item = q.get(timeout=LONG)
            if item == -1:
                return
            mine.append(item)

    consumer_threads = [start(consume, index) for index in range(consumers)]
    producer_threads = [start(produce, index * per_producer) for index in range(producers)]
    finish(*producer_threads)
    deadline = time.monotonic() + LONG
    while not q.empty() and time.monotonic() < deadline:  # LIFO: stop markers go on top
        time.sleep(0.01)
    for _ in range(consumers):
        q.put(-1)
    finish(*consumer_threads)
    everything = sorted(item for mine in got for item in mine)
    assert everything == list(range(producers * per_producer))


# --------------------------------------------------------------- objects

OBJECTS = [
    b"",
    b"raw bytes",
    bytes(range(256)),
    "",
    "text",
    "h\u00e9llo w\u00f6rld \u2603 \U0001f600",
    0,
    -1,
    2**63 - 1,
    -(2**63),
    2**64,
    -(2**200),
    None,
    True,
    1.5,
    (1, "a", b"b"),
    [1, [2, [3]]],
    {"key": ("value", 1)},
    {1, 2, 3},
]


def test_objects_round_trip(api):
    q = api.Queue()
    for item in OBJECTS:
        q.put(item)
    for item in OBJECTS:
        got = q.get()
        assert got == item and type(got) is type(item)


# -------------------------------------------------------------- shutdown


# queue.Queue.shutdown exists from Python 3.13: before that, these run
# against allcore alone.
@pytest.fixture(params=["queue", "allcore"] if HAS_SHUTDOWN else ["allcore"])
def shutdown_api(request):
    return make_api(request)


def test_shutdown_put_raises_get_drains(shutdown_api):
    api = shutdown_api
    q = api.Queue()
    q.put(1)
    q.put(2)
    q.shutdown()
    with pytest.raises(api.ShutDown):
        q.put(3)
    assert q.get() == 1
    assert q.get_nowait() == 2
    with pytest.raises(api.ShutDown):
        q.get()
    with pytest.raises(api.ShutDown):
        q.get_nowait()


def test_shutdown_immediate_discards(shutdown_api):
    api = shutdown_api
    q = api.Queue()
    for item in range(3):
        q.put(item)
    q.shutdown(immediate=True)
    with pytest.raises(api.ShutDown):
        q.get()
    q.join()  # discarded items count as done


def test_shutdown_wakes_blocked_getters_and_putters(shutdown_api):
    api = shutdown_api
    empty, full = api.Queue(), api.Queue(1)
    full.put(0)
    raised = []

    def wait(call):
        try:
            call()
        except api.ShutDown:
            raised.append(True)

    threads = [start(wait, empty.get), start(wait, lambda: full.put(1))]
    time.sleep(SHORT)
    empty.shutdown()
    full.shutdown()
    finish(*threads)
    assert raised == [True, True]
