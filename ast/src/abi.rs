//! The wasm-level shape of interface types: flattening (§2.1, §2.2), wire sizes (§2.5, §2.6),
//! allocation tags (§1.2) and the per-function [`CallPlan`] computed once at load.

use std::fmt;
use std::sync::Arc;

use crate::section::ParsedType;
use crate::types::{FunctionSignature, IRecordField, IRecordType, IType};

/// A core wasm value type as it appears in export signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// Anything else (v128, references): never produced by the SDK.
    Other,
}

impl fmt::Display for WasmType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WasmType::I32 => "i32",
            WasmType::I64 => "i64",
            WasmType::F32 => "f32",
            WasmType::F64 => "f64",
            WasmType::Other => "<other>",
        })
    }
}

/// A core wasm value of one of the four number types, as lowering produces it and a wasm
/// backend passes it (floats as their bit patterns, so NaN payloads survive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmValue {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
}

impl WasmValue {
    /// The value with its wasm type, for messages (`i32 7`, `f64 1.5`).
    pub fn describe(&self) -> String {
        match *self {
            WasmValue::I32(v) => format!("i32 {v}"),
            WasmValue::I64(v) => format!("i64 {v}"),
            WasmValue::F32(bits) => format!("f32 {}", f32::from_bits(bits)),
            WasmValue::F64(bits) => format!("f64 {}", f64::from_bits(bits)),
        }
    }
}

/// A raw wasm function signature.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WasmSignature {
    /// Parameter types.
    pub params: Vec<WasmType>,
    /// Result types.
    pub results: Vec<WasmType>,
}

impl fmt::Display for WasmSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[WasmType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

/// Appends the wasm parameters of one interface-typed argument (§2.1).
pub fn flatten_param(ty: &IType, out: &mut Vec<WasmType>) {
    match ty {
        IType::Boolean
        | IType::S8
        | IType::S16
        | IType::S32
        | IType::U8
        | IType::U16
        | IType::U32 => out.push(WasmType::I32),
        IType::S64 | IType::U64 => out.push(WasmType::I64),
        IType::F32 => out.push(WasmType::F32),
        IType::F64 => out.push(WasmType::F64),
        IType::String | IType::ByteArray | IType::Array(_) => {
            out.push(WasmType::I32);
            out.push(WasmType::I32)
        }
        IType::Record(_)
        | IType::Option(_)
        | IType::Result(..)
        | IType::Tuple(_)
        | IType::Enum(_) => out.push(WasmType::I32),
    }
}

/// The wasm result of an interface-typed output (§2.2): scalars are returned directly,
/// complex values through the result slots (no wasm result).
pub fn flatten_result(ty: &IType) -> Option<WasmType> {
    let mut v = Vec::with_capacity(1);
    if ty.is_complex() {
        return None;
    }
    flatten_param(ty, &mut v);
    v.pop()
}

/// The expected wasm signature of an export with this interface signature.
pub fn flatten_signature(sig: &FunctionSignature) -> WasmSignature {
    let mut params = Vec::new();
    for arg in &sig.arguments {
        flatten_param(&arg.ty, &mut params);
    }
    let results = sig.outputs.iter().filter_map(flatten_result).collect();
    WasmSignature { params, results }
}

/// Size in bytes of a value of this type inside a record (§2.5) or as an array element (§2.6):
/// 1/2/4/8 for scalars, 8 for (ptr, len) pairs, 4 for record pointers.
pub fn wire_size(ty: &IType) -> u32 {
    match ty {
        IType::Boolean | IType::S8 | IType::U8 => 1,
        IType::S16 | IType::U16 => 2,
        IType::S32 | IType::U32 | IType::F32 => 4,
        IType::S64 | IType::U64 | IType::F64 => 8,
        IType::String | IType::ByteArray | IType::Array(_) => 8,
        IType::Record(_)
        | IType::Option(_)
        | IType::Result(..)
        | IType::Tuple(_)
        | IType::Enum(_) => 4,
    }
}

/// Size of the discriminant at the start of an `Option`, `Result` or enum block
/// (`docs/abi-extensions.md`): a little-endian u32.
pub const DISCRIMINANT_SIZE: u32 = 4;

/// The field types of one case of a tagged block (`Option`, `Result`, enum), in wire order,
/// borrowed from the type: what [`case_fields`] gives, with no allocation per value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CaseFields<'t> {
    /// No payload (`None`).
    Empty,
    /// One payload field (`Some(T)`, `Ok(T)`, `Err(E)`).
    One(&'t IType),
    /// An enum variant's fields (none for a unit variant).
    Variant(&'t [IRecordField]),
}

impl<'t> CaseFields<'t> {
    /// The number of payload fields.
    pub fn len(&self) -> usize {
        match self {
            CaseFields::Empty => 0,
            CaseFields::One(_) => 1,
            CaseFields::Variant(fields) => fields.len(),
        }
    }

    /// True when the case has no payload.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload's field types, in wire order.
    pub fn iter(&self) -> CaseFieldsIter<'t> {
        match *self {
            CaseFields::Empty => CaseFieldsIter::One(None),
            CaseFields::One(ty) => CaseFieldsIter::One(Some(ty)),
            CaseFields::Variant(fields) => CaseFieldsIter::Fields(fields.iter()),
        }
    }

    /// The payload's packed size: the sum of its fields' wire sizes (the block is the
    /// discriminant, then this many bytes).
    pub fn payload_size(&self) -> u64 {
        self.iter().map(|ty| wire_size(ty) as u64).sum()
    }
}

impl<'t> IntoIterator for CaseFields<'t> {
    type Item = &'t IType;
    type IntoIter = CaseFieldsIter<'t>;

    fn into_iter(self) -> CaseFieldsIter<'t> {
        self.iter()
    }
}

