/*
 * A plain pthread pool, the kind a C programmer writes by hand: a mutex and
 * condition variable around a linked list of malloc'd tasks, and a counter
 * of finished tasks that the submitter waits on. It is the baseline of
 * pool_throughput.
 */
#ifndef PTHREAD_POOL_H
#define PTHREAD_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pthread_pool;

struct pthread_pool *pthread_pool_new(size_t workers);
/* Queues `task(context)`; returns 0, or -1 when out of memory. */
int pthread_pool_submit(struct pthread_pool *pool, int64_t (*task)(void *), void *context);
/* Blocks until `count` tasks in all have finished since the pool started. */
void pthread_pool_wait_finished(struct pthread_pool *pool, uint64_t count);
void pthread_pool_free(struct pthread_pool *pool);

#endif /* PTHREAD_POOL_H */
