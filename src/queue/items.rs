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
    /// Lowest key first; among equal keys, oldest first (`next_sequence`
    /// numbers the puts).
    Priority {
        heap: BinaryHeap<Ranked>,
        next_sequence: u64,
    },
}

/// What orders an item in a priority queue: byte strings compared
/// lexicographically (unsigned bytes, a proper prefix first). An `i64`
/// priority is the 8-byte key of its big-endian offset-binary form (sign bit
/// flipped), so integer priorities and byte keys share one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// A 64-bit priority, lower first.
    Int(i64),
    /// A byte key.
    Bytes(Box<[u8]>),
}

impl Key {
    /// The 8 bytes an `i64` priority orders as.
    pub fn int_bytes(priority: i64) -> [u8; 8] {
        ((priority as u64) ^ (1 << 63)).to_be_bytes()
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (Key::Int(a), Key::Bytes(b)) => Key::int_bytes(*a)[..].cmp(b),
            (Key::Bytes(a), Key::Int(b)) => a[..].cmp(&Key::int_bytes(*b)[..]),
            (Key::Bytes(a), Key::Bytes(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A message in a priority queue with the key that orders it.
pub(crate) struct Ranked {
    key: Key,
    sequence: u64,
    message: Message,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
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
        other
            .key
            .cmp(&self.key)
            .then(other.sequence.cmp(&self.sequence))
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

    /// Adds `message`; `key` matters only to a priority queue.
    pub(crate) fn push(&mut self, message: Message, key: Key) {
        match self {
            Items::Fifo(items) => items.push_back(message),
            Items::Lifo(items) => items.push(message),
            Items::Priority {
                heap,
                next_sequence,
            } => {
                heap.push(Ranked {
                    key,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_priorities_and_byte_keys_share_one_order() {
        let mut keys = vec![
            Key::Bytes(Box::new(Key::int_bytes(3))),
            Key::Int(-5),
            Key::Bytes(Box::new([0x80])),
            Key::Int(i64::MAX),
            Key::Bytes(Box::new([])),
            Key::Int(0),
            Key::Bytes(Box::new([0xff; 9])),
            Key::Int(i64::MIN),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                Key::Bytes(Box::new([])),
                Key::Int(i64::MIN),
                Key::Int(-5),
                Key::Bytes(Box::new([0x80])),
                Key::Int(0),
                Key::Bytes(Box::new(Key::int_bytes(3))),
                Key::Int(i64::MAX),
                Key::Bytes(Box::new([0xff; 9])),
            ]
        );
    }
}
