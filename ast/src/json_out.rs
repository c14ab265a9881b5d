//! A result written as JSON straight from guest memory, without a value tree in between.
//!
//! [`crate::json::ivalues_to_json`] converts lifted `IValue`s to a `serde_json::Value`; this
//! module reads the result where the guest left it and serializes it with serde (so into
//! JSON text, an `io::Write`, or a `Value` for the tree API), in the same form: records as
//! objects with fields in declaration order (the names borrowed from the type, never copied
//! per element), byte arrays as arrays of numbers, non-finite floats as the strings `"NaN"`,
//! `"Infinity"` and `"-Infinity"`, and the ABI extension types (`docs/abi-extensions.md`) in
//! serde's forms: an `Option` as `null` or its value, a `Result` as `{"Ok": v}` or
//! `{"Err": e}`, a tuple as an array (`null` when empty), an enum value as `"Unit"`,
//! `{"Newtype": v}`, `{"Tuple": [..]}` or `{"Struct": {..}}`. A discriminant out of its type's
//! cases is [`AbiError::InvalidDiscriminant`], found by the check.
//!
//! [`check_result`] walks the value first: every pointer is bounds-checked, every string
//! UTF-8-checked, and what the output will cost the host (JSON text bytes, or the bytes of a
//! `Value` tree: [`JsonCost`]) is charged to a budget *before* the memory behind it is read,
//! so a guest that makes one result reference the same memory many times over (or a record
//! type with a very long field name, repeated) gets [`AbiError::LiftBudget`] after work
//! proportional to the budget, with nothing allocated. The text's length is known exactly
//! after the walk, so a buffer for it is allocated once. Serialization recurses as deep as
//! the result's type (bounded by `Limits::max_type_depth`), never deeper, whatever the
//! guest's data.

use std::borrow::Cow;
use std::io;
use std::marker::PhantomData;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::abi::{
    case_count, case_fields, record_size, tuple_size, wire_size, CaseFields, DISCRIMINANT_SIZE,
};
use crate::error::AbiError;
use crate::lift::what_of;
use crate::memory::{read_bounded, GuestMemory, HostBudget};
use crate::types::{IEnumVariant, IRecordField, IRecordType, IType, VariantKind};

/// What the serialized output costs the host, charged against the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonCost {
    /// Bytes of compact JSON text (exact, floats counted at their longest).
    Text,
    /// Bytes of a `serde_json::Value` tree (an estimate from the sizes of its parts).
    Tree,
}

/// A complex result (string, byte array, array, record) in guest memory, checked by
/// [`check_result`]; serializes as JSON.
pub struct GuestJson<'a, 'm, M> {
    mem: &'a M,
    ty: &'a IType,
    ptr: u32,
    size: u32,
    cost: u64,
    lifetime: PhantomData<&'m [u8]>,
}

impl<'a, 'm, M: GuestMemory<'m>> GuestJson<'a, 'm, M> {
    /// What the output costs the host in the [`JsonCost`] it was checked for (for
    /// [`JsonCost::Text`], at most the text's length: reserve it once).
    pub fn cost(&self) -> u64 {
        self.cost
    }

    /// Writes the value to `writer` as JSON text: compact, or indented as
    /// `serde_json::to_string_pretty` does. Only the writer can fail (the memory was checked).
    pub fn write<W: io::Write>(&self, writer: W, pretty: bool) -> Result<(), serde_json::Error> {
        if pretty {
            self.serialize(&mut serde_json::Serializer::pretty(writer))
        } else {
            self.serialize(&mut serde_json::Serializer::new(writer))
        }
    }

    /// Serialization over the memory.
    fn at(&self) -> At<'a, 'm, M> {
        At {
            mem: self.mem,
            size: self.mem.size(),
            lifetime: PhantomData,
        }
    }

    /// The value as a `serde_json::Value` (check it with [`JsonCost::Tree`]).
    /// Built straight from memory (not through a serializer), as deep as the type.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        let at = self.at();
        match self.ty {
            IType::String | IType::ByteArray | IType::Array(_) => {
                at.sized_value(self.ty, self.ptr, self.size)
            }
            IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => at.boxed_value(self.ty, self.ptr),
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
            | IType::F64 => Err(serde_json::Error::custom("a scalar is not in memory")),
        }
    }
}

/// The case of an `Option`, `Result` or enum block (`docs/abi-extensions.md`): its
/// discriminant, the case's field types and their packed bytes.
struct Case<'m, 't> {
    discriminant: u32,
    fields: CaseFields<'t>,
    payload: Cow<'m, [u8]>,
}

/// Reads the block of the tagged type `ty` at `ptr`: a discriminant out of the type's cases
/// is [`AbiError::InvalidDiscriminant`].
fn read_case<'m, 't, M: GuestMemory<'m>>(
    mem: &M,
    memory_size: u64,
    ty: &'t IType,
    ptr: u32,
) -> Result<Case<'m, 't>, AbiError> {
    let head = read_bounded(mem, memory_size, ptr, DISCRIMINANT_SIZE as u64, || {
        what_of(ty)
    })?;
    let discriminant = u32_at(&head, 0);
    let fields = case_fields(ty, discriminant).ok_or_else(|| AbiError::InvalidDiscriminant {
        what: what_of(ty),
        ptr: ptr as u64,
        value: discriminant,
        cases: case_count(ty),
    })?;
    let size = fields.payload_size();
    let payload_ptr = ptr
        .checked_add(DISCRIMINANT_SIZE)
        .ok_or_else(|| AbiError::OutOfBounds {
            what: what_of(ty),
            ptr: ptr as u64,
            len: DISCRIMINANT_SIZE as u64 + size,
            memory_size,
        })?;
    let payload = read_bounded(mem, memory_size, payload_ptr, size, || what_of(ty))?;
    Ok(Case {
        discriminant,
        fields,
        payload,
    })
}

