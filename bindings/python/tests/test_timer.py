"""allcore.Timer beside threading.Timer: the same behaviour, without a thread per timer.

Tests taking ``api`` run against both ``threading`` and ``allcore``: passing on
both is what "drop-in" means here. CPython's own ``TimerTests`` run in
``test_timer_cpython.py``.
"""

import os
import subprocess
import sys
import textwrap
import threading
import types

import pytest
from _threads import LONG

import allcore

SHORT = 0.01  # a timer interval that passes quickly


@pytest.fixture(params=["threading", "allcore"])
def api(request):
    module = threading if request.param == "threading" else allcore
    return types.SimpleNamespace(name=request.param, Timer=module.Timer)


def test_calls_the_function_with_args_and_kwargs(api):
    calls = []
    done = threading.Event()

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        done.set()

    timer = api.Timer(SHORT, record, args=(1, 2), kwargs={"three": 3})
    assert (timer.interval, timer.function) == (SHORT, record)
    assert (timer.args, timer.kwargs) == ((1, 2), {"three": 3})
    assert not timer.is_alive()
    timer.start()
    assert done.wait(LONG)
    timer.join(LONG)
    assert not timer.is_alive()
    assert timer.finished.is_set()
    assert calls == [((1, 2), {"three": 3})]


def test_default_args_are_fresh_per_timer(api):
    first, second = api.Timer(SHORT, print), api.Timer(SHORT, print)
    first.args.append("x")
    first.kwargs["y"] = 1
    assert (second.args, second.kwargs) == ([], {})


def test_waits_at_least_the_interval(api):
    import time

    fired = []
    timer = api.Timer(0.05, lambda: fired.append(time.monotonic()))
    start = time.monotonic()
    timer.start()
    timer.join(LONG)
    assert fired and fired[0] - start >= 0.05


def test_cancel_before_it_fires(api):
    calls = []
    timer = api.Timer(LONG, calls.append, args=["fired"])
    timer.start()
    assert timer.is_alive()
    timer.cancel()
    timer.join(LONG)
    assert not timer.is_alive()
    assert timer.finished.is_set()
    assert calls == []


def test_setting_finished_cancels(api):
    calls = []
    timer = api.Timer(LONG, calls.append, args=["fired"])
    timer.start()
    timer.finished.set()
    timer.join(LONG)
    assert not timer.is_alive()
    assert calls == []


def test_cancel_before_start_and_after_it_fired(api):
    calls = []
    unstarted = api.Timer(SHORT, calls.append, args=["unstarted"])
    unstarted.cancel()
    unstarted.start()
    unstarted.join(LONG)
    fired = api.Timer(0, calls.append, args=["fired"])
    fired.start()
    fired.join(LONG)
    fired.cancel()  # too late: changes nothing
    assert calls == ["fired"]
    assert not unstarted.is_alive() and not fired.is_alive()


def test_negative_interval_fires_at_once(api):
    done = threading.Event()
    timer = api.Timer(-5, done.set)
    timer.start()
    assert done.wait(LONG)
    timer.join(LONG)


def test_join_with_a_timeout_returns_while_pending(api):
    timer = api.Timer(LONG, print)
    timer.start()
    timer.join(0.01)
    assert timer.is_alive()
    timer.cancel()
    timer.join(LONG)
    assert not timer.is_alive()


def test_start_twice_and_join_before_start_raise(api):
    timer = api.Timer(LONG, print)
    with pytest.raises(RuntimeError):
        timer.join()
    timer.start()
    with pytest.raises(RuntimeError):
        timer.start()
    timer.cancel()


def test_join_from_its_own_function_raises(api):
    errors = []
    holder = []

    def join_myself():
        try:
            holder[0].join()
        except RuntimeError as error:
            errors.append(error)

    timer = api.Timer(0, join_myself)
    holder.append(timer)
    timer.start()
    timer.join(LONG)
    assert len(errors) == 1


