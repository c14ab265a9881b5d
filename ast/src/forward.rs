//! Module-to-module calls without lifting byte arrays (§3.4), over any engine.
//!
//! When module A calls module B's export through an import, a string or byte array argument
//! (a `String`, `Vec<u8>` in either interface form) need not become an [`IValue`]: its bytes
//! are left in A's memory, checked, and copied once into a buffer B allocates. Everything else
//! is lifted as usual. The same holds in the other direction for a string or byte-array
//! output: it is left in B's memory ([`GuestBytes`]), checked, and copied once into A.
//!
//! The steps here are the host-independent half: which arguments are forwarded as bytes and
//! the checks on them ([`forward_arguments`]), the type check on the callee's side
//! ([`check_forwarded`]) and lowering into the callee ([`lower_forwarded`]). How bytes move
//! from one memory to the other is the host's: a wasmtime host copies from a borrowed slice,
//! a JavaScript host copies between the two memories' buffers without the bytes passing
//! through its own.

use std::borrow::Cow;

use crate::abi::{is_bytes_type, BYTES_TAG};
use crate::error::AbiError;
use crate::lower::lower_argument;
use crate::memory::{GuestMemory, GuestMemoryMut};
use crate::protocol::read_arguments;
use crate::types::{check_value, FunctionSignature, IType, IValue};
use crate::WasmValue;

/// A string or byte array in a guest's memory: `len` bytes at `ptr`. Made by
/// [`forward_arguments`] after a bounds check; a returned one is not checked until
/// [`GuestBytes::check`] or [`GuestBytes::view`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestBytes {
    /// Start address.
    pub ptr: u32,
    /// Length in bytes.
    pub len: u32,
    /// True for a string (the bytes must be UTF-8: the receiving SDK takes strings
    /// unchecked).
    pub utf8: bool,
}

impl GuestBytes {
    /// What these bytes are, for errors.
    pub fn what(&self) -> &'static str {
        if self.utf8 {
            "string"
        } else {
            "byte array"
        }
    }

    /// Checks that the bytes lie inside a memory of `memory_size` bytes.
    pub fn check_bounds(&self, memory_size: u64) -> Result<(), AbiError> {
        if self.len == 0 || self.ptr as u64 + self.len as u64 <= memory_size {
            Ok(())
        } else {
            Err(AbiError::OutOfBounds {
                what: self.what().into(),
                ptr: self.ptr as u64,
                len: self.len as u64,
                memory_size,
            })
        }
    }

    /// Checks `bytes` (the contents of this range) for UTF-8 when this is a string.
    pub fn check_contents(&self, bytes: &[u8]) -> Result<(), AbiError> {
        if !self.utf8 {
            return Ok(());
        }
        std::str::from_utf8(bytes)
            .map(drop)
            .map_err(|e| AbiError::InvalidUtf8 {
                what: self.what().into(),
                valid_up_to: e.valid_up_to(),
                len: bytes.len(),
            })
    }

    /// The bytes in `memory` (a module's memory as it is now), checked to lie in it and, for
    /// a string, to be valid UTF-8.
    pub fn view(self, memory: &[u8]) -> Result<&[u8], AbiError> {
        self.check_bounds(memory.len() as u64)?;
        let start = self.ptr as usize;
        let bytes = if self.len == 0 {
            &[][..]
        } else {
            &memory[start..start + self.len as usize]
        };
        self.check_contents(bytes)?;
        Ok(bytes)
    }
}

/// UTF-8 validation of a string read in pieces: a host that reaches a guest's memory through
/// an API checks a forwarded string in bounded chunks instead of copying it whole.
#[derive(Debug)]
pub struct Utf8Chunks {
    /// The string's length, for errors.
    len: usize,
    /// Where `carry` starts in the string.
    pos: usize,
    /// The bytes of a character cut at the end of the last chunk.
    carry: Vec<u8>,
}

impl Utf8Chunks {
    /// Starts checking a string of `len` bytes.
    pub fn new(len: usize) -> Self {
        Utf8Chunks {
            len,
            pos: 0,
            carry: Vec::new(),
        }
    }

