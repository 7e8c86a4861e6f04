/*
 * ac_range_sum against a plain C loop (gcc -O3 -march=native) on one core,
 * and ac_pool_range_sum against an OpenMP reduction on every core.
 * Targets: one core >= 0.90x the loop's throughput, and time that doubles
 * with the range; every core within 5% of OpenMP.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

int64_t c_range_sum(int64_t start, int64_t stop);   /* range_sum_loop.c */
int64_t omp_range_sum(int64_t start, int64_t stop); /* range_sum_omp.c */

typedef int64_t (*baseline_fn)(int64_t start, int64_t stop);

struct timing {
    double allcore;
    double baseline;
};

/* Times [0, stop) alternately with allcore (on `pool`, or on this thread
 * when it is NULL) and the baseline; returns both medians. */
static struct timing measure(ac_pool *pool, baseline_fn baseline, int64_t stop, int runs)
{
    double *allcore_samples = calloc((size_t)runs, sizeof(double));
    double *baseline_samples = calloc((size_t)runs, sizeof(double));
    if (allcore_samples == NULL || baseline_samples == NULL) {
        exit(EXIT_FAILURE);
    }
    for (int run = 0; run < runs; run++) {
        int64_t sum = 0;
        double start = bench_now();
        CHECK(pool ? ac_pool_range_sum(pool, 0, stop, &sum) : ac_range_sum(0, stop, &sum));
        allcore_samples[run] = bench_now() - start;
        bench_pause();

        start = bench_now();
        volatile int64_t expected = baseline(0, stop);
        baseline_samples[run] = bench_now() - start;
        bench_pause();
        if (sum != expected) {
            fprintf(stderr, "sum[0, %lld): allcore %lld, baseline %lld\n", (long long)stop,
                    (long long)sum, (long long)expected);
            exit(EXIT_FAILURE);
        }
    }
    struct timing timing = {bench_median(allcore_samples, runs),
                            bench_median(baseline_samples, runs)};
    free(allcore_samples);
    free(baseline_samples);
    return timing;
}

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    const int64_t billion = INT64_C(1000000000);

    /* Warm up: page in code, let the CPU reach its clock. */
    measure(NULL, c_range_sum, billion / 4, 5);

    struct timing one = measure(NULL, c_range_sum, billion, runs);
    struct timing two = measure(NULL, c_range_sum, 2 * billion, runs);

    ac_pool *pool = NULL;
    CHECK(ac_pool_new(0, "bench", &pool));
    ac_pool_stats stats;
    CHECK(ac_pool_get_stats(pool, &stats));
    /* 4e9 keeps the sum (8e18) inside int64_t. */
    struct timing parallel = measure(pool, omp_range_sum, 4 * billion, runs);
    ac_pool_release(pool);

    bench_header(argc, argv,
                 "loop: gcc -O3 -march=native in its own translation unit; OpenMP: the same "
                 "plus -fopenmp");
    double ratio = (1.0 / one.allcore) / (1.0 / one.baseline);
    printf("| range_sum(0, 1e9), one core, throughput | %.1f G/s | %.1f G/s (C loop, gcc -O3 "
           "-march=native) | %.2fx | >= 0.90x | %s |\n",
           1.0 / one.allcore, 1.0 / one.baseline, ratio, ratio >= 0.90 ? "yes" : "no");
    double allcore_growth = two.allcore / one.allcore;
    double baseline_growth = two.baseline / one.baseline;
    printf("| time(2e9) / time(1e9), one core | %.2f | %.2f | - | near 2.0 | %s |\n",
           allcore_growth, baseline_growth,
           allcore_growth > 1.8 && allcore_growth < 2.2 ? "yes" : "no");
    ratio = parallel.baseline / parallel.allcore;
    printf("| range_sum(0, 4e9), %zu-worker pool vs OpenMP (%zu CPUs), throughput | %.1f G/s | "
           "%.1f G/s (OpenMP reduction) | %.2fx | within 5%% | %s |\n",
           stats.workers, ac_pool_available_cpus(), 4.0 / parallel.allcore, 4.0 / parallel.baseline,
           ratio, ratio >= 0.95 ? "yes" : "no");
    /* How well each side uses the extra cores: one-core time for 2e9,
     * doubled, over the parallel time for 4e9. */
    printf("| parallel speedup over one core (4e9 vs 2 x 2e9) | %.2fx | %.2fx (OpenMP vs C loop) "
           "| - | - | - |\n",
           2 * two.allcore / parallel.allcore, 2 * two.baseline / parallel.baseline);
    return EXIT_SUCCESS;
}
