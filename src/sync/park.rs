//! Parking threads on an address, for the lock-free primitives of this
//! module: the same shape of API as `parking_lot_core`, with state that a
//! forked child can throw away.
//!
//! Why our own: `parking_lot_core` keeps every parked thread in one
//! process-wide table that nothing can reset. A `fork()` copies it into the
//! child as it is: a bucket lock held by a parent thread that was parking
//! (the child hangs on that bucket) and entries for parent threads that do
//! not exist in the child (an unpark writes into a dead thread's memory,
//! which glibc reuses for the child's new threads).
//!
//! Here the table is reached through one pointer, and a `pthread_atfork`
//! child handler, registered when the library is loaded, sets it to null: the
//! child's first park or unpark builds a fresh, empty table. The old table is
//! leaked, never touched: its locks may be held by threads that no longer
//! exist, and freeing its entries would run code on state those threads were
//! changing. It costs one table (a few tens of KiB, copy-on-write) per child
//! that parks at all. An object inherited from the parent keeps its own
//! atomic state; its waiters simply are not in the child's table, so an
//! unpark finds nobody, as it should (those threads are gone).
//!
//! Each bucket is a std (futex-based) mutex over a FIFO of waiters; each
//! waiter is a thread's reference-counted record, slept and woken with a
//! private Linux futex. An unpark marks the waiter woken under the bucket
//! lock and wakes its futex after releasing it, holding its own reference,
//! so it never touches freed memory whatever the woken thread does next.
//!
//! Callbacks that run under the bucket lock (`validate`, `timed_out`, the
//! filter and the unpark callbacks) must not park or unpark; `before_sleep`
//! runs after the lock is released and may unpark.

use std::collections::VecDeque;
use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::lock::Mutex;
use crate::time::Deadline;

/// What a parked thread tells the threads that may unpark it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParkToken(pub(crate) usize);

/// What an unparking thread tells the thread it wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnparkToken(pub(crate) usize);

/// The park token of callers that need none.
pub(crate) const DEFAULT_PARK_TOKEN: ParkToken = ParkToken(0);

/// How a [`park`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParkResult {
    /// Another thread woke this one with this token.
    Unparked(UnparkToken),
    /// `validate` returned false: the thread did not park.
    Invalid,
    /// The deadline passed first.
    TimedOut,
}

/// What an unpark did, as its callback sees it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct UnparkResult {
    /// How many threads are being woken.
    pub(crate) unparked_threads: usize,
    /// Whether threads remain parked on the key.
    pub(crate) have_more_threads: bool,
    /// Whether this unpark should hand over fairly: true about every half
    /// millisecond (per bucket, at random in 0-1 ms), when a thread is woken.
    pub(crate) be_fair: bool,
}

/// What [`unpark_filter`] does with one parked thread.
pub(crate) enum FilterOp {
    /// Wake it.
    Unpark,
    /// Leave it parked and look at the next one.
    Skip,
    /// Leave it and every later one parked.
    Stop,
}

/// Parks the calling thread on `key` until an unpark or `deadline`.
///
/// Under the bucket lock, `validate` decides whether to park at all
/// (`Invalid` if not); once queued, the thread calls `before_sleep` and
/// sleeps. If the deadline passes first, `timed_out` runs under the bucket
/// lock with whether the thread was the last one parked on `key`.
pub(crate) fn park(
    key: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(bool),
    token: ParkToken,
    deadline: Deadline,
) -> ParkResult {
    // During thread exit the thread's record may be gone: use a new one.
    let waiter = WAITER
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(Waiter::new()));
    let bucket = bucket(key);
    {
        let mut queue = bucket.lock();
        if !validate() {
            return ParkResult::Invalid;
        }
        waiter.state.store(PARKED, Ordering::Relaxed);
        queue.entries.push_back(Entry {
            key,
            token,
            waiter: Arc::clone(&waiter),
        });
    }
    before_sleep();
    if waiter.sleep(deadline) {
        return ParkResult::Unparked(waiter.token());
    }
    let mut queue = bucket.lock();
    match queue
        .entries
        .iter()
        .position(|entry| Arc::ptr_eq(&entry.waiter, &waiter))
    {
        Some(at) => {
            queue.entries.remove(at);
            timed_out(!queue.entries.iter().any(|entry| entry.key == key));
            ParkResult::TimedOut
        }
        // An unpark dequeued it (and set its token) just before the
        // deadline; it counts as woken.
        None => ParkResult::Unparked(waiter.token()),
    }
}

