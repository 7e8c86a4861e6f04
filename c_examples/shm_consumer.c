/*
 * Processes sharing a queue and a mutex in shared memory.
 *
 *   shm_consumer NAME   consume the named queue (made by any process, in
 *                       any language) until it is closed; print how many
 *                       integers arrived and their sum.
 *   shm_consumer        the same against a producer process forked here,
 *                       then a mutex whose holder is killed: the next
 *                       locker gets it with AC_OWNER_DIED.
 *
 * Integers travel in allcore's wire format, as Python puts them: the bytes
 * 0xAC 'i' and a little-endian int64_t. Any other message counts as bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "example.h"

static int64_t wire_int(const unsigned char *data, size_t len, int *is_int)
{
    int64_t value = 0;
    *is_int = len == 10 && data[0] == 0xAC && data[1] == 'i';
    if (*is_int) {
        for (int i = 7; i >= 0; i--) {
            value = (int64_t)((uint64_t)value << 8 | data[2 + i]);
        }
    }
    return value;
}

static void put_int(ac_shm_queue *queue, int64_t value)
{
    unsigned char message[10] = {0xAC, 'i'};
    for (int i = 0; i < 8; i++) {
        message[2 + i] = (unsigned char)((uint64_t)value >> (8 * i));
    }
    CHECK(ac_shm_queue_put(queue, message, sizeof message, AC_FOREVER));
}

/* Takes items until the queue is closed and drained. */
static void consume(ac_shm_queue *queue, const char *who)
{
    unsigned char buffer[4096];
    size_t lengths[64];
    long long count = 0, others = 0;
    int64_t sum = 0;
    for (;;) {
        size_t taken = 0;
        ac_status status = ac_shm_queue_get_many(queue, buffer, sizeof buffer, lengths, 64,
                                                 AC_FOREVER, &taken);
        if (status == AC_CLOSED) {
            break;
        }
        CHECK(status);
        size_t at = 0;
        for (size_t i = 0; i < taken; i++) {
            int is_int;
            int64_t value = wire_int(buffer + at, lengths[i], &is_int);
            if (is_int) {
                sum += value;
                count++;
            } else {
                others++;
            }
            at += lengths[i];
        }
    }
    printf("%s: %lld integers, sum %lld, %lld other messages\n", who, count, (long long)sum,
           others);
}

static void owner_died_demo(void)
{
    ac_shm_mutex *mutex;
    ac_shm_event *locked;
    CHECK(ac_shm_mutex_create(NULL, &mutex)); /* anonymous: shared over fork */
    CHECK(ac_shm_event_create(NULL, &locked));
    pid_t child = fork();
    if (child == 0) {
        CHECK(ac_shm_mutex_lock(mutex, AC_FOREVER));
        CHECK(ac_shm_event_set(locked));
        pause();
        _exit(0);
    }
    CHECK(ac_shm_event_wait(locked, AC_FOREVER));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    ac_status status = ac_shm_mutex_lock(mutex, AC_FOREVER);
    printf("lock after its holder was killed: %s\n", ac_status_str(status));
    CHECK(ac_shm_mutex_unlock(mutex));
    ac_shm_event_release(locked);
    ac_shm_mutex_release(mutex);
}

int main(int argc, char **argv)
{
    ac_shm_queue *queue;
    if (argc > 1) {
        CHECK(ac_shm_queue_open(argv[1], &queue));
        consume(queue, "C consumer");
        ac_shm_queue_release(queue);
        return 0;
    }
    char name[64];
    snprintf(name, sizeof name, "allcore-example-%ld", (long)getpid());
    CHECK(ac_shm_queue_create(name, 1 << 16, 0, &queue));
    fflush(stdout);
    pid_t producer = fork();
    if (producer == 0) {
        ac_shm_queue *mine;
        CHECK(ac_shm_queue_open(name, &mine));
        for (int64_t i = 1; i <= 100000; i++) {
            put_int(mine, i);
        }
        CHECK(ac_shm_queue_close(mine));
        ac_shm_queue_release(mine);
        _exit(0);
    }
    consume(queue, "consumer");
    int status;
    waitpid(producer, &status, 0);
    ac_shm_queue_release(queue); /* the last user: the name goes */
    if (ac_shm_queue_open(name, &queue) == AC_INVALID_ARGUMENT) {
        printf("the queue's name went with its last user\n");
    }
    owner_died_demo();
    return 0;
}