/// The variant of `ty` (an enum) a case is, if `ty` is an enum.
fn variant_of(ty: &IType, discriminant: u32) -> Option<&IEnumVariant> {
    match ty {
        IType::Enum(e) => e.variants.get(discriminant as usize),
        _ => None,
    }
}

/// Checks the result `ty` at (`ptr`, `size`) in `mem` (its result slots; `size` is ignored
/// for records) for serialization as JSON: bounds, UTF-8, and its [`JsonCost`] against
/// `budget` bytes, charged before each part is read.
pub fn check_result<'a, 'm, M: GuestMemory<'m>>(
    mem: &'a M,
    ty: &'a IType,
    ptr: u32,
    size: u32,
    budget: u64,
    cost: JsonCost,
) -> Result<GuestJson<'a, 'm, M>, AbiError> {
    let mut walk = Walk {
        mem,
        memory_size: mem.size(),
        budget: HostBudget::new(budget),
        cost,
        lifetime: PhantomData,
    };
    match ty {
        IType::Record(_)
        | IType::Tuple(_)
        | IType::Option(_)
        | IType::Result(..)
        | IType::Enum(_) => walk.boxed(ty, ptr)?,
        IType::String | IType::ByteArray | IType::Array(_) => walk.sized(ty, ptr, size)?,
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
        | IType::F64 => {
            return Err(AbiError::ValueMismatch {
                expected: "string, array or record".into(),
                given: ty.to_string(),
            })
        }
    }
    Ok(GuestJson {
        mem,
        ty,
        ptr,
        size,
        cost: walk.budget.spent(),
        lifetime: PhantomData,
    })
}

/// Bytes of a `serde_json::Value` (every value's slot in its parent).
const VALUE_BYTES: u64 = std::mem::size_of::<serde_json::Value>() as u64;
/// Bytes of one object entry besides its value and its key's text: the key's `String`, the
/// map's hash and index.
const ENTRY_BYTES: u64 = std::mem::size_of::<String>() as u64 + 16;

/// The checking walk (see [`check_result`]).
struct Walk<'a, 'm, M> {
    mem: &'a M,
    memory_size: u64,
    budget: HostBudget,
    cost: JsonCost,
    lifetime: PhantomData<&'m [u8]>,
}

impl<'m, M: GuestMemory<'m>> Walk<'_, 'm, M> {
    fn charge(&mut self, bytes: u64, what: impl FnOnce() -> String) -> Result<(), AbiError> {
        self.budget.charge(bytes, what)
    }

