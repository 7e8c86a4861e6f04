"""A small program using allcore's locks and events as threading's: type-checked
with ``mypy --strict`` and run as a script by the test suite."""

import threading

import allcore


class Account:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = allcore.Lock()


def transfer(source: Account, target: Account, amount: int) -> bool:
    with allcore.lock_all(source.lock, target.lock, timeout=5.0):
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
        return True


def main() -> None:
    accounts = [Account(100), Account(100)]
    stop = allcore.Event()
    ready = allcore.Semaphore(0)
    slots = allcore.BoundedSemaphore(2)
    reentrant = allcore.RLock()
    items: list[int] = []
    condition = allcore.Condition(allcore.Lock())

    def producer() -> None:
        for item in range(3):
            with condition:
                items.append(item)
                condition.notify()
        ready.release()

    def worker() -> None:
        with slots, reentrant, reentrant:
            locked: bool = accounts[0].lock.acquire(timeout=1.0)
            if locked:
                accounts[0].lock.release()
        moved = transfer(accounts[0], accounts[1], 10)
        assert moved
        if not stop.is_set():
            stop.wait(0.01)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    threads.append(threading.Thread(target=producer))
    for thread in threads:
        thread.start()
    with condition:
        got_all: bool = condition.wait_for(lambda: len(items) == 3, timeout=5.0)
    assert got_all
    acquired: bool = ready.acquire(timeout=5.0)
    assert acquired
    stop.set()
    for thread in threads:
        thread.join()
    barrier = allcore.Barrier(1)
    index: int = barrier.wait()
    total = sum(account.balance for account in accounts)
    print(f"total={total} index={index} held={accounts[0].lock.locked()} set={stop.is_set()}")


if __name__ == "__main__":
    main()
