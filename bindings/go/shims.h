/*
 * C glue between the Go package and allcore: the C-side entry points of the
 * Go callbacks exported in callbacks.go, and helpers that hand them to
 * allcore. A Go callback's state crosses C as a runtime/cgo.Handle value
 * (an integer), never as a Go pointer.
 */
#ifndef ALLCORE_GO_SHIMS_H
#define ALLCORE_GO_SHIMS_H

#include <stdint.h>

#include "allcore.h"

/* Submits the Go task behind `completion` and registers its done callback. */
ac_status allcore_go_submit(const ac_pool *pool, uintptr_t completion, ac_future **out_future);

/* Registers the Go done callback that resolves `completion`. */
ac_status allcore_go_watch(const ac_future *future, uintptr_t completion);

/* Runs the Go parallel-for body behind `body` over [0, len). */
ac_status allcore_go_parallel_for(const ac_pool *pool, size_t len, size_t chunk, uintptr_t body);

#endif /* ALLCORE_GO_SHIMS_H */
