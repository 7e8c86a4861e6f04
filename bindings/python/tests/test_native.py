"""ThreadPool.parallel_for and ThreadPool.submit_native: a user's own native
functions over a user's own memory, from C (compiled for the test run), ctypes
callbacks and numba ``@cfunc``s."""

import array
import ctypes
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import allcore

OPTIONAL = "an optional test dependency (requirements-dev.txt) is not installed"
np = pytest.importorskip("numpy", reason=OPTIONAL)
numba = pytest.importorskip("numba", reason=OPTIONAL)
carray, cfunc, types = numba.carray, numba.cfunc, numba.types

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SOURCE = Path(__file__).resolve().parents[1] / "src"

C_SOURCE = r"""
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* values[i] = 3 * values[i] + 1 over [begin, end) of an int64 array. */
void triple_plus_one(void *context, size_t begin, size_t end) {
    int64_t *values = context;
    for (size_t i = begin; i < end; i++) values[i] = 3 * values[i] + 1;
}

/* Counts every index it is given, once per call, and the calls. */
struct tally { _Atomic int64_t indices; _Atomic int64_t calls; _Atomic int64_t seen[1000]; };
void tally_indices(void *context, size_t begin, size_t end) {
    struct tally *tally = context;
    atomic_fetch_add(&tally->calls, 1);
    for (size_t i = begin; i < end; i++) {
        atomic_fetch_add(&tally->indices, 1);
        if (i < 1000) atomic_fetch_add(&tally->seen[i], 1);
    }
}

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec * 1e-9;
}

/* Each chunk arrives, then waits (up to 20 s) until `expected` chunks are in
   at once: only a loop running them on that many threads gets through. */
struct rendezvous { _Atomic int64_t arrived; int64_t expected; _Atomic int64_t timed_out; };
void meet(void *context, size_t begin, size_t end) {
    struct rendezvous *r = context;
    (void)begin; (void)end;
    atomic_fetch_add(&r->arrived, 1);
    double give_up = seconds() + 20.0;
    while (atomic_load(&r->arrived) < r->expected) {
        if (seconds() > give_up) { atomic_store(&r->timed_out, 1); return; }
    }
}

/* Waits (up to 20 s) for a Python thread to set flag[0]; flag[1] = 1 if it did. */
void wait_for_python(void *context, size_t begin, size_t end) {
    _Atomic int64_t *flag = context;
    (void)begin; (void)end;
    double give_up = seconds() + 20.0;
    while (atomic_load(&flag[0]) == 0) {
        if (seconds() > give_up) return;
    }
    atomic_store(&flag[1], 1);
}

/* A task: the sum of the 10 int64 values behind context. */
int64_t sum_ten(void *context) {
    const int64_t *values = context;
    int64_t total = 0;
    for (int i = 0; i < 10; i++) total += values[i];
    return total;
}

/* A task that returns whether it ran off the calling thread. */
static pthread_t submitter;
void remember_thread(void) { submitter = pthread_self(); }
int64_t on_another_thread(void *context) {
    (void)context;
    return !pthread_equal(pthread_self(), submitter);
}
"""

FOR_ARGTYPES = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]


class Tally(ctypes.Structure):
    _fields_ = [
        ("indices", ctypes.c_int64),
        ("calls", ctypes.c_int64),
        ("seen", ctypes.c_int64 * 1000),
    ]


class Rendezvous(ctypes.Structure):
    _fields_ = [
        ("arrived", ctypes.c_int64),
        ("expected", ctypes.c_int64),
        ("timed_out", ctypes.c_int64),
    ]


@pytest.fixture(scope="module")
def clib(tmp_path_factory):
    """The C functions above, from a library built for the test run."""
    directory = tmp_path_factory.mktemp("native")
    source = directory / "native.c"
    source.write_text(C_SOURCE)
    path = directory / "libnative.so"
    command = ["gcc", "-std=c11", "-O2", "-shared", "-fPIC", "-pthread", "-o", str(path)]
    subprocess.run([*command, str(source)], check=True)
    library = ctypes.CDLL(str(path))
    for name in ("triple_plus_one", "tally_indices", "meet", "wait_for_python"):
        getattr(library, name).argtypes = FOR_ARGTYPES
        getattr(library, name).restype = None
    for name in ("sum_ten", "on_another_thread"):
        getattr(library, name).argtypes = [ctypes.c_void_p]
        getattr(library, name).restype = ctypes.c_int64
    library.remember_thread.argtypes = []
    library.remember_thread.restype = None
    return library


@pytest.fixture
def pool():
    with allcore.ThreadPool(2) as executor:
        yield executor


@cfunc(types.void(types.CPointer(types.float64), types.uintp, types.uintp))
def square_in_place(pointer, begin, end):
    values = carray(pointer, (end,))
    for i in range(begin, end):
        values[i] = values[i] * values[i]


@cfunc(types.int64(types.CPointer(types.int64)))
def first_plus_last(pointer):
    values = carray(pointer, (100,))
    return values[0] + values[99]


# -- parallel_for ---------------------------------------------------------


