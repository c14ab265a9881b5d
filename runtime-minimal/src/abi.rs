//! The wasm-level shape of interface types: flattening (§2.1, §2.2), wire sizes (§2.5, §2.6),
//! allocation tags (§1.2) and the per-function [`CallPlan`] computed once at load.

use std::fmt;
use std::sync::Arc;

use crate::types::{FunctionSignature, IRecordType, IType};

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
        IType::Record(_) => out.push(WasmType::I32),
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
        IType::Record(_) => 4,
    }
}

/// Packed size of a record: the sum of its fields' wire sizes, no padding (§2.5).
pub fn record_size(record: &IRecordType) -> u32 {
    record.fields.iter().map(|f| wire_size(&f.ty)).sum()
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
        IType::String | IType::ByteArray | IType::Array(_) | IType::Record(_) => 3,
    }
}

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
}

impl OutputKind {
    /// True when the output is complex and `release_objects` must run after lifting.
    pub fn needs_release(&self) -> bool {
        matches!(self, OutputKind::Sized(_) | OutputKind::Record(_))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordField};

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
