"""allcore's locks and events beyond what ``threading`` has: lifetime, closing
under waiters, Ctrl-C, RWLock, CountDownLatch, AtomicCounter and lock_all."""

import ctypes
import gc
import itertools
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import pytest
from _threads import LONG, run_threads

import allcore
from allcore import _sync

SHORT = 0.05


def start(target, *args):
    """Run ``target`` in a thread; return (thread, outcome list)."""
    outcome = []

    def run():
        try:
            outcome.append(target(*args))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def finish(thread, outcome):
    thread.join(LONG)
    assert not thread.is_alive()
    return outcome[0]


# ------------------------------------------------------------- lifetime

FACTORIES = {
    "Lock": allcore.Lock,
    "RLock": allcore.RLock,
    "Condition": allcore.Condition,
    "Semaphore": allcore.Semaphore,
    "BoundedSemaphore": allcore.BoundedSemaphore,
    "Event": allcore.Event,
    "Barrier": lambda: allcore.Barrier(2),
    "RWLock": allcore.RWLock,
    "CountDownLatch": lambda: allcore.CountDownLatch(1),
    "AtomicCounter": allcore.AtomicCounter,
}

USES = {
    "Lock": lambda lock: lock.acquire(),
    "RLock": lambda lock: lock.release(),
    "Condition": lambda condition: condition.notify(),
    "Semaphore": lambda semaphore: semaphore.acquire(),
    "BoundedSemaphore": lambda semaphore: semaphore.release(),
    "Event": lambda event: event.set(),
    "Barrier": lambda barrier: barrier.wait(),
    "RWLock": lambda rwlock: rwlock.acquire_read(),
    "CountDownLatch": lambda latch: latch.count_down(),
    "AtomicCounter": lambda counter: counter.add(1),
}


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_close_twice_and_use_after_close(kind):
    obj = FACTORIES[kind]()
    obj.close()
    obj.close()
    assert obj.closed
    with pytest.raises(allcore.ClosedError, match="closed"):
        USES[kind](obj)


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_garbage_collection_frees(kind):
    obj = FACTORIES[kind]()
    native = getattr(obj, "_native", obj)
    finalizer = native._finalizer
    assert finalizer.alive
    reference = weakref.ref(obj)
    del obj, native
    gc.collect()
    assert reference() is None
    assert not finalizer.alive


def test_lock_release_after_close_raises_closed_not_crash():
    lock = allcore.Lock()
    lock.acquire()
    lock.close()
    with pytest.raises(allcore.ClosedError):
        lock.release()
    with pytest.raises(allcore.ClosedError):
        lock.locked()
    with pytest.raises(allcore.ClosedError), lock:
        pass


WAITS = {
    "Lock": (allcore.Lock, lambda lock: lock.acquire(), lambda lock: lock.acquire()),
    "RLock": (allcore.RLock, lambda lock: lock.acquire(), lambda lock: lock.acquire(timeout=LONG)),
    "Semaphore": (
        lambda: allcore.Semaphore(0),
        lambda _: None,
        lambda semaphore: semaphore.acquire(),
    ),
    "Event": (allcore.Event, lambda _: None, lambda event: event.wait()),
    "CountDownLatch": (
        lambda: allcore.CountDownLatch(1),
        lambda _: None,
        lambda latch: latch.wait(),
    ),
    "RWLock": (allcore.RWLock, lambda rw: rw.acquire_write(), lambda rw: rw.acquire_read()),
    "Barrier": (lambda: allcore.Barrier(2), lambda _: None, lambda barrier: barrier.wait()),
}


@pytest.mark.parametrize("kind", sorted(WAITS))
def test_close_while_waiting_raises_closed_error(kind):
    factory, hold, wait = WAITS[kind]
    obj = factory()
    hold(obj)
    thread, outcome = start(wait, obj)
    time.sleep(SHORT)
    assert thread.is_alive()
    obj.close()
    assert isinstance(finish(thread, outcome), allcore.ClosedError)
    native = getattr(obj, "_native", obj)
    assert not native._finalizer.alive  # freed once the waiter left


def test_close_condition_while_waiting():
    lock = allcore.Lock()
    condition = allcore.Condition(lock)

    def wait():
        with condition:
            return condition.wait()

    thread, outcome = start(wait)
    time.sleep(SHORT)
    condition.close()
    assert isinstance(finish(thread, outcome), allcore.ClosedError)
    assert not lock.locked()  # the waiter retook the lock and released it on the way out


