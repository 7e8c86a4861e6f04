//! Who the calling thread is, across processes: its process id, that
//! process's start time (so a recycled pid is told apart) and its thread id;
//! and whether such a process still lives.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

/// The calling thread as a lock records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Me {
    pub(crate) pid: u32,
    pub(crate) tid: u32,
    /// Start time of the process in clock ticks since boot (0 = unknown).
    pub(crate) start: u64,
}

/// Bumped in every child after `fork`, so cached identities are refreshed.
static FORKS: AtomicU64 = AtomicU64::new(0);
static WATCH_FORKS: Once = Once::new();

extern "C" fn after_fork_in_child() {
    FORKS.fetch_add(1, Ordering::Relaxed);
}

thread_local! {
    static CACHED: Cell<Option<(u64, Me)>> = const { Cell::new(None) };
}

/// The calling thread's identity (cached per thread and per fork).
pub(crate) fn me() -> Me {
    WATCH_FORKS.call_once(|| {
        // SAFETY: registers a handler that only bumps an atomic.
        unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
    });
    let forks = FORKS.load(Ordering::Relaxed);
    CACHED.with(|cached| match cached.get() {
        Some((generation, me)) if generation == forks => me,
        _ => {
            // SAFETY: plain system calls without arguments.
            let (pid, tid) = unsafe { (libc::getpid() as u32, libc::gettid() as u32) };
            let me = Me {
                pid,
                tid,
                start: start_time(pid).unwrap_or(0),
            };
            cached.set(Some((forks, me)));
            me
        }
    })
}

/// State and start time of process `pid` from `/proc/<pid>/stat`.
fn stat(pid: u32) -> std::io::Result<(u8, u64)> {
    let text = std::fs::read(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold anything; fields after it follow
    // the last ')'.
    let close = text
        .iter()
        .rposition(|&byte| byte == b')')
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let rest =
        std::str::from_utf8(&text[close + 1..]).map_err(|_| std::io::ErrorKind::InvalidData)?;
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next().and_then(|s| s.bytes().next()).unwrap_or(b'?');
    // Field 3 is the state; the start time is field 22, 19 further on.
    let start = fields
        .nth(18)
        .and_then(|field| field.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    Ok((state, start))
}

fn start_time(pid: u32) -> Option<u64> {
    stat(pid).ok().map(|(_, start)| start)
}

/// Whether the process `pid` that started at `start` (0 = unknown) still
/// runs. A zombie (killed, not yet reaped) is dead; so is a process that
/// reuses the pid with another start time.
pub(crate) fn alive(pid: u32, start: u64) -> bool {
    if pid == 0 {
        return false;
    }
    match stat(pid) {
        Ok((state, started)) => {
            !(state == b'Z' || state == b'X' || (start != 0 && started != start))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
        // No /proc: fall back to asking the kernel whether the pid exists.
        // SAFETY: signal 0 only checks for existence and permission.
        Err(_) => unsafe {
            libc::kill(pid as libc::pid_t, 0) == 0
                || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
        },
    }
}
