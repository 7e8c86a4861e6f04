/*
 * The plain C summing loop a user would write, in its own translation unit,
 * built with `gcc -O3 -march=native` (vectorised). The bounds arrive as
 * arguments from another translation unit, so they are unknown here; the
 * benchmark also checks that the time doubles when the range doubles, which
 * a closed-form rewrite would not.
 */
#include <stdint.h>

int64_t c_range_sum(int64_t start, int64_t stop);

int64_t c_range_sum(int64_t start, int64_t stop)
{
    int64_t sum = 0;
    for (int64_t i = start; i < stop; i++) {
        sum += i;
    }
    return sum;
}