/// Wakes the longest-parked thread on `key`, if any. `callback` runs under
/// the bucket lock (with `unparked_threads == 0` if nobody was parked) and
/// gives the token the woken thread receives.
pub(crate) fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> UnparkToken) {
    let mut queue = bucket(key).lock();
    let first = queue.entries.iter().position(|entry| entry.key == key);
    let Some((at, entry)) = first.and_then(|at| Some((at, queue.entries.remove(at)?))) else {
        callback(UnparkResult::default());
        return;
    };
    let result = UnparkResult {
        unparked_threads: 1,
        have_more_threads: queue.entries.iter().skip(at).any(|entry| entry.key == key),
        be_fair: queue.fairness.due(),
    };
    entry.waiter.mark_woken(callback(result));
    drop(queue);
    entry.waiter.wake();
}

/// Wakes every thread parked on `key` with `token`; returns how many.
pub(crate) fn unpark_all(key: usize, token: UnparkToken) -> usize {
    let mut woken = Vec::new();
    {
        let mut queue = bucket(key).lock();
        queue.entries.retain(|entry| {
            if entry.key != key {
                return true;
            }
            entry.waiter.mark_woken(token);
            woken.push(Arc::clone(&entry.waiter));
            false
        });
    }
    for waiter in &woken {
        waiter.wake();
    }
    woken.len()
}

/// Wakes the threads parked on `key` that `filter` picks, oldest first, by
/// their park tokens; `callback` then gives the token all of them receive.
/// Both run under the bucket lock.
pub(crate) fn unpark_filter(
    key: usize,
    mut filter: impl FnMut(ParkToken) -> FilterOp,
    callback: impl FnOnce(UnparkResult) -> UnparkToken,
) -> UnparkResult {
    let mut woken = Vec::new();
    let mut result = UnparkResult::default();
    {
        let mut queue = bucket(key).lock();
        let mut at = 0;
        while at < queue.entries.len() {
            let entry = &queue.entries[at];
            if entry.key != key {
                at += 1;
                continue;
            }
            match filter(entry.token) {
                FilterOp::Unpark => woken.extend(queue.entries.remove(at)),
                FilterOp::Skip => {
                    result.have_more_threads = true;
                    at += 1;
                }
                FilterOp::Stop => {
                    result.have_more_threads = true;
                    break;
                }
            }
        }
        result.unparked_threads = woken.len();
        if !woken.is_empty() {
            result.be_fair = queue.fairness.due();
        }
        let token = callback(result);
        for entry in &woken {
            entry.waiter.mark_woken(token);
        }
    }
    for entry in &woken {
        entry.waiter.wake();
    }
    result
}

/// Spinning before parking: a few busy waits of growing length, then a few
/// yields (what `parking_lot_core::SpinWait` does).
#[derive(Default)]
pub(crate) struct SpinWait {
    counter: u32,
}

impl SpinWait {
    pub(crate) const fn new() -> Self {
        SpinWait { counter: 0 }
    }

    /// Spins or yields once; `false` once it is time to park instead.
    pub(crate) fn spin(&mut self) -> bool {
        if self.counter >= 10 {
            return false;
        }
        self.counter += 1;
        if self.counter <= 3 {
            for _ in 0..1u32 << self.counter {
                spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        true
    }

    pub(crate) fn reset(&mut self) {
        self.counter = 0;
    }
}

/// Buckets in a table (a power of two); addresses spread over them by a
/// multiplicative hash, and threads sharing a bucket only share its lock.
const BUCKET_BITS: u32 = 8;

/// A waiter's futex word while it sleeps.
const PARKED: u32 = 1;
/// A waiter's futex word once an unpark dequeued it (and when idle).
const WOKEN: u32 = 0;

/// The current table; null until the first park or unpark, and again in a
/// forked child until the child's first.
static TABLE: AtomicPtr<Table> = AtomicPtr::new(std::ptr::null_mut());

/// Whether the `pthread_atfork` handler is registered.
static FORK_HANDLER: AtomicBool = AtomicBool::new(false);

/// Registers the fork handler when the library is loaded (before any thread
/// can park), so that no fork can copy a table without it.
#[used]
#[link_section = ".init_array"]
static REGISTER_AT_LOAD: extern "C" fn() = register_fork_handler;

thread_local! {
    /// The calling thread's waiter record, reused by all its parks.
    static WAITER: Arc<Waiter> = Arc::new(Waiter::new());
}

struct Table {
    buckets: Box<[CachePadded<Mutex<Queue>>]>,
}

struct Queue {
    entries: VecDeque<Entry>,
    fairness: Fairness,
}

struct Entry {
    key: usize,
    token: ParkToken,
    waiter: Arc<Waiter>,
}

struct Waiter {
    /// `PARKED` or `WOKEN`; a private futex.
    state: AtomicU32,
    /// The unpark token, written before `state` turns `WOKEN`.
    token: AtomicUsize,
}

/// When a bucket's next unpark should be fair.
struct Fairness {
    due: Instant,
    seed: u32,
}

extern "C" fn register_fork_handler() {
    if !FORK_HANDLER.swap(true, Ordering::AcqRel) {
        // SAFETY: the handler only stores a null pointer, which is
        // async-signal-safe, as a fork child handler must be.
        unsafe { libc::pthread_atfork(None, None, Some(forget_table_in_child)) };
    }
}

/// In a forked child: drop (leak) the parent's table; see the module docs.
extern "C" fn forget_table_in_child() {
    TABLE.store(std::ptr::null_mut(), Ordering::Relaxed);
}

/// The bucket of `key`.
fn bucket(key: usize) -> &'static Mutex<Queue> {
    let hash = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BUCKET_BITS);
    &table().buckets[hash as usize]
}