def test_exception_goes_to_threading_excepthook(api, monkeypatch):
    seen = []
    reported = threading.Event()

    def hook(args):
        seen.append((args.exc_type, str(args.exc_value), args.thread))
        reported.set()

    monkeypatch.setattr(threading, "excepthook", hook)

    def fail():
        raise ValueError("boom")

    timer = api.Timer(0, fail)
    timer.start()
    assert reported.wait(LONG)
    timer.join(LONG)
    assert seen == [(ValueError, "boom", timer)]


def test_name_and_daemon(api):
    timer = api.Timer(LONG, print)
    assert isinstance(timer.name, str)
    assert timer.daemon is False  # inherited from the main thread
    timer.name = "reminder"
    timer.daemon = True
    assert (timer.name, timer.daemon) == ("reminder", True)
    timer.start()
    with pytest.raises(RuntimeError):
        timer.daemon = False
    timer.cancel()
    timer.join(LONG)


def test_a_subclass_overriding_run_repeats(api):
    class RepeatTimer(api.Timer):
        def run(self):
            while not self.finished.wait(self.interval):
                self.function(*self.args, **self.kwargs)

    ticks = []
    three = threading.Event()

    def tick():
        ticks.append(1)
        if len(ticks) >= 3:
            three.set()

    timer = RepeatTimer(SHORT, tick)
    timer.start()
    assert three.wait(LONG)
    timer.cancel()
    timer.join(LONG)
    assert not timer.is_alive()


def thread_count():
    return len(os.listdir("/proc/self/task"))


def test_2000_pending_timers_do_not_cost_2000_threads():
    # allcore: the timer pool's workers and its one timer thread at most.
    before = thread_count()
    timers = [allcore.Timer(60, print) for _ in range(2000)]
    for timer in timers:
        timer.start()
    try:
        assert all(timer.is_alive() for timer in timers)
        added = thread_count() - before
        assert added <= max(4, allcore.available_cpus()) + 1
    finally:
        for timer in timers:
            timer.cancel()
    assert not any(timer.is_alive() for timer in timers)

    # threading.Timer, for contrast: a thread per pending timer.
    stdlib = [threading.Timer(60, print) for _ in range(2000)]
    for timer in stdlib:
        timer.start()
    try:
        assert all(timer.is_alive() for timer in stdlib)  # each one a running thread
        assert threading.active_count() > 2000
    finally:
        for timer in stdlib:
            timer.cancel()
        for timer in stdlib:
            timer.join(LONG)


def run_script(source):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(allcore.__file__))},
    )


def test_the_interpreter_waits_for_a_pending_timer_at_exit():
    done = run_script(
        """
        import allcore
        allcore.Timer(0.2, print, args=["fired at exit"]).start()
        print("main done")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["main done", "fired at exit"]


def test_pending_daemon_timers_are_cancelled_at_exit():
    done = run_script(
        """
        import allcore
        timer = allcore.Timer(3600, print, args=["never"])
        timer.daemon = True
        timer.start()
        print("main done")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["main done"]


def test_timers_work_in_a_forked_child():
    pending = allcore.Timer(60, print)
    pending.start()
    fired = allcore.Timer(0, print)
    fired.start()
    fired.join(LONG)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            done = threading.Event()
            timer = allcore.Timer(SHORT, done.set)
            timer.start()
            ok = done.wait(LONG) and not pending.is_alive()
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 2)
    os.close(read)
    os.waitpid(child, 0)
    assert answer == b"ok"
    assert pending.is_alive()
    pending.cancel()
    pending.join(LONG)
    assert not pending.is_alive()


def test_an_interval_that_is_not_a_number_is_reported_like_a_thread_error(api, monkeypatch):
    seen = []
    reported = threading.Event()

    def hook(args):
        seen.append(args.exc_type)
        reported.set()

    monkeypatch.setattr(threading, "excepthook", hook)
    calls = []
    timer = api.Timer("soon", calls.append, args=["fired"])
    timer.start()
    assert reported.wait(LONG)
    timer.join(LONG)
    assert not timer.is_alive()
    assert seen == [TypeError] and calls == []
