//! Synthetic wasm modules carrying Marine metadata, for the macro's own tests (snapshot,
//! UI and unit tests). The functions are empty `() -> ()` stubs: the macro only reads the
//! export names and the metadata sections, it never runs them.

use marine_ast::{
    FnArgument, FnSignature, FnSignatureAst, ParsedType, PassingStyle, RecordAst, RecordField,
    RecordFields, SDKAst, GENERATED_SECTION_PREFIX,
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

fn leb(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
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

/// A wasm module exporting `exports` (empty functions) with one metadata section per item.
pub fn module(exports: &[&str], items: &[SDKAst]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut wasm);
    let mut funcs = Vec::new();
    leb(exports.len(), &mut funcs);
    funcs.extend(std::iter::repeat_n(0u8, exports.len()));
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
    for _ in exports {
        code.extend_from_slice(&[2, 0, 0x0b]);
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
