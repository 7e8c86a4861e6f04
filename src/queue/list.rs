//! An unbounded lock-free FIFO that can be closed: the storage of unbounded
//! FIFO queues.
//!
//! The algorithm is the linked list of blocks that crossbeam's `SegQueue`
//! and crossbeam-channel's list flavour use. Items live in blocks of
//! `BLOCK_CAP` slots; `head` and `tail` hold a position (shifted left by
//! one) and a pointer to the block holding it, and a position whose offset
//! in its lap is `BLOCK_CAP` means "the next block is being installed". Bit
//! 0 of the tail position is the closed mark, so a put either claims its
//! slot before the queue is closed or fails, and a get that finds the queue
//! empty and the mark set knows that no item is still on its way. Bit 0 of
//! the head position says that the head block is not the last one. The
//! tail position counts every put ever made.
//!
//! A batch claims several consecutive slots of one block by moving the
//! tail (or head) past all of them with one CAS, then fills (or reads) each
//! slot as a single put (or get) would.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{fence, AtomicPtr, AtomicUsize, Ordering};

use crossbeam_utils::{Backoff, CachePadded};

use super::storage::{Claims, Popped, Refused};

/// Positions per lap: one per slot, plus the one that stands for "the next
/// block is being installed".
const LAP: usize = 32;
/// Slots per block.
const BLOCK_CAP: usize = LAP - 1;
/// Positions are stored shifted left by this much, leaving bit 0 for a
/// mark.
const SHIFT: usize = 1;
/// In the tail position: closed. In the head position: the head block has
/// a successor.
const MARK: usize = 1;

/// Slot states: the value is written; it has been read; the block's
/// destroyer left the block to this slot's reader.
const WRITTEN: usize = 1;
const READ: usize = 2;
const DESTROY: usize = 4;

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

impl<T> Slot<T> {
    /// Waits until the put that claimed this slot has written it.
    fn wait_written(&self) {
        let backoff = Backoff::new();
        while self.state.load(Ordering::Acquire) & WRITTEN == 0 {
            backoff.snooze();
        }
    }
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    fn new() -> Box<Block<T>> {
        Box::new(Block {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: std::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                state: AtomicUsize::new(0),
            }),
        })
    }

    /// Waits until the put that filled this block's last slot has linked
    /// the next block.
    fn wait_next(&self) -> *mut Block<T> {
        let backoff = Backoff::new();
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            backoff.snooze();
        }
    }

    /// Frees `this` once every slot from `start` on has been read: a slot
    /// still being read gets the DESTROY flag, and its reader frees the
    /// block instead.
    ///
    /// # Safety
    /// `this` is a block whose slots before `start` have all been read and
    /// that nothing else will free.
    unsafe fn destroy(this: *mut Block<T>, start: usize) {
        // The last slot's reader always calls this, so it need not be
        // checked.
        for index in start..BLOCK_CAP - 1 {
            // SAFETY: the caller keeps `this` alive until it is freed here.
            let slot = unsafe { &(*this).slots[index] };
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                return;
            }
        }
        // SAFETY: every slot has been read; nobody else frees the block.
        drop(unsafe { Box::from_raw(this) });
    }
}

