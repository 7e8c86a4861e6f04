//! A mapped shared-memory region: a header, then one object's state.
//!
//! A named region is a POSIX shared-memory object (`shm_open`), created with
//! `O_EXCL`, sized, filled and only then marked ready by storing the magic
//! word, so an opener never sees a half-made object. An anonymous region is
//! a `MAP_SHARED | MAP_ANONYMOUS` mapping, shared with children forked
//! after it is made.

use std::ffi::CString;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::identity::{alive, me};
use crate::{Error, Result};

/// "ACSHM" and the layout version, stored last when a region is ready.
const MAGIC: u64 = 0x4143_5348_4d00_0003;
/// Bytes before the object's state: the header and its table of users.
pub(crate) const HEADER_SIZE: usize = 4096;
/// Processes a named region records as its users at once.
const USER_SLOTS: usize = (HEADER_SIZE - 32) / 16;
/// How long an opener waits for a creator to finish a region.
const READY_WAIT: Duration = Duration::from_secs(2);

/// What a region holds (so a queue is never opened as a mutex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Kind {
    Queue = 1,
    Mutex = 2,
    RLock = 3,
    Semaphore = 4,
    Event = 5,
    Barrier = 6,
    Counter = 7,
    Condition = 8,
    Memory = 9,
}

/// A process that created or opened a named region (pid 0 = free slot).
#[repr(C)]
struct User {
    pid: AtomicU32,
    _pad: u32,
    start: AtomicU64,
}

#[repr(C)]
struct Header {
    magic: AtomicU64,
    kind: AtomicU32,
    _pad: u32,
    size: AtomicU64,
    _reserved: u64,
    /// The processes using a named region. A process that dies without
    /// releasing stays here until the next release finds it dead; the last
    /// live user to release removes the name.
    users: [User; USER_SLOTS],
}

const _: () = assert!(std::mem::size_of::<Header>() <= HEADER_SIZE);

/// One process's mapping of a region.
pub(crate) struct Region {
    base: *mut u8,
    len: usize,
    name: Option<CString>,
    /// The process that mapped it: a child that inherited the mapping over
    /// `fork` does not count as a user of the name.
    mapped_by: u32,
    /// This mapping's slot in the users table (None = not recorded).
    slot: Option<usize>,
}

// SAFETY: the mapping is shared memory accessed only through atomics and
// byte copies under the objects' own locks.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

fn os_error(what: &'static str) -> Error {
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENOMEM) | Some(libc::ENOSPC) | Some(libc::EMFILE) | Some(libc::ENFILE) => {
            Error::NoMemory
        }
        _ => Error::InvalidArgument(what),
    }
}

/// The `shm_open` name for a user's name: `/` + name; names are 1 to 200
/// bytes, without `/` (except one leading) or NUL.
fn shm_name(name: &str) -> Result<CString> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    if bare.is_empty() || bare.len() > 200 || bare.contains('/') || bare.contains('\0') {
        return Err(Error::InvalidArgument(
            "a shared object name is 1 to 200 bytes without '/' or NUL",
        ));
    }
    CString::new(format!("/{bare}")).map_err(|_| Error::InvalidArgument("name holds NUL"))
}

fn map(fd: libc::c_int, len: usize) -> Result<*mut u8> {
    let flags = if fd < 0 {
        libc::MAP_SHARED | libc::MAP_ANONYMOUS
    } else {
        libc::MAP_SHARED
    };
    // SAFETY: a fresh mapping; the kernel picks the address.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            fd,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(os_error("cannot map the shared object"));
    }
    Ok(base.cast())
}

/// Removes the name of a named object; processes that opened it keep it.
pub fn unlink(name: &str) -> Result<()> {
    let name = shm_name(name)?;
    // SAFETY: a valid C string.
    if unsafe { libc::shm_unlink(name.as_ptr()) } != 0 {
        return Err(Error::InvalidArgument("no shared object of that name"));
    }
    Ok(())
}

impl Region {
    fn header(&self) -> &Header {
        // SAFETY: the mapping starts with a header and lives as long as self.
        unsafe { &*self.base.cast::<Header>() }
    }

    /// The object's state, `len - HEADER_SIZE` bytes.
    pub(crate) fn body(&self) -> *mut u8 {
        // SAFETY: within the mapping.
        unsafe { self.base.add(HEADER_SIZE) }
    }

    /// The name it was created or opened under (None = anonymous).
    pub(crate) fn name(&self) -> Option<&str> {
        self.name
            .as_ref()
            .and_then(|name| name.to_str().ok())
            .map(|name| name.trim_start_matches('/'))
    }

