//! Lowering: writing interface values into a guest through its `allocate` (§2.5, §2.6, §6.5).
//!
//! Generic over [`GuestMemoryMut`], so the same code lowers export arguments (host → module)
//! and, in the next layer, import results (module B → module A). Values are assumed to be
//! type-checked already ([`crate::types::check_value`]); a mismatch still gives an error, never
//! a panic.
//!
//! Allocation order and tags follow the official lowerer:
//! - strings and byte arrays: `allocate(len, 1)`; empty ones are (0, 0) with no allocation;
//! - arrays: first the outer buffer `allocate(count × wire_size, tag(elem))`, then each
//!   element's own buffers in element order; the outer buffer is written once at the end;
//! - records: nested buffers first, in field order, then `allocate(record_size, 1)` for the
//!   record's packed bytes.

use crate::abi::{case_fields, DISCRIMINANT_SIZE};
use crate::abi::{element_tag, record_size, tuple_size, wire_size, WasmValue, BYTES_TAG};
use crate::error::AbiError;
use crate::memory::GuestMemoryMut;
use crate::types::{IRecordType, IType, IValue};

fn mismatch(ty: &IType, value: &IValue) -> AbiError {
    AbiError::ValueMismatch {
        expected: ty.to_string(),
        given: value.kind_name().to_string(),
    }
}

fn len_u32(len: usize, what: &str) -> Result<u32, AbiError> {
    u32::try_from(len).map_err(|_| AbiError::TooLarge {
        what: what.into(),
        len: len as u64,
    })
}

/// Copies `bytes` into a fresh guest buffer allocated with `tag`; returns (ptr, len).
/// Empty input gives (0, 0) without allocating. This is also the memory-to-memory fast path
/// for strings and byte arrays (lift the bytes, then call this).
pub fn lower_bytes<G: GuestMemoryMut>(
    guest: &mut G,
    bytes: &[u8],
    tag: u8,
) -> Result<(u32, u32), AbiError> {
    if bytes.is_empty() {
        return Ok((0, 0));
    }
    let len = len_u32(bytes.len(), "byte buffer")?;
    let ptr = guest.allocate(len, tag)?;
    guest.write(ptr, bytes)?;
    Ok((ptr, len))
}

/// Lowers a string; returns (ptr, byte_len).
pub fn lower_string<G: GuestMemoryMut>(guest: &mut G, s: &str) -> Result<(u32, u32), AbiError> {
    lower_bytes(guest, s.as_bytes(), BYTES_TAG)
}

/// Lowers a string, byte array or array; returns (ptr, len-or-count).
pub fn lower_sized<G: GuestMemoryMut>(
    guest: &mut G,
    ty: &IType,
    value: &IValue,
) -> Result<(u32, u32), AbiError> {
    match (ty, value) {
        (IType::String, IValue::String(s)) => lower_string(guest, s),
        (IType::ByteArray, IValue::ByteArray(b)) => lower_bytes(guest, b, BYTES_TAG),
        (IType::ByteArray, IValue::Array(items)) => {
            let bytes = items
                .iter()
                .map(|v| match v {
                    IValue::U8(b) => Ok(*b),
                    other => Err(mismatch(&IType::U8, other)),
                })
                .collect::<Result<Vec<u8>, _>>()?;
            lower_bytes(guest, &bytes, BYTES_TAG)
        }
        (IType::Array(elem), IValue::ByteArray(b)) if **elem == IType::U8 => {
            lower_bytes(guest, b, element_tag(&IType::U8))
        }
        (IType::Array(elem), IValue::Array(items)) => lower_array(guest, elem, items),
        _ => Err(mismatch(ty, value)),
    }
}

