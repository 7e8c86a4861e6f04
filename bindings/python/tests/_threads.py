"""Thread helpers shared by the test modules."""

import threading

#: How long a test waits for a thread before calling it stuck.
LONG = 10.0


def start(target, *args):
    """Run ``target(*args)`` in a daemon thread and return the thread."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def finish(*threads):
    """Join every thread, failing the test if one is stuck."""
    for thread in threads:
        thread.join(LONG)
        assert not thread.is_alive(), "a thread did not finish"


def run_threads(count, target, *args):
    """Run ``target(*args)`` in ``count`` threads at once and wait for all."""
    finish(*(start(target, *args) for _ in range(count)))
