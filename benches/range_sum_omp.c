/*
 * The same loop parallelised the usual way: an OpenMP reduction, built with
 * `gcc -fopenmp -O3 -march=native`, on OMP_NUM_THREADS threads (default: one
 * per CPU).
 */
#include <stdint.h>

int64_t omp_range_sum(int64_t start, int64_t stop);

int64_t omp_range_sum(int64_t start, int64_t stop)
{
    int64_t sum = 0;
#pragma omp parallel for reduction(+ : sum)
    for (int64_t i = start; i < stop; i++) {
        sum += i;
    }
    return sum;
}