def test_c_function_over_a_numpy_array(pool, clib):
    values = np.arange(100_000, dtype=np.int64)
    pool.parallel_for(clib.triple_plus_one, len(values), values)
    assert np.array_equal(values, 3 * np.arange(100_000, dtype=np.int64) + 1)


@pytest.mark.parametrize("chunk", [0, 1, 7, 999, 1000, 5000])
def test_every_index_once_for_any_chunk(pool, clib, chunk):
    tally = Tally()
    pool.parallel_for(clib.tally_indices, 1000, ctypes.byref(tally), chunk=chunk)
    assert tally.indices == 1000
    assert list(tally.seen) == [1] * 1000
    if chunk:
        assert tally.calls == -(-1000 // chunk)


def test_zero_count_calls_nothing(pool, clib):
    tally = Tally()
    pool.parallel_for(clib.tally_indices, 0, tally)
    assert tally.calls == 0


def test_chunks_run_on_several_threads_at_once(pool, clib):
    rendezvous = Rendezvous(expected=2)
    pool.parallel_for(clib.meet, 2, rendezvous, chunk=1)
    assert rendezvous.arrived == 2
    assert rendezvous.timed_out == 0


def test_the_gil_is_released_for_the_whole_loop(pool, clib):
    flag = (ctypes.c_int64 * 2)()
    setter = threading.Thread(target=lambda: setattr(ctypes.c_int64.from_buffer(flag), "value", 1))
    timer = threading.Timer(0.05, setter.start)
    timer.start()
    pool.parallel_for(clib.wait_for_python, 1, flag)
    timer.join()
    setter.join()
    assert list(flag) == [1, 1]


def test_numba_cfunc_over_a_numpy_array(pool):
    values = np.linspace(-3.0, 3.0, 50_001)
    expected = values * values
    pool.parallel_for(square_in_place, len(values), values)
    assert np.array_equal(values, expected)


def test_numba_cfunc_address(pool):
    values = np.full(1000, 3.0)
    pool.parallel_for(square_in_place.address, len(values), values.ctypes.data, chunk=10)
    assert np.array_equal(values, np.full(1000, 9.0))


def test_ctypes_callback_of_a_python_function(pool):
    seen = bytearray(100)
    lock = threading.Lock()
    calls = []

    @ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
    def mark(context, begin, end):
        view = (ctypes.c_char * 100).from_address(context)
        for i in range(begin, end):
            view[i] = view[i][0] + 1
        with lock:
            calls.append((begin, end))

    pool.parallel_for(mark, 100, seen, chunk=10)
    assert seen == bytearray([1]) * 100
    assert sorted(calls) == [(i, i + 10) for i in range(0, 100, 10)]


@pytest.mark.parametrize(
    "make_context",
    [
        pytest.param(lambda: np.zeros(64, dtype=np.int64), id="numpy"),
        pytest.param(lambda: bytearray(64 * 8), id="bytearray"),
        pytest.param(lambda: array.array("q", [0] * 64), id="array"),
        pytest.param(lambda: (ctypes.c_int64 * 64)(), id="ctypes-array"),
        pytest.param(lambda: memoryview(bytearray(64 * 8)), id="memoryview"),
    ],
)
def test_context_forms(pool, clib, make_context):
    context = make_context()
    pool.parallel_for(clib.triple_plus_one, 64, context)
    assert list(memoryview(context).cast("B").cast("q")) == [1] * 64


def test_context_pointer_and_address(pool, clib):
    values = (ctypes.c_int64 * 8)()
    pool.parallel_for(clib.triple_plus_one, 8, ctypes.cast(values, ctypes.POINTER(ctypes.c_int64)))
    pool.parallel_for(clib.triple_plus_one, 8, ctypes.addressof(values))
    pool.parallel_for(clib.triple_plus_one, 8, ctypes.c_void_p(ctypes.addressof(values)))
    assert list(values) == [13] * 8


def test_null_context(pool, clib):
    calls = []

    @ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
    def record(context, begin, end):
        calls.append(context)

    pool.parallel_for(record, 3, None, chunk=1)
    pool.parallel_for(record, 3, chunk=1)
    assert calls == [None] * 6


def test_a_buffer_is_pinned_during_the_loop(pool):
    buffer = bytearray(16)
    resized = []

    @ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
    def try_resize(context, begin, end):
        try:
            buffer.extend(b"more")
        except BufferError:
            resized.append(False)
        else:
            resized.append(True)

    pool.parallel_for(try_resize, 1, buffer)
    assert resized == [False]
    buffer.extend(b"more")  # released once the loop is over
    assert len(buffer) == 20


def test_wrong_function_kinds_raise_type_error_before_running(pool, clib):
    values = np.zeros(10, dtype=np.int64)
    untyped = ctypes.CDLL(clib._name).triple_plus_one  # argtypes not declared
    wrong = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda context: None)
    narrow = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)(lambda *_: None)
    python_api = ctypes.PyDLL(clib._name).triple_plus_one
    python_api.argtypes = FOR_ARGTYPES
    for bad in (
        lambda context, begin, end: None,
        print,
        "triple_plus_one",
        1.5,
        True,
        None,
        untyped,
        wrong,
        narrow,
        python_api,
        clib.sum_ten,
        first_plus_last,
    ):
        with pytest.raises(TypeError):
            pool.parallel_for(bad, len(values), values)
    assert not values.any()


