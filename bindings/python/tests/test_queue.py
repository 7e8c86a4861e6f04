"""allcore's queues beyond ``queue``'s API: wire format, big items, batches,
priorities, topics, close and interrupts."""

import _thread
import ctypes
import queue
import struct
import threading
import time

import pytest
from _threads import LONG, finish, start

import allcore
from allcore import _ffi

SHORT = 0.05


def handle(q):
    return q.handle


def raw_put(q, data):
    """Put ``data`` as a C program would."""
    assert _ffi.ac_queue_put(handle(q), data, len(data)) == _ffi.AC_OK


def raw_get(q):
    """Take one message as a C program would."""
    buffer = ctypes.create_string_buffer(1 << 16)
    length = ctypes.c_size_t()
    status = _ffi.ac_queue_get_timeout(handle(q), buffer, len(buffer), 0, ctypes.byref(length))
    assert status == _ffi.AC_OK
    return buffer.raw[: length.value]


# ----------------------------------------------------------- wire format


def test_raw_bytes_from_c_arrive_as_bytes():
    q = allcore.Queue()
    for data in (b"", b"hello from C", b"\x00\x01\x02", b"\xac", b"\xac\x00", b"\xacz"):
        raw_put(q, data)
        assert q.get() == data


def test_text_from_c_arrives_as_bytes():
    q = allcore.Queue()
    raw_put(q, "caf\u00e9".encode())
    assert q.get() == "caf\u00e9".encode()


def test_wire_format_for_c_and_go_readers():
    q = allcore.Queue()
    q.put(b"plain")
    q.put(b"\xacstarts with the mark")
    q.put("t\u00e9xt")
    q.put(-2)
    q.put(2**70)
    q.put(3.5)
    assert raw_get(q) == b"plain"
    assert raw_get(q) == b"\xacb\xacstarts with the mark"
    assert raw_get(q) == b"\xacs" + "t\u00e9xt".encode()
    assert raw_get(q) == b"\xaci" + struct.pack("<q", -2)
    assert raw_get(q) == b"\xaci" + (2**70).to_bytes(9, "little", signed=True)
    assert raw_get(q) == b"\xacr"  # a Python object C cannot read


def test_tagged_messages_from_c_are_decoded():
    q = allcore.Queue()
    raw_put(q, b"\xacs" + "\u2603".encode())
    raw_put(q, b"\xaci" + struct.pack("<q", 123456789))
    raw_put(q, b"\xacb\xac\xac")
    assert [q.get(), q.get(), q.get()] == ["\u2603", 123456789, b"\xac\xac"]


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class Text(str):
    pass


def test_exotic_objects_keep_their_type():
    q = allcore.Queue()
    items = [Point(1, 2), Text("sub"), "\ud800 lone surrogate", False, frozenset({1})]
    q.put_many(items)
    got = q.get_many(10)
    assert got == items
    assert [type(item) for item in got] == [type(item) for item in items]


def test_items_travel_by_reference():
    def local_function():
        return 42

    class Local:
        pass

    shared = {"count": 0}
    items = [
        lambda: 1,
        local_function,
        Local(),
        threading.Event(),
        (n for n in range(3)),
        shared,
        "text",
        b"bytes",
        12345678901234567890,
        3.5,
    ]
    for factory in (allcore.Queue, allcore.LifoQueue, allcore.SimpleQueue):
        q = factory()
        for item in items:
            q.put(item)
        got = [q.get() for _ in items]
        if factory is allcore.LifoQueue:
            got.reverse()
        assert all(a is b for a, b in zip(got, items))
        q.put_many(items)
        got = q.get_many(100)
        if factory is allcore.LifoQueue:
            got.reverse()
        assert all(a is b for a, b in zip(got, items))
    q = allcore.Queue()
    q.put(shared)
    shared["count"] += 1
    assert q.get()["count"] == 1


