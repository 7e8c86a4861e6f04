//! A FIFO queue of byte messages in a fixed-size shared region.
//!
//! Layout: [`State`], then a ring of `capacity` bytes (a multiple of 8).
//! An item is a record at byte position `p` (ring offset `p % capacity`):
//! its length as a `u32`, 4 spare bytes, the message, padding to 8. A
//! record never wraps: when it does not fit before the ring's end, a
//! [`WRAP`] marker fills the rest and the record starts at offset 0.
//! `head` and `tail` only grow; the queued records lie between them.
//!
//! Every change happens under the region's robust lock, committed by one
//! store (see the module docs of `shm`): a put writes past `tail` and then
//! moves `tail`; a get copies out and then moves `head`. `count` is kept
//! after the commit and recounted when a dead holder's lock is taken over.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::lock::RawLock;
use super::region::{Kind, Region};
use super::{futex, Acquired, SLICE};
use crate::queue::Received;
use crate::time::Deadline;
use crate::{Error, Result};

/// Length of a record that only skips to the ring's start.
const WRAP: u32 = u32::MAX;
/// Bytes of a record before its message.
const RECORD_HEADER: usize = 8;
/// Offset of the ring after the state.
const RING_OFFSET: usize = 256;

/// What a put in progress leaves for whoever takes its lock over should it
/// die: `unfinished` before it and the `tail` that commits it (0 = none), so
/// that `unfinished` counts the item exactly when it was committed.
#[repr(C)]
struct Puts {
    count: AtomicU32,
    _pad: u32,
    pending_tail: AtomicU64,
    unfinished_before: AtomicU64,
}

/// A word alone on its cache line.
#[repr(C, align(64))]
struct Line<T>(T);

/// The state, laid out by who writes what, so that a put and a get move as
/// few cache lines between cores as possible: the first line holds what
/// every put and get changes under the lock; `puts` and `gets`, which
/// waiters poll and sleep on, have a line each (polling them does not take
/// the lock's line away from its holder); the last line is read-mostly.
#[repr(C)]
struct State {
    lock: RawLock,
    head: AtomicU64,
    tail: AtomicU64,
    count: AtomicU64,
    getters_waiting: AtomicU32,
    putters_waiting: AtomicU32,
    unfinished: AtomicU64,
    /// Bumped by every put (getters sleep on it), with the put in progress.
    puts: Line<Puts>,
    /// Bumped by every get (putters sleep on it).
    gets: Line<AtomicU32>,
    closed: AtomicU32,
    /// Bumped when `unfinished` reaches 0 (joiners sleep on it).
    done: AtomicU32,
    capacity: AtomicU64,
    maxsize: AtomicU64,
}

const _: () = assert!(std::mem::size_of::<State>() <= RING_OFFSET);
const _: () = assert!(std::mem::offset_of!(State, puts) == 64);

/// A shared-memory FIFO queue (see the module docs).
pub struct ShmQueue {
    region: Region,
}

/// How long a waiter polls a counter before it yields: a few microseconds,
/// enough for a busy peer on another core's next put or get, which then
/// needs no futex wake.
const SPIN: Duration = Duration::from_micros(4);
/// Times a waiter then yields its core before it sleeps: a peer that was
/// waiting for that core (two processes on one core, a loaded machine) runs
/// at once instead of after the waiter's time slice.
const YIELDS: u32 = 3;

/// Polls `word` while it still reads `seen`, briefly, then yields a few
/// times; true when it changed.
fn spin_until_changed(word: &AtomicU32, seen: u32) -> bool {
    let changed = || word.load(Ordering::Acquire) != seen;
    let began = Instant::now();
    loop {
        for _ in 0..16 {
            std::hint::spin_loop();
            if changed() {
                return true;
            }
        }
        if began.elapsed() >= SPIN {
            break;
        }
    }
    for _ in 0..YIELDS {
        std::thread::yield_now();
        if changed() {
            return true;
        }
    }
    false
}

fn record_size(len: usize) -> usize {
    RECORD_HEADER + len.div_ceil(8) * 8
}

/// The lock of a queue, released on drop.
struct Guard<'a> {
    state: &'a State,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let _ = self.state.lock.unlock();
    }
}

