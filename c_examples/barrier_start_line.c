/*
 * Runners at a start line: a cyclic barrier (Python's threading.Barrier).
 *
 *   1. RUNNERS threads meet at an ac_barrier for ROUNDS rounds (a race of
 *      several laps, everyone waiting for everyone at the line each lap).
 *      ac_barrier_wait gives each runner its arrival index; in every round
 *      each index 0..RUNNERS-1 must be handed out exactly once, and no
 *      runner may leave a round before the last one has arrived.
 *   2. A false start: two runners wait at the line, the starter calls
 *      ac_barrier_abort, and both get AC_BROKEN, as does anyone arriving
 *      later, until ac_barrier_reset.
 *   3. ac_barrier_reset while runners wait also sends them AC_BROKEN,
 *      leaves the barrier usable, and a full round works again.
 *   4. A runner who waits alone with a timeout gets AC_TIMEOUT, and the
 *      barrier is broken for the others.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "example.h"

#define RUNNERS 6
#define ROUNDS 200

static ac_barrier *line;
static ac_counter *arrived; /* arrivals so far, over all rounds */

/* index_seen[round][index]: how many runners got `index` in `round`. */
static int index_seen[ROUNDS][RUNNERS];
static ac_mutex *seen_lock;
static bool left_early;

struct runner {
    pthread_t thread;
    int rounds;           /* rounds to run */
    ac_status status;     /* of the last wait */
};

static void *run_laps(void *argument)
{
    struct runner *runner = argument;
    for (int round = 0; round < runner->rounds; round++) {
        CHECK(ac_counter_add(arrived, 1, NULL));
        int64_t index = -1;
        CHECK(ac_barrier_wait(line, AC_FOREVER, &index));
        /* Released: every runner of this round has arrived. */
        int64_t count = 0;
        CHECK(ac_counter_load(arrived, &count));
        CHECK(ac_mutex_lock(seen_lock));
        if (count < (int64_t)(round + 1) * RUNNERS) {
            left_early = true;
        }
        if (index >= 0 && index < RUNNERS) {
            index_seen[round][index] += 1;
        }
        CHECK(ac_mutex_unlock(seen_lock));
    }
    return NULL;
}

/* One wait whose status is kept (expected to fail). */
static void *wait_once(void *argument)
{
    struct runner *runner = argument;
    runner->status = ac_barrier_wait(line, AC_FOREVER, NULL);
    return NULL;
}

static void pause_1_ms(void)
{
    struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
    nanosleep(&ms, NULL);
}

/* Starts `count` runners doing one wait each, and returns once all of them
 * are waiting at the line. */
static void start_waiters(struct runner *runners, int count)
{
    for (int i = 0; i < count; i++) {
        runners[i] = (struct runner){.status = AC_OK};
        CHECK_PTHREAD(pthread_create(&runners[i].thread, NULL, wait_once, &runners[i]));
    }
    int64_t waiting = 0;
    for (;;) {
        CHECK(ac_barrier_n_waiting(line, &waiting));
        if (waiting == count) {
            return;
        }
        pause_1_ms();
    }
}

static void join_waiters(const char *what, struct runner *runners, int count)
{
    for (int i = 0; i < count; i++) {
        CHECK_PTHREAD(pthread_join(runners[i].thread, NULL));
        printf("%s: waiting runner %d got %s\n", what, i, ac_status_str(runners[i].status));
    }
}

static const char *broken(void)
{
    bool is_broken = false;
    CHECK(ac_barrier_is_broken(line, &is_broken));
    return is_broken ? "yes" : "no";
}

int main(void)
{
    CHECK(ac_barrier_new(RUNNERS, &line));
    CHECK(ac_counter_new(0, &arrived));
    CHECK(ac_mutex_new(&seen_lock));
    int64_t parties = 0;
    CHECK(ac_barrier_parties(line, &parties));
    printf("barrier for %" PRId64 " runners\n", parties);

    /* 1. Laps. */
    double started = example_seconds();
    struct runner runners[RUNNERS];
    for (int i = 0; i < RUNNERS; i++) {
        runners[i] = (struct runner){.rounds = ROUNDS};
        CHECK_PTHREAD(pthread_create(&runners[i].thread, NULL, run_laps, &runners[i]));
    }
    for (int i = 0; i < RUNNERS; i++) {
        CHECK_PTHREAD(pthread_join(runners[i].thread, NULL));
    }
    fprintf(stderr, "%d rounds: %.3f s\n", ROUNDS, example_seconds() - started);
    bool exactly_once = true;
    for (int round = 0; round < ROUNDS; round++) {
        for (int index = 0; index < RUNNERS; index++) {
            exactly_once = exactly_once && index_seen[round][index] == 1;
        }
    }
    printf("%d rounds: every index 0..%d returned exactly once per round: %s\n", ROUNDS,
           RUNNERS - 1, exactly_once ? "yes" : "no");
    printf("a runner left before the last arrived: %s\n", left_early ? "yes" : "no");
    printf("broken after the laps: %s\n", broken());

    /* 2. A false start: abort. */
    struct runner two[2];
    start_waiters(two, 2);
    CHECK(ac_barrier_abort(line));
    join_waiters("abort", two, 2);
    printf("broken after abort: %s\n", broken());
    printf("late arrival at a broken barrier: %s\n",
           ac_status_str(ac_barrier_wait(line, AC_FOREVER, NULL)));
    CHECK(ac_barrier_reset(line));
    printf("broken after reset: %s\n", broken());

    /* 3. Reset while runners wait: they get AC_BROKEN; the barrier is fresh. */
    start_waiters(two, 2);
    CHECK(ac_barrier_reset(line));
    join_waiters("reset", two, 2);
    printf("broken after reset with waiters: %s\n", broken());
    memset(index_seen, 0, sizeof index_seen);
    for (int i = 0; i < RUNNERS; i++) {
        runners[i] = (struct runner){.rounds = 1};
        CHECK_PTHREAD(pthread_create(&runners[i].thread, NULL, run_laps, &runners[i]));
    }
    for (int i = 0; i < RUNNERS; i++) {
        CHECK_PTHREAD(pthread_join(runners[i].thread, NULL));
    }
    bool again = true;
    for (int index = 0; index < RUNNERS; index++) {
        again = again && index_seen[0][index] == 1;
    }
    printf("one more full round after reset: %s\n", again ? "ok" : "failed");

    /* 4. Waiting alone with a timeout breaks the barrier. */
    printf("alone at the line (10 ms): %s\n",
           ac_status_str(ac_barrier_wait(line, 10 * 1000 * 1000, NULL)));
    printf("broken after the timeout: %s\n", broken());
    ac_barrier *empty = NULL;
    printf("ac_barrier_new(0): %s\n", ac_status_str(ac_barrier_new(0, &empty)));
    ac_barrier_release(empty); /* still NULL: a no-op */

    ac_barrier_release(line);
    ac_counter_release(arrived);
    ac_mutex_release(seen_lock);
    return exactly_once && !left_early && again ? EXIT_SUCCESS : EXIT_FAILURE;
}
