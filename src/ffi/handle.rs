//! Pointer helpers: opaque handles over `Arc`s, out-parameters and arrays.
//! Exported functions use these instead of raw pointer arithmetic.
//!
//! An exported function reaches the object behind a handle in one of two
//! ways, chosen by what the call does. A call that returns within
//! nanoseconds without waiting or running the caller's code (an unlock, a
//! counter, a getter) borrows the object ([`Handle::borrow`]), which costs
//! nothing; every other call holds a reference of its own for the call
//! ([`hold`]). [`try_then_wait`] joins the two for the hot calls that may
//! block but usually do not: a borrowed attempt, then a held wait.

use std::sync::Arc;
use std::time::Duration;

use super::boundary;
use super::status::ac_status;

use crate::{Error, Result};

/// Declares what is common to every object type, written once: the
/// [`Handle`] impl tying the opaque C type to its core object, and what
/// `ac_<object>_close` does to it. The opaque struct and the three
/// `extern "C"` functions (`_retain`, `_release`, `_close`) stay written out,
/// one line each over [`retain`], [`release`] and [`close`], because cbindgen
/// does not expand macros on a stable toolchain and must see them to put
/// them in the header.
macro_rules! object {
    ($handle:ident, $object:ty, |$this:ident| $close:expr) => {
        impl $crate::ffi::handle::Handle for $handle {
            type Object = $object;
        }

        impl $crate::ffi::handle::Close for $handle {
            fn close($this: &Self::Object) {
                $close
            }
        }
    };
}
pub(crate) use object;

/// `ac_<object>_retain`: one more reference to the object; returns `handle`.
pub(crate) fn retain<H: Handle>(handle: *mut H) -> *mut H {
    boundary::guard(handle, || {
        if !handle.is_null() {
            // SAFETY: a non-NULL handle holds a strong count of its own.
            unsafe { Arc::increment_strong_count(handle.cast_const().cast::<H::Object>()) };
        }
        handle
    })
}

/// `ac_<object>_release`: drops one reference; the last one frees the object
/// (after the last call in progress on it has returned, since each blocking
/// call holds a reference of its own). NULL is a no-op.
pub(crate) fn release<H: Handle>(handle: *mut H) {
    boundary::guard((), || {
        // SAFETY: NULL or a handle whose reference the caller gives up here.
        drop(unsafe { H::release(handle) });
    })
}

/// `ac_<object>_close`: wakes every thread blocked on the object with
/// AC_CLOSED and makes later blocking calls return AC_CLOSED; frees nothing.
/// Holds a reference ([`hold`]): closing a topic or a pool lets go of what
/// it holds, which may run the caller's release functions.
pub(crate) fn close<H: Close>(handle: *const H) -> ac_status {
    boundary::status(|| {
        H::close(&*hold(handle)?);
        Ok(())
    })
}

/// The object behind `handle` with a strong reference of the call's own,
/// released when the returned `Arc` is dropped at the end of the call, so
/// the memory outlives the call even when another thread releases the
/// handle meanwhile (after closing it, to wake the call). This is how
/// every exported function that may block, or may run the caller's code (a
/// callback, an attachment's release function), reaches its object; calls on
/// several objects, or on an array of them, hold each one the same way.
/// Returns AC_NULL_POINTER for NULL.
///
/// C callers pass NULL or a handle that came from [`Handle::into_raw`] and
/// still holds its reference (a handle released for good is the caller's
/// bug, as with any C object).
#[inline]
pub(crate) fn hold<H: Handle>(handle: *const H) -> Result<Arc<H::Object>> {
    if handle.is_null() {
        return Err(Error::NullPointer);
    }
    let object = handle.cast::<H::Object>();
    // SAFETY: per the contract above, the handle holds a strong count, so the
    // count is at least 1 while we add ours, and `from_raw` takes back
    // exactly the count we added.
    unsafe {
        Arc::increment_strong_count(object);
        Ok(Arc::from_raw(object))
    }
}

/// A call that may block but usually need not (a lock, a put, a get): runs
/// `call` once without waiting on the borrowed object ([`Handle::borrow`]),
/// so the common case touches no shared reference count; only when that
/// would block and `timeout` allows waiting, runs it again with `timeout`
/// on the object held with [`hold`]. `call` must leave nothing changed when
/// it returns `WouldBlock`.
#[inline(always)]
pub(crate) fn try_then_wait<H: Handle, T>(
    handle: *const H,
    timeout: Option<Duration>,
    mut call: impl FnMut(&H::Object, Option<Duration>) -> Result<T>,
) -> Result<T> {
    // SAFETY: NULL or a live handle, per the contract of [`hold`]; this
    // attempt does not wait, and the handle's own reference keeps the object
    // alive for it.
    let object = unsafe { H::borrow(handle) }?;
    match call(object, Some(Duration::ZERO)) {
        Err(Error::WouldBlock) if timeout != Some(Duration::ZERO) => wait(handle, timeout, call),
        result => result,
    }
}

