// Package allcore runs CPU-bound work on every core through the allcore
// native library: a thread pool with futures, parallel map and parallel for,
// and CPU kernels (naive recursive Fib, a busy loop, an integer range sum),
// shared with the Python and C front ends through one C ABI.
//
// # Building
//
// The package links the static library target/release/liballcore.a of the
// repository it lives in, so programs using it need no LD_LIBRARY_PATH. Build
// that library first, at the repository root:
//
//	make build    # or: cargo build --release -p allcore
//
// and build with cgo enabled (the default when a C compiler is installed).
//
// # Objects and threads
//
// A [Pool] owns native worker threads; a [Future] is the result of one
// submitted task. Both hold a native handle that Close releases (a finalizer
// does it if Close was never called). Close is idempotent and safe to call
// concurrently with other methods: the native object is freed once the calls
// in progress on it have returned, and later calls fail with an error
// matching [ErrClosed] instead of touching freed memory.
//
// Waits that cannot be cancelled (a context whose Done channel is nil, or a
// time.Duration) block in the library on the calling goroutine's thread.
// Waits on a cancellable context park the goroutine on [Future.Done] instead,
// a channel closed by a callback the library makes when the task finishes or
// is cancelled, so they are a plain select with ctx.Done().
//
// Work submitted as a built-in [Kernel] or as a C function pointer runs
// entirely in native threads. Go functions given to [Pool.Submit] and
// [Pool.ParallelFor] run on the pool's native worker threads too, entered
// through a cgo callback: each such call costs microseconds, not the
// nanoseconds of a Go function call (BenchmarkSubmitWait measures it), so
// give each call a substantial amount of work.
//
// # Errors
//
// Failures are reported as [*Error] values carrying the operation, a [Status]
// and the library's detail message; test them with errors.Is against the
// sentinel statuses ([ErrTimeout], [ErrOverflow], ...). The detail message is
// kept per OS thread by the library, so each call that can fail runs with its
// goroutine locked to its thread until the message has been read.
package allcore
