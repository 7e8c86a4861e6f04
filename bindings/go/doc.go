// Package allcore runs CPU-bound work on every core through the allcore
// native library: a thread pool with futures, parallel map and parallel for,
// locks, queues and topics, and CPU kernels (naive recursive Fib, a busy
// loop, an integer range sum), shared with the Python and C front ends
// through one C ABI.
//
// # Building
//
// The package finds allcore through pkg-config and, by default, links its
// static library (allcore-static.pc), so programs using it need no allcore
// at run time. With the build tag allcore_shared it links the shared
// liballcore.so instead (allcore.pc), so that a Go -buildmode=c-shared
// library shares the one allcore of the process that loads it. Install
// allcore first, at the repository root:
//
//	make install PREFIX=$HOME/.local
//	export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
//
// Inside the repository, `make build` writes pkg-config files for the tree
// into target/release/pkgconfig, which the Makefile puts on PKG_CONFIG_PATH.
// Build with cgo enabled (the default when a C compiler is installed).
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
// # Locks and events
//
// The package also wraps the library's synchronisation objects, which live
// in native memory and can be shared with C and Python code: [Mutex]
// (a [sync.Locker], with TryLock, LockContext and LockTimeout), [RWMutex]
// (shaped like sync.RWMutex), [RLock] (reentrant), [Semaphore] (counting or
// bounded), [Cond] (tied to a Mutex), [Event], [Barrier], [Latch] and
// [Counter], plus [LockAll] and [UnlockAll], which lock several mutexes all
// at once or not at all so that transfers between accounts or dining
// philosophers cannot deadlock. The programs in examples/ show each one.
//
// Goroutines move between OS threads, so nothing is owned by "the calling
// thread": an RLock's holder is an explicit [Owner] token instead.
//
// Uncontended, Mutex.Lock and Mutex.Unlock are one cgo call each
// (BenchmarkMutexLockUnlock against BenchmarkTwoBareCgoCalls).
//
// A native wait cannot be interrupted from Go, and the library may not free
// an object while a call on it is starting. So a wait that must be able to
// stop (a cancellable context, or a lock or semaphore that Close must be
// able to release) sleeps in the library in slices of at most 20 ms and
// checks its context and the object between slices; a wait with a
// time.Duration uses the same slices up to its timeout. Events, latches,
// barriers and condition variables wait natively without slices when
// nothing can cancel the wait: their Close wakes such waiters by setting,
// opening, aborting or notifying the object. A barrier wait is never sliced
// (a timed-out barrier wait breaks the barrier); a cancelled context aborts
// the barrier instead, as a timeout does in Python. Close on any of these
// objects is idempotent and safe alongside other calls: waiters return
// ErrClosed, later calls fail with ErrClosed, and the native object is
// freed once the last call in flight on it has returned.
//
// # Queues and topics
//
// [Queue] is the library's blocking queue (Python's queue.Queue,
// LifoQueue and PriorityQueue) holding values of any type T through a
// [Codec]: [BytesCodec] passes raw bytes, the same messages C and Python
// exchange, [StringCodec] strings, and [FixedCodec] fixed-size numbers in
// native byte order without reflection. Create one with [NewQueue],
// [NewLifoQueue], [NewPriorityQueue], [NewU64Queue] or
// [NewQueueWithOptions] (maxsize 0 = unbounded). Put, Get, their Timeout
// and Try forms, PutPriority, TaskDone and Join behave as in Python, with
// a context or a time.Duration for the wait; TryPut and TryGet fail with
// [ErrWouldBlock], timed calls with [ErrTimeout].
//
// A queue ends without sentinel values: [Queue.Shutdown] makes puts fail
// with ErrClosed while gets take the items left and then fail with
// ErrClosed, waking every blocked caller, so
//
//	for v := range q.Chan(ctx) { ... }
//
// in each consumer ends once the producers are done and the queue is
// shut down and drained. Close discards the items and releases the
// native queue.
//
// Every Put and Get is at least one cgo call, so a buffered Go channel is
// several times faster between goroutines (BenchmarkQueuePutGet shows
// both); a Queue is for sharing the library's semantics with C and Python
// code, and it pays the call once per batch with PutMany and GetMany. A
// queue of 8-byte FixedCodec values (int64, uint64, float64) uses the
// library's 64-bit calls and needs no buffer: with batches of 64 it moves
// items about as fast as a channel. Get copies an item into a reusable
// buffer; an item larger than the buffer stays queued while the buffer
// grows to the size the library reports.
//
// A [Topic] copies each published message into every subscribed queue
// (publish/subscribe), waiting for full bounded subscribers up to a
// deadline or dropping the message for them with PublishTimeout(data, 0).
//
// # Errors
//
// Failures are reported as [*Error] values carrying the operation, a [Status]
// and the library's detail message; test them with errors.Is against the
// sentinel statuses ([ErrTimeout], [ErrOverflow], ...). The detail message is
// kept per OS thread by the library, so each call that can fail runs with its
// goroutine locked to its thread until the message has been read.
package allcore
