/*
 * Benchmark: a shared-memory queue between two C processes against a pipe.
 *
 * A parent and a forked child move 1,000,000 8-byte messages one way: with
 * ac_shm_queue_put / ac_shm_queue_get (single items), with the batch calls
 * (64 per call), and through a pipe with one write(2) and one read(2) of
 * 8 bytes per message. Runs alternate; the table gives medians of
 * messages per second and the ratio to the pipe.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MESSAGES 1000000
#define BATCH 64

static double shm_run(int batched)
{
    ac_shm_queue *queue;
    CHECK(ac_shm_queue_create(NULL, 1 << 20, 0, &queue)); /* anonymous: inherited */
    double began = bench_now();
    pid_t child = fork();
    if (child == 0) {
        uint64_t values[BATCH];
        size_t lengths[BATCH];
        for (uint64_t i = 0; i < MESSAGES;) {
            if (batched) {
                size_t count = MESSAGES - i < BATCH ? (size_t)(MESSAGES - i) : BATCH;
                for (size_t j = 0; j < count; j++) {
                    values[j] = i + j;
                    lengths[j] = sizeof(uint64_t);
                }
                size_t put;
                CHECK(ac_shm_queue_put_many(queue, values, lengths, count, AC_FOREVER, &put));
                i += count;
            } else {
                CHECK(ac_shm_queue_put(queue, &i, sizeof i, AC_FOREVER));
                i++;
            }
        }
        _exit(0);
    }
    uint64_t buffer[BATCH];
    size_t lengths[BATCH];
    uint64_t got = 0, sum = 0;
    while (got < MESSAGES) {
        size_t count = 1;
        if (batched) {
            CHECK(ac_shm_queue_get_many(queue, buffer, sizeof buffer, lengths, BATCH, AC_FOREVER,
                                        &count));
        } else {
            CHECK(ac_shm_queue_get(queue, buffer, sizeof buffer, AC_FOREVER, &lengths[0]));
        }
        for (size_t j = 0; j < count; j++) {
            sum += buffer[j];
        }
        got += count;
    }
    double elapsed = bench_now() - began;
    waitpid(child, NULL, 0);
    ac_shm_queue_release(queue);
    if (sum != (uint64_t)MESSAGES * (MESSAGES - 1) / 2) {
        fprintf(stderr, "wrong sum\n");
        exit(1);
    }
    return MESSAGES / elapsed;
}

static double pipe_run(void)
{
    int fds[2];
    if (pipe(fds) != 0) {
        exit(1);
    }
    double began = bench_now();
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        for (uint64_t i = 0; i < MESSAGES; i++) {
            if (write(fds[1], &i, sizeof i) != sizeof i) {
                _exit(1);
            }
        }
        _exit(0);
    }
    close(fds[1]);
    uint64_t value, sum = 0;
    for (uint64_t i = 0; i < MESSAGES; i++) {
        if (read(fds[0], &value, sizeof value) != sizeof value) {
            exit(1);
        }
        sum += value;
    }
    double elapsed = bench_now() - began;
    close(fds[0]);
    waitpid(child, NULL, 0);
    if (sum != (uint64_t)MESSAGES * (MESSAGES - 1) / 2) {
        fprintf(stderr, "wrong sum\n");
        exit(1);
    }
    return MESSAGES / elapsed;
}

int main(int argc, char **argv)
{
    int runs = bench_runs(argc, argv);
    bench_header(argc, argv, "gcc -O2, the pipe through write(2)/read(2) of 8 bytes");
    double *single = calloc((size_t)runs, sizeof(double));
    double *batched = calloc((size_t)runs, sizeof(double));
    double *piped = calloc((size_t)runs, sizeof(double));
    for (int run = 0; run < runs; run++) {
        piped[run] = pipe_run();
        single[run] = shm_run(0);
        batched[run] = shm_run(1);
    }
    double pipe_rate = bench_median(piped, runs);
    double single_rate = bench_median(single, runs);
    double batched_rate = bench_median(batched, runs);
    printf("| C process to C process, 8-byte messages/s: shm queue single items vs a pipe | %.0f | "
           "%.0f | %.2fx | - | - |\n",
           single_rate, pipe_rate, single_rate / pipe_rate);
    printf("| C process to C process, 8-byte messages/s: shm queue batches of %d vs a pipe | %.0f | "
           "%.0f | %.2fx | - | - |\n",
           BATCH, batched_rate, pipe_rate, batched_rate / pipe_rate);
    free(single);
    free(batched);
    free(piped);
    return 0;
}
