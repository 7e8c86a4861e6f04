/*
 * A plain pthread pool (see pthread_pool.h). It avoids needless wake-ups
 * the way a careful hand-written pool does: a submit signals only when a
 * worker is idle, and a worker signals the waiter only when the count it
 * waits for is reached.
 */
#define _POSIX_C_SOURCE 200809L

#include "pthread_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct task {
    struct task *next;
    int64_t (*run)(void *);
    void *context;
};

struct pthread_pool {
    pthread_mutex_t lock;
    pthread_cond_t has_work;
    pthread_cond_t finished_changed;
    struct task *head;
    struct task *tail;
    uint64_t finished;
    uint64_t wait_target; /* finished count the waiter needs; 0: none waits */
    size_t idle;          /* workers blocked on has_work */
    bool stopping;
    size_t workers;
    pthread_t *threads;
};

static void *worker(void *argument)
{
    struct pthread_pool *pool = argument;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->head == NULL && !pool->stopping) {
            pool->idle++;
            pthread_cond_wait(&pool->has_work, &pool->lock);
            pool->idle--;
        }
        if (pool->head == NULL) {
            break;
        }
        struct task *task = pool->head;
        pool->head = task->next;
        if (pool->head == NULL) {
            pool->tail = NULL;
        }
        pthread_mutex_unlock(&pool->lock);

        (void)task->run(task->context);
        free(task);

        pthread_mutex_lock(&pool->lock);
        pool->finished++;
        if (pool->finished == pool->wait_target) {
            pthread_cond_signal(&pool->finished_changed);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

struct pthread_pool *pthread_pool_new(size_t workers)
{
    struct pthread_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        return NULL;
    }
    pool->threads = calloc(workers, sizeof *pool->threads);
    if (pool->threads == NULL) {
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->has_work, NULL);
    pthread_cond_init(&pool->finished_changed, NULL);
    for (; pool->workers < workers; pool->workers++) {
        if (pthread_create(&pool->threads[pool->workers], NULL, worker, pool) != 0) {
            pthread_pool_free(pool);
            return NULL;
        }
    }
    return pool;
}

int pthread_pool_submit(struct pthread_pool *pool, int64_t (*run)(void *), void *context)
{
    struct task *task = malloc(sizeof *task);
    if (task == NULL) {
        return -1;
    }
    task->next = NULL;
    task->run = run;
    task->context = context;
    pthread_mutex_lock(&pool->lock);
    if (pool->tail != NULL) {
        pool->tail->next = task;
    } else {
        pool->head = task;
    }
    pool->tail = task;
    if (pool->idle > 0) {
        pthread_cond_signal(&pool->has_work);
    }
    pthread_mutex_unlock(&pool->lock);
    return 0;
}

void pthread_pool_wait_finished(struct pthread_pool *pool, uint64_t count)
{
    pthread_mutex_lock(&pool->lock);
    pool->wait_target = count;
    while (pool->finished < count) {
        pthread_cond_wait(&pool->finished_changed, &pool->lock);
    }
    pool->wait_target = 0;
    pthread_mutex_unlock(&pool->lock);
}

void pthread_pool_free(struct pthread_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->has_work);
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < pool->workers; i++) {
        pthread_join(pool->threads[i], NULL);
    }
    pthread_cond_destroy(&pool->finished_changed);
    pthread_cond_destroy(&pool->has_work);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool);
}