    /// Checks the next `chunk` of the string.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), AbiError> {
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            &joined
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {
                self.pos += bytes.len();
                self.carry.clear();
                Ok(())
            }
            // A character cut at the chunk's end: its first bytes wait for the next chunk.
            Err(e) if e.error_len().is_none() => {
                let cut = bytes[e.valid_up_to()..].to_vec();
                self.pos += e.valid_up_to();
                self.carry = cut;
                Ok(())
            }
            Err(e) => Err(AbiError::InvalidUtf8 {
                what: "string".into(),
                valid_up_to: self.pos + e.valid_up_to(),
                len: self.len,
            }),
        }
    }

    /// Ends the check: a character still cut is invalid.
    pub fn finish(self) -> Result<(), AbiError> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(AbiError::InvalidUtf8 {
                what: "string".into(),
                valid_up_to: self.pos,
                len: self.len,
            })
        }
    }
}

/// An argument of a module-to-module call as the import adapter passes it on: a value, or a
/// host's handle `B` on a string or byte array still in the caller's memory.
#[derive(Clone, Debug)]
pub enum ForwardArg<'a, B> {
    /// A value (lifted from the caller, or given by the host).
    Value(Cow<'a, IValue>),
    /// A string or byte array still in the caller's memory, copied straight into the
    /// callee's memory.
    Bytes(B),
}

/// Reads the raw wasm arguments of an import call (`param(i)` is the `i`-th) from the
/// caller's `memory`: a string or byte array ([`is_bytes_type`]) is bounds-checked and handed
/// to `bytes`, which returns the host's handle on it (and checks what the host checks there,
/// e.g. UTF-8 over a borrowed slice); everything else is lifted within `budget` bytes of host
/// memory.
pub fn forward_arguments<'m, M: GuestMemory<'m>, B>(
    memory: M,
    sig: &FunctionSignature,
    param: impl Fn(usize) -> Option<WasmValue>,
    budget: u64,
    mut bytes: impl FnMut(GuestBytes) -> Result<B, AbiError>,
) -> Result<Vec<ForwardArg<'static, B>>, AbiError> {
    let memory_size = memory.size();
    read_arguments(
        memory,
        sig,
        param,
        budget,
        |lifter, ty, ptr, len| {
            if is_bytes_type(ty) {
                let at = GuestBytes {
                    ptr,
                    len,
                    utf8: *ty == IType::String,
                };
                at.check_bounds(memory_size)?;
                Ok(ForwardArg::Bytes(bytes(at)?))
            } else {
                Ok(ForwardArg::Value(Cow::Owned(lifter.sized(ty, ptr, len)?)))
            }
        },
        |value| ForwardArg::Value(Cow::Owned(value)),
    )
}

/// Checks a forwarded argument against the callee's argument type `ty`: a value must be of
/// it, bytes must be for a string or byte-array type. The error says what was given.
pub fn check_forwarded<B>(arg: &ForwardArg<'_, B>, ty: &IType) -> Result<(), String> {
    match arg {
        ForwardArg::Value(value) => check_value(value, ty),
        ForwardArg::Bytes(_) if is_bytes_type(ty) => Ok(()),
        ForwardArg::Bytes(_) => Err("string or byte array".to_string()),
    }
}

/// Lowers one forwarded argument of type `ty` into the callee `guest`, pushing its wasm
/// parameters: a value as [`lower_argument`] does, bytes with `copy`, which allocates a
/// buffer in the callee (tag [`BYTES_TAG`]), copies the bytes into it and returns
/// `(ptr, len)`. An empty string or byte array is passed as `(0, 0)` without `copy`'s
/// allocation when `copy` so decides (see [`copy_bytes`]).
pub fn lower_forwarded<G: GuestMemoryMut, B>(
    guest: &mut G,
    ty: &IType,
    arg: &ForwardArg<'_, B>,
    push: &mut impl FnMut(WasmValue),
    copy: impl FnOnce(&mut G, &B) -> Result<(u32, u32), AbiError>,
) -> Result<(), AbiError> {
    match arg {
        ForwardArg::Value(value) => lower_argument(guest, ty, value, push),
        ForwardArg::Bytes(bytes) => {
            let (ptr, len) = copy(guest, bytes)?;
            push(WasmValue::I32(ptr as i32));
            push(WasmValue::I32(len as i32));
            Ok(())
        }
    }
}

