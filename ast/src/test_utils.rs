//! Helpers for tests: metadata sections as raw JSON.

pub use crate::append_custom_section;

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