    /// The `len` bytes at `ptr`, bounds-checked.
    fn read(
        &self,
        ptr: u32,
        len: u64,
        what: impl FnOnce() -> String,
    ) -> Result<Cow<'m, [u8]>, AbiError> {
        read_bounded(self.mem, self.memory_size, ptr, len, what)
    }

    fn sized(&mut self, ty: &IType, ptr: u32, size: u32) -> Result<(), AbiError> {
        match ty {
            IType::String => self.string(ptr, size),
            IType::ByteArray => self.byte_array(ptr, size),
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
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => Err(AbiError::ValueMismatch {
                expected: "string or array".into(),
                given: ty.to_string(),
            }),
        }
    }

    fn string(&mut self, ptr: u32, len: u32) -> Result<(), AbiError> {
        // The smallest the text can be, charged before the bytes are read.
        let least = match self.cost {
            JsonCost::Text => len as u64 + 3,
            JsonCost::Tree => len as u64 + VALUE_BYTES,
        };
        self.charge(least, || "string".into())?;
        let bytes = self.read(ptr, len as u64, || "string".into())?;
        std::str::from_utf8(&bytes).map_err(|e| AbiError::InvalidUtf8 {
            what: "string".into(),
            valid_up_to: e.valid_up_to(),
            len: bytes.len(),
        })?;
        if self.cost == JsonCost::Text {
            let escapes = escaped_len(&bytes) - bytes.len() as u64;
            self.charge(escapes, || "string".into())?;
        }
        Ok(())
    }

    fn byte_array(&mut self, ptr: u32, len: u32) -> Result<(), AbiError> {
        let least = match self.cost {
            JsonCost::Text => 2 * len as u64 + 3,
            JsonCost::Tree => (len as u64 + 1).saturating_mul(VALUE_BYTES),
        };
        self.charge(least, || "byte array".into())?;
        let bytes = self.read(ptr, len as u64, || "byte array".into())?;
        if self.cost == JsonCost::Text {
            // Digits beyond the first of each byte.
            let extra: u64 = bytes.iter().map(|b| u64::from(u8_digits(*b)) - 1).sum();
            self.charge(extra, || "byte array".into())?;
        }
        Ok(())
    }

    fn array(&mut self, elem: &IType, ptr: u32, count: u32) -> Result<(), AbiError> {
        let what = || format!("array of {elem} ({count} elements)");
        let least = match self.cost {
            JsonCost::Text => count as u64 + 3,
            JsonCost::Tree => VALUE_BYTES,
        };
        self.charge(least, what)?;
        if count == 0 {
            return Ok(());
        }
        let size = wire_size(elem) as u64;
        let bytes = self.read(ptr, (count as u64).saturating_mul(size), what)?;
        for chunk in bytes.chunks_exact(size as usize) {
            self.inline(elem, chunk)?;
        }
        Ok(())
    }

    fn record(&mut self, record: &IRecordType, ptr: u32) -> Result<(), AbiError> {
        let what = || format!("record {}", record.name);
        let least = match self.cost {
            JsonCost::Text => 3,
            JsonCost::Tree => VALUE_BYTES,
        };
        self.charge(least, what)?;
        let bytes = self.read(ptr, record_size(record) as u64, what)?;
        let mut offset = 0usize;
        for field in &record.fields {
            // The key's text: charged at its length first, its escapes after they are counted.
            let name = field.name.as_bytes();
            let key = match self.cost {
                JsonCost::Text => name.len() as u64 + 3,
                JsonCost::Tree => name.len() as u64 + ENTRY_BYTES,
            };
            self.charge(key, what)?;
            if self.cost == JsonCost::Text {
                self.charge(escaped_len(name) - name.len() as u64, what)?;
            }
            let len = wire_size(&field.ty) as usize;
            self.inline(&field.ty, &bytes[offset..offset + len])?;
            offset += len;
        }
        Ok(())
    }

    /// One inline value (record field, array element) of `wire_size(ty)` bytes.
    fn inline(&mut self, ty: &IType, b: &[u8]) -> Result<(), AbiError> {
        let scalar = |text: u64| match self.cost {
            JsonCost::Text => text + 1,
            JsonCost::Tree => VALUE_BYTES,
        };
        match ty {
            IType::Boolean => self.charge(scalar(5), || "bool".into()),
            IType::S8 => self.charge(scalar(signed_digits(b[0] as i8 as i64)), || "i8".into()),
            IType::U8 => self.charge(scalar(u8_digits(b[0]).into()), || "u8".into()),
            IType::S16 => self.charge(
                scalar(signed_digits(i16::from_le_bytes(arr(b)).into())),
                || "i16".into(),
            ),
            IType::U16 => self.charge(scalar(digits(u16::from_le_bytes(arr(b)).into())), || {
                "u16".into()
            }),
            IType::S32 => self.charge(
                scalar(signed_digits(i32::from_le_bytes(arr(b)).into())),
                || "i32".into(),
            ),
            IType::U32 => self.charge(scalar(digits(u32::from_le_bytes(arr(b)).into())), || {
                "u32".into()
            }),
            IType::S64 => self.charge(scalar(signed_digits(i64::from_le_bytes(arr(b)))), || {
                "i64".into()
            }),
            IType::U64 => self.charge(scalar(digits(u64::from_le_bytes(arr(b)))), || "u64".into()),
            IType::F32 | IType::F64 => self.charge(scalar(FLOAT_TEXT_MAX), || ty.to_string()),
            IType::String | IType::ByteArray | IType::Array(_) => {
                self.sized(ty, u32_at(b, 0), u32_at(b, 4))
            }
            IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => self.boxed(ty, u32_at(b, 0)),
        }
    }

    /// A value passed as one pointer to a block: a record, a tuple, an `Option`, `Result` or
    /// enum. Recurses as deep as the type.
    fn boxed(&mut self, ty: &IType, ptr: u32) -> Result<(), AbiError> {
        let what = || what_of(ty);
        match ty {
            IType::Record(record) => self.record(record, ptr),
            IType::Tuple(items) if items.is_empty() => self.charge(self.null(), what),
            IType::Tuple(items) => {
                let least = match self.cost {
                    JsonCost::Text => 3,
                    JsonCost::Tree => VALUE_BYTES,
                };
                self.charge(least, what)?;
                let bytes = self.read(ptr, tuple_size(items) as u64, what)?;
                self.fields(items.iter(), &bytes)
            }
            IType::Option(_) | IType::Result(..) | IType::Enum(_) => {
                let case = read_case(self.mem, self.memory_size, ty, ptr)?;
                match (ty, variant_of(ty, case.discriminant)) {
                    (IType::Option(_), _) if case.discriminant == 0 => {
                        self.charge(self.null(), what)?
                    }
                    (IType::Option(_), _) => {}
                    (IType::Result(..), _) => self.charge(self.entry("Err".len() as u64), what)?,
                    (_, Some(variant)) => {
                        let name = variant.name.as_bytes();
                        let text = match variant.kind {
                            VariantKind::Unit => escaped_len(name) + 3,
                            VariantKind::Tuple | VariantKind::Struct => escaped_len(name) + 7,
                        };
                        let least = match (self.cost, variant.kind) {
                            (JsonCost::Text, _) => text,
                            (JsonCost::Tree, VariantKind::Unit) => VALUE_BYTES + name.len() as u64,
                            (JsonCost::Tree, _) => {
                                2 * VALUE_BYTES + ENTRY_BYTES + name.len() as u64
                            }
                        };
                        self.charge(least, what)?;
                        if variant.kind == VariantKind::Struct {
                            for field in &variant.fields {
                                self.key(field.name.as_bytes(), what)?;
                            }
                        }
                    }
                    _ => {
                        return Err(AbiError::ValueMismatch {
                            expected: "an option, result or enum".into(),
                            given: ty.to_string(),
                        })
                    }
                }
                self.fields(case.fields.into_iter(), &case.payload)
            }
            _ => Err(AbiError::ValueMismatch {
                expected: "record, option, result, tuple or enum".into(),
                given: ty.to_string(),
            }),
        }
    }

    /// The packed values of `types` in `bytes`.
    fn fields<'t>(
        &mut self,
        types: impl Iterator<Item = &'t IType>,
        bytes: &[u8],
    ) -> Result<(), AbiError> {
        let mut offset = 0usize;
        for ty in types {
            let len = wire_size(ty) as usize;
            let b = bytes
                .get(offset..offset + len)
                .ok_or_else(|| AbiError::ValueMismatch {
                    expected: format!("{len} bytes of {ty}"),
                    given: "a shorter block".into(),
                })?;
            self.inline(ty, b)?;
            offset += len;
        }
        Ok(())
    }

    /// What `null` costs.
    fn null(&self) -> u64 {
        match self.cost {
            JsonCost::Text => 5,
            JsonCost::Tree => VALUE_BYTES,
        }
    }

    /// What an object of one entry with a key of `key_len` plain bytes costs besides its
    /// value.
    fn entry(&self, key_len: u64) -> u64 {
        match self.cost {
            JsonCost::Text => key_len + 6,
            JsonCost::Tree => VALUE_BYTES + ENTRY_BYTES + key_len,
        }
    }

    /// An object key: charged at its length first, its escapes after they are counted.
    fn key(&mut self, name: &[u8], what: impl Fn() -> String) -> Result<(), AbiError> {
        let key = match self.cost {
            JsonCost::Text => name.len() as u64 + 3,
            JsonCost::Tree => name.len() as u64 + ENTRY_BYTES,
        };
        self.charge(key, &what)?;
        if self.cost == JsonCost::Text {
            self.charge(escaped_len(name) - name.len() as u64, &what)?;
        }
        Ok(())
    }
}

