//! Where a queue keeps its items: a lock-free list (unbounded FIFO), a
//! lock-free ring preallocated to `maxsize` (bounded FIFO up to
//! [`RING_LIMIT`] items), or a container under a mutex (LIFO, priority and
//! larger bounded FIFO queues). A FIFO queue of 64-bit values keeps bare
//! `u64`s in its list or ring: half the memory traffic of a message, and
//! batches that claim many slots at once. Each can be closed, refusing
//! later puts, and counts the puts ever made. Every operation is
//! non-blocking; waiting is the queue's business.

use crate::lock::Mutex;

use super::items::{Items, Key};
use super::list::List;
use super::message::Message;
use super::ring::Ring;
use super::Kind;

/// Bounded FIFO queues up to this many items use a preallocated ring; larger
/// ones allocate as they fill instead.
pub const RING_LIMIT: usize = 1 << 16;

/// Why a push gave the value back.
#[derive(Debug)]
pub(crate) enum Refused<T> {
    Full(T),
    Closed(T),
}

/// What a pop found.
#[derive(Debug)]
pub(crate) enum Popped<T> {
    Item(T),
    /// Nothing now; a later put may add something.
    Empty,
    /// Nothing, and closed: no put can add anything any more.
    Closed,
}

/// A lock-free FIFO whose puts and gets claim consecutive slots: a single
/// item is a batch of one.
pub(crate) trait Claims<T> {
    /// Adds up to `max` (at least 1) items from `next` with one claim,
    /// unless the storage is full or closed; `next` is called once per slot
    /// claimed. Returns how many went in.
    fn push_many(&self, max: usize, next: impl FnMut() -> T) -> Result<usize, Refused<()>>;

    /// Takes up to `max` (at least 1) of the oldest items with one claim,
    /// handing each to `sink` in order. Returns how many it took.
    fn pop_many(&self, max: usize, sink: impl FnMut(T)) -> Popped<usize>;

    /// Adds `value` unless the storage is full or closed.
    fn push(&self, value: T) -> Result<(), Refused<T>> {
        let mut value = Some(value);
        match self.push_many(1, || value.take().expect("one slot claimed")) {
            Ok(_) => Ok(()),
            Err(refused) => Err(refused.map(|()| value.take().expect("not put"))),
        }
    }

    /// Takes the oldest item, if any.
    fn pop(&self) -> Popped<T> {
        let mut taken = None;
        self.pop_many(1, |value| taken = Some(value))
            .map(|_| taken.expect("one slot claimed"))
    }
}

pub(crate) enum Storage {
    List(List<Message>),
    Ring(Ring<Message>),
    ValueList(List<u64>),
    ValueRing(Ring<u64>),
    Locked(Mutex<Locked>),
}

impl<T> Refused<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Refused<U> {
        match self {
            Refused::Full(item) => Refused::Full(f(item)),
            Refused::Closed(item) => Refused::Closed(f(item)),
        }
    }
}

impl<T> Popped<T> {
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Popped<U> {
        match self {
            Popped::Item(item) => Popped::Item(f(item)),
            Popped::Empty => Popped::Empty,
            Popped::Closed => Popped::Closed,
        }
    }
}

/// Locked storage and its bookkeeping, all under one mutex.
pub(crate) struct Locked {
    items: Items,
    /// Most items held; 0 = unbounded.
    maxsize: usize,
    closed: bool,
    pushed: u64,
}

impl Storage {
    /// Storage for a queue of `kind` holding at most `maxsize` items (0 =
    /// unbounded); `values` when every item is an 8-byte value.
    pub(crate) fn new(kind: Kind, maxsize: usize, values: bool) -> Storage {
        match kind {
            Kind::Fifo if maxsize == 0 && values => Storage::ValueList(List::new()),
            Kind::Fifo if maxsize == 0 => Storage::List(List::new()),
            Kind::Fifo if maxsize <= RING_LIMIT && values => Storage::ValueRing(Ring::new(maxsize)),
            Kind::Fifo if maxsize <= RING_LIMIT => Storage::Ring(Ring::new(maxsize)),
            _ => Storage::Locked(Mutex::new(Locked {
                items: Items::new(kind),
                maxsize,
                closed: false,
                pushed: 0,
            })),
        }
    }

    /// Adds `message` unless the storage is full or closed. `key` matters
    /// only to a priority queue; value storage takes only 8-byte messages
    /// without attachments (the queue checks).
    pub(crate) fn push(&self, message: Message, key: Key) -> Result<(), Refused<Message>> {
        match self {
            Storage::List(list) => list.push(message),
            Storage::Ring(ring) => ring.push(message),
            Storage::ValueList(_) | Storage::ValueRing(_) => self
                .push_value(value_of(&message))
                .map_err(|refused| refused.map(Message::from_u64)),
            Storage::Locked(locked) => {
                let mut locked = locked.lock();
                if locked.closed {
                    return Err(Refused::Closed(message));
                }
                if locked.maxsize != 0 && locked.items.len() >= locked.maxsize {
                    return Err(Refused::Full(message));
                }
                locked.items.push(message, key);
                locked.pushed += 1;
                Ok(())
            }
        }
    }