def fill_and_drop(factory, drop, refs):
    import gc

    q = factory(10)
    items, weak = refs(4)
    q.put((1, items[0]))
    q.put((1.5, items[1], items[1]))
    q.put_many([(2, items[2]), (3, items[3])])
    del items
    gc.collect()
    assert not any(ref() is None for ref in weak)
    if drop == "shutdown":
        q.shutdown(immediate=True)
    elif drop == "close":
        q.close()
    elif drop == "c_get":
        for _ in range(4):
            assert raw_get(q) == b"\xacr"
    return weak


def test_nothing_leaks():
    import gc
    import weakref

    class Item:
        pass

    def refs(count):
        items = [Item() for _ in range(count)]
        return items, [weakref.ref(item) for item in items]

    # A got item dies with its getter's last reference.
    q = allcore.Queue()
    items, weak = refs(5)
    q.put_many(items)
    del items
    for _ in range(5):
        got = weakref.ref(q.get())
        gc.collect()
        assert got() is None
    assert all(ref() is None for ref in weak)
    # Items dropped by an immediate shutdown, by close, by a collected queue
    # and got by a C program.
    for drop in ("shutdown", "close", "collect", "c_get"):
        for factory in (allcore.Queue, allcore.PriorityQueue):
            weak = fill_and_drop(factory, drop, refs)
            gc.collect()
            assert all(ref() is None for ref in weak), (factory, drop)
    # A put that fails keeps no reference.
    q = allcore.Queue(1)
    q.put(0)
    items, weak = refs(2)
    with pytest.raises(queue.Full):
        q.put(items[0], block=False)
    with pytest.raises(queue.Full):
        q.put_many(items, timeout=SHORT)
    q.shutdown()
    with pytest.raises(allcore.ShutDown):
        q.put(items[1])
    del items
    gc.collect()
    assert all(ref() is None for ref in weak)


# ------------------------------------------------------ big items, buffers


def test_big_items_grow_the_buffer():
    q = allcore.Queue()
    sizes = [10, 600, 70_000, 1 << 20, 3 << 20, 5]
    for size in sizes:
        q.put(bytes([size % 251]) * size)
    for size in sizes:
        assert q.get() == bytes([size % 251]) * size
    q.put("x" * (1 << 20))
    assert q.get_nowait() == "x" * (1 << 20)
    q.put(b"y" * (1 << 20))
    assert q.get(timeout=LONG) == b"y" * (1 << 20)


def test_each_thread_has_its_own_buffer():
    q = allcore.Queue()
    count, per_thread = 4, 300
    got = []
    lock = threading.Lock()

    def consume():
        mine = [q.get(timeout=LONG) for _ in range(per_thread)]
        with lock:
            got.extend(mine)

    threads = [start(consume) for _ in range(count)]
    expected = [bytes([n % 256]) * (n * 37 % 5000) for n in range(count * per_thread)]
    for item in expected:
        q.put(item)
    finish(*threads)
    assert sorted(got) == sorted(expected)


def test_item_over_the_size_limit_is_refused():
    q = allcore.Queue()
    with pytest.raises(ValueError, match="size limit"):
        q.put(b"x" * (_ffi.AC_QUEUE_DEFAULT_MAX_ITEM_SIZE + 1))
    assert q.empty()


# -------------------------------------------------------------- batches


def test_put_many_get_many():
    q = allcore.Queue()
    items = [*range(50), "s", b"b", None, (1, 2)]
    q.put_many(items)
    q.put_many([])
    assert q.qsize() == len(items)
    assert q.get_many(10) == items[:10]
    assert q.get_many(1000) == items[10:]
    with pytest.raises(queue.Empty):
        q.get_many(5, block=False)
    with pytest.raises(queue.Empty):
        q.get_many(5, timeout=SHORT)
    with pytest.raises(ValueError):
        q.get_many(0)
    q.task_done(len(items))
    q.join()