/// The longest text a float is written as (`-1.7976931348623157e308`, `"-Infinity"`).
const FLOAT_TEXT_MAX: u64 = 24;

fn digits(v: u64) -> u64 {
    u64::from(v.checked_ilog10().unwrap_or(0)) + 1
}

fn signed_digits(v: i64) -> u64 {
    digits(v.unsigned_abs()) + u64::from(v < 0)
}

fn u8_digits(b: u8) -> u8 {
    match b {
        0..=9 => 1,
        10..=99 => 2,
        100..=255 => 3,
    }
}

/// Length of `bytes` as the inside of a JSON string, escaped as `serde_json` does.
fn escaped_len(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .map(|&b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    a
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(arr(&b[at..]))
}

impl<'m, M: GuestMemory<'m>> Serialize for GuestJson<'_, 'm, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let at = self.at();
        match self.ty {
            IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => at.boxed(s, self.ty, self.ptr),
            IType::String | IType::ByteArray | IType::Array(_) => {
                at.sized(s, self.ty, self.ptr, self.size)
            }
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
            | IType::F64 => Err(S::Error::custom("a scalar is not in memory")),
        }
    }
}

/// Serialization over the checked memory (every read is bounds-checked again: a failure is a
/// serializer error, never a panic).
struct At<'a, 'm, M> {
    mem: &'a M,
    size: u64,
    lifetime: PhantomData<&'m [u8]>,
}

