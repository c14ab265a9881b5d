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
