#include "shims.h"

#include "_cgo_export.h"

static int64_t run_task(void *context) {
    return allcoreRunTask((uintptr_t)context);
}

/* The outcome is read from the future itself (ac_future_result). */
static void future_done(void *context, ac_status status, int64_t value) {
    (void)status;
    (void)value;
    allcoreFutureDone((uintptr_t)context);
}

static void run_body(void *context, size_t begin, size_t end) {
    allcoreRunBody((uintptr_t)context, begin, end);
}

ac_status allcore_go_watch(const ac_future *future, uintptr_t completion) {
    return ac_future_on_done(future, future_done, (void *)completion);
}

ac_status allcore_go_submit(const ac_pool *pool, uintptr_t completion, ac_future **out_future) {
    ac_future *future = NULL;
    ac_status status = ac_pool_submit(pool, run_task, (void *)completion, &future);
    if (status != AC_OK) {
        return status;
    }
    status = allcore_go_watch(future, completion);
    if (status != AC_OK) {
        /*
         * The done callback is what releases `completion`: without it the
         * task must not be left to run with it. Cancel it or wait for it,
         * then give the future up and report the failure.
         */
        ac_future_cancel(future, NULL);
        ac_future_wait(future, AC_FOREVER);
        ac_future_release(future);
        return status;
    }
    *out_future = future;
    return AC_OK;
}

ac_status allcore_go_parallel_for(const ac_pool *pool, size_t len, size_t chunk, uintptr_t body) {
    return ac_pool_parallel_for(pool, len, chunk, run_body, (void *)body);
}