impl<'a, 'm, M: GuestMemory<'m>> At<'a, 'm, M> {
    fn read<E: serde::ser::Error>(&self, ptr: u32, len: u64) -> Result<Cow<'m, [u8]>, E> {
        read_bounded(self.mem, self.size, ptr, len, || "result".into()).map_err(E::custom)
    }

    fn sized<S: Serializer>(
        &self,
        s: S,
        ty: &IType,
        ptr: u32,
        size: u32,
    ) -> Result<S::Ok, S::Error> {
        match ty {
            IType::String => {
                let bytes = self.read::<S::Error>(ptr, size as u64)?;
                let text = std::str::from_utf8(&bytes).map_err(S::Error::custom)?;
                s.serialize_str(text)
            }
            IType::ByteArray => {
                let bytes = self.read::<S::Error>(ptr, size as u64)?;
                let mut seq = s.serialize_seq(Some(bytes.len()))?;
                for b in bytes.iter() {
                    seq.serialize_element(b)?;
                }
                seq.end()
            }
            IType::Array(elem) => {
                let width = wire_size(elem) as u64;
                let bytes = self.read::<S::Error>(ptr, (size as u64).saturating_mul(width))?;
                let mut seq = s.serialize_seq(Some(size as usize))?;
                for chunk in bytes.chunks_exact(width as usize) {
                    seq.serialize_element(&Inline {
                        at: self,
                        ty: elem,
                        bytes: chunk,
                    })?;
                }
                seq.end()
            }
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
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => Err(S::Error::custom("not a string or array")),
        }
    }

    /// A record, tuple, `Option`, `Result` or enum block at `ptr`, in the forms of
    /// [`crate::json`] (serde's).
    fn boxed<S: Serializer>(&self, s: S, ty: &IType, ptr: u32) -> Result<S::Ok, S::Error> {
        match ty {
            IType::Record(record) => self.record(s, record, ptr),
            IType::Tuple(items) if items.is_empty() => s.serialize_unit(),
            IType::Tuple(items) => {
                let bytes = self.read::<S::Error>(ptr, tuple_size(items) as u64)?;
                Packed {
                    at: self,
                    types: items.iter().collect(),
                    bytes: &bytes,
                }
                .serialize(s)
            }
            IType::Option(_) | IType::Result(..) | IType::Enum(_) => {
                let case = read_case(self.mem, self.size, ty, ptr).map_err(S::Error::custom)?;
                let one = |ty| Inline {
                    at: self,
                    ty,
                    bytes: &case.payload,
                };
                match (ty, case.fields) {
                    (IType::Option(_), CaseFields::Empty) => s.serialize_unit(),
                    (IType::Option(_), CaseFields::One(inner)) => one(inner).serialize(s),
                    (IType::Result(..), CaseFields::One(value)) => {
                        let key = if case.discriminant == 0 { "Ok" } else { "Err" };
                        let mut map = s.serialize_map(Some(1))?;
                        map.serialize_entry(key, &one(value))?;
                        map.end()
                    }
                    (IType::Enum(_), CaseFields::Variant(fields)) => {
                        let variant = variant_of(ty, case.discriminant)
                            .ok_or_else(|| S::Error::custom("no such variant"))?;
                        let mut map = match variant.kind {
                            VariantKind::Unit => return s.serialize_str(&variant.name),
                            VariantKind::Tuple | VariantKind::Struct => s.serialize_map(Some(1))?,
                        };
                        match (variant.kind, fields) {
                            (VariantKind::Tuple, [field]) => {
                                map.serialize_entry(variant.name.as_str(), &one(&field.ty))?
                            }
                            (VariantKind::Struct, _) => map.serialize_entry(
                                variant.name.as_str(),
                                &Named {
                                    at: self,
                                    fields: &variant.fields,
                                    bytes: &case.payload,
                                },
                            )?,
                            _ => map.serialize_entry(
                                variant.name.as_str(),
                                &Packed {
                                    at: self,
                                    types: fields.iter().map(|f| &f.ty).collect(),
                                    bytes: &case.payload,
                                },
                            )?,
                        }
                        map.end()
                    }
                    _ => Err(S::Error::custom("a case that does not fit its type")),
                }
            }
            _ => Err(S::Error::custom(
                "not a record, tuple, option, result or enum",
            )),
        }
    }

    /// The trees of the packed values of `types` in `bytes` (a tuple's, a case's payload).
    fn values<'t>(
        &self,
        types: impl ExactSizeIterator<Item = &'t IType>,
        bytes: &[u8],
    ) -> Result<Vec<serde_json::Value>, serde_json::Error> {
        let mut offset = 0usize;
        let mut values = Vec::with_capacity(types.len());
        for ty in types {
            let len = wire_size(ty) as usize;
            let b = bytes
                .get(offset..offset + len)
                .ok_or_else(|| serde_json::Error::custom("a shorter block"))?;
            values.push(self.inline_value(ty, b)?);
            offset += len;
        }
        Ok(values)
    }

    /// The tree of a record, tuple, `Option`, `Result` or enum block at `ptr`, as
    /// [`At::boxed`] writes it.
    fn boxed_value(&self, ty: &IType, ptr: u32) -> Result<serde_json::Value, serde_json::Error> {
        use serde_json::Value;
        let custom = serde_json::Error::custom;
        let single = |key: &str, value: Value| {
            let mut map = serde_json::Map::with_capacity(1);
            map.insert(key.to_owned(), value);
            Value::Object(map)
        };
        match ty {
            IType::Record(record) => self.record_value(record, ptr),
            IType::Tuple(items) if items.is_empty() => Ok(Value::Null),
            IType::Tuple(items) => {
                let bytes = self.read::<serde_json::Error>(ptr, tuple_size(items) as u64)?;
                Ok(Value::Array(self.values(items.iter(), &bytes)?))
            }
            IType::Option(_) | IType::Result(..) | IType::Enum(_) => {
                let case =
                    read_case(self.mem, self.size, ty, ptr).map_err(serde_json::Error::custom)?;
                let mut fields = self.values(case.fields.iter(), &case.payload)?;
                match ty {
                    IType::Option(_) => Ok(fields.pop().unwrap_or(Value::Null)),
                    IType::Result(..) => {
                        let key = if case.discriminant == 0 { "Ok" } else { "Err" };
                        let value = fields
                            .pop()
                            .ok_or_else(|| custom("a result without payload"))?;
                        Ok(single(key, value))
                    }
                    _ => {
                        let variant = variant_of(ty, case.discriminant)
                            .ok_or_else(|| custom("no such variant"))?;
                        let payload = match variant.kind {
                            VariantKind::Unit => return Ok(Value::String(variant.name.clone())),
                            VariantKind::Tuple if fields.len() == 1 => {
                                fields.pop().unwrap_or(Value::Null)
                            }
                            VariantKind::Tuple => Value::Array(fields),
                            VariantKind::Struct => Value::Object(
                                variant
                                    .fields
                                    .iter()
                                    .map(|f| f.name.clone())
                                    .zip(fields)
                                    .collect(),
                            ),
                        };
                        Ok(single(&variant.name, payload))
                    }
                }
            }
            _ => Err(custom("not a record, tuple, option, result or enum")),
        }
    }

    fn record<S: Serializer>(
        &self,
        s: S,
        record: &IRecordType,
        ptr: u32,
    ) -> Result<S::Ok, S::Error> {
        let bytes = self.read::<S::Error>(ptr, record_size(record) as u64)?;
        let mut map = s.serialize_map(Some(record.fields.len()))?;
        let mut offset = 0usize;
        for field in &record.fields {
            let len = wire_size(&field.ty) as usize;
            let value = Inline {
                at: self,
                ty: &field.ty,
                bytes: &bytes[offset..offset + len],
            };
            map.serialize_entry(field.name.as_str(), &value)?;
            offset += len;
        }
        map.end()
    }
}

