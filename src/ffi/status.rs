//! `ac_status`, the one result type of the C ABI, and the calling thread's
//! last error message.

use std::cell::RefCell;
use std::ffi::{c_char, CString};

use super::boundary;
use crate::Error;

/// The result of every fallible allcore function. `AC_OK` is 0; every other
/// value says why the call did not do what was asked, and
/// `ac_last_error_message()` gives details.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ac_status {
    /// Success.
    AC_OK = 0,
    /// A blocking call reached its timeout.
    AC_TIMEOUT = 1,
    /// A call with timeout 0 would have had to block.
    AC_WOULD_BLOCK = 2,
    /// The object was shut down or freed before or during the call.
    AC_CLOSED = 3,
    /// The task was cancelled before it started.
    AC_CANCELLED = 4,
    /// The object is broken (an aborted barrier; a task that panicked).
    AC_BROKEN = 5,
    /// An argument is out of its documented range.
    AC_INVALID_ARGUMENT = 6,
    /// A required pointer argument is NULL.
    AC_NULL_POINTER = 7,
    /// The caller does not own what it tries to release.
    AC_NOT_OWNER = 8,
    /// The result does not fit its type, or a count would overflow.
    AC_OVERFLOW = 9,
    /// The caller's buffer is too small; the needed size was reported.
    AC_BUFFER_TOO_SMALL = 10,
    /// Memory or threads could not be obtained.
    AC_NO_MEMORY = 11,
    /// allcore hit an internal bug and caught it; the object may be unusable.
    AC_PANIC = 12,
    /// The lock is now held by the caller, but its previous holder (another
    /// process or thread) died holding it: the state it protects may be
    /// half updated. A success for the lock itself.
    AC_OWNER_DIED = 13,
}

impl From<Error> for ac_status {
    fn from(error: Error) -> Self {
        match error {
            Error::Timeout => ac_status::AC_TIMEOUT,
            Error::WouldBlock => ac_status::AC_WOULD_BLOCK,
            Error::Closed => ac_status::AC_CLOSED,
            Error::Cancelled => ac_status::AC_CANCELLED,
            Error::Broken => ac_status::AC_BROKEN,
            Error::InvalidArgument(_) => ac_status::AC_INVALID_ARGUMENT,
            Error::NullPointer => ac_status::AC_NULL_POINTER,
            Error::NotOwner => ac_status::AC_NOT_OWNER,
            Error::Overflow(_) => ac_status::AC_OVERFLOW,
            Error::BufferTooSmall => ac_status::AC_BUFFER_TOO_SMALL,
            Error::NoMemory => ac_status::AC_NO_MEMORY,
            Error::OwnerDied => ac_status::AC_OWNER_DIED,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as the calling thread's last error.
pub(crate) fn set_last_error(message: &str) {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// The name of a status (`"AC_TIMEOUT"`), as a static NUL-terminated string;
/// `"AC_UNKNOWN"` for a value that is not an `ac_status`.
#[no_mangle]
pub extern "C" fn ac_status_str(status: i32) -> *const c_char {
    let name: &'static [u8] = match status {
        0 => b"AC_OK\0",
        1 => b"AC_TIMEOUT\0",
        2 => b"AC_WOULD_BLOCK\0",
        3 => b"AC_CLOSED\0",
        4 => b"AC_CANCELLED\0",
        5 => b"AC_BROKEN\0",
        6 => b"AC_INVALID_ARGUMENT\0",
        7 => b"AC_NULL_POINTER\0",
        8 => b"AC_NOT_OWNER\0",
        9 => b"AC_OVERFLOW\0",
        10 => b"AC_BUFFER_TOO_SMALL\0",
        11 => b"AC_NO_MEMORY\0",
        12 => b"AC_PANIC\0",
        13 => b"AC_OWNER_DIED\0",
        _ => b"AC_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

/// The detailed message of the last error on the calling thread (empty if
/// none). The string belongs to allcore and stays valid until the next
/// failing allcore call on this thread.
#[no_mangle]
pub extern "C" fn ac_last_error_message() -> *const c_char {
    boundary::guard(std::ptr::null(), || {
        LAST_ERROR.with(|last| last.borrow().as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_name() {
        for value in 0..=13 {
            // SAFETY: static C strings.
            let name = unsafe { std::ffi::CStr::from_ptr(ac_status_str(value)) };
            assert!(name.to_str().unwrap().starts_with("AC_"));
            assert_ne!(name.to_str().unwrap(), "AC_UNKNOWN");
        }
        // SAFETY: static C string.
        let unknown = unsafe { std::ffi::CStr::from_ptr(ac_status_str(99)) };
        assert_eq!(unknown.to_str().unwrap(), "AC_UNKNOWN");
    }
}
