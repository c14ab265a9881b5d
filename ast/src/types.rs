//! The interface-type value model: [`IType`], [`IValue`], records and function signatures.
//!
//! These mirror the official `fluence-it-types` (reference §B.1) with one deliberate change:
//! records are referenced by `Arc<IRecordType>` instead of a numeric type id, so a type is
//! self-contained and can be compared or printed without a module-level table.
//!
//! Text form ([`std::fmt::Display`]) is the one of the official REPL/aqua output: `bool`,
//! `i8`..`i64`, `u8`..`u64`, `f32`, `f64`, `string`, `[]u8`, `[]T`, and the record name.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// An interface type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IType {
    /// `bool`
    Boolean,
    /// `i8`
    S8,
    /// `i16`
    S16,
    /// `i32`
    S32,
    /// `i64`
    S64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `string` (UTF-8)
    String,
    /// `[]u8`: a Rust `Vec<u8>`, at any nesting level.
    ByteArray,
    /// `[]T`: a Rust `Vec<T>` with `T != u8`.
    Array(Box<IType>),
    /// A record (a `#[marine]` struct).
    Record(Arc<IRecordType>),
    /// `?T`: a Rust `Option<T>` (extension, `docs/abi-extensions.md`).
    Option(Box<IType>),
    /// `T | E`: a Rust `Result<T, E>` (extension).
    Result(Box<IType>, Box<IType>),
    /// `(A, B, ..)`: a Rust tuple of 0 to [`MAX_TUPLE_ARITY`] elements (extension).
    Tuple(Vec<IType>),
    /// A `#[marine]` enum (extension).
    Enum(Arc<IEnumType>),
}

/// The most elements a tuple type may have (the arity up to which Rust's standard traits and
/// serde are implemented for tuples).
pub const MAX_TUPLE_ARITY: usize = 12;

impl IType {
    /// True for the types passed and returned by pointer (string, arrays, records and the
    /// extension types).
    pub fn is_complex(&self) -> bool {
        match self {
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
            | IType::F64 => false,
            IType::String
            | IType::ByteArray
            | IType::Array(_)
            | IType::Record(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Tuple(_)
            | IType::Enum(_) => true,
        }
    }

    /// True for the types passed as one pointer to a block in guest memory (records and the
    /// extension types; §2.5 and `docs/abi-extensions.md`), as opposed to a (ptr, len) pair.
    pub fn is_boxed(&self) -> bool {
        matches!(
            self,
            IType::Record(_)
                | IType::Option(_)
                | IType::Result(..)
                | IType::Tuple(_)
                | IType::Enum(_)
        )
    }

    /// True when this type or a type inside it is one of the extension types (`Option`,
    /// `Result`, tuples, enums), which the official Marine toolchain does not know. Records
    /// are not looked into (a record DAG unfolds exponentially):
    /// [`crate::ModuleInterface::uses_extensions`] checks each record's fields once.
    pub fn uses_extensions(&self) -> bool {
        match self {
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
            | IType::ByteArray => false,
            IType::Array(elem) => elem.uses_extensions(),
            IType::Record(_) => false,
            IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => true,
        }
    }
}

/// The shape of one enum variant's payload, which decides its JSON form (serde's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantKind {
    /// `A`: no payload; JSON `"A"`.
    Unit,
    /// `A(T, ..)`: positional fields named `0`, `1`, ..; JSON `{"A": v}` for one field,
    /// `{"A": [v, ..]}` for more.
    Tuple,
    /// `A { x: T, .. }`: named fields; JSON `{"A": {"x": v, ..}}`.
    Struct,
}

/// One variant of an enum: its name, payload shape and fields in declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IEnumVariant {
    /// The variant's name.
    pub name: String,
    /// The payload's shape.
    pub kind: VariantKind,
    /// The payload's fields (empty for [`VariantKind::Unit`]; named `0`, `1`, .. for
    /// [`VariantKind::Tuple`]).
    pub fields: Vec<IRecordField>,
}

/// A `#[marine]` enum type: a name and its variants in declaration order (the order gives
/// each variant its discriminant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IEnumType {
    /// The enum's short name.
    pub name: String,
    /// Variants in declaration order.
    pub variants: Vec<IEnumVariant>,
}

