/*
 * A buffer processed on every core with ac_pool_parallel_for.
 *
 * ac_pool_parallel_for is OpenMP's `parallel for` (libdispatch's
 * dispatch_apply_f) as a function call: it cuts [0, len) into chunks and
 * calls body(context, begin, end) for each, on the pool's workers and the
 * calling thread, and returns when every chunk is done. The body here fills
 * a buffer with a hash of each index; a serial loop checks the result.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "example.h"

#define ELEMENTS 1000000
#define CHUNK 4096

struct fill {
    uint64_t *values;           /* the buffer the chunks write */
    atomic_uint_fast32_t *hits; /* how many times each index was handled */
    atomic_size_t calls;        /* how many chunks ran */
};

/* splitmix64: a cheap hash whose every output depends on the whole input. */
static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* The loop body: handles the indices [begin, end) of the buffer. */
static void fill_chunk(void *context, size_t begin, size_t end)
{
    struct fill *fill = context;
    atomic_fetch_add_explicit(&fill->calls, 1, memory_order_relaxed);
    for (size_t i = begin; i < end; i++) {
        fill->values[i] = mix(i);
        atomic_fetch_add_explicit(&fill->hits[i], 1, memory_order_relaxed);
    }
}

int main(void)
{
    uint64_t *values = calloc(ELEMENTS, sizeof *values);
    atomic_uint_fast32_t *hits = calloc(ELEMENTS, sizeof *hits);
    if (values == NULL || hits == NULL) {
        perror("calloc");
        return EXIT_FAILURE;
    }
    struct fill fill = {.values = values, .hits = hits};
    atomic_init(&fill.calls, 0);

    ac_pool *pool = NULL;
    CHECK(ac_pool_new(0, NULL, &pool));
    double started = example_seconds();
    CHECK(ac_pool_parallel_for(pool, ELEMENTS, CHUNK, fill_chunk, &fill));
    fprintf(stderr, "parallel for: %.3f ms\n", (example_seconds() - started) * 1e3);

    size_t once = 0;
    size_t matches = 0;
    uint64_t checksum = 0;
    for (size_t i = 0; i < ELEMENTS; i++) {
        once += atomic_load(&hits[i]) == 1;
        matches += values[i] == mix(i);
        checksum ^= values[i];
    }
    printf("elements: %d in chunks of %d\n", ELEMENTS, CHUNK);
    printf("chunks run: %zu\n", atomic_load(&fill.calls));
    printf("every index handled exactly once: %s\n", once == ELEMENTS ? "yes" : "no");
    printf("matches a serial loop: %s\n", matches == ELEMENTS ? "yes" : "no");
    printf("checksum: %016llx\n", (unsigned long long)checksum);

    /* chunk 0 lets the pool choose; an empty range calls nothing. */
    atomic_store(&fill.calls, 0);
    CHECK(ac_pool_parallel_for(pool, ELEMENTS, 0, fill_chunk, &fill));
    CHECK(ac_pool_parallel_for(pool, 0, 0, fill_chunk, &fill));
    printf("automatic chunks ran: %s\n", atomic_load(&fill.calls) > 0 ? "yes" : "no");

    /* A NULL body is a caller error, reported as a status. */
    ac_status status = ac_pool_parallel_for(pool, ELEMENTS, 0, NULL, &fill);
    printf("ac_pool_parallel_for(NULL body): %s\n", ac_status_str(status));

    ac_pool_release(pool);
    free(hits);
    free(values);
    return EXIT_SUCCESS;
}
