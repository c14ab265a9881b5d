//! The ABI exports every module has (§1): allocator, release list, result slots, `_initialize`.
//! Compiled only for wasm32 with the `marine-abi` feature.

use crate::internal;

/// Allocates `size` bytes aligned for the type of `tag` (the official runtime passes a byte size;
/// a runtime passing an element count gets at least as much as it needs for byte-sized tags).
#[unsafe(no_mangle)]
pub extern "C" fn allocate(size: usize, tag: usize) -> usize {
    crate::keep_sections();
    internal::allocate(size, tag)
}

/// Drops every object kept alive for the host.
#[unsafe(no_mangle)]
pub extern "C" fn release_objects() {
    internal::release_objects()
}

/// Result pointer slot.
#[unsafe(no_mangle)]
pub extern "C" fn get_result_ptr() -> usize {
    internal::get_result_ptr() as usize
}

/// Result size slot.
#[unsafe(no_mangle)]
pub extern "C" fn get_result_size() -> usize {
    internal::get_result_size() as usize
}

/// Sets the result pointer slot.
#[unsafe(no_mangle)]
pub extern "C" fn set_result_ptr(ptr: usize) {
    internal::set_result_ptr(ptr as u32)
}

/// Sets the result size slot.
#[unsafe(no_mangle)]
pub extern "C" fn set_result_size(size: usize) {
    internal::set_result_size(size as u32)
}

#[cfg(not(feature = "no-explicit-ctors-call"))]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// Runs static constructors once; an explicit reference to `__wasm_call_ctors` also stops wasm-ld
/// from wrapping every export in ctor/dtor calls.
#[cfg(not(feature = "no-explicit-ctors-call"))]
#[doc(hidden)]
#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    unsafe { __wasm_call_ctors() }
}
