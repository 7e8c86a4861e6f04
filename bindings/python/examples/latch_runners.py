"""CountDownLatch: the referee waits until every runner is ready, then one
count-down on a second latch starts them all; a third latch reports the finish.
"""

import threading

import allcore

RUNNERS = 5


def main():
    ready = allcore.CountDownLatch(RUNNERS)
    start = allcore.CountDownLatch(1)
    finished = allcore.CountDownLatch(RUNNERS)
    early_starts = allcore.AtomicCounter()

    def runner():
        ready.count_down()
        start.wait()
        if ready.count != 0:
            early_starts.add()
        finished.count_down()

    threads = [threading.Thread(target=runner) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    ready.wait()
    print(f"all {RUNNERS} runners ready")
    print(f"runners finished before the start: {RUNNERS - finished.count}")
    start.count_down()
    print("go!")
    finished.wait()
    for thread in threads:
        thread.join()
    print(f"all {RUNNERS} runners finished")
    print(f"runners that started early: {early_starts.value}")


if __name__ == "__main__":
    main()
