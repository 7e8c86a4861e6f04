"""Jobs served by priority from an allcore.PriorityQueue (seed 004 section 2.2.7).

Items are (priority, sequence, job) tuples, as with queue.PriorityQueue: the
lowest priority number comes out first, and the sequence number makes jobs of
equal priority come out in the order they were put. A worker thread serves
them while the main thread waits with join().
"""

import itertools
import threading

import allcore

JOBS = [
    (3, "write the report"),
    (1, "fix the outage"),
    (2, "review the patch"),
    (1, "call the customer"),
    (5, "water the plants"),
    (2, "answer the email"),
    (4, "plan the sprint"),
]


def main():
    jobs = allcore.PriorityQueue()
    sequence = itertools.count()
    for priority, name in JOBS:
        jobs.put((priority, next(sequence), name))
    served = []

    def worker():
        while True:
            try:
                priority, _, name = jobs.get()
            except allcore.ShutDown:
                return
            served.append(f"priority {priority}: {name}")
            jobs.task_done()

    thread = threading.Thread(target=worker)
    thread.start()
    jobs.join()  # wait until every job is served
    jobs.shutdown()
    thread.join()
    jobs.close()
    print("\n".join(served))
    print(f"served {len(served)} jobs, lowest priority number first")


if __name__ == "__main__":
    main()