/// The tree of a checked value, built without a serializer.
impl<'m, M: GuestMemory<'m>> At<'_, 'm, M> {
    fn sized_value(
        &self,
        ty: &IType,
        ptr: u32,
        size: u32,
    ) -> Result<serde_json::Value, serde_json::Error> {
        use serde_json::Value;
        match ty {
            IType::String => {
                let bytes = self.read::<serde_json::Error>(ptr, size as u64)?;
                let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
                Ok(Value::String(text.to_owned()))
            }
            IType::ByteArray => {
                let bytes = self.read::<serde_json::Error>(ptr, size as u64)?;
                Ok(Value::Array(
                    bytes.iter().map(|&b| Value::Number(b.into())).collect(),
                ))
            }
            IType::Array(elem) => {
                let width = wire_size(elem) as u64;
                let bytes =
                    self.read::<serde_json::Error>(ptr, (size as u64).saturating_mul(width))?;
                let items = if width == 0 {
                    Vec::new()
                } else {
                    bytes
                        .chunks_exact(width as usize)
                        .map(|chunk| self.inline_value(elem, chunk))
                        .collect::<Result<_, _>>()?
                };
                Ok(Value::Array(items))
            }
            _ => Err(serde_json::Error::custom("not a string or array")),
        }
    }

    fn record_value(
        &self,
        record: &IRecordType,
        ptr: u32,
    ) -> Result<serde_json::Value, serde_json::Error> {
        let bytes = self.read::<serde_json::Error>(ptr, record_size(record) as u64)?;
        let mut map = serde_json::Map::with_capacity(record.fields.len());
        let mut offset = 0usize;
        for field in &record.fields {
            let len = wire_size(&field.ty) as usize;
            let value = self.inline_value(&field.ty, &bytes[offset..offset + len])?;
            map.insert(field.name.clone(), value);
            offset += len;
        }
        Ok(serde_json::Value::Object(map))
    }

    fn inline_value(&self, ty: &IType, b: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
        use serde_json::Value;
        Ok(match ty {
            IType::Boolean => Value::Bool(b[0] != 0),
            IType::S8 => (b[0] as i8).into(),
            IType::U8 => b[0].into(),
            IType::S16 => i16::from_le_bytes(arr(b)).into(),
            IType::U16 => u16::from_le_bytes(arr(b)).into(),
            IType::S32 => i32::from_le_bytes(arr(b)).into(),
            IType::U32 => u32::from_le_bytes(arr(b)).into(),
            IType::S64 => i64::from_le_bytes(arr(b)).into(),
            IType::U64 => u64::from_le_bytes(arr(b)).into(),
            IType::F32 => crate::json_forms::float_to_json(f64::from(f32::from_le_bytes(arr(b)))),
            IType::F64 => crate::json_forms::float_to_json(f64::from_le_bytes(arr(b))),
            IType::String | IType::ByteArray | IType::Array(_) => {
                self.sized_value(ty, u32_at(b, 0), u32_at(b, 4))?
            }
            IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => self.boxed_value(ty, u32_at(b, 0))?,
        })
    }
}

/// One inline value (array element, record field) and the memory its pointers lead into.
struct Inline<'s, 'a, 'm, M> {
    at: &'s At<'a, 'm, M>,
    ty: &'s IType,
    bytes: &'s [u8],
}

impl<'m, M: GuestMemory<'m>> Serialize for Inline<'_, '_, 'm, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.bytes;
        match self.ty {
            IType::Boolean => s.serialize_bool(b[0] != 0),
            IType::S8 => s.serialize_i8(b[0] as i8),
            IType::U8 => s.serialize_u8(b[0]),
            IType::S16 => s.serialize_i16(i16::from_le_bytes(arr(b))),
            IType::U16 => s.serialize_u16(u16::from_le_bytes(arr(b))),
            IType::S32 => s.serialize_i32(i32::from_le_bytes(arr(b))),
            IType::U32 => s.serialize_u32(u32::from_le_bytes(arr(b))),
            IType::S64 => s.serialize_i64(i64::from_le_bytes(arr(b))),
            IType::U64 => s.serialize_u64(u64::from_le_bytes(arr(b))),
            IType::F32 => float(s, f64::from(f32::from_le_bytes(arr(b)))),
            IType::F64 => float(s, f64::from_le_bytes(arr(b))),
            IType::String | IType::ByteArray | IType::Array(_) => {
                self.at.sized(s, self.ty, u32_at(b, 0), u32_at(b, 4))
            }
            IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_) => self.at.boxed(s, self.ty, u32_at(b, 0)),
        }
    }
}

/// Packed values of `types` (a tuple, a tuple variant's fields), as an array.
struct Packed<'s, 'a, 'm, M> {
    at: &'s At<'a, 'm, M>,
    types: Vec<&'s IType>,
    bytes: &'s [u8],
}

impl<'m, M: GuestMemory<'m>> Serialize for Packed<'_, '_, 'm, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.types.len()))?;
        let mut offset = 0usize;
        for ty in &self.types {
            let len = wire_size(ty) as usize;
            let bytes = self
                .bytes
                .get(offset..offset + len)
                .ok_or_else(|| S::Error::custom("a shorter block"))?;
            seq.serialize_element(&Inline {
                at: self.at,
                ty,
                bytes,
            })?;
            offset += len;
        }
        seq.end()
    }
}

/// Packed named fields (a struct variant's), as an object.
struct Named<'s, 'a, 'm, M> {
    at: &'s At<'a, 'm, M>,
    fields: &'s [IRecordField],
    bytes: &'s [u8],
}

impl<'m, M: GuestMemory<'m>> Serialize for Named<'_, '_, 'm, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        let mut offset = 0usize;
        for field in self.fields {
            let len = wire_size(&field.ty) as usize;
            let bytes = self
                .bytes
                .get(offset..offset + len)
                .ok_or_else(|| S::Error::custom("a shorter block"))?;
            let value = Inline {
                at: self.at,
                ty: &field.ty,
                bytes,
            };
            map.serialize_entry(field.name.as_str(), &value)?;
            offset += len;
        }
        map.end()
    }
}

