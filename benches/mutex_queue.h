/*
 * A bounded MPMC queue of uint64_t, the kind a C programmer writes by hand:
 * a ring buffer behind one pthread mutex, with two condition variables (not
 * full, not empty) and a closed flag for shutdown. It is the baseline of
 * queue_mpmc_c.
 */
#ifndef MUTEX_QUEUE_H
#define MUTEX_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mutex_queue;

/* A queue of `capacity` (> 0) items; NULL when out of memory. */
struct mutex_queue *mutex_queue_new(size_t capacity);
void mutex_queue_free(struct mutex_queue *queue);
/* Waits for room; false when the queue is closed. */
bool mutex_queue_put(struct mutex_queue *queue, uint64_t value);
/* Waits for an item; false once the queue is closed and empty. */
bool mutex_queue_get(struct mutex_queue *queue, uint64_t *value);
/* Puts all `count` values, as many at a time as there is room for; returns
 * how many went in (fewer only when the queue is closed). */
size_t mutex_queue_put_many(struct mutex_queue *queue, const uint64_t *values, size_t count);
/* Waits for at least one item, then takes up to `max` of those queued;
 * returns how many, 0 once the queue is closed and empty. */
size_t mutex_queue_get_many(struct mutex_queue *queue, uint64_t *values, size_t max);
/* Later puts fail; gets drain what is left, then fail. */
void mutex_queue_close(struct mutex_queue *queue);

#endif /* MUTEX_QUEUE_H */