/// The waiting half of [`try_then_wait`], out of line so that the attempt
/// that does not wait stays small.
#[cold]
#[inline(never)]
fn wait<H: Handle, T>(
    handle: *const H,
    timeout: Option<Duration>,
    mut call: impl FnMut(&H::Object, Option<Duration>) -> Result<T>,
) -> Result<T> {
    call(&*hold(handle)?, timeout)
}

/// An opaque C type (`ac_pool`, `ac_future`, ...) that stands for an
/// `Arc<Self::Object>` handed out with `Arc::into_raw`.
pub(crate) trait Handle: Sized {
    type Object: Send + Sync;

    /// Hands `object` to C; the caller releases it with [`Handle::release`].
    fn into_raw(object: Arc<Self::Object>) -> *mut Self {
        Arc::into_raw(object).cast_mut().cast()
    }

    /// The object behind a handle, without touching its reference count:
    /// how a call that never blocks and runs none of the caller's code (an
    /// unlock, a try-lock, a counter, a getter) reaches its object. The
    /// handle's own reference keeps the object alive for such a call, which
    /// returns within nanoseconds; taking a reference of its own ([`hold`])
    /// would write the shared count twice per call, on the cache line of
    /// the object's own state: measured, that makes an uncontended
    /// `ac_mutex_lock` + `ac_mutex_unlock` pair 3 to 4 times as slow, an
    /// uncontended `ac_counter_add` 3 times, and halves the throughput of
    /// two threads contending for a mutex.
    ///
    /// # Safety
    /// `handle` is NULL or came from [`Handle::into_raw`], and is not released
    /// while the returned reference is in use (freeing an object while a call
    /// on it is in progress is the caller's bug, as with any C object).
    unsafe fn borrow<'a>(handle: *const Self) -> Result<&'a Self::Object> {
        // SAFETY: per the contract, a non-NULL handle points to a live
        // `Self::Object` inside an `Arc` allocation.
        unsafe { handle.cast::<Self::Object>().as_ref() }.ok_or(Error::NullPointer)
    }

    /// Takes back the handle's own strong reference (None for NULL).
    ///
    /// # Safety
    /// As for [`Handle::borrow`]; the handle must not be used afterwards.
    unsafe fn release(handle: *mut Self) -> Option<Arc<Self::Object>> {
        // SAFETY: per the contract, this gives back the count `into_raw` took.
        (!handle.is_null()).then(|| unsafe { Arc::from_raw(handle.cast::<Self::Object>()) })
    }
}

/// A handle whose object can be closed: what `ac_<object>_close` does to it.
pub(crate) trait Close: Handle {
    fn close(object: &Self::Object);
}

/// An out-parameter as `&mut T`, or `AC_NULL_POINTER`. Take it before making
/// what goes in it (`let slot = out(p)?;`): in `*out(p)? = value`, Rust
/// evaluates `value` first, so a new object would leak when `p` is NULL.
pub(crate) fn out<'a, T>(pointer: *mut T) -> Result<&'a mut T> {
    // SAFETY: C callers pass NULL or a valid, writable, aligned pointer.
    unsafe { pointer.as_mut() }.ok_or(Error::NullPointer)
}

/// Writes `value` through an optional out-parameter (NULL = not wanted).
pub(crate) fn write_optional<T>(pointer: *mut T, value: T) {
    // SAFETY: C callers pass NULL or a valid, writable, aligned pointer.
    if let Some(slot) = unsafe { pointer.as_mut() } {
        *slot = value;
    }
}

/// A C array as a slice; NULL is allowed only when `len` is 0.
pub(crate) fn slice<'a, T>(pointer: *const T, len: usize) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    check_array::<T>(pointer.is_null(), len)?;
    // SAFETY: C callers pass `len` valid elements at `pointer`.
    Ok(unsafe { std::slice::from_raw_parts(pointer, len) })
}

/// A writable C array as a slice; NULL is allowed only when `len` is 0.
pub(crate) fn slice_mut<'a, T>(pointer: *mut T, len: usize) -> Result<&'a mut [T]> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_array::<T>(pointer.is_null(), len)?;
    // SAFETY: C callers pass `len` valid, writable elements at `pointer`.
    Ok(unsafe { std::slice::from_raw_parts_mut(pointer, len) })
}

fn check_array<T>(is_null: bool, len: usize) -> Result<()> {
    if is_null {
        return Err(Error::NullPointer);
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::Overflow("array length too large"));
    }
    Ok(())
}
