"""Bank transfers: random transfers between accounts, each holding both
accounts' locks at once with allcore.lock_all.

lock_all takes all the locks or none and never waits while holding some, so
two transfers locking the same pair in opposite order cannot deadlock, and
money is neither created nor lost.
"""

import random
import threading

import allcore

ACCOUNTS = 10
CLERKS = 8
TRANSFERS_PER_CLERK = 1000


def main():
    balances = [1000] * ACCOUNTS
    locks = [allcore.Lock() for _ in range(ACCOUNTS)]
    done = allcore.AtomicCounter()

    def clerk(seed):
        generator = random.Random(seed)
        for _ in range(TRANSFERS_PER_CLERK):
            source, target = generator.sample(range(ACCOUNTS), 2)
            with allcore.lock_all(locks[source], locks[target]):
                amount = min(balances[source], generator.randint(1, 100))
                balances[source] -= amount
                balances[target] += amount
            done.add()

    print(f"total before: {sum(balances)}")
    threads = [threading.Thread(target=clerk, args=(seed,)) for seed in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"transfers: {done.value}")
    print(f"total after: {sum(balances)}")
    print(f"no negative balance: {min(balances) >= 0}")


if __name__ == "__main__":
    main()
