"""Dining philosophers: five philosophers, five forks, each eats 50 times.

A philosopher picks up both forks with allcore.lock_all, which takes both or
neither, so the classic deadlock (everyone holding the left fork) cannot
happen and everyone finishes.
"""

import threading
import time

import allcore

PHILOSOPHERS = 5
MEALS = 50


def main():
    forks = [allcore.Lock() for _ in range(PHILOSOPHERS)]
    meals = [0] * PHILOSOPHERS

    def philosopher(seat):
        left, right = forks[seat], forks[(seat + 1) % PHILOSOPHERS]
        for _ in range(MEALS):
            with allcore.lock_all(left, right):
                meals[seat] += 1
                time.sleep(0)  # eat
            time.sleep(0)  # think

    threads = [threading.Thread(target=philosopher, args=(seat,)) for seat in range(PHILOSOPHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seat, count in enumerate(meals):
        print(f"philosopher {seat} ate {count} times")
    print(f"all {PHILOSOPHERS} philosophers finished")


if __name__ == "__main__":
    main()
