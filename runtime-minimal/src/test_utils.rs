//! Helpers for tests: metadata sections appended to wasm binaries.

/// Appends a custom section to a wasm binary.
pub fn append_custom_section(wasm: &mut Vec<u8>, name: &str, data: &[u8]) {
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
    let mut payload = Vec::new();
    leb(name.len(), &mut payload);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    wasm.push(0);
    leb(payload.len(), wasm);
    wasm.extend_from_slice(&payload);
}

/// A `Function` metadata section: `args` and `outputs` are JSON arrays.
pub fn fn_section(name: &str, args: &str, outputs: &str) -> (String, String) {
    (
        format!("__m_generated_section__{name}"),
        format!(
            r#"{{"ast_type":"Function","signature":{{"name":"{name}","arguments":{args},"output_types":{outputs}}}}}"#
        ),
    )
}

/// A `Record` metadata section: `fields` is a JSON array of named fields.
pub fn record_section(name: &str, fields: &str) -> (String, String) {
    (
        format!("__m_generated_section__{name}"),
        format!(r#"{{"ast_type":"Record","name":"{name}","fields":{{"Named":{fields}}}}}"#),
    )
}
