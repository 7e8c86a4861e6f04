//! The one error type of the safe core. Every variant maps to one `ac_status`
//! value at the C boundary (see `ffi::status`).

use std::fmt;

/// Why an operation did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The deadline passed before the operation could complete.
    Timeout,
    /// A zero timeout was given and the operation would have had to wait.
    WouldBlock,
    /// The object was closed (shut down or freed) before or while waiting.
    Closed,
    /// The work was cancelled before it started.
    Cancelled,
    /// The object is in a broken state (an aborted barrier, a poisoned job).
    Broken,
    /// An argument is out of its documented range.
    InvalidArgument(&'static str),
    /// A required pointer argument is NULL (only at the C boundary).
    NullPointer,
    /// The calling thread does not own what it tries to release.
    NotOwner,
    /// The result does not fit the output type, or a count would overflow.
    Overflow(&'static str),
    /// The caller's buffer is too small for the value.
    BufferTooSmall,
    /// Memory or another resource (a thread) could not be obtained.
    NoMemory,
    /// A lock was acquired from a holder that died holding it.
    OwnerDied,
}

/// Result type of the safe core.
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Timeout => f.write_str("timed out"),
            Error::WouldBlock => f.write_str("would block"),
            Error::Closed => f.write_str("closed"),
            Error::Cancelled => f.write_str("cancelled"),
            Error::Broken => f.write_str("broken"),
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::NullPointer => f.write_str("a required pointer is NULL"),
            Error::NotOwner => f.write_str("not owned by the calling thread"),
            Error::Overflow(why) => write!(f, "overflow: {why}"),
            Error::BufferTooSmall => f.write_str("buffer too small"),
            Error::NoMemory => f.write_str("out of memory or threads"),
            Error::OwnerDied => f.write_str("acquired from a holder that died holding it"),
        }
    }
}

impl std::error::Error for Error {}
