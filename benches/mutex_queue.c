/*
 * The mutex + condition variable bounded queue: see mutex_queue.h.
 * Signals only when a waiter may be there (a producer that found the queue
 * full, a consumer that found it empty), the usual hand optimisation.
 */
#define _POSIX_C_SOURCE 200809L

#include "mutex_queue.h"

#include <pthread.h>
#include <stdlib.h>

struct mutex_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full;
    pthread_cond_t not_empty;
    size_t capacity;
    size_t head;
    size_t count;
    int waiting_producers;
    int waiting_consumers;
    bool closed;
    uint64_t *slots;
};

struct mutex_queue *mutex_queue_new(size_t capacity)
{
    struct mutex_queue *queue = calloc(1, sizeof *queue);
    if (queue == NULL || capacity == 0) {
        free(queue);
        return NULL;
    }
    queue->slots = calloc(capacity, sizeof *queue->slots);
    if (queue->slots == NULL) {
        free(queue);
        return NULL;
    }
    queue->capacity = capacity;
    pthread_mutex_init(&queue->lock, NULL);
    pthread_cond_init(&queue->not_full, NULL);
    pthread_cond_init(&queue->not_empty, NULL);
    return queue;
}

void mutex_queue_free(struct mutex_queue *queue)
{
    if (queue == NULL) {
        return;
    }
    pthread_cond_destroy(&queue->not_empty);
    pthread_cond_destroy(&queue->not_full);
    pthread_mutex_destroy(&queue->lock);
    free(queue->slots);
    free(queue);
}

/* With the lock held: waits for room; false when closed. */
static bool wait_for_room(struct mutex_queue *queue)
{
    while (queue->count == queue->capacity && !queue->closed) {
        queue->waiting_producers++;
        pthread_cond_wait(&queue->not_full, &queue->lock);
        queue->waiting_producers--;
    }
    return !queue->closed;
}

/* With the lock held: waits for an item; false when closed and empty. */
static bool wait_for_item(struct mutex_queue *queue)
{
    while (queue->count == 0 && !queue->closed) {
        queue->waiting_consumers++;
        pthread_cond_wait(&queue->not_empty, &queue->lock);
        queue->waiting_consumers--;
    }
    return queue->count > 0;
}

bool mutex_queue_put(struct mutex_queue *queue, uint64_t value)
{
    pthread_mutex_lock(&queue->lock);
    if (!wait_for_room(queue)) {
        pthread_mutex_unlock(&queue->lock);
        return false;
    }
    queue->slots[(queue->head + queue->count) % queue->capacity] = value;
    queue->count++;
    if (queue->waiting_consumers > 0) {
        pthread_cond_signal(&queue->not_empty);
    }
    pthread_mutex_unlock(&queue->lock);
    return true;
}

bool mutex_queue_get(struct mutex_queue *queue, uint64_t *value)
{
    pthread_mutex_lock(&queue->lock);
    if (!wait_for_item(queue)) {
        pthread_mutex_unlock(&queue->lock);
        return false;
    }
    *value = queue->slots[queue->head];
    queue->head = (queue->head + 1) % queue->capacity;
    queue->count--;
    if (queue->waiting_producers > 0) {
        pthread_cond_signal(&queue->not_full);
    }
    pthread_mutex_unlock(&queue->lock);
    return true;
}

size_t mutex_queue_put_many(struct mutex_queue *queue, const uint64_t *values, size_t count)
{
    size_t put = 0;
    pthread_mutex_lock(&queue->lock);
    while (put < count) {
        if (!wait_for_room(queue)) {
            break;
        }
        size_t room = queue->capacity - queue->count;
        size_t n = count - put < room ? count - put : room;
        for (size_t i = 0; i < n; i++) {
            queue->slots[(queue->head + queue->count + i) % queue->capacity] = values[put + i];
        }
        queue->count += n;
        put += n;
        if (queue->waiting_consumers > 0) {
            pthread_cond_broadcast(&queue->not_empty);
        }
    }
    pthread_mutex_unlock(&queue->lock);
    return put;
}

size_t mutex_queue_get_many(struct mutex_queue *queue, uint64_t *values, size_t max)
{
    pthread_mutex_lock(&queue->lock);
    if (!wait_for_item(queue)) {
        pthread_mutex_unlock(&queue->lock);
        return 0;
    }
    size_t n = queue->count < max ? queue->count : max;
    for (size_t i = 0; i < n; i++) {
        values[i] = queue->slots[(queue->head + i) % queue->capacity];
    }
    queue->head = (queue->head + n) % queue->capacity;
    queue->count -= n;
    if (queue->waiting_producers > 0) {
        pthread_cond_broadcast(&queue->not_full);
    }
    pthread_mutex_unlock(&queue->lock);
    return n;
}

void mutex_queue_close(struct mutex_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    queue->closed = true;
    pthread_cond_broadcast(&queue->not_full);
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}
