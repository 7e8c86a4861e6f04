//! Queues: FIFO, LIFO and priority, bounded or not, blocking with timeouts,
//! closable, with `task_done`/`join`; and publish/subscribe topics that fan
//! messages out to queues.
//!
//! An item is a byte message, copied in on put and copied out on get, so one
//! queue serves C, Python and Go alike. A 64-bit value is simply an 8-byte
//! message in native byte order: [`Queue::put_u64`] and [`Queue::get_u64`]
//! are shortcuts that never allocate, and any 8-byte message can be read
//! either way. Messages of up to [`INLINE_CAPACITY`] bytes are stored without
//! a heap allocation.
//!
//! FIFO queues keep their items in a lock-free queue (a list when unbounded,
//! a preallocated ring when bounded by up to [`RING_LIMIT`] items); LIFO,
//! priority and larger bounded queues keep them under a mutex. The storage
//! itself can be closed and counts the puts ever made, so a put costs what
//! the storage's own push costs plus one load to see whether a getter
//! sleeps; `task_done` counts in a word of its own. Batches of 64-bit
//! values claim many consecutive slots of the list or ring at once.
//! Blocked getters, putters and joiners spin briefly and then sleep (see
//! `waiters`).
//!
//! Attachments: a queue created with a release function ([`Queue::with_release`])
//! also carries, with each message, an optional opaque pointer-sized token
//! (a binding's reference to one of its own objects: Python puts a strong
//! reference to the object itself, so the object that comes out is the one
//! that went in). The token leaves the queue exactly once: handed to the
//! caller of an attachment-aware get ([`Queue::get_attached_into`]), or
//! given to the release function whenever the item leaves in any other way
//! (a plain byte get, an immediate shutdown, the queue dropped). The
//! release function is never called with a lock of the queue held, so it
//! may run arbitrary code (even use the queue).
//!
//! Priority queues order by [`Key`]: byte strings compared lexicographically,
//! of which an `i64` priority is one (its big-endian offset-binary bytes).
//!
//! Invariants:
//! - Every successful put adds exactly one item, and every item leaves the
//!   queue exactly once: through a get, or discarded by an immediate shutdown
//!   or by freeing the queue; its attachment, if any, goes to the caller of
//!   an attachment-aware get or else to the release function, once. A put that fails leaves the caller's message
//!   with the caller; a get that fails takes nothing.
//! - Order: FIFO oldest first (so FIFO per producer); LIFO newest first;
//!   priority lowest key first and, among equal keys, oldest first.
//! - A get whose buffer is too small (or a `get_u64` that finds an item that
//!   is not 8 bytes) reports the size and leaves the item at the head of the
//!   queue, in a side slot that every get serves first (an attachment-aware
//!   get that finds an item without attachment leaves it there too). Such
//!   items live outside the bounded storage but count towards `maxsize`: a
//!   put waits while they fill it, so a bounded queue holds at most
//!   `maxsize` items, plus the few left there while a put was already
//!   claiming its place.
//! - `unfinished_tasks` counts successful puts minus `task_done` calls minus
//!   items discarded by an immediate shutdown; it never goes below zero (a
//!   `task_done` that would take it there fails and changes nothing). A put
//!   is counted when it claims its place, before the item becomes visible,
//!   so a consumer's `task_done` never finds it missing.
//! - After a shutdown, puts fail with `Closed`; gets take what is left and
//!   then fail with `Closed` (a put either claimed its place before the
//!   shutdown, and a get waits for its item, or fails, so no item is
//!   stranded); every blocked putter and getter wakes. Joiners keep waiting
//!   for the tasks still counted, unless the queue is abandoned (its handle
//!   freed), which wakes them with `Closed` too.
//! - A waiter that is woken always re-checks the queue before giving up on
//!   its deadline, and a getter that leaves an item in place wakes another
//!   getter, so an item never waits while a getter that could take it sleeps.

mod items;
mod list;
mod message;
mod ring;
mod storage;
mod topic;
mod waiters;

#[cfg(test)]
mod tests;

