//! `marine info`: what a module is and what it may do.
//!
//! Besides the SDK version and manifest of the official tool, it lists the exports with their
//! types, and the module's *effects*: functions of other modules it calls, host functions it
//! imports (logger, call parameters, embedder-provided functions), mounted binaries (host
//! commands) and the WASI functions it uses, plus the sizes of its parts.

use std::collections::BTreeMap;
use std::fmt;

use marine_ast::{MANIFEST_SECTION, SDK_VERSION_SECTION};
use marine_runtime::{IType, ImportedFunction, ModuleInterface};
use wasmparser::{Parser, Payload, TypeRef};

use super::aqua::exported_types;
use marine_ast::is_host_namespace;
use marine_ast::manifest::{ManifestError, ModuleManifest};

/// The WASI preview 1 import namespace.
pub const WASI_NAMESPACE: &str = "wasi_snapshot_preview1";

/// Why `marine info` could not read a module.
#[derive(Debug, thiserror::Error)]
pub enum InfoError {
    /// Not a valid wasm binary.
    #[error("not a valid wasm module: {0}")]
    Wasm(#[from] wasmparser::BinaryReaderError),
    /// The Marine metadata is malformed.
    #[error("{0}")]
    Interface(#[from] marine_runtime::InterfaceError),
}

/// Byte sizes of a module's parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Whole file.
    pub total: usize,
    /// Code section (function bodies).
    pub code: usize,
    /// Data section (initial memory contents).
    pub data: usize,
    /// Marine metadata sections (`__m_generated_section__*`, SDK version, manifest).
    pub metadata: usize,
    /// All other custom sections (names, debug info, producers).
    pub other_custom: usize,
    /// Initial pages of the linear memory, if the module defines one.
    pub memory_initial_pages: Option<u64>,
    /// Maximum pages of the linear memory, if declared.
    pub memory_max_pages: Option<u64>,
}

/// Everything `marine info` prints.
#[derive(Debug)]
pub struct ModuleInfo {
    /// The module's interface (exports, records, declared imports, SDK version).
    pub interface: ModuleInterface,
    /// The manifest section: absent, decoded, or malformed.
    pub manifest: Option<Result<ModuleManifest, ManifestError>>,
    /// Every wasm-level function import: namespace -> field names, in file order.
    pub raw_imports: BTreeMap<String, Vec<String>>,
    /// Sizes.
    pub sizes: Sizes,
    /// The `interface-types` section: absent, or whether it matches the JSON metadata.
    pub it: super::it::ItStatus,
}

/// One classified import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Namespace.
    pub namespace: String,
    /// Field name.
    pub name: String,
    /// Typed signature, when the metadata declares one.
    pub signature: Option<String>,
}

/// The imports of a module, grouped by what they reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Functions of other Marine modules.
    pub modules: Vec<Effect>,
    /// Host functions: the SDK host API and embedder-provided functions.
    pub host: Vec<Effect>,
    /// Mounted binaries (host functions returning `MountedBinaryResult`).
    pub mounted_binaries: Vec<Effect>,
    /// WASI functions.
    pub wasi: Vec<String>,
}

fn is_mounted_binary(import: &ImportedFunction) -> bool {
    matches!(
        import.signature.outputs.as_slice(),
        [IType::Record(r)] if r.name == "MountedBinaryResult" || r.name == "MountedBinaryStringResult"
    )
}