/// The iterator of [`CaseFields::iter`]: the field types of one case.
#[derive(Clone, Debug)]
pub enum CaseFieldsIter<'t> {
    /// `None`'s (nothing) or a one-field case's.
    One(Option<&'t IType>),
    /// An enum variant's.
    Fields(std::slice::Iter<'t, IRecordField>),
}

impl<'t> Iterator for CaseFieldsIter<'t> {
    type Item = &'t IType;

    fn next(&mut self) -> Option<&'t IType> {
        match self {
            CaseFieldsIter::One(ty) => ty.take(),
            CaseFieldsIter::Fields(fields) => fields.next().map(|f| &f.ty),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            CaseFieldsIter::One(ty) => ty.is_some() as usize,
            CaseFieldsIter::Fields(fields) => fields.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for CaseFieldsIter<'_> {}

/// The field types of one case of a tagged block (`Option`, `Result`, enum) with this
/// discriminant, in wire order, or `None` when the type has no such case (or is not tagged).
///
/// `Option`: 0 is `None` (no payload), 1 is `Some(T)`. `Result`: 0 is `Ok(T)`, 1 is `Err(E)`.
/// Enum: the variant's index in declaration order, its fields as payload.
pub fn case_fields(ty: &IType, discriminant: u32) -> Option<CaseFields<'_>> {
    match ty {
        IType::Option(inner) => match discriminant {
            0 => Some(CaseFields::Empty),
            1 => Some(CaseFields::One(inner)),
            _ => None,
        },
        IType::Result(ok, err) => match discriminant {
            0 => Some(CaseFields::One(ok)),
            1 => Some(CaseFields::One(err)),
            _ => None,
        },
        IType::Enum(e) => e
            .variants
            .get(discriminant as usize)
            .map(|v| CaseFields::Variant(&v.fields)),
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
        | IType::Tuple(_) => None,
    }
}

/// How many cases a tagged type has (`Option` and `Result` 2, an enum its variant count);
/// 0 for the other types.
pub fn case_count(ty: &IType) -> u32 {
    match ty {
        IType::Option(_) | IType::Result(..) => 2,
        IType::Enum(e) => e.variants.len() as u32,
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
        | IType::Tuple(_) => 0,
    }
}

/// Packed size of a tuple block: the sum of its elements' wire sizes, like a record's.
pub fn tuple_size(items: &[IType]) -> u32 {
    items.iter().map(wire_size).sum()
}

/// Packed size of a record: the sum of its fields' wire sizes, no padding (§2.5).
pub fn record_size(record: &IRecordType) -> u32 {
    record.fields.iter().map(|f| wire_size(&f.ty)).sum()
}

/// Wire size of a type as the macro sees it ([`ParsedType`], before records are resolved):
/// the same sizes as [`wire_size`], which a record needs to lay out its fields (§2.5).
pub fn parsed_wire_size(ty: &ParsedType) -> u32 {
    match ty {
        ParsedType::Boolean(_) | ParsedType::I8(_) | ParsedType::U8(_) => 1,
        ParsedType::I16(_) | ParsedType::U16(_) => 2,
        ParsedType::I32(_) | ParsedType::U32(_) | ParsedType::F32(_) => 4,
        ParsedType::I64(_) | ParsedType::U64(_) | ParsedType::F64(_) => 8,
        ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) | ParsedType::Vector(..) => 8,
        ParsedType::Record(..)
        | ParsedType::Option(..)
        | ParsedType::Result(..)
        | ParsedType::Tuple(..) => 4,
    }
}

/// Allocation tag for a buffer whose elements have this type (§1.2): gives the guest's
/// `allocate` the alignment it needs.
pub fn element_tag(ty: &IType) -> u8 {
    match ty {
        IType::Boolean => 0,
        IType::U8 => 1,
        IType::U16 => 2,
        IType::U32 => 3,
        IType::U64 => 4,
        IType::S8 => 5,
        IType::S16 => 6,
        IType::S32 => 7,
        IType::S64 => 8,
        IType::F32 => 9,
        IType::F64 => 10,
        IType::String
        | IType::ByteArray
        | IType::Array(_)
        | IType::Record(_)
        | IType::Option(_)
        | IType::Result(..)
        | IType::Tuple(_)
        | IType::Enum(_) => 3,
    }
}

/// Alignment in bytes of the type behind an `allocate` type tag (§1.2): tags 0-10 are
/// bool, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64; `None` for unknown tags.
pub const fn tag_alignment(tag: u32) -> Option<usize> {
    Some(match tag {
        0 | 1 | 5 => 1,
        2 | 6 => 2,
        3 | 7 | 9 => 4,
        4 | 8 | 10 => 8,
        _ => return None,
    })
}

/// True for the types a host may move memory-to-memory between modules: strings and byte arrays
/// (`Vec<u8>`, either as `ByteArray` or `Array(U8)`, which share one layout).
pub fn is_bytes_type(ty: &IType) -> bool {
    match ty {
        IType::String | IType::ByteArray => true,
        IType::Array(elem) => **elem == IType::U8,
        _ => false,
    }
}

/// The size of a wasm memory page in bytes.
pub const WASM_PAGE_SIZE: u64 = 64 * 1024;

/// Tag used for string, byte-array and record buffers.
pub const BYTES_TAG: u8 = 1;

/// How a function's output comes back.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputKind {
    /// No output.
    None,
    /// A scalar returned as the wasm result.
    Scalar(IType),
    /// A string or array: `get_result_ptr` + `get_result_size`.
    Sized(IType),
    /// A record: `get_result_ptr` only.
    Record(Arc<IRecordType>),
    /// An extension type (`Option`, `Result`, tuple, enum): a pointer to its block through
    /// `get_result_ptr` only, as a record.
    Boxed(IType),
}

