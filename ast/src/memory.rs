//! The guest-memory seams: what lifting and lowering need from a guest, whatever runs it.
//!
//! Lifting ([`crate::lift`]) reads through [`GuestMemory`] and needs no guest calls: a host
//! that sees the memory directly (wasmtime) lends its bytes (`&[u8]` implements the trait with
//! no copy), a host that reaches the memory through an API (a JavaScript engine) copies only
//! the ranges asked for. Lowering ([`crate::lower`]) writes through [`GuestMemoryMut`]: the
//! guest's own allocator plus bounds-checked writes. A wasm backend (wasmtime, a JavaScript
//! engine, a test double) implements each once.

use std::borrow::Cow;

use crate::error::AbiError;

/// A read view of a guest memory, valid until the guest runs again (its memory may grow).
pub trait GuestMemory<'m> {
    /// The memory's size in bytes.
    fn size(&self) -> u64;
    /// The `len` bytes at `ptr`. The caller has checked `ptr + len <= size()`.
    fn read(&self, ptr: u32, len: usize) -> Cow<'m, [u8]>;
}

impl<'m> GuestMemory<'m> for &'m [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read(&self, ptr: u32, len: usize) -> Cow<'m, [u8]> {
        let start = ptr as usize;
        Cow::Borrowed(&self[start..start + len])
    }
}

/// What lowering needs from a guest: an allocator and bounds-checked writes.
pub trait GuestMemoryMut {
    /// Allocates `size` (> 0) bytes with the alignment of `tag` (§1.2) and returns the address.
    /// Implementations must check that the whole block lies inside memory.
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError>;
    /// Writes `bytes` at `ptr`, bounds-checked against the current memory size.
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError>;
}

/// Checks the block a guest's `allocate(size, tag)` returned: not null (for `size > 0`) and
/// wholly inside the memory, whose size is read after the call (allocating may grow it).
pub fn checked_allocation(ptr: u32, size: u32, tag: u8, memory_size: u64) -> Result<u32, AbiError> {
    if ptr == 0 && size > 0 {
        return Err(AbiError::Allocation {
            size: size as u64,
            tag,
            reason: "the guest returned a null pointer".into(),
        });
    }
    if ptr as u64 + size as u64 > memory_size {
        return Err(AbiError::OutOfBounds {
            what: "block returned by allocate".into(),
            ptr: ptr as u64,
            len: size as u64,
            memory_size,
        });
    }
    Ok(ptr)
}

/// True when `ptr..ptr+len` lies inside a memory of `memory_size` bytes (or `len` is 0).
pub fn in_bounds(ptr: u32, len: u64, memory_size: u64) -> bool {
    len == 0 || (len <= memory_size && ptr as u64 + len <= memory_size)
}

/// The `len` bytes at `ptr` of `mem`, whose size the caller read once (`memory_size`):
/// [`AbiError::OutOfBounds`] naming `what` when they do not lie inside it. `len` is in u64
/// so callers can pass an unchecked `count * size`; nothing is read for `len == 0`.
pub fn read_bounded<'m, M: GuestMemory<'m>>(
    mem: &M,
    memory_size: u64,
    ptr: u32,
    len: u64,
    what: impl FnOnce() -> String,
) -> Result<Cow<'m, [u8]>, AbiError> {
    if len == 0 {
        return Ok(Cow::Borrowed(&[]));
    }
    if !in_bounds(ptr, len, memory_size) {
        return Err(AbiError::OutOfBounds {
            what: what(),
            ptr: ptr as u64,
            len,
            memory_size,
        });
    }
    Ok(mem.read(ptr, len as usize))
}

/// The host memory a value taken from a guest may cost (`Limits::max_value_size`): a lift
/// ([`crate::lift::Lifter`]) or a JSON output ([`crate::json_out`]) charges each part before
/// the guest memory behind it is read, so a guest that makes one result reference the same
/// memory many times over is stopped after work proportional to the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostBudget {
    remaining: u64,
    limit: u64,
}

impl HostBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        HostBudget {
            remaining: limit,
            limit,
        }
    }

    /// Charges `bytes`: [`AbiError::LiftBudget`] naming `what` when they are more than what
    /// is left (nothing is charged then).
    pub fn charge(&mut self, bytes: u64, what: impl FnOnce() -> String) -> Result<(), AbiError> {
        if bytes > self.remaining {
            return Err(AbiError::LiftBudget {
                what: what(),
                limit: self.limit,
            });
        }
        self.remaining -= bytes;
        Ok(())
    }

    /// The bytes charged so far.
    pub fn spent(&self) -> u64 {
        self.limit - self.remaining
    }
}

/// A host-only guest for the core's unit tests: memory in a `Vec`, a bump allocator
/// (8-aligned, never address 0), each allocation logged as (size, tag).
#[cfg(all(test, feature = "json"))]
#[derive(Default)]
pub(crate) struct VecGuest {
    /// The guest's memory.
    pub mem: Vec<u8>,
    /// Every `allocate` call's (size, tag), in order.
    pub allocations: Vec<(u32, u8)>,
}

#[cfg(all(test, feature = "json"))]
impl GuestMemoryMut for VecGuest {
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError> {
        self.allocations.push((size, tag));
        let ptr = ((self.mem.len().max(8) + 7) & !7) as u32;
        self.mem.resize(ptr as usize + size as usize, 0);
        Ok(ptr)
    }
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        self.mem[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_what_is_more_than_is_left_and_keeps_it() {
        let mut budget = HostBudget::new(10);
        budget.charge(4, || "a".into()).unwrap();
        let e = budget.charge(7, || "b".into()).unwrap_err();
        assert_eq!(
            e,
            AbiError::LiftBudget {
                what: "b".into(),
                limit: 10
            }
        );
        assert_eq!(budget.spent(), 4);
        budget.charge(6, || "c".into()).unwrap();
        assert_eq!(budget.spent(), 10);
        assert!(budget.charge(1, || "d".into()).is_err());
    }

    #[test]
    fn reads_are_bounds_checked_without_overflow() {
        let mem: &[u8] = &[1, 2, 3, 4];
        assert_eq!(
            &*read_bounded(&mem, 4, 1, 3, || "x".into()).unwrap(),
            &[2, 3, 4]
        );
        assert!(read_bounded(&mem, 4, 0, 0, || "x".into())
            .unwrap()
            .is_empty());
        assert!(read_bounded(&mem, 4, u32::MAX, 0, || "x".into()).is_ok());
        for (ptr, len) in [(1, 4), (u32::MAX, 1), (0, u64::MAX)] {
            let e = read_bounded(&mem, 4, ptr, len, || "x".into()).unwrap_err();
            assert!(
                matches!(e, AbiError::OutOfBounds { memory_size: 4, .. }),
                "{e}"
            );
        }
    }
}