impl ModuleInfo {
    /// Reads a module's information from its bytes (nothing is compiled).
    pub fn from_wasm(wasm: &[u8]) -> Result<Self, InfoError> {
        let interface = ModuleInterface::from_wasm(wasm)?;
        let mut manifest = None;
        let mut raw_imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut sizes = Sizes {
            total: wasm.len(),
            ..Sizes::default()
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        if matches!(import.ty, TypeRef::Func(_)) {
                            raw_imports
                                .entry(import.module.to_string())
                                .or_default()
                                .push(import.name.to_string());
                        }
                    }
                }
                Payload::MemorySection(reader) => {
                    if let Some(mem) = reader.into_iter().next() {
                        let mem = mem?;
                        sizes.memory_initial_pages = Some(mem.initial);
                        sizes.memory_max_pages = mem.maximum;
                    }
                }
                Payload::CodeSectionStart { size, .. } => sizes.code = size as usize,
                Payload::DataSection(reader) => sizes.data = reader.range().len(),
                Payload::CustomSection(reader) => {
                    let name = reader.name();
                    if name == MANIFEST_SECTION {
                        manifest = Some(ModuleManifest::decode(reader.data()));
                    }
                    if name == MANIFEST_SECTION
                        || name == SDK_VERSION_SECTION
                        || marine_ast::is_generated_section(name)
                    {
                        sizes.metadata += reader.data().len();
                    } else {
                        sizes.other_custom += reader.data().len();
                    }
                }
                _ => {}
            }
        }
        Ok(ModuleInfo {
            interface,
            manifest,
            raw_imports,
            sizes,
            it: super::it::ItStatus::of(wasm),
        })
    }

    /// Classifies the imports: declared (typed) imports from the metadata first, then the
    /// remaining wasm imports.
    pub fn effects(&self) -> Effects {
        let mut effects = Effects::default();
        let mut typed: BTreeMap<(&str, &str), ()> = BTreeMap::new();
        for module in &self.interface.imports {
            for f in &module.functions {
                typed.insert((&module.namespace, &f.import_name), ());
                let effect = Effect {
                    namespace: module.namespace.clone(),
                    name: f.import_name.clone(),
                    signature: Some(f.signature.to_string()),
                };
                if is_host_namespace(&module.namespace) {
                    if is_mounted_binary(f) {
                        effects.mounted_binaries.push(effect);
                    } else {
                        effects.host.push(effect);
                    }
                } else {
                    effects.modules.push(effect);
                }
            }
        }
        for (ns, names) in &self.raw_imports {
            for name in names {
                if typed.contains_key(&(ns.as_str(), name.as_str())) {
                    continue;
                }
                if ns == WASI_NAMESPACE {
                    effects.wasi.push(name.clone());
                    continue;
                }
                let effect = Effect {
                    namespace: ns.clone(),
                    name: name.clone(),
                    signature: None,
                };
                if is_host_namespace(ns) {
                    effects.host.push(effect);
                } else {
                    effects.modules.push(effect);
                }
            }
        }
        effects
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn write_effects(f: &mut fmt::Formatter<'_>, title: &str, list: &[Effect]) -> fmt::Result {
    writeln!(f, "  {title}:")?;
    if list.is_empty() {
        return writeln!(f, "    <none>");
    }
    for e in list {
        match &e.signature {
            Some(sig) => writeln!(f, "    {}.{}: {}", e.namespace, e.name, sig)?,
            None => match e.name.as_str() {
                "log_utf8_string" => writeln!(f, "    {}.{} (logger)", e.namespace, e.name)?,
                "get_call_parameters" => {
                    writeln!(f, "    {}.{} (call parameters)", e.namespace, e.name)?
                }
                _ => writeln!(f, "    {}.{}", e.namespace, e.name)?,
            },
        }
    }
    Ok(())
}

impl fmt::Display for ModuleInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.interface.sdk_version {
            Some(v) => writeln!(f, "sdk version: {v}")?,
            None => writeln!(f, "module doesn't contain sdk version")?,
        }
        match &self.manifest {
            None => writeln!(f, "module doesn't contain module manifest")?,
            Some(Ok(m)) => write!(f, "module manifest:\n{m}")?,
            Some(Err(e)) => writeln!(f, "module manifest is malformed: {e}")?,
        }
        writeln!(f, "{}", self.it)?;

        writeln!(f, "\nexports:")?;
        if self.interface.functions.is_empty() {
            writeln!(f, "  <no exported functions>")?;
        }
        for sig in self.interface.functions.values() {
            writeln!(f, "  {sig}")?;
        }
        let named = exported_types(&self.interface);
        if !named.records().is_empty() || !named.enums().is_empty() {
            writeln!(f, "\nexported data types:")?;
            let records = named.records().iter().map(|r| r.to_string());
            for text in records.chain(named.enums().iter().map(|e| e.to_string())) {
                for line in text.lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        if self.interface.uses_extensions() {
            writeln!(
                f,
                "\nABI extensions: uses Option, Result, tuples or enums (docs/abi-extensions.md);\n  \
                 runs on this runtime only: the official `marine build` refuses it with\n  \
                 \"{}: Error(\\\"unknown variant ...\\\")\"",
                marine_ast::section::OFFICIAL_REFUSAL_PREFIX
            )?;
        }

        let effects = self.effects();
        writeln!(f, "\neffects (imports):")?;
        write_effects(f, "other modules", &effects.modules)?;
        write_effects(f, "host functions", &effects.host)?;
        write_effects(f, "mounted binaries", &effects.mounted_binaries)?;
        writeln!(f, "  wasi:")?;
        if effects.wasi.is_empty() {
            writeln!(f, "    <none>")?;
        } else {
            writeln!(f, "    {}", effects.wasi.join(", "))?;
        }

        let s = &self.sizes;
        writeln!(f, "\nsizes:")?;
        writeln!(
            f,
            "  file:     {} ({} bytes)",
            human_bytes(s.total as u64),
            s.total
        )?;
        writeln!(
            f,
            "  code:     {} ({} bytes)",
            human_bytes(s.code as u64),
            s.code
        )?;
        writeln!(
            f,
            "  data:     {} ({} bytes)",
            human_bytes(s.data as u64),
            s.data
        )?;
        writeln!(
            f,
            "  metadata: {} ({} bytes)",
            human_bytes(s.metadata as u64),
            s.metadata
        )?;
        writeln!(
            f,
            "  other custom sections: {} ({} bytes)",
            human_bytes(s.other_custom as u64),
            s.other_custom
        )?;
        match s.memory_initial_pages {
            Some(initial) => {
                let max = match s.memory_max_pages {
                    Some(m) => format!("{m} pages"),
                    None => "unbounded".to_string(),
                };
                writeln!(
                    f,
                    "  memory:   {initial} pages initial ({}), max {max}",
                    human_bytes(initial * 65536)
                )?;
            }
            None => writeln!(f, "  memory:   <none defined>")?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(17 * 65536), "1.1 MiB");
    }

    #[test]
    fn classifies_raw_imports() {
        let wasm = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                (import "__marine_host_api_v3" "log_utf8_string" (func (param i32 i32 i32 i32)))
                (import "other_module" "f" (func))
                (memory (export "memory") 2 10))"#,
        )
        .unwrap();
        let info = ModuleInfo::from_wasm(&wasm).unwrap();
        let effects = info.effects();
        assert_eq!(effects.wasi, vec!["fd_write".to_string()]);
        assert_eq!(effects.host.len(), 1);
        assert_eq!(effects.host[0].name, "log_utf8_string");
        assert_eq!(effects.modules[0].namespace, "other_module");
        assert_eq!(info.sizes.memory_initial_pages, Some(2));
        assert_eq!(info.sizes.memory_max_pages, Some(10));
        let text = info.to_string();
        assert!(
            text.contains("module doesn't contain sdk version"),
            "{text}"
        );
        assert!(text.contains("mounted binaries:\n    <none>"), "{text}");
    }
}