@pytest.mark.parametrize("lock", [threading.Lock, threading.RLock], ids=["Lock", "RLock"])
def test_condition_over_a_threading_lock(lock):
    """Any lock works, as with threading.Condition: the wait releases it."""
    condition = allcore.Condition(lock())

    def waiter():
        with condition:
            return condition.wait(LONG)

    thread, outcome = start(waiter)
    deadline = time.monotonic() + LONG
    while True:
        with condition:  # only possible while the waiter has released it
            if len(condition._waiters) == 1:
                condition.notify()
                break
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert finish(thread, outcome) is True
    with pytest.raises(RuntimeError):
        condition.notify()
    with condition:
        assert condition.wait(SHORT) is False


def test_condition_default_lock_is_allcore_rlock():
    condition = allcore.Condition()
    assert isinstance(condition._lock, allcore.RLock)
    with condition, condition:  # reentrant
        condition.notify_all()


def test_bad_values():
    with pytest.raises(ValueError):
        allcore.Semaphore(-1)
    with pytest.raises(ValueError):
        allcore.BoundedSemaphore(-5)
    with pytest.raises(ValueError):
        allcore.Barrier(0)
    with pytest.raises(ValueError):
        allcore.CountDownLatch(-1)
    with pytest.raises(ValueError):
        allcore.CountDownLatch(1).count_down(0)
    with pytest.raises(ValueError):
        allcore.Semaphore(1).release(-1)
    with pytest.raises(TypeError):
        allcore.AtomicCounter(1.5)
    with pytest.raises(OverflowError):
        allcore.AtomicCounter(2**63)


def test_release_unheld():
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        allcore.Lock().release()
    with pytest.raises(RuntimeError, match="cannot release un-acquired lock"):
        allcore.RLock().release()
    with pytest.raises(RuntimeError):
        allcore.RWLock().release_read()
    with pytest.raises(RuntimeError):
        allcore.RWLock().release_write()
    # The RuntimeError is also an allcore error.
    with pytest.raises(allcore.NotOwnerError):
        allcore.Lock().release()


def test_barrier_action_runs_in_the_last_arrival_before_release():
    parties = 3
    log = []
    guard = threading.Lock()

    def action():
        log.append(("action", threading.current_thread().name))

    barrier = allcore.Barrier(parties, action=action)

    def runner():
        index = barrier.wait(LONG)
        with guard:
            log.append((index, threading.current_thread().name))

    threads = [threading.Thread(target=runner, name=f"runner-{n}") for n in range(parties)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # arrive in order
    for thread in threads:
        thread.join(LONG)
    assert log[0] == ("action", "runner-2")
    assert sorted(log[1:]) == [(0, "runner-0"), (1, "runner-1"), (2, "runner-2")]


def test_barrier_wait_from_main_thread():
    barrier = allcore.Barrier(2)
    thread, outcome = start(barrier.wait, LONG)
    assert barrier.wait(LONG) in (0, 1)
    assert finish(thread, outcome) in (0, 1)


# ---------------------------------------------------------------- Ctrl-C

INTERRUPT_SCRIPT = """
import os, signal, sys, threading, time
import allcore

what = sys.argv[1]
if what == "lock":
    lock = allcore.Lock(); lock.acquire(); wait = lock.acquire
elif what == "with lock":
    lock = allcore.Lock(); lock.acquire(); wait = lock.__enter__  # what `with lock:` calls
elif what == "with semaphore":
    semaphore = allcore.Semaphore(0); wait = semaphore.__enter__
elif what == "event":
    wait = allcore.Event().wait
elif what == "condition":
    condition = allcore.Condition(); condition.acquire(); wait = condition.wait
elif what == "barrier":
    wait = allcore.Barrier(2).wait
threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    wait()
except KeyboardInterrupt:
    print("interrupted", round(time.monotonic() - start) <= 2)
"""


@pytest.mark.parametrize(
    "what", ["lock", "with lock", "with semaphore", "event", "condition", "barrier"]
)
def test_waits_are_interruptible_by_ctrl_c(what):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(INTERRUPT_SCRIPT), what],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.stdout.strip() == "interrupted True", result.stderr
    assert signal.SIGINT  # the signal, not a timeout, ended the wait


# ---------------------------------------------------------------- RWLock


