//! The guest-memory seam: what lowering needs from a guest, whatever runs it.
//!
//! Lifting ([`crate::lift`]) reads a plain `&[u8]` view of the memory and needs no guest calls.
//! Lowering ([`crate::lower`]) writes through [`GuestMemoryMut`]: the guest's own allocator
//! plus bounds-checked writes. A wasm backend (wasmtime, a JavaScript engine, a test double)
//! implements it once.

use crate::error::AbiError;

/// What lowering needs from a guest: an allocator and bounds-checked writes.
pub trait GuestMemoryMut {
    /// Allocates `size` (> 0) bytes with the alignment of `tag` (§1.2) and returns the address.
    /// Implementations must check that the whole block lies inside memory.
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError>;
    /// Writes `bytes` at `ptr`, bounds-checked against the current memory size.
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError>;
}
