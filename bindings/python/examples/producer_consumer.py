"""Producers and consumers over an allcore.Queue (seed 000 section 5, seed 004
section 2.2.7), stopped with shutdown() instead of sentinel values.

Three producers put 40 fib jobs each into a bounded queue; four consumers
compute allcore.fib on them. fib runs in native code with the GIL released,
so the consumers really use every core. When the producers are done the
queue is shut down: the consumers drain what is left and then get
allcore.ShutDown, which ends their loop.
"""

import threading

import allcore

PRODUCERS = 3
CONSUMERS = 4
JOBS_PER_PRODUCER = 40


def produce(jobs, producer):
    for job in range(JOBS_PER_PRODUCER):
        jobs.put((producer, 20 + job % 8))  # (who made it, which fib to compute)


def consume(jobs, results, lock):
    done, total = 0, 0
    while True:
        try:
            _producer, n = jobs.get()
        except allcore.ShutDown:  # shut down and drained: nothing more will come
            break
        total += allcore.fib(n)
        done += 1
        jobs.task_done()
    with lock:
        results.append((done, total))


def main():
    jobs = allcore.Queue(maxsize=8)  # producers wait while 8 jobs are pending
    results, lock = [], threading.Lock()
    consumers = [
        threading.Thread(target=consume, args=(jobs, results, lock)) for _ in range(CONSUMERS)
    ]
    producers = [
        threading.Thread(target=produce, args=(jobs, producer)) for producer in range(PRODUCERS)
    ]
    for thread in consumers + producers:
        thread.start()
    for thread in producers:
        thread.join()
    jobs.join()  # every job has been processed ...
    jobs.shutdown()  # ... so the consumers can stop
    for thread in consumers:
        thread.join()
    jobs.close()

    expected = PRODUCERS * sum(allcore.fib(20 + job % 8) for job in range(JOBS_PER_PRODUCER))
    print(f"jobs produced: {PRODUCERS * JOBS_PER_PRODUCER}")
    print(f"jobs consumed: {sum(done for done, _ in results)}")
    print(f"consumers stopped by shutdown: {len(results)} of {CONSUMERS}")
    print(f"sum of fib results: {sum(total for _, total in results)}")
    print(f"matches a serial run: {sum(total for _, total in results) == expected}")


if __name__ == "__main__":
    main()