/// The copy of bytes a host holds in its own memory (or borrows from another guest's) into
/// a fresh buffer of `guest`: `(0, 0)` for none, else `allocate(len, BYTES_TAG)` and one
/// write. Returns `(ptr, len)`.
pub fn copy_bytes<G: GuestMemoryMut>(guest: &mut G, bytes: &[u8]) -> Result<(u32, u32), AbiError> {
    copy_bytes_to(guest, bytes, BYTES_TAG)
}

/// [`copy_bytes`] with the allocation tag `tag`.
pub fn copy_bytes_to<G: GuestMemoryMut>(
    guest: &mut G,
    bytes: &[u8],
    tag: u8,
) -> Result<(u32, u32), AbiError> {
    if bytes.is_empty() {
        return Ok((0, 0));
    }
    let len = copy_len(bytes.len() as u64)?;
    // Allocating may grow the memory: `write` checks against the size after it.
    let ptr = guest.allocate(len, tag)?;
    guest.write(ptr, bytes)?;
    Ok((ptr, len))
}

/// A copy's length as a wasm32 length.
fn copy_len(len: u64) -> Result<u32, AbiError> {
    u32::try_from(len).map_err(|_| AbiError::OutOfBounds {
        what: "copy source".into(),
        ptr: 0,
        len,
        memory_size: u32::MAX as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::IFunctionArg;

    fn sig(types: &[IType]) -> FunctionSignature {
        FunctionSignature {
            name: "f".into(),
            arguments: types
                .iter()
                .enumerate()
                .map(|(i, ty)| IFunctionArg {
                    name: format!("a{i}"),
                    ty: ty.clone(),
                })
                .collect(),
            outputs: Vec::new(),
        }
    }

    fn params(values: &[WasmValue]) -> impl Fn(usize) -> Option<WasmValue> + '_ {
        |i| values.get(i).copied()
    }

    #[test]
    fn bytes_are_left_in_memory_and_the_rest_is_lifted() {
        let mut mem = vec![0u8; 64];
        mem[8..13].copy_from_slice(b"hello");
        mem[16..19].copy_from_slice(&[1, 2, 3]);
        // An array of u32 (lifted), at 32: [7].
        mem[32..36].copy_from_slice(&7u32.to_le_bytes());
        let s = sig(&[
            IType::String,
            IType::Array(Box::new(IType::U8)),
            IType::U32,
            IType::Array(Box::new(IType::U32)),
        ]);
        let raw = [
            WasmValue::I32(8),
            WasmValue::I32(5),
            WasmValue::I32(16),
            WasmValue::I32(3),
            WasmValue::I32(42),
            WasmValue::I32(32),
            WasmValue::I32(1),
        ];
        let view: &[u8] = &mem;
        let args = forward_arguments(view, &s, params(&raw), u64::MAX, |at| at.view(view)).unwrap();
        assert!(matches!(args[0], ForwardArg::Bytes(b"hello")));
        assert!(matches!(args[1], ForwardArg::Bytes(&[1, 2, 3])));
        assert!(matches!(&args[2], ForwardArg::Value(v) if **v == IValue::U32(42)));
        assert!(
            matches!(&args[3], ForwardArg::Value(v) if **v == IValue::Array(vec![IValue::U32(7)]))
        );
        for (arg, ty) in args.iter().zip(s.arguments.iter()) {
            check_forwarded(arg, &ty.ty).unwrap();
        }
        assert_eq!(
            check_forwarded(&args[0], &IType::U32).unwrap_err(),
            "string or byte array"
        );
    }

    #[test]
    fn hostile_ranges_and_strings_are_refused() {
        let mut mem = vec![0u8; 32];
        mem[0] = 0xff;
        let view: &[u8] = &mem;
        let s = sig(&[IType::String]);
        let out_of_bounds = [WasmValue::I32(30), WasmValue::I32(8)];
        let e = forward_arguments(view, &s, params(&out_of_bounds), u64::MAX, |at| {
            at.view(view)
        })
        .unwrap_err();
        assert!(
            matches!(
                e,
                AbiError::OutOfBounds {
                    ptr: 30,
                    len: 8,
                    ..
                }
            ),
            "{e}"
        );
        let invalid = [WasmValue::I32(0), WasmValue::I32(2)];
        let e = forward_arguments(view, &s, params(&invalid), u64::MAX, |at| at.view(view))
            .unwrap_err();
        assert!(matches!(e, AbiError::InvalidUtf8 { .. }), "{e}");
        // The bounds are checked even when the host's handle does not look at the bytes.
        let e = forward_arguments(view, &s, params(&out_of_bounds), u64::MAX, Ok).unwrap_err();
        assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
        let missing = [WasmValue::I32(0)];
        let e = forward_arguments(view, &s, params(&missing), u64::MAX, Ok).unwrap_err();
        assert!(matches!(e, AbiError::ValueMismatch { .. }), "{e}");
    }

    #[test]
    fn utf8_in_chunks_matches_the_whole_check() {
        let text = "añ€😀b".repeat(3);
        let bytes = text.as_bytes();
        for size in 1..=bytes.len() {
            let mut check = Utf8Chunks::new(bytes.len());
            for chunk in bytes.chunks(size) {
                check.feed(chunk).unwrap();
            }
            check.finish().unwrap();
        }
        // Invalid in the middle, and a character cut at the end: the same position as
        // `from_utf8` gives whatever the chunking.
        let mut bad = bytes.to_vec();
        bad[4] = 0xff;
        let cut = &bytes[..bytes.len() - 2];
        for input in [&bad[..], cut] {
            let whole = std::str::from_utf8(input).unwrap_err().valid_up_to();
            for size in 1..=input.len() {
                let mut check = Utf8Chunks::new(input.len());
                let e = input
                    .chunks(size)
                    .try_for_each(|c| check.feed(c))
                    .err()
                    .unwrap_or_else(|| check.finish().unwrap_err());
                assert!(
                    matches!(e, AbiError::InvalidUtf8 { valid_up_to, .. } if valid_up_to == whole),
                    "chunks of {size}: {e}"
                );
            }
        }
    }

    /// A guest over a Vec with a bump allocator.
    struct Bump(Vec<u8>, u32);

    impl GuestMemoryMut for Bump {
        fn allocate(&mut self, size: u32, _tag: u8) -> Result<u32, AbiError> {
            let ptr = self.1;
            self.1 += size;
            Ok(ptr)
        }
        fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
            self.0[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
            Ok(())
        }
    }

    #[test]
    fn forwarded_bytes_are_copied_once_into_the_callee() {
        let mut callee = Bump(vec![0; 32], 4);
        let mut pushed = Vec::new();
        let arg: ForwardArg<'_, &[u8]> = ForwardArg::Bytes(b"abc");
        lower_forwarded(
            &mut callee,
            &IType::String,
            &arg,
            &mut |v| pushed.push(v),
            |g, b| copy_bytes(g, b),
        )
        .unwrap();
        assert_eq!(pushed, vec![WasmValue::I32(4), WasmValue::I32(3)]);
        assert_eq!(&callee.0[4..7], b"abc");
        let empty: ForwardArg<'_, &[u8]> = ForwardArg::Bytes(b"");
        pushed.clear();
        lower_forwarded(
            &mut callee,
            &IType::ByteArray,
            &empty,
            &mut |v| pushed.push(v),
            |g, b| copy_bytes(g, b),
        )
        .unwrap();
        assert_eq!(pushed, vec![WasmValue::I32(0), WasmValue::I32(0)]);
        assert_eq!(callee.1, 7, "nothing allocated for no bytes");
    }
}
