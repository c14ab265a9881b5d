//! Helpers shared by the end-to-end tests: building the guest examples to real wasm.
//!
//! The examples under `examples/` form their own cargo workspace targeting `wasm32-wasip1`.
//! [`build_examples`] builds all of them once per test process, into their own target dir
//! (`target/wasm-examples`) so it never contends with the host build's lock, and
//! [`example_wasm`] returns the path of one module.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The wasm target every Marine module is built for.
pub use marine_guest_build::WASM_TARGET;

/// Root of the repository (the folder holding the workspace `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Target dir used for the guest builds.
pub fn wasm_target_dir() -> PathBuf {
    repo_root().join("target").join("wasm-examples")
}

/// Builds a guest cargo workspace (or crate) for `wasm32-wasip1` in release mode and returns the
/// folder holding the produced `.wasm` files: [`marine_guest_build::build_wasm_workspace`]
/// (which keeps the outer build's environment out). Panics with cargo's output on failure: a
/// test cannot go on without its modules.
pub fn build_wasm_workspace(manifest: &Path, target_dir: &Path) -> PathBuf {
    marine_guest_build::build_wasm_workspace(manifest, target_dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Builds every example once per process and returns the folder with the `.wasm` files.
pub fn build_examples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_wasm_workspace(
            &repo_root().join("examples").join("Cargo.toml"),
            &wasm_target_dir(),
        )
    })
}

/// Path of one example module (`greeting`, `records`, `arrays`, `scalars`, `misbehaving`),
/// building the examples first if needed.
pub fn example_wasm(name: &str) -> PathBuf {
    let path = build_examples().join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "example module {} was not built",
        path.display()
    );
    path
}

/// Names and contents of every custom section of a wasm module, in file order.
pub fn custom_sections(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(reader)) = payload {
            out.push((reader.name().to_string(), reader.data().to_vec()));
        }
    }
    out
}

// ---- official-SDK compatibility (issue 6) -------------------------------------------------

/// Target dir of the guests built against the official `marine-rs-sdk` (`tests/compat`).
pub fn compat_target_dir() -> PathBuf {
    repo_root().join("target").join("compat-wasm")
}

/// Target dir of the same guest sources built against our SDK (`tests/compat-ours`).
pub fn compat_ours_target_dir() -> PathBuf {
    repo_root().join("target").join("compat-ours-wasm")
}

/// Builds `tests/compat` (guests depending on the official `marine-rs-sdk` 0.14.0 from
/// crates.io) once per process and returns the folder with the `.wasm` files.
pub fn build_compat() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_wasm_workspace(
            &repo_root().join("tests/compat/Cargo.toml"),
            &compat_target_dir(),
        )
    })
}

/// Builds `tests/compat-ours` (the sources of `tests/compat`, against our SDK) once per process
/// and returns the folder with the `.wasm` files.
pub fn build_compat_ours() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_wasm_workspace(
            &repo_root().join("tests/compat-ours/Cargo.toml"),
            &compat_ours_target_dir(),
        )
    })
}

/// Path of one guest built with the official SDK (`greeting`, `records`, `arrays`,
/// `call_parameters`, `trap`, `logging`, `effector`, `pure`, `mounted`).
pub fn compat_wasm(name: &str) -> PathBuf {
    built_module(build_compat(), name)
}

/// Path of the same guest built with our SDK.
pub fn compat_ours_wasm(name: &str) -> PathBuf {
    built_module(build_compat_ours(), name)
}

fn built_module(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.wasm"));
    assert!(path.exists(), "module {} was not built", path.display());
    path
}

/// Prefix of the sections holding the `#[marine]` metadata JSON.
pub const GENERATED_SECTION_PREFIX: &str = "__m_generated_section__";