impl ShmQueue {
    /// Creates a queue whose ring holds `capacity_bytes` bytes of records
    /// (rounded up to 8; at least 64), holding at most `maxsize` items (0 =
    /// as many as fit). Named (`Some`) or anonymous (shared over `fork`).
    pub fn create(name: Option<&str>, capacity_bytes: usize, maxsize: usize) -> Result<ShmQueue> {
        let capacity = capacity_bytes
            .max(64)
            .checked_next_multiple_of(8)
            .ok_or(Error::Overflow("capacity too large"))?;
        let body = RING_OFFSET
            .checked_add(capacity)
            .ok_or(Error::Overflow("capacity too large"))?;
        let region = Region::create(name, Kind::Queue, body, |body| {
            // SAFETY: the zeroed, exclusively owned state of a new region.
            let state = unsafe { &*body.cast::<State>() };
            state.capacity.store(capacity as u64, Ordering::Relaxed);
            state.maxsize.store(maxsize as u64, Ordering::Relaxed);
        })?;
        Ok(ShmQueue { region })
    }

    /// Opens the named queue.
    pub fn open(name: &str) -> Result<ShmQueue> {
        Ok(ShmQueue {
            region: Region::open(name, Kind::Queue)?,
        })
    }

    /// The name (None for an anonymous queue).
    pub fn name(&self) -> Option<&str> {
        self.region.name()
    }

    fn state(&self) -> &State {
        // SAFETY: the region starts with a State and outlives self.
        unsafe { &*self.region.body().cast::<State>() }
    }

    fn capacity(&self) -> usize {
        self.state().capacity.load(Ordering::Relaxed) as usize
    }

    fn ring(&self) -> *mut u8 {
        // SAFETY: the ring follows the state inside the region.
        unsafe { self.region.body().add(RING_OFFSET) }
    }

    /// The longest message the ring can ever hold.
    pub fn max_item_size(&self) -> usize {
        self.capacity() - RECORD_HEADER
    }

