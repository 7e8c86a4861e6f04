/*
 * Empty-task throughput: submit N tasks that do nothing, then wait until
 * all are done. allcore: ac_pool_submit, ac_future_wait_all, then
 * ac_future_release on each. Baseline: a plain pthread pool (pthread_pool.c)
 * with the same number of workers, one malloc'd task each, waiting on a
 * completion counter. Target: allcore's throughput >= 1.0x.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "bench.h"
#include "pthread_pool.h"

#define TASKS 200000

static int64_t empty_task(void *context)
{
    (void)context;
    return 0;
}

static double run_allcore(ac_pool *pool, ac_future **futures)
{
    double start = bench_now();
    for (size_t i = 0; i < TASKS; i++) {
        CHECK(ac_pool_submit(pool, empty_task, NULL, &futures[i]));
    }
    CHECK(ac_future_wait_all((const ac_future *const *)futures, TASKS, AC_FOREVER));
    for (size_t i = 0; i < TASKS; i++) {
        ac_future_release(futures[i]);
    }
    return bench_now() - start;
}

static double run_pthreads(struct pthread_pool *pool, uint64_t *finished)
{
    double start = bench_now();
    for (size_t i = 0; i < TASKS; i++) {
        if (pthread_pool_submit(pool, empty_task, NULL) != 0) {
            exit(EXIT_FAILURE);
        }
    }
    *finished += TASKS;
    pthread_pool_wait_finished(pool, *finished);
    return bench_now() - start;
}

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    size_t workers = ac_pool_available_cpus();
    ac_pool *pool = NULL;
    CHECK(ac_pool_new(workers, "bench", &pool));
    struct pthread_pool *baseline = pthread_pool_new(workers);
    ac_future **futures = calloc(TASKS, sizeof *futures);
    double *allcore_samples = calloc((size_t)runs, sizeof(double));
    double *baseline_samples = calloc((size_t)runs, sizeof(double));
    if (baseline == NULL || futures == NULL || allcore_samples == NULL ||
        baseline_samples == NULL) {
        return EXIT_FAILURE;
    }

    uint64_t finished = 0;
    run_allcore(pool, futures); /* warm up both: threads, allocator */
    run_pthreads(baseline, &finished);
    for (int run = 0; run < runs; run++) {
        bench_pause();
        allcore_samples[run] = run_allcore(pool, futures);
        bench_pause();
        baseline_samples[run] = run_pthreads(baseline, &finished);
    }
    double allcore_time = bench_median(allcore_samples, runs);
    double baseline_time = bench_median(baseline_samples, runs);

    bench_header(argc, argv, "gcc -O2; baseline: mutex + condvar pool in pthread_pool.c");
    double ratio = baseline_time / allcore_time;
    printf("| %d empty tasks, submit + wait, %zu workers, throughput | %.2f M tasks/s | %.2f M "
           "tasks/s (pthread pool) | %.2fx | >= 1.0x | %s |\n",
           TASKS, workers, TASKS / allcore_time * 1e-6, TASKS / baseline_time * 1e-6, ratio,
           ratio >= 1.0 ? "yes" : "no");

    ac_pool_release(pool);
    pthread_pool_free(baseline);
    free(futures);
    free(allcore_samples);
    free(baseline_samples);
    return EXIT_SUCCESS;
}