impl OutputKind {
    /// True when the output is complex and `release_objects` must run after lifting.
    pub fn needs_release(&self) -> bool {
        matches!(
            self,
            OutputKind::Sized(_) | OutputKind::Record(_) | OutputKind::Boxed(_)
        )
    }
}

/// Everything needed to call one export, computed once at load.
#[derive(Clone, Debug)]
pub struct CallPlan {
    /// The interface signature.
    pub signature: Arc<FunctionSignature>,
    /// The flattened wasm signature (checked against the real export at load).
    pub wasm: WasmSignature,
    /// How the output is obtained.
    pub output: OutputKind,
}

impl CallPlan {
    /// Builds the plan for a signature (at most one output; checked by the interface parser).
    pub fn new(signature: Arc<FunctionSignature>) -> Self {
        let wasm = flatten_signature(&signature);
        let output = match signature.outputs.first() {
            None => OutputKind::None,
            Some(IType::Record(r)) => OutputKind::Record(r.clone()),
            Some(ty) if ty.is_boxed() => OutputKind::Boxed(ty.clone()),
            Some(ty) if ty.is_complex() => OutputKind::Sized(ty.clone()),
            Some(ty) => OutputKind::Scalar(ty.clone()),
        };
        CallPlan {
            signature,
            wasm,
            output,
        }
    }
}

