"""One allcore Queue and ThreadPool shared with a C library and a Go
c-shared library in one Python process (examples/shared_objects), and the
handle API every object has for it."""

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import allcore
from allcore import _lib

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


def test_closing_a_python_lock_leaves_it_open_for_another_owner():
    lock = allcore.Lock()
    retain = _lib.library["ac_mutex_retain"]
    retain.restype = ctypes.c_void_p
    address = retain(lock)
    lock.close()
    # The C owner's reference still holds an open mutex.
    handle = ctypes.c_void_p(address)
    assert _lib.library["ac_mutex_lock_timeout"](handle, ctypes.c_int64(0)) == 0
    assert _lib.library["ac_mutex_unlock"](handle) == 0
    _lib.library["ac_mutex_release"](handle)
