//! Sync objects in shared memory: mutex, reentrant lock, semaphore, event,
//! barrier and counter. Each is a small state in its own region (see the
//! module docs of `shm` for naming, lifetime and dead processes).
//!
//! Every object but the counter (which has no waits) can be closed for all
//! processes: the flag lives in the shared state and is never cleared;
//! waiters wake with `Closed` (within a wait slice) and later blocking
//! calls return it. Closing frees nothing.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::identity::{alive, me};
use super::lock::RawLock;
use super::region::{Kind, Region};
use super::{futex, Acquired, SLICE};
use crate::time::Deadline;
use crate::{Error, Result};

/// One slice of a wait until `deadline`; `Err` once it has passed.
fn slice(deadline: Deadline) -> Result<Duration> {
    match deadline.remaining() {
        Some(left) if left.is_zero() => Err(deadline.expired_error()),
        Some(left) => Ok(left.min(SLICE)),
        None => Ok(SLICE),
    }
}

macro_rules! shared_object {
    ($name:ident, $state:ty, $kind:expr) => {
        impl $name {
            fn state(&self) -> &$state {
                // SAFETY: the region starts with this state and outlives self.
                unsafe { &*self.region.body().cast::<$state>() }
            }

            /// Opens the named object.
            pub fn open(name: &str) -> Result<$name> {
                Ok($name {
                    region: Region::open(name, $kind)?,
                })
            }

            /// The name (None for an anonymous object).
            pub fn name(&self) -> Option<&str> {
                self.region.name()
            }

            fn make(name: Option<&str>, init: impl FnOnce(&$state)) -> Result<$name> {
                let region = Region::create(name, $kind, std::mem::size_of::<$state>(), |body| {
                    // SAFETY: the zeroed, exclusively owned state of a new region.
                    init(unsafe { &*body.cast::<$state>() })
                })?;
                Ok($name { region })
            }
        }
    };
}

pub(crate) use shared_object;

/// A mutex any process that opened it may lock; any thread of any process
/// may unlock it (as `multiprocessing.Lock`). When its holder dies, the
/// next locker gets it with [`Acquired::OwnerDied`].
pub struct ShmMutex {
    region: Region,
}

shared_object!(ShmMutex, RawLock, Kind::Mutex);

impl ShmMutex {
    /// Creates an unlocked mutex, named or anonymous.
    pub fn create(name: Option<&str>) -> Result<ShmMutex> {
        Self::make(name, |_| {})
    }

    /// Locks, waiting until `timeout` (None = forever, zero = try).
    pub fn lock(&self, timeout: Option<Duration>) -> Result<Acquired> {
        let deadline = Deadline::after(timeout);
        if deadline == Deadline::Now {
            return self.state().try_lock();
        }
        self.state().lock(deadline)
    }

    /// Closes it for every process: waiters and later locks get `Closed`;
    /// the holder may still unlock.
    pub fn close(&self) {
        self.state().close()
    }

    pub(crate) fn raw(&self) -> &RawLock {
        self.state()
    }

    /// Unlocks; `NotOwner` when it is not locked.
    pub fn unlock(&self) -> Result<()> {
        self.state().unlock()
    }

    /// Whether some process holds it now.
    pub fn is_locked(&self) -> bool {
        self.state().is_locked()
    }
}

/// State of a reentrant lock.
#[repr(C)]
struct RLockState {
    lock: RawLock,
    depth: AtomicU32,
}

/// A reentrant lock owned by the thread (of some process) that locked it.
pub struct ShmRLock {
    region: Region,
}

shared_object!(ShmRLock, RLockState, Kind::RLock);

impl ShmRLock {
    /// Creates an unlocked reentrant lock, named or anonymous.
    pub fn create(name: Option<&str>) -> Result<ShmRLock> {
        Self::make(name, |_| {})
    }

    /// Locks (again, when the calling thread holds it), waiting until `timeout`.
    pub fn lock(&self, timeout: Option<Duration>) -> Result<Acquired> {
        let state = self.state();
        if state.lock.held_by_me() {
            let depth = state.depth.load(Ordering::Relaxed);
            let depth = depth.checked_add(1).ok_or(Error::Overflow("lock depth"))?;
            state.depth.store(depth, Ordering::Relaxed);
            return Ok(Acquired::Clean);
        }
        let deadline = Deadline::after(timeout);
        let acquired = if deadline == Deadline::Now {
            state.lock.try_lock()?
        } else {
            state.lock.lock(deadline)?
        };
        state.depth.store(1, Ordering::Relaxed);
        Ok(acquired)
    }