fn table() -> &'static Table {
    let table = TABLE.load(Ordering::Acquire);
    if table.is_null() {
        return install_table();
    }
    // SAFETY: tables are never freed (see the module docs).
    unsafe { &*table }
}

#[cold]
fn install_table() -> &'static Table {
    // Normally done at load already; this covers a linker that dropped the
    // load-time registration.
    register_fork_handler();
    let now = Instant::now();
    let buckets = (1..=1u32 << BUCKET_BITS)
        .map(|seed| {
            CachePadded::new(Mutex::new(Queue {
                entries: VecDeque::new(),
                fairness: Fairness { due: now, seed },
            }))
        })
        .collect();
    let fresh = Box::into_raw(Box::new(Table { buckets }));
    match TABLE.compare_exchange(
        std::ptr::null_mut(),
        fresh,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        // SAFETY: just published; never freed.
        Ok(_) => unsafe { &*fresh },
        Err(current) => {
            // SAFETY: `fresh` came from `Box::into_raw` and was never shared.
            drop(unsafe { Box::from_raw(fresh) });
            // SAFETY: tables are never freed.
            unsafe { &*current }
        }
    }
}

impl Fairness {
    /// Whether the time for a fair unpark has come; if so, sets the next.
    fn due(&mut self) -> bool {
        let now = Instant::now();
        if now <= self.due {
            return false;
        }
        // xorshift32: a cheap spread of the intervals.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        self.due = now + Duration::from_nanos(u64::from(self.seed % 1_000_000));
        true
    }
}

impl Waiter {
    fn new() -> Self {
        Waiter {
            state: AtomicU32::new(WOKEN),
            token: AtomicUsize::new(0),
        }
    }

    fn token(&self) -> UnparkToken {
        UnparkToken(self.token.load(Ordering::Relaxed))
    }

    /// Under the bucket lock, having dequeued the waiter: sets its token and
    /// lets it return. A thread that sees `WOKEN` before the futex wake
    /// returns early; the late wake is then spurious for its next park.
    fn mark_woken(&self, token: UnparkToken) {
        self.token.store(token.0, Ordering::Relaxed);
        self.state.store(WOKEN, Ordering::Release);
    }

    /// After the bucket lock is released: wakes the sleeping thread.
    fn wake(&self) {
        // SAFETY: `state` is a live, aligned 32-bit word (we hold a
        // reference); FUTEX_WAKE does not touch it.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                self.state.as_ptr(),
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                1,
            );
        }
    }

    /// Sleeps until marked woken (true) or the deadline passes (false).
    fn sleep(&self, deadline: Deadline) -> bool {
        loop {
            if self.state.load(Ordering::Acquire) == WOKEN {
                return true;
            }
            let left = match deadline {
                Deadline::Never => None,
                Deadline::Now => return false,
                Deadline::At(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    Some(libc::timespec {
                        tv_sec: left.as_secs().min(i64::MAX as u64) as libc::time_t,
                        tv_nsec: left.subsec_nanos() as libc::c_long,
                    })
                }
            };
            let left = left.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
            // SAFETY: as in `wake`; FUTEX_WAIT only reads the word and
            // returns at once if it is no longer `PARKED`.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.state.as_ptr(),
                    libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                    PARKED,
                    left,
                );
            }
        }
    }
}
