/*
 * A pool of native threads with futures, as concurrent.futures offers in
 * Python, driven from C:
 *
 *   1. submit C tasks (function + context), attach done-callbacks, and
 *      consume the results as they complete (ac_future_wait_any);
 *   2. map an `int64_t f(int64_t)` function over an array (ac_pool_map);
 *   3. a parallel for loop (ac_pool_parallel_for);
 *   4. cancel a queued task, read the pool's counters, shut down.
 *
 * Tasks finish in an order that varies from run to run, so stdout shows
 * order-independent results; the completion order goes to stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define WORKERS 2
#define FIB_TASKS 8

/* ---- Tasks and callbacks ------------------------------------------------ */

/* The context of one fib task. It must outlive the task: here it lives in
 * main's stack frame, which outlives the pool. */
struct fib_task {
    int64_t n;
};

static int64_t run_fib(void *context)
{
    const struct fib_task *task = context;
    int64_t value = 0;
    /* A task returns only a value: report a failure as -1. */
    return ac_fib(task->n, &value) == AC_OK ? value : -1;
}

/* Done-callbacks run on whichever thread completes or cancels the future,
 * so everything they touch is atomic. */
struct tally {
    atomic_int finished;
    atomic_int cancelled;
    atomic_int_least64_t sum;
};

static void count_outcome(void *context, ac_status status, int64_t value)
{
    struct tally *tally = context;
    if (status == AC_OK) {
        atomic_fetch_add(&tally->finished, 1);
        atomic_fetch_add(&tally->sum, value);
    } else if (status == AC_CANCELLED) {
        atomic_fetch_add(&tally->cancelled, 1);
    }
}

static int64_t square(int64_t value)
{
    return value * value;
}

/* A parallel-for body: each call owns the indices [begin, end). */
static void mark_visited(void *context, size_t begin, size_t end)
{
    int *visits = context;
    for (size_t i = begin; i < end; i++) {
        visits[i]++;
    }
}

/* A gate that holds tasks on the workers until main opens it, so that the
 * tasks submitted after them are certain to wait in the queue. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int entered;
    bool open;
};

static int64_t wait_at_gate(void *context)
{
    struct gate *gate = context;
    pthread_mutex_lock(&gate->lock);
    gate->entered++;
    pthread_cond_broadcast(&gate->changed);
    while (!gate->open) {
        pthread_cond_wait(&gate->changed, &gate->lock);
    }
    pthread_mutex_unlock(&gate->lock);
    return 1;
}

static const char *state_name(ac_future_state state)
{
    switch (state) {
    case AC_FUTURE_PENDING:
        return "pending";
    case AC_FUTURE_RUNNING:
        return "running";
    case AC_FUTURE_FINISHED:
        return "finished";
    case AC_FUTURE_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

/* ---- The scenarios ------------------------------------------------------- */

/* 1. Submit fib tasks with callbacks and take the results as they complete. */
static void as_completed(ac_pool *pool, struct tally *tally)
{
    struct fib_task tasks[FIB_TASKS];
    ac_future *pending[FIB_TASKS];
    int64_t n_of[FIB_TASKS]; /* which n each entry of `pending` computes */
    for (int i = 0; i < FIB_TASKS; i++) {
        /* Larger n first, so the completion order differs from the
         * submission order. */
        tasks[i].n = 27 - i;
        CHECK(ac_pool_submit(pool, run_fib, &tasks[i], &pending[i]));
        CHECK(ac_future_on_done(pending[i], count_outcome, tally));
        n_of[i] = tasks[i].n;
    }

    int64_t results[28] = {0};
    size_t remaining = FIB_TASKS;
    fprintf(stderr, "completion order:");
    while (remaining > 0) {
        size_t index = 0;
        /* C does not convert `ac_future **` to `const ac_future *const *`
         * by itself, hence the cast. */
        CHECK(ac_future_wait_any((const ac_future *const *)pending, remaining, AC_FOREVER,
                                  &index));
        int64_t value = 0;
        CHECK(ac_future_result(pending[index], 0, &value)); /* done: no wait */
        fprintf(stderr, " fib(%" PRId64 ")", n_of[index]);
        results[n_of[index]] = value;
        /* Done with this future: free it and keep the array dense. */
        ac_future_release(pending[index]);
        remaining--;
        pending[index] = pending[remaining];
        n_of[index] = n_of[remaining];
    }
    fprintf(stderr, "\n");
    for (int64_t n = 20; n <= 27; n++) {
        printf("as completed: fib(%" PRId64 ") = %" PRId64 "\n", n, results[n]);
    }
}

/* 2. Map a plain C function over an array on every core. */
static void map_square(ac_pool *pool)
{
    int64_t input[10];
    int64_t output[10];
    for (int i = 0; i < 10; i++) {
        input[i] = i + 1;
    }
    CHECK(ac_pool_map(pool, square, input, output, 10, 0)); /* 0: automatic chunks */
    printf("map square:");
    for (int i = 0; i < 10; i++) {
        printf(" %" PRId64, output[i]);
    }
    printf("\n");
}

/* 3. A parallel for loop: every index is handed out exactly once. */
static void parallel_for(ac_pool *pool)
{
    enum { LENGTH = 100000 };
    static int visits[LENGTH];
    CHECK(ac_pool_parallel_for(pool, LENGTH, 1000, mark_visited, visits));
    bool once = true;
    for (size_t i = 0; i < LENGTH; i++) {
        once = once && visits[i] == 1;
    }
    printf("parallel for: %d indices, each visited exactly once: %s\n", LENGTH,
           once ? "yes" : "no");
}

