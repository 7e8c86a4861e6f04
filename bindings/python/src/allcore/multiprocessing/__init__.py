"""Queues and locks in shared memory, as drop-ins for ``multiprocessing``'s.

:class:`Queue`, :class:`SimpleQueue`, :class:`JoinableQueue`, :class:`Lock`,
:class:`RLock`, :class:`Condition`, :class:`Semaphore`,
:class:`BoundedSemaphore`, :class:`Event`, :class:`Barrier`, :class:`Value`,
:class:`Array`, :class:`RawValue` and :class:`RawArray` take the arguments,
return the values and raise the exceptions of their ``multiprocessing``
namesakes. Each lives in a named shared-memory object of allcore (see
``ac_shm_queue_create`` in ``allcore.h``), so:

- they pickle by name: pass them to ``multiprocessing.Process``, to ``Pool``
  initializers, or through a queue, under ``fork``, ``spawn`` and
  ``forkserver``; a C or Go process opens the same object by its
  :attr:`~Queue.name`;
- items are pickled as ``multiprocessing`` pickles them
  (``ForkingPickler``), except ``bytes``, ``str`` and ``int``, which travel
  in the wire format of allcore's queues (``allcore.Queue``'s docstring), so
  C and Go read them raw, and C or Go messages arrive as ``bytes``;
- a process killed at any moment (even by SIGKILL) leaves the others working:
  a queue never delivers a half-written item nor loses a committed one; a
  lock whose holder died goes to the next ``acquire``, which succeeds, sets
  the lock's :attr:`~Lock.owner_died` and warns with
  :class:`OwnerDiedWarning`.

The shared-memory files go when the last process using an object drops it
(``/dev/shm/allcore-mp-*`` on Linux). ``Queue.close()`` is per process, as
in ``multiprocessing``; :meth:`Queue.shutdown` closes the queue for every
process (later puts raise, gets drain it then raise ``ShutDown``); the
locks, condition, semaphores, event and barrier have ``shutdown()`` too
(allcore's: waiters and later blocking calls raise ``allcore.ClosedError``).
``put_many`` / ``get_many`` move many items per native call. ``timeout=None``
waits forever; waits run in native slices of 50 ms, so Ctrl-C interrupts them.
"""

from ._objects import (
    Array,
    Barrier,
    BoundedSemaphore,
    BrokenBarrierError,
    Condition,
    Event,
    JoinableQueue,
    Lock,
    OwnerDiedWarning,
    Queue,
    RawArray,
    RawValue,
    RLock,
    Semaphore,
    SimpleQueue,
    Value,
)

__all__ = [
    "Array",
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "Condition",
    "Event",
    "JoinableQueue",
    "Lock",
    "OwnerDiedWarning",
    "Queue",
    "RLock",
    "RawArray",
    "RawValue",
    "Semaphore",
    "SimpleQueue",
    "Value",
]
