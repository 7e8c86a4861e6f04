//! A condition variable in shared memory, used with a [`ShmMutex`] or a
//! [`ShmRLock`] of any process.
//!
//! Each waiter takes a slot of the condition's table (its pid, that
//! process's start time and an arrival ticket), marks it waiting, unlocks
//! the lock and sleeps on the slot's own word. A notify, made under the
//! lock, marks the oldest waiting slots notified and wakes them; a waiter
//! whose time runs out locks again first and only then takes its slot back
//! from waiting, or finds it notified and counts as notified. So no notify
//! is lost between a waiter's unlock and its sleep, nor between the end of
//! a timed wait and the next (the way a caller slices a long wait), and a
//! waiter never wakes for a notify meant for another.
//!
//! A waiter killed while waiting leaves its slot waiting: a notify skips
//! (and frees) the slots of dead processes, so it still wakes live waiters.
//! A waiter killed after it locked again is a dead lock holder, which the
//! next locker reports with `OwnerDied`, as does a waiter that takes the
//! lock back from one.
//!
//! Invariants: a slot's `word` is 0 when free, else its waiter's pid (below
//! 2^29, as Linux pids are) with at most one of the flags [`CLAIMED`]
//! (being set up, or leaving), [`NOTIFIED`] and [`CLOSED`]; no flag =
//! waiting. Pid and state in one word make every change a compare-exchange
//! against both, so a slot freed and claimed again by another process is
//! never changed by one that saw its old waiter. Only the waiter, or one
//! that found its process dead, frees a slot; `start` is 0 whenever the slot
//! is free. `closed` is never cleared; once set, no slot is left waiting.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::identity::{alive, me};
use super::region::{Kind, Region};
use super::sync::shared_object;
use super::{futex, Acquired, ShmMutex, ShmRLock, SLICE};
use crate::time::Deadline;
use crate::{Error, Result};

/// Waiters a condition holds at once.
const CONDITION_SLOTS: usize = 1024;

const CLAIMED: u32 = 1 << 29;
const CLOSED: u32 = 1 << 30;
const NOTIFIED: u32 = 1 << 31;
const FLAGS: u32 = CLAIMED | CLOSED | NOTIFIED;

/// One waiter.
#[repr(C)]
struct Slot {
    /// The waiter's pid and state flags (see the module docs); it sleeps on it.
    word: AtomicU32,
    _pad: u32,
    /// Start time of the waiter's process (0 = unknown).
    start: AtomicU64,
    /// Arrival order: notifies wake the lowest first.
    ticket: AtomicU64,
}

#[repr(C)]
struct ConditionState {
    closed: AtomicU32,
    /// Slots in use (high after a waiter died, until its slot is freed:
    /// costs a scan, never a missed waiter).
    claimed: AtomicU32,
    next_ticket: AtomicU64,
    slots: [Slot; CONDITION_SLOTS],
}

/// A condition variable any process may wait on and notify.
pub struct ShmCondition {
    region: Region,
}

shared_object!(ShmCondition, ConditionState, Kind::Condition);

impl ShmCondition {
    /// Creates a condition with no waiters, named or anonymous.
    pub fn create(name: Option<&str>) -> Result<ShmCondition> {
        Self::make(name, |_| {})
    }

    /// Unlocks `mutex` (which must be locked: `NotOwner` otherwise), waits
    /// for a notify or at most `timeout`, and locks `mutex` again. `Ok` when
    /// notified, `Timeout` (the lock held again either way), `Closed` when
    /// the condition is closed (lock held) or the mutex is closed meanwhile
    /// (lock not held), `OwnerDied` when the mutex was taken back from a
    /// holder that died (held, notified or not). A zero timeout returns
    /// `WouldBlock` at once, keeping the lock.
    pub fn wait(&self, mutex: &ShmMutex, timeout: Option<Duration>) -> Result<()> {
        if !mutex.is_locked() {
            return Err(Error::NotOwner);
        }
        self.wait_releasing(
            timeout,
            || {
                let _ = mutex.unlock();
            },
            || mutex.raw().lock(Deadline::Never),
        )
    }

    /// As [`ShmCondition::wait`] with a reentrant lock the calling thread
    /// holds: unlocks it whatever its depth and locks it again at that depth.
    pub fn wait_reentrant(&self, rlock: &ShmRLock, timeout: Option<Duration>) -> Result<()> {
        if !rlock.is_owned() {
            return Err(Error::NotOwner);
        }
        let depth = std::cell::Cell::new(1);
        self.wait_releasing(
            timeout,
            // The calling thread holds it (checked above).
            || depth.set(rlock.unlock_fully().unwrap_or(1)),
            || rlock.relock(depth.get()),
        )
    }

