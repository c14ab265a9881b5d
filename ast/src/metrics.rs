//! Measuring a module's shape ([`ModuleMetrics`]) before it is compiled, so that modules
//! whose compilation would be unbounded (hundreds of thousands of nested blocks or of
//! functions) are refused in one linear pass, before the compiler sees them.

use wasmparser::{Operator, Parser, Payload, TypeRef};

use crate::interface::ModuleInterface;
use crate::limits::{LimitExceeded, LimitKind, Limits, ModuleMetrics};

/// Measures `wasm` (whose interface is already read), stopping at the first limit of
/// `limits` it exceeds. Invalid wasm is not an error here: the compiler reports it.
pub fn measure(
    module: &str,
    wasm: &[u8],
    interface: &ModuleInterface,
    limits: &Limits,
) -> Result<ModuleMetrics, LimitExceeded> {
    let mut metrics = ModuleMetrics {
        size: wasm.len() as u64,
        type_depth: interface.type_depth,
        record_types: u32::try_from(interface.records.len()).unwrap_or(u32::MAX),
        ..ModuleMetrics::default()
    };
    // Size first: nothing else is read from a module over it.
    limits.check(module, &metrics)?;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let Ok(import) = import else { break };
                    match import.ty {
                        TypeRef::Func(_) => metrics.functions = metrics.functions.saturating_add(1),
                        TypeRef::Memory(_) => metrics.memories = metrics.memories.saturating_add(1),
                        TypeRef::Table(t) => {
                            metrics.tables = metrics.tables.saturating_add(1);
                            metrics.table_elements =
                                metrics.table_elements.saturating_add(t.initial);
                        }
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                metrics.functions = metrics.functions.saturating_add(reader.count());
            }
            Payload::MemorySection(reader) => {
                metrics.memories = metrics.memories.saturating_add(reader.count());
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let Ok(table) = table else { break };
                    metrics.tables = metrics.tables.saturating_add(1);
                    metrics.table_elements =
                        metrics.table_elements.saturating_add(table.ty.initial);
                }
            }
            Payload::CodeSectionStart { .. } => {
                // Counts are known before any code: refuse before reading it.
                limits.check(module, &metrics)?;
            }
            Payload::CodeSectionEntry(body) => {
                let depth = block_depth(&body, limits.max_block_depth);
                metrics.block_depth = metrics.block_depth.max(depth);
                if depth > limits.max_block_depth {
                    return Err(LimitExceeded {
                        module: module.to_string(),
                        kind: LimitKind::BlockDepth,
                        limit: limits.max_block_depth.into(),
                        what: format!(
                            "the block nesting of a function (more than {})",
                            limits.max_block_depth
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    limits.check(module, &metrics)?;
    Ok(metrics)
}

/// The deepest block nesting of one function body, counted up to `stop_above + 1` (the
/// reading stops there).
fn block_depth(body: &wasmparser::FunctionBody<'_>, stop_above: u32) -> u32 {
    let Ok(mut ops) = body.get_operators_reader() else {
        return 0;
    };
    let (mut depth, mut deepest) = (0u32, 0u32);
    while !ops.eof() {
        let Ok(op) = ops.read() else { break };
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => {
                depth += 1;
                if depth > deepest {
                    deepest = depth;
                    if deepest > stop_above {
                        break;
                    }
                }
            }
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_blocks(n: usize) -> Vec<u8> {
        let wat = format!("(module (func {} {}))", "(block ".repeat(n), ")".repeat(n));
        wat::parse_str(wat).unwrap()
    }

    #[test]
    fn counts_functions_memories_tables_and_nesting() {
        let wasm = wat::parse_str(
            r#"(module
                (import "env" "f" (func))
                (import "env" "t" (table 3 funcref))
                (memory 1) (memory 2)
                (table 10 funcref)
                (func (block (loop (if (i32.const 0) (then nop)))))
                (func))"#,
        )
        .unwrap();
        let interface = ModuleInterface::default();
        let m = measure("m", &wasm, &interface, &Limits::default()).unwrap();
        assert_eq!(m.functions, 3);
        assert_eq!(m.memories, 2);
        assert_eq!(m.tables, 2);
        assert_eq!(m.table_elements, 13);
        assert_eq!(m.block_depth, 3);
        assert_eq!(m.size, wasm.len() as u64);
    }

    #[test]
    fn deep_nesting_is_refused_without_reading_on() {
        let limits = Limits {
            max_block_depth: 100,
            ..Limits::default()
        };
        let interface = ModuleInterface::default();
        assert!(measure("ok", &nested_blocks(100), &interface, &limits).is_ok());
        let e = measure("deep", &nested_blocks(101), &interface, &limits).unwrap_err();
        assert_eq!(e.kind, LimitKind::BlockDepth);
        assert_eq!(e.module, "deep");
    }
}
