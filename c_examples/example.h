/*
 * Helpers shared by the allcore C examples: check a status, read the clock.
 *
 * Every allcore function that can fail returns an ac_status. These helpers
 * show the pattern the examples follow: on anything but AC_OK, print the
 * status name and the calling thread's detailed message, then exit non-zero.
 */
#ifndef ALLCORE_EXAMPLE_H
#define ALLCORE_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "allcore.h"

/* Exits with a diagnostic unless `status` is AC_OK. */
static inline void example_check(ac_status status, const char *call, const char *file, int line)
{
    if (status != AC_OK) {
        fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", file, line, call, ac_status_str(status),
                ac_last_error_message());
        exit(EXIT_FAILURE);
    }
}

/* CHECK(ac_fib(30, &value)); exits on failure, naming the call. */
#define CHECK(call) example_check((call), #call, __FILE__, __LINE__)

/* Exits with a diagnostic when a pthread function returns an error number. */
static inline void example_check_errno(int error, const char *call, const char *file, int line)
{
    if (error != 0) {
        fprintf(stderr, "%s:%d: %s failed: error %d\n", file, line, call, error);
        exit(EXIT_FAILURE);
    }
}

#define CHECK_PTHREAD(call) example_check_errno((call), #call, __FILE__, __LINE__)

/* Monotonic time in seconds, for the timing lines printed to stderr. */
static inline double example_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

#endif /* ALLCORE_EXAMPLE_H */
