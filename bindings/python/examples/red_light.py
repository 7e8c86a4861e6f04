"""Red light, green light: cars wait at a red light (an allcore.Event) and
drive on when it turns green.

The controller turns the light green only once every car is waiting (an
allcore.CountDownLatch counts them in), so the output is the same every run.
"""

import threading

import allcore

CARS = 6


def main():
    green = allcore.Event()
    waiting = allcore.CountDownLatch(CARS)
    passed = allcore.AtomicCounter()
    early = allcore.AtomicCounter()

    def car():
        if green.is_set():
            early.add()
        waiting.count_down()
        green.wait()
        passed.add()

    print("light is red")
    threads = [threading.Thread(target=car) for _ in range(CARS)]
    for thread in threads:
        thread.start()
    waiting.wait()
    print(f"cars waiting at the red light: {CARS - waiting.count}")
    print(f"cars through before green: {passed.value}")
    green.set()
    print("light is green")
    for thread in threads:
        thread.join()
    green.clear()
    print(f"cars through on green: {passed.value}")
    print(f"cars that ran the red light: {early.value}")
    print("light is red again" if not green.is_set() else "light stuck on green")


if __name__ == "__main__":
    main()
