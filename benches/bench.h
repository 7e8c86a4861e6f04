/*
 * Shared helpers for the allcore C benchmarks: a monotonic clock, medians,
 * status checks and Markdown rows.
 *
 * Every benchmark times allcore and the baseline alternately in the same
 * process, several times each, and reports the ratio of the medians: the
 * machine is shared and noisy, and alternating spreads the noise over both.
 */
#ifndef ALLCORE_BENCH_H
#define ALLCORE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allcore.h"

/* Runs per measurement when the command line does not say otherwise. */
#define BENCH_DEFAULT_RUNS 9

static inline double bench_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Separates timed runs: 5 ms for idle threads (OpenMP's, allcore's) to
 * stop spinning and go to sleep, so that they do not take the next run's
 * cores. It spins rather than sleeps: on this kind of machine a sleeping
 * core clocks down and the next run would start slow. */
static inline void bench_pause(void)
{
    double until = bench_now() + 0.005;
    while (bench_now() < until) {
    }
}

static int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of `count` samples (sorts them in place). */
static inline double bench_median(double *samples, int count)
{
    qsort(samples, (size_t)count, sizeof *samples, bench_compare_doubles);
    return count % 2 ? samples[count / 2] : (samples[count / 2 - 1] + samples[count / 2]) / 2;
}

static inline void bench_check(ac_status status, const char *call, int line)
{
    if (status != AC_OK) {
        fprintf(stderr, "line %d: %s failed: %s (%s)\n", line, call, ac_status_str(status),
                ac_last_error_message());
        exit(EXIT_FAILURE);
    }
}

#define CHECK(call) bench_check((call), #call, __LINE__)

/* The number of runs: the first command-line argument, at least 5. */
static inline int bench_runs(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : BENCH_DEFAULT_RUNS;
    return runs < 5 ? 5 : runs;
}

/* Prints the command that produced the rows that follow, and the table head. */
static inline void bench_header(int argc, char **argv, const char *build)
{
    printf("\n`");
    for (int i = 0; i < argc; i++) {
        printf(i ? " %s" : "%s", argv[i]);
    }
    printf("` (%d runs each, medians; built with %s)\n\n", bench_runs(argc, argv), build);
    printf("| benchmark | allcore | baseline | ratio | target | met |\n");
    printf("|---|---|---|---|---|---|\n");
}

#endif /* ALLCORE_BENCH_H */
