//! allcore: one native library that gives Python, Go and C programs the same
//! thread pool, locks, events, queues and CPU kernels through a stable C ABI.
//!
//! The safe Rust core lives in one module per area ([`kernels`], [`pool`], [`sync`], [`queue`]);
//! [`ffi`] is the `extern "C"` surface only: argument checks, the panic
//! boundary and status codes, then a call into the core. `include/allcore.h`
//! is generated from [`ffi`] by cbindgen.

pub mod error;
pub mod ffi;
pub mod kernels;
mod lock;
pub mod pool;
pub mod queue;
pub mod shm;
pub mod sync;
pub mod time;

pub use error::{Error, Result};
