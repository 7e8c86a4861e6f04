//! Locks and events: mutex, reentrant lock, read-write lock, semaphores,
//! condition variable, event, barrier, count-down latch and atomic counter.
//!
//! Rules shared by every primitive here:
//! - Blocking calls take a timeout as in [`crate::time`]: `None` waits
//!   forever, zero tries once (`WouldBlock`), anything else gives up with
//!   `Timeout`.
//! - `close` marks the primitive closed and wakes every thread blocked on it;
//!   from then on blocking calls report `Closed`. The C layer calls it when a
//!   handle is freed; a blocked thread holds its own strong reference, so the
//!   memory outlives it.
//! - Waits never return spuriously: each loops on its predicate until the
//!   deadline.
//!
//! The lock-free primitives park threads with [`park`], keyed by the address
//! of the atomic word they wait on; the rest use the std-based mutex and
//! condition variable of `crate::lock`. Neither keeps state that a `fork()`
//! could leave half-updated in the child (see [`park`]).

mod barrier;
mod condition;
mod counter;
mod event;
mod latch;
mod lock_all;
mod mutex;
mod park;
mod reentrant_lock;
mod rw_lock;
mod semaphore;

pub use barrier::Barrier;
pub use condition::Condition;
pub use counter::Counter;
pub use event::Event;
pub use latch::Latch;
pub use lock_all::{lock_all, unlock_all};
pub use mutex::Mutex;
pub use reentrant_lock::{current_thread_owner, ReentrantLock};
pub use rw_lock::RwLock;
pub use semaphore::Semaphore;

use std::time::Instant;

use park::UnparkToken;

use crate::time::Deadline;

/// Wakes a parked thread so that it re-checks its predicate.
const TOKEN_RETRY: UnparkToken = UnparkToken(0);
/// Wakes a parked thread because the primitive was closed.
const TOKEN_CLOSED: UnparkToken = UnparkToken(1);

/// The parking key of a word: its address, unique while the primitive lives.
fn key<T>(word: &T) -> usize {
    std::ptr::from_ref(word) as usize
}

/// Whether a deadline has passed (`Now` always has).
fn has_passed(deadline: Deadline) -> bool {
    match deadline {
        Deadline::Never => false,
        Deadline::Now => true,
        Deadline::At(at) => Instant::now() >= at,
    }
}

/// Helpers shared by the tests of this module.
#[cfg(test)]
pub(crate) mod test_support {
    use std::time::{Duration, Instant};

    /// A short timeout for tests that expect one to expire.
    pub const SHORT: Duration = Duration::from_millis(30);

    /// Runs `body` and asserts that it took at least `at_least` and well under
    /// a generous ceiling, so that a wait neither returns early nor hangs.
    pub fn assert_takes<T>(at_least: Duration, body: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = body();
        let elapsed = start.elapsed();
        assert!(elapsed >= at_least, "returned after {elapsed:?}");
        assert!(
            elapsed < at_least + Duration::from_secs(5),
            "took {elapsed:?}"
        );
        value
    }

    /// Sleeps long enough for spawned threads to reach their blocking call.
    pub fn let_threads_block() {
        std::thread::sleep(Duration::from_millis(50));
    }
}
