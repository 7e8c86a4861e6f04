//! Pointer helpers: opaque handles over `Arc`s, out-parameters and arrays.
//! Exported functions use these instead of raw pointer arithmetic.

use std::sync::Arc;

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
pub(crate) fn close<H: Close>(handle: *const H) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle; the reference outlives the call.
        let object = unsafe { H::acquire(handle) }?;
        H::close(&object);
        Ok(())
    })
}

/// An opaque C type (`ac_pool`, `ac_future`, ...) that stands for an
/// `Arc<Self::Object>` handed out with `Arc::into_raw`.
pub(crate) trait Handle: Sized {
    type Object: Send + Sync;

    /// Hands `object` to C; the caller releases it with [`Handle::release`].
    fn into_raw(object: Arc<Self::Object>) -> *mut Self {
        Arc::into_raw(object).cast_mut().cast()
    }

    /// A strong reference for the duration of one call, so the object
    /// outlives the call even when another thread frees the handle meanwhile.
    ///
    /// # Safety
    /// `handle` is NULL or came from [`Handle::into_raw`] and was not released.
    unsafe fn acquire(handle: *const Self) -> Result<Arc<Self::Object>> {
        if handle.is_null() {
            return Err(Error::NullPointer);
        }
        let object = handle.cast::<Self::Object>();
        // SAFETY: per the contract, the handle holds a strong count, so the
        // count is at least 1 while we add ours.
        unsafe {
            Arc::increment_strong_count(object);
            Ok(Arc::from_raw(object))
        }
    }

    /// The object behind a handle, without touching its reference count: for
    /// calls that do not block, which the handle's own reference keeps
    /// alive. A call that may block takes its own reference with
    /// [`Handle::acquire`] before it waits.
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
    /// As for [`Handle::acquire`]; the handle must not be used afterwards.
    unsafe fn release(handle: *mut Self) -> Option<Arc<Self::Object>> {
        // SAFETY: per the contract, this gives back the count `into_raw` took.
        (!handle.is_null()).then(|| unsafe { Arc::from_raw(handle.cast::<Self::Object>()) })
    }
}

/// A handle whose object can be closed: what `ac_<object>_close` does to it.
pub(crate) trait Close: Handle {
    fn close(object: &Self::Object);
}

/// An out-parameter as `&mut T`, or `AC_NULL_POINTER`.
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