def test_get_many_of_big_items():
    q = allcore.Queue()
    items = [b"a" * 40_000, b"b" * 200_000, b"c", "d" * 100_000]
    q.put_many(items)
    got = []
    while len(got) < len(items):
        got.extend(q.get_many(10, timeout=LONG))
    assert got == items


def test_get_many_waits_for_the_first_item():
    q = allcore.Queue()
    timer = threading.Timer(SHORT, q.put_many, [[1, 2, 3]])
    timer.start()
    got = q.get_many(10, timeout=LONG)
    timer.join()
    got += q.get_many(10, block=False) if q.qsize() else []
    assert got == [1, 2, 3]


def test_put_many_full_reports_how_many_went_in():
    q = allcore.Queue(3)
    with pytest.raises(queue.Full) as raised:
        q.put_many(range(5), block=False)
    assert raised.value.put_count == 3
    assert q.get_many(10) == [0, 1, 2]
    with pytest.raises(queue.Full) as raised:
        q.put_many(range(5), timeout=SHORT)
    assert raised.value.put_count == 3


def test_put_many_into_a_bounded_queue_waits_for_room():
    q = allcore.Queue(4)
    got = []

    def consume():
        while len(got) < 100:
            got.extend(q.get_many(3, timeout=LONG))

    thread = start(consume)
    q.put_many(range(100))
    finish(thread)
    assert got == list(range(100))


def test_priority_put_many():
    q = allcore.PriorityQueue()
    q.put_many([(3, "c"), (1, "a"), (2,)])
    assert q.get_many(5) == [(1, "a"), (2,), (3, "c")]


# ------------------------------------------------------------ priorities


def test_priority_orders_what_heapq_orders():
    import dataclasses
    import heapq
    import random

    @dataclasses.dataclass(order=True)
    class Job:
        priority: float
        name: str = dataclasses.field(compare=False)

    class Reversed:
        def __init__(self, value):
            self.value = value

        def __lt__(self, other):
            return self.value > other.value

    class Payload:  # not orderable
        pass

    randomly = random.Random(5)
    numbers = [
        randomly.choice([randomly.randint(-(2**70), 2**70), randomly.uniform(-1e6, 1e6)])
        for _ in range(200)
    ]
    numbers += [
        0,
        -0.0,
        0.0,
        1,
        1.0,
        True,
        False,
        2**53 + 1,
        float(2**53),
        float("inf"),
        float("-inf"),
        10**400,
        -(10**400),
        2**63,
        -(2**63) - 1,
    ]
    cases = [
        numbers,
        ["", "a", "ab", "b", "\x00", "a\x00b", "\u20ac", "\U0001f600", "z" * 50],
        [b"", b"\x00", b"\x00\x00", b"\x00\xff", b"\x01", b"\xff", b"\xac"],
        [(1, "a"), (1,), (), (0, "z", 3), (1, "a", 2.5), (1, "b"), (-1.5, "y")],
        [((1, 2), b"a"), ((1,), b"b"), ((1, 2, 3), b"c"), ((0, 9), b"d")],
        [Job(3, "c"), Job(1, "a"), Job(2, "b"), Job(1, "a2"), Job(0.5, "first")],
        [Reversed(n) for n in (3, 1, 4, 1, 5, 9, 2, 6)],
    ]
    payloads = [(randomly.randint(0, 20), randomly.random(), Payload()) for _ in range(100)]
    cases.append(payloads)
    cases.append([(n % 7, Job(n % 3, str(n))) for n in range(60)])
    for items in cases:
        randomly.shuffle(items)
        q = allcore.PriorityQueue()
        heap = []
        for item in items:
            q.put(item)
            heapq.heappush(heap, item)
        got = [q.get() for _ in items]
        expected = [heapq.heappop(heap) for _ in items]
        # Equal items may come out in either order; they compare equal.
        assert all(not (a < b) and not (b < a) for a, b in zip(got, expected)), items
        assert sorted(map(id, got)) == sorted(map(id, items))
    q = allcore.PriorityQueue()
    for item in (3, 1.5, True, 2, -1):
        q.put(item)
    assert [q.get() for _ in range(5)] == [-1, True, 1.5, 2, 3]