    /// Unlocks once; `NotOwner` unless the calling thread holds it.
    pub fn unlock(&self) -> Result<()> {
        let state = self.state();
        if !state.lock.held_by_me() {
            return Err(Error::NotOwner);
        }
        let depth = state.depth.load(Ordering::Relaxed);
        if depth > 1 {
            state.depth.store(depth - 1, Ordering::Relaxed);
            return Ok(());
        }
        state.depth.store(0, Ordering::Relaxed);
        state.lock.unlock()
    }

    /// Closes it for every process: waiters and later locks by threads that
    /// do not hold it get `Closed`; the holder may still lock again and unlock.
    pub fn close(&self) {
        self.state().lock.close()
    }

    /// Unlocks whatever the calling thread's depth; returns that depth.
    /// `NotOwner` unless the calling thread holds it.
    pub(crate) fn unlock_fully(&self) -> Result<u32> {
        let state = self.state();
        if !state.lock.held_by_me() {
            return Err(Error::NotOwner);
        }
        let depth = state.depth.swap(0, Ordering::Relaxed);
        state.lock.unlock()?;
        Ok(depth)
    }

    /// Locks it again at `depth` after [`ShmRLock::unlock_fully`], waiting
    /// as long as it takes.
    pub(crate) fn relock(&self, depth: u32) -> Result<Acquired> {
        let state = self.state();
        let acquired = state.lock.lock(Deadline::Never)?;
        state.depth.store(depth, Ordering::Relaxed);
        Ok(acquired)
    }

    /// Whether the calling thread holds it.
    pub fn is_owned(&self) -> bool {
        self.state().lock.held_by_me()
    }

    /// The calling thread's depth (0 when it does not hold it).
    pub fn depth(&self) -> u32 {
        let state = self.state();
        if state.lock.held_by_me() {
            state.depth.load(Ordering::Relaxed)
        } else {
            0
        }
    }
}

/// State of a semaphore.
#[repr(C)]
struct SemaphoreState {
    value: AtomicU32,
    /// 0 = unbounded.
    bound: AtomicU32,
    waiting: AtomicU32,
    closed: AtomicU32,
}

/// A counting semaphore, optionally bounded.
pub struct ShmSemaphore {
    region: Region,
}

shared_object!(ShmSemaphore, SemaphoreState, Kind::Semaphore);

impl ShmSemaphore {
    /// Creates a semaphore holding `value` units; `bound` > 0 makes a
    /// release beyond it fail with `Overflow`.
    pub fn create(name: Option<&str>, value: u32, bound: u32) -> Result<ShmSemaphore> {
        if bound != 0 && value > bound {
            return Err(Error::InvalidArgument("initial value above the bound"));
        }
        if value > i32::MAX as u32 || bound > i32::MAX as u32 {
            return Err(Error::InvalidArgument("value above 2^31 - 1"));
        }
        Self::make(name, |state| {
            state.value.store(value, Ordering::Relaxed);
            state.bound.store(bound, Ordering::Relaxed);
        })
    }

