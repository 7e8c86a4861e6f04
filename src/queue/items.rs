//! The containers behind locked queue storage, one per kind. Not
//! synchronised: the storage's mutex guards them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::message::Message;
use super::Kind;

/// Items in the order the queue's kind hands them out.
pub(crate) enum Items {
    /// Oldest first.
    Fifo(VecDeque<Message>),
    /// Newest first.
    Lifo(Vec<Message>),
    /// Lowest priority value first; among equal priorities, oldest first
    /// (`next_sequence` numbers the puts).
    Priority {
        heap: BinaryHeap<Ranked>,
        next_sequence: u64,
    },
}

/// A message in a priority queue with the key that orders it.
pub(crate) struct Ranked {
    priority: i64,
    sequence: u64,
    message: Message,
}

impl Ranked {
    fn key(&self) -> (i64, u64) {
        (self.priority, self.sequence)
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    /// Reversed, so that the max-heap's top is the lowest (priority,
    /// sequence): the item due next.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

impl Items {
    pub(crate) fn new(kind: Kind) -> Items {
        match kind {
            Kind::Fifo => Items::Fifo(VecDeque::new()),
            Kind::Lifo => Items::Lifo(Vec::new()),
            Kind::Priority => Items::Priority {
                heap: BinaryHeap::new(),
                next_sequence: 0,
            },
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Items::Fifo(items) => items.len(),
            Items::Lifo(items) => items.len(),
            Items::Priority { heap, .. } => heap.len(),
        }
    }

    /// Adds `message`; `priority` matters only to a priority queue.
    pub(crate) fn push(&mut self, message: Message, priority: i64) {
        match self {
            Items::Fifo(items) => items.push_back(message),
            Items::Lifo(items) => items.push(message),
            Items::Priority {
                heap,
                next_sequence,
            } => {
                heap.push(Ranked {
                    priority,
                    sequence: *next_sequence,
                    message,
                });
                *next_sequence += 1;
            }
        }
    }

    /// Removes and returns the item due next.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        match self {
            Items::Fifo(items) => items.pop_front(),
            Items::Lifo(items) => items.pop(),
            Items::Priority { heap, .. } => heap.pop().map(|ranked| ranked.message),
        }
    }
}