pub use items::Key;
pub use message::INLINE_CAPACITY;
pub use storage::RING_LIMIT;
pub use topic::{Delivery, Topic};

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::lock::Mutex;
use crossbeam_utils::{Backoff, CachePadded};

use crate::time::Deadline;
use crate::{Error, Result};
use message::Message;
use storage::{Popped, Refused, Storage};
use waiters::Waiters;

/// Largest item a queue accepts unless created with another limit: 64 MiB.
pub const DEFAULT_MAX_ITEM_SIZE: usize = 64 << 20;

/// The order in which a queue hands out its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// First in, first out (Python's `Queue`).
    Fifo,
    /// Last in, first out (Python's `LifoQueue`).
    Lifo,
    /// Lowest priority value first, first in first out among equal
    /// priorities (Python's `PriorityQueue`).
    Priority,
}

/// What a get into the caller's buffer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Copied this much out of the queue: bytes for one item, items for a
    /// batch.
    Copied(usize),
    /// The next item needs a buffer of this many bytes; it stays queued.
    TooSmall(usize),
}

/// Receives each attachment that leaves a queue other than through an
/// attachment-aware get.
pub type Release = Box<dyn Fn(usize) + Send + Sync>;

/// A blocking queue of byte messages.
pub struct Queue {
    /// Takes attachments back; `None`: the queue takes none.
    release: Option<Release>,
    storage: Storage,
    /// Items a get took but could not hand over; served before `storage`.
    head: Mutex<VecDeque<Message>>,
    /// `head.len()`, readable without the lock. Read by every get, so it
    /// keeps a cache line of its own.
    head_len: CachePadded<AtomicUsize>,
    /// Items an attachment-aware get has taken from storage and may leave
    /// at the head: they still count towards `maxsize` meanwhile.
    reserved: AtomicUsize,
    /// `task_done` calls plus items discarded by an immediate shutdown;
    /// never more than the storage's count of puts.
    done: CachePadded<AtomicU64>,
    /// Freed by its owner: joiners give up too.
    abandoned: AtomicBool,
    getters: CachePadded<Waiters>,
    putters: CachePadded<Waiters>,
    joiners: Waiters,
    kind: Kind,
    /// Most items held at once; 0 = unbounded.
    maxsize: usize,
    max_item_size: usize,
    /// Every item is an 8-byte value.
    values: bool,
}

impl Queue {
    /// A queue of `kind` holding at most `maxsize` items (0 = unbounded),
    /// each at most `max_item_size` bytes long (0 = [`DEFAULT_MAX_ITEM_SIZE`]).
    pub fn new(kind: Kind, maxsize: usize, max_item_size: usize) -> Queue {
        let max_item_size = match max_item_size {
            0 => DEFAULT_MAX_ITEM_SIZE,
            limit => limit.min(isize::MAX as usize),
        };
        Queue::with_storage(kind, maxsize, max_item_size, false)
    }

    /// Like [`Queue::new`], for a queue whose items may carry attachments:
    /// `release` gets each attachment that leaves the queue other than
    /// through [`Queue::get_attached_into`] or [`Queue::get_many_attached_into`].
    pub fn with_release(
        kind: Kind,
        maxsize: usize,
        max_item_size: usize,
        release: Release,
    ) -> Queue {
        let mut queue = Queue::new(kind, maxsize, max_item_size);
        queue.release = Some(release);
        queue
    }

    /// A queue of 64-bit values: every item is exactly 8 bytes long (other
    /// lengths fail with `InvalidArgument`). A FIFO one stores bare values,
    /// which makes it the fastest queue for integers and pointers.
    pub fn new_values(kind: Kind, maxsize: usize) -> Queue {
        Queue::with_storage(kind, maxsize, 8, true)
    }

    fn with_storage(kind: Kind, maxsize: usize, max_item_size: usize, values: bool) -> Queue {
        Queue {
            release: None,
            storage: Storage::new(kind, maxsize, values),
            head: Mutex::new(VecDeque::new()),
            head_len: CachePadded::new(AtomicUsize::new(0)),
            reserved: AtomicUsize::new(0),
            done: CachePadded::new(AtomicU64::new(0)),
            abandoned: AtomicBool::new(false),
            getters: CachePadded::new(Waiters::new()),
            putters: CachePadded::new(Waiters::new()),
            joiners: Waiters::new(),
            kind,
            maxsize,
            max_item_size,
            values,
        }
    }