    /// Creates a region of `kind` with `body_len` bytes of state, named or
    /// anonymous; `init` fills the zeroed state before anyone can open it.
    pub(crate) fn create(
        name: Option<&str>,
        kind: Kind,
        body_len: usize,
        init: impl FnOnce(*mut u8),
    ) -> Result<Region> {
        let len = HEADER_SIZE
            .checked_add(body_len)
            .ok_or(Error::Overflow("shared object too large"))?;
        let (base, name) = match name {
            None => (map(-1, len)?, None),
            Some(name) => {
                let name = shm_name(name)?;
                // SAFETY: a valid C string; O_EXCL makes this process its creator.
                let fd = unsafe {
                    libc::shm_open(
                        name.as_ptr(),
                        libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                        0o600,
                    )
                };
                if fd < 0 {
                    return Err(
                        if std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
                            Error::InvalidArgument("a shared object of that name exists")
                        } else {
                            os_error("cannot create the shared object")
                        },
                    );
                }
                // SAFETY: our descriptor; closed once mapped (the mapping stays).
                let mapped = unsafe {
                    if libc::ftruncate(fd, len as libc::off_t) != 0 {
                        Err(os_error("cannot size the shared object"))
                    } else {
                        map(fd, len)
                    }
                };
                // SAFETY: our descriptor.
                unsafe { libc::close(fd) };
                match mapped {
                    Ok(base) => (base, Some(name)),
                    Err(error) => {
                        // SAFETY: the name we just created.
                        unsafe { libc::shm_unlink(name.as_ptr()) };
                        return Err(error);
                    }
                }
            }
        };
        let region = Region {
            base,
            len,
            name,
            mapped_by: std::process::id(),
            slot: None,
        };
        init(region.body());
        let header = region.header();
        header.kind.store(kind as u32, Ordering::Relaxed);
        header.size.store(len as u64, Ordering::Relaxed);
        header.magic.store(MAGIC, Ordering::Release);
        let mut region = region;
        if region.name.is_some() {
            region.slot = region.record_user();
        }
        Ok(region)
    }

    /// Opens the named region of `kind`, waiting briefly for its creator to
    /// finish it.
    pub(crate) fn open(name: &str, kind: Kind) -> Result<Region> {
        let name = shm_name(name)?;
        // SAFETY: a valid C string.
        let fd = unsafe { libc::shm_open(name.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC, 0) };
        if fd < 0 {
            return Err(
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT) {
                    Error::InvalidArgument("no shared object of that name")
                } else {
                    os_error("cannot open the shared object")
                },
            );
        }
        let began = Instant::now();
        let mapped = loop {
            // SAFETY: our descriptor and a zeroed stat buffer.
            let mut stat: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            if unsafe { libc::fstat(fd, &mut stat) } != 0 {
                break Err(os_error("cannot open the shared object"));
            }
            if stat.st_size as usize > HEADER_SIZE {
                break map(fd, stat.st_size as usize).map(|base| (base, stat.st_size as usize));
            }
            if began.elapsed() > READY_WAIT {
                break Err(Error::InvalidArgument(
                    "the shared object was never made ready",
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        let (base, len) = mapped?;
        let mut region = Region {
            base,
            len,
            name: None,
            mapped_by: std::process::id(),
            slot: None,
        };
        let header = region.header();
        while header.magic.load(Ordering::Acquire) != MAGIC {
            if began.elapsed() > READY_WAIT {
                return Err(Error::InvalidArgument(
                    "the shared object was never made ready",
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if header.kind.load(Ordering::Relaxed) != kind as u32
            || header.size.load(Ordering::Relaxed) != len as u64
        {
            return Err(Error::InvalidArgument(
                "the shared object is of another type",
            ));
        }
        region.name = Some(name);
        region.slot = region.record_user();
        Ok(region)
    }
}

impl Region {
    /// Records this process in the users table (None when it is full: the
    /// name may then go while this process still uses its mapping).
    fn record_user(&self) -> Option<usize> {
        let me = me();
        self.header().users.iter().position(|user| {
            let claimed = user
                .pid
                .compare_exchange(0, me.pid, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
            if claimed {
                user.start.store(me.start, Ordering::Release);
            }
            claimed
        })
    }

    /// Drops this process from the users table and clears dead users;
    /// true when no live user is left.
    fn forget_user(&self) -> bool {
        let users = &self.header().users;
        if let Some(slot) = self.slot {
            users[slot].start.store(0, Ordering::Relaxed);
            users[slot].pid.store(0, Ordering::Release);
        }
        let mut live = false;
        for user in users {
            let pid = user.pid.load(Ordering::Acquire);
            if pid == 0 {
                continue;
            }
            if alive(pid, user.start.load(Ordering::Acquire)) {
                live = true;
            } else {
                let _ = user
                    .pid
                    .compare_exchange(pid, 0, Ordering::AcqRel, Ordering::Relaxed);
            }
        }
        !live
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Some(name) = &self.name {
            if self.mapped_by == std::process::id() && self.forget_user() {
                // SAFETY: a valid C string; it may already be unlinked.
                unsafe { libc::shm_unlink(name.as_ptr()) };
            }
        }
        // SAFETY: our mapping, no longer used.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}
