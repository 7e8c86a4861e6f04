/*
 * Publish/subscribe: the seeds' Exchange (attach, detach, send) as an
 * ac_topic, with one ac_queue per subscriber.
 *
 *   1. Three subscriber threads, each reading its own queue until AC_CLOSED.
 *      main publishes MESSAGES messages; after HALF of them, subscriber
 *      "audit" unsubscribes (detach). ac_topic_publish reports how many
 *      queues received each message: 3, then 2. Each subscriber counts what
 *      it got and checks that it arrived in order.
 *   2. Drop instead of back-pressure: a bounded subscriber nobody reads
 *      fills up; a publish with timeout 0 delivers to the others and
 *      returns AC_WOULD_BLOCK. Shutting a queue down unsubscribes it, and
 *      a closed topic refuses publishes with AC_CLOSED.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "example.h"

#define SUBSCRIBERS 3
#define MESSAGES 1000
#define HALF 400
#define MESSAGE_MAX 32

struct subscriber {
    const char *name;
    ac_queue *inbox;
    pthread_t thread;
    int received;
    int last_number; /* of the last message; -1 before the first */
    bool in_order;
};

static void *read_inbox(void *argument)
{
    struct subscriber *self = argument;
    char message[MESSAGE_MAX];
    for (;;) {
        size_t length = 0;
        ac_status status = ac_queue_get(self->inbox, message, sizeof message - 1, &length);
        if (status == AC_CLOSED) {
            return NULL;
        }
        CHECK(status);
        message[length] = '\0';
        int number = atoi(message + strlen("news #"));
        self->in_order = self->in_order && number == self->last_number + 1;
        self->last_number = number;
        self->received++;
    }
}

/* Publishes "news #<number>" and returns how many queues received it. */
static size_t publish(ac_topic *topic, int number, int64_t timeout_ns, ac_status *status)
{
    char message[MESSAGE_MAX];
    int length = snprintf(message, sizeof message, "news #%d", number);
    size_t delivered = 0;
    *status = ac_topic_publish(topic, message, (size_t)length, timeout_ns, &delivered);
    return delivered;
}

/* 1. Three subscribers, one leaves half-way. */
static void subscribers_come_and_go(void)
{
    ac_topic *topic = NULL;
    CHECK(ac_topic_new(&topic));
    struct subscriber subscribers[SUBSCRIBERS] = {
        {.name = "mailer"}, {.name = "search"}, {.name = "audit"}};
    for (int i = 0; i < SUBSCRIBERS; i++) {
        struct subscriber *s = &subscribers[i];
        s->last_number = -1;
        s->in_order = true;
        /* Bounded: a slow subscriber holds the publisher back
         * (AC_FOREVER below), it never misses a message. */
        CHECK(ac_queue_new(AC_QUEUE_FIFO, 64, MESSAGE_MAX, &s->inbox));
        CHECK(ac_topic_subscribe(topic, s->inbox));
        CHECK_PTHREAD(pthread_create(&s->thread, NULL, read_inbox, s));
    }
    size_t count = 0;
    CHECK(ac_topic_subscribers(topic, &count));
    printf("subscribers: %zu\n", count);

    /* deliveries[k]: how many publishes reached k queues. */
    int deliveries[SUBSCRIBERS + 1] = {0};
    for (int number = 0; number < MESSAGES; number++) {
        if (number == HALF) {
            CHECK(ac_topic_unsubscribe(topic, subscribers[2].inbox));
            CHECK(ac_topic_subscribers(topic, &count));
            printf("after message %d, %s unsubscribes: %zu subscribers\n", HALF,
                   subscribers[2].name, count);
            printf("unsubscribing it again: %s\n",
                   ac_status_str(ac_topic_unsubscribe(topic, subscribers[2].inbox)));
        }
        ac_status status;
        size_t delivered = publish(topic, number, AC_FOREVER, &status);
        CHECK(status);
        deliveries[delivered]++;
    }
    for (int k = SUBSCRIBERS; k >= 0; k--) {
        if (deliveries[k] > 0) {
            printf("publishes delivered to %d queues: %d\n", k, deliveries[k]);
        }
    }

    /* Done publishing: each subscriber drains its queue and stops. */
    CHECK(ac_topic_close(topic));
    for (int i = 0; i < SUBSCRIBERS; i++) {
        CHECK(ac_queue_shutdown(subscribers[i].inbox, false, NULL));
    }
    for (int i = 0; i < SUBSCRIBERS; i++) {
        struct subscriber *s = &subscribers[i];
        CHECK_PTHREAD(pthread_join(s->thread, NULL));
        printf("%-6s received %4d messages, in order: %s\n", s->name, s->received,
               s->in_order ? "yes" : "no");
        ac_queue_release(s->inbox);
    }
    ac_topic_release(topic);
}

/* 2. A full subscriber misses messages published with timeout 0. */
static void drop_when_full(void)
{
    ac_topic *topic = NULL;
    ac_queue *fast = NULL;
    ac_queue *slow = NULL;
    CHECK(ac_topic_new(&topic));
    CHECK(ac_queue_new(AC_QUEUE_FIFO, 0, 0, &fast)); /* unbounded */
    CHECK(ac_queue_new(AC_QUEUE_FIFO, 2, 0, &slow)); /* room for 2, nobody reads */
    CHECK(ac_topic_subscribe(topic, fast));
    CHECK(ac_topic_subscribe(topic, slow));
    printf("subscribing the same queue twice: %s\n",
           ac_status_str(ac_topic_subscribe(topic, slow)));

    for (int number = 0; number < 4; number++) {
        ac_status status;
        size_t delivered = publish(topic, number, 0, &status);
        printf("publish #%d, timeout 0: %s, delivered to %zu\n", number, ac_status_str(status),
               delivered);
    }
    size_t fast_size = 0;
    size_t slow_size = 0;
    CHECK(ac_queue_size(fast, &fast_size));
    CHECK(ac_queue_size(slow, &slow_size));
    printf("fast queue holds %zu, slow queue holds %zu\n", fast_size, slow_size);

    /* A queue that is shut down leaves the topic at the next publish. */
    CHECK(ac_queue_shutdown(slow, true, NULL));
    ac_status status;
    size_t delivered = publish(topic, 4, 0, &status);
    size_t count = 0;
    CHECK(ac_topic_subscribers(topic, &count));
    printf("after the slow queue shuts down: publish %s, delivered to %zu, %zu subscriber\n",
           ac_status_str(status), delivered, count);

    CHECK(ac_topic_close(topic));
    publish(topic, 5, 0, &status);
    printf("publish after close: %s\n", ac_status_str(status));
    printf("subscribe after close: %s\n", ac_status_str(ac_topic_subscribe(topic, fast)));

    ac_topic_release(topic);
    ac_queue_release(slow);
    ac_queue_release(fast);
}

int main(void)
{
    double started = example_seconds();
    subscribers_come_and_go();
    fprintf(stderr, "%d publishes: %.3f s\n", MESSAGES, example_seconds() - started);
    drop_when_full();
    return EXIT_SUCCESS;
}
