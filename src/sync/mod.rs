//! Locks and events (mutex, reentrant lock, read-write lock, semaphores, condition, event, barrier, latch, atomic counter).
