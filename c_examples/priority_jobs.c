/*
 * A priority job queue: an ac_queue of kind AC_QUEUE_PRIORITY hands out
 * the job with the lowest priority value first, and jobs of equal priority
 * in the order they were put (FIFO), like Python's PriorityQueue with a
 * sequence number as tie-breaker, but without the tie-breaker.
 *
 *   1. main puts a mix of jobs with ac_queue_put_priority (plain
 *      ac_queue_put means priority 0) before the one worker thread starts;
 *      the worker then takes them in priority order and marks each done
 *      (ac_queue_task_done), and main waits for that with ac_queue_join.
 *      With a single consumer that starts after the last put, the order is
 *      fixed: it is printed.
 *   2. Jobs put while the worker waits are taken as they arrive. At the
 *      end, main shuts the queue down and the worker stops on AC_CLOSED.
 *   3. ac_queue_put_priority on a FIFO queue is AC_INVALID_ARGUMENT.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "example.h"

#define JOB_MAX 48
#define ORDER_MAX 32

static ac_queue *jobs;

/* The order the worker processed the jobs in; read by main after a join. */
static char order[ORDER_MAX][JOB_MAX];
static atomic_int processed;

struct job {
    int64_t priority;
    const char *name;
};

static void *work(void *argument)
{
    (void)argument;
    char job[JOB_MAX];
    for (;;) {
        size_t length = 0;
        ac_status status = ac_queue_get(jobs, job, sizeof job - 1, &length);
        if (status == AC_CLOSED) {
            return NULL;
        }
        CHECK(status);
        job[length] = '\0';
        int index = atomic_load(&processed);
        if (index < ORDER_MAX) {
            memcpy(order[index], job, length + 1);
        }
        atomic_store(&processed, index + 1); /* one worker: no race */
        CHECK(ac_queue_task_done(jobs));
    }
}

static void put_job(struct job job)
{
    /* The message carries its priority so the printed order shows it. */
    char text[JOB_MAX];
    int length = snprintf(text, sizeof text, "[%2lld] %s", (long long)job.priority, job.name);
    CHECK(ac_queue_put_priority(jobs, text, (size_t)length, job.priority, AC_FOREVER));
}

static void print_order(int from, int to)
{
    for (int i = from; i < to; i++) {
        printf("  %2d. %s\n", i + 1, order[i]);
    }
}

int main(void)
{
    CHECK(ac_queue_new(AC_QUEUE_PRIORITY, 0, JOB_MAX, &jobs));
    atomic_init(&processed, 0);

    /* 1. Queue everything first, so the order cannot depend on timing. */
    const struct job batch[] = {
        {5, "rebuild search index"},
        {1, "charge card #1"},
        {9, "send newsletter"},
        {1, "charge card #2"},
        {-1, "page the on-call engineer"},
        {5, "resize thumbnails"},
        {1, "charge card #3"},
        {9, "clean temp files"},
    };
    int count = (int)(sizeof batch / sizeof batch[0]);
    for (int i = 0; i < count; i++) {
        put_job(batch[i]);
    }
    /* A plain put is priority 0: after -1, before 1. */
    const char *plain = "[ 0] plain put (priority 0)";
    CHECK(ac_queue_put(jobs, plain, strlen(plain)));
    count += 1;
    size_t size = 0;
    CHECK(ac_queue_size(jobs, &size));
    printf("queued %zu jobs, then one worker starts:\n", size);

    pthread_t worker;
    CHECK_PTHREAD(pthread_create(&worker, NULL, work, NULL));
    /* 2. Wait until every job is done; the worker keeps waiting for more. */
    CHECK(ac_queue_join(jobs, AC_FOREVER));
    print_order(0, atomic_load(&processed));

    /* More jobs while the worker is waiting: each is taken as it arrives,
     * so the order is the order of the puts. */
    put_job((struct job){7, "late job, low urgency"});
    CHECK(ac_queue_join(jobs, AC_FOREVER));
    put_job((struct job){0, "late job, urgent"});
    CHECK(ac_queue_join(jobs, AC_FOREVER));
    printf("two more, each joined before the next:\n");
    print_order(count, atomic_load(&processed));

    size_t unfinished = 0;
    CHECK(ac_queue_unfinished_tasks(jobs, &unfinished));
    printf("unfinished tasks after join: %zu\n", unfinished);

    /* The worker sees AC_CLOSED once the queue is shut down and empty. */
    CHECK(ac_queue_shutdown(jobs, false, NULL));
    CHECK_PTHREAD(pthread_join(worker, NULL));
    printf("worker stopped on AC_CLOSED after %d jobs\n", atomic_load(&processed));

    /* 3. Priorities belong to priority queues. */
    ac_queue *fifo = NULL;
    CHECK(ac_queue_new(AC_QUEUE_FIFO, 0, 0, &fifo));
    printf("put_priority on a FIFO queue: %s\n",
           ac_status_str(ac_queue_put_priority(fifo, "x", 1, 3, AC_FOREVER)));
    ac_queue_release(fifo);
    ac_queue_release(jobs);
    return EXIT_SUCCESS;
}