    /// Claims a slot, runs `unlock`, sleeps until notified, closed or
    /// `timeout`, runs `relock` and only then leaves the slot. A waiter
    /// thus stays notifiable until it holds the lock again, so a notify
    /// (made under the lock) never falls between the end of one wait and
    /// the start of the next. Errors before `unlock` leave the lock held.
    fn wait_releasing(
        &self,
        timeout: Option<Duration>,
        unlock: impl FnOnce(),
        relock: impl FnOnce() -> Result<Acquired>,
    ) -> Result<()> {
        let state = self.state();
        if state.closed.load(Ordering::SeqCst) != 0 {
            return Err(Error::Closed);
        }
        let deadline = Deadline::after(timeout);
        if deadline == Deadline::Now {
            return Err(Error::WouldBlock);
        }
        let pid = me().pid;
        let slot = self.claim(pid)?;
        slot.ticket.store(
            state.next_ticket.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        slot.word.store(pid, Ordering::SeqCst);
        // Closed meanwhile: leave before unlocking (close saw the slot
        // waiting and marked it, or this sees the flag).
        if state.closed.load(Ordering::SeqCst) != 0 {
            Self::free(state, slot);
            return Err(Error::Closed);
        }
        unlock();
        loop {
            if slot.word.load(Ordering::Acquire) & (NOTIFIED | CLOSED) != 0 {
                break;
            }
            let slice = match deadline.remaining() {
                Some(left) if left.is_zero() => break,
                Some(left) => left.min(SLICE),
                None => SLICE,
            };
            // Sliced: a notifier killed between marking and waking costs a
            // slice, never a hang.
            futex::wait(&slot.word, pid, Some(slice));
        }
        let relocked = relock();
        // Leave unless notified or closed by now.
        let word = match slot.word.compare_exchange(
            pid,
            pid | CLAIMED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => pid | CLAIMED,
            Err(word) => word,
        };
        Self::free(state, slot);
        match relocked? {
            Acquired::OwnerDied => Err(Error::OwnerDied),
            Acquired::Clean if word & NOTIFIED != 0 => Ok(()),
            Acquired::Clean if word & CLOSED != 0 => Err(Error::Closed),
            Acquired::Clean => Err(deadline.expired_error()),
        }
    }

    /// A free slot, now [`CLAIMED`] by `pid`; frees those of dead processes
    /// when none is free.
    fn claim(&self, pid: u32) -> Result<&Slot> {
        let state = self.state();
        let start = me().start;
        for pass in 0..2 {
            for slot in &state.slots {
                if pass == 1 {
                    Self::reclaim_if_dead(state, slot);
                }
                if slot.word.load(Ordering::Relaxed) == 0
                    && slot
                        .word
                        .compare_exchange(0, pid | CLAIMED, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    slot.start.store(start, Ordering::Release);
                    state.claimed.fetch_add(1, Ordering::SeqCst);
                    return Ok(slot);
                }
            }
        }
        Err(Error::Overflow(
            "more waiters than a shared condition holds",
        ))
    }

    /// Frees the calling waiter's own slot.
    fn free(state: &ConditionState, slot: &Slot) {
        slot.start.store(0, Ordering::Relaxed);
        slot.word.store(0, Ordering::Release);
        state.claimed.fetch_sub(1, Ordering::Relaxed);
    }

    /// Frees `slot` when the process that claimed it died; true if it did.
    fn reclaim_if_dead(state: &ConditionState, slot: &Slot) -> bool {
        let word = slot.word.load(Ordering::Acquire);
        let pid = word & !FLAGS;
        if word == 0 || pid == me().pid || alive(pid, slot.start.load(Ordering::Acquire)) {
            return false;
        }
        // Its start goes first: nobody can claim the slot before the word is 0.
        slot.start.store(0, Ordering::Relaxed);
        if slot
            .word
            .compare_exchange(word, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            state.claimed.fetch_sub(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Wakes up to `n` waiters, longest waiting first, skipping (and
    /// freeing) those of dead processes; returns how many it woke.
    pub fn notify(&self, n: usize) -> usize {
        let state = self.state();
        if n == 0 || state.claimed.load(Ordering::SeqCst) == 0 {
            return 0;
        }
        let mut waiting: Vec<(u64, u32, &Slot)> = state
            .slots
            .iter()
            .filter_map(|slot| {
                let word = slot.word.load(Ordering::Acquire);
                (word != 0 && word & FLAGS == 0)
                    .then(|| (slot.ticket.load(Ordering::Relaxed), word, slot))
            })
            .collect();
        waiting.sort_unstable_by_key(|&(ticket, _, _)| ticket);
        let mut woken = 0;
        for (_, word, slot) in waiting {
            if woken == n {
                break;
            }
            if Self::reclaim_if_dead(state, slot) {
                continue;
            }
            if slot
                .word
                .compare_exchange(word, word | NOTIFIED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                futex::wake(&slot.word, i32::MAX);
                woken += 1;
            }
        }
        woken
    }

    /// Wakes every waiter; returns how many.
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// Closes it for every process: waiters take their lock back and get
    /// `Closed`, and later waits get it without unlocking.
    pub fn close(&self) {
        let state = self.state();
        state.closed.store(1, Ordering::SeqCst);
        for slot in &state.slots {
            let word = slot.word.load(Ordering::Acquire);
            if word != 0
                && word & FLAGS == 0
                && slot
                    .word
                    .compare_exchange(word, word | CLOSED, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            {
                futex::wake(&slot.word, i32::MAX);
            }
        }
    }
}