    /// The queue's kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Most items held at once; 0 = unbounded.
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Longest message accepted, in bytes.
    pub fn max_item_size(&self) -> usize {
        self.max_item_size
    }

    /// Whether every item is an 8-byte value (see [`Queue::new_values`]).
    pub fn holds_values(&self) -> bool {
        self.values
    }

    /// Items in the queue now (a snapshot).
    pub fn len(&self) -> usize {
        self.storage.len() + self.head_len.load(Ordering::SeqCst)
    }

    /// Whether the queue holds no items now.
    pub fn is_empty(&self) -> bool {
        self.head_len.load(Ordering::SeqCst) == 0 && self.storage.is_empty()
    }

    /// Whether a bounded queue holds `maxsize` items now (never for an
    /// unbounded one).
    pub fn is_full(&self) -> bool {
        self.maxsize != 0 && self.len() >= self.maxsize
    }

    /// Whether the queue has been shut down.
    pub fn is_closed(&self) -> bool {
        self.storage.is_closed()
    }

    /// Puts not yet matched by `task_done`.
    pub fn unfinished_tasks(&self) -> usize {
        // `done` first: it never passes the count of puts, which only grows.
        let done = self.done.load(Ordering::SeqCst);
        (self.storage.pushed() - done) as usize
    }

    /// Appends a copy of `message`, waiting up to `timeout` (`None` =
    /// forever) for room in a bounded queue. A priority queue gives it
    /// priority 0.
    pub fn put(&self, message: &[u8], timeout: Option<Duration>) -> Result<()> {
        self.check_size(message.len())?;
        self.insert(
            Message::copy_of(message)?,
            Key::Int(0),
            Deadline::after(timeout),
            None,
        )
    }

    /// Whether items may carry attachments (the queue has a release
    /// function).
    pub fn takes_attachments(&self) -> bool {
        self.release.is_some()
    }

    /// Like [`Queue::put`], the message carrying `attachment` (0 = none),
    /// ordered by `key` in a priority queue (`None`: priority 0; a key for
    /// another kind fails with `InvalidArgument`). When the put fails, the
    /// attachment stays with the caller. A queue without a release function
    /// takes no attachment (`InvalidArgument`).
    pub fn put_attached(
        &self,
        message: &[u8],
        key: Option<Key>,
        attachment: usize,
        timeout: Option<Duration>,
    ) -> Result<()> {
        self.check_attachment(attachment)?;
        if key.is_some() && self.kind != Kind::Priority {
            return Err(Error::InvalidArgument("only a priority queue takes a key"));
        }
        self.check_size(message.len())?;
        let message = Message::copy_of(message)?.attached(attachment);
        let key = key.unwrap_or(Key::Int(0));
        self.insert(message, key, Deadline::after(timeout), None)
    }