/// The namespaces a module imports the host's own functions from (§5.1): one per SDK
/// generation, each with its own call-parameters layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostApi {
    /// `host`: SDK 0.6-0.11.
    V0,
    /// `__marine_host_api_v1`: SDK 0.12.
    V1,
    /// `__marine_host_api_v2`: SDK 0.13.
    V2,
    /// `__marine_host_api_v3`: SDK 0.14 (and this project's SDK).
    V3,
}

/// Prefix of the versioned host namespaces (`__marine_host_api_v1`, ...).
pub const HOST_API_PREFIX: &str = "__marine_host_api_v";

impl HostApi {
    /// Every generation, oldest first.
    pub const ALL: [HostApi; 4] = [HostApi::V0, HostApi::V1, HostApi::V2, HostApi::V3];
    /// The generation this project's SDK imports from.
    pub const CURRENT: HostApi = HostApi::V3;

    /// The wasm import module name.
    pub const fn namespace(self) -> &'static str {
        match self {
            HostApi::V0 => "host",
            HostApi::V1 => "__marine_host_api_v1",
            HostApi::V2 => "__marine_host_api_v2",
            HostApi::V3 => "__marine_host_api_v3",
        }
    }

    /// The generation whose namespace is `namespace`, if any.
    pub fn of_namespace(namespace: &str) -> Option<HostApi> {
        HostApi::ALL
            .into_iter()
            .find(|api| api.namespace() == namespace)
    }
}

