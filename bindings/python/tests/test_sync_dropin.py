"""The same threading-semantics tests, run against ``threading`` and ``allcore``.

Each test takes ``api``, a namespace with ``Lock``, ``RLock``, ``Condition``,
``Semaphore``, ``BoundedSemaphore``, ``Event`` and ``Barrier`` from one of the
two modules: passing on both is what "drop-in replacement" means here. The
logic follows the cases of CPython's ``Lib/test/lock_tests.py``.
"""

import threading
import time
import types

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
