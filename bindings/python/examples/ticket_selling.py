"""Ticket selling: eight sellers share 1000 tickets under one allcore.Lock.

Without the lock two sellers could sell the same ticket; with it the count
ends at exactly zero and exactly 1000 tickets are sold.
"""

import threading

import allcore

TICKETS = 1000
SELLERS = 8


def main():
    lock = allcore.Lock()
    state = {"left": TICKETS}
    sold = [0] * SELLERS

    def seller(number):
        while True:
            with lock:
                if state["left"] == 0:
                    return
                state["left"] -= 1
            sold[number] += 1

    threads = [threading.Thread(target=seller, args=(number,)) for number in range(SELLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"tickets left: {state['left']}")
    print(f"tickets sold: {sum(sold)} of {TICKETS}")
    print("sold out" if state["left"] == 0 and sum(sold) == TICKETS else "WRONG COUNT")


if __name__ == "__main__":
    main()
