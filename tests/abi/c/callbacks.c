/* C functions the ABI tests hand to allcore: tasks, map functions, loop
 * bodies and done-callbacks, compiled by a real C compiler against the
 * header exactly as a user's code would be. */
#include <stdatomic.h>
#include "allcore.h"

/* A task whose context points at an int64_t: returns it plus one. */
int64_t abi_task_add_one(void *context) {
    return *(const int64_t *)context + 1;
}

/* A task that spins until *(atomic_int *)context becomes non-zero. */
int64_t abi_task_wait_for_flag(void *context) {
    atomic_int *flag = context;
    while (!atomic_load(flag)) {
    }
    return 42;
}

/* int64_t -> int64_t, as any foreign function handed to ac_pool_map. */
int64_t abi_square(int64_t value) {
    return value * value;
}

/* A parallel-for body: counts every index it is given in an array of
 * atomic counters (context), so tests can check each is visited once. */
void abi_count_indices(void *context, size_t begin, size_t end) {
    atomic_int *counts = context;
    for (size_t i = begin; i < end; i++) {
        atomic_fetch_add(&counts[i], 1);
    }
}

/* Records a future's outcome: context points at {int32 status, int64 value, int calls}. */
struct abi_outcome {
    atomic_int calls;
    ac_status status;
    int64_t value;
};

void abi_record_outcome(void *context, ac_status status, int64_t value) {
    struct abi_outcome *outcome = context;
    outcome->status = status;
    outcome->value = value;
    atomic_fetch_add(&outcome->calls, 1);
}