    fn lock(&self) -> Guard<'_> {
        let state = self.state();
        // The lock is held only for a copy, so it is always waited for; a
        // dead holder's lock comes back after a slice.
        if state.lock.lock(Deadline::Never) == Ok(Acquired::OwnerDied) {
            self.recover_unfinished();
            self.recount();
        }
        Guard { state }
    }

    /// Settles `unfinished` after a putter died holding the lock: counted
    /// with its item only when the item was committed.
    fn recover_unfinished(&self) {
        let state = self.state();
        let puts = &state.puts.0;
        let pending = puts.pending_tail.load(Ordering::Acquire);
        if pending != 0 {
            let before = puts.unfinished_before.load(Ordering::Relaxed);
            let committed = state.tail.load(Ordering::Relaxed) == pending;
            state
                .unfinished
                .store(before + u64::from(committed), Ordering::Release);
            puts.pending_tail.store(0, Ordering::Release);
        }
    }

    /// Re-derives `count` from the committed records (after a holder died
    /// between a commit and the count's update).
    fn recount(&self) {
        let state = self.state();
        let capacity = self.capacity() as u64;
        let (mut at, tail) = (
            state.head.load(Ordering::Relaxed),
            state.tail.load(Ordering::Relaxed),
        );
        let mut count = 0;
        while at < tail {
            let len = self.read_len(at);
            if len == WRAP {
                at += capacity - at % capacity;
            } else {
                at += record_size(len as usize) as u64;
                count += 1;
            }
        }
        state.count.store(count, Ordering::Relaxed);
    }

    fn read_len(&self, at: u64) -> u32 {
        let offset = (at % self.capacity() as u64) as usize;
        // SAFETY: offset + 4 is within the ring (records are 8-aligned).
        unsafe { self.ring().add(offset).cast::<u32>().read_volatile() }
    }

    /// Appends one message under the lock: `Ok(false)` when it does not fit now.
    fn push_locked(&self, message: &[u8]) -> Result<bool> {
        let state = self.state();
        let capacity = self.capacity() as u64;
        let size = record_size(message.len()) as u64;
        if size > capacity {
            return Err(Error::InvalidArgument("message larger than the queue"));
        }
        let maxsize = state.maxsize.load(Ordering::Relaxed);
        let count = state.count.load(Ordering::Relaxed);
        if maxsize != 0 && count >= maxsize {
            return Ok(false);
        }
        let head = state.head.load(Ordering::Relaxed);
        let tail = state.tail.load(Ordering::Relaxed);
        let offset = tail % capacity;
        let skip = if offset + size > capacity {
            capacity - offset
        } else {
            0
        };
        if (tail - head) + skip + size > capacity {
            return Ok(false);
        }
        let ring = self.ring();
        // Reserve and write: all past `tail`, invisible until it moves.
        // SAFETY: the room [tail, tail + skip + size) is free ring space
        // that only the lock holder touches; records are 8-aligned.
        unsafe {
            if skip != 0 {
                ring.add(offset as usize).cast::<u32>().write_volatile(WRAP);
            }
            let at = ring.add(((offset + skip) % capacity) as usize);
            at.cast::<u32>().write_volatile(message.len() as u32);
            std::ptr::copy_nonoverlapping(message.as_ptr(), at.add(RECORD_HEADER), message.len());
        }
        // Count it among the unfinished tasks, leaving what undoes that
        // unless the commit below happened; then publish.
        let new_tail = tail + skip + size;
        let puts = &state.puts.0;
        let unfinished = state.unfinished.load(Ordering::Relaxed);
        puts.unfinished_before.store(unfinished, Ordering::Relaxed);
        puts.pending_tail.store(new_tail, Ordering::Release);
        state.unfinished.store(unfinished + 1, Ordering::Release);
        state.tail.store(new_tail, Ordering::Release);
        puts.pending_tail.store(0, Ordering::Release);
        state.count.store(count + 1, Ordering::Relaxed);
        puts.count.fetch_add(1, Ordering::Release);
        Ok(true)
    }

    /// The next record under the lock: its position and length (None = empty).
    fn front_locked(&self) -> Option<(u64, usize)> {
        let state = self.state();
        let capacity = self.capacity() as u64;
        let mut head = state.head.load(Ordering::Relaxed);
        let tail = state.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let mut len = self.read_len(head);
        if len == WRAP {
            head += capacity - head % capacity;
            // Consuming the marker is a commit of its own.
            state.head.store(head, Ordering::Release);
            len = self.read_len(head);
        }
        Some((head, len as usize))
    }

    fn copy_out(&self, at: u64, len: usize, into: &mut [u8]) {
        let offset = (at % self.capacity() as u64) as usize + RECORD_HEADER;
        // SAFETY: a committed record of `len` bytes; `into` holds `len`.
        unsafe { std::ptr::copy_nonoverlapping(self.ring().add(offset), into.as_mut_ptr(), len) };
    }

    /// Under the lock, after items went in: how many getters to wake once
    /// it is released (0: none sleeps, so no system call). A getter only
    /// sleeps after counting itself under the lock, so none is missed.
    fn getters_to_wake(&self, all: bool) -> i32 {
        match self.state().getters_waiting.load(Ordering::Relaxed) {
            0 => 0,
            _ if all => i32::MAX,
            _ => 1,
        }
    }

    /// As [`Self::getters_to_wake`], for putters after items went out.
    fn putters_to_wake(&self, all: bool) -> i32 {
        match self.state().putters_waiting.load(Ordering::Relaxed) {
            0 => 0,
            _ if all => i32::MAX,
            _ => 1,
        }
    }

    fn wake(word: &AtomicU32, count: i32) {
        if count != 0 {
            futex::wake(word, count);
        }
    }

    /// Sleeps on `word` (last seen as `seen`) for at most a slice of the
    /// time left; `Err` once the deadline has passed.
    fn sleep(word: &AtomicU32, seen: u32, waiting: &AtomicU32, deadline: Deadline) -> Result<()> {
        let slice = match deadline.remaining() {
            Some(left) if left.is_zero() => return Err(deadline.expired_error()),
            Some(left) => left.min(SLICE),
            None => SLICE,
        };
        futex::wait(word, seen, Some(slice));
        waiting.fetch_sub(1, Ordering::Release);
        Ok(())
    }

    /// Puts one message, waiting until `timeout` for room (None = forever).
    pub fn put(&self, message: &[u8], timeout: Option<Duration>) -> Result<()> {
        let (put, outcome) = self.put_many(std::iter::once(message), timeout);
        debug_assert!(put <= 1);
        outcome
    }

    /// Puts messages in order, as many as fit at each lock hold, waiting for
    /// room until `timeout`. Returns how many went in and why it stopped.
    pub fn put_many<'a>(
        &self,
        messages: impl IntoIterator<Item = &'a [u8]>,
        timeout: Option<Duration>,
    ) -> (usize, Result<()>) {
        let state = self.state();
        let mut messages = messages.into_iter().peekable();
        let mut put = 0;
        let mut deadline = None;
        loop {
            let guard = self.lock();
            if state.closed.load(Ordering::Relaxed) != 0 {
                return (put, Err(Error::Closed));
            }
            let before = put;
            while let Some(message) = messages.peek() {
                match self.push_locked(message) {
                    Ok(true) => {
                        put += 1;
                        messages.next();
                    }
                    Ok(false) => break,
                    Err(error) => {
                        let wake = if put > before {
                            self.getters_to_wake(put - before > 1)
                        } else {
                            0
                        };
                        drop(guard);
                        Self::wake(&state.puts.0.count, wake);
                        return (put, Err(error));
                    }
                }
            }
            let seen = state.gets.0.load(Ordering::Relaxed);
            let finished = messages.peek().is_none();
            let wake = if put > before {
                self.getters_to_wake(put - before > 1)
            } else {
                0
            };
            drop(guard);
            Self::wake(&state.puts.0.count, wake);
            if finished {
                return (put, Ok(()));
            }
            if timeout == Some(Duration::ZERO) {
                return (put, Err(Error::WouldBlock));
            }
            if spin_until_changed(&state.gets.0, seen) {
                continue;
            }
            let guard = self.lock();
            if state.gets.0.load(Ordering::Relaxed) != seen
                || state.closed.load(Ordering::Relaxed) != 0
            {
                continue;
            }
            state.putters_waiting.fetch_add(1, Ordering::Relaxed);
            drop(guard);
            let deadline = *deadline.get_or_insert_with(|| Deadline::after(timeout));
            if let Err(error) = Self::sleep(&state.gets.0, seen, &state.putters_waiting, deadline) {
                state.putters_waiting.fetch_sub(1, Ordering::Release);
                return (put, Err(error));
            }
        }
    }

    /// Waits until an item is queued (holding the lock then) or the queue is
    /// closed and empty.
    fn wait_front(
        &self,
        deadline: &mut Option<Deadline>,
        timeout: Option<Duration>,
    ) -> Result<(Guard<'_>, u64, usize)> {
        let state = self.state();
        let now = timeout == Some(Duration::ZERO);
        loop {
            // An empty open queue needs no lock (which putters need): `puts`
            // is read first, so a put committed after that changes it.
            let seen = state.puts.0.count.load(Ordering::Acquire);
            let empty = state.head.load(Ordering::Acquire) == state.tail.load(Ordering::Acquire)
                && state.closed.load(Ordering::Relaxed) == 0;
            if empty {
                if now {
                    return Err(Error::WouldBlock);
                }
                if spin_until_changed(&state.puts.0.count, seen) {
                    continue;
                }
            }
            let guard = self.lock();
            if let Some((at, len)) = self.front_locked() {
                return Ok((guard, at, len));
            }
            if state.closed.load(Ordering::Relaxed) != 0 {
                return Err(Error::Closed);
            }
            if now {
                return Err(Error::WouldBlock);
            }
            // Sleep only after a spin over an empty queue found nothing
            // (else another getter took the item: look again).
            if !empty || state.puts.0.count.load(Ordering::Relaxed) != seen {
                continue;
            }
            state.getters_waiting.fetch_add(1, Ordering::Relaxed);
            drop(guard);
            let deadline = *deadline.get_or_insert_with(|| Deadline::after(timeout));
            if let Err(error) =
                Self::sleep(&state.puts.0.count, seen, &state.getters_waiting, deadline)
            {
                state.getters_waiting.fetch_sub(1, Ordering::Release);
                return Err(error);
            }
        }
    }

    /// Consumes records up to `new_head` (`taken` items) under the lock.
    fn consume_locked(&self, new_head: u64, taken: u64) {
        let state = self.state();
        state.head.store(new_head, Ordering::Release);
        let count = state.count.load(Ordering::Relaxed);
        state
            .count
            .store(count.saturating_sub(taken), Ordering::Relaxed);
        state.gets.0.fetch_add(1, Ordering::Release);
    }

    /// Takes the next message into `buffer`, waiting until `timeout`. An
    /// item longer than the buffer stays queued (`TooSmall` with its size).
    /// `Closed` once the queue is closed and empty.
    pub fn get_into(&self, buffer: &mut [u8], timeout: Option<Duration>) -> Result<Received> {
        let (guard, at, len) = self.wait_front(&mut None, timeout)?;
        if len > buffer.len() {
            return Ok(Received::TooSmall(len));
        }
        self.copy_out(at, len, &mut buffer[..len]);
        self.consume_locked(at + record_size(len) as u64, 1);
        let wake = self.putters_to_wake(false);
        drop(guard);
        Self::wake(&self.state().gets.0, wake);
        Ok(Received::Copied(len))
    }

    /// Takes up to `lengths.len()` messages one after another into `buffer`:
    /// waits until `timeout` for the first, then takes those queued while
    /// they fit. `TooSmall` when the first alone does not fit.
    pub fn get_many_into(
        &self,
        buffer: &mut [u8],
        lengths: &mut [usize],
        timeout: Option<Duration>,
    ) -> Result<Received> {
        if lengths.is_empty() {
            return Err(Error::InvalidArgument("max_items is 0"));
        }
        let (guard, mut at, mut len) = self.wait_front(&mut None, timeout)?;
        if len > buffer.len() {
            return Ok(Received::TooSmall(len));
        }
        let state = self.state();
        let capacity = self.capacity() as u64;
        let tail = state.tail.load(Ordering::Acquire);
        let (mut taken, mut filled) = (0, 0);
        loop {
            self.copy_out(at, len, &mut buffer[filled..filled + len]);
            lengths[taken] = len;
            taken += 1;
            filled += len;
            at += record_size(len) as u64;
            if taken == lengths.len() || at == tail {
                break;
            }
            let mut next = at;
            let mut next_len = self.read_len(next);
            if next_len == WRAP {
                next += capacity - next % capacity;
                next_len = self.read_len(next);
            }
            if filled + next_len as usize > buffer.len() {
                break;
            }
            at = next;
            len = next_len as usize;
        }
        self.consume_locked(at, taken as u64);
        let wake = self.putters_to_wake(taken > 1);
        drop(guard);
        Self::wake(&state.gets.0, wake);
        Ok(Received::Copied(taken))
    }

    /// Closes the queue: puts fail with `Closed`, gets drain what is queued
    /// and then fail with `Closed`; every waiter wakes.
    pub fn close(&self) {
        let state = self.state();
        let guard = self.lock();
        state.closed.store(1, Ordering::Relaxed);
        state.puts.0.count.fetch_add(1, Ordering::Release);
        state.gets.0.fetch_add(1, Ordering::Release);
        drop(guard);
        futex::wake(&state.puts.0.count, i32::MAX);
        futex::wake(&state.gets.0, i32::MAX);
        state.done.fetch_add(1, Ordering::Release);
        futex::wake(&state.done, i32::MAX);
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.state().closed.load(Ordering::Relaxed) != 0
    }

    /// Items queued now.
    pub fn len(&self) -> usize {
        let _guard = self.lock();
        self.state().count.load(Ordering::Relaxed) as usize
    }

    /// Whether no item is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item limit given at creation (0 = as many as fit).
    pub fn maxsize(&self) -> usize {
        self.state().maxsize.load(Ordering::Relaxed) as usize
    }

    /// Marks `count` fetched items as processed, for `join`.
    /// `InvalidArgument` when more than were put.
    pub fn task_done(&self, count: u64) -> Result<()> {
        let state = self.state();
        // Under the lock, as puts change it (see `recover_unfinished`).
        let guard = self.lock();
        let unfinished = state.unfinished.load(Ordering::Relaxed);
        let Some(left) = unfinished.checked_sub(count) else {
            return Err(Error::InvalidArgument(
                "task_done called more times than items were put",
            ));
        };
        state.unfinished.store(left, Ordering::Release);
        drop(guard);
        if left == 0 {
            state.done.fetch_add(1, Ordering::Release);
            futex::wake(&state.done, i32::MAX);
        }
        Ok(())
    }

    /// Items put and not yet marked done.
    pub fn unfinished(&self) -> u64 {
        self.state().unfinished.load(Ordering::Relaxed)
    }

    /// Waits until every item put has been marked done.
    pub fn join(&self, timeout: Option<Duration>) -> Result<()> {
        let state = self.state();
        let deadline = Deadline::after(timeout);
        loop {
            let seen = state.done.load(Ordering::Acquire);
            if state.unfinished.load(Ordering::Acquire) == 0 {
                return Ok(());
            }
            let slice = match deadline.remaining() {
                Some(left) if left.is_zero() => return Err(deadline.expired_error()),
                Some(left) => left.min(SLICE),
                None => SLICE,
            };
            futex::wait(&state.done, seen, Some(slice));
        }
    }
}
