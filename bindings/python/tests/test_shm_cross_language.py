"""One named shared-memory queue, three languages: a Python producer
(allcore.multiprocessing.Queue), the C consumer of c_examples/shm_consumer.c
and the Go consumer of bindings/go/cmd/shm_consumer, running at once."""

import os
import re
import subprocess
from pathlib import Path

from allcore import multiprocessing as amp

ROOT = Path(__file__).resolve().parents[3]


def _build(tmp_path):
    env = dict(os.environ)
    env.setdefault("PKG_CONFIG_PATH", str(ROOT / "target" / "release" / "pkgconfig"))
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "c_examples"), "build/shm_consumer"], check=True, env=env
    )
    go_consumer = tmp_path / "go_shm_consumer"
    subprocess.run(
        ["go", "build", "-o", str(go_consumer), "./cmd/shm_consumer"],
        cwd=ROOT / "bindings" / "go",
        check=True,
        env=env,
    )
    return [str(ROOT / "c_examples" / "build" / "shm_consumer"), str(go_consumer)]


def test_python_produces_for_c_and_go_consumers(tmp_path):
    consumers = _build(tmp_path)
    queue = amp.Queue(capacity_bytes=1 << 12)  # small: the producer waits for the consumers
    running = [
        subprocess.Popen([program, queue.name], stdout=subprocess.PIPE, text=True)
        for program in consumers
    ]
    count = 20_000
    for value in range(1, count + 1):
        queue.put(value)
    queue.put("a str, which C and Go count as another message")
    queue.put_many([b"raw bytes", -5, 5])
    queue.shutdown()
    outputs = [process.communicate(timeout=120)[0] for process in running]
    assert [process.returncode for process in running] == [0, 0], outputs
    totals = [0, 0, 0]
    for output, who in zip(outputs, ("C consumer", "Go consumer")):
        match = re.fullmatch(rf"{who}: (\d+) integers, sum (-?\d+), (\d+) other messages\n", output)
        assert match, output
        for i in range(3):
            totals[i] += int(match.group(i + 1))
    assert totals == [count + 2, count * (count + 1) // 2, 2]
    name = queue.name
    del queue
    assert not Path("/dev/shm", name).exists(), "the last user removed the name"
