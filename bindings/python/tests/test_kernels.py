import concurrent.futures
import inspect
import os
import pickle
import pydoc
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import allcore


def test_fib_values():
    assert [allcore.fib(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    assert allcore.fib(30) == 832040


def test_fib_errors():
    with pytest.raises(ValueError) as negative:
        allcore.fib(-1)
    assert isinstance(negative.value, allcore.InvalidArgumentError)
    assert negative.value.status == "AC_INVALID_ARGUMENT"
    with pytest.raises(OverflowError) as too_big:
        allcore.fib(93)
    assert isinstance(too_big.value, allcore.AllcoreError)
    assert too_big.value.status == "AC_OVERFLOW"
    assert "92" in str(too_big.value)
    with pytest.raises(TypeError):
        allcore.fib(3.0)
    with pytest.raises(OverflowError):
        allcore.fib(1 << 64)


def test_busy_loop():
    assert allcore.busy_loop(1000) == allcore.busy_loop(1000)
    assert allcore.busy_loop(0) != allcore.busy_loop(1)
    with pytest.raises(ValueError):
        allcore.busy_loop(-1)


def test_busy_loop_for():
    start = time.monotonic()
    iterations = allcore.busy_loop_for(0.05)
    assert time.monotonic() - start >= 0.05
    assert iterations > 0
    assert allcore.busy_loop_for(0) >= 0
    with pytest.raises(ValueError):
        allcore.busy_loop_for(-0.1)


def test_range_sum():
    assert allcore.range_sum(0, 10) == 45
    assert allcore.range_sum(10, 0) == 0
    assert allcore.range_sum(-5, 5) == -5
    assert allcore.range_sum(0, 1_000_000) == sum(range(1_000_000))
    with pytest.raises(OverflowError) as error:
        allcore.range_sum(1 << 62, (1 << 62) + 4)
    assert error.value.status == "AC_OVERFLOW"


def test_kernels_are_recognisable_and_picklable():
    for kernel in (allcore.fib, allcore.busy_loop, allcore.busy_loop_for, allcore.range_sum):
        assert isinstance(kernel.kernel, allcore.Kernel)
        assert pickle.loads(pickle.dumps(kernel)) is kernel
    assert allcore.fib.__name__ == "fib"
    assert allcore.fib.kernel.kernel_id == allcore._ffi.AC_KERNEL_FIB


@pytest.mark.parametrize("name", ["fib", "busy_loop", "busy_loop_for", "range_sum"])
def test_help_on_a_kernel_reads_as_a_function(name):
    kernel = getattr(allcore, name)
    assert inspect.isfunction(kernel)
    text = pydoc.render_doc(kernel, renderer=pydoc.plaintext)
    assert f"function {name} in module allcore" in text
    assert str(inspect.signature(kernel)) in text
    assert kernel.__doc__.splitlines()[0] in text
    assert "object" not in text.splitlines()[0]


def test_kernel_signatures():
    assert list(inspect.signature(allcore.fib).parameters) == ["n"]
    assert list(inspect.signature(allcore.range_sum).parameters) == ["start", "stop"]
    assert list(inspect.signature(allcore.busy_loop).parameters) == ["iterations"]
    assert list(inspect.signature(allcore.busy_loop_for).parameters) == ["seconds"]
    assert allcore.fib(n=10) == 55


# Each call below would run for years if it started its loop before checking:
# a regression hangs the test instead of passing it.


@pytest.mark.parametrize(
    "start, stop", [(0, 2**63 - 1), (-(2**63), 2**63 - 1), (-(2**63), 0), (1 << 40, 2**63 - 1)]
)
def test_a_range_sum_that_cannot_fit_fails_at_once(start, stop):
    with pytest.raises(OverflowError) as error:
        allcore.range_sum(start, stop)
    assert error.value.status == "AC_OVERFLOW"


def test_a_pool_range_sum_that_cannot_fit_fails_at_once():
    with allcore.ThreadPool(2) as pool:
        with pytest.raises(OverflowError):
            pool.range_sum(0, 2**63 - 1)
        with pytest.raises(OverflowError):
            pool.submit(allcore.range_sum, 0, 2**63 - 1).result()
        starts, stops = [0, 1 << 40], [2**63 - 1, 2**63 - 1]
        with pytest.raises(OverflowError):
            list(pool.map(allcore.range_sum, starts, stops))
        assert pool.range_sum(2**63 - 2, 2**63 - 1) == 2**63 - 2


def test_a_bad_batch_item_fails_before_any_item_runs():
    with allcore.ThreadPool(2) as pool:
        with pytest.raises(OverflowError):
            pool.parallel_fib([92, 92, 93])
        with pytest.raises(ValueError):
            pool.parallel_fib([92, 92, -1])


def test_kernels_release_the_gil():
    # While one thread is inside a kernel, another runs Python bytecode all
    # along. Had the call kept the GIL, the main thread could run only in
    # the switch interval before the call began (5 ms), not across it.
    duration = 0.3
    window: list[float] = []

    def spin():
        window.append(time.monotonic())
        allcore.busy_loop_for(duration)
        window.append(time.monotonic())

    seen: list[float] = []
    thread = threading.Thread(target=spin)
    thread.start()
    while thread.is_alive():
        seen.append(time.monotonic())
    thread.join()
    began, ended = window
    during = [moment for moment in seen if began < moment < ended]
    assert during and during[-1] - during[0] > duration / 2


def test_python_threads_run_fib_concurrently():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        assert list(executor.map(allcore.fib, [20] * 8)) == [6765] * 8


INTERRUPTED_SCRIPT = r"""
import sys
from pathlib import Path
import threading
import time

import allcore

pool = allcore.ThreadPool(2)
form = sys.argv[1]


def announce():
    # Tell the parent once native work is running, so its SIGINT lands mid-batch.
    while pool.stats().running == 0:
        pass
    print("started", flush=True)


threading.Thread(target=announce, daemon=True).start()
began = time.monotonic()
try:
    if form == "map":
        list(pool.map(allcore.busy_loop_for, [1.5] * 4))
    elif form == "parallel_fib":
        pool.parallel_fib([45] * 4)
    else:
        pool.busy_loop_for(3.0)
except KeyboardInterrupt:
    # Each form keeps the 2 workers busy for about 3 s: an interrupt that
    # waited for the work would come later than this.
    print("interrupted while native work runs:", time.monotonic() - began < 2.0, flush=True)
else:
    print("not interrupted", flush=True)
pool.shutdown(wait=True)
print("finished:", pool.stats().running == 0, flush=True)
"""


@pytest.mark.parametrize("form", ["map", "parallel_fib", "busy_loop_for"])
def test_ctrl_c_interrupts_the_wait_for_a_pool_kernel(form):
    """KeyboardInterrupt reaches the main thread while the batch still runs.

    The batch itself is allowed to finish: shutdown(wait=True) waits for it,
    and the process then exits normally.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_SCRIPT, form],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline() == "started\n"
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=300)
    finally:
        process.kill()
    assert rest.splitlines() == ["interrupted while native work runs: True", "finished: True"]
    assert process.returncode == 0


def test_allcore_num_threads_sizes_a_default_pool():
    script = "import allcore; print(allcore.ThreadPool().stats().workers)"

    def workers(value):
        env = dict(os.environ, ALLCORE_NUM_THREADS=value)
        return subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True
        )

    assert workers("3").stdout == "3\n"
    assert workers(" 1 ").stdout == "1\n"
    # Unset or blank: ThreadPoolExecutor's default, as concurrent.futures has it.
    default = concurrent.futures.ThreadPoolExecutor()._max_workers
    assert workers("").stdout == f"{default}\n"
    for bad in ("0", "-1", "two", "4097"):
        refused = workers(bad)
        assert refused.returncode != 0
        assert "InvalidArgumentError" in refused.stderr
        assert "ALLCORE_NUM_THREADS" in refused.stderr


TYPED_USER_SCRIPT = """
import allcore

value: int = allcore.fib(30)
total: int = allcore.range_sum(0, 10)
state: int = allcore.busy_loop(100)
iterations: int = allcore.busy_loop_for(0.001)
"""


def _mypy_strict(tmp_path, source):
    mypy = pytest.importorskip("mypy.api", reason="mypy is not installed")
    script = tmp_path / "user_script.py"
    script.write_text(source)
    env_path = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = str(Path(allcore.__file__).resolve().parents[1])
    try:
        # Errors inside allcore itself are another test's business: only the
        # user's script is checked against allcore's annotations.
        stdout, _, status = mypy.run(
            ["--strict", "--follow-imports=silent", "--no-incremental", str(script)]
        )
    finally:
        if env_path is None:
            del os.environ["MYPYPATH"]
        else:
            os.environ["MYPYPATH"] = env_path
    return stdout, status


def test_kernel_calls_pass_mypy_strict(tmp_path):
    stdout, status = _mypy_strict(tmp_path, TYPED_USER_SCRIPT)
    assert status == 0, stdout


def test_mypy_strict_catches_a_wrong_kernel_argument(tmp_path):
    stdout, status = _mypy_strict(tmp_path, TYPED_USER_SCRIPT + 'allcore.fib("30")\n')
    assert status == 1
    assert 'Argument 1 to "fib" has incompatible type "str"' in stdout
