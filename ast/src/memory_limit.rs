//! Capping a module's memories in its own bytes, for hosts that cannot refuse a `memory.grow`
//! at run time (a JavaScript engine runs the guest's `memory.grow` itself).
//!
//! [`cap_memories`] rewrites the memory section so that each memory may grow by at most the
//! given number of bytes beyond its initial size (the native runtime's per-module limit:
//! `mem_pages_count` / `max_heap_size` on top of the initial memory); a `memory.grow` past it then returns -1 inside the engine,
//! exactly as a refused growth does in the native runtime. Nothing else in the module changes.
//! The input is untrusted: every length is checked before use, and anything this code does
//! not understand is an error, never a guess.

use crate::abi::WASM_PAGE_SIZE;
use crate::leb128::{read_unsigned, write_u64};

/// Why a module's memories could not be capped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot cap the memories of this module: {0}")]
pub struct CapError(String);

impl CapError {
    /// An error with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        CapError(reason.into())
    }
}

/// What [`cap_memories`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped {
    /// The module's bytes with every memory capped.
    pub wasm: Vec<u8>,
    /// Initial size of the first memory in bytes (0 without a memory).
    pub initial_bytes: u64,
    /// The maximum of the first memory after capping, in bytes (`None` without a memory).
    pub maximum_bytes: Option<u64>,
}

fn leb_u64(bytes: &[u8], at: &mut usize, bits: u32) -> Result<u64, CapError> {
    read_unsigned(bytes, at, bits).map_err(|e| CapError(e.to_string()))
}

/// (initial, maximum) of a memory, in pages.
type Pages = (u64, u64);

/// The memory section's new payload, and the pages of its first memory.
fn capped_section(payload: &[u8], heap_pages: u64) -> Result<(Vec<u8>, Option<Pages>), CapError> {
    let mut at = 0;
    let count = leb_u64(payload, &mut at, 32)?;
    let mut out = Vec::with_capacity(payload.len() + 8);
    write_u64(&mut out, count);
    let mut first = None;
    for _ in 0..count {
        let flags = *payload
            .get(at)
            .ok_or_else(|| CapError("a memory type runs past the end".into()))?;
        at += 1;
        if flags & !0x01 != 0 {
            // Shared, 64-bit or custom-page-size memories: not something a Marine module has.
            return Err(CapError(format!(
                "memory flags {flags:#x} are not supported"
            )));
        }
        let initial = leb_u64(payload, &mut at, 32)?;
        let declared = if flags & 0x01 != 0 {
            Some(leb_u64(payload, &mut at, 32)?)
        } else {
            None
        };
        let cap = initial.saturating_add(heap_pages).min(65536);
        let maximum = declared.map_or(cap, |m| m.min(cap)).max(initial);
        out.push(0x01);
        write_u64(&mut out, initial);
        write_u64(&mut out, maximum);
        first.get_or_insert((initial, maximum));
    }
    if at != payload.len() {
        return Err(CapError("the memory section has trailing bytes".into()));
    }
    Ok((out, first))
}

const MEMORY_SECTION: u8 = 5;

/// Walks the module's sections in order, calling `f(id, section, payload)` with each whole
/// section (id and size included) and its payload; every size is checked against the bytes.
fn for_each_section(
    wasm: &[u8],
    mut f: impl FnMut(u8, &[u8], &[u8]) -> Result<(), CapError>,
) -> Result<(), CapError> {
    const HEADER: usize = 8;
    if wasm.len() < HEADER || wasm[..4] != *b"\0asm" {
        return Err(CapError("not a wasm module".into()));
    }
    let mut at = HEADER;
    while at < wasm.len() {
        let id = wasm[at];
        let mut cursor = at + 1;
        let size = leb_u64(wasm, &mut cursor, 32)? as usize;
        let end = cursor
            .checked_add(size)
            .filter(|end| *end <= wasm.len())
            .ok_or_else(|| CapError(format!("section {id} runs past the end")))?;
        f(id, &wasm[at..end], &wasm[cursor..end])?;
        at = end;
    }
    Ok(())
}

