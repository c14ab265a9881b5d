//! The sections of a wasm file that its interface is read from, read without the rest.
//!
//! A module's interface comes from its type, import, function and export sections and from
//! its metadata custom sections ([`crate::interface::is_interface_section`]): a few KiB, where
//! the code and data sections of a real module are most of its MiB. When the compiled code is
//! found elsewhere (the disk cache), only these sections are read from the file, each other
//! section is stepped over with a seek, and the interface is read from the result: the same
//! interface sections in the same order, and a code section holding only its count of bodies
//! (which the wasm reader checks against the function section's).

use std::io::{Read, Seek, SeekFrom};

use crate::interface::{is_interface_section, InterfaceError};

/// Section ids kept: type (1), import (2), function (3), export (7).
const KEPT_SECTION_IDS: [u8; 4] = [1, 2, 3, 7];

/// Id of the code section, of which only the count of bodies is kept.
const CODE_SECTION_ID: u8 = 10;

/// Id of a custom section.
const CUSTOM_SECTION_ID: u8 = 0;

/// Sections of at most this many bytes are stepped over by reading them.
const SKIP_BY_READING: u64 = 512;

/// The wasm magic number and version 1, the first eight bytes of every module.
const WASM_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

fn wasm_error(reason: impl Into<String>) -> InterfaceError {
    InterfaceError {
        section: "<wasm>".into(),
        reason: reason.into(),
        limit: None,
    }
}

/// Reads the interface sections of the `len`-byte module in `file` (positioned at its start)
/// into a module of their own. Every section's size is checked against `len` before anything
/// is read or allocated for it, so the result is never larger than the file.
pub(crate) fn read_interface_sections<R: Read + Seek>(
    mut file: R,
    len: u64,
) -> Result<Vec<u8>, InterfaceError> {
    let mut reader = Counted {
        inner: &mut file,
        at: 0,
        len,
    };
    let mut header = [0u8; 8];
    reader.read_exact(&mut header)?;
    if header != WASM_HEADER {
        return Err(wasm_error("not a wasm module (version 1)"));
    }
    let mut out = header.to_vec();
    while reader.at < len {
        let id = reader.byte()?;
        let (size, size_bytes) = reader.leb_u32()?;
        let end = reader
            .at
            .checked_add(u64::from(size))
            .filter(|end| *end <= len)
            .ok_or_else(|| wasm_error(format!("section {id} runs past the end of the module")))?;
        let kept = if id == CUSTOM_SECTION_ID {
            let start = reader.at;
            let (name_len, name_len_bytes) = reader.leb_u32()?;
            if reader.at + u64::from(name_len) > end {
                return Err(wasm_error("a custom section's name runs past the section"));
            }
            let name_bytes = reader.bytes(name_len)?;
            match std::str::from_utf8(&name_bytes) {
                Ok(name) if is_interface_section(name) => {
                    out.push(id);
                    out.extend_from_slice(&size_bytes);
                    out.extend_from_slice(&name_len_bytes);
                    out.extend_from_slice(&name_bytes);
                    let rest = u64::from(size) - (reader.at - start);
                    out.extend_from_slice(&reader.bytes(rest as u32)?);
                    true
                }
                // A name that is not UTF-8 is the wasm reader's to refuse, as from bytes.
                Err(_) => return Err(wasm_error("a custom section's name is not UTF-8")),
                Ok(_) => false,
            }
        } else if id == CODE_SECTION_ID {
            // The bodies are stepped over; the count stays, as the reader checks it against
            // the function section's.
            let (_, count_bytes) = reader.leb_u32()?;
            if reader.at > end {
                return Err(wasm_error("the code section's count runs past the section"));
            }
            out.push(id);
            out.push(count_bytes.len() as u8);
            out.extend_from_slice(&count_bytes);
            false
        } else if KEPT_SECTION_IDS.contains(&id) {
            out.push(id);
            out.extend_from_slice(&size_bytes);
            out.extend_from_slice(&reader.bytes(size)?);
            true
        } else {
            false
        };
        if !kept && reader.at < end {
            reader.skip_to(end)?;
        }
    }
    Ok(out)
}

/// A reader that knows its position and the module's length.
struct Counted<'a, R> {
    inner: &'a mut R,
    at: u64,
    len: u64,
}