def test_rwlock_readers_share_writers_exclude():
    rw = allcore.RWLock()
    with rw.read():
        assert rw.acquire_read(False) is True  # a second reader
        assert rw.acquire_write(False) is False
        assert rw.acquire_write(timeout=SHORT) is False
        rw.release_read()
    with rw.write():
        assert rw.acquire_read(False) is False
        assert rw.acquire_read(timeout=SHORT) is False
        assert rw.acquire_write(False) is False
    assert rw.acquire_write(blocking=True, timeout=1) is True
    rw.release_write()
    with pytest.raises(ValueError):
        rw.acquire_read(False, 1)
    with pytest.raises(ValueError):
        rw.acquire_write(timeout=-3)


def test_rwlock_hammer():
    rw = allcore.RWLock()
    guard = threading.Lock()
    state = {"readers": 0, "writers": 0, "most_readers": 0, "bad": 0, "value": 0}

    def reader():
        for _ in range(200):
            with rw.read():
                with guard:
                    state["readers"] += 1
                    state["most_readers"] = max(state["most_readers"], state["readers"])
                    state["bad"] += state["writers"] != 0
                time.sleep(0)
                with guard:
                    state["readers"] -= 1

    def writer():
        for _ in range(100):
            with rw.write():
                with guard:
                    state["writers"] += 1
                    state["bad"] += state["writers"] != 1 or state["readers"] != 0
                state["value"] += 1
                with guard:
                    state["writers"] -= 1

    threads = [threading.Thread(target=reader) for _ in range(4)]
    threads += [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG)
    assert state["bad"] == 0
    assert state["value"] == 200
    assert state["most_readers"] >= 1


def test_rwlock_readers_are_concurrent():
    rw = allcore.RWLock()
    inside = allcore.CountDownLatch(3)

    def reader():
        with rw.read():
            inside.count_down()
            # Only possible if all three readers hold the lock at once.
            return inside.wait(LONG)

    threads = [start(reader) for _ in range(3)]
    assert [finish(*pair) for pair in threads] == [True, True, True]


# ---------------------------------------------------------- CountDownLatch


def test_latch():
    latch = allcore.CountDownLatch(3)
    assert latch.count == 3
    assert latch.wait(0) is False
    assert latch.wait(SHORT) is False
    thread, outcome = start(latch.wait)
    latch.count_down()
    latch.count_down(5)  # stops at zero
    assert finish(thread, outcome) is True
    assert latch.count == 0
    assert latch.wait() is True
    assert allcore.CountDownLatch(0).wait(0) is True


# ----------------------------------------------------------- AtomicCounter


def test_atomic_counter():
    counter = allcore.AtomicCounter(5)
    assert counter.add() == 6
    assert counter.add(-10) == -4
    assert counter.value == counter.load() == int(counter) == -4
    counter.store(7)
    assert counter.compare_exchange(7, 9) is True
    assert counter.compare_exchange(7, 11) is False
    assert counter.value == 9
    counter.store(2**63 - 1)
    with pytest.raises(OverflowError):
        counter.add(1)
    assert counter.value == 2**63 - 1


def test_atomic_counter_hammer():
    counter = allcore.AtomicCounter()

    def work():
        for _ in range(5000):
            counter.add(1)

    run_threads(8, work)
    assert counter.value == 40000


# --------------------------------------------------------------- lock_all