/// A record type: a name and its fields in declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IRecordType {
    /// The record's short name (last path segment of the Rust type).
    pub name: String,
    /// Fields in declaration order (this is the wire order).
    pub fields: Vec<IRecordField>,
}

impl IRecordType {
    /// A record named `name` with these (field name, type) pairs, in order.
    pub fn with_fields(name: &str, fields: &[(&str, IType)]) -> Self {
        IRecordType {
            name: name.to_string(),
            fields: fields
                .iter()
                .map(|(n, ty)| IRecordField {
                    name: n.to_string(),
                    ty: ty.clone(),
                })
                .collect(),
        }
    }
}

/// One field of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IRecordField {
    /// Field name.
    pub name: String,
    /// Field type.
    pub ty: IType,
}

/// A named function argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IFunctionArg {
    /// Argument name as written in the Rust source.
    pub name: String,
    /// Argument type.
    pub ty: IType,
}

/// The interface-level signature of an exported or imported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSignature {
    /// Function name (the wasm export name for exports).
    pub name: String,
    /// Arguments in order.
    pub arguments: Vec<IFunctionArg>,
    /// Zero or one output types.
    pub outputs: Vec<IType>,
}

/// An interface value.
///
/// `Record` is positional: its elements are the field values in declaration order.
#[derive(Clone, Debug, PartialEq)]
pub enum IValue {
    /// `bool`
    Boolean(bool),
    /// `i8`
    S8(i8),
    /// `i16`
    S16(i16),
    /// `i32`
    S32(i32),
    /// `i64`
    S64(i64),
    /// `u8`
    U8(u8),
    /// `u16`
    U16(u16),
    /// `u32`
    U32(u32),
    /// `u64`
    U64(u64),
    /// `f32`
    F32(f32),
    /// `f64`
    F64(f64),
    /// `string`
    String(String),
    /// `[]u8`
    ByteArray(Vec<u8>),
    /// `[]T`
    Array(Vec<IValue>),
    /// A record, fields by position.
    Record(Vec<IValue>),
    /// `?T`: absent or present.
    Option(Option<Box<IValue>>),
    /// `T | E`: success or error.
    Result(Result<Box<IValue>, Box<IValue>>),
    /// A tuple, elements by position.
    Tuple(Vec<IValue>),
    /// An enum value: the variant's index in declaration order and its fields by position.
    Variant {
        /// Index of the variant in [`IEnumType::variants`].
        index: u32,
        /// The variant's fields, by position.
        fields: Vec<IValue>,
    },
}

impl IValue {
    /// A short description of the value's kind for error messages (`i32`, `string`, `array`, …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            IValue::Boolean(_) => "bool",
            IValue::S8(_) => "i8",
            IValue::S16(_) => "i16",
            IValue::S32(_) => "i32",
            IValue::S64(_) => "i64",
            IValue::U8(_) => "u8",
            IValue::U16(_) => "u16",
            IValue::U32(_) => "u32",
            IValue::U64(_) => "u64",
            IValue::F32(_) => "f32",
            IValue::F64(_) => "f64",
            IValue::String(_) => "string",
            IValue::ByteArray(_) => "[]u8",
            IValue::Array(_) => "array",
            IValue::Record(_) => "record",
            IValue::Option(_) => "option",
            IValue::Result(_) => "result",
            IValue::Tuple(_) => "tuple",
            IValue::Variant { .. } => "enum variant",
        }
    }
}

impl fmt::Display for IType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IType::Boolean => f.write_str("bool"),
            IType::S8 => f.write_str("i8"),
            IType::S16 => f.write_str("i16"),
            IType::S32 => f.write_str("i32"),
            IType::S64 => f.write_str("i64"),
            IType::U8 => f.write_str("u8"),
            IType::U16 => f.write_str("u16"),
            IType::U32 => f.write_str("u32"),
            IType::U64 => f.write_str("u64"),
            IType::F32 => f.write_str("f32"),
            IType::F64 => f.write_str("f64"),
            IType::String => f.write_str("string"),
            IType::ByteArray => f.write_str("[]u8"),
            IType::Array(elem) => write!(f, "[]{elem}"),
            IType::Record(record) => f.write_str(&record.name),
            IType::Option(inner) => write!(f, "?{inner}"),
            IType::Result(ok, err) => write!(f, "result<{ok}, {err}>"),
            IType::Tuple(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            IType::Enum(e) => f.write_str(&e.name),
        }
    }
}

