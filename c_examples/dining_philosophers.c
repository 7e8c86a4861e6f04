/*
 * Five philosophers, five forks: the seeds' dining philosophers.
 *
 * Each philosopher needs the forks on both sides. If every one takes the
 * left fork and then waits for the right one, they all starve (deadlock).
 * The seed sorts the locks by address before taking them; here:
 *
 *   1. ac_mutex_lock_all takes both forks or neither, in any order;
 *   2. the same dinner by hand: take the left fork, try the right one for
 *      at most 1 ms (ac_mutex_lock_timeout), and on AC_TIMEOUT put the
 *      left fork down and try again.
 *
 * Each philosopher eats MEALS times. While eating, a philosopher marks both
 * forks as theirs and checks that no neighbour had marked them: the forks'
 * mutexes must keep neighbours from eating at once. Which philosopher ate
 * when varies; the meal counts do not.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define PHILOSOPHERS 5
#define MEALS 2000

struct fork {
    ac_mutex *lock;
    int holder; /* -1 when on the table; written only with lock held */
};

static struct fork forks[PHILOSOPHERS];
static atomic_int eating_now;
static atomic_int most_eating;
static atomic_bool shared_fork;

struct philosopher {
    pthread_t thread;
    int seat;
    int meals;
    int64_t retries; /* times the right fork was busy (strategy 2) */
};

static struct fork *left_fork(const struct philosopher *p)
{
    return &forks[p->seat];
}

static struct fork *right_fork(const struct philosopher *p)
{
    return &forks[(p->seat + 1) % PHILOSOPHERS];
}

/* One meal, with both forks' mutexes held by the caller. */
static void eat(struct philosopher *p)
{
    struct fork *left = left_fork(p);
    struct fork *right = right_fork(p);
    if (left->holder != -1 || right->holder != -1) {
        atomic_store(&shared_fork, true);
    }
    left->holder = p->seat;
    right->holder = p->seat;

    int now = atomic_fetch_add(&eating_now, 1) + 1;
    int most = atomic_load(&most_eating);
    while (now > most && !atomic_compare_exchange_weak(&most_eating, &most, now)) {
    }
    for (volatile int chew = 0; chew < 200; chew++) {
    }
    atomic_fetch_sub(&eating_now, 1);

    left->holder = -1;
    right->holder = -1;
    p->meals += 1;
}

/* 1. Both forks or neither. */
static void *dine_lock_all(void *argument)
{
    struct philosopher *p = argument;
    ac_mutex *pair[2] = {left_fork(p)->lock, right_fork(p)->lock};
    for (int i = 0; i < MEALS; i++) {
        CHECK(ac_mutex_lock_all(pair, 2, AC_FOREVER));
        eat(p);
        CHECK(ac_mutex_unlock_all(pair, 2));
    }
    return NULL;
}

/* 2. Left fork, then the right one with a timeout; back off on timeout. */
static void *dine_timeout(void *argument)
{
    struct philosopher *p = argument;
    while (p->meals < MEALS) {
        CHECK(ac_mutex_lock(left_fork(p)->lock));
        ac_status status = ac_mutex_lock_timeout(right_fork(p)->lock, 1000 * 1000);
        if (status == AC_TIMEOUT) {
            CHECK(ac_mutex_unlock(left_fork(p)->lock)); /* put it down, think, retry */
            p->retries += 1;
            continue;
        }
        CHECK(status);
        eat(p);
        CHECK(ac_mutex_unlock(right_fork(p)->lock));
        CHECK(ac_mutex_unlock(left_fork(p)->lock));
    }
    return NULL;
}

static bool dinner(const char *name, void *(*dine)(void *))
{
    struct philosopher table[PHILOSOPHERS];
    atomic_store(&most_eating, 0);
    atomic_store(&shared_fork, false);
    double started = example_seconds();
    for (int i = 0; i < PHILOSOPHERS; i++) {
        table[i] = (struct philosopher){.seat = i};
        CHECK_PTHREAD(pthread_create(&table[i].thread, NULL, dine, &table[i]));
    }
    bool all_fed = true;
    for (int i = 0; i < PHILOSOPHERS; i++) {
        CHECK_PTHREAD(pthread_join(table[i].thread, NULL));
    }
    fprintf(stderr, "%s: %.3f s\n", name, example_seconds() - started);
    for (int i = 0; i < PHILOSOPHERS; i++) {
        printf("%s: philosopher %d ate %d meals\n", name, i, table[i].meals);
        fprintf(stderr, "  philosopher %d: right fork busy %lld times\n", i,
                (long long)table[i].retries);
        all_fed = all_fed && table[i].meals == MEALS;
    }
    /* With 5 forks at most 2 can eat at once (2 on a 1-core machine is not
     * guaranteed to happen, so only the bound is printed). */
    int most = atomic_load(&most_eating);
    fprintf(stderr, "  most eating at once: %d\n", most);
    bool shared = atomic_load(&shared_fork);
    printf("%s: neighbours never shared a fork: %s, at most 2 eating at once: %s\n", name,
           shared ? "no" : "yes", most <= 2 ? "yes" : "no");

    bool any_locked = false;
    for (int i = 0; i < PHILOSOPHERS; i++) {
        bool locked = false;
        CHECK(ac_mutex_is_locked(forks[i].lock, &locked));
        any_locked = any_locked || locked;
    }
    printf("%s: every fork back on the table: %s\n", name, any_locked ? "no" : "yes");
    return all_fed && !shared && most <= 2 && !any_locked;
}

int main(void)
{
    for (int i = 0; i < PHILOSOPHERS; i++) {
        CHECK(ac_mutex_new(&forks[i].lock));
        forks[i].holder = -1;
    }
    bool ok = dinner("lock_all", dine_lock_all);
    ok = dinner("timeout", dine_timeout) && ok;
    for (int i = 0; i < PHILOSOPHERS; i++) {
        ac_mutex_release(forks[i].lock);
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
