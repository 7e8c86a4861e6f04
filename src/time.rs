//! Deadlines for blocking waits.
//!
//! Every blocking call takes a timeout: `None` waits forever, zero tries once
//! without blocking, anything else waits at most that long. A wait that gives
//! up reports `WouldBlock` when it was not allowed to block at all and
//! `Timeout` when its time ran out.

use std::time::{Duration, Instant};

use crate::lock::{Condvar, MutexGuard};
use crate::Error;

/// When a blocking wait gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// Wait until the condition holds.
    Never,
    /// Do not block: check once.
    Now,
    /// Wait until this instant.
    At(Instant),
}

impl Deadline {
    /// The deadline `timeout` from now (`None` = never).
    pub fn after(timeout: Option<Duration>) -> Self {
        match timeout {
            None => Deadline::Never,
            Some(d) if d.is_zero() => Deadline::Now,
            Some(d) => Instant::now()
                .checked_add(d)
                .map_or(Deadline::Never, Deadline::At),
        }
    }

    /// The time left, as a timeout for a nested wait (`None` = forever).
    pub fn remaining(self) -> Option<Duration> {
        match self {
            Deadline::Never => None,
            Deadline::Now => Some(Duration::ZERO),
            Deadline::At(at) => Some(at.saturating_duration_since(Instant::now())),
        }
    }

    /// The error a wait reports when it gives up at this deadline.
    pub fn expired_error(self) -> Error {
        match self {
            Deadline::Now => Error::WouldBlock,
            _ => Error::Timeout,
        }
    }

    /// Blocks on `cond` until notified or the deadline passes; returns `false`
    /// when the deadline has passed. Callers re-check their condition either
    /// way, so spurious wake-ups never reach them.
    pub(crate) fn wait<T>(self, cond: &Condvar, guard: &mut MutexGuard<'_, T>) -> bool {
        cond.wait_until(guard, self)
    }
}
