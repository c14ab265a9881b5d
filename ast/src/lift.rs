//! Lifting: reading interface values out of a guest memory (§2.5, §2.6, §6.5).
//!
//! Reads through a [`GuestMemory`] view (a plain `&[u8]` for a host that sees the memory), so
//! it never calls into the guest. Every access is
//! bounds-checked with overflow-free arithmetic; an element count of 0 gives an empty value
//! without touching the pointer; sizes are checked against the memory before any host buffer
//! is allocated; strings must be valid UTF-8. A budget of host memory
//! ([`crate::Limits::max_value_size`], default 1 GiB) counts what lifting allocates, charged
//! before each allocation: an [`IValue`] per array element and record field
//! ([`IVALUE_BYTES`]), the bytes of each string and byte array. It stops guests that make
//! one result reference the same memory many times over (each reference would otherwise be
//! copied again) and values whose elements are small on the wire but not on the host (a
//! `bool` is one byte in memory, an `IValue` on the host). Recursion follows the type, never
//! the data, so it is bounded by `Limits::max_type_depth`.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::abi::{
    case_count, case_fields, record_size, tuple_size, wire_size, CaseFields, DISCRIMINANT_SIZE,
};
use crate::error::AbiError;
use crate::limits::DEFAULT_MAX_VALUE_SIZE;
use crate::memory::{in_bounds, read_bounded, GuestMemory, HostBudget};
use crate::types::{IRecordType, IType, IValue};

/// Host bytes one lifted [`IValue`] takes in its parent's vector.
pub const IVALUE_BYTES: u64 = std::mem::size_of::<IValue>() as u64;

/// A lifting session over one memory view (`&[u8]` by default).
pub struct Lifter<'m, M = &'m [u8]> {
    mem: M,
    size: u64,
    budget: HostBudget,
    lifetime: PhantomData<&'m [u8]>,
}

pub(crate) fn what_of(ty: &IType) -> String {
    match ty {
        IType::String => "string".into(),
        IType::ByteArray => "byte array".into(),
        IType::Array(elem) => format!("array of {elem}"),
        IType::Record(r) => format!("record {}", r.name),
        IType::Enum(e) => format!("enum {}", e.name),
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
        | IType::Option(_)
        | IType::Result(..)
        | IType::Tuple(_) => ty.to_string(),
    }
}

impl<'m> Lifter<'m> {
    /// Starts lifting from the bytes of a memory with the default budget.
    pub fn new(mem: &'m [u8]) -> Self {
        Self::over(mem)
    }
}

