//! Objects in shared memory, shared by processes: a FIFO queue of byte
//! messages, the sync objects (mutex, reentrant lock, condition,
//! semaphore, event, barrier, counter) and blocks of plain shared bytes.
//!
//! Each object is one shared-memory region: a header ([`region`]) and the
//! object's state, made only of atomics and plain bytes, so any process that
//! maps it (by name through `shm_open`, or inherited over `fork` for an
//! anonymous one) runs the same code on the same memory. Waits are futexes on
//! words of the region (shared, not process-private, futexes).
//!
//! # Surviving a process that dies
//!
//! A process may be killed (SIGKILL) at any instruction. The design keeps
//! every object usable by the others:
//! - Locks ([`lock`]) record their holder (pid, its start time, tid). A
//!   waiter sleeps in slices of [`SLICE`]; after each slice it checks whether
//!   the holder still lives (`/proc/<pid>/stat`: gone, a zombie, or a new
//!   process with that pid but another start time all count as dead) and
//!   takes a dead holder's lock over, reporting `OwnerDied`. Why not the
//!   kernel's robust futex list (`set_robust_list`): each thread has one
//!   list head and the C library already owns it for its robust pthread
//!   mutexes, and those must be unlocked by the thread that locked them,
//!   which a `multiprocessing.Lock` (released by any process) cannot
//!   promise. Liveness checks cost nothing until a waiter has waited a
//!   whole slice.
//! - The queue ([`queue`]) changes its state under its lock with a commit
//!   protocol: a put reserves room past the tail, writes the item there and
//!   publishes it with one store of the tail; a get copies the item out and
//!   then consumes it with one store of the head. A process killed before
//!   that store leaves the queue as it was (the half-written item is never
//!   delivered, the item being got stays queued); after it, the operation
//!   is complete. The item count, derived state, is recounted by whoever
//!   takes over a dead holder's lock.
//! - Waiter counts only decide whether a futex wake is needed; one left
//!   high by a dead waiter costs a wake, never a hang, and every wait is
//!   sliced, so a wake lost with a dead process costs at most a slice.
//! - A condition ([`condition`]) gives each waiter a slot recording its
//!   process; a notify skips and frees the slots of dead processes, so a
//!   waiter killed while waiting takes no notify from the living.
//! - Semaphores, events, barriers and counters have no holder: a process
//!   that dies holding a semaphore's unit keeps it, as with POSIX
//!   semaphores; barriers break on a waiter's timeout.
//!
//! # Lifetime
//!
//! Each process maps an object once per handle chain: the core object here
//! unmaps on drop. A named object records the processes that created or
//! opened it (pid and start time) in its header; when the last live one
//! drops its object, the name is unlinked. A user that died without
//! dropping it is cleared by the next one that drops it.
//! `unlink` removes a name at once (processes that mapped it keep using
//! it). An anonymous object goes when the last process unmaps it.

pub mod condition;
mod futex;
mod identity;
mod lock;
pub mod memory;
pub mod queue;
mod region;
pub mod sync;

pub use condition::ShmCondition;
pub use memory::ShmMemory;
pub use queue::ShmQueue;
pub use region::unlink;
pub use sync::{ShmBarrier, ShmCounter, ShmEvent, ShmMutex, ShmRLock, ShmSemaphore};

use std::time::Duration;

/// How long a waiter sleeps before it re-checks its object (a dead lock
/// holder, a wake lost with a dead process).
pub const SLICE: Duration = Duration::from_millis(10);

/// How a lock was acquired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// From a holder that released it (or nobody).
    Clean,
    /// From a holder that died holding it: the state it protects may be half
    /// updated.
    OwnerDied,
}

#[cfg(test)]
mod tests;
