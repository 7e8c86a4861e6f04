"""Semaphore workers: twelve jobs, at most three running at once, enforced by
an allcore.BoundedSemaphore; an allcore.AtomicCounter measures how many run
at the same time.
"""

import threading
import time

import allcore

WORKERS = 12
LIMIT = 3


def main():
    slots = allcore.BoundedSemaphore(LIMIT)
    running = allcore.AtomicCounter()
    most = allcore.AtomicCounter()
    done = allcore.AtomicCounter()

    def worker():
        with slots:
            now = running.add(1)
            while True:  # most = max(most, now), atomically
                seen = most.value
                if now <= seen or most.compare_exchange(seen, now):
                    break
            time.sleep(0.02)
            running.add(-1)
        done.add()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"jobs done: {done.value}")
    print(f"limit: {LIMIT}")
    print(f"most running at once: {most.value}")


if __name__ == "__main__":
    main()
