/*
 * A thread pool fed from a queue: the seeds' hand-written ThreadPool
 * (apply_async puts (func, args) into a Queue, worker threads take them,
 * close + join wait for the end), built from an ac_pool and an ac_queue.
 *
 *   - The pool runs WORKERS long-lived tasks. Each takes jobs from the
 *     queue until it is shut down and empty (AC_CLOSED), runs them and
 *     marks each done with ac_queue_task_done; its future's value is the
 *     number of jobs it ran.
 *   - apply_async copies a job (a function pointer, two arguments and the
 *     slot for the result) into the queue as a byte message. The queue is
 *     bounded, as in the seed (one slot per worker): apply_async waits
 *     while the workers are busy.
 *   - join (ac_queue_join) waits until every job put so far is done, and
 *     the pool keeps running; close (ac_queue_shutdown) lets the tasks
 *     finish, and their futures say how many jobs each ran.
 *
 * Which worker runs which job varies from run to run (shown on stderr);
 * the results, printed by slot, do not.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "example.h"

#define WORKERS 3
#define SLOTS 16

/* A job: what the seed's queue carried as (func, args, kws). */
struct job {
    const char *name;
    ac_status (*function)(int64_t a, int64_t b, int64_t *out);
    int64_t a;
    int64_t b;
    int slot; /* where the result goes */
};

struct queue_pool {
    ac_pool *pool;
    ac_queue *jobs;
    ac_future *workers[WORKERS];
    /* One slot per job: main fills in the job, one worker writes the value
     * before its task_done, main reads it after ac_queue_join (the join
     * orders the two). */
    struct slot {
        const char *name;
        int64_t a;
        int64_t b;
        int64_t value;
    } slots[SLOTS];
};

/* ---- The job functions --------------------------------------------------- */

static ac_status job_fib(int64_t n, int64_t unused, int64_t *out)
{
    (void)unused;
    return ac_fib(n, out);
}

static ac_status job_range_sum(int64_t start, int64_t stop, int64_t *out)
{
    return ac_range_sum(start, stop, out);
}

static ac_status job_gcd(int64_t a, int64_t b, int64_t *out)
{
    while (b != 0) {
        int64_t rest = a % b;
        a = b;
        b = rest;
    }
    *out = a;
    return AC_OK;
}

/* ---- The pool ------------------------------------------------------------ */

/* The body of each pool task: run jobs until the queue is closed. */
static int64_t take_jobs(void *context)
{
    struct queue_pool *self = context;
    int64_t ran = 0;
    for (;;) {
        struct job job;
        size_t length = 0;
        ac_status status = ac_queue_get(self->jobs, &job, sizeof job, &length);
        if (status == AC_CLOSED) {
            return ran;
        }
        CHECK(status);
        if (length != sizeof job) {
            fprintf(stderr, "unexpected message of %zu bytes\n", length);
            exit(EXIT_FAILURE);
        }
        CHECK(job.function(job.a, job.b, &self->slots[job.slot].value));
        CHECK(ac_queue_task_done(self->jobs));
        ran++;
    }
}

static void queue_pool_start(struct queue_pool *self)
{
    memset(self, 0, sizeof *self);
    CHECK(ac_pool_new(WORKERS, "queue-fed", &self->pool));
    /* Bounded to one job per worker, like the seed's Queue(count). */
    CHECK(ac_queue_new(AC_QUEUE_FIFO, WORKERS, sizeof(struct job), &self->jobs));
    for (int i = 0; i < WORKERS; i++) {
        CHECK(ac_pool_submit(self->pool, take_jobs, self, &self->workers[i]));
    }
}

static void apply_async(struct queue_pool *self, const char *name,
                        ac_status (*function)(int64_t, int64_t, int64_t *), int64_t a, int64_t b,
                        int slot)
{
    struct job job = {.name = name, .function = function, .a = a, .b = b, .slot = slot};
    self->slots[slot] = (struct slot){.name = name, .a = a, .b = b};
    /* Waits while the queue is full, i.e. while every worker is busy. */
    CHECK(ac_queue_put(self->jobs, &job, sizeof job));
}

static void print_results(const struct queue_pool *self, int from, int to)
{
    for (int i = from; i < to; i++) {
        const struct slot *slot = &self->slots[i];
        printf("  %s(%" PRId64 ", %" PRId64 ") = %" PRId64 "\n", slot->name, slot->a, slot->b,
               slot->value);
    }
}

int main(void)
{
    static struct queue_pool self; /* outlives every task */
    queue_pool_start(&self);
    double started = example_seconds();

    /* A first round of jobs; join waits for all of them. */
    int slot = 0;
    for (int64_t n = 25; n <= 32; n++) {
        apply_async(&self, "fib", job_fib, n, 0, slot++);
    }
    apply_async(&self, "range_sum", job_range_sum, 0, 1000000, slot++);
    apply_async(&self, "range_sum", job_range_sum, -50, 51, slot++);
    CHECK(ac_queue_join(self.jobs, AC_FOREVER));
    printf("round 1: %d jobs done\n", slot);
    print_results(&self, 0, slot);

    /* The pool is still running: a second round. */
    int first = slot;
    apply_async(&self, "gcd", job_gcd, 1071, 462, slot++);
    apply_async(&self, "gcd", job_gcd, 832040, 514229, slot++); /* fib(30), fib(29) */
    apply_async(&self, "fib", job_fib, 40, 0, slot++);
    CHECK(ac_queue_join(self.jobs, AC_FOREVER));
    printf("round 2: %d jobs done\n", slot - first);
    print_results(&self, first, slot);

    /* close: no more jobs; each task drains the queue, sees AC_CLOSED and
     * returns how many jobs it ran. */
    CHECK(ac_queue_shutdown(self.jobs, false, NULL));
    printf("apply_async after close: %s\n",
           ac_status_str(ac_queue_put(self.jobs, &(struct job){0}, sizeof(struct job))));
    int64_t total = 0;
    for (int i = 0; i < WORKERS; i++) {
        int64_t ran = 0;
        CHECK(ac_future_result(self.workers[i], AC_FOREVER, &ran));
        fprintf(stderr, "  worker task %d ran %" PRId64 " jobs\n", i, ran);
        total += ran;
        ac_future_release(self.workers[i]);
    }
    fprintf(stderr, "%d jobs: %.3f s\n", slot, example_seconds() - started);
    printf("%d worker tasks ran %" PRId64 " jobs in all\n", WORKERS, total);

    ac_pool_release(self.pool); /* every task has returned: nothing to cancel */
    ac_queue_release(self.jobs);
    return total == slot ? EXIT_SUCCESS : EXIT_FAILURE;
}
