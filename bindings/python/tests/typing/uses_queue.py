"""A user script with typed queues: ``mypy --strict`` accepts it."""

from __future__ import annotations

import dataclasses
import threading

import allcore


@dataclasses.dataclass(order=True)
class Job:
    priority: int
    name: str = dataclasses.field(compare=False)


def produce(jobs: allcore.Queue[int], count: int) -> None:
    jobs.put_many(range(count))
    jobs.put(-1)


def consume(jobs: allcore.Queue[int], results: allcore.SimpleQueue[str]) -> None:
    while True:
        n = jobs.get()
        jobs.task_done()
        if n < 0:
            return
        results.put(f"fib({n}) = {allcore.fib(n)}")


def main() -> list[str]:
    jobs: allcore.Queue[int] = allcore.Queue(maxsize=8)
    results: allcore.SimpleQueue[str] = allcore.SimpleQueue()
    worker = threading.Thread(target=consume, args=(jobs, results))
    worker.start()
    produce(jobs, 10)
    jobs.join()
    worker.join()
    lines: list[str] = []
    while not results.empty():
        lines.append(results.get_nowait())

    tasks: allcore.PriorityQueue[Job] = allcore.PriorityQueue()
    tasks.put(Job(2, "later"))
    tasks.put(Job(1, "first"), timeout=1.0)
    first: Job = tasks.get(timeout=1.0)
    lines.append(first.name)
    lines.extend(job.name for job in tasks.get_many(10, block=False))

    stack: allcore.LifoQueue[bytes] = allcore.LifoQueue()
    stack.put(b"a")
    try:
        stack.put_nowait(b"b")
        lines.append(stack.get().decode())
    except allcore.Full:
        pass
    stack.shutdown(immediate=True)
    try:
        stack.get(block=False)
    except (allcore.Empty, allcore.ShutDown):
        lines.append(f"empty: {stack.qsize() == 0}, shut down: {stack.is_shutdown}")
    stack.close()
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
