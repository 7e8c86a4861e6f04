/*
 * Bank transfers between accounts: the seeds' deadlock scenario, solved.
 *
 * In the seed, Xiaoming sends money to Xiaozhang while Xiaozhang sends
 * money to Xiaoming; each thread locks its own account first and then
 * waits forever for the other's. ac_mutex_lock_all takes both account
 * locks or neither, in any order, so it cannot deadlock:
 *
 *   1. the seed: two threads transfer in opposite directions, 20000 times
 *      each, each naming the accounts in its own order;
 *   2. 4 threads make 50000 random transfers each among 10 accounts; the
 *      money moves, but the total is conserved;
 *   3. what lock_all refuses: the same mutex twice, and a timeout while
 *      another thread holds an account (after which it holds nothing).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "example.h"

#define ACCOUNTS 10
#define OPENING_BALANCE 1000
#define TELLERS 4
#define TRANSFERS_PER_TELLER 50000
#define SEED_TRANSFERS 20000

struct account {
    ac_mutex *lock;
    int64_t balance; /* guarded by lock */
};

static struct account accounts[ACCOUNTS];

/* Moves `amount` from one account to another if the payer can afford it.
 * Returns whether the money moved. */
static bool transfer(int from, int to, int64_t amount)
{
    ac_mutex *pair[2] = {accounts[from].lock, accounts[to].lock};
    CHECK(ac_mutex_lock_all(pair, 2, AC_FOREVER));
    bool moved = accounts[from].balance >= amount;
    if (moved) {
        accounts[from].balance -= amount;
        accounts[to].balance += amount;
    }
    CHECK(ac_mutex_unlock_all(pair, 2));
    return moved;
}

/* The total, read with every account locked at once: a consistent snapshot. */
static int64_t total_balance(void)
{
    ac_mutex *all[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++) {
        all[i] = accounts[i].lock;
    }
    CHECK(ac_mutex_lock_all(all, ACCOUNTS, AC_FOREVER));
    int64_t total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        total += accounts[i].balance;
    }
    CHECK(ac_mutex_unlock_all(all, ACCOUNTS));
    return total;
}

/* ---- 1. The seed: opposite directions at once --------------------------- */

struct direction {
    pthread_t thread;
    int from;
    int to;
    int64_t moved;
};

static void *send_repeatedly(void *argument)
{
    struct direction *direction = argument;
    for (int i = 0; i < SEED_TRANSFERS; i++) {
        direction->moved += transfer(direction->from, direction->to, 1) ? 1 : 0;
    }
    return NULL;
}

/* ---- 2. Random transfers ----------------------------------------------- */

struct teller {
    pthread_t thread;
    uint64_t random_state;
    int64_t moved;
};

/* xorshift64: a small deterministic generator, one per thread. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void *random_transfers(void *argument)
{
    struct teller *teller = argument;
    for (int i = 0; i < TRANSFERS_PER_TELLER; i++) {
        int from = (int)(next_random(&teller->random_state) % ACCOUNTS);
        int to = (int)(next_random(&teller->random_state) % (ACCOUNTS - 1));
        if (to >= from) {
            to += 1; /* never the same account */
        }
        int64_t amount = 1 + (int64_t)(next_random(&teller->random_state) % 200);
        teller->moved += transfer(from, to, amount) ? 1 : 0;
    }
    return NULL;
}

/* ---- 3. A teller blocked by someone holding an account ------------------- */

struct blocked_attempt {
    pthread_t thread;
    ac_status status;
};

static void *try_for_20_ms(void *argument)
{
    struct blocked_attempt *attempt = argument;
    ac_mutex *pair[2] = {accounts[0].lock, accounts[1].lock};
    attempt->status = ac_mutex_lock_all(pair, 2, 20 * 1000 * 1000);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < ACCOUNTS; i++) {
        CHECK(ac_mutex_new(&accounts[i].lock));
        accounts[i].balance = OPENING_BALANCE;
    }
    printf("%d accounts, total %" PRId64 "\n", ACCOUNTS, total_balance());

    /* 1. Xiaoming (0) and Xiaozhang (1) pay each other 1 at a time. */
    double started = example_seconds();
    struct direction ways[2] = {{.from = 0, .to = 1}, {.from = 1, .to = 0}};
    for (int i = 0; i < 2; i++) {
        CHECK_PTHREAD(pthread_create(&ways[i].thread, NULL, send_repeatedly, &ways[i]));
    }
    for (int i = 0; i < 2; i++) {
        CHECK_PTHREAD(pthread_join(ways[i].thread, NULL));
    }
    fprintf(stderr, "opposite transfers: %" PRId64 " and %" PRId64 " moved, %.3f s\n",
            ways[0].moved, ways[1].moved, example_seconds() - started);
    printf("opposite directions, %d transfers each: no deadlock, total %" PRId64 "\n",
           SEED_TRANSFERS, total_balance());

    /* 2. Random transfers from several threads. */
    started = example_seconds();
    struct teller tellers[TELLERS];
    for (int i = 0; i < TELLERS; i++) {
        tellers[i] = (struct teller){.random_state = 0x9E3779B97F4A7C15u * (uint64_t)(i + 1)};
        CHECK_PTHREAD(pthread_create(&tellers[i].thread, NULL, random_transfers, &tellers[i]));
    }
    int64_t moved = 0;
    for (int i = 0; i < TELLERS; i++) {
        CHECK_PTHREAD(pthread_join(tellers[i].thread, NULL));
        moved += tellers[i].moved;
    }
    fprintf(stderr, "random transfers: %" PRId64 " of %d moved money, %.3f s\n", moved,
            TELLERS * TRANSFERS_PER_TELLER, example_seconds() - started);
    for (int i = 0; i < ACCOUNTS; i++) {
        fprintf(stderr, "  account %d: %" PRId64 "\n", i, accounts[i].balance);
    }
    int64_t total = total_balance();
    printf("%d tellers, %d random transfers: total %" PRId64 ", conserved: %s\n", TELLERS,
           TELLERS * TRANSFERS_PER_TELLER, total,
           total == ACCOUNTS * OPENING_BALANCE ? "yes" : "no");

    /* 3a. The same account twice is refused (it would lock itself). */
    ac_mutex *twice[2] = {accounts[2].lock, accounts[2].lock};
    printf("lock_all(same account twice): %s\n",
           ac_status_str(ac_mutex_lock_all(twice, 2, AC_FOREVER)));

    /* 3b. While main holds account 1, a transfer 0 -> 1 gives up after
     * 20 ms, and does not keep account 0 locked. */
    CHECK(ac_mutex_lock(accounts[1].lock));
    struct blocked_attempt attempt = {0};
    CHECK_PTHREAD(pthread_create(&attempt.thread, NULL, try_for_20_ms, &attempt));
    CHECK_PTHREAD(pthread_join(attempt.thread, NULL));
    bool held = true;
    CHECK(ac_mutex_is_locked(accounts[0].lock, &held));
    printf("lock_all while an account is held, 20 ms: %s, other account left locked: %s\n",
           ac_status_str(attempt.status), held ? "yes" : "no");
    CHECK(ac_mutex_unlock(accounts[1].lock));
    printf("lock_all(no accounts): %s\n", ac_status_str(ac_mutex_lock_all(twice, 0, 0)));

    bool conserved = total_balance() == ACCOUNTS * OPENING_BALANCE;
    for (int i = 0; i < ACCOUNTS; i++) {
        ac_mutex_release(accounts[i].lock);
    }
    return conserved && attempt.status == AC_TIMEOUT && !held ? EXIT_SUCCESS : EXIT_FAILURE;
}