/// Lowers an array of `elem`; returns (ptr, count).
pub fn lower_array<G: GuestMemoryMut>(
    guest: &mut G,
    elem: &IType,
    items: &[IValue],
) -> Result<(u32, u32), AbiError> {
    if items.is_empty() {
        return Ok((0, 0));
    }
    let count = len_u32(items.len(), "array")?;
    let size = wire_size(elem) as u64 * count as u64;
    let size = u32::try_from(size).map_err(|_| AbiError::TooLarge {
        what: format!("array of {elem}"),
        len: size,
    })?;
    let ptr = guest.allocate(size, element_tag(elem))?;
    let mut buf = Vec::with_capacity(size as usize);
    for item in items {
        write_inline(guest, elem, item, &mut buf)?;
    }
    guest.write(ptr, &buf)?;
    Ok((ptr, count))
}

/// Lowers a record; returns the pointer to its packed bytes (0 for a record without fields).
pub fn lower_record<G: GuestMemoryMut>(
    guest: &mut G,
    record: &IRecordType,
    fields: &[IValue],
) -> Result<u32, AbiError> {
    if fields.len() != record.fields.len() {
        return Err(AbiError::ValueMismatch {
            expected: format!("record {} ({} fields)", record.name, record.fields.len()),
            given: format!("record with {} fields", fields.len()),
        });
    }
    let size = record_size(record);
    let mut buf = Vec::with_capacity(size as usize);
    for (field, value) in record.fields.iter().zip(fields) {
        write_inline(guest, &field.ty, value, &mut buf)?;
    }
    if size == 0 {
        return Ok(0);
    }
    let ptr = guest.allocate(size, BYTES_TAG)?;
    guest.write(ptr, &buf)?;
    Ok(ptr)
}

/// Lowers a value passed as one pointer to a block (a record or an extension type,
/// `docs/abi-extensions.md`); returns the pointer. Nested buffers are lowered first, then the
/// block itself is allocated with tag 1, as a record's. A block of size 0 (an empty tuple) is
/// pointer 0 with no allocation.
pub fn lower_boxed<G: GuestMemoryMut>(
    guest: &mut G,
    ty: &IType,
    value: &IValue,
) -> Result<u32, AbiError> {
    // Each block is built in one buffer of its exact size, as a record's is.
    let mut buf;
    match (ty, value) {
        (IType::Record(r), IValue::Record(fields)) => return lower_record(guest, r, fields),
        (IType::Tuple(types), IValue::Tuple(values)) if types.len() == values.len() => {
            buf = Vec::with_capacity(tuple_size(types) as usize);
            for (t, v) in types.iter().zip(values) {
                write_inline(guest, t, v, &mut buf)?;
            }
        }
        (IType::Option(inner), IValue::Option(v)) => match v {
            None => buf = 0u32.to_le_bytes().to_vec(),
            Some(v) => {
                buf = Vec::with_capacity((DISCRIMINANT_SIZE + wire_size(inner)) as usize);
                buf.extend_from_slice(&1u32.to_le_bytes());
                write_inline(guest, inner, v, &mut buf)?;
            }
        },
        (IType::Result(ok, err), IValue::Result(v)) => {
            let (discriminant, t, v) = match v {
                Ok(v) => (0u32, ok, v),
                Err(v) => (1u32, err, v),
            };
            buf = Vec::with_capacity((DISCRIMINANT_SIZE + wire_size(t)) as usize);
            buf.extend_from_slice(&discriminant.to_le_bytes());
            write_inline(guest, t, v, &mut buf)?;
        }
        (IType::Enum(_), IValue::Variant { index, fields }) => {
            let types = case_fields(ty, *index).ok_or_else(|| mismatch(ty, value))?;
            if types.len() != fields.len() {
                return Err(mismatch(ty, value));
            }
            buf = Vec::with_capacity(DISCRIMINANT_SIZE as usize + types.payload_size() as usize);
            buf.extend_from_slice(&index.to_le_bytes());
            for (t, v) in types.into_iter().zip(fields) {
                write_inline(guest, t, v, &mut buf)?;
            }
        }
        (
            IType::Boolean
            | IType::S8
            | IType::S16
            | IType::S32
            | IType::S64
            | IType::U8
            | IType::U16
            | IType::U32
            | IType::U64
            | IType::F32
            | IType::F64
            | IType::String
            | IType::ByteArray
            | IType::Array(_)
            | IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_),
            _,
        ) => return Err(mismatch(ty, value)),
    }
    if buf.is_empty() {
        return Ok(0);
    }
    let size = len_u32(buf.len(), "block")?;
    let ptr = guest.allocate(size, BYTES_TAG)?;
    guest.write(ptr, &buf)?;
    Ok(ptr)
}