@pytest.mark.parametrize(
    "first, second",
    [
        (1, "a"),
        ("a", b"a"),
        ((1, "x"), (1, 2)),
        ((1, {"a": 1}), (1, {"b": 2})),
        (1.5, None),
        ({}, {}),
    ],
)
def test_priority_items_that_do_not_compare_raise_in_put(first, second):
    q = allcore.PriorityQueue()
    q.put(first)
    with pytest.raises(TypeError):
        q.put(second)
    assert q.qsize() == 1
    assert q.get() is first
    # A producer that raised leaves no consumer waiting for a phantom item.
    with pytest.raises(queue.Empty):
        q.get(timeout=SHORT)


def test_priority_items_from_c_come_out_by_int64_priority():
    q = allcore.PriorityQueue()
    for priority, data in ((5, b"five"), (-3, b"minus three"), (2**62, b"big")):
        status = _ffi.ac_queue_put_priority(handle(q), data, len(data), priority, 0)
        assert status == _ffi.AC_OK
    assert [q.get(), q.get(), q.get()] == [b"minus three", b"five", b"big"]


# --------------------------------------------------------------- topics


def test_topic_fans_out():
    topic = allcore.Topic()
    queues = [allcore.Queue(), allcore.LifoQueue(), allcore.SimpleQueue()]
    for q in queues:
        topic.subscribe(q)
    assert topic.subscribers == 3
    assert topic.publish("news") == 3
    assert topic.publish({"n": 1}) == 3
    assert [q.get_many(5) for q in queues] == [
        ["news", {"n": 1}],
        [{"n": 1}, "news"],
        ["news", {"n": 1}],
    ]
    topic.unsubscribe(queues[1])
    assert topic.publish(7) == 2
    assert queues[1].empty()
    with pytest.raises(ValueError):
        topic.unsubscribe(queues[1])
    with pytest.raises(ValueError):
        topic.subscribe(queues[0])
    with pytest.raises(TypeError):
        topic.subscribe(queue.Queue())
    topic.close()
    topic.close()
    with pytest.raises(allcore.ClosedError):
        topic.publish(1)
    assert queues[0].get() == 7  # the queues outlive the topic


def test_topic_drop_and_timeout_with_a_full_subscriber():
    topic = allcore.Topic()
    full, roomy = allcore.Queue(1), allcore.Queue()
    topic.subscribe(full)
    topic.subscribe(roomy)
    assert topic.publish(1, timeout=0) == 2
    assert topic.publish(2, timeout=0) == 1  # `full` misses it
    assert topic.publish(3, timeout=SHORT) == 1
    threading.Timer(SHORT, full.get).start()
    assert topic.publish(4) == 2  # back-pressure: waits for room
    assert full.get(timeout=LONG) == 4
    assert roomy.get_many(10) == [1, 2, 3, 4]


def test_topic_subscribe_while_publishing():
    topic = allcore.Topic()
    first = allcore.Queue()
    topic.subscribe(first)
    changed = threading.Event()
    published = []

    def publish():
        n, after_change = 0, 0
        while after_change < 200:  # go on 200 messages past the changes
            topic.publish(n)
            n += 1
            after_change += changed.is_set()
        published.append(n)

    thread = start(publish)
    later = [allcore.Queue() for _ in range(5)]
    for q in later:
        topic.subscribe(q)
    topic.unsubscribe(later[0])
    changed.set()
    finish(thread)
    total = published[0]
    assert first.get_many(total + 1) == list(range(total))
    for q in later:
        got = q.get_many(total + 1, block=False) if q.qsize() else []
        # A subscriber sees a gap-free, duplicate-free run of the messages.
        if q is not later[0]:
            assert got and got[-1] == total - 1
        if got:
            assert got == list(range(got[0], got[0] + len(got)))


