//! The `extern "C"` surface, one file per area. Each function checks its
//! arguments, runs its body inside the panic boundary ([`boundary`]), converts
//! errors to [`ac_status`](status::ac_status) and calls into the safe core.
//! cbindgen turns this module into `include/allcore.h`.
//!
//! Objects cross the boundary as opaque typed pointers: each is an
//! `Arc::into_raw` of its core object, so a call that may block holds a
//! strong reference of its own and the memory outlives it (see [`handle`]).
// C names (`ac_pool`), and entry points that take raw pointers from C by design:
// each one checks them (NULL, lengths) before use.
#![allow(non_camel_case_types, clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
pub mod handle;
pub mod kernels;
pub mod pool;
pub mod queue;
pub mod shm;
pub mod status;
pub mod sync;

pub use status::ac_status;

/// `AC_FOREVER`: a timeout that never expires. Any negative timeout waits forever.
pub const AC_FOREVER: i64 = -1;

/// Major version of the ABI: changes break existing callers.
pub const AC_VERSION_MAJOR: u32 = 0;
/// Minor version: additions that keep existing callers working.
pub const AC_VERSION_MINOR: u32 = 2;
/// Patch version: fixes only.
pub const AC_VERSION_PATCH: u32 = 0;

/// Converts a timeout in nanoseconds to the core's form: negative = forever,
/// 0 = do not block.
pub(crate) fn timeout(nanoseconds: i64) -> Option<std::time::Duration> {
    u64::try_from(nanoseconds)
        .ok()
        .map(std::time::Duration::from_nanos)
}

/// The library's version as `(major << 16) | (minor << 8) | patch`; compare
/// with `AC_VERSION_MAJOR` etc. to check that header and library match.
#[no_mangle]
pub extern "C" fn ac_version() -> u32 {
    boundary::guard(Default::default(), || {
        (AC_VERSION_MAJOR << 16) | (AC_VERSION_MINOR << 8) | AC_VERSION_PATCH
    })
}