    /// Takes a unit, waiting until `timeout`; once closed, `Closed` instead
    /// of waiting.
    pub fn acquire(&self, timeout: Option<Duration>) -> Result<()> {
        let state = self.state();
        let mut deadline = None;
        loop {
            let value = state.value.load(Ordering::Relaxed);
            if value > 0 {
                if state
                    .value
                    .compare_exchange(value, value - 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(());
                }
                continue;
            }
            if state.closed.load(Ordering::SeqCst) != 0 {
                return Err(Error::Closed);
            }
            let slice = slice(*deadline.get_or_insert_with(|| Deadline::after(timeout)))?;
            state.waiting.fetch_add(1, Ordering::SeqCst);
            futex::wait(&state.value, 0, Some(slice));
            state.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Gives back `count` units.
    pub fn release(&self, count: u32) -> Result<()> {
        let state = self.state();
        let bound = state.bound.load(Ordering::Relaxed);
        state
            .value
            .fetch_update(Ordering::Release, Ordering::Relaxed, |value| {
                let next = value.checked_add(count)?;
                (next <= i32::MAX as u32 && (bound == 0 || next <= bound)).then_some(next)
            })
            .map_err(|_| Error::Overflow("semaphore released beyond its bound"))?;
        if state.waiting.load(Ordering::SeqCst) != 0 {
            futex::wake(&state.value, count.min(i32::MAX as u32) as i32);
        }
        Ok(())
    }

    /// Units available now.
    pub fn value(&self) -> u32 {
        self.state().value.load(Ordering::Relaxed)
    }

    /// Closes it for every process: waiters and later acquires that would
    /// wait get `Closed` (units can still be taken and given back).
    pub fn close(&self) {
        let state = self.state();
        state.closed.store(1, Ordering::SeqCst);
        futex::wake(&state.value, i32::MAX);
    }
}

/// State of an event.
#[repr(C)]
struct EventState {
    flag: AtomicU32,
    closed: AtomicU32,
}

/// An event: a flag processes wait for.
pub struct ShmEvent {
    region: Region,
}

shared_object!(ShmEvent, EventState, Kind::Event);

impl ShmEvent {
    /// Creates a cleared event, named or anonymous.
    pub fn create(name: Option<&str>) -> Result<ShmEvent> {
        Self::make(name, |_| {})
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let state = self.state();
        if state.flag.swap(1, Ordering::Release) == 0 {
            futex::wake(&state.flag, i32::MAX);
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        self.state().flag.store(0, Ordering::Release);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.state().flag.load(Ordering::Acquire) != 0
    }

    /// Waits until the flag is set, at most `timeout`; `Closed` once closed.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let state = self.state();
        let deadline = Deadline::after(timeout);
        loop {
            if state.closed.load(Ordering::SeqCst) != 0 {
                return Err(Error::Closed);
            }
            let flag = state.flag.load(Ordering::Acquire);
            if flag != 0 {
                return Ok(());
            }
            futex::wait(&state.flag, flag, Some(slice(deadline)?));
        }
    }

    /// Closes it for every process: waiters and later waits get `Closed`.
    pub fn close(&self) {
        let state = self.state();
        state.closed.store(1, Ordering::SeqCst);
        futex::wake(&state.flag, i32::MAX);
    }
}

/// State of a barrier.
#[repr(C)]
struct BarrierState {
    lock: RawLock,
    parties: AtomicU32,
    arrived: AtomicU32,
    /// Bumped each time the barrier trips, breaks or is reset (waiters
    /// sleep on it).
    generation: AtomicU32,
    broken: AtomicU32,
    /// The last generation that ended by tripping (its waiters pass; those
    /// of a generation ended by an abort or a reset get `Broken`).
    tripped: AtomicU32,
    closed: AtomicU32,
    /// The last party of a held barrier (see [`ShmBarrier::wait_holding`]):
    /// its pid (0 = not held) and start time.
    holder_pid: AtomicU32,
    holder_start: AtomicU64,
}

impl BarrierState {
    fn clear_holder(&self) {
        self.holder_pid.store(0, Ordering::Relaxed);
        self.holder_start.store(0, Ordering::Relaxed);
    }
}

/// What a party finds when it enters a barrier.
enum Entry {
    /// It is the last: the barrier tripped, or is held for it.
    Last(u32),
    /// It waits for the generation to end.
    Waits(u32, u32),
    /// The last party of the generation is running its action: it waits
    /// for that generation to end and enters the next.
    Held(u32),
}

/// A barrier for `parties` waiters across processes. A waiter that times
/// out breaks it (as `threading.Barrier`), so a party that died never
/// leaves the others waiting past their timeouts.
pub struct ShmBarrier {
    region: Region,
}

shared_object!(ShmBarrier, BarrierState, Kind::Barrier);

impl ShmBarrier {
    /// Creates a barrier for `parties` (at least 1).
    pub fn create(name: Option<&str>, parties: u32) -> Result<ShmBarrier> {
        if parties == 0 || parties > i32::MAX as u32 {
            return Err(Error::InvalidArgument("parties must be 1 to 2^31 - 1"));
        }
        Self::make(name, |state| {
            state.parties.store(parties, Ordering::Relaxed);
            state.tripped.store(u32::MAX, Ordering::Relaxed);
        })
    }

    fn locked<T>(&self, body: impl FnOnce(&BarrierState) -> T) -> T {
        let state = self.state();
        // A holder only updates counters; after its death they are whole.
        let _ = state.lock.lock(Deadline::Never);
        let result = body(state);
        let _ = state.lock.unlock();
        result
    }

    /// Waits for all parties; returns this waiter's arrival index (0 for the
    /// first). `Broken` when the barrier is or gets broken; a timeout
    /// breaks it and returns `Timeout`; `Closed` once closed.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<u32> {
        self.enter(timeout, false)
    }

    /// As [`Self::wait`], but the last party to arrive returns (with index
    /// `parties - 1`) without releasing the others: it runs its action and
    /// then calls [`Self::trip`] (or [`Self::abort`]). Should it die
    /// first, the others get `Broken`. Parties arriving meanwhile wait for
    /// the next generation.
    pub fn wait_holding(&self, timeout: Option<Duration>) -> Result<u32> {
        self.enter(timeout, true)
    }

    fn enter(&self, timeout: Option<Duration>, hold: bool) -> Result<u32> {
        let state = self.state();
        let deadline = Deadline::after(timeout);
        loop {
            let entry = self.locked(|state| {
                if state.closed.load(Ordering::Relaxed) != 0 {
                    return Err(Error::Closed);
                }
                if state.broken.load(Ordering::Relaxed) != 0 {
                    return Err(Error::Broken);
                }
                let generation = state.generation.load(Ordering::Relaxed);
                if state.holder_pid.load(Ordering::Relaxed) != 0 {
                    return Ok(Entry::Held(generation));
                }
                let index = state.arrived.load(Ordering::Relaxed);
                if index + 1 == state.parties.load(Ordering::Relaxed) {
                    state.arrived.store(0, Ordering::Relaxed);
                    if hold {
                        let me = me();
                        state.holder_start.store(me.start, Ordering::Relaxed);
                        state.holder_pid.store(me.pid, Ordering::Relaxed);
                    } else {
                        state.tripped.store(generation, Ordering::Relaxed);
                        state.generation.fetch_add(1, Ordering::Release);
                    }
                    return Ok(Entry::Last(index));
                }
                state.arrived.store(index + 1, Ordering::Relaxed);
                Ok(Entry::Waits(index, generation))
            })?;
            match entry {
                Entry::Last(index) => {
                    if !hold {
                        futex::wake(&state.generation, i32::MAX);
                    }
                    return Ok(index);
                }
                Entry::Waits(index, generation) => {
                    self.wait_generation(generation, deadline)?;
                    return if state.tripped.load(Ordering::Acquire) == generation {
                        Ok(index)
                    } else if state.closed.load(Ordering::Acquire) != 0 {
                        Err(Error::Closed)
                    } else {
                        Err(Error::Broken)
                    };
                }
                Entry::Held(generation) => self.wait_generation(generation, deadline)?,
            }
        }
    }

    /// Waits until `generation` ends. At its deadline the waiter breaks the
    /// barrier (`Timeout`, or `Broken` with timeout 0); a holder found dead
    /// breaks it too (then `Ok`: the generation ended).
    fn wait_generation(&self, generation: u32, deadline: Deadline) -> Result<()> {
        let state = self.state();
        loop {
            if state.generation.load(Ordering::Acquire) != generation {
                return Ok(());
            }
            let pid = state.holder_pid.load(Ordering::Acquire);
            if pid != 0 && !alive(pid, state.holder_start.load(Ordering::Relaxed)) {
                self.break_generation(generation, |state| {
                    state.holder_pid.load(Ordering::Relaxed) == pid
                });
                continue;
            }
            match slice(deadline) {
                Ok(slice) => futex::wait(&state.generation, generation, Some(slice)),
                Err(error) => {
                    if !self.break_generation(generation, |_| true) {
                        continue;
                    }
                    return Err(if error == Error::WouldBlock {
                        Error::Broken
                    } else {
                        error
                    });
                }
            }
        }
    }

    /// Breaks the barrier if `generation` is still on and `still` holds;
    /// true when this call broke it.
    fn break_generation(&self, generation: u32, still: impl Fn(&BarrierState) -> bool) -> bool {
        let broke = self.locked(|state| {
            if state.generation.load(Ordering::Relaxed) != generation || !still(state) {
                return false;
            }
            state.broken.store(1, Ordering::Relaxed);
            state.clear_holder();
            state.generation.fetch_add(1, Ordering::Release);
            true
        });
        if broke {
            futex::wake(&self.state().generation, i32::MAX);
        }
        broke
    }

    /// Trips a barrier this process holds (after [`Self::wait_holding`]
    /// returned its last index), releasing the other parties. `Broken` when it was
    /// broken (or reset) meanwhile, `NotOwner` when this process does not
    /// hold it.
    pub fn trip(&self) -> Result<()> {
        let outcome = self.locked(|state| {
            if state.holder_pid.load(Ordering::Relaxed) != me().pid {
                return Err(if state.broken.load(Ordering::Relaxed) != 0 {
                    Error::Broken
                } else {
                    Error::NotOwner
                });
            }
            state.clear_holder();
            let generation = state.generation.load(Ordering::Relaxed);
            state.tripped.store(generation, Ordering::Relaxed);
            state.generation.fetch_add(1, Ordering::Release);
            Ok(())
        });
        if outcome.is_ok() {
            futex::wake(&self.state().generation, i32::MAX);
        }
        outcome
    }

    /// Breaks the barrier: current and later waiters get `Broken`.
    pub fn abort(&self) {
        self.locked(|state| {
            state.broken.store(1, Ordering::Relaxed);
            state.clear_holder();
            state.generation.fetch_add(1, Ordering::Release);
        });
        futex::wake(&self.state().generation, i32::MAX);
    }

    /// Mends a broken barrier; waiters still inside get `Broken`.
    pub fn reset(&self) {
        self.locked(|state| {
            state.arrived.store(0, Ordering::Relaxed);
            state.broken.store(0, Ordering::Relaxed);
            state.clear_holder();
            state.generation.fetch_add(1, Ordering::Release);
        });
        futex::wake(&self.state().generation, i32::MAX);
    }

    /// Closes it for every process: waiters and later waits get `Closed`.
    pub fn close(&self) {
        self.locked(|state| {
            state.closed.store(1, Ordering::Release);
            state.generation.fetch_add(1, Ordering::Release);
        });
        futex::wake(&self.state().generation, i32::MAX);
    }

    /// Whether it is broken.
    pub fn is_broken(&self) -> bool {
        self.state().broken.load(Ordering::Acquire) != 0
    }

    /// Parties needed to trip it.
    pub fn parties(&self) -> u32 {
        self.state().parties.load(Ordering::Relaxed)
    }

    /// Parties waiting now.
    pub fn waiting(&self) -> u32 {
        self.state().arrived.load(Ordering::Relaxed)
    }
}

/// An atomic 64-bit counter.
pub struct ShmCounter {
    region: Region,
}

shared_object!(ShmCounter, AtomicI64, Kind::Counter);

impl ShmCounter {
    /// Creates a counter holding `value`.
    pub fn create(name: Option<&str>, value: i64) -> Result<ShmCounter> {
        Self::make(name, |state| state.store(value, Ordering::Relaxed))
    }

    /// Adds `delta` (wrapping) and returns the new value.
    pub fn add(&self, delta: i64) -> i64 {
        self.state()
            .fetch_add(delta, Ordering::AcqRel)
            .wrapping_add(delta)
    }

    /// The value now.
    pub fn get(&self) -> i64 {
        self.state().load(Ordering::Acquire)
    }

    /// Stores `value`.
    pub fn set(&self, value: i64) {
        self.state().store(value, Ordering::Release)
    }

    /// Stores `new` if the value is `expected`; returns the value seen.
    pub fn compare_exchange(&self, expected: i64, new: i64) -> i64 {
        match self
            .state()
            .compare_exchange(expected, new, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(seen) | Err(seen) => seen,
        }
    }
}
