/*
 * A C library that feeds an allcore queue from allcore's pool, given both by
 * handle. Built with: gcc -shared -fPIC cproducer.c -lallcore
 */
#include <stdio.h>
#include <string.h>

#include "allcore.h"

struct job {
    ac_queue *queue;
    int64_t first;
    _Atomic int failures;
};

/* Runs on allcore's workers: puts "c <i>" for every i of [begin, end). */
static void put_range(void *context, size_t begin, size_t end) {
    struct job *job = context;
    char message[32];
    for (size_t i = begin; i < end; i++) {
        int len = snprintf(message, sizeof message, "c %lld", (long long)(job->first + (int64_t)i));
        if (ac_queue_put(job->queue, message, (size_t)len) != AC_OK) job->failures++;
    }
}

/* Puts `count` messages into `queue`, in parallel on `pool`. The caller's
 * references keep both alive for the call; the library takes none. */
int c_produce(const ac_pool *pool, ac_queue *queue, int64_t first, int64_t count) {
    struct job job = {queue, first, 0};
    ac_status status = ac_pool_parallel_for(pool, (size_t)count, 16, put_range, &job);
    return status != AC_OK ? (int)status : job.failures;
}

/* The allcore this library is linked to, to check it is the host's own. */
const void *c_allcore(void) {
    return (const void *)&ac_version;
}