impl fmt::Display for IEnumType {
    /// The REPL form: `enum Name:` followed by one line per variant (`  A`, `  B(u32, string)`,
    /// `  C { x: u32 }`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enum {}:", self.name)?;
        for variant in &self.variants {
            write!(f, "\n  {}", variant.name)?;
            match variant.kind {
                VariantKind::Unit => {}
                VariantKind::Tuple => {
                    f.write_str("(")?;
                    for (i, field) in variant.fields.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", field.ty)?;
                    }
                    f.write_str(")")?;
                }
                VariantKind::Struct => {
                    f.write_str(" {")?;
                    for (i, field) in variant.fields.iter().enumerate() {
                        f.write_str(if i == 0 { " " } else { ", " })?;
                        write!(f, "{}: {}", field.name, field.ty)?;
                    }
                    f.write_str(" }")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for IRecordType {
    /// The REPL form: `data Name:` followed by one `  field: type` line per field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "data {}:", self.name)?;
        for field in &self.fields {
            write!(f, "\n  {}: {}", field.name, field.ty)?;
        }
        Ok(())
    }
}

impl fmt::Display for FunctionSignature {
    /// The REPL form: `func name(a: T, b: U) -> R` (no arrow without outputs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "func {}(", self.name)?;
        for (i, arg) in self.arguments.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: {}", arg.name, arg.ty)?;
        }
        f.write_str(")")?;
        for (i, out) in self.outputs.iter().enumerate() {
            f.write_str(if i == 0 { " -> " } else { ", " })?;
            write!(f, "{out}")?;
        }
        Ok(())
    }
}

/// The records and enums a set of types mentions, nested ones included, each once (compared by
/// value), every type after the ones its fields use: what an interface listing declares.
///
/// A type is compared by value only with the ones of its name (an index by name), and an
/// `Arc` already listed matches by pointer first, so adding `n` types costs `O(n)` lookups
/// rather than `O(n²)` deep comparisons.
#[derive(Clone, Debug, Default)]
pub struct NamedTypes {
    records: Vec<Arc<IRecordType>>,
    enums: Vec<Arc<IEnumType>>,
    /// Positions in `records` by record name.
    record_names: HashMap<String, Vec<usize>>,
    /// Positions in `enums` by enum name.
    enum_names: HashMap<String, Vec<usize>>,
}

/// Whether `items` (indexed by `names`) holds a value equal to `item`.
fn listed<T: PartialEq>(
    items: &[Arc<T>],
    names: &HashMap<String, Vec<usize>>,
    name: &str,
    item: &Arc<T>,
) -> bool {
    names.get(name).is_some_and(|positions| {
        positions
            .iter()
            .any(|&i| Arc::ptr_eq(&items[i], item) || *items[i] == **item)
    })
}

/// Appends `item` to `items` (indexed by `names`) unless an equal one is listed: it is
/// called after the item's dependencies were added, and a type cannot contain itself, but one
/// of them may have listed an equal item under another `Arc`.
fn list<T: PartialEq>(
    items: &mut Vec<Arc<T>>,
    names: &mut HashMap<String, Vec<usize>>,
    name: &str,
    item: &Arc<T>,
) {
    if !listed(items, names, name, item) {
        names.entry(name.to_string()).or_default().push(items.len());
        items.push(item.clone());
    }
}

impl NamedTypes {
    /// Records, dependencies first.
    pub fn records(&self) -> &[Arc<IRecordType>] {
        &self.records
    }

    /// Enums, dependencies first.
    pub fn enums(&self) -> &[Arc<IEnumType>] {
        &self.enums
    }

    /// The records and the enums, each dependencies first.
    pub fn into_parts(self) -> (Vec<Arc<IRecordType>>, Vec<Arc<IEnumType>>) {
        (self.records, self.enums)
    }