    /// Removes the item due next, if any.
    pub(crate) fn pop(&self) -> Popped<Message> {
        match self {
            Storage::List(list) => list.pop(),
            Storage::Ring(ring) => ring.pop(),
            Storage::ValueList(list) => list.pop().map(Message::from_u64),
            Storage::ValueRing(ring) => ring.pop().map(Message::from_u64),
            Storage::Locked(locked) => {
                let mut locked = locked.lock();
                match locked.items.pop() {
                    Some(message) => Popped::Item(message),
                    None if locked.closed => Popped::Closed,
                    None => Popped::Empty,
                }
            }
        }
    }

    /// Adds an 8-byte value (as a message, unless this is value storage).
    #[inline]
    pub(crate) fn push_value(&self, value: u64) -> Result<(), Refused<u64>> {
        match self {
            Storage::ValueList(list) => list.push(value),
            Storage::ValueRing(ring) => ring.push(value),
            _ => self
                .push(Message::from_u64(value), Key::Int(0))
                .map_err(|refused| refused.map(|message| value_of(&message))),
        }
    }

    /// Removes the item due next, as a value when it is 8 bytes long, else
    /// as the message.
    #[inline(always)]
    pub(crate) fn pop_value(&self) -> Popped<Result<u64, Message>> {
        match self {
            Storage::ValueList(list) => list.pop().map(Ok),
            Storage::ValueRing(ring) => ring.pop().map(Ok),
            _ => self.pop().map(|message| message.to_u64().ok_or(message)),
        }
    }

    /// Adds the first values of `values` (at least one, unless refused):
    /// several with one claim in value storage, else one. Returns how many.
    pub(crate) fn push_values(&self, values: &[u64]) -> Result<usize, Refused<()>> {
        let mut next = values.iter().copied();
        let mut take = || next.next().expect("no more claimed than given");
        match self {
            Storage::ValueList(list) => list.push_many(values.len(), &mut take),
            Storage::ValueRing(ring) => ring.push_many(values.len(), &mut take),
            _ => self
                .push_value(take())
                .map(|()| 1)
                .map_err(|refused| refused.map(drop)),
        }
    }

    /// For value storage, takes up to `values.len()` of the items due next
    /// with one claim into the front of `values`, returning how many; `None`
    /// for other storage, whose items may be of other lengths.
    pub(crate) fn pop_values(&self, values: &mut [u64]) -> Option<Popped<usize>> {
        let room = values.len();
        let mut slots = values.iter_mut();
        let mut put = |value| *slots.next().expect("no more claimed than room") = value;
        match self {
            Storage::ValueList(list) => Some(list.pop_many(room, &mut put)),
            Storage::ValueRing(ring) => Some(ring.pop_many(room, &mut put)),
            _ => None,
        }
    }

    /// Refuses every later push.
    pub(crate) fn close(&self) {
        match self {
            Storage::List(list) => {
                list.close();
            }
            Storage::Ring(ring) => {
                ring.close();
            }
            Storage::ValueList(list) => {
                list.close();
            }
            Storage::ValueRing(ring) => {
                ring.close();
            }
            Storage::Locked(locked) => locked.lock().closed = true,
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Storage::List(list) => list.is_closed(),
            Storage::Ring(ring) => ring.is_closed(),
            Storage::ValueList(list) => list.is_closed(),
            Storage::ValueRing(ring) => ring.is_closed(),
            Storage::Locked(locked) => locked.lock().closed,
        }
    }

    /// Pushes ever made.
    pub(crate) fn pushed(&self) -> u64 {
        match self {
            Storage::List(list) => list.pushed(),
            Storage::Ring(ring) => ring.pushed(),
            Storage::ValueList(list) => list.pushed(),
            Storage::ValueRing(ring) => ring.pushed(),
            Storage::Locked(locked) => locked.lock().pushed,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Storage::List(list) => list.len(),
            Storage::Ring(ring) => ring.len(),
            Storage::ValueList(list) => list.len(),
            Storage::ValueRing(ring) => ring.len(),
            Storage::Locked(locked) => locked.lock().items.len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Storage::List(list) => list.is_empty(),
            Storage::Ring(ring) => ring.is_empty(),
            Storage::ValueList(list) => list.is_empty(),
            Storage::ValueRing(ring) => ring.is_empty(),
            Storage::Locked(locked) => locked.lock().items.len() == 0,
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        match self {
            Storage::List(_) | Storage::ValueList(_) => false,
            Storage::Ring(ring) => ring.is_full(),
            Storage::ValueRing(ring) => ring.is_full(),
            Storage::Locked(locked) => {
                let locked = locked.lock();
                locked.maxsize != 0 && locked.items.len() >= locked.maxsize
            }
        }
    }
}

/// The value of an 8-byte message, which value storage holds.
fn value_of(message: &Message) -> u64 {
    message
        .to_u64()
        .expect("the queue lets only 8-byte messages into value storage")
}
