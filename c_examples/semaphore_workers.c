/*
 * At most K workers at a time: the seeds' Semaphore scenario.
 *
 * In the seed, Semaphore(5) lets at most 5 of 20 threads run the task at
 * once. Here WORKERS threads share a bounded semaphore of K permits:
 *
 *   1. each worker takes a permit, counts itself in, works, counts itself
 *      out and gives the permit back. The most workers ever inside at once
 *      is measured; the semaphore keeps it <= K, and the first K workers in
 *      wait for each other (an ac_latch) so that it does reach K;
 *   2. with every permit taken, try_acquire says AC_WOULD_BLOCK and a
 *      timed acquire AC_TIMEOUT;
 *   3. a bounded semaphore refuses a release above its initial value with
 *      AC_OVERFLOW (Python's BoundedSemaphore raises ValueError), while an
 *      unbounded one accepts it.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>

#include "example.h"

#define K 3
#define WORKERS 12

static ac_semaphore *permits;
static ac_counter *inside;
static ac_counter *most_inside;
static ac_latch *first_k; /* opens when K workers are inside at once */

struct worker {
    pthread_t thread;
    int number;
};

/* Raises `most_inside` to `now` if `now` is larger. */
static void record_most(int64_t now)
{
    int64_t most = 0;
    CHECK(ac_counter_load(most_inside, &most));
    while (now > most) {
        int64_t previous = 0;
        CHECK(ac_counter_compare_exchange(most_inside, most, now, &previous));
        if (previous == most) {
            return;
        }
        most = previous;
    }
}

static void *work(void *argument)
{
    struct worker *worker = argument;
    CHECK(ac_semaphore_acquire(permits));
    int64_t now = 0;
    CHECK(ac_counter_add(inside, 1, &now));
    record_most(now);
    fprintf(stderr, "  worker %2d working (%" PRId64 " inside)\n", worker->number, now);

    /* The first K wait until all K are in; later workers find it open
     * (counting down past zero stops at zero). */
    CHECK(ac_latch_count_down(first_k, 1));
    CHECK(ac_latch_wait(first_k, AC_FOREVER));
    struct timespec work_time = {.tv_sec = 0, .tv_nsec = 2 * 1000 * 1000};
    nanosleep(&work_time, NULL);

    CHECK(ac_counter_add(inside, -1, NULL));
    CHECK(ac_semaphore_post(permits));
    return NULL;
}

int main(void)
{
    CHECK(ac_semaphore_new_bounded(K, &permits));
    CHECK(ac_counter_new(0, &inside));
    CHECK(ac_counter_new(0, &most_inside));
    CHECK(ac_latch_new(K, &first_k));

    /* 1. WORKERS workers, K permits. */
    double started = example_seconds();
    struct worker workers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (struct worker){.number = i};
        CHECK_PTHREAD(pthread_create(&workers[i].thread, NULL, work, &workers[i]));
    }
    for (int i = 0; i < WORKERS; i++) {
        CHECK_PTHREAD(pthread_join(workers[i].thread, NULL));
    }
    fprintf(stderr, "%d workers: %.3f s\n", WORKERS, example_seconds() - started);
    int64_t most = 0;
    CHECK(ac_counter_load(most_inside, &most));
    int64_t value = 0;
    CHECK(ac_semaphore_value(permits, &value));
    printf("%d workers, %d permits: most inside at once %" PRId64 ", == %d: %s\n", WORKERS, K,
           most, K, most == K ? "yes" : "no");
    printf("permits after all workers: %" PRId64 "\n", value);

    /* 2. No permit left. */
    CHECK(ac_semaphore_acquire_n(permits, K, AC_FOREVER));
    printf("try_acquire with no permit: %s\n", ac_status_str(ac_semaphore_try_acquire(permits)));
    printf("acquire with no permit (10 ms): %s\n",
           ac_status_str(ac_semaphore_acquire_timeout(permits, 10 * 1000 * 1000)));
    CHECK(ac_semaphore_post_n(permits, K));

    /* 3. Over-release. */
    printf("bounded: release at %d of %d: %s\n", K, K,
           ac_status_str(ac_semaphore_post(permits)));
    CHECK(ac_semaphore_value(permits, &value));
    printf("bounded: permits after the refused release: %" PRId64 "\n", value);
    ac_semaphore *unbounded = NULL;
    CHECK(ac_semaphore_new(K, &unbounded));
    CHECK(ac_semaphore_post(unbounded));
    int64_t unbounded_value = 0;
    CHECK(ac_semaphore_value(unbounded, &unbounded_value));
    printf("unbounded: release at %d of %d: AC_OK, permits now %" PRId64 "\n", K, K,
           unbounded_value);
    printf("acquire_n(0): %s\n", ac_status_str(ac_semaphore_acquire_n(unbounded, 0, 0)));

    ac_semaphore_release(unbounded);
    ac_semaphore_release(permits);
    ac_counter_release(inside);
    ac_counter_release(most_inside);
    ac_latch_release(first_k);
    return most == K && value == K ? EXIT_SUCCESS : EXIT_FAILURE;
}