/// Lets every memory the module defines grow by at most `heap_bytes` (rounded down to whole
/// pages) beyond its initial size; a smaller declared maximum stays.
pub fn cap_memories(wasm: &[u8], heap_bytes: u64) -> Result<Capped, CapError> {
    let heap_pages = heap_bytes / WASM_PAGE_SIZE;
    let mut out = Vec::with_capacity(wasm.len().saturating_add(16));
    out.extend_from_slice(wasm.get(..8).unwrap_or_default());
    let mut first = None;
    for_each_section(wasm, |id, section, payload| {
        if id == MEMORY_SECTION {
            let (payload, memory) = capped_section(payload, heap_pages)?;
            first = first.or(memory);
            out.push(MEMORY_SECTION);
            write_u64(&mut out, payload.len() as u64);
            out.extend_from_slice(&payload);
        } else {
            out.extend_from_slice(section);
        }
        Ok(())
    })?;
    Ok(Capped {
        wasm: out,
        initial_bytes: first.map_or(0, |(initial, _)| initial * WASM_PAGE_SIZE),
        maximum_bytes: first.map(|(_, maximum)| maximum * WASM_PAGE_SIZE),
    })
}

/// The initial size in bytes of the module's first memory (0 without one). Reads the module
/// without copying it.
pub fn initial_memory_bytes(wasm: &[u8]) -> Result<u64, CapError> {
    let mut first = None;
    for_each_section(wasm, |id, _, payload| {
        if id == MEMORY_SECTION && first.is_none() {
            first = capped_section(payload, u64::MAX)?.1;
        }
        Ok(())
    })?;
    Ok(first.map_or(0, |(initial, _)| initial * WASM_PAGE_SIZE))
}

#[cfg(all(test, feature = "interface"))]
mod tests {
    use super::*;

    fn memory_of(wasm: &[u8]) -> (u64, Option<u64>) {
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::MemorySection(reader) = payload.unwrap() {
                let m = reader.into_iter().next().unwrap().unwrap();
                return (m.initial, m.maximum);
            }
        }
        panic!("no memory section")
    }

    #[test]
    fn the_maximum_is_capped_and_everything_else_is_kept() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 2) (func (export "f") (result i32) i32.const 7)
                (data (i32.const 0) "hello"))"#,
        )
        .unwrap();
        let capped = cap_memories(&wasm, 3 * WASM_PAGE_SIZE + 100).unwrap();
        assert_eq!(memory_of(&capped.wasm), (2, Some(5)));
        assert_eq!(capped.initial_bytes, 2 * WASM_PAGE_SIZE);
        assert_eq!(capped.maximum_bytes, Some(5 * WASM_PAGE_SIZE));
        wasmparser::validate(&capped.wasm).unwrap();
        assert_eq!(
            capped.wasm.len(),
            wasm.len() + 1,
            "only the maximum was added"
        );

        // A smaller declared maximum stays; no heap at all keeps the initial size.
        let wasm = wat::parse_str(r#"(module (memory 3 4))"#).unwrap();
        assert_eq!(
            memory_of(&cap_memories(&wasm, 100 * WASM_PAGE_SIZE).unwrap().wasm),
            (3, Some(4))
        );
        assert_eq!(
            memory_of(&cap_memories(&wasm, 0).unwrap().wasm),
            (3, Some(3))
        );
        // Without a memory, nothing changes.
        let wasm = wat::parse_str(r#"(module (func))"#).unwrap();
        let capped = cap_memories(&wasm, 0).unwrap();
        assert_eq!((capped.wasm, capped.maximum_bytes), (wasm, None));
    }

    #[test]
    fn initial_memory_is_read_without_capping() {
        let wasm = wat::parse_str(r#"(module (memory 3 4) (func))"#).unwrap();
        assert_eq!(initial_memory_bytes(&wasm).unwrap(), 3 * WASM_PAGE_SIZE);
        let none = wat::parse_str(r#"(module (func))"#).unwrap();
        assert_eq!(initial_memory_bytes(&none).unwrap(), 0);
        for cut in 0..wasm.len() {
            let _ = initial_memory_bytes(&wasm[..cut]);
        }
        assert!(initial_memory_bytes(b"\0asm").is_err());
    }

    #[test]
    fn broken_or_unusual_modules_are_errors_not_panics() {
        let wasm = wat::parse_str(r#"(module (memory 1 2))"#).unwrap();
        for cut in 0..wasm.len() {
            let _ = cap_memories(&wasm[..cut], WASM_PAGE_SIZE);
        }
        let mut long = wasm.clone();
        long.extend_from_slice(&[5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(cap_memories(&long, WASM_PAGE_SIZE).is_err());
        let shared = wat::parse_str(r#"(module (memory 1 2 shared))"#).unwrap();
        assert!(cap_memories(&shared, WASM_PAGE_SIZE)
            .unwrap_err()
            .to_string()
            .contains("flags"));
    }
}
