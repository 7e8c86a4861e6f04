/*
 * Naive recursive fib across threads: the seeds' CPU-bound workload.
 *
 * The seeds compile `int fib(int n)` into a shared library and call it from
 * Python threads through ctypes. ac_fib is that function with a status:
 * it can be called from any thread at once, and instead of silently
 * overflowing (fib(93) does not fit in 64 bits) or recursing on a negative
 * number, it says what went wrong.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>

#include "example.h"

struct fib_job {
    pthread_t thread;
    int64_t n;
    int64_t value;
    ac_status status;
};

static void *compute_fib(void *argument)
{
    struct fib_job *job = argument;
    job->status = ac_fib(job->n, &job->value);
    return NULL;
}

/* Calls ac_fib(n) and prints the status it returns instead of a value. */
static void show_error(int64_t n, int64_t *out_value)
{
    ac_status status = ac_fib(n, out_value);
    printf("fib(%" PRId64 "%s): %s\n", n, out_value == NULL ? ", NULL" : "",
           ac_status_str(status));
    fprintf(stderr, "  message: %s\n", ac_last_error_message());
}

int main(void)
{
    /* One thread per n; each runs on its own core when there are enough. */
    struct fib_job jobs[] = {{.n = 1}, {.n = 2}, {.n = 10}, {.n = 25}, {.n = 30}, {.n = 32}};
    size_t count = sizeof jobs / sizeof jobs[0];

    double started = example_seconds();
    for (size_t i = 0; i < count; i++) {
        CHECK_PTHREAD(pthread_create(&jobs[i].thread, NULL, compute_fib, &jobs[i]));
    }
    for (size_t i = 0; i < count; i++) {
        CHECK_PTHREAD(pthread_join(jobs[i].thread, NULL));
        CHECK(jobs[i].status);
        printf("fib(%" PRId64 ") = %" PRId64 "\n", jobs[i].n, jobs[i].value);
    }
    fprintf(stderr, "%zu threads: %.3f s\n", count, example_seconds() - started);

    /* The seed's own check: fib(30) == 832040. */
    int64_t fib30 = 0;
    CHECK(ac_fib(30, &fib30));
    printf("fib(30) == 832040: %s\n", fib30 == 832040 ? "yes" : "no");

    /* Bad input returns a status instead of a wrong number or a crash. */
    int64_t value = 0;
    show_error(93, &value);  /* AC_OVERFLOW: 12200160415121876738 > INT64_MAX */
    show_error(-1, &value);  /* AC_INVALID_ARGUMENT */
    show_error(10, NULL);    /* AC_NULL_POINTER */
    return fib30 == 832040 ? EXIT_SUCCESS : EXIT_FAILURE;
}
