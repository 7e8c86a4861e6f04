//! "Every available core" means the CPUs this process may use: a pool of 0
//! workers honours the affinity mask and the cgroup CPU quota. Each check runs
//! in a forked child so the restriction does not leak into other tests.

use std::ptr::{null, null_mut};

use allcore_abi_tests::*;

/// Runs `check` in a forked child and asserts it returned true.
fn in_child(check: impl FnOnce() -> bool) {
    // SAFETY: the child runs only `check` and then _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed");
    if child == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or(false);
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child check failed"
    );
}

/// Workers of a pool created with 0 (= every available CPU).
fn default_pool_workers() -> usize {
    let mut pool = null_mut();
    let mut stats = ac_pool_stats {
        workers: 0,
        queued: 0,
        running: 0,
        completed: 0,
    };
    // SAFETY: valid out-pointers; the pool is freed before returning.
    unsafe {
        assert_eq!(ac_pool_new(0, null(), &mut pool), AC_OK);
        assert_eq!(ac_pool_get_stats(pool, &mut stats), AC_OK);
        ac_pool_release(pool);
    }
    stats.workers
}

#[test]
fn affinity_mask_limits_the_default_worker_count() {
    in_child(|| {
        // SAFETY: a zeroed cpu_set_t with one CPU set, for this process.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            assert_eq!(
                libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set),
                0
            );
            ac_pool_available_cpus() == 1 && default_pool_workers() == 1
        }
    });
}

/// A cgroup whose CPU quota is one CPU, removed on drop. Uses the cgroup v2
/// `cpu.max` file or the v1 `cpu.cfs_quota_us` one, whichever this machine
/// mounts; None when neither can be created (no cgroup fs, not root).
struct OneCpuCgroup {
    dir: std::path::PathBuf,
}

impl OneCpuCgroup {
    fn create() -> Option<OneCpuCgroup> {
        let name = format!("allcore-test-{}", std::process::id());
        for (parent, quota_file, quota) in [
            ("/sys/fs/cgroup", "cpu.max", "100000 100000"),
            ("/sys/fs/cgroup/unified", "cpu.max", "100000 100000"),
            ("/sys/fs/cgroup/cpu", "cpu.cfs_quota_us", "100000"),
        ] {
            let parent = std::path::Path::new(parent);
            // Only a mounted cgroup hierarchy has this file (not a plain tmpfs).
            if !parent.join(quota_file).exists() && !parent.join("cgroup.procs").exists() {
                continue;
            }
            let dir = parent.join(&name);
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            if std::fs::write(dir.join(quota_file), quota).is_ok() {
                return Some(OneCpuCgroup { dir });
            }
            let _ = std::fs::remove_dir(&dir);
        }
        None
    }
}

impl Drop for OneCpuCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn cgroup_quota_limits_the_default_worker_count() {
    // SAFETY: no arguments.
    if unsafe { ac_pool_available_cpus() } < 2 {
        // With one CPU a one-CPU quota changes nothing observable; the
        // affinity test above covers the restriction path.
        return;
    }
    let Some(cgroup) = OneCpuCgroup::create() else {
        // Creating a cgroup needs root and a writable cgroup fs; without them
        // there is no quota to honour, and the affinity test covers the rest.
        eprintln!("no writable cgroup fs here: the quota case was not exercised");
        return;
    };
    let procs = cgroup.dir.join("cgroup.procs");
    in_child(move || {
        std::fs::write(&procs, std::process::id().to_string()).is_ok()
            // SAFETY: no arguments.
            && unsafe { ac_pool_available_cpus() } == 1
            && default_pool_workers() == 1
    });
}
