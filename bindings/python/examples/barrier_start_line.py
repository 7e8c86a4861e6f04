"""Barrier start line: five runners wait at an allcore.Barrier; the last to
arrive fires the starting gun (the barrier's action), then all start together.
"""

import threading

import allcore

RUNNERS = 5


def main():
    lock = allcore.Lock()
    events = []

    def starting_gun():
        events.append("gun")

    start_line = allcore.Barrier(RUNNERS, action=starting_gun)
    indices = []

    def runner():
        with lock:
            events.append("ready")
        index = start_line.wait()
        with lock:
            events.append("run")
            indices.append(index)

    threads = [threading.Thread(target=runner) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"arrival indices: {sorted(indices)}")
    print(f"starting gun fired: {events.count('gun')} time")
    expected = ["ready"] * RUNNERS + ["gun"] + ["run"] * RUNNERS
    print(f"everyone was ready before the gun, and ran after it: {events == expected}")


if __name__ == "__main__":
    main()