def test_bad_contexts(pool, clib):
    with pytest.raises(TypeError, match="read-only"):
        pool.parallel_for(clib.triple_plus_one, 1, b"12345678")
    with pytest.raises(TypeError):
        pool.parallel_for(clib.triple_plus_one, 1, "text")
    with pytest.raises(TypeError):
        pool.parallel_for(clib.triple_plus_one, 1, object())
    with pytest.raises(TypeError):
        pool.parallel_for(clib.triple_plus_one, 1, False)
    with pytest.raises(ValueError, match="contiguous"):
        pool.parallel_for(clib.triple_plus_one, 1, np.zeros(10, dtype=np.int64)[::2])
    with pytest.raises(ValueError):
        pool.parallel_for(clib.triple_plus_one, 1, -8)


def test_bad_counts(pool, clib):
    values = np.zeros(10, dtype=np.int64)
    with pytest.raises(ValueError):
        pool.parallel_for(clib.triple_plus_one, -1, values)
    with pytest.raises(ValueError):
        pool.parallel_for(clib.triple_plus_one, 10, values, chunk=-1)
    with pytest.raises(TypeError):
        pool.parallel_for(clib.triple_plus_one, 2.0, values)
    with pytest.raises(ValueError):
        pool.parallel_for(-1, 10, values)
    with pytest.raises(allcore.NullPointerError):
        pool.parallel_for(0, 10, values)
    assert not values.any()


def test_parallel_for_after_close(clib):
    pool = allcore.ThreadPool(1)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.parallel_for(clib.triple_plus_one, 1, np.zeros(1, dtype=np.int64))


def test_parallel_for_from_a_pool_task(pool, clib):
    values = np.zeros(1000, dtype=np.int64)
    future = pool.submit(pool.parallel_for, clib.triple_plus_one, len(values), values)
    assert future.result(timeout=30) is None
    assert (values == 1).all()


def test_parallel_for_after_shutdown_still_runs_on_the_caller(clib):
    with allcore.ThreadPool(2) as pool:
        pool.shutdown(wait=True)
        values = np.zeros(100, dtype=np.int64)
        pool.parallel_for(clib.triple_plus_one, len(values), values, chunk=3)
        assert (values == 1).all()


# -- submit_native --------------------------------------------------------


def test_submit_native_c_task(pool, clib):
    values = np.arange(10, dtype=np.int64)
    future = pool.submit_native(clib.sum_ten, values)
    assert future.result(timeout=30) == 45


def test_submit_native_runs_on_a_worker(pool, clib):
    clib.remember_thread()
    assert pool.submit_native(clib.on_another_thread).result(timeout=30) == 1


def test_submit_native_numba(pool):
    values = np.arange(100, dtype=np.int64)
    assert pool.submit_native(first_plus_last, values).result(timeout=30) == 99
    assert pool.submit_native(first_plus_last.address, values.ctypes.data).result(timeout=30) == 99


def test_submit_native_keeps_the_context_alive(pool, clib):
    futures = [pool.submit_native(clib.sum_ten, np.full(10, n, dtype=np.int64)) for n in range(50)]
    assert [f.result(timeout=30) for f in futures] == [10 * n for n in range(50)]


def test_submit_native_wrong_kinds(pool, clib):
    returns_int = ctypes.CDLL(clib._name).sum_ten
    returns_int.argtypes = [ctypes.c_void_p]  # restype left as c_int
    for bad in (lambda context: 1, clib.triple_plus_one, square_in_place, returns_int, 2.5):
        with pytest.raises(TypeError):
            pool.submit_native(bad)
    with pytest.raises(TypeError):
        pool.submit_native(clib.sum_ten, b"read-only bytes")


def test_submit_native_after_shutdown(clib):
    pool = allcore.ThreadPool(1)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit_native(clib.sum_ten, np.zeros(10, dtype=np.int64))
    pool.close()


def test_submit_native_futures_work_with_as_completed(pool, clib):
    import concurrent.futures

    contexts = [np.full(10, n, dtype=np.int64) for n in range(8)]
    futures = [pool.submit_native(clib.sum_ten, context) for context in contexts]
    done = {f.result() for f in concurrent.futures.as_completed(futures, timeout=30)}
    assert done == {10 * n for n in range(8)}


# -- the examples ---------------------------------------------------------

EXAMPLE_OUTPUT = {
    "numpy_c_function.py": """\
elements: 1000000
values[3] = sqrt(3 * 3 + 1) = 3.162278
matches numpy: True
""",
    "numpy_numba_cfunc.py": """\
elements: 500000
matches numpy: True
all in (0, 1): True
negative numbers counted by a native task: 250
""",
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_OUTPUT))
def test_example(name):
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(SOURCE), environment.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXAMPLE_OUTPUT[name]