def test_lock_all_transfers_conserve_money():
    accounts = [100] * 6
    locks = [allcore.Lock() for _ in accounts]

    def transfers(seed):
        generator = random.Random(seed)
        for _ in range(500):
            source, target = generator.sample(range(len(accounts)), 2)
            with allcore.lock_all(locks[source], locks[target]):
                amount = min(accounts[source], generator.randint(1, 10))
                accounts[source] -= amount
                time.sleep(0)
                accounts[target] += amount

    threads = [threading.Thread(target=transfers, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LONG)
    assert not any(thread.is_alive() for thread in threads)
    assert sum(accounts) == 600
    assert not any(lock.locked() for lock in locks)


def test_lock_all_errors_and_timeout():
    first, second = allcore.Lock(), allcore.Lock()
    with pytest.raises(ValueError), allcore.lock_all(first, first):
        pass
    with pytest.raises(TypeError), allcore.lock_all(first, threading.Lock()):
        pass
    second.acquire()
    started = time.monotonic()
    with pytest.raises(TimeoutError), allcore.lock_all(first, second, timeout=SHORT):
        pass
    assert time.monotonic() - started >= SHORT * 0.9
    assert not first.locked()  # all or nothing
    second.release()
    with allcore.lock_all():
        pass
    with allcore.lock_all(second, first, timeout=LONG):
        assert first.locked() and second.locked()
    assert not first.locked() and not second.locked()


def test_lock_all_releases_on_exception():
    locks = [allcore.Lock() for _ in range(3)]
    with pytest.raises(KeyError), allcore.lock_all(*locks):
        raise KeyError
    assert not any(lock.locked() for lock in locks)


def test_fast_paths_are_frame_free_callables():
    lock = allcore.Lock()
    assert type(lock.release).__name__ == "partial"
    assert type(lock._try).__name__ == "partial"


def test_waits_slice_only_in_the_main_thread():
    from allcore import _plumbing

    # The main thread runs signal handlers between slices of at most SLICE.
    assert list(itertools.islice(_plumbing.wait_slices(None), 3)) == [_plumbing.SLICE_NS] * 3
    assert next(_plumbing.wait_slices(0.12)) == _plumbing.SLICE_NS
    (last,) = _plumbing.wait_slices(0.01)  # under a slice: one wait, the last
    assert 0 < last <= 10_000_000
    assert list(_plumbing.wait_slices(0)) == [0]
    # Any other thread makes one native wait, which a close wakes.
    seen = []

    def wait() -> None:
        seen.append(list(itertools.islice(_plumbing.wait_slices(None), 1)))
        seen.append(list(_plumbing.wait_slices(5)))

    thread = threading.Thread(target=wait)
    thread.start()
    thread.join()
    assert seen[0] == [_plumbing.FOREVER]
    assert len(seen[1]) == 1 and 4e9 < seen[1][0] <= 5e9


def test_close_wakes_a_native_wait_in_another_thread():
    lock = allcore.Lock()
    lock.acquire()
    raised = []

    def wait() -> None:
        try:
            lock.acquire(timeout=30)
        except allcore.ClosedError as error:
            raised.append(error)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    lock.close()
    thread.join(5)
    assert not thread.is_alive() and raised
    assert time.monotonic() - started < 5


def test_readme_locks_and_events_example_runs(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Locks and events", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert capsys.readouterr().out == "4\nTrue\n"


def test_typed_example_program_runs():
    """tests/typing/uses_sync.py (checked with mypy --strict) is a real program."""
    from pathlib import Path

    script = Path(__file__).resolve().parent / "typing" / "uses_sync.py"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "total=200 index=0 held=False set=True"


QUICK_CALLS = [
    "_mutex_try_lock",
    "_mutex_try_lock_status",
    "_mutex_unlock",
    "_mutex_is_locked",
    "_rlock_try_lock",
    "_rlock_unlock",
    "_rlock_is_owned",
    "_rlock_count",
    "_rlock_unlock_save",
    "_rlock_lock_restore",
    "_semaphore_try_acquire",
    "_semaphore_release",
    "_semaphore_release_n",
    "_semaphore_value",
    "_event_set",
    "_event_clear",
    "_event_is_set",
    "_condition_notify",
    "_condition_notify_all",
    "_counter_add",
    "_counter_load",
    "_latch_count",
    "_barrier_n_waiting",
]
WAITING_CALLS = [
    "_mutex_lock_timeout",
    "_rlock_lock_timeout",
    "_rlock_lock_restore_waiting",
    "_semaphore_acquire_timeout",
    "_event_wait",
    "_condition_wait",
    "_condition_wait_rlock",
    "_barrier_wait",
    "_latch_wait",
    "_mutex_lock_all",
]


def _keeps_gil(function):
    return bool(function._flags_ & ctypes._FUNCFLAG_PYTHONAPI)


@pytest.mark.parametrize("name", QUICK_CALLS)
def test_calls_that_cannot_block_keep_the_gil(name):
    assert _keeps_gil(getattr(_sync, name))


@pytest.mark.parametrize("name", WAITING_CALLS)
def test_calls_that_may_wait_release_the_gil(name):
    assert not _keeps_gil(getattr(_sync, name))


def test_with_lock_enters_through_the_quick_library():
    lock = allcore.Lock()
    entry = type(lock).__enter__.__get__(lock)
    assert type(entry).__name__ == "partial" and _keeps_gil(entry.func)


def test_a_thread_waiting_in_with_lock_lets_others_run():
    """The blocking part of ``with lock:`` releases the GIL."""
    lock = allcore.Lock()
    lock.acquire()
    entered = []

    def waiter():
        with lock:
            entered.append(True)

    thread, outcome = start(waiter)
    ticks = 0
    deadline = time.monotonic() + SHORT * 4
    while time.monotonic() < deadline:  # this thread keeps running meanwhile
        ticks += 1
    assert ticks > 0 and not entered
    lock.release()
    finish(thread, outcome)
    assert entered == [True]
