/*
 * allcore's ac_fib against the seeds' own C fib (gcc -O2), at n = 34, 36
 * and 38. Both visit every leaf of the naive call tree, so both should take
 * about phi^2 = 2.6 times longer for n + 2. Target: allcore's time <= 0.80x
 * of gcc's at n = 36.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

int fib(int n); /* fib_seed.c */

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    const int sizes[] = {34, 36, 38};
    enum { SIZES = 3 };
    double allcore_time[SIZES];
    double gcc_time[SIZES];
    double *allcore_samples = calloc((size_t)runs, sizeof(double));
    double *gcc_samples = calloc((size_t)runs, sizeof(double));
    if (allcore_samples == NULL || gcc_samples == NULL) {
        return EXIT_FAILURE;
    }

    for (int s = 0; s < SIZES; s++) {
        int n = sizes[s];
        for (int run = 0; run < runs; run++) {
            int64_t value = 0;
            double start = bench_now();
            CHECK(ac_fib(n, &value));
            allcore_samples[run] = bench_now() - start;

            /* `volatile` keeps the call from being dropped or hoisted. */
            volatile int result;
            start = bench_now();
            result = fib(n);
            gcc_samples[run] = bench_now() - start;
            if (result != value) {
                fprintf(stderr, "fib(%d): allcore %lld, C %d\n", n, (long long)value, result);
                return EXIT_FAILURE;
            }
        }
        allcore_time[s] = bench_median(allcore_samples, runs);
        gcc_time[s] = bench_median(gcc_samples, runs);
    }

    bench_header(argc, argv, "gcc -O2; the seed's fib in its own translation unit, no LTO");
    for (int s = 0; s < SIZES; s++) {
        double ratio = allcore_time[s] / gcc_time[s];
        const char *target = sizes[s] == 36 ? "<= 0.80x" : "";
        const char *met = sizes[s] == 36 ? (ratio <= 0.80 ? "yes" : "no") : "";
        printf("| fib(%d) time | %.1f ms | %.1f ms (seed C fib, gcc -O2) | %.2fx | %s | %s |\n",
               sizes[s], allcore_time[s] * 1e3, gcc_time[s] * 1e3, ratio, target, met);
    }
    for (int s = 0; s + 1 < SIZES; s++) {
        double allcore_growth = allcore_time[s + 1] / allcore_time[s];
        double gcc_growth = gcc_time[s + 1] / gcc_time[s];
        bool near = allcore_growth > 2.3 && allcore_growth < 2.9;
        printf("| time(fib(%d)) / time(fib(%d)) | %.2f | %.2f | - | near 2.62 | %s |\n",
               sizes[s + 1], sizes[s], allcore_growth, gcc_growth, near ? "yes" : "no");
    }
    free(allcore_samples);
    free(gcc_samples);
    return EXIT_SUCCESS;
}
