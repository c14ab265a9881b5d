//! Host-side helpers to inspect wasm binaries in tests.
#![allow(dead_code)]

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType};

/// A function signature as (params, results), e.g. `(["i32","i32"], [])`.
pub type Sig = (Vec<String>, Vec<String>);

fn val(v: &ValType) -> String {
    match v {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        other => format!("{other:?}"),
    }
}

/// Everything the tests look at in a module.
#[derive(Default, Debug)]
pub struct ModuleInfo {
    /// Custom sections in file order: (name, bytes).
    pub custom_sections: Vec<(String, Vec<u8>)>,
    /// Function exports: name → signature.
    pub exports: Vec<(String, Sig)>,
    /// Function imports: (module, field, signature).
    pub imports: Vec<(String, String, Sig)>,
    /// Names of non-function exports (memory, ...).
    pub other_exports: Vec<String>,
}

impl ModuleInfo {
    /// All custom sections with this name.
    pub fn sections(&self, name: &str) -> Vec<&[u8]> {
        self.custom_sections
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .collect()
    }

    /// The signature of an export.
    pub fn export(&self, name: &str) -> Option<&Sig> {
        self.exports.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// The signature of an import.
    pub fn import(&self, module: &str, field: &str) -> Option<&Sig> {
        self.imports
            .iter()
            .find(|(m, f, _)| m == module && f == field)
            .map(|(_, _, s)| s)
    }
}

/// Parses a wasm binary.
pub fn inspect(wasm: &[u8]) -> ModuleInfo {
    let mut info = ModuleInfo::default();
    let mut types: Vec<Sig> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("valid wasm") {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let f = ty.unwrap();
                    types.push((
                        f.params().iter().map(val).collect(),
                        f.results().iter().map(val).collect(),
                    ));
                }
            }
            Payload::ImportSection(reader) => {
                for imp in reader.into_imports() {
                    let imp = imp.unwrap();
                    if let TypeRef::Func(t) = imp.ty {
                        func_types.push(t);
                        info.imports.push((
                            imp.module.to_string(),
                            imp.name.to_string(),
                            types[t as usize].clone(),
                        ));
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    func_types.push(t.unwrap());
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.unwrap();
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CustomSection(c) => {
                info.custom_sections
                    .push((c.name().to_string(), c.data().to_vec()));
            }
            _ => {}
        }
    }
    for (name, kind, index) in exports {
        if kind == ExternalKind::Func {
            let sig = types[func_types[index as usize] as usize].clone();
            info.exports.push((name, sig));
        } else {
            info.other_exports.push(name);
        }
    }
    info
}

/// Shorthand for building an expected signature.
pub fn sig(params: &[&str], results: &[&str]) -> Sig {
    (
        params.iter().map(|s| s.to_string()).collect(),
        results.iter().map(|s| s.to_string()).collect(),
    )
}
