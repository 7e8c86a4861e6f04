"""The same threading-semantics tests, run against ``threading`` and ``allcore``.

Each test takes ``api``, a namespace with ``Lock``, ``RLock``, ``Condition``,
``Semaphore``, ``BoundedSemaphore``, ``Event`` and ``Barrier`` from one of the
two modules: passing on both is what "drop-in replacement" means here. The
logic follows the cases of CPython's ``Lib/test/lock_tests.py``; at the end,
that suite itself runs against allcore's classes.
"""

import os
import re
import sys
import threading
import time
import types
import warnings

import pytest
from _threads import run_threads

import allcore

NAMES = ("Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier")
SHORT = 0.05  # a timeout that must expire
LONG = 10.0  # a wait that must not time out


@pytest.fixture(params=["threading", "allcore"])
def api(request):
    module = threading if request.param == "threading" else allcore
    return types.SimpleNamespace(
        name=request.param, **{name: getattr(module, name) for name in NAMES}
    )


def in_thread(function, *args):
    """Run ``function`` in another thread and return its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)), daemon=True)
    thread.start()
    thread.join(LONG)
    assert result, "the thread did not finish"
    return result[0]


# ----------------------------------------------------------------- locks


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_acquire_release_and_context_manager(api, kind):
    lock = getattr(api, kind)()
    assert lock.acquire() is True
    lock.release()
    assert lock.acquire(True) is True
    lock.release()
    assert lock.acquire(blocking=True, timeout=1) is True
    lock.release()
    with lock as entered:
        assert entered is True
        assert in_thread(lock.acquire, False) is False
    assert in_thread(lambda: lock.acquire(False) and (lock.release() or True)) is True


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_bad_acquire_arguments(api, kind):
    lock = getattr(api, kind)()
    with pytest.raises(ValueError):
        lock.acquire(False, 1)
    with pytest.raises(ValueError):
        lock.acquire(blocking=False, timeout=0)
    with pytest.raises(ValueError):
        lock.acquire(timeout=-100)
    with pytest.raises(OverflowError):
        lock.acquire(timeout=1e100)
    with pytest.raises(TypeError):
        lock.acquire(timeout="1")
    # Nothing was taken by the failed calls.
    assert in_thread(lambda: lock.acquire(False) and (lock.release() or True)) is True


def test_lock_release_unlocked_raises(api):
    lock = api.Lock()
    with pytest.raises(RuntimeError):
        lock.release()
    lock.acquire()
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_lock_locked_and_release_from_other_thread(api):
    lock = api.Lock()
    assert not lock.locked()
    lock.acquire()
    assert lock.locked()
    assert lock.acquire(False) is False
    in_thread(lock.release)  # a Lock may be released by any thread
    assert not lock.locked()


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_acquire_timeout_is_honoured(api, kind):
    lock = getattr(api, kind)()
    lock.acquire()
    start = time.monotonic()
    assert in_thread(lock.acquire, True, SHORT) is False
    elapsed = time.monotonic() - start
    assert SHORT * 0.9 <= elapsed < LONG
    assert in_thread(lock.acquire, True, 0) is False
    lock.release()


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_waiter_gets_the_lock_when_released(api, kind):
    lock = getattr(api, kind)()
    lock.acquire()
    got = []
    thread = threading.Thread(
        target=lambda: got.append(lock.acquire() and (lock.release() or True))
    )
    thread.start()
    time.sleep(SHORT)
    assert got == []
    lock.release()
    thread.join(LONG)
    assert got == [True]


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_counter_under_lock_is_exact(api, kind):
    lock = getattr(api, kind)()
    state = {"count": 0}

    def work():
        for _ in range(2000):
            with lock:
                value = state["count"]
                state["count"] = value + 1

    run_threads(8, work)
    assert state["count"] == 16000


def test_rlock_reentrance_and_owner(api):
    lock = api.RLock()
    for _ in range(5):
        assert lock.acquire()
    # Another thread neither gets it nor may release it.
    assert in_thread(lock.acquire, False) is False

    def release_elsewhere():
        with pytest.raises(RuntimeError):
            lock.release()
        return True

    assert in_thread(release_elsewhere)
    for _ in range(5):
        lock.release()
    with pytest.raises(RuntimeError):
        lock.release()
    assert in_thread(lambda: lock.acquire(False) and (lock.release() or True)) is True


def test_rlock_is_owned(api):
    lock = api.RLock()
    assert not lock._is_owned()
    with lock:
        assert lock._is_owned()
        assert in_thread(lock._is_owned) is False


# ------------------------------------------------------------- Condition


@pytest.mark.parametrize("kind", [None, "Lock", "RLock"])
def test_condition_wait_and_notify(api, kind):
    condition = api.Condition(None if kind is None else getattr(api, kind)())
    ready = []
    woken = []

    def waiter():
        with condition:
            ready.append(1)
            woken.append(condition.wait(LONG))

    threads = [threading.Thread(target=waiter, daemon=True) for _ in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LONG
    while True:
        with condition:
            if len(ready) == 5:
                condition.notify(2)
                break
        assert time.monotonic() < deadline
        time.sleep(0.005)
    while len(woken) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(SHORT)
    assert woken == [True, True]
    with condition:
        condition.notify_all()
    for thread in threads:
        thread.join(LONG)
    assert woken == [True] * 5


def test_condition_wait_timeout(api):
    condition = api.Condition(api.Lock())
    with condition:
        start = time.monotonic()
        assert condition.wait(SHORT) is False
        assert time.monotonic() - start >= SHORT * 0.9
        assert condition.wait(0) is False
        assert condition.wait(-1) is False


def test_condition_needs_the_lock(api):
    condition = api.Condition()
    with pytest.raises(RuntimeError):
        condition.wait(SHORT)
    with pytest.raises(RuntimeError):
        condition.notify()
    with pytest.raises(RuntimeError):
        condition.notify_all()


def test_condition_over_rlock_held_twice(api):
    lock = api.RLock()
    condition = api.Condition(lock)
    ready = []
    results = []

    def waiter():
        with lock, lock, condition:
            ready.append(1)
            results.append(condition.wait(LONG))
            results.append(lock._is_owned())
        # Released three times: free again.
        results.append(in_thread(lambda: lock.acquire(False) and (lock.release() or True)))

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    deadline = time.monotonic() + LONG
    while True:
        with condition:  # only possible while the waiter waits
            if ready:
                condition.notify()
                break
        assert time.monotonic() < deadline
        time.sleep(0.005)
    thread.join(LONG)
    assert results == [True, True, True]


def test_condition_wait_for(api):
    condition = api.Condition()
    state = {"value": 0}

    def producer():
        for _ in range(5):
            time.sleep(0.005)
            with condition:
                state["value"] += 1
                condition.notify_all()

    thread = threading.Thread(target=producer, daemon=True)
    thread.start()
    with condition:
        assert condition.wait_for(lambda: state["value"] == 5, LONG) is True
    thread.join(LONG)
    with condition:
        start = time.monotonic()
        assert condition.wait_for(lambda: state["value"] == 6, SHORT) is False
        assert time.monotonic() - start >= SHORT * 0.9


# ------------------------------------------------------------ Semaphores


@pytest.mark.parametrize("kind", ["Semaphore", "BoundedSemaphore"])
def test_semaphore_basics(api, kind):
    semaphore = getattr(api, kind)(2)
    assert semaphore.acquire() is True
    assert semaphore.acquire(blocking=True, timeout=1) is True
    assert semaphore.acquire(False) is False
    assert semaphore.acquire(timeout=SHORT) is False
    assert semaphore.acquire(timeout=-1) is False
    semaphore.release(2)
    with semaphore:
        assert semaphore.acquire(False) is True
    semaphore.release()
    with pytest.raises(ValueError):
        semaphore.acquire(False, 1)
    with pytest.raises(ValueError):
        semaphore.release(0)
    with pytest.raises(ValueError):
        getattr(api, kind)(-1)


def test_bounded_semaphore_release_too_many(api):
    semaphore = api.BoundedSemaphore(2)
    with pytest.raises(ValueError, match="Semaphore released too many times"):
        semaphore.release()
    semaphore.acquire()
    with pytest.raises(ValueError, match="Semaphore released too many times"):
        semaphore.release(2)
    semaphore.release()


def test_unbounded_semaphore_release_above_start(api):
    semaphore = api.Semaphore(0)
    semaphore.release(3)
    assert [semaphore.acquire(False) for _ in range(4)] == [True, True, True, False]


def test_bounded_semaphore_never_exceeds_bound(api):
    bound = 3
    semaphore = api.BoundedSemaphore(bound)
    guard = threading.Lock()
    state = {"inside": 0, "most": 0}

    def work():
        for _ in range(100):
            with semaphore:
                with guard:
                    state["inside"] += 1
                    state["most"] = max(state["most"], state["inside"])
                time.sleep(0)
                with guard:
                    state["inside"] -= 1

    run_threads(8, work)
    assert 1 <= state["most"] <= bound
    assert [semaphore.acquire(False) for _ in range(bound + 1)] == [True] * bound + [False]


# ----------------------------------------------------------------- Event


def test_event_basics(api):
    event = api.Event()
    assert not event.is_set()
    assert event.wait(0) is False
    start = time.monotonic()
    assert event.wait(SHORT) is False
    assert time.monotonic() - start >= SHORT * 0.9
    event.set()
    assert event.is_set()
    assert event.wait() is True
    assert event.wait(0) is True
    event.clear()
    assert not event.is_set()


def test_event_wakes_all_waiters(api):
    event = api.Event()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(event.wait(LONG)), daemon=True)
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    time.sleep(SHORT)
    assert results == []
    event.set()
    for thread in threads:
        thread.join(LONG)
    assert results == [True] * 5


def test_event_ping_pong(api):
    ping, pong = api.Event(), api.Event()
    rounds = 50
    seen = []

    def player():
        for index in range(rounds):
            assert ping.wait(LONG)
            ping.clear()
            seen.append(index)
            pong.set()

    thread = threading.Thread(target=player, daemon=True)
    thread.start()
    for _ in range(rounds):
        ping.set()
        assert pong.wait(LONG)
        pong.clear()
    thread.join(LONG)
    assert seen == list(range(rounds))


# --------------------------------------------------------------- Barrier


def test_barrier_releases_exactly_parties_at_a_time(api):
    parties, rounds = 5, 10
    barrier = api.Barrier(parties)
    guard = threading.Lock()
    arrivals = [0] * rounds
    indices = [[] for _ in range(rounds)]

    def runner():
        for round_number in range(rounds):
            with guard:
                arrivals[round_number] += 1
            index = barrier.wait(LONG)
            with guard:
                # Everyone of this round arrived before anyone left it.
                assert arrivals[round_number] == parties
                indices[round_number].append(index)

    run_threads(parties, runner)
    assert all(sorted(found) == list(range(parties)) for found in indices)
    assert barrier.n_waiting == 0
    assert not barrier.broken


def test_barrier_action_runs_once_per_round_before_release(api):
    parties = 4
    state = {"actions": 0, "after": []}
    guard = threading.Lock()

    def action():
        state["actions"] += 1

    barrier = api.Barrier(parties, action=action)

    def runner():
        for round_number in range(3):
            barrier.wait(LONG)
            with guard:
                state["after"].append(state["actions"] >= round_number + 1)

    run_threads(parties, runner)
    assert state["actions"] == 3
    assert all(state["after"])


def test_barrier_action_that_raises_breaks_it(api):
    def action():
        raise ZeroDivisionError

    barrier = api.Barrier(3, action=action)
    outcomes = []
    guard = threading.Lock()

    def runner():
        try:
            barrier.wait(LONG)
            outcome = "passed"
        except ZeroDivisionError:
            outcome = "action"
        except threading.BrokenBarrierError:
            outcome = "broken"
        with guard:
            outcomes.append(outcome)

    run_threads(3, runner)
    assert sorted(outcomes) == ["action", "broken", "broken"]
    assert barrier.broken


def test_barrier_timeout_breaks_it_for_everyone(api):
    barrier = api.Barrier(3)
    outcomes = []

    def runner(timeout):
        try:
            barrier.wait(timeout)
            outcomes.append("passed")
        except threading.BrokenBarrierError:
            outcomes.append("broken")

    slow = threading.Thread(target=runner, args=(LONG,), daemon=True)
    slow.start()
    time.sleep(0.02)
    runner(SHORT)  # times out: both raise BrokenBarrierError
    slow.join(LONG)
    assert outcomes == ["broken", "broken"]
    assert barrier.broken
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait(LONG)
    barrier.reset()
    assert not barrier.broken


def test_barrier_default_timeout(api):
    barrier = api.Barrier(2, timeout=SHORT)
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait()


def test_barrier_abort_and_reset_wake_waiters(api):
    barrier = api.Barrier(3)
    outcomes = []

    def runner():
        try:
            barrier.wait(LONG)
            outcomes.append("passed")
        except threading.BrokenBarrierError:
            outcomes.append("broken")

    for stop in (barrier.abort, barrier.reset):
        outcomes.clear()
        threads = [threading.Thread(target=runner, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LONG
        while barrier.n_waiting < 2:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        stop()
        for thread in threads:
            thread.join(LONG)
        assert outcomes == ["broken", "broken"]
        barrier.reset()
    # Usable again after reset.
    run_threads(3, barrier.wait, LONG)


def test_barrier_attributes(api):
    barrier = api.Barrier(4)
    assert barrier.parties == 4
    assert barrier.n_waiting == 0
    assert barrier.broken is False


# ------------------------------------------------- fork and the Condition protocol


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_at_fork_reinit_frees_a_lock_held_by_a_thread_that_is_gone(api, kind):
    """In a child process only the forking thread exists: a lock another
    thread held is given back by ``_at_fork_reinit``, as logging and
    concurrent.futures do in their fork hooks."""
    if not hasattr(os, "fork"):
        pytest.skip("this platform has no fork")
    lock = getattr(api, kind)()
    held, done = threading.Event(), threading.Event()

    def holder():
        with lock:
            held.set()
            done.wait(LONG)

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    assert held.wait(LONG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: exit at once, whatever happens
        code = 1
        try:
            if lock.acquire(timeout=SHORT) is False:
                lock._at_fork_reinit()
                if lock.acquire(timeout=LONG):
                    lock.release()
                    code = 0
        finally:
            os._exit(code)
    done.set()
    thread.join(LONG)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_event_at_fork_reinit_keeps_the_flag(api):
    event = api.Event()
    event._at_fork_reinit()
    assert not event.is_set()
    event.set()
    event._at_fork_reinit()
    assert event.is_set()
    event.clear()
    assert event.wait(SHORT) is False


def test_condition_at_fork_reinit(api):
    condition = api.Condition(api.Lock())
    condition.acquire()
    condition._at_fork_reinit()
    assert condition.acquire(False)  # the lock is free again
    assert condition.wait(SHORT) is False
    condition.release()


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_threading_condition_over_an_allcore_lock(kind):
    """``threading.Condition`` uses allcore's locks through their
    ``_release_save`` / ``_acquire_restore`` / ``_is_owned``."""
    lock = getattr(allcore, kind)()
    condition = threading.Condition(lock)
    ready = []

    def waiter():
        with condition:
            if kind == "RLock":
                lock.acquire()  # two levels, both given back by the wait
            ready.append(1)
            woken = condition.wait(LONG)
            if kind == "RLock":
                assert lock._recursion_count() == 2
                lock.release()
            return woken

    result = []
    thread = threading.Thread(target=lambda: result.append(waiter()), daemon=True)
    thread.start()
    deadline = time.monotonic() + LONG
    while True:
        with condition:
            if ready:
                condition.notify()
                break
        assert time.monotonic() < deadline
        time.sleep(0.005)
    thread.join(LONG)
    assert result == [True]
    assert not lock.locked()


def test_reprs_have_threadings_shape(api):
    module = api.name if api.name == "allcore" else r"(threading|_thread)"
    lock = api.Lock()
    assert re.fullmatch(rf"<unlocked {module}\.lock object at 0x[0-9a-f]+>", repr(lock), re.I)
    rlock = api.RLock()
    rlock.acquire()
    assert re.fullmatch(
        rf"<locked {module}\._?RLock object owner=\d+ count=1 at 0x[0-9a-f]+>", repr(rlock)
    )
    assert re.search(r"<unlocked .* object .*at 0x", in_thread(repr, api.RLock()))
    rlock.release()
    condition = api.Condition(lock)
    assert re.fullmatch(rf"<({module}\.)?Condition\(<unlocked .*>, 0\)>", repr(condition))
    if api.name == "threading" and sys.version_info < (3, 11):
        return  # threading's Event, Semaphore and Barrier print their state from 3.11 on
    assert re.fullmatch(rf"<{module}\.Event at 0x[0-9a-f]+: unset>", repr(api.Event()))
    assert re.search(r": value=2/3>$", repr(_after(api.BoundedSemaphore(3), "acquire")))
    assert re.search(r": waiters=0/3>$", repr(api.Barrier(3)))


def _after(obj, method):
    getattr(obj, method)()
    return obj


# ------------------------------------------------- CPython's own lock_tests

# The suite ``threading`` passes (Lib/test/lock_tests.py), run against
# allcore's classes exactly as Lib/test/test_threading.py runs it against
# threading's. It ships in the interpreter's ``test`` package.
try:
    from test import lock_tests
except ImportError:  # some distributions package Lib/test separately
    lock_tests = None

if lock_tests is None:

    def test_cpython_lock_tests():
        pytest.skip(
            "this Python was installed without its test package (Lib/test), which "
            "holds CPython's lock_tests (on Debian and Ubuntu: libpython3.X-testsuite)"
        )

else:

    class TestCPythonLock(lock_tests.LockTests):
        locktype = staticmethod(allcore.Lock)

    class TestCPythonRLock(lock_tests.RLockTests):
        locktype = staticmethod(allcore.RLock)

    class TestCPythonEvent(lock_tests.EventTests):
        eventtype = staticmethod(allcore.Event)

        def test_at_fork_reinit(self):
            self.skipTest(
                "checks the Condition inside threading's pure-Python Event "
                "(event._cond); allcore.Event is one native event with no Condition "
                "inside; test_event_at_fork_reinit_keeps_the_flag checks its "
                "_at_fork_reinit"
            )

    class TestCPythonConditionAsRLock(lock_tests.RLockTests):
        # Condition uses an RLock by default and exports its API.
        locktype = staticmethod(allcore.Condition)

        def test_recursion_count(self):
            # As test_threading does for threading.Condition.
            self.skipTest("Condition does not expose _recursion_count()")

    class TestCPythonCondition(lock_tests.ConditionTests):
        condtype = staticmethod(allcore.Condition)

    class TestCPythonConditionOverThreadingRLock(lock_tests.ConditionTests):
        """The same suite over a lock that is not allcore's (by default a
        ``threading.RLock``; the suite passes a ``threading.Lock`` itself)."""

        @staticmethod
        def condtype(lock=None):
            return allcore.Condition(threading.RLock() if lock is None else lock)

    class TestCPythonSemaphore(lock_tests.SemaphoreTests):
        semtype = staticmethod(allcore.Semaphore)

    class TestCPythonBoundedSemaphore(lock_tests.BoundedSemaphoreTests):
        semtype = staticmethod(allcore.BoundedSemaphore)

    class TestCPythonBarrier(lock_tests.BarrierTests):
        barriertype = staticmethod(allcore.Barrier)