/// A float as [`crate::json`] writes it: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn float<S: Serializer>(s: S, v: f64) -> Result<S::Ok, S::Error> {
    match crate::json_forms::non_finite_text(v) {
        None => s.serialize_f64(v),
        Some(text) => s.serialize_str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ivalue_to_json;
    use crate::lift::lift_result;
    use crate::lower::{lower_boxed, lower_record, lower_sized};
    use crate::types::IValue;
    use std::sync::Arc;

    use crate::memory::VecGuest;

    /// Lowers `value`, then compares the JSON written from memory with the tree conversion.
    fn same(ty: &IType, value: &IValue) {
        let mut guest = VecGuest::default();
        let (ptr, size) = match (ty, value) {
            (IType::Record(r), IValue::Record(fields)) => {
                (lower_record(&mut guest, r, fields).unwrap(), 0)
            }
            (IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_), _) => {
                (lower_boxed(&mut guest, ty, value).unwrap(), 0)
            }
            _ => lower_sized(&mut guest, ty, value).unwrap(),
        };
        let mem = &guest.mem[..];
        let expected = ivalue_to_json(&lift_result(mem, ty, ptr, size).unwrap(), Some(ty));
        let checked = check_result(&mem, ty, ptr, size, u64::MAX, JsonCost::Text).unwrap();
        let mut text = Vec::new();
        checked.write(&mut text, false).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text, expected.to_string());
        assert!(
            checked.cost() >= text.len() as u64,
            "{} < {}",
            checked.cost(),
            text.len()
        );
        let tree = check_result(&mem, ty, ptr, size, u64::MAX, JsonCost::Tree).unwrap();
        assert_eq!(tree.to_value().unwrap(), expected);
        let mut pretty = Vec::new();
        checked.write(&mut pretty, true).unwrap();
        assert_eq!(
            String::from_utf8(pretty).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }

    fn everything() -> Arc<IRecordType> {
        let inner = Arc::new(IRecordType::with_fields(
            "Inner",
            &[("s", IType::String), ("q\"uoted\n", IType::U8)],
        ));
        Arc::new(IRecordType::with_fields(
            "Everything",
            &[
                ("b", IType::Boolean),
                ("i8", IType::S8),
                ("i16", IType::S16),
                ("i32", IType::S32),
                ("i64", IType::S64),
                ("u16", IType::U16),
                ("u32", IType::U32),
                ("u64", IType::U64),
                ("f32", IType::F32),
                ("f64", IType::F64),
                ("bytes", IType::ByteArray),
                ("inner", IType::Array(Box::new(IType::Record(inner)))),
                ("empty", IType::Array(Box::new(IType::F64))),
            ],
        ))
    }

    #[test]
    fn the_text_is_the_tree_conversions() {
        same(&IType::String, &IValue::String("hé \"q\" \u{1} \t".into()));
        same(&IType::ByteArray, &IValue::ByteArray((0..=255).collect()));
        same(
            &IType::Array(Box::new(IType::F32)),
            &IValue::Array(vec![
                IValue::F32(0.1),
                IValue::F32(f32::NAN),
                IValue::F32(f32::NEG_INFINITY),
                IValue::F32(-3.0e38),
            ]),
        );
        let inner = |s: &str, n| IValue::Record(vec![IValue::String(s.into()), IValue::U8(n)]);
        let value = IValue::Record(vec![
            IValue::Boolean(true),
            IValue::S8(i8::MIN),
            IValue::S16(-300),
            IValue::S32(i32::MIN),
            IValue::S64(i64::MIN),
            IValue::U16(u16::MAX),
            IValue::U32(u32::MAX),
            IValue::U64(u64::MAX),
            IValue::F32(1.5),
            IValue::F64(f64::INFINITY),
            IValue::ByteArray(vec![0, 9, 10, 99, 100, 255]),
            IValue::Array(vec![inner("a", 1), inner("", 200)]),
            IValue::Array(vec![]),
        ]);
        same(&IType::Record(everything()), &value);
        same(
            &IType::Array(Box::new(IType::Array(Box::new(IType::Boolean)))),
            &IValue::Array(vec![
                IValue::Array(vec![IValue::Boolean(false)]),
                IValue::Array(vec![]),
            ]),
        );
    }

    fn shape() -> IType {
        use crate::types::{IEnumType, IEnumVariant, IRecordField};
        let field = |name: &str, ty: IType| IRecordField {
            name: name.into(),
            ty,
        };
        let variant = |name: &str, kind, fields| IEnumVariant {
            name: name.into(),
            kind,
            fields,
        };
        IType::Enum(Arc::new(IEnumType {
            name: "Shape".into(),
            variants: vec![
                variant("Empty", VariantKind::Unit, vec![]),
                variant("Circle", VariantKind::Tuple, vec![field("0", IType::F64)]),
                variant(
                    "Line",
                    VariantKind::Tuple,
                    vec![field("0", IType::String), field("1", IType::ByteArray)],
                ),
                variant(
                    "Na\"med",
                    VariantKind::Struct,
                    vec![field("la\nbel", IType::String), field("n", IType::S64)],
                ),
                variant("Nothing", VariantKind::Tuple, vec![]),
            ],
        }))
    }

    #[test]
    fn extension_types_are_written_as_the_tree_conversion() {
        let opt = |t: IType| IType::Option(Box::new(t));
        same(&opt(IType::String), &IValue::Option(None));
        same(
            &opt(IType::String),
            &IValue::Option(Some(Box::new(IValue::String("x".into())))),
        );
        same(
            &opt(opt(IType::U8)),
            &IValue::Option(Some(Box::new(IValue::Option(Some(Box::new(IValue::U8(
                7,
            ))))))),
        );
        let result = IType::Result(
            Box::new(IType::Array(Box::new(IType::String))),
            Box::new(IType::String),
        );
        same(
            &result,
            &IValue::Result(Ok(Box::new(IValue::Array(vec![IValue::String(
                "a".into(),
            )])))),
        );
        same(
            &result,
            &IValue::Result(Err(Box::new(IValue::String("bad".into())))),
        );
        let tuple = IType::Tuple(vec![IType::U8, IType::Tuple(vec![]), opt(IType::F32)]);
        same(
            &tuple,
            &IValue::Tuple(vec![
                IValue::U8(255),
                IValue::Tuple(vec![]),
                IValue::Option(Some(Box::new(IValue::F32(f32::NAN)))),
            ]),
        );
        let variant = |index, fields| IValue::Variant { index, fields };
        let shapes = IType::Array(Box::new(shape()));
        same(
            &shapes,
            &IValue::Array(vec![
                variant(0, vec![]),
                variant(1, vec![IValue::F64(-0.5)]),
                variant(
                    2,
                    vec![IValue::String("s".into()), IValue::ByteArray(vec![1, 200])],
                ),
                variant(3, vec![IValue::String("l".into()), IValue::S64(i64::MIN)]),
                variant(4, vec![]),
            ]),
        );
    }

    #[test]
    fn a_bad_discriminant_from_the_guest_is_an_error_before_anything_is_written() {
        // An Option block (at 8) saying 2, an enum block (at 16) saying 9.
        let mut mem = [0u8; 32];
        mem[8..12].copy_from_slice(&2u32.to_le_bytes());
        mem[16..20].copy_from_slice(&9u32.to_le_bytes());
        let mem = &mem[..];
        let ty = IType::Option(Box::new(IType::U8));
        for cost in [JsonCost::Text, JsonCost::Tree] {
            let e = check_result(&mem, &ty, 8, 0, u64::MAX, cost).err().unwrap();
            assert_eq!(
                e,
                AbiError::InvalidDiscriminant {
                    what: what_of(&ty),
                    ptr: 8,
                    value: 2,
                    cases: 2,
                }
            );
            let e = check_result(&mem, &shape(), 16, 0, u64::MAX, cost)
                .err()
                .unwrap();
            assert!(
                matches!(
                    e,
                    AbiError::InvalidDiscriminant {
                        value: 9,
                        cases: 5,
                        ..
                    }
                ),
                "{e}"
            );
            // Out of bounds, and a payload past the end of memory.
            let e = check_result(&mem, &ty, 30, 0, u64::MAX, cost)
                .err()
                .unwrap();
            assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
        }
        let mut mem = [0u8; 32];
        mem[28..32].copy_from_slice(&1u32.to_le_bytes());
        let mem = &mem[..];
        let ty = IType::Option(Box::new(IType::U64));
        let e = check_result(&mem, &ty, 28, 0, u64::MAX, JsonCost::Text)
            .err()
            .unwrap();
        assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
    }

    #[test]
    fn aliases_and_long_field_names_hit_the_budget_before_anything_is_read() {
        // 1000 string pairs all pointing at the same 1000 bytes.
        let mut mem = vec![b'a'; 10_000];
        for i in 0..1000u32 {
            let at = 1000 + 8 * i as usize;
            mem[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
            mem[at + 4..at + 8].copy_from_slice(&1000u32.to_le_bytes());
        }
        let ty = IType::Array(Box::new(IType::String));
        let mem = &mem[..];
        let e = check_result(&mem, &ty, 1000, 1000, 100_000, JsonCost::Text)
            .err()
            .unwrap();
        assert!(
            matches!(e, AbiError::LiftBudget { limit: 100_000, .. }),
            "{e}"
        );
        assert!(check_result(&mem, &ty, 1000, 1000, 2_000_000, JsonCost::Text).is_ok());

        // Records of one byte whose field name is 10 kB long.
        let name = "n".repeat(10_000);
        let record = Arc::new(IRecordType::with_fields(
            &name,
            &[(name.as_str(), IType::U8)],
        ));
        let ty = IType::Array(Box::new(IType::Record(record)));
        let e = check_result(&mem, &ty, 1000, 1000, 1_000_000, JsonCost::Text)
            .err()
            .unwrap();
        assert!(matches!(e, AbiError::LiftBudget { .. }), "{e}");
    }

    #[test]
    fn bounds_and_utf8_are_checked_first() {
        let mut mem = [0u8; 64];
        mem[8] = 0xff;
        let mem = &mem[..];
        let e = check_result(&mem, &IType::String, 60, 10, u64::MAX, JsonCost::Text)
            .err()
            .unwrap();
        assert!(
            matches!(
                e,
                AbiError::OutOfBounds {
                    ptr: 60,
                    len: 10,
                    ..
                }
            ),
            "{e}"
        );
        let e = check_result(&mem, &IType::String, 8, 2, u64::MAX, JsonCost::Text)
            .err()
            .unwrap();
        assert!(
            matches!(e, AbiError::InvalidUtf8 { valid_up_to: 0, .. }),
            "{e}"
        );
        let ty = IType::Array(Box::new(IType::U64));
        let e = check_result(&mem, &ty, 0, u32::MAX, u64::MAX, JsonCost::Text)
            .err()
            .unwrap();
        assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
    }
}
