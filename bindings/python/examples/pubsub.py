"""Publish/subscribe with an allcore.Topic (seed 004 section 2.3.3).

The seed's "exchange" keeps a set of subscribers and sends every message to
each of them. Here the exchange is an allcore.Topic and each subscriber owns
an allcore.Queue read by its own thread: publish() copies the message into
every subscribed queue in one native call. A subscriber that unsubscribes
gets nothing published afterwards; shutting the queues down ends the
subscriber threads once they have read everything.
"""

import threading

import allcore

SUBSCRIBERS = ("alice", "bob", "carol")


def subscriber(name, inbox, log, lock):
    received = []
    while True:
        try:
            received.append(inbox.get())
        except allcore.ShutDown:
            break
    with lock:
        log[name] = received


def main():
    shop = allcore.Topic()
    inboxes = {name: allcore.Queue() for name in SUBSCRIBERS}
    log, lock = {}, threading.Lock()
    threads = [
        threading.Thread(target=subscriber, args=(name, inbox, log, lock))
        for name, inbox in inboxes.items()
    ]
    for thread in threads:
        thread.start()
    for inbox in inboxes.values():
        shop.subscribe(inbox)

    print(f"subscribers: {shop.subscribers}")
    for item in range(1, 4):
        print(f"publish 'item {item}' -> {shop.publish(f'item {item}')} subscribers")
    shop.unsubscribe(inboxes["bob"])
    print(f"bob unsubscribed; subscribers: {shop.subscribers}")
    for item in range(4, 6):
        print(f"publish 'item {item}' -> {shop.publish(f'item {item}')} subscribers")
    shop.close()

    for inbox in inboxes.values():
        inbox.shutdown()  # each subscriber reads what is left, then stops
    for thread in threads:
        thread.join()
    for name in SUBSCRIBERS:
        print(f"{name} received {len(log[name])}: {', '.join(log[name])}")
        inboxes[name].close()


if __name__ == "__main__":
    main()
