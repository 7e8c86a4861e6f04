/*
 * A traffic light and cars: the seeds' Event scenario.
 *
 * In the seed, a light thread turns green after a while and cars waiting
 * on the Event drive on. Here the light is an ac_event (set = green):
 *
 *   1. at red, a car that only looks (timeout 0) gets AC_WOULD_BLOCK, and
 *      one that waits 20 ms gets AC_TIMEOUT;
 *   2. CARS car threads wait at red; once all of them are waiting (and
 *      none has driven on), the light turns green and every car passes;
 *   3. while green, a newly arriving car passes without waiting;
 *   4. the light turns red again (ac_event_clear), and the next car waits.
 *
 * The order in which the cars drive on varies (stderr); the counts do not.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define CARS 5

static ac_event *green;
static ac_counter *waiting;
static ac_counter *passed;

struct car {
    pthread_t thread;
    int number;
    ac_status status;
};

static void *drive(void *argument)
{
    struct car *car = argument;
    CHECK(ac_counter_add(waiting, 1, NULL));
    car->status = ac_event_wait(green, AC_FOREVER);
    int64_t order = 0;
    CHECK(ac_counter_add(passed, 1, &order));
    fprintf(stderr, "  car %d passed (%" PRId64 ". through)\n", car->number, order);
    return NULL;
}

static const char *light_name(void)
{
    bool set = false;
    CHECK(ac_event_is_set(green, &set));
    return set ? "green" : "red";
}

/* Sleeps one millisecond: main polls while the cars get to the light. */
static void pause_1_ms(void)
{
    struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
    nanosleep(&ms, NULL);
}

int main(void)
{
    CHECK(ac_event_new(&green));
    CHECK(ac_counter_new(0, &waiting));
    CHECK(ac_counter_new(0, &passed));
    printf("light: %s\n", light_name());

    /* 1. At red nobody passes. */
    printf("car looks at red (0 ns): %s\n", ac_status_str(ac_event_wait(green, 0)));
    printf("car waits at red (20 ms): %s\n",
           ac_status_str(ac_event_wait(green, 20 * 1000 * 1000)));

    /* 2. Cars queue at red. */
    struct car cars[CARS];
    for (int i = 0; i < CARS; i++) {
        cars[i] = (struct car){.number = i};
        CHECK_PTHREAD(pthread_create(&cars[i].thread, NULL, drive, &cars[i]));
    }
    int64_t count = 0;
    for (;;) {
        CHECK(ac_counter_load(waiting, &count));
        if (count == CARS) {
            break;
        }
        pause_1_ms();
    }
    for (int i = 0; i < 20; i++) { /* give a wrong early pass time to show */
        pause_1_ms();
    }
    int64_t early = 0;
    CHECK(ac_counter_load(passed, &early));
    printf("%" PRId64 " cars waiting at red, %" PRId64 " passed\n", count, early);

    double turned_green = example_seconds();
    CHECK(ac_event_set(green));
    printf("light: %s\n", light_name());
    bool all_ok = true;
    for (int i = 0; i < CARS; i++) {
        CHECK_PTHREAD(pthread_join(cars[i].thread, NULL));
        all_ok = all_ok && cars[i].status == AC_OK;
    }
    fprintf(stderr, "all cars through %.3f ms after green\n",
            (example_seconds() - turned_green) * 1e3);
    int64_t through = 0;
    CHECK(ac_counter_load(passed, &through));
    printf("%" PRId64 " cars passed on green, every wait returned AC_OK: %s\n", through,
           all_ok ? "yes" : "no");

    /* 3. Green stays green until cleared: a late car does not wait. */
    printf("late car at green (0 ns): %s\n", ac_status_str(ac_event_wait(green, 0)));

    /* 4. Red again. */
    CHECK(ac_event_clear(green));
    printf("light: %s\n", light_name());
    printf("next car at red (10 ms): %s\n",
           ac_status_str(ac_event_wait(green, 10 * 1000 * 1000)));

    ac_event_release(green);
    ac_counter_release(waiting);
    ac_counter_release(passed);
    return early == 0 && through == CARS && all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
