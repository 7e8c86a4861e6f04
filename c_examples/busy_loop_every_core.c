/*
 * The seeds' `while (1) {}` on every core, done right.
 *
 * The seeds show that a C busy loop called through ctypes runs on every
 * core at once, because the foreign call releases Python's GIL. Here the
 * same loop comes from allcore, and it stops by itself after a fixed time:
 *
 *   1. one pthread per available CPU, each calling ac_busy_loop_for;
 *   2. the pool doing the same with one call, ac_pool_busy_loop_for.
 *
 * Watch `top` while it runs: every core is busy for about 0.3 s, twice.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>

#include "example.h"

/* How long each spinner runs: 0.3 s in nanoseconds, allcore's time unit. */
#define SPIN_NS INT64_C(300000000)

struct spinner {
    pthread_t thread;
    uint64_t iterations;
    ac_status status;
};

static void *spin(void *argument)
{
    struct spinner *spinner = argument;
    /* Plain allcore calls are thread-safe: no setup, no lock. */
    spinner->status = ac_busy_loop_for(SPIN_NS, &spinner->iterations);
    return NULL;
}

int main(void)
{
    size_t cpus = ac_pool_available_cpus();
    struct spinner *spinners = calloc(cpus, sizeof *spinners);
    if (spinners == NULL) {
        perror("calloc");
        return EXIT_FAILURE;
    }

    /* 1. One pthread per CPU. */
    double started = example_seconds();
    for (size_t i = 0; i < cpus; i++) {
        CHECK_PTHREAD(pthread_create(&spinners[i].thread, NULL, spin, &spinners[i]));
    }
    size_t busy_threads = 0;
    for (size_t i = 0; i < cpus; i++) {
        CHECK_PTHREAD(pthread_join(spinners[i].thread, NULL));
        CHECK(spinners[i].status);
        fprintf(stderr, "thread %zu: %llu iterations\n", i,
                (unsigned long long)spinners[i].iterations);
        if (spinners[i].iterations > 0) {
            busy_threads++;
        }
    }
    /* Parallel threads finish together: about 0.3 s, not cpus * 0.3 s. */
    fprintf(stderr, "pthreads: %.2f s wall time for %zu x 0.30 s of spinning\n",
            example_seconds() - started, cpus);
    printf("pthreads: %zu threads spun for 0.3 s, one per available CPU\n", cpus);
    printf("pthreads: every thread did > 0 iterations: %s\n", busy_threads == cpus ? "yes" : "no");
    free(spinners);

    /* 2. The pool: 0 workers means one per available CPU. */
    ac_pool *pool = NULL;
    CHECK(ac_pool_new(0, "spinner", &pool));
    ac_pool_stats stats;
    CHECK(ac_pool_get_stats(pool, &stats));
    uint64_t total_iterations = 0;
    started = example_seconds();
    CHECK(ac_pool_busy_loop_for(pool, SPIN_NS, &total_iterations));
    fprintf(stderr, "pool: %.2f s wall time, %llu iterations in total\n",
            example_seconds() - started, (unsigned long long)total_iterations);
    printf("pool: %zu workers spun for 0.3 s, one per available CPU: %s\n", stats.workers,
           stats.workers == cpus ? "yes" : "no");
    printf("pool: total iterations > 0: %s\n", total_iterations > 0 ? "yes" : "no");

    /* A negative duration is a caller error, reported as a status. */
    ac_status status = ac_busy_loop_for(-1, NULL);
    printf("ac_busy_loop_for(-1 ns): %s\n", ac_status_str(status));
    fprintf(stderr, "  message: %s\n", ac_last_error_message());

    ac_pool_release(pool);
    return EXIT_SUCCESS;
}
