//! How many workers a pool of "0 workers" (the default size) starts.
//!
//! `ALLCORE_NUM_THREADS`, when set, decides, as `OMP_NUM_THREADS` does for
//! OpenMP: engines that run several workers in one machine (Dask, Ray,
//! joblib) set it so that threads × workers stays within the cores.
//! Otherwise it is one worker per CPU this process may use.
//!
//! The rule for the variable: unset or empty (only whitespace) means not
//! set; a whole number from 1 to [`MAX_WORKERS`], surrounding whitespace
//! allowed, is the worker count; anything else (0, a negative or
//! fractional number, a word, more than `MAX_WORKERS`) is an error, so a
//! mistyped setting is reported instead of silently filling every core.

use super::MAX_WORKERS;
use crate::{Error, Result};

/// The environment variable that sizes a default pool.
pub const NUM_THREADS_VARIABLE: &str = "ALLCORE_NUM_THREADS";

/// The worker count of a default-sized pool: `ALLCORE_NUM_THREADS` when set,
/// else [`super::available_cpus`]. Errors: `InvalidArgument` when the
/// variable is set to something other than a whole number in
/// `1..=MAX_WORKERS`.
pub fn default_workers() -> Result<usize> {
    match std::env::var_os(NUM_THREADS_VARIABLE) {
        None => Ok(super::available_cpus()),
        Some(value) => match parse_num_threads(&value.to_string_lossy()) {
            Ok(Some(count)) => Ok(count),
            Ok(None) => Ok(super::available_cpus()),
            Err(error) => Err(error),
        },
    }
}

/// The worker count a value of `ALLCORE_NUM_THREADS` asks for: `None` when it
/// is blank (not set), an error when it is not a whole number in
/// `1..=MAX_WORKERS`.
pub fn parse_num_threads(value: &str) -> Result<Option<usize>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let invalid = Error::InvalidArgument(
        "ALLCORE_NUM_THREADS must be a whole number from 1 to 4096 (or unset)",
    );
    if !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid);
    }
    match value.parse::<usize>() {
        Ok(count) if (1..=MAX_WORKERS).contains(&count) => Ok(Some(count)),
        _ => Err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_values() {
        assert_eq!(parse_num_threads("1"), Ok(Some(1)));
        assert_eq!(parse_num_threads(" 8\n"), Ok(Some(8)));
        assert_eq!(parse_num_threads("4096"), Ok(Some(4096)));
        assert_eq!(parse_num_threads(""), Ok(None));
        assert_eq!(parse_num_threads("  "), Ok(None));
        for bad in [
            "0",
            "-1",
            "+2",
            "2.5",
            "two",
            "4097",
            "99999999999999999999999",
            "2,4",
        ] {
            assert!(
                matches!(parse_num_threads(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }
}