    /// Like [`Queue::put_many`], message `i` carrying `attachments[i]`
    /// (which must have one entry per message). The attachments of the
    /// messages not put stay with the caller.
    pub fn put_many_attached<'a, I>(
        &self,
        messages: I,
        attachments: &[usize],
        timeout: Option<Duration>,
    ) -> (usize, Result<()>)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        if let Err(error) = attachments
            .iter()
            .try_for_each(|&attachment| self.check_attachment(attachment))
        {
            return (0, Err(error));
        }
        let messages = messages.into_iter();
        if let Err(error) = messages
            .clone()
            .try_for_each(|message| self.check_size(message.len()))
        {
            return (0, Err(error));
        }
        let attached = messages.zip(attachments).map(|(message, &attachment)| {
            Message::copy_of(message).map(|message| message.attached(attachment))
        });
        self.insert_batch(attached, Deadline::after(timeout))
    }

    fn check_attachment(&self, attachment: usize) -> Result<()> {
        if attachment != 0 && self.release.is_none() {
            return Err(Error::InvalidArgument(
                "this queue was created without a release function: it takes no attachment",
            ));
        }
        Ok(())
    }

    /// Hands the attachment of an item that leaves the queue, if any, to
    /// the release function. Called with no lock held.
    fn release(&self, message: &Message) {
        if message.attachment != 0 {
            if let Some(release) = &self.release {
                release(message.attachment);
            }
        }
    }

    /// Like [`Queue::put`] with a priority (lower comes out first); only for
    /// a priority queue.
    pub fn put_priority(
        &self,
        message: &[u8],
        priority: i64,
        timeout: Option<Duration>,
    ) -> Result<()> {
        if self.kind != Kind::Priority {
            return Err(Error::InvalidArgument(
                "only a priority queue takes a priority",
            ));
        }
        self.check_size(message.len())?;
        let message = Message::copy_of(message)?;
        self.insert(message, Key::Int(priority), Deadline::after(timeout), None)
    }

    /// Appends `value` as an 8-byte message, without allocating.
    #[inline]
    pub fn put_u64(&self, value: u64, timeout: Option<Duration>) -> Result<()> {
        self.check_size(8)?;
        self.insert_value(value, Deadline::after(timeout))
    }

    /// Appends copies of `messages` in order, waiting up to `timeout` (one
    /// deadline for the whole batch) whenever a bounded queue is full.
    /// Returns how many went in, and why it stopped early if it did. When
    /// any message is over the size limit, none goes in.
    pub fn put_many<'a, I>(&self, messages: I, timeout: Option<Duration>) -> (usize, Result<()>)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        let messages = messages.into_iter();
        if let Err(error) = messages
            .clone()
            .try_for_each(|message| self.check_size(message.len()))
        {
            return (0, Err(error));
        }
        self.insert_batch(messages.map(Message::copy_of), Deadline::after(timeout))
    }

    /// Appends each of `values` as an 8-byte message, like
    /// [`Queue::put_many`].
    pub fn put_many_u64(&self, values: &[u64], timeout: Option<Duration>) -> (usize, Result<()>) {
        if let Err(error) = self.check_size(8) {
            return (0, Err(error));
        }
        let deadline = Deadline::after(timeout);
        let mut put = 0;
        while put < values.len() {
            let push = |rest| {
                self.storage
                    .push_values(rest)
                    .map_err(|refused| refused.map(|()| rest))
            };
            match self.insert_with(&values[put..], push, deadline, None) {
                Ok(count) => put += count,
                Err(error) => return (put, Err(error)),
            }
        }
        (put, Ok(()))
    }

    /// Takes the next item, waiting up to `timeout` for one (its attachment
    /// goes to the release function).
    pub fn get(&self, timeout: Option<Duration>) -> Result<Vec<u8>> {
        let message = self.remove(Deadline::after(timeout))?;
        let bytes = message.as_bytes().to_vec();
        self.release(&message);
        Ok(bytes)
    }

    /// Takes the next item into `buffer`, waiting up to `timeout` for one:
    /// `Copied(len)` with the item's length, or `TooSmall(needed)` leaving
    /// the item at the head of the queue.
    pub fn get_into(&self, buffer: &mut [u8], timeout: Option<Duration>) -> Result<Received> {
        let message = self.remove(Deadline::after(timeout))?;
        let len = message.len();
        if len > buffer.len() {
            self.leave_at_head(message);
            return Ok(Received::TooSmall(len));
        }
        buffer[..len].copy_from_slice(message.as_bytes());
        self.release(&message);
        Ok(Received::Copied(len))
    }

    /// Like [`Queue::get_into`], handing over the item's attachment instead
    /// of its bytes when it has one: `(Copied(len), attachment)` with
    /// nothing copied and `len` the message's length, or `(.., 0)` for an
    /// item without one, copied as `get_into` does. The caller then owns
    /// the attachment.
    pub fn get_attached_into(
        &self,
        buffer: &mut [u8],
        timeout: Option<Duration>,
    ) -> Result<(Received, usize)> {
        let message = self.remove(Deadline::after(timeout))?;
        let len = message.len();
        if message.attachment != 0 {
            return Ok((Received::Copied(len), message.attachment));
        }
        if len > buffer.len() {
            self.leave_at_head(message);
            return Ok((Received::TooSmall(len), 0));
        }
        buffer[..len].copy_from_slice(message.as_bytes());
        Ok((Received::Copied(len), 0))
    }

    /// Takes the next item without waiting when it carries an attachment,
    /// returning the attachment (the caller's now); `None` when there is no
    /// item now, or the next one has no attachment (it stays next).
    pub fn take_attachment(&self) -> Option<usize> {
        // Counted before it leaves storage and until it is at the head, so
        // that no put takes its place meanwhile.
        self.reserved.fetch_add(1, Ordering::SeqCst);
        let taken = match self.try_remove() {
            Popped::Item(message) if message.attachment != 0 => Some(message.attachment),
            Popped::Item(message) => {
                self.leave_at_head(message);
                self.reserved.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
            Popped::Empty | Popped::Closed => None,
        };
        self.reserved.fetch_sub(1, Ordering::SeqCst);
        // Putters that saw the reservation re-check.
        self.made_room(1);
        taken
    }

    /// Like [`Queue::get_many_into`], handing over attachments as
    /// [`Queue::get_attached_into`] does: item `i` with an attachment puts
    /// it in `attachments[i]`, copies nothing and has `lengths[i]` 0; an
    /// item without one has `attachments[i]` 0. `attachments` must be as
    /// long as `lengths`.
    pub fn get_many_attached_into(
        &self,
        buffer: &mut [u8],
        lengths: &mut [usize],
        attachments: &mut [usize],
        timeout: Option<Duration>,
    ) -> Result<Received> {
        let room = lengths.len().min(attachments.len());
        if room == 0 {
            return Err(Error::InvalidArgument(
                "a batch get needs room for one item",
            ));
        }
        let mut next = Some(self.remove(Deadline::after(timeout))?);
        let (mut count, mut offset) = (0, 0);
        while let Some(message) = next {
            if message.attachment != 0 {
                lengths[count] = 0;
                attachments[count] = message.attachment;
            } else {
                let len = message.len();
                if len > buffer.len() - offset {
                    self.leave_at_head(message);
                    if count == 0 {
                        return Ok(Received::TooSmall(len));
                    }
                    break;
                }
                buffer[offset..offset + len].copy_from_slice(message.as_bytes());
                lengths[count] = len;
                attachments[count] = 0;
                offset += len;
            }
            count += 1;
            next = if count < room { self.try_take() } else { None };
        }
        Ok(Received::Copied(count))
    }

    /// Takes the next item as a 64-bit value. Fails with `InvalidArgument`,
    /// leaving the item at the head of the queue, when it is not exactly 8
    /// bytes long.
    #[inline]
    pub fn get_u64(&self, timeout: Option<Duration>) -> Result<u64> {
        self.remove_with(Deadline::after(timeout), || self.try_remove_value())?
            .ok_or(NOT_A_VALUE)
    }

    /// Waits up to `timeout` for at least one item, then takes as many as
    /// are queued, fit in `lengths.len()` and fit one after another into
    /// `buffer`, without waiting further. `Copied(count)` gives the number
    /// of items; item `i` is `lengths[i]` bytes long and follows item
    /// `i - 1` in `buffer`. `TooSmall(needed)` when the first item alone
    /// does not fit (it stays at the head of the queue).
    pub fn get_many_into(
        &self,
        buffer: &mut [u8],
        lengths: &mut [usize],
        timeout: Option<Duration>,
    ) -> Result<Received> {
        if lengths.is_empty() {
            return Err(Error::InvalidArgument(
                "a batch get needs room for one item",
            ));
        }
        let mut next = Some(self.remove(Deadline::after(timeout))?);
        let (mut count, mut offset) = (0, 0);
        while let Some(message) = next {
            let len = message.len();
            if len > buffer.len() - offset {
                self.leave_at_head(message);
                if count == 0 {
                    return Ok(Received::TooSmall(len));
                }
                break;
            }
            buffer[offset..offset + len].copy_from_slice(message.as_bytes());
            self.release(&message);
            lengths[count] = len;
            offset += len;
            count += 1;
            next = if count < lengths.len() {
                self.try_take()
            } else {
                None
            };
        }
        Ok(Received::Copied(count))
    }

    /// Waits up to `timeout` for at least one item, then takes up to
    /// `values.len()` queued 8-byte items without waiting further, stopping
    /// before the first item of another length. Returns how many it took;
    /// fails with `InvalidArgument` when the first item is not 8 bytes.
    pub fn get_many_u64(&self, values: &mut [u64], timeout: Option<Duration>) -> Result<usize> {
        if values.is_empty() {
            return Err(Error::InvalidArgument(
                "a batch get needs room for one item",
            ));
        }
        let mut count = self
            .remove_with(Deadline::after(timeout), || self.try_remove_values(values))?
            .ok_or(NOT_A_VALUE)?;
        while count < values.len() {
            match self.try_remove_values(&mut values[count..]) {
                Popped::Item(Some(taken)) => count += taken,
                Popped::Item(None) | Popped::Empty | Popped::Closed => break,
            }
        }
        Ok(count)
    }

    /// Marks `count` fetched items as processed (Python's `task_done`,
    /// `count` times). Fails with `InvalidArgument`, changing nothing, when
    /// fewer than `count` tasks are unfinished.
    pub fn task_done(&self, count: usize) -> Result<()> {
        let count = count as u64;
        let done = self
            .done
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |done| {
                (self.storage.pushed() - done >= count).then_some(done + count)
            })
            .map_err(|_| {
                Error::InvalidArgument("task_done called more times than there were items")
            })?
            + count;
        if done == self.storage.pushed() {
            self.joiners.notify_all();
        }
        Ok(())
    }

    /// Waits up to `timeout` until every item put has been marked done.
    /// Fails with `Closed` when the queue is abandoned meanwhile.
    pub fn join(&self, timeout: Option<Duration>) -> Result<()> {
        let deadline = Deadline::after(timeout);
        let done = || self.unfinished_tasks() == 0;
        let abandoned = || self.abandoned.load(Ordering::SeqCst);
        if !self.joiners.wait_until(deadline, || done() || abandoned()) {
            return Err(deadline.expired_error());
        }
        if done() {
            Ok(())
        } else {
            Err(Error::Closed)
        }
    }

    /// Shuts the queue down (Python 3.13's `shutdown`): later puts fail with
    /// `Closed`, gets drain what is left and then fail with `Closed`, and
    /// every blocked putter and getter wakes. `immediate` also discards the
    /// queued items, counting them done for `join`. Returns how many items
    /// were discarded. Shutting down twice is harmless.
    pub fn shutdown(&self, immediate: bool) -> usize {
        self.storage.close();
        let mut discarded = 0;
        if immediate {
            // The storage waits for puts that claimed a place before the
            // close, and refuses later ones: this drains everything.
            // Taken out first and released after, with no lock held.
            let mut taken = Vec::new();
            while let Popped::Item(message) = self.try_remove() {
                taken.push(message);
            }
            discarded = taken.len();
            for message in &taken {
                self.release(message);
            }
            // No put can succeed any more, so `pushed` is final.
            let pushed = self.storage.pushed();
            let _ = self
                .done
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |done| {
                    Some((done + discarded as u64).min(pushed))
                });
            self.joiners.notify_all();
        }
        self.getters.notify_all();
        self.putters.notify_all();
        discarded
    }

    /// Closes the queue: a shutdown that keeps the queued items for getters
    /// to drain (or, with `immediate`, discards them) and also wakes joiners
    /// with `Closed`.
    pub fn close(&self, immediate: bool) {
        self.shutdown(immediate);
        self.abandoned.store(true, Ordering::SeqCst);
        self.joiners.notify_all();
    }

    /// Wakes every putter waiting for room, so that it re-checks its abort
    /// flag.
    fn wake_putters(&self) {
        self.putters.notify_all();
    }

    /// Whether a message of `len` bytes may go in.
    pub(crate) fn check_size(&self, len: usize) -> Result<()> {
        if self.values && len != 8 {
            return Err(Error::InvalidArgument(
                "a queue of 64-bit values takes only 8-byte items",
            ));
        }
        if len > self.max_item_size {
            return Err(Error::InvalidArgument(
                "the item is longer than the queue's item size limit",
            ));
        }
        Ok(())
    }

    /// Adds one message once there is room; fails with `Closed` after a
    /// shutdown or once `abort` is set.
    pub(crate) fn insert(
        &self,
        message: Message,
        key: Key,
        deadline: Deadline,
        abort: Option<&AtomicBool>,
    ) -> Result<()> {
        let push = |message| self.storage.push(message, key.clone()).map(|()| 1);
        self.insert_with(message, push, deadline, abort).map(drop)
    }

    /// Adds one 8-byte value once there is room, without building a message
    /// for value storage.
    #[inline]
    fn insert_value(&self, value: u64, deadline: Deadline) -> Result<()> {
        let push = |value| self.storage.push_value(value).map(|()| 1);
        self.insert_with(value, push, deadline, None).map(drop)
    }

    /// Pushes `item` with `push` once there is room (see `insert`);
    /// returns how many items `push` says it added.
    #[inline]
    fn insert_with<T>(
        &self,
        mut item: T,
        push: impl Fn(T) -> std::result::Result<usize, Refused<T>>,
        deadline: Deadline,
        abort: Option<&AtomicBool>,
    ) -> Result<usize> {
        let aborted = || abort.is_some_and(|abort| abort.load(Ordering::SeqCst));
        // Items left at the head count towards `maxsize` too: a get that
        // takes an item and leaves it at the head for a later get has not
        // made room.
        let crowded = || {
            self.maxsize != 0 && {
                let aside =
                    self.head_len.load(Ordering::SeqCst) + self.reserved.load(Ordering::SeqCst);
                aside != 0 && self.storage.len() + aside >= self.maxsize
            }
        };
        let mut backoff = Backoff::new();
        let mut expired = false;
        loop {
            if aborted() {
                return Err(Error::Closed);
            }
            if crowded() {
                if self.is_closed() {
                    return Err(Error::Closed);
                }
            } else {
                match push(item) {
                    Ok(count) => {
                        // The push's SeqCst write orders it before the check
                        // for sleeping getters (see `Waiters`).
                        self.getters.notify(count);
                        return Ok(count);
                    }
                    Err(Refused::Closed(_)) => return Err(Error::Closed),
                    Err(Refused::Full(back)) => item = back,
                }
            }
            if expired || deadline == Deadline::Now {
                return Err(deadline.expired_error());
            }
            // Retry for a moment, then sleep until a get makes room.
            if !backoff.is_completed() {
                backoff.snooze();
                continue;
            }
            expired = !self.putters.wait_until(deadline, || {
                (!self.storage.is_full() && !crowded()) || self.is_closed() || aborted()
            });
            backoff = Backoff::new();
        }
    }

    fn insert_batch(
        &self,
        messages: impl Iterator<Item = Result<Message>>,
        deadline: Deadline,
    ) -> (usize, Result<()>) {
        let mut put = 0;
        for message in messages {
            if let Err(error) =
                message.and_then(|message| self.insert(message, Key::Int(0), deadline, None))
            {
                return (put, Err(error));
            }
            put += 1;
        }
        (put, Ok(()))
    }

    /// Takes the item due next without waiting.
    fn try_remove(&self) -> Popped<Message> {
        if let Some(message) = self.take_from_head() {
            return Popped::Item(message);
        }
        let popped = self.storage.pop();
        self.popped(&popped);
        popped
    }

    /// Like `try_remove`, as a value: `Item(None)` when the item due next is
    /// not 8 bytes long, which stays at the head of the queue. (The result
    /// fits in two registers: no message is built for value storage, and
    /// no message-sized result goes through memory.)
    #[inline]
    fn try_remove_value(&self) -> Popped<Option<u64>> {
        if self.release.is_some() {
            return self.try_remove_attached_value();
        }
        let popped = match self.take_from_head() {
            Some(message) => Popped::Item(message.to_u64().ok_or(message)),
            None => {
                let popped = self.storage.pop_value();
                self.popped(&popped);
                popped
            }
        };
        popped.map(|taken| taken.map_err(|message| self.leave_at_head(message)).ok())
    }

    /// `try_remove_value` for a queue that takes attachments: an 8-byte
    /// item's attachment goes to the release function.
    fn try_remove_attached_value(&self) -> Popped<Option<u64>> {
        match self.try_remove() {
            Popped::Item(message) => match message.to_u64() {
                Some(value) => {
                    self.release(&message);
                    Popped::Item(Some(value))
                }
                None => {
                    self.leave_at_head(message);
                    Popped::Item(None)
                }
            },
            Popped::Empty => Popped::Empty,
            Popped::Closed => Popped::Closed,
        }
    }

    /// Like `try_remove_value`, taking up to `values.len()` values into the
    /// front of `values` (several with one claim from value storage):
    /// `Item(Some(count))`, or `Item(None)` when the item due next is not 8
    /// bytes long.
    fn try_remove_values(&self, values: &mut [u64]) -> Popped<Option<usize>> {
        if self.head_len.load(Ordering::SeqCst) == 0 {
            if let Some(popped) = self.storage.pop_values(values) {
                if let Popped::Item(count) = popped {
                    self.made_room(count);
                }
                return popped.map(Some);
            }
        }
        self.try_remove_value().map(|value| {
            value.map(|value| {
                values[0] = value;
                1
            })
        })
    }

    /// An item left at the head of the queue, if any.
    #[inline]
    fn take_from_head(&self) -> Option<Message> {
        if self.head_len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let mut head = self.head.lock();
        let message = head.pop_front();
        self.head_len.store(head.len(), Ordering::SeqCst);
        drop(head);
        if message.is_some() {
            // It counted towards `maxsize` (see `insert_with`).
            self.made_room(1);
        }
        message
    }

    /// After a pop from storage: a bounded queue now has room.
    #[inline]
    fn popped<T>(&self, popped: &Popped<T>) {
        if matches!(popped, Popped::Item(_)) {
            self.made_room(1);
        }
    }

    /// After `count` items left storage: a bounded queue has room for them.
    #[inline]
    fn made_room(&self, count: usize) {
        if self.maxsize != 0 {
            // The pop's SeqCst write orders it before this check.
            self.putters.notify(count);
        }
    }

    /// Like `try_remove`, for a batch's further items.
    fn try_take(&self) -> Option<Message> {
        match self.try_remove() {
            Popped::Item(message) => Some(message),
            Popped::Empty | Popped::Closed => None,
        }
    }

    /// Takes the item due next, waiting until the deadline for one; fails
    /// with `Closed` once the queue is shut down and drained.
    fn remove(&self, deadline: Deadline) -> Result<Message> {
        self.remove_with(deadline, || self.try_remove())
    }

    /// Takes an item with `try_remove`, waiting as `remove` does.
    #[inline]
    fn remove_with<T>(
        &self,
        deadline: Deadline,
        mut try_remove: impl FnMut() -> Popped<T>,
    ) -> Result<T> {
        let mut backoff = Backoff::new();
        let mut expired = false;
        loop {
            match try_remove() {
                Popped::Item(item) => return Ok(item),
                Popped::Closed => return Err(Error::Closed),
                Popped::Empty => {}
            }
            if expired || deadline == Deadline::Now {
                return Err(deadline.expired_error());
            }
            // Retry for a moment, then sleep until a put brings an item.
            if !backoff.is_completed() {
                backoff.snooze();
                continue;
            }
            expired = !self
                .getters
                .wait_until(deadline, || !self.is_empty() || self.is_closed());
            backoff = Backoff::new();
        }
    }

    /// Puts back an item a get took but cannot hand over, ahead of the
    /// items still in storage, and wakes a getter that may take it.
    fn leave_at_head(&self, message: Message) {
        let mut head = self.head.lock();
        head.push_back(message);
        self.head_len.store(head.len(), Ordering::SeqCst);
        drop(head);
        self.getters.notify_one();
    }
}

impl Drop for Queue {
    /// Releases the attachments of the items still queued.
    fn drop(&mut self) {
        if self.release.is_some() {
            self.storage.close();
            while let Popped::Item(message) = self.try_remove() {
                self.release(&message);
            }
        }
    }
}

const NOT_A_VALUE: Error = Error::InvalidArgument("the next item is not 8 bytes long");
