//! A block of plain shared bytes (what `multiprocessing.Value` and `Array`
//! keep their data in): no lock of its own and no waits; its users guard it
//! as they choose.

use std::sync::atomic::{AtomicU64, Ordering};

use super::region::{Kind, Region};
use crate::{Error, Result};

/// Bytes of the state before the data (the data stays 64-byte aligned).
const DATA_OFFSET: usize = 64;

/// Shared bytes, zeroed at creation.
pub struct ShmMemory {
    region: Region,
}

impl ShmMemory {
    /// Creates a block of `size` zeroed bytes (at least 1). Named (`Some`)
    /// or anonymous (shared over `fork`).
    pub fn create(name: Option<&str>, size: usize) -> Result<ShmMemory> {
        if size == 0 {
            return Err(Error::InvalidArgument("size is 0"));
        }
        let body = DATA_OFFSET
            .checked_add(size)
            .ok_or(Error::Overflow("size too large"))?;
        let region = Region::create(name, Kind::Memory, body, |body| {
            // SAFETY: the zeroed, exclusively owned state of a new region.
            let length = unsafe { &*body.cast::<AtomicU64>() };
            length.store(size as u64, Ordering::Relaxed);
        })?;
        Ok(ShmMemory { region })
    }

    /// Opens the named block.
    pub fn open(name: &str) -> Result<ShmMemory> {
        Ok(ShmMemory {
            region: Region::open(name, Kind::Memory)?,
        })
    }

    /// The name (None for an anonymous block).
    pub fn name(&self) -> Option<&str> {
        self.region.name()
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        // SAFETY: the region starts with the size, written before it was ready.
        unsafe { &*self.region.body().cast::<AtomicU64>() }.load(Ordering::Relaxed) as usize
    }

    /// Always false: a block holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The first byte, valid (for `len` bytes) while `self` lives.
    pub fn data(&self) -> *mut u8 {
        // SAFETY: the data follows the state inside the region.
        unsafe { self.region.body().add(DATA_OFFSET) }
    }
}