/// Appends the inline form of `value` (record field / array element) to `buf`, lowering
/// pointed-to data first.
fn write_inline<G: GuestMemoryMut>(
    guest: &mut G,
    ty: &IType,
    value: &IValue,
    buf: &mut Vec<u8>,
) -> Result<(), AbiError> {
    match (ty, value) {
        (IType::Boolean, IValue::Boolean(b)) => buf.push(*b as u8),
        (IType::S8, IValue::S8(v)) => buf.push(*v as u8),
        (IType::U8, IValue::U8(v)) => buf.push(*v),
        (IType::S16, IValue::S16(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::U16, IValue::U16(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::S32, IValue::S32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::U32, IValue::U32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::F32, IValue::F32(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::S64, IValue::S64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::U64, IValue::U64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::F64, IValue::F64(v)) => buf.extend_from_slice(&v.to_le_bytes()),
        (IType::String | IType::ByteArray | IType::Array(_), _) => {
            let (ptr, len) = lower_sized(guest, ty, value)?;
            buf.extend_from_slice(&ptr.to_le_bytes());
            buf.extend_from_slice(&len.to_le_bytes());
        }
        (IType::Record(r), IValue::Record(fields)) => {
            let ptr = lower_record(guest, r, fields)?;
            buf.extend_from_slice(&ptr.to_le_bytes());
        }
        (IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_), _) => {
            let ptr = lower_boxed(guest, ty, value)?;
            buf.extend_from_slice(&ptr.to_le_bytes());
        }
        _ => return Err(mismatch(ty, value)),
    }
    Ok(())
}

/// Converts a scalar to its wasm value (§2.1): narrow signed ints sign-extended, narrow
/// unsigned ints zero-extended, u32/u64 bit-reinterpreted (so values ≥ 2^31 / 2^63 pass).
pub fn scalar_to_wasm(value: &IValue) -> Option<WasmValue> {
    Some(match value {
        IValue::Boolean(b) => WasmValue::I32(*b as i32),
        IValue::S8(v) => WasmValue::I32(*v as i32),
        IValue::S16(v) => WasmValue::I32(*v as i32),
        IValue::S32(v) => WasmValue::I32(*v),
        IValue::U8(v) => WasmValue::I32(*v as i32),
        IValue::U16(v) => WasmValue::I32(*v as i32),
        IValue::U32(v) => WasmValue::I32(*v as i32),
        IValue::S64(v) => WasmValue::I64(*v),
        IValue::U64(v) => WasmValue::I64(*v as i64),
        IValue::F32(v) => WasmValue::F32(v.to_bits()),
        IValue::F64(v) => WasmValue::F64(v.to_bits()),
        _ => return None,
    })
}

/// Converts a scalar wasm result back to an interface value (§2.2): narrow types are
/// truncated (the guest returns them extended), u32/u64 reinterpreted.
pub fn wasm_to_scalar(ty: &IType, value: WasmValue) -> Option<IValue> {
    Some(match (ty, value) {
        (IType::Boolean, WasmValue::I32(v)) => IValue::Boolean(v != 0),
        (IType::S8, WasmValue::I32(v)) => IValue::S8(v as i8),
        (IType::S16, WasmValue::I32(v)) => IValue::S16(v as i16),
        (IType::S32, WasmValue::I32(v)) => IValue::S32(v),
        (IType::U8, WasmValue::I32(v)) => IValue::U8(v as u8),
        (IType::U16, WasmValue::I32(v)) => IValue::U16(v as u16),
        (IType::U32, WasmValue::I32(v)) => IValue::U32(v as u32),
        (IType::S64, WasmValue::I64(v)) => IValue::S64(v),
        (IType::U64, WasmValue::I64(v)) => IValue::U64(v as u64),
        (IType::F32, WasmValue::F32(bits)) => IValue::F32(f32::from_bits(bits)),
        (IType::F64, WasmValue::F64(bits)) => IValue::F64(f64::from_bits(bits)),
        _ => return None,
    })
}

/// Lowers one argument and appends its wasm parameters to `out` (§2.1): scalars as one value,
/// strings/arrays as (ptr, len), records as one pointer.
///
/// `out` receives the values in order (a closure, so a backend converts them to its own
/// value type without an intermediate vector).
pub fn lower_argument<G: GuestMemoryMut>(
    guest: &mut G,
    ty: &IType,
    value: &IValue,
    out: &mut impl FnMut(WasmValue),
) -> Result<(), AbiError> {
    match ty {
        IType::String | IType::ByteArray | IType::Array(_) => {
            let (ptr, len) = lower_sized(guest, ty, value)?;
            out(WasmValue::I32(ptr as i32));
            out(WasmValue::I32(len as i32));
        }
        IType::Record(r) => match value {
            IValue::Record(fields) => out(WasmValue::I32(lower_record(guest, r, fields)? as i32)),
            other => return Err(mismatch(ty, other)),
        },
        IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
            out(WasmValue::I32(lower_boxed(guest, ty, value)? as i32))
        }
        _ => match scalar_to_wasm(value) {
            Some(v) if crate::types::check_value(value, ty).is_ok() => out(v),
            _ => return Err(mismatch(ty, value)),
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lift::Lifter;
    use crate::types::IRecordField;
    use std::sync::Arc;

    /// A host-only guest: bump allocator over a Vec, logging (size, tag).
    pub(crate) struct VecGuest {
        pub mem: Vec<u8>,
        pub next: u32,
        pub log: Vec<(u32, u8)>,
    }

    impl GuestMemoryMut for VecGuest {
        fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError> {
            self.log.push((size, tag));
            self.next = (self.next + 7) & !7;
            let ptr = self.next;
            self.next += size;
            if self.next as usize > self.mem.len() {
                self.mem.resize(self.next as usize, 0);
            }
            Ok(ptr)
        }
        fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
            self.mem[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
            Ok(())
        }
    }

    #[test]
    fn allocation_order_and_tags() {
        let inner = Arc::new(IRecordType {
            name: "Inner".into(),
            fields: vec![IRecordField {
                name: "s".into(),
                ty: IType::String,
            }],
        });
        let outer = IRecordType {
            name: "Outer".into(),
            fields: vec![
                IRecordField {
                    name: "a".into(),
                    ty: IType::S32,
                },
                IRecordField {
                    name: "v".into(),
                    ty: IType::Array(Box::new(IType::U64)),
                },
                IRecordField {
                    name: "inner".into(),
                    ty: IType::Array(Box::new(IType::Record(inner.clone()))),
                },
            ],
        };
        let value = vec![
            IValue::S32(-1),
            IValue::Array(vec![IValue::U64(1), IValue::U64(u64::MAX)]),
            IValue::Array(vec![IValue::Record(vec![IValue::String("hé".into())])]),
        ];
        let mut g = VecGuest {
            mem: vec![0; 8],
            next: 8,
            log: vec![],
        };
        let ptr = lower_record(&mut g, &outer, &value).unwrap();
        assert_eq!(
            g.log,
            vec![
                (16, 4), // []u64 outer buffer
                (4, 3),  // []Inner pointer array first
                (3, 1),  // then the inner string
                (8, 1),  // then the inner record
                (20, 1), // the outer record last
            ]
        );
        let lifted = Lifter::new(&g.mem).record(&Arc::new(outer), ptr).unwrap();
        assert_eq!(lifted, IValue::Record(value));
    }
}
