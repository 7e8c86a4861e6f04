/*
 * Runners get ready, then start on one signal: two count-down latches.
 *
 *   1. RUNNERS threads each count down a `ready` latch (RUNNERS) and then
 *      wait on a `start` latch (1). The starter waits on `ready`, which
 *      opens when its count reaches 0: every runner is at the line, and
 *      none has started. One count-down of `start` sends them all off.
 *   2. A latch never goes below zero and never closes again: an extra
 *      count-down leaves it at 0 and a wait returns at once. A latch that
 *      has not opened says AC_WOULD_BLOCK to a wait of 0 ns and AC_TIMEOUT
 *      to a timed wait; a count-down of 0 is AC_INVALID_ARGUMENT.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>

#include "example.h"

#define RUNNERS 8

static ac_latch *ready;
static ac_latch *start;
static ac_counter *started;

struct runner {
    pthread_t thread;
    int number;
};

static void *run(void *argument)
{
    struct runner *runner = argument;
    CHECK(ac_latch_count_down(ready, 1));
    CHECK(ac_latch_wait(start, AC_FOREVER));
    int64_t order = 0;
    CHECK(ac_counter_add(started, 1, &order));
    fprintf(stderr, "  runner %d off (%" PRId64 ". away)\n", runner->number, order);
    return NULL;
}

static int64_t count_of(const ac_latch *latch)
{
    int64_t count = -1;
    CHECK(ac_latch_count(latch, &count));
    return count;
}

int main(void)
{
    CHECK(ac_latch_new(RUNNERS, &ready));
    CHECK(ac_latch_new(1, &start));
    CHECK(ac_counter_new(0, &started));
    printf("ready count before the runners: %" PRId64 "\n", count_of(ready));

    /* 1. Get ready, get set... */
    struct runner runners[RUNNERS];
    for (int i = 0; i < RUNNERS; i++) {
        runners[i] = (struct runner){.number = i};
        CHECK_PTHREAD(pthread_create(&runners[i].thread, NULL, run, &runners[i]));
    }
    CHECK(ac_latch_wait(ready, AC_FOREVER));
    int64_t early = 0;
    CHECK(ac_counter_load(started, &early));
    printf("all %d runners ready: ready count %" PRId64 ", started before the signal: %" PRId64
           "\n",
           RUNNERS, count_of(ready), early);

    /* ... go. */
    double fired = example_seconds();
    CHECK(ac_latch_count_down(start, 1));
    for (int i = 0; i < RUNNERS; i++) {
        CHECK_PTHREAD(pthread_join(runners[i].thread, NULL));
    }
    fprintf(stderr, "all away %.3f ms after the signal\n", (example_seconds() - fired) * 1e3);
    int64_t away = 0;
    CHECK(ac_counter_load(started, &away));
    printf("start count %" PRId64 ", runners started: %" PRId64 "\n", count_of(start), away);

    /* 2. Edges. */
    CHECK(ac_latch_count_down(ready, 5));
    printf("ready count after 5 more count-downs: %" PRId64 "\n", count_of(ready));
    printf("wait on an open latch (0 ns): %s\n", ac_status_str(ac_latch_wait(ready, 0)));
    ac_latch *closed = NULL;
    CHECK(ac_latch_new(2, &closed));
    printf("wait on a latch at 2 (0 ns): %s\n", ac_status_str(ac_latch_wait(closed, 0)));
    printf("wait on a latch at 2 (10 ms): %s\n",
           ac_status_str(ac_latch_wait(closed, 10 * 1000 * 1000)));
    printf("count_down(0): %s\n", ac_status_str(ac_latch_count_down(closed, 0)));
    ac_latch *invalid = NULL;
    printf("ac_latch_new(-1): %s\n", ac_status_str(ac_latch_new(-1, &invalid)));
    ac_latch_release(invalid); /* still NULL: a no-op */

    ac_latch_release(closed);
    ac_latch_release(ready);
    ac_latch_release(start);
    ac_counter_release(started);
    return early == 0 && away == RUNNERS ? EXIT_SUCCESS : EXIT_FAILURE;
}
