//! Writing custom sections: how metadata is attached to a module after the fact (tools, tests).

use crate::leb128::write_u64;

/// Appends a custom section named `name` holding `data` to the end of a wasm binary.
///
/// A custom section may appear anywhere after the header, so appending never disturbs the
/// module; readers of Marine metadata ([`crate::interface`]) find it wherever it is.
pub fn append_custom_section(wasm: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut payload = Vec::new();
    write_u64(&mut payload, name.len() as u64);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    wasm.push(0);
    write_u64(wasm, payload.len() as u64);
    wasm.extend_from_slice(&payload);
}

/// A hand-written `Function` metadata section (name and JSON text), for tools and tests that
/// attach metadata to a module themselves: `arguments` and `outputs` are the JSON lists of the
/// schema ([`crate::FnArgument`]s and [`crate::ParsedType`]s), inserted verbatim.
pub fn function_metadata(name: &str, arguments: &str, outputs: &str) -> (String, String) {
    (
        format!("{}{name}", crate::GENERATED_SECTION_PREFIX),
        format!(
            r#"{{"ast_type":"Function","signature":{{"name":"{name}","arguments":{arguments},"output_types":{outputs}}}}}"#
        ),
    )
}

/// A hand-written `Record` metadata section (name and JSON text): `fields` is the JSON list of
/// named [`crate::RecordField`]s, inserted verbatim.
pub fn record_metadata(name: &str, fields: &str) -> (String, String) {
    (
        format!("{}{name}", crate::GENERATED_SECTION_PREFIX),
        format!(r#"{{"ast_type":"Record","name":"{name}","fields":{{"Named":{fields}}}}}"#),
    )
}
