//! Publish/subscribe: a topic copies each published message into every
//! subscribed queue.
//!
//! Subscribers are ordinary queues, so a consumer reads them with the usual
//! gets, timeouts and shutdown. Invariants:
//! - Each subscriber receives each message at most once, and the messages
//!   of one publisher in the order they were published; it receives a
//!   message unless it was full until the publish's deadline (see
//!   [`Topic::publish`]) or shut down.
//! - A publish delivers to the subscribers of the moment it starts:
//!   subscribing and unsubscribing never block behind a publish waiting for
//!   room, and a subscriber that unsubscribes may still receive a message
//!   whose publish had already started.
//! - A subscriber that is shut down (or freed) is dropped from the topic by
//!   the next publish that finds it closed.
//! - Closing the topic wakes publishers waiting for room with `Closed`, and
//!   releases the topic's references to its subscribers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::lock::Mutex;

use super::items::Key;
use super::message::Message;
use super::Queue;
use crate::time::Deadline;
use crate::{Error, Result};

/// A fan-out point for messages.
pub struct Topic {
    /// Replaced, never modified in place, so a publish works on a snapshot
    /// without holding the lock.
    subscribers: Mutex<Arc<[Arc<Queue>]>>,
    /// Set (under the `subscribers` lock) when the topic is closed.
    closed: AtomicBool,
}

/// How many subscribers a publish reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Subscribers that received the message.
    pub delivered: usize,
    /// Subscribers that were still full at the deadline and did not.
    pub missed: usize,
}

impl Default for Topic {
    fn default() -> Self {
        Topic::new()
    }
}

impl Topic {
    /// A topic with no subscribers.
    pub fn new() -> Topic {
        Topic {
            subscribers: Mutex::new(Arc::from([])),
            closed: AtomicBool::new(false),
        }
    }

    /// Adds `queue` to the subscribers. Fails with `InvalidArgument` when it
    /// is subscribed already, `Closed` when the topic is closed.
    pub fn subscribe(&self, queue: Arc<Queue>) -> Result<()> {
        let mut subscribers = self.subscribers.lock();
        if self.closed.load(Ordering::Relaxed) {
            return Err(Error::Closed);
        }
        if subscribers.iter().any(|known| Arc::ptr_eq(known, &queue)) {
            return Err(Error::InvalidArgument("the queue is subscribed already"));
        }
        let mut next = subscribers.to_vec();
        next.push(queue);
        *subscribers = next.into();
        Ok(())
    }

    /// Removes `queue` from the subscribers. Fails with `InvalidArgument`
    /// when it is not subscribed.
    pub fn unsubscribe(&self, queue: &Queue) -> Result<()> {
        if !self.remove(queue) {
            return Err(Error::InvalidArgument("the queue is not subscribed"));
        }
        Ok(())
    }

    /// The number of subscribers now.
    pub fn subscribers(&self) -> usize {
        self.subscribers.lock().len()
    }

    /// Copies `message` into every subscriber, in subscription order.
    /// Waits for room in full bounded subscribers until one deadline,
    /// `timeout` from now, shared by the whole publish: `Some(ZERO)` never
    /// waits (a full subscriber simply misses the message), `None` waits as
    /// long as it takes (back-pressure: nothing is missed).
    ///
    /// Fails with `InvalidArgument`, delivering nothing, when some
    /// subscriber does not take a message of its length, and with `Closed` when the topic
    /// is closed before or during the publish.
    pub fn publish(&self, message: &[u8], timeout: Option<Duration>) -> Result<Delivery> {
        let subscribers = self.subscribers.lock().clone();
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        for queue in subscribers.iter() {
            queue.check_size(message.len())?;
        }
        let deadline = Deadline::after(timeout);
        let mut delivery = Delivery::default();
        for queue in subscribers.iter() {
            match queue.insert(
                Message::copy_of(message)?,
                Key::Int(0),
                deadline,
                Some(&self.closed),
            ) {
                Ok(()) => delivery.delivered += 1,
                Err(Error::Timeout | Error::WouldBlock) => delivery.missed += 1,
                Err(Error::Closed) if self.closed.load(Ordering::Acquire) => {
                    return Err(Error::Closed)
                }
                Err(Error::Closed) => {
                    self.remove(queue);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(delivery)
    }

    /// Closes the topic: publishes and subscribes fail with `Closed`,
    /// publishers waiting for room wake with `Closed`, and the subscribers
    /// are released. Closing twice is harmless.
    pub fn close(&self) {
        let subscribers = {
            let mut subscribers = self.subscribers.lock();
            self.closed.store(true, Ordering::Release);
            std::mem::replace(&mut *subscribers, Arc::from([]))
        };
        for queue in subscribers.iter() {
            queue.wake_putters();
        }
    }

    /// Drops `queue` from the subscribers; returns whether it was there.
    fn remove(&self, queue: &Queue) -> bool {
        let mut subscribers = self.subscribers.lock();
        let before = subscribers.len();
        let next: Vec<Arc<Queue>> = subscribers
            .iter()
            .filter(|known| !std::ptr::eq(known.as_ref(), queue))
            .cloned()
            .collect();
        *subscribers = next.into();
        subscribers.len() != before
    }
}
