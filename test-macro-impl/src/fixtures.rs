//! Synthetic wasm modules carrying Marine metadata, for the macro's own tests (snapshot,
//! UI and unit tests). The functions are stubs that return zeros: the macro never runs them,
//! but each export has the wasm signature its metadata flattens to (§2.1/§2.2, computed by
//! [`marine_ast::abi::flatten_signature`]), because interface reading checks it.

use std::sync::Arc;

use marine_ast::abi::{flatten_signature, WasmSignature, WasmType};
use marine_ast::{
    FnArgument, FnSignature, FnSignatureAst, FunctionSignature, IFunctionArg, IRecordType, IType,
    ParsedType, PassingStyle, RecordAst, RecordField, RecordFields, SDKAst,
    GENERATED_SECTION_PREFIX,
};

/// `String`.
pub fn string() -> ParsedType {
    ParsedType::Utf8String(PassingStyle::ByValue)
}
/// `i32`.
pub fn i32() -> ParsedType {
    ParsedType::I32(PassingStyle::ByValue)
}
/// `u8`.
pub fn u8() -> ParsedType {
    ParsedType::U8(PassingStyle::ByValue)
}
/// `u64`.
pub fn u64() -> ParsedType {
    ParsedType::U64(PassingStyle::ByValue)
}
/// `bool`.
pub fn bool() -> ParsedType {
    ParsedType::Boolean(PassingStyle::ByValue)
}
/// `f64`.
pub fn f64() -> ParsedType {
    ParsedType::F64(PassingStyle::ByValue)
}
/// `Vec<T>`.
pub fn vec(elem: ParsedType) -> ParsedType {
    ParsedType::Vector(Box::new(elem), PassingStyle::ByValue)
}
/// A record by name.
pub fn record(name: &str) -> ParsedType {
    ParsedType::Record(name.to_string(), PassingStyle::ByValue)
}

/// A function metadata document.
pub fn function(name: &str, args: &[(&str, ParsedType)], output: Option<ParsedType>) -> SDKAst {
    SDKAst::Function(FnSignatureAst {
        signature: FnSignature {
            name: name.to_string(),
            arguments: args
                .iter()
                .map(|(n, t)| FnArgument {
                    name: n.to_string(),
                    ty: t.clone(),
                })
                .collect(),
            output_types: output.into_iter().collect(),
        },
    })
}

/// A record metadata document.
pub fn record_decl(name: &str, fields: &[(&str, ParsedType)]) -> SDKAst {
    SDKAst::Record(RecordAst {
        name: name.to_string(),
        fields: RecordFields::Named(
            fields
                .iter()
                .map(|(n, t)| RecordField {
                    name: Some(n.to_string()),
                    ty: t.clone(),
                })
                .collect(),
        ),
    })
}

fn leb(v: usize, out: &mut Vec<u8>) {
    marine_ast::leb128::write_u64(out, v as u64);
}

fn section(id: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(payload.len(), out);
    out.extend_from_slice(payload);
}

fn name(s: &str, out: &mut Vec<u8>) {
    leb(s.len(), out);
    out.extend_from_slice(s.as_bytes());
}

/// The interface type of `ty` as far as flattening cares: records are one pointer, so their
/// fields are left out.
fn flat_type(ty: &ParsedType) -> IType {
    match ty {
        ParsedType::I8(_) => IType::S8,
        ParsedType::I16(_) => IType::S16,
        ParsedType::I32(_) => IType::S32,
        ParsedType::I64(_) => IType::S64,
        ParsedType::U8(_) => IType::U8,
        ParsedType::U16(_) => IType::U16,
        ParsedType::U32(_) => IType::U32,
        ParsedType::U64(_) => IType::U64,
        ParsedType::F32(_) => IType::F32,
        ParsedType::F64(_) => IType::F64,
        ParsedType::Boolean(_) => IType::Boolean,
        ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => IType::String,
        ParsedType::Vector(elem, _) => IType::Array(Box::new(flat_type(elem))),
        ParsedType::Record(name, _) => IType::Record(Arc::new(IRecordType {
            name: name.clone(),
            fields: Vec::new(),
        })),
        ParsedType::Option(inner, _) => IType::Option(Box::new(flat_type(inner))),
        ParsedType::Result(ok, err, _) => {
            IType::Result(Box::new(flat_type(ok)), Box::new(flat_type(err)))
        }
        ParsedType::Tuple(items, _) => IType::Tuple(items.iter().map(flat_type).collect()),
    }
}

