//! A module's interface, read at compile time from its `.wasm`.
//!
//! One wasmparser pass collects the exported function names and the `__m_generated_section__*`
//! custom sections (both prefixes); the JSON documents are parsed with
//! [`marine_ast::parse_section`], the parser the runtime uses, so the macro and the runtime
//! see the same interface. Only `#[marine]` functions that really are wasm exports are kept
//! (as the runtime does); the runtime checks the wasm signatures when it loads the module.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use marine_ast::{ParsedType, RecordAst, SDKAst};
use wasmparser::{ExternalKind, Parser, Payload};

/// Why a module's interface could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InterfaceError(pub String);

/// An interface type, as far as the generated Rust code cares.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Bool,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    String,
    /// `Vec<u8>`.
    ByteArray,
    Array(Box<Ty>),
    /// A record of the same module, by name.
    Record(String),
}

/// A record declared by a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordDesc {
    pub name: String,
    /// Field names and types, in declaration order.
    pub fields: Vec<(String, Ty)>,
}

/// An exported `#[marine]` function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnDesc {
    pub name: String,
    pub arguments: Vec<(String, Ty)>,
    pub output: Option<Ty>,
}

/// The interface of one module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleDesc {
    /// Exported functions, sorted by name.
    pub functions: Vec<FnDesc>,
    /// Declared records by name.
    pub records: BTreeMap<String, RecordDesc>,
}

fn ty(parsed: &ParsedType, records: &BTreeMap<String, RecordAst>) -> Result<Ty, InterfaceError> {
    Ok(match parsed {
        ParsedType::I8(_) => Ty::S8,
        ParsedType::I16(_) => Ty::S16,
        ParsedType::I32(_) => Ty::S32,
        ParsedType::I64(_) => Ty::S64,
        ParsedType::U8(_) => Ty::U8,
        ParsedType::U16(_) => Ty::U16,
        ParsedType::U32(_) => Ty::U32,
        ParsedType::U64(_) => Ty::U64,
        ParsedType::F32(_) => Ty::F32,
        ParsedType::F64(_) => Ty::F64,
        ParsedType::Boolean(_) => Ty::Bool,
        ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => Ty::String,
        ParsedType::Vector(elem, _) => match **elem {
            ParsedType::U8(_) => Ty::ByteArray,
            ref other => Ty::Array(Box::new(ty(other, records)?)),
        },
        ParsedType::Record(name, _) => {
            if !records.contains_key(name) {
                return Err(InterfaceError(format!("unknown record `{name}`")));
            }
            Ty::Record(name.clone())
        }
    })
}

/// Records `ty` refers to directly.
pub fn referenced_records<'a>(ty: &'a Ty, out: &mut Vec<&'a str>) {
    match ty {
        Ty::Array(inner) => referenced_records(inner, out),
        Ty::Record(name) => out.push(name),
        _ => {}
    }
}

impl ModuleDesc {
    /// Reads the interface from wasm bytes.
    pub fn from_wasm(wasm: &[u8]) -> Result<Self, InterfaceError> {
        let mut exports = BTreeSet::new();
        let mut items = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.map_err(|e| InterfaceError(format!("invalid wasm: {e}")))?;
            match payload {
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export =
                            export.map_err(|e| InterfaceError(format!("invalid wasm: {e}")))?;
                        if export.kind == ExternalKind::Func {
                            exports.insert(export.name.to_string());
                        }
                    }
                }
                Payload::CustomSection(reader)
                    if marine_ast::is_generated_section(reader.name()) =>
                {
                    let parsed = marine_ast::parse_section(reader.data())
                        .map_err(|e| InterfaceError(format!("section `{}`: {e}", reader.name())))?;
                    items.extend(parsed);
                }
                _ => {}
            }
        }
        Self::from_items(items, &exports)
    }

    fn from_items(items: Vec<SDKAst>, exports: &BTreeSet<String>) -> Result<Self, InterfaceError> {
        let mut record_asts: BTreeMap<String, RecordAst> = BTreeMap::new();
        let mut fn_asts = Vec::new();
        for item in items {
            match item {
                SDKAst::Record(r) => {
                    if let Some(prev) = record_asts.get(&r.name) {
                        if *prev != r {
                            return Err(InterfaceError(format!(
                                "record `{}` is declared twice, differently",
                                r.name
                            )));
                        }
                    }
                    record_asts.insert(r.name.clone(), r);
                }
                SDKAst::Function(f) => fn_asts.push(f.signature),
                SDKAst::ExternMod(_) => {}
            }
        }
        let mut records = BTreeMap::new();
        for (name, ast) in &record_asts {
            let mut fields = Vec::new();
            for (i, field) in ast.fields.fields().iter().enumerate() {
                let field_name = field.name.clone().unwrap_or_else(|| i.to_string());
                let t = ty(&field.ty, &record_asts).map_err(|e| {
                    InterfaceError(format!("record `{name}`, field `{field_name}`: {}", e.0))
                })?;
                fields.push((field_name, t));
            }
            records.insert(
                name.clone(),
                RecordDesc {
                    name: name.clone(),
                    fields,
                },
            );
        }
        check_not_recursive(&records)?;

        let mut functions: BTreeMap<String, FnDesc> = BTreeMap::new();
        for sig in fn_asts {
            if !exports.contains(&sig.name) {
                continue;
            }
            let mut arguments = Vec::new();
            for arg in &sig.arguments {
                let t = ty(&arg.ty, &record_asts).map_err(|e| {
                    InterfaceError(format!(
                        "function `{}`, argument `{}`: {}",
                        sig.name, arg.name, e.0
                    ))
                })?;
                arguments.push((arg.name.clone(), t));
            }
            let output = match sig.output_types.as_slice() {
                [] => None,
                [one] => Some(ty(one, &record_asts).map_err(|e| {
                    InterfaceError(format!("function `{}`, output: {}", sig.name, e.0))
                })?),
                _ => {
                    return Err(InterfaceError(format!(
                        "function `{}` has more than one output type",
                        sig.name
                    )))
                }
            };
            let desc = FnDesc {
                name: sig.name.clone(),
                arguments,
                output,
            };
            if let Some(prev) = functions.get(&desc.name) {
                if *prev != desc {
                    return Err(InterfaceError(format!(
                        "function `{}` is declared twice, differently",
                        desc.name
                    )));
                }
            }
            functions.insert(desc.name.clone(), desc);
        }
        Ok(ModuleDesc {
            functions: functions.into_values().collect(),
            records,
        })
    }
}

