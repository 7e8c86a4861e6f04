//! A bounded lock-free FIFO that can be closed: the storage of bounded FIFO
//! queues.
//!
//! The algorithm is Dmitry Vyukov's bounded MPMC queue in the form
//! crossbeam-channel's array flavour gives it: each slot has a stamp saying
//! whether it is ready for the put or the get of a given lap, and `head` and
//! `tail` hold a lap and an index. `tail` also holds the closed mark, so a
//! put either claims its slot before the queue is closed or fails; a get
//! that finds the queue empty and the mark set knows that no item is still
//! on its way. `tail` counts every put ever made, which the queue uses for
//! `task_done`/`join` instead of a counter of its own.
//!
//! A batch claims the consecutive slots of one lap that its stamps show
//! ready, moving `tail` (or `head`) past all of them with one CAS: a slot
//! seen ready stays ready until a claim moves past it, so a successful CAS
//! owns every slot it passed.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crossbeam_utils::{Backoff, CachePadded};

use super::storage::{Claims, Popped, Refused};

struct Slot<T> {
    /// `lap + index` when the slot is ready for the put of that position;
    /// one more when it holds the item for the get of that position.
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Ring<T> {
    /// Lap and index of the next get.
    head: CachePadded<AtomicUsize>,
    /// Lap and index of the next put, plus `closed_bit` once closed.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// `slots.len()`.
    capacity: usize,
    /// The smallest power of two above `capacity`: the closed mark in
    /// `tail`; below it, the index.
    closed_bit: usize,
    /// Twice `closed_bit`: one lap.
    one_lap: usize,
}

// SAFETY: the stamps hand each value from exactly one putter to exactly one
// getter, with release/acquire ordering between them.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// An empty ring with room for `capacity` items (at least 1).
    pub(crate) fn new(capacity: usize) -> Ring<T> {
        assert!(capacity > 0, "a ring holds at least one item");
        let closed_bit = (capacity + 1).next_power_of_two();
        let slots = (0..capacity)
            .map(|index| Slot {
                stamp: AtomicUsize::new(index),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            capacity,
            closed_bit,
            one_lap: closed_bit * 2,
        }
    }

    /// The position `count` after `position`, which has at least `count`
    /// slots left in its lap: the index `count` further on, or index 0 of
    /// the next lap.
    fn advance(&self, position: usize, count: usize) -> usize {
        let index = position & (self.closed_bit - 1);
        if index + count < self.capacity {
            position + count
        } else {
            (position & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// How many positions come before `position` (ignoring the closed mark).
    fn count(&self, position: usize) -> u64 {
        let laps = (position / self.one_lap) as u64;
        laps * self.capacity as u64 + (position & (self.closed_bit - 1)) as u64
    }

    /// For a put that found the slot at `tail` not free: `Full` when the
    /// ring is full; otherwise waits a moment and returns `None` to retry.
    fn push_refused(&self, tail: usize, backoff: &Backoff) -> Option<Refused<()>> {
        let stamp = self.slots[tail & (self.closed_bit - 1)]
            .stamp
            .load(Ordering::Acquire);
        if stamp.wrapping_add(self.one_lap) == tail + 1 {
            // The slot still holds the previous lap's item: full, unless a
            // get is just taking it.
            fence(Ordering::SeqCst);
            if self.head.load(Ordering::Relaxed).wrapping_add(self.one_lap) == tail {
                return Some(Refused::Full(()));
            }
            backoff.spin();
        } else {
            // Another put claimed this position and moved on.
            backoff.snooze();
        }
        None
    }

    /// For a get that found the slot at `head` without an item: `Empty` or
    /// `Closed` when the ring is empty; otherwise waits a moment and returns
    /// `None` to retry.
    fn pop_refused<U>(&self, head: usize, backoff: &Backoff) -> Option<Popped<U>> {
        let stamp = self.slots[head & (self.closed_bit - 1)]
            .stamp
            .load(Ordering::Acquire);
        if stamp == head {
            // Nothing here yet: empty, unless a put has claimed the slot
            // and is writing it (then wait for it).
            fence(Ordering::SeqCst);
            let tail = self.tail.load(Ordering::Relaxed);
            if tail & !self.closed_bit == head {
                return Some(if tail & self.closed_bit != 0 {
                    Popped::Closed
                } else {
                    Popped::Empty
                });
            }
            backoff.spin();
        } else {
            // Another get took this position and moved on.
            backoff.snooze();
        }
        None
    }

    /// Refuses every later put; true the first time.
    pub(crate) fn close(&self) -> bool {
        self.tail.fetch_or(self.closed_bit, Ordering::SeqCst) & self.closed_bit == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.load(Ordering::SeqCst) & self.closed_bit != 0
    }

    /// Puts ever made.
    pub(crate) fn pushed(&self) -> u64 {
        self.count(self.tail.load(Ordering::SeqCst) & !self.closed_bit)
    }

    /// Items held now (a consistent snapshot of both ends).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                return (self.count(tail & !self.closed_bit) - self.count(head)) as usize;
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        tail & !self.closed_bit == head
    }

    pub(crate) fn is_full(&self) -> bool {
        let tail = self.tail.load(Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        head.wrapping_add(self.one_lap) == tail & !self.closed_bit
    }
}

impl<T> Claims<T> for Ring<T> {
    /// Adds up to `max` (at least 1) items from `next` with one claim of
    /// consecutive free slots in the current lap, unless the ring is full or
    /// closed; `next` is called once per slot claimed. Returns how many went
    /// in.
    fn push_many(&self, max: usize, mut next: impl FnMut() -> T) -> Result<usize, Refused<()>> {
        let backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.closed_bit != 0 {
                return Err(Refused::Closed(()));
            }
            let index = tail & (self.closed_bit - 1);
            // Free slots for this lap from the tail on: once seen free, a
            // slot stays free until a put claims it by moving the tail.
            let free = (0..max.min(self.capacity - index))
                .take_while(|&offset| {
                    self.slots[index + offset].stamp.load(Ordering::Acquire) == tail + offset
                })
                .count();
            if free == 0 {
                if let Some(refused) = self.push_refused(tail, &backoff) {
                    return Err(refused);
                }
                tail = self.tail.load(Ordering::Relaxed);
                continue;
            }
            match self.tail.compare_exchange_weak(
                tail,
                self.advance(tail, free),
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    for offset in 0..free {
                        let slot = &self.slots[index + offset];
                        // SAFETY: the CAS gave this thread these slots,
                        // which their stamps said were empty.
                        unsafe { (*slot.value.get()).write(next()) };
                        slot.stamp.store(tail + offset + 1, Ordering::Release);
                    }
                    return Ok(free);
                }
                Err(current) => {
                    tail = current;
                    backoff.spin();
                }
            }
        }
    }

    /// Takes up to `max` (at least 1) of the oldest items with one claim of
    /// consecutive full slots in the current lap, handing each to `sink` in
    /// order. Returns how many it took.
    fn pop_many(&self, max: usize, mut sink: impl FnMut(T)) -> Popped<usize> {
        let backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let index = head & (self.closed_bit - 1);
            // Full slots from the head on: once seen full, a slot stays
            // full until a get claims it by moving the head.
            let full = (0..max.min(self.capacity - index))
                .take_while(|&offset| {
                    self.slots[index + offset].stamp.load(Ordering::Acquire) == head + offset + 1
                })
                .count();
            if full == 0 {
                if let Some(nothing) = self.pop_refused(head, &backoff) {
                    return nothing;
                }
                head = self.head.load(Ordering::Relaxed);
                continue;
            }
            match self.head.compare_exchange_weak(
                head,
                self.advance(head, full),
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    for offset in 0..full {
                        let slot = &self.slots[index + offset];
                        // SAFETY: the CAS gave this thread these slots,
                        // which their stamps said hold values.
                        let value = unsafe { (*slot.value.get()).assume_init_read() };
                        slot.stamp.store(
                            (head + offset).wrapping_add(self.one_lap),
                            Ordering::Release,
                        );
                        sink(value);
                    }
                    return Popped::Item(full);
                }
                Err(current) => {
                    head = current;
                    backoff.spin();
                }
            }
        }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        let head = *self.head.get_mut();
        let left = self.len();
        let first = head & (self.closed_bit - 1);
        for offset in 0..left {
            let index = (first + offset) % self.capacity;
            // SAFETY: with `&mut self` no put or get runs; the `left` slots
            // from the head on hold values.
            unsafe { (*self.slots[index].value.get()).assume_init_drop() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(ring: &Ring<u32>) -> Vec<u32> {
        std::iter::from_fn(|| match ring.pop() {
            Popped::Item(value) => Some(value),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn fills_wraps_and_counts() {
        let ring = Ring::new(3);
        for lap in 0..5 {
            for value in 0..3 {
                assert!(ring.push(lap * 3 + value).is_ok());
            }
            assert!(ring.is_full());
            assert!(matches!(ring.push(99), Err(Refused::Full(99))));
            assert_eq!(ring.len(), 3);
            assert_eq!(values(&ring), [lap * 3, lap * 3 + 1, lap * 3 + 2]);
            assert!(ring.is_empty());
            assert_eq!(ring.pushed(), u64::from(lap + 1) * 3);
        }
    }

    #[test]
    fn closing_refuses_puts_and_drains() {
        let ring = Ring::new(4);
        ring.push(String::from("a")).unwrap();
        ring.push(String::from("b")).unwrap();
        assert!(ring.close());
        assert!(!ring.close());
        assert!(matches!(ring.push(String::from("c")), Err(Refused::Closed(c)) if c == "c"));
        assert_eq!(ring.len(), 2);
        assert!(matches!(ring.pop(), Popped::Item(a) if a == "a"));
        assert!(matches!(ring.pop(), Popped::Item(b) if b == "b"));
        assert!(matches!(ring.pop(), Popped::Closed));
        assert_eq!(ring.pushed(), 2);
    }

    #[test]
    fn dropping_frees_what_is_left() {
        let item = std::sync::Arc::new(());
        let ring = Ring::new(2);
        for _ in 0..3 {
            ring.push(item.clone()).unwrap();
            assert!(matches!(ring.pop(), Popped::Item(_)));
        }
        ring.push(item.clone()).unwrap();
        ring.push(item.clone()).unwrap();
        drop(ring);
        assert_eq!(std::sync::Arc::strong_count(&item), 1);
    }
}
