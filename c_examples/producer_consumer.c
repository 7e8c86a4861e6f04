/*
 * Producers and consumers around an ac_queue: the seeds' "producer-consumer
 * through a queue" scenario, without the None sentinel.
 *
 *   1. PRODUCERS threads each put ITEMS text messages ("A dumpling #17")
 *      into a bounded FIFO queue of CAPACITY messages; CONSUMERS threads
 *      take them out. When every producer has finished, main shuts the
 *      queue down (ac_queue_shutdown): the consumers take what is left and
 *      then get AC_CLOSED, so nobody needs to know how many consumers there
 *      are or to put one sentinel each. A table of how often each message
 *      arrived and a checksum prove that nothing was lost or duplicated.
 *   2. After the shutdown: a put returns AC_CLOSED, a get on the empty
 *      queue returns AC_CLOSED at once, and a message longer than the
 *      caller's buffer is reported with AC_BUFFER_TOO_SMALL and the needed
 *      length, staying queued.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "example.h"

#define PRODUCERS 3
#define CONSUMERS 3
#define ITEMS 20000 /* per producer */
#define CAPACITY 64
#define MESSAGE_MAX 64

static const char *const names[PRODUCERS] = {"A", "B", "C"};
static const char *const foods[PRODUCERS] = {"dumpling", "bun", "noodle"};

static ac_queue *queue;

/* How many times each message (producer, number) arrived; written by the
 * consumers, read by main after joining them. */
static atomic_int arrivals[PRODUCERS][ITEMS];

struct consumer {
    pthread_t thread;
    int64_t taken;
    uint64_t checksum;
    ac_status last; /* the status that ended the loop */
};

static void *produce(void *argument)
{
    int producer = (int)(intptr_t)argument;
    char message[MESSAGE_MAX];
    for (int number = 0; number < ITEMS; number++) {
        int length = snprintf(message, sizeof message, "%s %s #%d", names[producer],
                              foods[producer], number);
        /* Waits while the queue is full. */
        CHECK(ac_queue_put(queue, message, (size_t)length));
    }
    return NULL;
}

/* Reads "<name> <food> #<number>" back into (producer, number). */
static bool parse(const char *message, int *producer, int *number)
{
    for (int i = 0; i < PRODUCERS; i++) {
        size_t name_length = strlen(names[i]);
        if (strncmp(message, names[i], name_length) == 0 && message[name_length] == ' ') {
            const char *hash = strchr(message, '#');
            if (hash == NULL) {
                return false;
            }
            *producer = i;
            *number = atoi(hash + 1);
            return *number >= 0 && *number < ITEMS;
        }
    }
    return false;
}

static void *consume(void *argument)
{
    struct consumer *consumer = argument;
    char message[MESSAGE_MAX];
    for (;;) {
        size_t length = 0;
        /* Waits while the queue is empty; AC_CLOSED once it is shut down
         * and empty. */
        ac_status status = ac_queue_get(queue, message, sizeof message - 1, &length);
        if (status == AC_CLOSED) {
            consumer->last = status;
            return NULL;
        }
        CHECK(status);
        message[length] = '\0';
        int producer = 0;
        int number = 0;
        if (!parse(message, &producer, &number)) {
            fprintf(stderr, "unexpected message: %s\n", message);
            exit(EXIT_FAILURE);
        }
        atomic_fetch_add(&arrivals[producer][number], 1);
        consumer->taken += 1;
        consumer->checksum += (uint64_t)producer * ITEMS + (uint64_t)number + 1;
    }
}

/* 1. Producers and consumers, shut down without sentinels. */
static bool run_scenario(void)
{
    double started = example_seconds();
    pthread_t producers[PRODUCERS];
    struct consumer consumers[CONSUMERS] = {{0}};
    for (int i = 0; i < CONSUMERS; i++) {
        CHECK_PTHREAD(pthread_create(&consumers[i].thread, NULL, consume, &consumers[i]));
    }
    for (int i = 0; i < PRODUCERS; i++) {
        CHECK_PTHREAD(pthread_create(&producers[i], NULL, produce, (void *)(intptr_t)i));
    }
    for (int i = 0; i < PRODUCERS; i++) {
        CHECK_PTHREAD(pthread_join(producers[i], NULL));
    }
    /* Every message is in; not immediate: the consumers drain what is left. */
    size_t discarded = 0;
    CHECK(ac_queue_shutdown(queue, false, &discarded));

    int64_t taken = 0;
    uint64_t checksum = 0;
    int closed = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        CHECK_PTHREAD(pthread_join(consumers[i].thread, NULL));
        fprintf(stderr, "  consumer %d took %" PRId64 " messages\n", i, consumers[i].taken);
        taken += consumers[i].taken;
        checksum += consumers[i].checksum;
        closed += consumers[i].last == AC_CLOSED;
    }
    fprintf(stderr, "%d messages: %.3f s\n", PRODUCERS * ITEMS, example_seconds() - started);

    int missing = 0;
    int duplicated = 0;
    for (int producer = 0; producer < PRODUCERS; producer++) {
        for (int number = 0; number < ITEMS; number++) {
            int count = atomic_load(&arrivals[producer][number]);
            missing += count == 0;
            duplicated += count > 1;
        }
    }
    uint64_t total = (uint64_t)PRODUCERS * ITEMS;
    uint64_t expected_checksum = total * (total + 1) / 2;
    printf("%d producers x %d messages, %d consumers, queue of %d\n", PRODUCERS, ITEMS,
           CONSUMERS, CAPACITY);
    printf("shutdown (not immediate) discarded %zu messages\n", discarded);
    printf("consumed %" PRId64 ", missing %d, duplicated %d\n", taken, missing, duplicated);
    printf("checksum %" PRIu64 " (expected %" PRIu64 ")\n", checksum, expected_checksum);
    printf("consumers that ended on AC_CLOSED: %d of %d\n", closed, CONSUMERS);
    return taken == (int64_t)total && missing == 0 && duplicated == 0 &&
           checksum == expected_checksum && closed == CONSUMERS;
}

/* 2. The queue after the shutdown, and a buffer too small. */
static void edges(void)
{
    bool closed = false;
    size_t size = 0;
    CHECK(ac_queue_is_closed(queue, &closed));
    CHECK(ac_queue_size(queue, &size));
    printf("after the shutdown: closed %s, size %zu\n", closed ? "yes" : "no", size);
    printf("put after shutdown: %s\n", ac_status_str(ac_queue_put(queue, "late", 4)));
    char buffer[8];
    size_t length = 0;
    printf("get on the closed, empty queue: %s\n",
           ac_status_str(ac_queue_get(queue, buffer, sizeof buffer, &length)));

    /* A fresh queue for the short buffer. */
    ac_queue *other = NULL;
    CHECK(ac_queue_new(AC_QUEUE_FIFO, 0, 0, &other));
    const char *long_message = "a message longer than eight bytes";
    CHECK(ac_queue_put(other, long_message, strlen(long_message)));
    ac_status status = ac_queue_get(other, buffer, sizeof buffer, &length);
    printf("get into %zu bytes: %s, needs %zu\n", sizeof buffer, ac_status_str(status), length);
    char large[64];
    CHECK(ac_queue_get(other, large, sizeof large, &length));
    printf("retry with %zu bytes: \"%.*s\"\n", sizeof large, (int)length, large);
    ac_queue_release(other);
}

int main(void)
{
    CHECK(ac_queue_new(AC_QUEUE_FIFO, CAPACITY, MESSAGE_MAX, &queue));
    bool ok = run_scenario();
    edges();
    ac_queue_release(queue);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