fn check_not_recursive(records: &BTreeMap<String, RecordDesc>) -> Result<(), InterfaceError> {
    fn visit<'a>(
        name: &'a str,
        records: &'a BTreeMap<String, RecordDesc>,
        stack: &mut Vec<&'a str>,
        done: &mut HashSet<&'a str>,
    ) -> Result<(), InterfaceError> {
        if done.contains(name) {
            return Ok(());
        }
        if stack.contains(&name) {
            return Err(InterfaceError(format!(
                "record `{name}` is recursive; recursive records are not supported"
            )));
        }
        stack.push(name);
        let mut refs = Vec::new();
        for (_, t) in &records[name].fields {
            referenced_records(t, &mut refs);
        }
        for r in refs {
            visit(r, records, stack, done)?;
        }
        stack.pop();
        done.insert(name);
        Ok(())
    }
    let mut done = HashSet::new();
    for name in records.keys() {
        visit(name, records, &mut Vec::new(), &mut done)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn reads_functions_and_records() {
        let wasm = fixtures::module(
            &["greet", "hidden_is_not_exported_here"],
            &[
                fixtures::function(
                    "greet",
                    &[("name", fixtures::string())],
                    Some(fixtures::record("Pair")),
                ),
                fixtures::function("not_exported", &[], None),
                fixtures::record_decl(
                    "Pair",
                    &[
                        ("a", fixtures::i32()),
                        ("inner", fixtures::vec(fixtures::record("Inner"))),
                    ],
                ),
                fixtures::record_decl("Inner", &[("bytes", fixtures::vec(fixtures::u8()))]),
            ],
        );
        let desc = ModuleDesc::from_wasm(&wasm).unwrap();
        assert_eq!(desc.functions.len(), 1);
        assert_eq!(
            desc.functions[0].arguments,
            [("name".to_string(), Ty::String)]
        );
        assert_eq!(desc.functions[0].output, Some(Ty::Record("Pair".into())));
        assert_eq!(
            desc.records["Pair"].fields[1].1,
            Ty::Array(Box::new(Ty::Record("Inner".into())))
        );
        assert_eq!(desc.records["Inner"].fields[0].1, Ty::ByteArray);
    }

    #[test]
    fn errors_name_the_item() {
        let wasm = fixtures::module(
            &["f"],
            &[fixtures::function(
                "f",
                &[("x", fixtures::record("Nope"))],
                None,
            )],
        );
        let e = ModuleDesc::from_wasm(&wasm).unwrap_err().to_string();
        assert_eq!(e, "function `f`, argument `x`: unknown record `Nope`");

        let wasm = fixtures::module(
            &[],
            &[fixtures::record_decl(
                "Node",
                &[("c", fixtures::vec(fixtures::record("Node")))],
            )],
        );
        let e = ModuleDesc::from_wasm(&wasm).unwrap_err().to_string();
        assert!(e.contains("record `Node` is recursive"), "{e}");

        let e = ModuleDesc::from_wasm(b"not wasm").unwrap_err().to_string();
        assert!(e.starts_with("invalid wasm"), "{e}");
    }
}