impl<'m, M: GuestMemory<'m>> Lifter<'m, M> {
    /// Starts lifting from any memory view with the default budget
    /// ([`DEFAULT_MAX_VALUE_SIZE`]).
    pub fn over(mem: M) -> Self {
        Self::with_budget(mem, DEFAULT_MAX_VALUE_SIZE)
    }

    /// Starts lifting with an explicit budget: the bytes of host memory the lifted values
    /// may take in total.
    pub fn with_budget(mem: M, limit: u64) -> Self {
        Lifter {
            size: mem.size(),
            mem,
            budget: HostBudget::new(limit),
            lifetime: PhantomData,
        }
    }

    /// The bytes at `ptr..ptr+len`, bounds-checked and charged to the budget (for a copy of
    /// them the caller keeps). `len` is in u64 so callers can pass an unchecked
    /// `count * size`.
    pub fn bytes(
        &mut self,
        ptr: u32,
        len: u64,
        what: impl FnOnce() -> String,
    ) -> Result<Cow<'m, [u8]>, AbiError> {
        if len == 0 || !self.in_bounds(ptr, len) {
            return self.read(ptr, len, what);
        }
        self.charge(len, what)?;
        Ok(self.mem.read(ptr, len as usize))
    }

    /// True when `ptr..ptr+len` lies inside the memory (or `len` is 0).
    fn in_bounds(&self, ptr: u32, len: u64) -> bool {
        in_bounds(ptr, len, self.size)
    }

    /// Charges `bytes` of host memory to the budget.
    fn charge(&mut self, bytes: u64, what: impl FnOnce() -> String) -> Result<(), AbiError> {
        self.budget.charge(bytes, what)
    }

    /// The bytes at `ptr..ptr+len`, bounds-checked (not charged: the caller charges what
    /// it allocates from them).
    fn read(
        &self,
        ptr: u32,
        len: u64,
        what: impl FnOnce() -> String,
    ) -> Result<Cow<'m, [u8]>, AbiError> {
        read_bounded(&self.mem, self.size, ptr, len, what)
    }

    /// A string of `len` bytes at `ptr`.
    pub fn string(&mut self, ptr: u32, len: u32) -> Result<String, AbiError> {
        let bytes = self.bytes(ptr, len as u64, || "string".into())?;
        let invalid = |e: std::str::Utf8Error, len: usize| AbiError::InvalidUtf8 {
            what: "string".into(),
            valid_up_to: e.valid_up_to(),
            len,
        };
        match bytes {
            Cow::Borrowed(b) => std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|e| invalid(e, b.len())),
            Cow::Owned(v) => {
                let len = v.len();
                String::from_utf8(v).map_err(|e| invalid(e.utf8_error(), len))
            }
        }
    }

    /// `len` raw bytes at `ptr` (one copy).
    pub fn byte_vec(&mut self, ptr: u32, len: u32) -> Result<Vec<u8>, AbiError> {
        Ok(self
            .bytes(ptr, len as u64, || "byte array".into())?
            .into_owned())
    }

    /// A string, byte array or array given as (ptr, len-or-count).
    pub fn sized(&mut self, ty: &IType, ptr: u32, size: u32) -> Result<IValue, AbiError> {
        match ty {
            IType::String => self.string(ptr, size).map(IValue::String),
            IType::ByteArray => self.byte_vec(ptr, size).map(IValue::ByteArray),
            IType::Array(elem) => self.array(elem, ptr, size),
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
            | IType::Record(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Tuple(_)
            | IType::Enum(_) => Err(AbiError::ValueMismatch {
                expected: "string or array".into(),
                given: ty.to_string(),
            }),
        }
    }

    /// An array of `count` elements of type `elem` at `ptr` (§2.6).
    pub fn array(&mut self, elem: &IType, ptr: u32, count: u32) -> Result<IValue, AbiError> {
        if count == 0 {
            return Ok(IValue::Array(Vec::new()));
        }
        let size = wire_size(elem) as u64;
        let total = (count as u64).saturating_mul(size);
        let what = || format!("array of {elem} ({count} elements)");
        let bytes = self.read(ptr, total, what)?;
        self.charge((count as u64).saturating_mul(IVALUE_BYTES), what)?;
        let mut items = Vec::with_capacity(count as usize);
        for chunk in bytes.chunks_exact(size as usize) {
            items.push(self.inline(elem, chunk)?);
        }
        Ok(IValue::Array(items))
    }

    /// A record at `ptr` (§2.5).
    pub fn record(&mut self, record: &Arc<IRecordType>, ptr: u32) -> Result<IValue, AbiError> {
        let size = record_size(record) as u64;
        let what = || format!("record {}", record.name);
        let bytes = self.read(ptr, size, what)?;
        self.charge(
            (record.fields.len() as u64).saturating_mul(IVALUE_BYTES),
            what,
        )?;
        let mut fields = Vec::with_capacity(record.fields.len());
        let mut offset = 0usize;
        for field in &record.fields {
            let len = wire_size(&field.ty) as usize;
            fields.push(self.inline(&field.ty, &bytes[offset..offset + len])?);
            offset += len;
        }
        Ok(IValue::Record(fields))
    }

    /// A value passed as one pointer to a block: a record, or an extension type (a tuple's
    /// packed elements; an `Option`, `Result` or enum's discriminant and payload,
    /// `docs/abi-extensions.md`). The recursion through nested blocks is bounded by the type's
    /// depth, as for records.
    pub fn boxed(&mut self, ty: &IType, ptr: u32) -> Result<IValue, AbiError> {
        match ty {
            IType::Record(r) => self.record(r, ptr),
            IType::Tuple(items) => {
                let size = tuple_size(items) as u64;
                let bytes = self.bytes(ptr, size, || format!("tuple {ty}"))?;
                // Host memory: one `IValue` per element.
                self.charge((items.len() as u64).saturating_mul(IVALUE_BYTES), || {
                    format!("tuple {ty}")
                })?;
                let mut values = Vec::with_capacity(items.len());
                let mut offset = 0usize;
                for item in items {
                    let len = wire_size(item) as usize;
                    values.push(self.inline(item, &bytes[offset..offset + len])?);
                    offset += len;
                }
                Ok(IValue::Tuple(values))
            }
            IType::Option(_) | IType::Result(..) | IType::Enum(_) => self.tagged(ty, ptr),
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
            | IType::Array(_) => Err(AbiError::ValueMismatch {
                expected: "record, option, result, tuple or enum".into(),
                given: ty.to_string(),
            }),
        }
    }

    /// An `Option`, `Result` or enum block: a u32 discriminant, then the chosen case's
    /// fields packed.
    fn tagged(&mut self, ty: &IType, ptr: u32) -> Result<IValue, AbiError> {
        let head = self.bytes(ptr, DISCRIMINANT_SIZE as u64, || what_of(ty))?;
        let mut d = [0u8; 4];
        d.copy_from_slice(&head);
        let discriminant = u32::from_le_bytes(d);
        let Some(fields) = case_fields(ty, discriminant) else {
            return Err(AbiError::InvalidDiscriminant {
                what: what_of(ty),
                ptr: ptr as u64,
                value: discriminant,
                cases: case_count(ty),
            });
        };
        let size = fields.payload_size();
        // The payload follows the discriminant; `ptr + 4` may pass 2^32 only for a block that
        // is out of bounds anyway.
        let payload_ptr =
            ptr.checked_add(DISCRIMINANT_SIZE)
                .ok_or_else(|| AbiError::OutOfBounds {
                    what: what_of(ty),
                    ptr: ptr as u64,
                    len: DISCRIMINANT_SIZE as u64 + size,
                    memory_size: self.size,
                })?;
        let bytes = self.bytes(payload_ptr, size, || what_of(ty))?;
        // Host memory: one `IValue` per payload field and the box holding the payload.
        self.charge(
            (fields.len() as u64 + 1).saturating_mul(IVALUE_BYTES),
            || what_of(ty),
        )?;
        // `Option` and `Result` build their one boxed payload straight from its bytes, as a
        // record its fields: no list of values in between.
        match (ty, fields) {
            (IType::Option(_), CaseFields::Empty) => Ok(IValue::Option(None)),
            (IType::Option(_), CaseFields::One(field)) => {
                let value = self.inline(field, &bytes)?;
                Ok(IValue::Option(Some(Box::new(value))))
            }
            (IType::Result(..), CaseFields::One(field)) => {
                let value = Box::new(self.inline(field, &bytes)?);
                Ok(IValue::Result(if discriminant == 0 {
                    Ok(value)
                } else {
                    Err(value)
                }))
            }
            (IType::Enum(_), CaseFields::Variant(types)) => {
                let mut values = Vec::with_capacity(types.len());
                let mut offset = 0usize;
                for field in types {
                    let len = wire_size(&field.ty) as usize;
                    values.push(self.inline(&field.ty, &bytes[offset..offset + len])?);
                    offset += len;
                }
                Ok(IValue::Variant {
                    index: discriminant,
                    fields: values,
                })
            }
            _ => Err(AbiError::ValueMismatch {
                expected: ty.to_string(),
                given: "a case that does not fit its type".into(),
            }),
        }
    }

    /// Decodes one inline (record field or array element) value from exactly
    /// `wire_size(ty)` bytes, following pointers for complex types.
    fn inline(&mut self, ty: &IType, b: &[u8]) -> Result<IValue, AbiError> {
        fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
            let mut a = [0u8; N];
            a.copy_from_slice(&b[..N]);
            a
        }
        fn u32_at(b: &[u8], at: usize) -> u32 {
            u32::from_le_bytes(arr(&b[at..]))
        }
        Ok(match ty {
            IType::Boolean => IValue::Boolean(b[0] != 0),
            IType::S8 => IValue::S8(b[0] as i8),
            IType::U8 => IValue::U8(b[0]),
            IType::S16 => IValue::S16(i16::from_le_bytes(arr(b))),
            IType::U16 => IValue::U16(u16::from_le_bytes(arr(b))),
            IType::S32 => IValue::S32(i32::from_le_bytes(arr(b))),
            IType::U32 => IValue::U32(u32::from_le_bytes(arr(b))),
            IType::F32 => IValue::F32(f32::from_le_bytes(arr(b))),
            IType::S64 => IValue::S64(i64::from_le_bytes(arr(b))),
            IType::U64 => IValue::U64(u64::from_le_bytes(arr(b))),
            IType::F64 => IValue::F64(f64::from_le_bytes(arr(b))),
            IType::String | IType::ByteArray | IType::Array(_) => {
                let (ptr, size) = (u32_at(b, 0), u32_at(b, 4));
                self.sized(ty, ptr, size)?
            }
            IType::Record(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Tuple(_)
            | IType::Enum(_) => self.boxed(ty, u32_at(b, 0))?,
        })
    }
}

