/*
 * Selling tickets from several threads: the seeds' mutex scenario.
 *
 * In the seed, ten buyers all see "3 tickets left", but the lock around
 * "check, then take one" lets exactly three of them buy. Here:
 *
 *   1. the seed itself: 10 buyer threads, 3 tickets, an ac_mutex around
 *      the check-and-take, so exactly 3 buy and 7 are turned away;
 *   2. the same at scale: 4 sellers sell 100000 tickets under an ac_mutex,
 *      and together sell every ticket exactly once, none oversold;
 *   3. the race without a lock (its count varies from run to run, so it
 *      goes to stderr), and the race fixed without a lock by an
 *      ac_counter: compare-and-swap takes a ticket only if one is left.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define BUYERS 10
#define SEED_TICKETS 3
#define SELLERS 4
#define TICKETS 100000

/* ---- 1. The seed: ten buyers, three tickets ----------------------------- */

struct box_office {
    ac_mutex *lock;
    int64_t left; /* guarded by lock */
};

struct buyer {
    pthread_t thread;
    struct box_office *office;
    bool bought;
};

static void *buy_one(void *argument)
{
    struct buyer *buyer = argument;
    struct box_office *office = buyer->office;
    CHECK(ac_mutex_lock(office->lock));
    if (office->left > 0) { /* the check and the take happen under one lock */
        office->left -= 1;
        buyer->bought = true;
    }
    CHECK(ac_mutex_unlock(office->lock));
    return NULL;
}

static void seed_scenario(void)
{
    struct box_office office = {.left = SEED_TICKETS};
    CHECK(ac_mutex_new(&office.lock));
    struct buyer buyers[BUYERS] = {{0}};
    for (int i = 0; i < BUYERS; i++) {
        buyers[i].office = &office;
        CHECK_PTHREAD(pthread_create(&buyers[i].thread, NULL, buy_one, &buyers[i]));
    }
    int bought = 0;
    for (int i = 0; i < BUYERS; i++) {
        CHECK_PTHREAD(pthread_join(buyers[i].thread, NULL));
        bought += buyers[i].bought;
        fprintf(stderr, "  buyer %d: %s\n", i + 1, buyers[i].bought ? "bought" : "turned away");
    }
    printf("seed: %d buyers, %d tickets: %d bought, %d turned away, %" PRId64 " left\n", BUYERS,
           SEED_TICKETS, bought, BUYERS - bought, office.left);
    ac_mutex_release(office.lock);
}

/* ---- 2. Selling 100000 tickets under a mutex ---------------------------- */

struct seller {
    pthread_t thread;
    struct box_office *office;
    int64_t sold;
};

static void *sell_locked(void *argument)
{
    struct seller *seller = argument;
    struct box_office *office = seller->office;
    for (;;) {
        CHECK(ac_mutex_lock(office->lock));
        bool took = office->left > 0;
        if (took) {
            office->left -= 1;
        }
        CHECK(ac_mutex_unlock(office->lock));
        if (!took) {
            return NULL;
        }
        seller->sold += 1;
    }
}

/* ---- 3. The race, and the race fixed with an ac_counter ----------------- */

/* No lock: the check and the take can interleave, so two sellers may both
 * see the last ticket. `volatile` keeps the compiler from merging the loads
 * and stores; it does not make them atomic (that is the point). */
static volatile int64_t racy_left;

static void *sell_racy(void *argument)
{
    struct seller *seller = argument;
    for (;;) {
        int64_t left = racy_left;
        if (left <= 0) {
            return NULL;
        }
        racy_left = left - 1;
        seller->sold += 1;
    }
}

static ac_counter *tickets_left;

/* Lock-free and still exact: take a ticket only if the count did not change
 * between reading it and replacing it. */
static void *sell_counter(void *argument)
{
    struct seller *seller = argument;
    int64_t left = 0;
    CHECK(ac_counter_load(tickets_left, &left));
    while (left > 0) {
        int64_t previous = 0;
        CHECK(ac_counter_compare_exchange(tickets_left, left, left - 1, &previous));
        if (previous == left) {
            seller->sold += 1;
            left -= 1;
        } else {
            left = previous; /* someone else sold one: retry with what is left */
        }
    }
    return NULL;
}

/* Runs SELLERS threads of `sell` and returns how many tickets they sold. */
static int64_t run_sellers(void *(*sell)(void *), struct box_office *office, bool *oversold)
{
    struct seller sellers[SELLERS] = {{0}};
    for (int i = 0; i < SELLERS; i++) {
        sellers[i].office = office;
        CHECK_PTHREAD(pthread_create(&sellers[i].thread, NULL, sell, &sellers[i]));
    }
    int64_t total = 0;
    for (int i = 0; i < SELLERS; i++) {
        CHECK_PTHREAD(pthread_join(sellers[i].thread, NULL));
        total += sellers[i].sold;
        fprintf(stderr, "  seller %d sold %" PRId64 "\n", i, sellers[i].sold);
    }
    *oversold = total > TICKETS;
    return total;
}

int main(void)
{
    seed_scenario();

    /* 2. Under an ac_mutex. */
    struct box_office office = {.left = TICKETS};
    CHECK(ac_mutex_new(&office.lock));
    bool oversold = false;
    double started = example_seconds();
    int64_t sold = run_sellers(sell_locked, &office, &oversold);
    fprintf(stderr, "mutex: %.3f s\n", example_seconds() - started);
    printf("mutex: %d sellers sold %" PRId64 " of %d tickets, %" PRId64 " left, oversold: %s\n",
           SELLERS, sold, TICKETS, office.left, oversold ? "yes" : "no");
    bool correct = sold == TICKETS && office.left == 0 && !oversold;

    /* The lock is free again, and unlocking a free mutex is an error. */
    bool locked = true;
    CHECK(ac_mutex_is_locked(office.lock, &locked));
    printf("mutex locked after the sale: %s\n", locked ? "yes" : "no");
    printf("unlock a free mutex: %s\n", ac_status_str(ac_mutex_unlock(office.lock)));
    ac_mutex_release(office.lock);

    /* 3a. Without a lock: the total varies and can exceed TICKETS. */
    racy_left = TICKETS;
    bool racy_oversold = false;
    int64_t racy_sold = run_sellers(sell_racy, NULL, &racy_oversold);
    fprintf(stderr, "no lock: sold %" PRId64 " of %d tickets (%s)\n", racy_sold, TICKETS,
            racy_oversold ? "oversold: the race" : "not oversold this time");

    /* 3b. Without a lock, with an atomic compare-and-swap. */
    CHECK(ac_counter_new(TICKETS, &tickets_left));
    bool counter_oversold = false;
    int64_t counter_sold = run_sellers(sell_counter, NULL, &counter_oversold);
    int64_t counter_left = -1;
    CHECK(ac_counter_load(tickets_left, &counter_left));
    printf("ac_counter: %d sellers sold %" PRId64 " of %d tickets, %" PRId64
           " left, oversold: %s\n",
           SELLERS, counter_sold, TICKETS, counter_left, counter_oversold ? "yes" : "no");
    ac_counter_release(tickets_left);
    correct = correct && counter_sold == TICKETS && counter_left == 0 && !counter_oversold;

    printf("every ticket sold exactly once: %s\n", correct ? "yes" : "no");
    return correct ? EXIT_SUCCESS : EXIT_FAILURE;
}