def test_closed_or_shut_down_queue_drops_out():
    topic = allcore.Topic()
    kept, closed, shut = allcore.Queue(), allcore.Queue(), allcore.Queue()
    for q in (kept, closed, shut):
        topic.subscribe(q)
    closed.close()
    shut.shutdown()
    assert topic.publish("x") == 1
    assert topic.subscribers == 1


# ------------------------------------------------------- close, shutdown


def test_close_twice_and_use_after_close():
    q = allcore.Queue()
    q.put(1)
    q.close()
    q.close()
    assert q.closed
    for call in (
        lambda: q.put(1),
        q.get,
        q.get_nowait,
        lambda: q.get(timeout=1),
        q.qsize,
        q.empty,
        q.full,
        q.task_done,
        q.join,
        q.shutdown,
        lambda: q.put_many([1]),
        lambda: q.get_many(1),
    ):
        with pytest.raises(allcore.ClosedError, match="closed"):
            call()
    assert "closed" in repr(q)


@pytest.mark.parametrize("kind", ["get", "get_timeout", "put", "join", "get_many"])
def test_close_wakes_waiting_threads(kind):
    q = allcore.Queue(1)
    if kind in ("put", "join"):
        q.put(0)
    call = {
        "get": q.get,
        "get_timeout": lambda: q.get(timeout=LONG),
        "put": lambda: q.put(1),
        "join": q.join,
        "get_many": lambda: q.get_many(4),
    }[kind]
    raised = []

    def wait():
        try:
            call()
        except allcore.ClosedError as error:
            raised.append(error)

    threads = [start(wait) for _ in range(3)]
    time.sleep(0.1)
    q.close()
    finish(*threads)
    assert len(raised) == 3


def test_shutdown_on_every_python():
    q = allcore.Queue()
    q.put("left")
    assert not q.is_shutdown
    q.shutdown()
    q.shutdown()  # again: harmless
    assert q.is_shutdown
    with pytest.raises(allcore.ShutDown):
        q.put_nowait("late")
    assert q.get() == "left"
    with pytest.raises(allcore.ShutDown):
        q.get(timeout=LONG)
    if hasattr(queue, "ShutDown"):
        assert issubclass(allcore.ShutDown, queue.ShutDown)


def test_shutdown_stops_consumers_without_sentinels():
    q = allcore.Queue()
    got = []

    def consume():
        try:
            while True:
                got.append(q.get())
        except allcore.ShutDown:
            pass

    threads = [start(consume) for _ in range(3)]
    q.put_many(range(300))
    q.shutdown()
    finish(*threads)
    assert sorted(got) == list(range(300))


def test_bad_arguments():
    with pytest.raises(TypeError):
        allcore.Queue("3")
    with pytest.raises(TypeError):
        allcore.Queue(2.5)
    q = allcore.Queue()
    with pytest.raises(ValueError):
        q.get(timeout=-0.5)
    with pytest.raises(ValueError):
        q.task_done(2)


# ----------------------------------------------------------- interrupts


@pytest.mark.parametrize("kind", ["get", "put", "join", "get_many"])
def test_ctrl_c_interrupts_a_wait(kind):
    q = allcore.Queue(1)
    if kind in ("put", "join"):
        q.put(0)
    call = {
        "get": q.get,
        "put": lambda: q.put(1),
        "join": q.join,
        "get_many": lambda: q.get_many(3),
    }[kind]
    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        call()
    assert time.monotonic() - began < LONG
    timer.join()
    q.close()


# --------------------------------------------------------------- README


def test_readme_queue_section_runs():
    import contextlib
    import io
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Queues and topics", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    assert output.getvalue().splitlines() == [
        "30 354220",
        "[(0.5, 'now'), (1, 'first'), (1, 'second', {'a': 'dict'}), (2, 'later')]",
        "2",
        "{'headline': 'hello'} {'headline': 'hello'}",
    ]