    /// Adds the records and enums `ty` mentions. The walk is bounded by the type's depth
    /// (`InterfaceLimits::max_type_depth` for types read from a module).
    pub fn add(&mut self, ty: &IType) {
        match ty {
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
            | IType::ByteArray => {}
            IType::Array(elem) | IType::Option(elem) => self.add(elem),
            IType::Result(ok, err) => {
                self.add(ok);
                self.add(err);
            }
            IType::Tuple(items) => items.iter().for_each(|t| self.add(t)),
            IType::Record(record) => {
                if !listed(&self.records, &self.record_names, &record.name, record) {
                    for field in &record.fields {
                        self.add(&field.ty);
                    }
                    list(
                        &mut self.records,
                        &mut self.record_names,
                        &record.name,
                        record,
                    );
                }
            }
            IType::Enum(e) => {
                if !listed(&self.enums, &self.enum_names, &e.name, e) {
                    for field in e.variants.iter().flat_map(|v| &v.fields) {
                        self.add(&field.ty);
                    }
                    list(&mut self.enums, &mut self.enum_names, &e.name, e);
                }
            }
        }
    }

    /// Adds the types of a function's arguments and outputs.
    pub fn add_signature(&mut self, sig: &FunctionSignature) {
        for arg in &sig.arguments {
            self.add(&arg.ty);
        }
        for ty in &sig.outputs {
            self.add(ty);
        }
    }
}

