//! The panic boundary every exported function goes through: its body runs
//! under `catch_unwind`, so no panic ever unwinds into C.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::{ac_status, set_last_error};
use crate::{Error, Result};

/// Runs the body of a function returning `ac_status`: maps its error to a
/// status and records the message for `ac_last_error_message`; a panic
/// becomes `AC_PANIC`. Inlined, so a successful call costs no more than its
/// body: `catch_unwind` is free until something unwinds, and the error paths
/// are out of line.
#[inline(always)]
pub(crate) fn status(body: impl FnOnce() -> Result<()>) -> ac_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ac_status::AC_OK,
        Ok(Err(error)) => report_error(error),
        Err(panic) => report_panic(panic),
    }
}

#[cold]
#[inline(never)]
fn report_error(error: Error) -> ac_status {
    set_last_error(&error.to_string());
    error.into()
}

#[cold]
#[inline(never)]
fn report_panic(panic: Box<dyn Any + Send>) -> ac_status {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    set_last_error(&format!("internal panic: {what}"));
    ac_status::AC_PANIC
}

/// Runs the body of a function that cannot report a status (a getter, a
/// `free`); returns `on_panic` if it panics.
#[inline(always)]
pub(crate) fn guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_ac_panic() {
        assert_eq!(status(|| panic!("boom")), ac_status::AC_PANIC);
        // SAFETY: the message is a valid C string owned by this thread.
        let message =
            unsafe { std::ffi::CStr::from_ptr(super::super::status::ac_last_error_message()) };
        assert_eq!(message.to_str().unwrap(), "internal panic: boom");
        assert_eq!(guard(7, || panic!("boom")), 7);
    }

    #[test]
    fn errors_become_statuses() {
        assert_eq!(status(|| Ok(())), ac_status::AC_OK);
        assert_eq!(status(|| Err(Error::Timeout)), ac_status::AC_TIMEOUT);
        assert_eq!(
            status(|| Err(Error::NullPointer)),
            ac_status::AC_NULL_POINTER
        );
    }
}