impl<R: Read + Seek> Counted<'_, R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), InterfaceError> {
        if self.at + buf.len() as u64 > self.len {
            return Err(wasm_error("unexpected end of the module"));
        }
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => wasm_error("unexpected end of the module"),
            _ => wasm_error(format!("reading the module: {e}")),
        })?;
        self.at += buf.len() as u64;
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, InterfaceError> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b)?;
        Ok(b[0])
    }

    /// `n` bytes, which the caller has checked lie within the module.
    fn bytes(&mut self, n: u32) -> Result<Vec<u8>, InterfaceError> {
        let mut buf = vec![0u8; n as usize];
        self.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// An unsigned LEB128 of at most 32 bits, with the bytes it was written in.
    fn leb_u32(&mut self) -> Result<(u32, Vec<u8>), InterfaceError> {
        let mut bytes = Vec::with_capacity(5);
        loop {
            let b = self.byte()?;
            bytes.push(b);
            if b & 0x80 == 0 || bytes.len() == 5 {
                break;
            }
        }
        let mut at = 0;
        let value = crate::leb128::read_unsigned(&bytes, &mut at, 32)
            .map_err(|e| wasm_error(format!("a section header: {e}")))?;
        Ok((value as u32, bytes))
    }

    /// Steps over the bytes up to `end`: read and dropped when few (a buffered reader then
    /// keeps its buffer), else sought past.
    fn skip_to(&mut self, end: u64) -> Result<(), InterfaceError> {
        let ahead = end - self.at;
        let io = |e: std::io::Error| wasm_error(format!("reading the module: {e}"));
        if ahead <= SKIP_BY_READING {
            let mut dropped = [0u8; SKIP_BY_READING as usize];
            self.read_exact(&mut dropped[..ahead as usize])?;
            return Ok(());
        }
        let ahead =
            i64::try_from(ahead).map_err(|_| wasm_error("a section larger than a file can be"))?;
        self.inner.seek(SeekFrom::Current(ahead)).map_err(io)?;
        self.at = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::test_utils::{append_custom_section, fn_section};
    use crate::{InterfaceLimits, ModuleInterface};

    /// Code, a data segment of 64 KiB, and custom sections before and after them: the
    /// interface's, an SDK version, and others (a debug section) that are not.
    fn module() -> Vec<u8> {
        let data = "\\00".repeat(64 * 1024);
        let wat = format!(
            r#"(module
                (import "host" "log" (func (param i32 i32)))
                (memory (export "memory") 2)
                (func (export "greeting") (param i32 i32) local.get 0 local.get 1 call 0)
                (func (export "other") (param i64) (result i32) i32.const 7)
                (data (i32.const 16) "{data}")
            )"#
        );
        let mut wasm = wat::parse_str(wat).unwrap();
        append_custom_section(&mut wasm, ".debug_info", &[7; 4096]);
        let (name, data) = fn_section(
            "greeting",
            r#"[{"name":"name","ty":{"Utf8String":"ByValue"}}]"#,
            "[]",
        );
        append_custom_section(&mut wasm, &name, data.as_bytes());
        append_custom_section(&mut wasm, "__fluence_sdk_version", b"0.14.0");
        wasm
    }

    /// Counts the bytes read through it.
    struct Counting<R> {
        inner: R,
        read: u64,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    impl<R: Seek> Seek for Counting<R> {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    #[test]
    fn the_interface_read_from_its_sections_is_the_one_read_from_the_bytes() {
        let wasm = module();
        let mut file = Counting {
            inner: Cursor::new(&wasm),
            read: 0,
        };
        let from_file = ModuleInterface::from_file_with_limits(
            &mut file,
            wasm.len() as u64,
            Default::default(),
        )
        .unwrap();
        // (Every map of an interface is ordered: equal texts are equal interfaces.)
        let from_bytes = ModuleInterface::from_wasm(&wasm).unwrap();
        assert_eq!(format!("{from_file:?}"), format!("{from_bytes:?}"));
        assert!(from_file.functions.contains_key("greeting"));
        assert_eq!(from_file.sdk_version.as_deref(), Some("0.14.0"));
        // Neither the data nor the debug section was read.
        assert!(
            file.read < 2048,
            "read {} of {} bytes",
            file.read,
            wasm.len()
        );
        let sections = read_interface_sections(Cursor::new(&wasm), wasm.len() as u64).unwrap();
        assert!(sections.len() as u64 <= file.read);
        assert!(sections.len() < 1024, "kept {} bytes", sections.len());
    }

    #[test]
    fn a_cut_or_lying_module_is_an_error_never_a_panic() {
        let wasm = module();
        let limits = InterfaceLimits::default;
        // Cut anywhere (the file shorter than it says): an error for every cut inside a
        // section, and never a panic or a read past the end.
        for cut in (0..wasm.len())
            .step_by(97)
            .chain(wasm.len() - 9..wasm.len())
        {
            let result = ModuleInterface::from_file_with_limits(
                Cursor::new(&wasm[..cut]),
                wasm.len() as u64,
                limits(),
            );
            let e = result.unwrap_err();
            assert_eq!(e.section, "<wasm>", "cut at {cut}: {e}");
        }
        // A section whose size runs past the end of the module.
        let mut lying = wat::parse_str("(module)").unwrap();
        lying.extend_from_slice(&[1, 0xff, 0xff, 0x03]);
        let e = read_interface_sections(Cursor::new(&lying), lying.len() as u64).unwrap_err();
        assert!(e.reason.contains("runs past the end"), "{e}");
        // A custom section whose name runs past the section.
        let mut lying = wat::parse_str("(module)").unwrap();
        lying.extend_from_slice(&[0, 2, 9, b'a']);
        let e = read_interface_sections(Cursor::new(&lying), lying.len() as u64).unwrap_err();
        assert!(e.reason.contains("name runs past"), "{e}");
        // A size that does not fit 32 bits, and something that is not a module.
        let mut lying = wat::parse_str("(module)").unwrap();
        lying.extend_from_slice(&[1, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(read_interface_sections(Cursor::new(&lying), lying.len() as u64).is_err());
        let e = read_interface_sections(Cursor::new(b"\0asm\x0d\0\x01\0"), 8).unwrap_err();
        assert!(e.reason.contains("not a wasm module"), "{e}");
    }
}