/// One end of the list.
struct Position<T> {
    /// Shifted position plus mark.
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

pub(crate) struct List<T> {
    head: CachePadded<Position<T>>,
    tail: CachePadded<Position<T>>,
}

// SAFETY: slot states hand each value from exactly one putter to exactly
// one getter, with release/acquire ordering between them.
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for List<T> {}

/// Items before the shifted position `index` (marks ignored).
fn count(index: usize) -> u64 {
    let position = (index >> SHIFT) as u64;
    position - position / LAP as u64
}

impl<T> List<T> {
    /// An empty list; the first put allocates its first block.
    pub(crate) fn new() -> List<T> {
        List {
            head: CachePadded::new(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
            tail: CachePadded::new(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
        }
    }

    /// Refuses every later put; true the first time.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(MARK, Ordering::SeqCst) & MARK == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Ordering::SeqCst) & MARK != 0
    }

    /// Puts ever made.
    pub(crate) fn pushed(&self) -> u64 {
        count(self.tail.index.load(Ordering::SeqCst))
    }

    /// Items held now (a consistent snapshot of both ends).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return (count(tail) - count(head)) as usize;
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        let tail = self.tail.index.load(Ordering::SeqCst);
        count(head) == count(tail)
    }
}

impl<T> Claims<T> for List<T> {
    /// Adds up to `max` (at least 1) items from `next` with one claim of
    /// consecutive slots in the tail block, unless the list is closed;
    /// `next` is called once per slot claimed. Returns how many went in.
    fn push_many(&self, max: usize, mut next: impl FnMut() -> T) -> Result<usize, Refused<()>> {
        let backoff = Backoff::new();
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let mut block = self.tail.block.load(Ordering::Acquire);
        let mut next_block = None;
        loop {
            if tail & MARK != 0 {
                return Err(Refused::Closed(()));
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another put is installing the next block.
                backoff.snooze();
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            if block.is_null() {
                // The first put installs the first block.
                let first = Box::into_raw(next_block.take().unwrap_or_else(Block::new));
                if self
                    .tail
                    .block
                    .compare_exchange(block, first, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    self.head.block.store(first, Ordering::Release);
                    block = first;
                } else {
                    // SAFETY: `first` was never shared.
                    next_block = Some(unsafe { Box::from_raw(first) });
                    tail = self.tail.index.load(Ordering::Acquire);
                    block = self.tail.block.load(Ordering::Acquire);
                    continue;
                }
            }
            let count = max.min(BLOCK_CAP - offset);
            // About to fill the block: have its successor ready, allocated
            // outside the race.
            if offset + count == BLOCK_CAP && next_block.is_none() {
                next_block = Some(Block::new());
            }
            match self.tail.index.compare_exchange_weak(
                tail,
                tail + (count << SHIFT),
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: the CAS gave this thread slots `offset..offset
                    // + count` of `block`, which stays alive until they are
                    // read.
                    unsafe {
                        if offset + count == BLOCK_CAP {
                            let next = Box::into_raw(next_block.take().expect("allocated above"));
                            self.tail.block.store(next, Ordering::Release);
                            self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
                            (*block).next.store(next, Ordering::Release);
                        }
                        let slots = &(*block).slots;
                        for slot in &slots[offset..offset + count] {
                            (*slot.value.get()).write(next());
                            slot.state.fetch_or(WRITTEN, Ordering::Release);
                        }
                    }
                    return Ok(count);
                }
                Err(current) => {
                    tail = current;
                    block = self.tail.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Takes up to `max` (at least 1) of the oldest items with one claim of
    /// consecutive slots in the head block, handing each to `sink` in
    /// order. Returns how many it took.
    fn pop_many(&self, max: usize, mut sink: impl FnMut(T)) -> Popped<usize> {
        let backoff = Backoff::new();
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another get is moving the head to the next block.
                backoff.snooze();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let mut count = max.min(BLOCK_CAP - offset);
            let mut mark = head & MARK;
            if mark == 0 {
                // Not known to have a successor block: compare with the tail.
                fence(Ordering::SeqCst);
                let tail = self.tail.index.load(Ordering::Relaxed);
                if head >> SHIFT == tail >> SHIFT {
                    return if tail & MARK != 0 {
                        Popped::Closed
                    } else {
                        Popped::Empty
                    };
                }
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    mark = MARK;
                } else {
                    count = count.min((tail >> SHIFT) - (head >> SHIFT));
                }
            }
            if block.is_null() {
                // The first put is installing the first block.
                backoff.snooze();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let new_head = ((head & !MARK) + (count << SHIFT)) | mark;
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: the CAS gave this thread slots `offset..offset
                    // + count` of `block`; puts have claimed them, and the
                    // block lives until this thread has read them.
                    unsafe {
                        if offset + count == BLOCK_CAP {
                            let next = (*block).wait_next();
                            let mut next_index = (new_head & !MARK).wrapping_add(1 << SHIFT);
                            if !(*next).next.load(Ordering::Relaxed).is_null() {
                                next_index |= MARK;
                            }
                            self.head.block.store(next, Ordering::Release);
                            self.head.index.store(next_index, Ordering::Release);
                        }
                        for index in offset..offset + count {
                            let slot = &(*block).slots[index];
                            slot.wait_written();
                            sink((*slot.value.get()).assume_init_read());
                            // The last slot's reader frees the block, or
                            // the reader of a slot it found unread does.
                            if index + 1 == BLOCK_CAP {
                                Block::destroy(block, 0);
                            } else if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
                                Block::destroy(block, index + 1);
                            }
                        }
                    }
                    return Popped::Item(count);
                }
                Err(current) => {
                    head = current;
                    block = self.head.block.load(Ordering::Acquire);
                    backoff.spin();
                }
            }
        }
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        let mut head = *self.head.index.get_mut() & !MARK;
        let tail = *self.tail.index.get_mut() & !MARK;
        let mut block = *self.head.block.get_mut();
        // SAFETY: with `&mut self` no put or get runs; the slots from head
        // to tail hold values, and every block on the way is still linked.
        unsafe {
            while head != tail {
                let offset = (head >> SHIFT) % LAP;
                if offset < BLOCK_CAP {
                    (*(*block).slots[offset].value.get()).assume_init_drop();
                } else {
                    let next = *(*block).next.get_mut();
                    drop(Box::from_raw(block));
                    block = next;
                }
                head = head.wrapping_add(1 << SHIFT);
            }
            if !block.is_null() {
                drop(Box::from_raw(block));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_across_blocks_and_counts() {
        let list = List::new();
        assert!(matches!(list.pop(), Popped::Empty));
        for round in 0..3u64 {
            for value in 0..100 {
                list.push(round * 100 + value).unwrap();
            }
            assert_eq!(list.len(), 100);
            for value in 0..100 {
                assert!(matches!(list.pop(), Popped::Item(v) if v == round * 100 + value));
            }
            assert!(list.is_empty());
            assert_eq!(list.pushed(), (round + 1) * 100);
        }
    }

    #[test]
    fn closing_refuses_puts_and_drains() {
        let list = List::new();
        list.push(1).unwrap();
        assert!(list.close());
        assert!(list.is_closed());
        assert!(matches!(list.push(2), Err(Refused::Closed(2))));
        assert!(matches!(list.pop(), Popped::Item(1)));
        assert!(matches!(list.pop(), Popped::Closed));
        assert_eq!(list.pushed(), 1);
    }

    #[test]
    fn dropping_frees_what_is_left() {
        let item = std::sync::Arc::new(());
        for (pushes, pops) in [(0, 0), (5, 2), (40, 3), (62, 31), (70, 70)] {
            let list = List::new();
            for _ in 0..pushes {
                list.push(item.clone()).unwrap();
            }
            for _ in 0..pops {
                assert!(matches!(list.pop(), Popped::Item(_)));
            }
            drop(list);
            assert_eq!(std::sync::Arc::strong_count(&item), 1);
        }
    }
}
