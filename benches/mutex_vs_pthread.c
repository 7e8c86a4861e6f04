/*
 * ac_mutex against pthread_mutex_t, and ac_counter against a plain atomic.
 *
 *   1. Uncontended: one thread locks and unlocks the mutex PAIRS times;
 *      time per lock + unlock pair. Target: allcore's time <= 1.2x.
 *   2. Contended: 2 threads each increment a shared counter INCREMENTS
 *      times, locking around each increment; increments per second.
 *      Target: allcore's throughput >= 1.0x.
 *   3. For reference: ac_counter_add against __atomic_fetch_add on a plain
 *      int64_t, uncontended and from 2 threads (no target: an atomic
 *      add is one instruction; the call is what ac_counter adds).
 *
 * pthread_mutex_lock/unlock and ac_mutex_lock/unlock are both calls into a
 * shared library, so neither side can be inlined into the loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

#define PAIRS 2000000
#define INCREMENTS 500000 /* per thread */
#define THREADS 2

static ac_mutex *ac_lock;
static pthread_mutex_t pthread_lock = PTHREAD_MUTEX_INITIALIZER;
static ac_counter *ac_count;
static int64_t plain_count;
static int64_t shared_value; /* guarded by whichever lock is measured */

/* ---- The loops ----------------------------------------------------------- */

static void ac_mutex_loop(long n)
{
    for (long i = 0; i < n; i++) {
        CHECK(ac_mutex_lock(ac_lock));
        shared_value += 1;
        CHECK(ac_mutex_unlock(ac_lock));
    }
}

static void pthread_mutex_loop(long n)
{
    for (long i = 0; i < n; i++) {
        if (pthread_mutex_lock(&pthread_lock) != 0) {
            exit(EXIT_FAILURE);
        }
        shared_value += 1;
        if (pthread_mutex_unlock(&pthread_lock) != 0) {
            exit(EXIT_FAILURE);
        }
    }
}

static void ac_counter_loop(long n)
{
    for (long i = 0; i < n; i++) {
        CHECK(ac_counter_add(ac_count, 1, NULL));
    }
}

static void atomic_loop(long n)
{
    for (long i = 0; i < n; i++) {
        __atomic_fetch_add(&plain_count, 1, __ATOMIC_SEQ_CST);
    }
}

/* ---- Timing ------------------------------------------------------------- */

/* Seconds for one thread to run `loop(n)`. */
static double time_one(void (*loop)(long), long n)
{
    double start = bench_now();
    loop(n);
    return bench_now() - start;
}

struct contender {
    pthread_t thread;
    void (*loop)(long);
    long n;
    atomic_int *go;
};

static void *contend(void *argument)
{
    struct contender *contender = argument;
    while (!atomic_load_explicit(contender->go, memory_order_acquire)) {
    }
    contender->loop(contender->n);
    return NULL;
}

/* Seconds for THREADS threads to each run `loop(n)` at once, from the
 * moment they are all released until the last one finishes. */
static double time_threads(void (*loop)(long), long n)
{
    atomic_int go = 0;
    struct contender contenders[THREADS];
    for (int i = 0; i < THREADS; i++) {
        contenders[i] = (struct contender){.loop = loop, .n = n, .go = &go};
        if (pthread_create(&contenders[i].thread, NULL, contend, &contenders[i]) != 0) {
            exit(EXIT_FAILURE);
        }
    }
    double start = bench_now();
    atomic_store_explicit(&go, 1, memory_order_release);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(contenders[i].thread, NULL);
    }
    return bench_now() - start;
}

struct comparison {
    double allcore;
    double baseline;
};

/* Medians of `runs` alternated runs of each side. */
static struct comparison compare(int runs, bool threaded, void (*allcore)(long),
                                 void (*baseline)(long), long n)
{
    double *a = calloc((size_t)runs, sizeof(double));
    double *b = calloc((size_t)runs, sizeof(double));
    if (a == NULL || b == NULL) {
        exit(EXIT_FAILURE);
    }
    double (*time_it)(void (*)(long), long) = threaded ? time_threads : time_one;
    time_it(allcore, n / 10); /* warm up */
    time_it(baseline, n / 10);
    for (int run = 0; run < runs; run++) {
        bench_pause();
        a[run] = time_it(allcore, n);
        bench_pause();
        b[run] = time_it(baseline, n);
    }
    struct comparison result = {bench_median(a, runs), bench_median(b, runs)};
    free(a);
    free(b);
    return result;
}

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    CHECK(ac_mutex_new(&ac_lock));
    CHECK(ac_counter_new(0, &ac_count));

    struct comparison uncontended = compare(runs, false, ac_mutex_loop, pthread_mutex_loop, PAIRS);
    struct comparison contended =
        compare(runs, true, ac_mutex_loop, pthread_mutex_loop, INCREMENTS);
    struct comparison counter = compare(runs, false, ac_counter_loop, atomic_loop, PAIRS);
    struct comparison counter_threads =
        compare(runs, true, ac_counter_loop, atomic_loop, INCREMENTS);

    /* Every locked increment must have counted (no lost updates). */
    int64_t expected_locked = 2 * (PAIRS / 10 + (int64_t)runs * PAIRS) +
                              2 * THREADS * (INCREMENTS / 10 + (int64_t)runs * INCREMENTS);
    int64_t counted = 0;
    CHECK(ac_counter_load(ac_count, &counted));
    int64_t expected_counter = PAIRS / 10 + (int64_t)runs * PAIRS +
                               THREADS * (INCREMENTS / 10 + (int64_t)runs * INCREMENTS);
    if (shared_value != expected_locked || counted != expected_counter ||
        plain_count != expected_counter) {
        fprintf(stderr, "lost updates: %lld of %lld locked, %lld of %lld counted\n",
                (long long)shared_value, (long long)expected_locked, (long long)counted,
                (long long)expected_counter);
        return EXIT_FAILURE;
    }

    bench_header(argc, argv, "gcc -O2; baseline: pthread_mutex_t (default), __atomic_fetch_add");
    double ratio = uncontended.allcore / uncontended.baseline;
    printf("| mutex lock + unlock, uncontended, time per pair | %.1f ns | %.1f ns "
           "(pthread_mutex) | %.2fx | <= 1.2x | %s |\n",
           uncontended.allcore / PAIRS * 1e9, uncontended.baseline / PAIRS * 1e9, ratio,
           ratio <= 1.2 ? "yes" : "no");
    double total = (double)THREADS * INCREMENTS;
    ratio = contended.baseline / contended.allcore;
    printf("| mutex-guarded increment, %d threads contended, throughput | %.1f M/s | %.1f M/s "
           "(pthread_mutex) | %.2fx | >= 1.0x | %s |\n",
           THREADS, total / contended.allcore * 1e-6, total / contended.baseline * 1e-6, ratio,
           ratio >= 1.0 ? "yes" : "no");
    printf("| ac_counter_add, uncontended, time per add | %.1f ns | %.1f ns "
           "(__atomic_fetch_add) | %.2fx | reference | - |\n",
           counter.allcore / PAIRS * 1e9, counter.baseline / PAIRS * 1e9,
           counter.allcore / counter.baseline);
    printf("| ac_counter_add, %d threads contended, throughput | %.1f M/s | %.1f M/s "
           "(__atomic_fetch_add) | %.2fx | reference | - |\n",
           THREADS, total / counter_threads.allcore * 1e-6,
           total / counter_threads.baseline * 1e-6,
           counter_threads.baseline / counter_threads.allcore);

    ac_mutex_release(ac_lock);
    ac_counter_release(ac_count);
    return EXIT_SUCCESS;
}