/// Lifts a complex value (string, byte array, array, record, extension type) given the result
/// slots, with the default budget. `size` is ignored for the types passed by one pointer
/// (their RESULT_SIZE is stale, §2.2).
pub fn lift_result(mem: &[u8], ty: &IType, ptr: u32, size: u32) -> Result<IValue, AbiError> {
    lift_result_from(mem, ty, ptr, size, DEFAULT_MAX_VALUE_SIZE)
}

/// [`lift_result`] over any memory view, with a budget of `budget` bytes of host memory.
pub fn lift_result_from<'m, M: GuestMemory<'m>>(
    mem: M,
    ty: &IType,
    ptr: u32,
    size: u32,
    budget: u64,
) -> Result<IValue, AbiError> {
    let mut lifter = Lifter::with_budget(mem, budget);
    if ty.is_boxed() {
        lifter.boxed(ty, ptr)
    } else {
        lifter.sized(ty, ptr, size)
    }
    .map_err(|e| in_result(ty, e))
}

/// [`lift_result_from`]'s error texts name the result (`result array of u8: ...`); the same
/// for errors of a result checked for JSON ([`crate::json_out::check_result`]).
pub fn in_result(ty: &IType, e: AbiError) -> AbiError {
    match e {
        AbiError::OutOfBounds {
            what,
            ptr,
            len,
            memory_size,
        } => AbiError::OutOfBounds {
            what: format!("result {}: {what}", what_of(ty)),
            ptr,
            len,
            memory_size,
        },
        AbiError::InvalidUtf8 {
            what,
            valid_up_to,
            len,
        } => AbiError::InvalidUtf8 {
            what: format!("result {}: {what}", what_of(ty)),
            valid_up_to,
            len,
        },
        AbiError::LiftBudget { what, limit } => AbiError::LiftBudget {
            what: format!("result {}: {what}", what_of(ty)),
            limit,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_count_ignores_pointer() {
        let mem = [0u8; 16];
        let mut l = Lifter::new(&mem);
        assert_eq!(l.string(u32::MAX, 0).unwrap(), "");
        assert_eq!(
            l.array(&IType::U64, u32::MAX, 0).unwrap(),
            IValue::Array(vec![])
        );
    }

    #[test]
    fn huge_count_is_out_of_bounds_not_oom() {
        let mem = [0u8; 16];
        let mut l = Lifter::new(&mem);
        let e = l
            .array(&IType::Array(Box::new(IType::U64)), 0, u32::MAX)
            .unwrap_err();
        assert!(matches!(e, AbiError::OutOfBounds { len, .. } if len == u32::MAX as u64 * 8));
    }

    #[test]
    fn unaligned_record_fields() {
        // bool, u32, u64 at offsets 0, 1, 5 (13 bytes).
        let rec = Arc::new(IRecordType {
            name: "R".into(),
            fields: vec![
                crate::types::IRecordField {
                    name: "a".into(),
                    ty: IType::Boolean,
                },
                crate::types::IRecordField {
                    name: "b".into(),
                    ty: IType::U32,
                },
                crate::types::IRecordField {
                    name: "c".into(),
                    ty: IType::U64,
                },
            ],
        });
        let mut mem = vec![0u8; 32];
        mem[3] = 7;
        mem[4..8].copy_from_slice(&0xdead_beefu32.to_le_bytes());
        mem[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        let v = Lifter::new(&mem).record(&rec, 3).unwrap();
        assert_eq!(
            v,
            IValue::Record(vec![
                IValue::Boolean(true),
                IValue::U32(0xdead_beef),
                IValue::U64(u64::MAX)
            ])
        );
    }

    #[test]
    fn aliasing_hits_the_budget() {
        // 8 pairs all pointing at the same 1000-byte region, budget 4000.
        let mut mem = vec![b'a'; 2000];
        for i in 0..8u32 {
            let at = 1000 + 8 * i as usize;
            mem[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
            mem[at + 4..at + 8].copy_from_slice(&900u32.to_le_bytes());
        }
        let mut l = Lifter::with_budget(&mem[..], 4000);
        let e = l.array(&IType::String, 1000, 8).unwrap_err();
        assert!(matches!(e, AbiError::LiftBudget { .. }), "{e}");
    }
}