/// True for namespaces the host serves: the four [`HostApi`] ones and any later
/// `__marine_host_api_vN` (whose functions the host does not know, a link error rather than
/// an import from a module of that name).
pub fn is_host_namespace(namespace: &str) -> bool {
    namespace == HostApi::V0.namespace() || namespace.starts_with(HOST_API_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::section::PassingStyle;
    use crate::types::{IEnumType, IEnumVariant, IFunctionArg, VariantKind};

    /// Every scalar as the runtime and as the macro see it.
    fn scalars() -> Vec<(IType, ParsedType)> {
        let by = PassingStyle::ByValue;
        vec![
            (IType::Boolean, ParsedType::Boolean(by)),
            (IType::S8, ParsedType::I8(by)),
            (IType::S16, ParsedType::I16(by)),
            (IType::S32, ParsedType::I32(by)),
            (IType::S64, ParsedType::I64(by)),
            (IType::U8, ParsedType::U8(by)),
            (IType::U16, ParsedType::U16(by)),
            (IType::U32, ParsedType::U32(by)),
            (IType::U64, ParsedType::U64(by)),
            (IType::F32, ParsedType::F32(by)),
            (IType::F64, ParsedType::F64(by)),
        ]
    }

    #[test]
    fn case_fields_borrow_the_type() {
        let option = IType::Option(Box::new(IType::String));
        assert_eq!(case_fields(&option, 0), Some(CaseFields::Empty));
        assert_eq!(
            case_fields(&option, 1),
            Some(CaseFields::One(&IType::String))
        );
        assert_eq!(case_fields(&option, 2), None);
        let result = IType::Result(Box::new(IType::U8), Box::new(IType::String));
        let ok = case_fields(&result, 0).unwrap();
        assert_eq!((ok.len(), ok.payload_size()), (1, 1));
        let err = case_fields(&result, 1).unwrap();
        assert_eq!(err.iter().collect::<Vec<_>>(), vec![&IType::String]);
        assert_eq!(case_fields(&result, 2), None);
        let field = |name: &str, ty| IRecordField {
            name: name.into(),
            ty,
        };
        let e = IType::Enum(Arc::new(IEnumType {
            name: "E".into(),
            variants: vec![
                IEnumVariant {
                    name: "A".into(),
                    kind: VariantKind::Unit,
                    fields: vec![],
                },
                IEnumVariant {
                    name: "B".into(),
                    kind: VariantKind::Tuple,
                    fields: vec![field("0", IType::U64), field("1", option.clone())],
                },
            ],
        }));
        let a = case_fields(&e, 0).unwrap();
        assert!(a.is_empty());
        assert_eq!(a.iter().len(), 0);
        let b = case_fields(&e, 1).unwrap();
        assert_eq!(b.iter().len(), 2);
        assert_eq!(
            b.into_iter().collect::<Vec<_>>(),
            vec![&IType::U64, &option]
        );
        assert_eq!(b.payload_size(), 12);
        assert_eq!(case_fields(&e, 2), None);
        assert_eq!(case_fields(&IType::String, 0), None);
    }

    #[test]
    fn macro_and_runtime_sizes_agree() {
        for (ity, parsed) in scalars() {
            assert_eq!(wire_size(&ity), parsed_wire_size(&parsed), "{ity:?}");
            // An element buffer is aligned for its element.
            let align = tag_alignment(element_tag(&ity) as u32).unwrap();
            assert_eq!(align as u32, wire_size(&ity), "{ity:?}");
        }
        let by = PassingStyle::ByValue;
        assert_eq!(
            parsed_wire_size(&ParsedType::Utf8String(by)),
            wire_size(&IType::String)
        );
        let bytes = ParsedType::Vector(Box::new(ParsedType::U8(by)), by);
        assert_eq!(parsed_wire_size(&bytes), wire_size(&IType::ByteArray));
        let record = ParsedType::Record("R".into(), by);
        let empty = Arc::new(IRecordType {
            name: "R".into(),
            fields: vec![],
        });
        assert_eq!(parsed_wire_size(&record), wire_size(&IType::Record(empty)));
        assert_eq!(tag_alignment(11), None);
    }

    #[test]
    fn host_namespaces() {
        for api in HostApi::ALL {
            assert_eq!(HostApi::of_namespace(api.namespace()), Some(api));
            assert!(is_host_namespace(api.namespace()));
        }
        assert!(is_host_namespace("__marine_host_api_v9"));
        assert!(!is_host_namespace("hostile"));
        assert!(!is_host_namespace("__marine_host_api"));
        assert_eq!(HostApi::of_namespace("env"), None);
    }

    #[test]
    fn reference_record_layout() {
        // TestRecord of records_pure.wasm: 59 bytes (§2.5).
        let tys = [
            IType::Boolean,
            IType::S8,
            IType::S16,
            IType::S32,
            IType::S64,
            IType::U8,
            IType::U16,
            IType::U32,
            IType::U64,
            IType::F32,
            IType::F64,
            IType::String,
            IType::ByteArray,
        ];
        let rec = IRecordType {
            name: "TestRecord".into(),
            fields: tys
                .iter()
                .enumerate()
                .map(|(i, ty)| IRecordField {
                    name: format!("f{i}"),
                    ty: ty.clone(),
                })
                .collect(),
        };
        assert_eq!(record_size(&rec), 59);
    }

    #[test]
    fn basic_types_import_flattening() {
        // The `imports/basic_types` generation test of §3.2.
        let tys = [
            IType::S8,
            IType::S16,
            IType::S32,
            IType::S64,
            IType::U8,
            IType::U16,
            IType::U32,
            IType::U64,
            IType::F32,
            IType::F64,
            IType::String,
            IType::ByteArray,
        ];
        let sig = FunctionSignature {
            name: "f".into(),
            arguments: tys
                .iter()
                .map(|ty| IFunctionArg {
                    name: "a".into(),
                    ty: ty.clone(),
                })
                .collect(),
            outputs: vec![IType::ByteArray],
        };
        let w = flatten_signature(&sig);
        use WasmType::*;
        assert_eq!(
            w.params,
            vec![I32, I32, I32, I64, I32, I32, I32, I64, F32, F64, I32, I32, I32, I32]
        );
        assert!(w.results.is_empty());
    }
}
