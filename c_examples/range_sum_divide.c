/*
 * Sum 1..100000000, divide and conquer (seed 003).
 *
 * The seed splits the range into pieces, sums each piece in its own process
 * and adds the partial sums. Here the pieces run on threads, because
 * ac_range_sum holds no lock and so scales across cores:
 *
 *   1. by hand: one pthread per available CPU, each summing one slice;
 *   2. by the pool: ac_pool_range_sum does the same split itself.
 *
 * Ranges are half-open, [start, stop), so 1..100000000 inclusive is
 * [1, 100000001).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>

#include "example.h"

#define FIRST INT64_C(1)
#define LAST INT64_C(100000000)

struct slice {
    pthread_t thread;
    int64_t start;
    int64_t stop;
    int64_t sum;
    ac_status status;
};

static void *sum_slice(void *argument)
{
    struct slice *slice = argument;
    slice->status = ac_range_sum(slice->start, slice->stop, &slice->sum);
    return NULL;
}

/* Splits [start, stop) into `count` slices of near-equal size, one thread each. */
static int64_t divide_and_conquer(int64_t start, int64_t stop, size_t count)
{
    struct slice *slices = calloc(count, sizeof *slices);
    if (slices == NULL) {
        perror("calloc");
        exit(EXIT_FAILURE);
    }
    int64_t length = stop - start;
    for (size_t i = 0; i < count; i++) {
        slices[i].start = start + length * (int64_t)i / (int64_t)count;
        slices[i].stop = start + length * (int64_t)(i + 1) / (int64_t)count;
        CHECK_PTHREAD(pthread_create(&slices[i].thread, NULL, sum_slice, &slices[i]));
    }
    /* Each partial sum fits, and so does their total: the whole range's sum
     * fits in int64_t (ac_range_sum would say AC_OVERFLOW otherwise). */
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK_PTHREAD(pthread_join(slices[i].thread, NULL));
        CHECK(slices[i].status);
        total += slices[i].sum;
    }
    free(slices);
    return total;
}

int main(void)
{
    int64_t expected = LAST * (LAST + 1) / 2; /* Gauss, to check the answer */

    /* 1. By hand, with pthreads. */
    size_t threads = ac_pool_available_cpus();
    double started = example_seconds();
    int64_t by_hand = divide_and_conquer(FIRST, LAST + 1, threads);
    fprintf(stderr, "pthreads: %zu slices in %.3f s\n", threads, example_seconds() - started);
    printf("pthreads: sum(1..100000000) = %" PRId64 "\n", by_hand);

    /* 2. With the pool: the workers and the calling thread share the range. */
    ac_pool *pool = NULL;
    CHECK(ac_pool_new(0, "summer", &pool));
    int64_t by_pool = 0;
    started = example_seconds();
    CHECK(ac_pool_range_sum(pool, FIRST, LAST + 1, &by_pool));
    fprintf(stderr, "pool: %.3f s\n", example_seconds() - started);
    printf("pool: sum(1..100000000) = %" PRId64 "\n", by_pool);
    printf("both equal 100000000 * 100000001 / 2: %s\n",
           by_hand == expected && by_pool == expected ? "yes" : "no");

    /* Negative and empty ranges are fine. */
    int64_t sum = 0;
    CHECK(ac_range_sum(-3, 3, &sum));
    printf("sum[-3, 3) = %" PRId64 "\n", sum);
    CHECK(ac_range_sum(5, 3, &sum));
    printf("sum[5, 3) = %" PRId64 " (empty)\n", sum);

    /* Overflow: (2^63 - 3) + (2^63 - 2) does not fit in int64_t. The call
     * says AC_OVERFLOW at once, before any work (an O(1) check of the
     * closed form), and leaves `sum` alone. So does a range that would take
     * years to iterate, such as [0, INT64_MAX). The pool follows the same
     * rule. */
    sum = -1;
    ac_status status = ac_range_sum(INT64_MAX - 2, INT64_MAX, &sum);
    printf("sum[INT64_MAX - 2, INT64_MAX): %s, sum left at %" PRId64 "\n", ac_status_str(status),
           sum);
    fprintf(stderr, "  message: %s\n", ac_last_error_message());
    status = ac_range_sum(0, INT64_MAX, &sum);
    printf("sum[0, INT64_MAX): %s, at once\n", ac_status_str(status));
    status = ac_pool_range_sum(pool, 0, INT64_MAX, &sum);
    printf("pool, same range: %s, sum left at %" PRId64 "\n", ac_status_str(status), sum);

    ac_pool_release(pool);
    return by_hand == expected && by_pool == expected ? EXIT_SUCCESS : EXIT_FAILURE;
}
