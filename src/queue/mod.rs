//! Queues: FIFO, LIFO and priority, bounded or not, blocking with timeouts, closable; publish/subscribe.
