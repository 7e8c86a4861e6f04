/*
 * MPMC throughput of 8-byte items through a bounded queue of CAPACITY,
 * driven from C: ITEMS values go from P producer threads to C consumer
 * threads (1+1 and 2+2); the time runs from the moment every thread is
 * released until the last consumer has seen the queue closed and empty.
 * Every run checks that the consumers' sum is that of 0..ITEMS-1.
 *
 *   allcore: ac_queue_put_u64 / ac_queue_get_u64 and the batch calls
 *     ac_queue_put_many_u64 / ac_queue_get_many_u64 (BATCH items per call)
 *     on a queue of 64-bit values (ac_queue_new_u64), and ac_queue_put /
 *     ac_queue_get of 8-byte byte messages (ac_queue_new); the end is
 *     ac_queue_shutdown (not immediate).
 *   baseline: mutex_queue.c, a ring buffer behind a pthread mutex and two
 *     condition variables, with the same capacity, item by item or BATCH
 *     at a time under one lock; the end is its close flag.
 *
 * Ratios are allcore's throughput / the baseline's (higher is better for
 * allcore). The target in TARGETS.md (>= 0.8x) is against crossbeam-channel
 * driven from Rust: see `cargo bench --bench queue_mpmc`. The parameters
 * here match that benchmark (2,000,000 items, capacity 1024, batches of 64).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "mutex_queue.h"

#define ITEMS 2000000
#define CAPACITY 1024
#define BATCH 64
#define MAX_THREADS 4

enum method {
    AC_U64,       /* ac_queue_put_u64 / ac_queue_get_u64 */
    AC_BYTES,     /* ac_queue_put / ac_queue_get, 8 bytes */
    AC_BATCH,     /* ac_queue_put_many_u64 / ac_queue_get_many_u64 */
    MUTEX_SINGLE, /* mutex_queue_put / mutex_queue_get */
    MUTEX_BATCH,  /* mutex_queue_put_many / mutex_queue_get_many */
};

struct run {
    enum method method;
    ac_queue *queue;
    struct mutex_queue *baseline;
    pthread_barrier_t start;
    uint64_t per_producer;
};

struct worker {
    pthread_t thread;
    struct run *run;
    uint64_t first; /* producers: the values [first, first + per_producer) */
    uint64_t sum;   /* consumers: what they took */
};

/* ---- Producers ------------------------------------------------------------ */

static void produce_batches(struct worker *self)
{
    struct run *run = self->run;
    uint64_t values[BATCH];
    uint64_t end = self->first + run->per_producer;
    for (uint64_t next = self->first; next < end;) {
        size_t n = end - next < BATCH ? (size_t)(end - next) : BATCH;
        for (size_t i = 0; i < n; i++) {
            values[i] = next + i;
        }
        size_t put = 0;
        if (run->method == AC_BATCH) {
            CHECK(ac_queue_put_many_u64(run->queue, values, n, AC_FOREVER, &put));
        } else {
            put = mutex_queue_put_many(run->baseline, values, n);
        }
        if (put != n) {
            exit(EXIT_FAILURE);
        }
        next += n;
    }
}

static void *produce(void *argument)
{
    struct worker *self = argument;
    struct run *run = self->run;
    pthread_barrier_wait(&run->start);
    uint64_t end = self->first + run->per_producer;
    switch (run->method) {
    case AC_U64:
        for (uint64_t value = self->first; value < end; value++) {
            CHECK(ac_queue_put_u64(run->queue, value, AC_FOREVER));
        }
        break;
    case AC_BYTES:
        for (uint64_t value = self->first; value < end; value++) {
            CHECK(ac_queue_put(run->queue, &value, sizeof value));
        }
        break;
    case MUTEX_SINGLE:
        for (uint64_t value = self->first; value < end; value++) {
            if (!mutex_queue_put(run->baseline, value)) {
                exit(EXIT_FAILURE);
            }
        }
        break;
    case AC_BATCH:
    case MUTEX_BATCH:
        produce_batches(self);
        break;
    }
    return NULL;
}

/* ---- Consumers ------------------------------------------------------------ */

static void *consume(void *argument)
{
    struct worker *self = argument;
    struct run *run = self->run;
    pthread_barrier_wait(&run->start);
    uint64_t sum = 0;
    uint64_t value = 0;
    uint64_t values[BATCH];
    size_t n = 0;
    ac_status status;
    switch (run->method) {
    case AC_U64:
        while ((status = ac_queue_get_u64(run->queue, AC_FOREVER, &value)) == AC_OK) {
            sum += value;
        }
        if (status != AC_CLOSED) {
            CHECK(status);
        }
        break;
    case AC_BYTES:
        while ((status = ac_queue_get(run->queue, &value, sizeof value, &n)) == AC_OK) {
            sum += value;
        }
        if (status != AC_CLOSED) {
            CHECK(status);
        }
        break;
    case AC_BATCH:
        while ((status = ac_queue_get_many_u64(run->queue, values, BATCH, AC_FOREVER, &n)) ==
               AC_OK) {
            for (size_t i = 0; i < n; i++) {
                sum += values[i];
            }
        }
        if (status != AC_CLOSED) {
            CHECK(status);
        }
        break;
    case MUTEX_SINGLE:
        while (mutex_queue_get(run->baseline, &value)) {
            sum += value;
        }
        break;
    case MUTEX_BATCH:
        while ((n = mutex_queue_get_many(run->baseline, values, BATCH)) > 0) {
            for (size_t i = 0; i < n; i++) {
                sum += values[i];
            }
        }
        break;
    }
    self->sum = sum;
    return NULL;
}

