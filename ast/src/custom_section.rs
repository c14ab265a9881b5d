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

/// Why a module's sections could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SectionWalkError {
    /// The bytes do not start with the wasm magic number and version 1.
    #[error("not a wasm module (no `\\0asm` header with version 1)")]
    NotWasm,
    /// A section header or a custom section's name is cut short or malformed.
    #[error("section starting at byte {offset}: {reason}")]
    Malformed {
        /// Offset of the section's id byte.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Where one section of a wasm binary lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpan {
    /// The section id (0 for custom sections).
    pub id: u8,
    /// The whole section, id byte included.
    pub range: std::ops::Range<usize>,
    /// A custom section's name.
    pub custom_name: Option<String>,
    /// The payload after the name (custom sections) or the whole payload (others).
    pub data: std::ops::Range<usize>,
}

/// The sections of a wasm binary, in file order. Reads only the section headers and custom
/// section names: one pass, bounded by the input, nothing allocated by a declared size.
pub fn sections(wasm: &[u8]) -> Result<Vec<SectionSpan>, SectionWalkError> {
    use crate::leb128::read_unsigned;
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" || wasm[4..8] != [1, 0, 0, 0] {
        return Err(SectionWalkError::NotWasm);
    }
    let mut spans = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let offset = at;
        let malformed = |reason: String| SectionWalkError::Malformed { offset, reason };
        let id = wasm[at];
        at += 1;
        let size =
            read_unsigned(wasm, &mut at, 32).map_err(|e| malformed(format!("size: {e}")))? as usize;
        let end = at
            .checked_add(size)
            .filter(|end| *end <= wasm.len())
            .ok_or_else(|| malformed(format!("its {size} bytes run past the end")))?;
        let mut data = at..end;
        let mut custom_name = None;
        if id == 0 {
            let payload = &wasm[..end];
            let mut name_at = at;
            let len = read_unsigned(payload, &mut name_at, 32)
                .map_err(|e| malformed(format!("custom section name: {e}")))?
                as usize;
            let name_end = name_at
                .checked_add(len)
                .filter(|e| *e <= end)
                .ok_or_else(|| malformed("custom section name runs past the section".into()))?;
            let name = std::str::from_utf8(&wasm[name_at..name_end])
                .map_err(|_| malformed("custom section name is not UTF-8".into()))?;
            custom_name = Some(name.to_string());
            data = name_end..end;
        }
        spans.push(SectionSpan {
            id,
            range: offset..end,
            custom_name,
            data,
        });
        at = end;
    }
    Ok(spans)
}

/// The payloads of every custom section named `name`, in file order.
pub fn custom_sections_named<'a>(
    wasm: &'a [u8],
    name: &str,
) -> Result<Vec<&'a [u8]>, SectionWalkError> {
    Ok(sections(wasm)?
        .into_iter()
        .filter(|s| s.custom_name.as_deref() == Some(name))
        .map(|s| &wasm[s.data])
        .collect())
}

/// A copy of `wasm` without any custom section named `name`, with one such section holding
/// `data` appended at the end: how a tool embeds or replaces a section (the official tools
/// delete the old section and append the new one the same way).
pub fn replace_custom_section(
    wasm: &[u8],
    name: &str,
    data: &[u8],
) -> Result<Vec<u8>, SectionWalkError> {
    let spans = sections(wasm)?;
    let mut out = Vec::with_capacity(wasm.len() + data.len() + name.len() + 12);
    out.extend_from_slice(&wasm[..8]);
    for span in spans {
        if span.custom_name.as_deref() != Some(name) {
            out.extend_from_slice(&wasm[span.range]);
        }
    }
    append_custom_section(&mut out, name, data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // A type section with no types.
        wasm.extend_from_slice(&[1, 1, 0]);
        append_custom_section(&mut wasm, "a", b"first");
        append_custom_section(&mut wasm, "b", b"other");
        append_custom_section(&mut wasm, "a", b"second");
        wasm
    }

    #[test]
    fn sections_are_listed_in_file_order() {
        let wasm = module();
        let spans = sections(&wasm).unwrap();
        let names: Vec<_> = spans.iter().map(|s| s.custom_name.as_deref()).collect();
        assert_eq!(names, [None, Some("a"), Some("b"), Some("a")]);
        assert_eq!(
            custom_sections_named(&wasm, "a").unwrap(),
            [&b"first"[..], &b"second"[..]]
        );
    }

    #[test]
    fn replacing_removes_every_old_copy_and_appends_one() {
        let wasm = replace_custom_section(&module(), "a", b"new").unwrap();
        let spans = sections(&wasm).unwrap();
        let names: Vec<_> = spans.iter().map(|s| s.custom_name.as_deref()).collect();
        assert_eq!(names, [None, Some("b"), Some("a")]);
        assert_eq!(custom_sections_named(&wasm, "a").unwrap(), [&b"new"[..]]);
        // Replacing again gives the same bytes.
        assert_eq!(replace_custom_section(&wasm, "a", b"new").unwrap(), wasm);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert_eq!(sections(b"\0asm"), Err(SectionWalkError::NotWasm));
        let mut cut = module();
        cut.truncate(cut.len() - 3);
        assert!(matches!(
            sections(&cut),
            Err(SectionWalkError::Malformed { .. })
        ));
        // A section declaring 4 GiB in a tiny file.
        let mut huge = b"\0asm\x01\0\0\0".to_vec();
        huge.extend_from_slice(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(sections(&huge).is_err());
        // A custom section whose name runs past its end.
        let mut name = b"\0asm\x01\0\0\0".to_vec();
        name.extend_from_slice(&[0, 2, 9, b'x']);
        assert!(sections(&name).is_err());
    }
}
