//! Where a queue keeps its items: a lock-free list (unbounded FIFO), a
//! lock-free ring preallocated to `maxsize` (bounded FIFO up to
//! [`RING_LIMIT`] items), or a container under a mutex (LIFO, priority and
//! larger bounded FIFO queues). Every operation is non-blocking; waiting is
//! the queue's business.

use crossbeam_queue::{ArrayQueue, SegQueue};
use parking_lot::Mutex;

use super::items::Items;
use super::message::Message;
use super::Kind;

/// Bounded FIFO queues up to this many items use a preallocated ring; larger
/// ones allocate as they fill instead.
pub const RING_LIMIT: usize = 1 << 16;

pub(crate) enum Storage {
    List(SegQueue<Message>),
    Ring(ArrayQueue<Message>),
    Locked { items: Mutex<Items>, maxsize: usize },
}

impl Storage {
    pub(crate) fn new(kind: Kind, maxsize: usize) -> Storage {
        match kind {
            Kind::Fifo if maxsize == 0 => Storage::List(SegQueue::new()),
            Kind::Fifo if maxsize <= RING_LIMIT => Storage::Ring(ArrayQueue::new(maxsize)),
            _ => Storage::Locked {
                items: Mutex::new(Items::new(kind)),
                maxsize,
            },
        }
    }

    /// Adds `message` unless the storage is full, in which case it comes
    /// back. `priority` matters only to a priority queue.
    pub(crate) fn try_push(&self, message: Message, priority: i64) -> Result<(), Message> {
        match self {
            Storage::List(list) => {
                list.push(message);
                Ok(())
            }
            Storage::Ring(ring) => ring.push(message),
            Storage::Locked { items, maxsize } => {
                let mut items = items.lock();
                if *maxsize != 0 && items.len() >= *maxsize {
                    return Err(message);
                }
                items.push(message, priority);
                Ok(())
            }
        }
    }

    /// Removes the item due next, if any.
    pub(crate) fn try_pop(&self) -> Option<Message> {
        match self {
            Storage::List(list) => list.pop(),
            Storage::Ring(ring) => ring.pop(),
            Storage::Locked { items, .. } => items.lock().pop(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Storage::List(list) => list.len(),
            Storage::Ring(ring) => ring.len(),
            Storage::Locked { items, .. } => items.lock().len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Storage::List(list) => list.is_empty(),
            Storage::Ring(ring) => ring.is_empty(),
            Storage::Locked { items, .. } => items.lock().len() == 0,
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        match self {
            Storage::List(_) => false,
            Storage::Ring(ring) => ring.is_full(),
            Storage::Locked { items, maxsize } => *maxsize != 0 && items.lock().len() >= *maxsize,
        }
    }
}
