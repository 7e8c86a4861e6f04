/*
 * Timers on the pool: tasks that run after a delay (ac_pool_submit_after),
 * as threading.Timer and Go's time.AfterFunc offer, without a thread per
 * timer:
 *
 *   1. three reminders set out of order fire in deadline order;
 *   2. a watchdog timer is cancelled through its future before it fires;
 *   3. 2,000 pending timers cost one timer thread, not 2,000 threads;
 *   4. shutting the pool down cancels every timer still pending.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define MILLISECOND INT64_C(1000000)
#define SECOND INT64_C(1000000000)
#define PENDING_TIMERS 2000

/* The threads of this process, counted in /proc/self/task. */
static int thread_count(void)
{
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL) {
        perror("/proc/self/task");
        exit(EXIT_FAILURE);
    }
    int count = 0;
    for (struct dirent *entry; (entry = readdir(tasks)) != NULL;) {
        count += entry->d_name[0] != '.';
    }
    closedir(tasks);
    return count;
}

/* ---- 1. reminders ------------------------------------------------------- */

struct reminder {
    const char *text;
    int64_t delay_ms;
    atomic_int *next_slot;
    const char **fired; /* the order reminders fired in */
};

static int64_t remind(void *context)
{
    struct reminder *reminder = context;
    reminder->fired[atomic_fetch_add(reminder->next_slot, 1)] = reminder->text;
    return reminder->delay_ms;
}

/* ---- 2. watchdog -------------------------------------------------------- */

static int64_t bark(void *context)
{
    atomic_fetch_add((atomic_int *)context, 1);
    return 0;
}

/* ---- 3 and 4. many timers ----------------------------------------------- */

static int64_t never_runs(void *context)
{
    (void)context;
    return 0;
}

static void count_cancelled(void *context, ac_status status, int64_t value)
{
    (void)value;
    if (status == AC_CANCELLED) {
        atomic_fetch_add((atomic_int *)context, 1);
    }
}

int main(void)
{
    /* One worker runs the reminders one at a time, so the order they record
     * is the order the timer thread handed them over. */
    ac_pool *pool = NULL;
    CHECK(ac_pool_new(1, "timers", &pool));

    const char *fired[3] = {0};
    atomic_int next_slot = 0;
    struct reminder reminders[3] = {
        {"stretch (30 ms)", 30, &next_slot, fired},
        {"drink water (10 ms)", 10, &next_slot, fired},
        {"check the oven (20 ms)", 20, &next_slot, fired},
    };
    ac_future *reminder_futures[3];
    double start = example_seconds();
    for (int i = 0; i < 3; i++) {
        CHECK(ac_pool_submit_after(pool, reminders[i].delay_ms * MILLISECOND, remind,
                                   &reminders[i], &reminder_futures[i]));
    }
    CHECK(ac_future_wait_all((const ac_future *const *)reminder_futures, 3, AC_FOREVER));
    double elapsed = example_seconds() - start;
    for (int i = 0; i < 3; i++) {
        printf("reminder %d: %s\n", i + 1, fired[i]);
        ac_future_release(reminder_futures[i]);
    }
    printf("all fired after at least 30 ms: %s\n", elapsed >= 0.030 ? "yes" : "no");
    fprintf(stderr, "reminders took %.1f ms\n", elapsed * 1e3);

    /* A watchdog that would fire if the work took a second; the work is done
     * first, so it is cancelled and never runs. */
    atomic_int barks = 0;
    ac_future *watchdog = NULL;
    CHECK(ac_pool_submit_after(pool, SECOND, bark, &barks, &watchdog));
    int64_t work = 0;
    CHECK(ac_fib(25, &work));
    bool cancelled = false;
    CHECK(ac_future_cancel(watchdog, &cancelled));
    ac_future_state state;
    CHECK(ac_future_get_state(watchdog, &state));
    printf("watchdog cancelled after fib(25) = %" PRId64 ": %s, state %s\n", work,
           cancelled ? "true" : "false", state == AC_FUTURE_CANCELLED ? "cancelled" : "other");
    printf("watchdog result: %s\n", ac_status_str(ac_future_result(watchdog, 0, NULL)));
    ac_future_release(watchdog);

    /* Thousands of pending timers share the pool's one timer thread. */
    atomic_int cancelled_by_shutdown = 0;
    int threads_before = thread_count();
    ac_future **timers = malloc(PENDING_TIMERS * sizeof *timers);
    if (timers == NULL) {
        return EXIT_FAILURE;
    }
    for (int i = 0; i < PENDING_TIMERS; i++) {
        CHECK(ac_pool_submit_after(pool, 60 * SECOND + i * MILLISECOND, never_runs, NULL,
                                   &timers[i]));
        CHECK(ac_future_on_done(timers[i], count_cancelled, &cancelled_by_shutdown));
    }
    /* The reminders started the timer thread: the pending timers add none. */
    printf("threads added by %d pending timers: %d\n", PENDING_TIMERS,
           thread_count() - threads_before);

    /* Shutting down (even draining) cancels every timer still pending. */
    CHECK(ac_pool_shutdown(pool, AC_SHUTDOWN_DRAIN));
    printf("timers cancelled by shutdown: %d of %d\n", atomic_load(&cancelled_by_shutdown),
           PENDING_TIMERS);
    ac_future *late = NULL;
    printf("timer after shutdown: %s\n",
           ac_status_str(ac_pool_submit_after(pool, MILLISECOND, never_runs, NULL, &late)));
    for (int i = 0; i < PENDING_TIMERS; i++) {
        ac_future_release(timers[i]);
    }
    free(timers);
    ac_pool_release(pool);
    return EXIT_SUCCESS;
}