/// Checks that `value` has type `ty`; on mismatch returns a description of what was given
/// (for example `string` or `array element 3: u32`).
///
/// `IType::ByteArray` accepts both `IValue::ByteArray` and an `IValue::Array` of `U8`
/// (the JSON path of the official runtime produces the latter). Records must have exactly as
/// many elements as fields.
pub fn check_value(value: &IValue, ty: &IType) -> Result<(), String> {
    let ok = match (ty, value) {
        (IType::Boolean, IValue::Boolean(_))
        | (IType::S8, IValue::S8(_))
        | (IType::S16, IValue::S16(_))
        | (IType::S32, IValue::S32(_))
        | (IType::S64, IValue::S64(_))
        | (IType::U8, IValue::U8(_))
        | (IType::U16, IValue::U16(_))
        | (IType::U32, IValue::U32(_))
        | (IType::U64, IValue::U64(_))
        | (IType::F32, IValue::F32(_))
        | (IType::F64, IValue::F64(_))
        | (IType::String, IValue::String(_))
        | (IType::ByteArray, IValue::ByteArray(_)) => true,
        (IType::ByteArray, IValue::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !matches!(item, IValue::U8(_)) {
                    return Err(format!("array element {i}: {}", item.kind_name()));
                }
            }
            true
        }
        (IType::Array(elem), IValue::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(item, elem).map_err(|e| format!("array element {i}: {e}"))?;
            }
            true
        }
        (IType::Array(elem), IValue::ByteArray(_)) => **elem == IType::U8,
        (IType::Record(record), IValue::Record(values)) => {
            if values.len() != record.fields.len() {
                return Err(format!(
                    "record with {} fields (record {} has {})",
                    values.len(),
                    record.name,
                    record.fields.len()
                ));
            }
            for (field, v) in record.fields.iter().zip(values) {
                check_value(v, &field.ty).map_err(|e| format!("field {}: {e}", field.name))?;
            }
            true
        }
        (IType::Option(_), IValue::Option(None)) => true,
        (IType::Option(inner), IValue::Option(Some(v))) => {
            check_value(v, inner).map_err(|e| format!("some: {e}"))?;
            true
        }
        (IType::Result(ok, _), IValue::Result(Ok(v))) => {
            check_value(v, ok).map_err(|e| format!("ok: {e}"))?;
            true
        }
        (IType::Result(_, err), IValue::Result(Err(v))) => {
            check_value(v, err).map_err(|e| format!("err: {e}"))?;
            true
        }
        (IType::Tuple(types), IValue::Tuple(values)) => {
            if values.len() != types.len() {
                return Err(format!(
                    "tuple of {} elements (expected {})",
                    values.len(),
                    types.len()
                ));
            }
            for (i, (ty, v)) in types.iter().zip(values).enumerate() {
                check_value(v, ty).map_err(|e| format!("tuple element {i}: {e}"))?;
            }
            true
        }
        (IType::Enum(e), IValue::Variant { index, fields }) => {
            let Some(variant) = e.variants.get(*index as usize) else {
                return Err(format!(
                    "variant {index} (enum {} has {})",
                    e.name,
                    e.variants.len()
                ));
            };
            if fields.len() != variant.fields.len() {
                return Err(format!(
                    "variant {} with {} fields (it has {})",
                    variant.name,
                    fields.len(),
                    variant.fields.len()
                ));
            }
            for (field, v) in variant.fields.iter().zip(fields) {
                check_value(v, &field.ty)
                    .map_err(|e| format!("variant {} field {}: {e}", variant.name, field.name))?;
            }
            true
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
            | IType::Option(_)
            | IType::Result(..)
            | IType::Tuple(_)
            | IType::Enum(_),
            _,
        ) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(value.kind_name().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, fields: &[(&str, IType)]) -> Arc<IRecordType> {
        Arc::new(IRecordType {
            name: name.into(),
            fields: fields
                .iter()
                .map(|(name, ty)| IRecordField {
                    name: (*name).into(),
                    ty: ty.clone(),
                })
                .collect(),
        })
    }

    #[test]
    fn named_types_lists_each_type_once_after_its_dependencies() {
        let inner = record("Inner", &[("x", IType::U8)]);
        let inner_again = record("Inner", &[("x", IType::U8)]);
        let other_inner = record("Inner", &[("y", IType::String)]);
        let outer = record(
            "Outer",
            &[
                ("a", IType::Record(inner.clone())),
                (
                    "b",
                    IType::Array(Box::new(IType::Record(inner_again.clone()))),
                ),
            ],
        );
        let mut named = NamedTypes::default();
        named.add(&IType::Option(Box::new(IType::Record(outer.clone()))));
        // An equal record under another `Arc` is the same type; one of the same name and
        // another shape is listed too (the listing shows both).
        named.add(&IType::Record(inner_again));
        named.add(&IType::Record(other_inner.clone()));
        named.add(&IType::Record(outer.clone()));
        let names: Vec<String> = named.records().iter().map(|r| r.to_string()).collect();
        assert_eq!(
            names,
            [
                inner.to_string(),
                outer.to_string(),
                other_inner.to_string()
            ]
        );
        assert!(named.enums().is_empty());

        // Many distinct records: each added once, in order.
        let mut many = NamedTypes::default();
        let records: Vec<_> = (0..2000)
            .map(|i| record(&format!("R{i}"), &[("v", IType::U32)]))
            .collect();
        for r in records.iter().chain(&records) {
            many.add(&IType::Record(r.clone()));
        }
        let (listed, enums) = many.into_parts();
        assert_eq!(listed.len(), 2000);
        assert!(listed.iter().zip(&records).all(|(a, b)| Arc::ptr_eq(a, b)));
        assert!(enums.is_empty());
    }

    #[test]
    fn text_forms() {
        let rec = Arc::new(IRecordType {
            name: "Rec".into(),
            fields: vec![IRecordField {
                name: "a".into(),
                ty: IType::S32,
            }],
        });
        assert_eq!(IType::ByteArray.to_string(), "[]u8");
        assert_eq!(
            IType::Array(Box::new(IType::ByteArray)).to_string(),
            "[][]u8"
        );
        assert_eq!(
            IType::Array(Box::new(IType::Record(rec.clone()))).to_string(),
            "[]Rec"
        );
        let sig = FunctionSignature {
            name: "f".into(),
            arguments: vec![
                IFunctionArg {
                    name: "x".into(),
                    ty: IType::S64,
                },
                IFunctionArg {
                    name: "s".into(),
                    ty: IType::String,
                },
            ],
            outputs: vec![IType::Record(rec.clone())],
        };
        assert_eq!(sig.to_string(), "func f(x: i64, s: string) -> Rec");
        assert_eq!(rec.to_string(), "data Rec:\n  a: i32");
    }

    #[test]
    fn value_checks() {
        let arr = IType::Array(Box::new(IType::U32));
        assert!(check_value(&IValue::Array(vec![IValue::U32(1)]), &arr).is_ok());
        assert_eq!(
            check_value(&IValue::Array(vec![IValue::U32(1), IValue::S32(2)]), &arr).unwrap_err(),
            "array element 1: i32"
        );
        assert!(check_value(&IValue::Array(vec![IValue::U8(1)]), &IType::ByteArray).is_ok());
        assert!(check_value(&IValue::String("x".into()), &IType::ByteArray).is_err());
    }
}
