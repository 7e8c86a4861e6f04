//! Kernels, status names, versions and the exported symbol set, through the
//! C declarations.

use allcore_abi_tests::*;

fn fib(n: i64) -> (ac_status, i64) {
    let mut out = -1;
    // SAFETY: a valid out-pointer.
    let status = unsafe { ac_fib(n, &mut out) };
    (status, out)
}

#[test]
fn fib_values_and_errors() {
    assert_eq!(fib(0), (AC_OK, 0));
    assert_eq!(fib(1), (AC_OK, 1));
    assert_eq!(fib(2), (AC_OK, 1));
    assert_eq!(fib(30), (AC_OK, 832_040));
    assert_eq!(fib(-1).0, AC_INVALID_ARGUMENT);
    assert_eq!(fib(93).0, AC_OVERFLOW);
    assert_eq!(fib(i64::MIN).0, AC_INVALID_ARGUMENT);
    // SAFETY: NULL out-pointer is rejected, not written.
    assert_eq!(unsafe { ac_fib(10, std::ptr::null_mut()) }, AC_NULL_POINTER);
    // SAFETY: the message is a valid C string.
    let message = unsafe { std::ffi::CStr::from_ptr(ac_last_error_message()) };
    assert!(message.to_str().unwrap().contains("NULL"));
}

#[test]
fn busy_loops() {
    let (mut a, mut b) = (0u64, 0u64);
    // SAFETY: valid out-pointers.
    unsafe {
        assert_eq!(ac_busy_loop(1000, &mut a), AC_OK);
        assert_eq!(ac_busy_loop(1001, &mut b), AC_OK);
        assert_ne!(a, b);
        assert_eq!(ac_busy_loop(10, std::ptr::null_mut()), AC_NULL_POINTER);
        let mut iterations = 0u64;
        assert_eq!(ac_busy_loop_for(2_000_000, &mut iterations), AC_OK);
        assert!(iterations > 0);
        assert_eq!(ac_busy_loop_for(-1, &mut iterations), AC_INVALID_ARGUMENT);
    }
}

#[test]
fn range_sums_and_overflow() {
    let mut sum = 0i64;
    // SAFETY: valid out-pointers.
    unsafe {
        assert_eq!(ac_range_sum(1, 100_000_001, &mut sum), AC_OK);
        assert_eq!(sum, 5_000_000_050_000_000);
        assert_eq!(ac_range_sum(10, -10, &mut sum), AC_OK);
        assert_eq!(sum, 0);
        let start = i64::MAX - 3;
        assert_eq!(ac_range_sum(start, i64::MAX, &mut sum), AC_OVERFLOW);
        assert_eq!(sum, 0, "an overflowing sum is not written");
        assert_eq!(ac_range_sum(0, 1, std::ptr::null_mut()), AC_NULL_POINTER);
    }
}

#[test]
fn status_names_and_version() {
    assert_eq!(status_name(AC_OK), "AC_OK");
    assert_eq!(status_name(AC_TIMEOUT), "AC_TIMEOUT");
    assert_eq!(status_name(AC_PANIC), "AC_PANIC");
    assert_eq!(status_name(-7), "AC_UNKNOWN");
    // SAFETY: no arguments.
    let version = unsafe { ac_version() };
    assert_eq!(
        version,
        ((AC_VERSION_MAJOR << 16) | (AC_VERSION_MINOR << 8) | AC_VERSION_PATCH) as u32
    );
}

#[test]
fn shared_library_exports_only_ac_symbols() {
    // As a dependency only the rlib is built, so build the cdylib first. The
    // test binary lives in target/<profile>/deps; the cdylib one level up.
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "allcore"])
        .status()
        .unwrap();
    assert!(built.success());
    let exe = std::env::current_exe().unwrap();
    let library = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("liballcore.so");
    assert!(library.exists(), "{} was not built", library.display());
    let output = std::process::Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&library)
        .output()
        .expect("nm (binutils) is needed for this test");
    assert!(output.status.success());
    let symbols: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(symbols.iter().any(|s| s == "ac_fib"));
    let foreign: Vec<&String> = symbols.iter().filter(|s| !s.starts_with("ac_")).collect();
    assert!(foreign.is_empty(), "non-allcore exports: {foreign:?}");
}
