/*
 * Producers and consumers around a bounded buffer: the seeds' Condition
 * scenario, with an ac_mutex and two ac_conditions (not full, not empty).
 *
 *   1. PRODUCERS threads put ITEMS numbers each into a buffer of CAPACITY
 *      slots; CONSUMERS threads take them out. A producer waits while the
 *      buffer is full, a consumer while it is empty; every wait re-checks
 *      its predicate in a loop. Every item is consumed exactly once: the
 *      count and the sum prove it, and the buffer never overfills.
 *   2. The edges of ac_condition_wait: a 0 ns wait returns AC_WOULD_BLOCK
 *      without unlocking, a timed wait nobody notifies returns AC_TIMEOUT
 *      with the mutex locked again, and waiting without the mutex is
 *      AC_NOT_OWNER.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 20000 /* per producer */
#define CAPACITY 4

struct buffer {
    ac_mutex *lock;
    ac_condition *not_full;
    ac_condition *not_empty;
    /* guarded by lock: */
    int64_t slots[CAPACITY];
    int head;
    int count;
    int most_count;
    int producers_left;
};

static struct buffer buffer;

struct consumer {
    pthread_t thread;
    int64_t taken;
    int64_t sum;
};

static void *produce(void *argument)
{
    (void)argument;
    for (int64_t item = 1; item <= ITEMS; item++) {
        CHECK(ac_mutex_lock(buffer.lock));
        while (buffer.count == CAPACITY) {
            CHECK(ac_condition_wait(buffer.not_full, buffer.lock, AC_FOREVER));
        }
        buffer.slots[(buffer.head + buffer.count) % CAPACITY] = item;
        buffer.count += 1;
        if (buffer.count > buffer.most_count) {
            buffer.most_count = buffer.count;
        }
        CHECK(ac_condition_notify(buffer.not_empty, 1));
        CHECK(ac_mutex_unlock(buffer.lock));
    }
    CHECK(ac_mutex_lock(buffer.lock));
    buffer.producers_left -= 1;
    CHECK(ac_condition_notify_all(buffer.not_empty)); /* consumers may be done */
    CHECK(ac_mutex_unlock(buffer.lock));
    return NULL;
}

static void *consume(void *argument)
{
    struct consumer *consumer = argument;
    for (;;) {
        CHECK(ac_mutex_lock(buffer.lock));
        while (buffer.count == 0 && buffer.producers_left > 0) {
            CHECK(ac_condition_wait(buffer.not_empty, buffer.lock, AC_FOREVER));
        }
        if (buffer.count == 0) { /* empty and no producer left: done */
            CHECK(ac_mutex_unlock(buffer.lock));
            return NULL;
        }
        int64_t item = buffer.slots[buffer.head];
        buffer.head = (buffer.head + 1) % CAPACITY;
        buffer.count -= 1;
        CHECK(ac_condition_notify(buffer.not_full, 1));
        CHECK(ac_mutex_unlock(buffer.lock));
        consumer->taken += 1;
        consumer->sum += item;
    }
}

int main(void)
{
    CHECK(ac_mutex_new(&buffer.lock));
    CHECK(ac_condition_new(&buffer.not_full));
    CHECK(ac_condition_new(&buffer.not_empty));
    buffer.producers_left = PRODUCERS;

    /* 1. The buffer. */
    double started = example_seconds();
    pthread_t producers[PRODUCERS];
    struct consumer consumers[CONSUMERS] = {{0}};
    for (int i = 0; i < CONSUMERS; i++) {
        CHECK_PTHREAD(pthread_create(&consumers[i].thread, NULL, consume, &consumers[i]));
    }
    for (int i = 0; i < PRODUCERS; i++) {
        CHECK_PTHREAD(pthread_create(&producers[i], NULL, produce, NULL));
    }
    for (int i = 0; i < PRODUCERS; i++) {
        CHECK_PTHREAD(pthread_join(producers[i], NULL));
    }
    int64_t taken = 0;
    int64_t sum = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        CHECK_PTHREAD(pthread_join(consumers[i].thread, NULL));
        fprintf(stderr, "  consumer %d took %" PRId64 " items\n", i, consumers[i].taken);
        taken += consumers[i].taken;
        sum += consumers[i].sum;
    }
    fprintf(stderr, "%d items: %.3f s\n", PRODUCERS * ITEMS, example_seconds() - started);
    int64_t expected_sum = (int64_t)PRODUCERS * ITEMS * (ITEMS + 1) / 2;
    printf("%d producers x %d items, %d consumers: consumed %" PRId64 ", sum %" PRId64
           " (expected %" PRId64 ")\n",
           PRODUCERS, ITEMS, CONSUMERS, taken, sum, expected_sum);
    printf("buffer of %d never overfilled: %s, empty at the end: %s\n", CAPACITY,
           buffer.most_count <= CAPACITY ? "yes" : "no", buffer.count == 0 ? "yes" : "no");

    /* 2. Edges. */
    CHECK(ac_mutex_lock(buffer.lock));
    printf("wait 0 ns: %s\n",
           ac_status_str(ac_condition_wait(buffer.not_empty, buffer.lock, 0)));
    printf("wait 10 ms, nobody notifies: %s\n",
           ac_status_str(ac_condition_wait(buffer.not_empty, buffer.lock, 10 * 1000 * 1000)));
    bool locked = false;
    CHECK(ac_mutex_is_locked(buffer.lock, &locked));
    printf("mutex locked again after the timeout: %s\n", locked ? "yes" : "no");
    CHECK(ac_mutex_unlock(buffer.lock));
    printf("wait without the mutex: %s\n",
           ac_status_str(ac_condition_wait(buffer.not_empty, buffer.lock, AC_FOREVER)));
    printf("notify(-1): %s\n", ac_status_str(ac_condition_notify(buffer.not_empty, -1)));

    ac_condition_release(buffer.not_full);
    ac_condition_release(buffer.not_empty);
    ac_mutex_release(buffer.lock);
    return taken == PRODUCERS * ITEMS && sum == expected_sum ? EXIT_SUCCESS : EXIT_FAILURE;
}