/* 4. Cancel a queued task, read the counters, shut down cancelling the rest. */
static void cancel_and_shutdown(ac_pool *pool, struct tally *tally)
{
    struct gate gate = {.entered = 0, .open = false};
    CHECK_PTHREAD(pthread_mutex_init(&gate.lock, NULL));
    CHECK_PTHREAD(pthread_cond_init(&gate.changed, NULL));

    /* Occupy every worker. */
    ac_future *blockers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        CHECK(ac_pool_submit(pool, wait_at_gate, &gate, &blockers[i]));
    }
    pthread_mutex_lock(&gate.lock);
    while (gate.entered < WORKERS) {
        pthread_cond_wait(&gate.changed, &gate.lock);
    }
    pthread_mutex_unlock(&gate.lock);

    /* Nothing can start now: this task stays queued, so it can be cancelled.
     * Its callback runs at once, on this thread, with AC_CANCELLED. */
    struct fib_task task = {.n = 20};
    ac_future *victim = NULL;
    CHECK(ac_pool_submit(pool, run_fib, &task, &victim));
    CHECK(ac_future_on_done(victim, count_outcome, tally));
    ac_future_state state;
    CHECK(ac_future_get_state(victim, &state));
    printf("queued task: %s\n", state_name(state));
    bool cancelled = false;
    CHECK(ac_future_cancel(victim, &cancelled));
    CHECK(ac_future_get_state(victim, &state));
    ac_status status = ac_future_result(victim, AC_FOREVER, NULL);
    printf("after ac_future_cancel: cancelled=%s, state %s, result %s\n",
           cancelled ? "true" : "false", state_name(state), ac_status_str(status));
    ac_future_release(victim);

    /* Three more tasks wait in the queue behind the gate. */
    enum { QUEUED = 3 };
    ac_future *queued[QUEUED];
    for (int i = 0; i < QUEUED; i++) {
        CHECK(ac_pool_submit(pool, run_fib, &task, &queued[i]));
        CHECK(ac_future_on_done(queued[i], count_outcome, tally));
    }
    ac_pool_stats stats;
    CHECK(ac_pool_get_stats(pool, &stats));
    fprintf(stderr, "stats while blocked: workers %zu, running %zu, queued %zu\n",
            stats.workers, stats.running, stats.queued);
    printf("stats while blocked: workers %zu, running %zu, queued >= %d: %s\n", stats.workers,
           stats.running, QUEUED, stats.queued >= QUEUED ? "yes" : "no");

    /* Stop taking tasks and cancel the queued ones. NO_WAIT returns at once:
     * joining the workers now would wait for the gate, which only this
     * thread can open. */
    CHECK(ac_pool_shutdown(pool, AC_SHUTDOWN_CANCEL | AC_SHUTDOWN_NO_WAIT));
    ac_future *late = NULL;
    status = ac_pool_submit(pool, run_fib, &task, &late);
    printf("submit after shutdown: %s\n", ac_status_str(status));

    pthread_mutex_lock(&gate.lock);
    gate.open = true;
    pthread_cond_broadcast(&gate.changed);
    pthread_mutex_unlock(&gate.lock);

    /* Shut down again, this time joining the workers: afterwards every
     * future is resolved and every callback has returned. */
    CHECK(ac_pool_shutdown(pool, AC_SHUTDOWN_CANCEL));
    for (int i = 0; i < WORKERS; i++) {
        int64_t value = 0;
        CHECK(ac_future_result(blockers[i], AC_FOREVER, &value));
        ac_future_release(blockers[i]);
    }
    int cancelled_count = 0;
    for (int i = 0; i < QUEUED; i++) {
        if (ac_future_result(queued[i], AC_FOREVER, NULL) == AC_CANCELLED) {
            cancelled_count++;
        }
        ac_future_release(queued[i]);
    }
    printf("queued tasks cancelled by shutdown: %d of %d\n", cancelled_count, QUEUED);

    CHECK(ac_pool_get_stats(pool, &stats));
    fprintf(stderr, "stats after shutdown: completed %llu (fib tasks, gate tasks and "
                    "parallel chunks)\n", (unsigned long long)stats.completed);
    printf("stats after shutdown: workers %zu, running %zu, queued %zu\n", stats.workers,
           stats.running, stats.queued);

    pthread_cond_destroy(&gate.changed);
    pthread_mutex_destroy(&gate.lock);
}

int main(void)
{
    ac_pool *pool = NULL;
    CHECK(ac_pool_new(WORKERS, "futures", &pool));
    struct tally tally;
    atomic_init(&tally.finished, 0);
    atomic_init(&tally.cancelled, 0);
    atomic_init(&tally.sum, 0);

    as_completed(pool, &tally);
    map_square(pool);
    parallel_for(pool);
    cancel_and_shutdown(pool, &tally);

    /* The workers are joined, so every callback has run. */
    printf("callbacks: %d finished (sum %" PRId64 "), %d cancelled\n",
           atomic_load(&tally.finished), (int64_t)atomic_load(&tally.sum),
           atomic_load(&tally.cancelled));
    ac_pool_release(pool);
    return EXIT_SUCCESS;
}