/* ---- One timed run -------------------------------------------------------- */

/* Seconds to move ITEMS values from `producers` to `consumers` threads. */
static double time_run(enum method method, int producers, int consumers)
{
    struct run run = {.method = method, .per_producer = ITEMS / (uint64_t)producers};
    bool allcore = method == AC_U64 || method == AC_BYTES || method == AC_BATCH;
    if (method == AC_BYTES) {
        CHECK(ac_queue_new(AC_QUEUE_FIFO, CAPACITY, 8, &run.queue));
    } else if (allcore) {
        CHECK(ac_queue_new_u64(AC_QUEUE_FIFO, CAPACITY, &run.queue));
    } else if ((run.baseline = mutex_queue_new(CAPACITY)) == NULL) {
        exit(EXIT_FAILURE);
    }
    if (pthread_barrier_init(&run.start, NULL, (unsigned)(producers + consumers + 1)) != 0) {
        exit(EXIT_FAILURE);
    }
    struct worker senders[MAX_THREADS];
    struct worker receivers[MAX_THREADS];
    for (int i = 0; i < producers; i++) {
        senders[i] = (struct worker){.run = &run, .first = (uint64_t)i * run.per_producer};
        if (pthread_create(&senders[i].thread, NULL, produce, &senders[i]) != 0) {
            exit(EXIT_FAILURE);
        }
    }
    for (int i = 0; i < consumers; i++) {
        receivers[i] = (struct worker){.run = &run};
        if (pthread_create(&receivers[i].thread, NULL, consume, &receivers[i]) != 0) {
            exit(EXIT_FAILURE);
        }
    }

    pthread_barrier_wait(&run.start);
    double start = bench_now();
    for (int i = 0; i < producers; i++) {
        pthread_join(senders[i].thread, NULL);
    }
    if (allcore) {
        CHECK(ac_queue_shutdown(run.queue, false, NULL));
    } else {
        mutex_queue_close(run.baseline);
    }
    uint64_t sum = 0;
    for (int i = 0; i < consumers; i++) {
        pthread_join(receivers[i].thread, NULL);
        sum += receivers[i].sum;
    }
    double elapsed = bench_now() - start;

    uint64_t total = run.per_producer * (uint64_t)producers;
    if (sum != total * (total - 1) / 2) {
        fprintf(stderr, "method %d: items lost or duplicated (sum %llu)\n", (int)method,
                (unsigned long long)sum);
        exit(EXIT_FAILURE);
    }
    pthread_barrier_destroy(&run.start);
    ac_queue_release(run.queue);
    mutex_queue_free(run.baseline);
    return elapsed;
}

/* Medians of `runs` alternated runs of each side; prints one row. */
static void compare(int runs, const char *what, enum method allcore, enum method baseline,
                    const char *baseline_name, int producers, int consumers)
{
    double *a = calloc((size_t)runs, sizeof(double));
    double *b = calloc((size_t)runs, sizeof(double));
    if (a == NULL || b == NULL) {
        exit(EXIT_FAILURE);
    }
    time_run(allcore, producers, consumers); /* warm up */
    time_run(baseline, producers, consumers);
    for (int run = 0; run < runs; run++) {
        bench_pause();
        a[run] = time_run(allcore, producers, consumers);
        bench_pause();
        b[run] = time_run(baseline, producers, consumers);
    }
    double allcore_rate = ITEMS / bench_median(a, runs) * 1e-6;
    double baseline_rate = ITEMS / bench_median(b, runs) * 1e-6;
    printf("| MPMC %dP+%dC, %s, throughput | %.2f M items/s | %.2f M items/s (%s) | %.2fx | — "
           "| — |\n",
           producers, consumers, what, allcore_rate, baseline_rate, baseline_name,
           allcore_rate / baseline_rate);
    fflush(stdout);
    free(a);
    free(b);
}

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    bench_header(argc, argv,
                 "gcc -O2; baseline: mutex + condvar bounded ring buffer in mutex_queue.c");
    static const int shapes[][2] = {{1, 1}, {2, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int producers = shapes[s][0];
        int consumers = shapes[s][1];
        compare(runs, "put_u64/get_u64", AC_U64, MUTEX_SINGLE, "mutex queue", producers,
                consumers);
        compare(runs, "put/get 8-byte messages", AC_BYTES, MUTEX_SINGLE, "mutex queue",
                producers, consumers);
        compare(runs, "put_many_u64/get_many_u64 x64, per item", AC_BATCH, MUTEX_BATCH,
                "mutex queue, 64 per lock", producers, consumers);
    }
    printf("\n%d 8-byte items, bounded capacity %d, %zu CPUs; ratio = allcore / baseline "
           "throughput. The target (>= 0.8x) is against crossbeam-channel: `cargo bench "
           "--bench queue_mpmc`.\n",
           ITEMS, CAPACITY, ac_pool_available_cpus());
    return EXIT_SUCCESS;
}