/// Every `__m_generated_section__*` section, by name, parsed as JSON. A section may hold
/// several concatenated JSON documents (two items mapping to one name), so each is a list.
/// Panics on invalid JSON, naming the section.
pub fn generated_sections(
    wasm: &[u8],
) -> std::collections::BTreeMap<String, Vec<serde_json::Value>> {
    let mut out = std::collections::BTreeMap::<String, Vec<serde_json::Value>>::new();
    for (name, data) in custom_sections(wasm) {
        if !name.starts_with(GENERATED_SECTION_PREFIX) {
            continue;
        }
        let docs = serde_json::Deserializer::from_slice(&data)
            .into_iter::<serde_json::Value>()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("section {name} is not JSON: {e}"));
        out.entry(name).or_default().extend(docs);
    }
    out
}

/// A wasm function type as (params, results).
pub type WasmSignature = (Vec<wasmparser::ValType>, Vec<wasmparser::ValType>);

/// The wasm-level interface of a module: exported and imported functions with their types,
/// and the other exports with their kinds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WasmShape {
    /// Exported functions: name → signature.
    pub func_exports: std::collections::BTreeMap<String, WasmSignature>,
    /// Imported functions: (namespace, name) → signature.
    pub func_imports: std::collections::BTreeMap<(String, String), WasmSignature>,
    /// Other exports: name → kind (memory, global, table).
    pub other_exports: std::collections::BTreeMap<String, String>,
}

/// Reads the [`WasmShape`] of a module. Panics on malformed wasm (the input is our own build).
pub fn wasm_shape(wasm: &[u8]) -> WasmShape {
    use wasmparser::{ExternalKind, Payload, TypeRef};
    let mut types: Vec<WasmSignature> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut imported: Vec<WasmSignature> = Vec::new();
    let mut shape = WasmShape::default();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("valid wasm") {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    let f = ty.expect("function type");
                    types.push((f.params().to_vec(), f.results().to_vec()));
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp.expect("import");
                    if let TypeRef::Func(t) = imp.ty {
                        let sig = types[t as usize].clone();
                        imported.push(sig.clone());
                        shape
                            .func_imports
                            .insert((imp.module.to_string(), imp.name.to_string()), sig);
                    }
                }
            }
            Payload::FunctionSection(r) => {
                funcs = r.into_iter().map(|t| t.expect("function")).collect()
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.expect("export");
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            _ => {}
        }
    }
    for (name, kind, index) in exports {
        if kind == ExternalKind::Func {
            let index = index as usize;
            let sig = match index.checked_sub(imported.len()) {
                None => imported[index].clone(),
                Some(local) => types[funcs[local] as usize].clone(),
            };
            shape.func_exports.insert(name, sig);
        } else {
            shape.other_exports.insert(name, format!("{kind:?}"));
        }
    }
    shape
}

/// Target dir of the guests built with older official SDKs (`tests/compat-old`).
pub fn compat_old_target_dir() -> PathBuf {
    repo_root().join("target").join("compat-old-wasm")
}

/// Builds `tests/compat-old` (guests depending on the official `marine-rs-sdk` 0.10.3, 0.12.0
/// and 0.13.0) once per process and returns the folder with the `.wasm` files.
pub fn build_compat_old() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_wasm_workspace(
            &repo_root().join("tests/compat-old/Cargo.toml"),
            &compat_old_target_dir(),
        )
    })
}

/// Path of one older-SDK guest: `greeting_<v>`, `call_parameters_<v>` or `mounted_<v>`, `<v>`
/// one of `0_10`, `0_12`, `0_13`.
pub fn compat_old_wasm(name: &str) -> PathBuf {
    built_module(build_compat_old(), name)
}

/// A size of this process from `/proc/self/status` in bytes (Linux); `None` elsewhere.
pub fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resident size of this process in bytes (Linux).
pub fn rss() -> Option<u64> {
    proc_status("VmRSS:")
}

/// Virtual size of this process in bytes (each wasm memory reserves GiBs of address space).
pub fn virtual_size() -> Option<u64> {
    proc_status("VmSize:")
}

/// Number of file descriptors this process has open (Linux).
pub fn open_fds() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}
