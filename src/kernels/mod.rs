//! CPU kernels: deliberately CPU-bound work that any thread may call.
//!
//! They are the workloads of the seeds' GIL experiments (`fib`, a busy loop, a
//! range sum), written so the compiler can neither delete the work nor replace
//! it with a shortcut: `fib` keeps its exponential call tree, `busy_loop`
//! depends on every iteration and `range_sum` iterates over every integer.

mod busy_loop;
mod fib;
mod range_sum;

pub use busy_loop::{busy_loop, busy_loop_for};
pub use fib::{fib, FIB_MAX};
pub use range_sum::{check_range_sum, range_sum, range_sum_fits, wrapping_range_sum};