/// The wasm signature of export `name`: the flattened signature of its metadata, or
/// `() -> ()` when `items` has no function of that name.
fn wasm_signature(name: &str, items: &[SDKAst]) -> WasmSignature {
    let Some(sig) = items.iter().find_map(|i| match i {
        SDKAst::Function(f) if f.signature.name == name => Some(&f.signature),
        _ => None,
    }) else {
        return WasmSignature::default();
    };
    flatten_signature(&FunctionSignature {
        name: sig.name.clone(),
        arguments: sig
            .arguments
            .iter()
            .map(|a| IFunctionArg {
                name: a.name.clone(),
                ty: flat_type(&a.ty),
            })
            .collect(),
        outputs: sig.output_types.iter().map(flat_type).collect(),
    })
}

fn val_type(ty: WasmType) -> u8 {
    match ty {
        WasmType::I32 => 0x7f,
        WasmType::I64 => 0x7e,
        WasmType::F32 => 0x7d,
        WasmType::F64 => 0x7c,
        WasmType::Other => unreachable!("flattening yields number types only"),
    }
}

/// `<ty>.const 0`.
fn zero(ty: WasmType, out: &mut Vec<u8>) {
    match ty {
        WasmType::I32 => out.extend_from_slice(&[0x41, 0]),
        WasmType::I64 => out.extend_from_slice(&[0x42, 0]),
        WasmType::F32 => out.extend_from_slice(&[0x43, 0, 0, 0, 0]),
        WasmType::F64 => out.extend_from_slice(&[0x44, 0, 0, 0, 0, 0, 0, 0, 0]),
        WasmType::Other => unreachable!("flattening yields number types only"),
    }
}

/// A wasm module exporting `exports` (stubs with the signatures their metadata in `items`
/// flattens to, `() -> ()` without metadata) with one metadata section per item.
pub fn module(exports: &[&str], items: &[SDKAst]) -> Vec<u8> {
    let sigs: Vec<WasmSignature> = exports.iter().map(|e| wasm_signature(e, items)).collect();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    let mut types = Vec::new();
    leb(sigs.len(), &mut types);
    for sig in &sigs {
        types.push(0x60);
        leb(sig.params.len(), &mut types);
        types.extend(sig.params.iter().map(|t| val_type(*t)));
        leb(sig.results.len(), &mut types);
        types.extend(sig.results.iter().map(|t| val_type(*t)));
    }
    section(1, &types, &mut wasm);
    let mut funcs = Vec::new();
    leb(exports.len(), &mut funcs);
    for i in 0..exports.len() {
        leb(i, &mut funcs);
    }
    section(3, &funcs, &mut wasm);
    let mut ex = Vec::new();
    leb(exports.len(), &mut ex);
    for (i, e) in exports.iter().enumerate() {
        name(e, &mut ex);
        ex.push(0);
        leb(i, &mut ex);
    }
    section(7, &ex, &mut wasm);
    let mut code = Vec::new();
    leb(exports.len(), &mut code);
    for sig in &sigs {
        let mut body = vec![0];
        for ty in &sig.results {
            zero(*ty, &mut body);
        }
        body.push(0x0b);
        leb(body.len(), &mut code);
        code.extend_from_slice(&body);
    }
    section(10, &code, &mut wasm);
    for (i, item) in items.iter().enumerate() {
        let mut custom = Vec::new();
        name(&format!("{GENERATED_SECTION_PREFIX}{i}"), &mut custom);
        custom.extend_from_slice(
            serde_json::to_string(item)
                .expect("metadata serializes")
                .as_bytes(),
        );
        section(0, &custom, &mut wasm);
    }
    wasm
}

/// A module whose exports are exactly the given functions.
pub fn module_of(items: &[SDKAst]) -> Vec<u8> {
    let exports: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            SDKAst::Function(f) => Some(f.signature.name.as_str()),
            _ => None,
        })
        .collect();
    module(&exports, items)
}
