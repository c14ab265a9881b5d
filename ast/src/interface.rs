//! Reading a module's interface from its wasm bytes.
//!
//! One wasmparser pass collects the custom sections (`__m_generated_section__*` of both
//! prefixes, `__fluence_sdk_version`) and the raw signature of every exported function. The
//! metadata JSON is parsed with [`crate::section::parse_section`] (several concatenated documents
//! per section are accepted), records are resolved by short name into `Arc<IRecordType>`, and
//! every `#[marine]` function is checked against the real wasm export (it must exist and have
//! the flattened signature of §2.1/§2.2).
//!
//! Differences from the official runtime:
//! - no `interface-types` section is needed: everything comes from the JSON metadata (the
//!   official runtime requires the IT section that `marine build` adds);
//! - `__fluence_sdk_version` is optional; when present it must be a version ≥ 0.6.0;
//! - recursive records (`struct Node { children: Vec<Node> }`) are rejected with a clear error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::section::{
    EnumAst, ExternModAst, FnSignature, ParsedType, RecordAst, RecordFields, SDKAst,
    GENERATED_SECTION_PREFIX, GENERATED_SECTION_PREFIX_FCE, SDK_VERSION_SECTION,
};
use wasmparser::{Chunk, CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, ValType};

use crate::abi::{flatten_signature, WasmSignature, WasmType};
use crate::limits::{InterfaceLimits, LimitKind};
use crate::types::{
    FunctionSignature, IEnumType, IEnumVariant, IFunctionArg, IRecordField, IRecordType, IType,
    VariantKind, MAX_TUPLE_ARITY,
};

/// Why a module's interface could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("section `{section}`: {reason}")]
pub struct InterfaceError {
    /// The custom section (or export) concerned.
    pub section: String,
    /// What is wrong.
    pub reason: String,
    /// The limit the interface exceeds, when that is what is wrong.
    pub limit: Option<LimitKind>,
}

impl InterfaceError {
    /// The same error told from an enclosing item: `section` and `reason` replaced, the
    /// exceeded limit kept.
    fn within(self, section: &str, reason: impl FnOnce(&str) -> String) -> InterfaceError {
        InterfaceError {
            section: section.to_string(),
            reason: reason(&self.reason),
            limit: self.limit,
        }
    }
}

fn err(section: impl Into<String>, reason: impl Into<String>) -> InterfaceError {
    InterfaceError {
        section: section.into(),
        reason: reason.into(),
        limit: None,
    }
}

/// The interface of one module: its `#[marine]` exports, records and imports.
#[derive(Clone, Debug, Default)]
pub struct ModuleInterface {
    /// Content of `__fluence_sdk_version`, if present.
    pub sdk_version: Option<String>,
    /// Exported `#[marine]` functions by name (only those that really are wasm exports).
    pub functions: BTreeMap<String, Arc<FunctionSignature>>,
    /// All records declared in the module, by short name.
    pub records: BTreeMap<String, Arc<IRecordType>>,
    /// All `#[marine]` enums declared in the module, by short name (extension,
    /// `docs/abi-extensions.md`).
    pub enums: BTreeMap<String, Arc<IEnumType>>,
    /// `#[marine]` extern blocks, one entry per namespace (blocks with the same namespace are
    /// merged), in order of first appearance.
    pub imports: Vec<ImportedModule>,
    /// Raw wasm signatures of all exported functions (including the ABI functions).
    pub wasm_exports: BTreeMap<String, WasmSignature>,
    /// The deepest type nesting of the interface: a scalar is 0, `[]u8` and a record of
    /// scalars 1, `[][]u8` 2. Reading refuses interfaces deeper than
    /// [`InterfaceLimits::max_type_depth`], so every walk over these types is bounded.
    pub type_depth: u32,
}

/// The functions a module imports from one namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedModule {
    /// Wasm import module name: another module's name, or a host namespace such as
    /// `__marine_host_api_v3`.
    pub namespace: String,
    /// The imported functions.
    pub functions: Vec<ImportedFunction>,
}

/// One imported function.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedFunction {
    /// Wasm import field name (`link_name`, or else the function name).
    pub import_name: String,
    /// Interface signature (its `name` is the Rust name).
    pub signature: Arc<FunctionSignature>,
}

impl ModuleInterface {
    /// Reads the interface from wasm bytes under the default [`InterfaceLimits`]. Does not
    /// compile the module.
    pub fn from_wasm(wasm: &[u8]) -> Result<Self, InterfaceError> {
        Self::from_wasm_with_limits(wasm, InterfaceLimits::default())
    }

    /// Reads the interface from wasm bytes, refusing interfaces that nest types deeper than
    /// `limits.max_type_depth` or declare more than `limits.max_record_types` records (the
    /// error names the limit's key). The work is bounded by the input: records are resolved
    /// at most once each, and the resolution recurses at most `max_type_depth` deep.
    pub fn from_wasm_with_limits(
        wasm: &[u8],
        limits: InterfaceLimits,
    ) -> Result<Self, InterfaceError> {
        let raw = RawModuleInfo::read(wasm)?;
        Self::from_raw(raw, limits)
    }

    /// Reads the interface from the wasm module of `len` bytes in `file` (positioned at its
    /// start), as [`ModuleInterface::from_wasm_with_limits`] reads it from the bytes, reading
    /// only the sections it comes from: the code, data and other sections are stepped over.
    /// The caller bounds `len` (nothing larger than the file's sections is allocated).
    pub fn from_file_with_limits<R: std::io::Read + std::io::Seek>(
        file: R,
        len: u64,
        limits: InterfaceLimits,
    ) -> Result<Self, InterfaceError> {
        let sections = crate::interface_sections::read_interface_sections(file, len)?;
        Self::from_wasm_with_limits(&sections, limits)
    }

    fn from_raw(raw: RawModuleInfo, limits: InterfaceLimits) -> Result<Self, InterfaceError> {
        let sdk_version = match raw.sdk_versions.as_slice() {
            [] => None,
            [first, rest @ ..] => {
                if rest.iter().any(|v| v != first) {
                    return Err(err(
                        SDK_VERSION_SECTION,
                        format!(
                            "several sections with different versions: {:?}",
                            raw.sdk_versions
                        ),
                    ));
                }
                check_sdk_version(first)?;
                Some(first.clone())
            }
        };

        let mut record_asts: HashMap<String, (String, RecordAst)> = HashMap::new();
        let mut enum_asts: HashMap<String, (String, EnumAst)> = HashMap::new();
        let mut record_order = Vec::new();
        let mut enum_order = Vec::new();
        let mut fn_asts: Vec<(String, FnSignature)> = Vec::new();
        let mut extern_asts: Vec<(String, ExternModAst)> = Vec::new();
        for (section, bytes) in &raw.metadata_sections {
            let items =
                crate::section::parse_section(bytes).map_err(|e| err(section, e.to_string()))?;
            for item in items {
                match item {
                    SDKAst::Function(f) => fn_asts.push((section.clone(), f.signature)),
                    SDKAst::ExternMod(m) => extern_asts.push((section.clone(), m)),
                    SDKAst::Enum(e) => {
                        if let Some((_, prev)) = enum_asts.get(&e.name) {
                            if prev != &e {
                                return Err(err(
                                    section,
                                    format!("enum `{}` is declared twice, differently", e.name),
                                ));
                            }
                            continue;
                        }
                        if record_order.len() + enum_order.len() >= limits.max_record_types as usize
                        {
                            return Err(too_many_types(section, limits));
                        }
                        enum_order.push(e.name.clone());
                        enum_asts.insert(e.name.clone(), (section.clone(), e));
                    }
                    SDKAst::Record(r) => {
                        if let Some((_, prev)) = record_asts.get(&r.name) {
                            if prev != &r {
                                return Err(err(
                                    section,
                                    format!("record `{}` is declared twice, differently", r.name),
                                ));
                            }
                            continue;
                        }
                        if record_order.len() + enum_order.len() >= limits.max_record_types as usize
                        {
                            return Err(too_many_types(section, limits));
                        }
                        record_order.push(r.name.clone());
                        record_asts.insert(r.name.clone(), (section.clone(), r));
                    }
                }
            }
        }

        if let Some(name) = enum_order.iter().find(|n| record_asts.contains_key(*n)) {
            return Err(err(
                &enum_asts[name].0,
                format!("`{name}` is declared both as a record and as an enum"),
            ));
        }
        let mut resolver = RecordResolver {
            asts: &record_asts,
            enum_asts: &enum_asts,
            done: HashMap::new(),
            enums_done: HashMap::new(),
            in_progress: HashSet::new(),
            max_depth: limits.max_type_depth,
            level: 0,
            deepest: 0,
        };
        let mut records = BTreeMap::new();
        for name in &record_order {
            let rec = resolver.resolve(name)?;
            records.insert(name.clone(), rec);
        }
        let mut enums = BTreeMap::new();
        for name in &enum_order {
            let (e, _) = resolver.resolve_enum(name)?;
            enums.insert(name.clone(), e);
        }

        let mut functions: BTreeMap<String, Arc<FunctionSignature>> = BTreeMap::new();
        for (section, f) in fn_asts {
            let sig = resolver.signature(&section, &f)?;
            let Some(wasm_sig) = raw.exports.get(&sig.name) else {
                return Err(err(
                    section,
                    format!(
                        "function `{}` is declared in metadata but not exported",
                        sig.name
                    ),
                ));
            };
            let expected = flatten_signature(&sig);
            if &expected != wasm_sig {
                return Err(err(
                    section,
                    format!(
                        "export `{}` has wasm signature {wasm_sig}, but its interface `{sig}` needs {expected}",
                        sig.name
                    ),
                ));
            }
            if let Some(prev) = functions.get(&sig.name) {
                if **prev != sig {
                    return Err(err(
                        section,
                        format!("function `{}` is declared twice, differently", sig.name),
                    ));
                }
                continue;
            }
            functions.insert(sig.name.clone(), Arc::new(sig));
        }

        let mut imports: Vec<ImportedModule> = Vec::new();
        for (section, m) in extern_asts {
            let mut funcs = Vec::with_capacity(m.imports.len());
            for imp in &m.imports {
                funcs.push(ImportedFunction {
                    import_name: imp.import_name().to_string(),
                    signature: Arc::new(resolver.signature(&section, &imp.signature)?),
                });
            }
            match imports.iter_mut().find(|i| i.namespace == m.namespace) {
                Some(existing) => {
                    for f in funcs {
                        if !existing.functions.contains(&f) {
                            existing.functions.push(f);
                        }
                    }
                }
                None => imports.push(ImportedModule {
                    namespace: m.namespace.clone(),
                    functions: funcs,
                }),
            }
        }

        Ok(ModuleInterface {
            sdk_version,
            functions,
            records,
            enums,
            imports,
            wasm_exports: raw.exports,
            type_depth: resolver.deepest,
        })
    }

    /// The signature of an exported `#[marine]` function.
    pub fn function(&self, name: &str) -> Option<&Arc<FunctionSignature>> {
        self.functions.get(name)
    }

    /// True when the interface uses the ABI extensions (`Option`, `Result`, tuples, enums;
    /// `docs/abi-extensions.md`): the official toolchain refuses such a module (see
    /// [`crate::section::OFFICIAL_REFUSAL_PREFIX`]), so it runs only on this runtime.
    pub fn uses_extensions(&self) -> bool {
        let sig_uses = |s: &FunctionSignature| {
            s.arguments.iter().any(|a| a.ty.uses_extensions())
                || s.outputs.iter().any(IType::uses_extensions)
        };
        !self.enums.is_empty()
            || self
                .records
                .values()
                .any(|r| r.fields.iter().any(|f| f.ty.uses_extensions()))
            || self.functions.values().any(|s| sig_uses(s))
            || self
                .imports
                .iter()
                .any(|m| m.functions.iter().any(|f| sig_uses(&f.signature)))
    }
}

fn too_many_types(section: &str, limits: InterfaceLimits) -> InterfaceError {
    InterfaceError {
        limit: Some(LimitKind::RecordTypes),
        ..err(
            section,
            format!(
                "more than {} record types (`max_record_types`, which counts enums too)",
                limits.max_record_types
            ),
        )
    }
}

impl std::fmt::Display for ModuleInterface {
    /// The REPL form: records, then functions, one per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for rec in self.records.values() {
            writeln!(f, "{rec}")?;
        }
        for e in self.enums.values() {
            writeln!(f, "{e}")?;
        }
        for sig in self.functions.values() {
            writeln!(f, "{sig}")?;
        }
        Ok(())
    }
}

/// The metadata items of every `__m_generated_section__*` section of a module, in file order
/// (the order the official IT generator numbers types and exports in), after checking the
/// interface as [`ModuleInterface::from_wasm_with_limits`] does. Returns the checked interface
/// too.
pub(crate) fn ordered_metadata(
    wasm: &[u8],
    limits: InterfaceLimits,
) -> Result<(ModuleInterface, Vec<SDKAst>), InterfaceError> {
    let raw = RawModuleInfo::read(wasm)?;
    let mut items = Vec::new();
    for (section, bytes) in &raw.metadata_sections {
        items
            .extend(crate::section::parse_section(bytes).map_err(|e| err(section, e.to_string()))?);
    }
    let interface = ModuleInterface::from_raw(raw, limits)?;
    Ok((interface, items))
}

/// Checks `X.Y.Z[...]` ≥ 0.6.0.
fn check_sdk_version(v: &str) -> Result<(), InterfaceError> {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<Option<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [Some(major), Some(minor), Some(_patch)] => {
            if (*major, *minor) < (0, 6) {
                Err(err(
                    SDK_VERSION_SECTION,
                    format!("compiled with SDK {v}, but at least 0.6.0 is required"),
                ))
            } else {
                Ok(())
            }
        }
        _ => Err(err(
            SDK_VERSION_SECTION,
            format!("`{v}` is not a semver version"),
        )),
    }
}

struct RecordResolver<'a> {
    asts: &'a HashMap<String, (String, RecordAst)>,
    enum_asts: &'a HashMap<String, (String, EnumAst)>,
    /// Resolved records with their type depth.
    done: HashMap<String, (Arc<IRecordType>, u32)>,
    /// Resolved enums with their type depth.
    enums_done: HashMap<String, (Arc<IEnumType>, u32)>,
    /// Records and enums (names never shared) being resolved: the chain from the outermost, at most `max_depth` long, which
    /// bounds the recursion.
    in_progress: HashSet<String>,
    max_depth: u32,
    /// How deep inside types (arrays and records) the resolution is now; never above
    /// `max_depth`, which bounds the host's recursion whatever the input.
    level: u32,
    /// The deepest type resolved so far.
    deepest: u32,
}

impl RecordResolver<'_> {
    fn too_deep(&self, what: &str) -> InterfaceError {
        InterfaceError {
            limit: Some(LimitKind::TypeDepth),
            ..err(
                what,
                format!(
                    "types nested more than {} levels deep (`max_type_depth`)",
                    self.max_depth
                ),
            )
        }
    }

    fn resolve(&mut self, name: &str) -> Result<Arc<IRecordType>, InterfaceError> {
        self.resolve_with_depth(name).map(|(record, _)| record)
    }

    /// The record and its type depth (1 + the deepest field).
    fn resolve_with_depth(
        &mut self,
        name: &str,
    ) -> Result<(Arc<IRecordType>, u32), InterfaceError> {
        if let Some(r) = self.done.get(name) {
            return Ok(r.clone());
        }
        let (section, ast) = self
            .asts
            .get(name)
            .ok_or_else(|| err(name, format!("unknown record `{name}`")))?;
        if self.in_progress.contains(name) {
            return Err(err(
                section,
                format!("record `{name}` is recursive; recursive records are not supported"),
            ));
        }
        self.in_progress.insert(name.to_string());
        let mut fields = Vec::with_capacity(ast.fields.fields().len());
        let mut depth = 1;
        for (i, field) in ast.fields.fields().iter().enumerate() {
            let field_name = field.name.clone().unwrap_or_else(|| i.to_string());
            if fields.iter().any(|f: &IRecordField| f.name == field_name) {
                return Err(err(
                    section,
                    format!("record `{name}` has two fields named `{field_name}`"),
                ));
            }
            let (ty, field_depth) = self.ty(&field.ty).map_err(|e| {
                e.within(section, |reason| {
                    format!("record `{name}`, field `{field_name}`: {reason}")
                })
            })?;
            depth = depth.max(field_depth.saturating_add(1));
            fields.push(IRecordField {
                name: field_name,
                ty,
            });
        }
        self.in_progress.remove(name);
        if depth > self.max_depth {
            return Err(self.too_deep(section));
        }
        self.deepest = self.deepest.max(depth);
        let rec = Arc::new(IRecordType {
            name: name.to_string(),
            fields,
        });
        self.done.insert(name.to_string(), (rec.clone(), depth));
        Ok((rec, depth))
    }

    /// The enum and its type depth (1 + the deepest variant field), resolved as records are:
    /// once each, recursion refused.
    fn resolve_enum(&mut self, name: &str) -> Result<(Arc<IEnumType>, u32), InterfaceError> {
        if let Some(e) = self.enums_done.get(name) {
            return Ok(e.clone());
        }
        let (section, ast) = self
            .enum_asts
            .get(name)
            .ok_or_else(|| err(name, format!("unknown enum `{name}`")))?;
        if self.in_progress.contains(name) {
            return Err(err(
                section,
                format!("enum `{name}` is recursive; recursive types are not supported"),
            ));
        }
        if ast.variants.is_empty() {
            return Err(err(section, format!("enum `{name}` has no variants")));
        }
        self.in_progress.insert(name.to_string());
        let mut variants: Vec<IEnumVariant> = Vec::with_capacity(ast.variants.len());
        let mut depth = 1;
        for variant in &ast.variants {
            if variants.iter().any(|v| v.name == variant.name) {
                return Err(err(
                    section,
                    format!("enum `{name}` has two variants named `{}`", variant.name),
                ));
            }
            let kind = match variant.fields {
                RecordFields::Unit => VariantKind::Unit,
                RecordFields::Unnamed(_) => VariantKind::Tuple,
                RecordFields::Named(_) => VariantKind::Struct,
            };
            let mut fields: Vec<IRecordField> = Vec::with_capacity(variant.fields.fields().len());
            for (i, field) in variant.fields.fields().iter().enumerate() {
                let field_name = match kind {
                    VariantKind::Struct => field.name.clone().unwrap_or_else(|| i.to_string()),
                    VariantKind::Unit | VariantKind::Tuple => i.to_string(),
                };
                if fields.iter().any(|f| f.name == field_name) {
                    return Err(err(
                        section,
                        format!(
                            "enum `{name}`, variant `{}` has two fields named `{field_name}`",
                            variant.name
                        ),
                    ));
                }
                let (ty, field_depth) = self.ty(&field.ty).map_err(|e| {
                    e.within(section, |reason| {
                        format!(
                            "enum `{name}`, variant `{}`, field `{field_name}`: {reason}",
                            variant.name
                        )
                    })
                })?;
                depth = depth.max(field_depth.saturating_add(1));
                fields.push(IRecordField {
                    name: field_name,
                    ty,
                });
            }
            variants.push(IEnumVariant {
                name: variant.name.clone(),
                kind,
                fields,
            });
        }
        self.in_progress.remove(name);
        if depth > self.max_depth {
            return Err(self.too_deep(section));
        }
        self.deepest = self.deepest.max(depth);
        let e = Arc::new(IEnumType {
            name: name.to_string(),
            variants,
        });
        self.enums_done.insert(name.to_string(), (e.clone(), depth));
        Ok((e, depth))
    }

    /// The type and its depth; refused once arrays, records and the extension types nest
    /// deeper than `max_depth`, before recursing further.
    fn ty(&mut self, parsed: &ParsedType) -> Result<(IType, u32), InterfaceError> {
        if matches!(
            parsed,
            ParsedType::Vector(..)
                | ParsedType::Record(..)
                | ParsedType::Option(..)
                | ParsedType::Result(..)
                | ParsedType::Tuple(..)
        ) {
            if self.level >= self.max_depth {
                return Err(self.too_deep("<type>"));
            }
            self.level += 1;
            let result = self.nested_ty(parsed);
            self.level -= 1;
            return result;
        }
        self.nested_ty(parsed)
    }

    fn nested_ty(&mut self, parsed: &ParsedType) -> Result<(IType, u32), InterfaceError> {
        let scalar = |ty| Ok((ty, 0));
        match parsed {
            ParsedType::I8(_) => scalar(IType::S8),
            ParsedType::I16(_) => scalar(IType::S16),
            ParsedType::I32(_) => scalar(IType::S32),
            ParsedType::I64(_) => scalar(IType::S64),
            ParsedType::U8(_) => scalar(IType::U8),
            ParsedType::U16(_) => scalar(IType::U16),
            ParsedType::U32(_) => scalar(IType::U32),
            ParsedType::U64(_) => scalar(IType::U64),
            ParsedType::F32(_) => scalar(IType::F32),
            ParsedType::F64(_) => scalar(IType::F64),
            ParsedType::Boolean(_) => scalar(IType::Boolean),
            ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => scalar(IType::String),
            ParsedType::Vector(elem, _) => {
                let (ty, depth) = match **elem {
                    ParsedType::U8(_) => (IType::ByteArray, 1),
                    ref other => {
                        let (elem, depth) = self.ty(other)?;
                        (IType::Array(Box::new(elem)), depth.saturating_add(1))
                    }
                };
                if depth > self.max_depth {
                    return Err(self.too_deep("<type>"));
                }
                self.deepest = self.deepest.max(depth);
                Ok((ty, depth))
            }
            // A named type: a record, or else an enum (the two never share a name).
            ParsedType::Record(name, _) if self.enum_asts.contains_key(name) => {
                let (e, depth) = self.resolve_enum(name)?;
                Ok((IType::Enum(e), depth))
            }
            ParsedType::Record(name, _) => {
                if !self.asts.contains_key(name) {
                    return Err(err(name, format!("unknown record `{name}`")));
                }
                let (record, depth) = self.resolve_with_depth(name)?;
                Ok((IType::Record(record), depth))
            }
            ParsedType::Option(inner, _) => {
                let (inner, depth) = self.ty(inner)?;
                self.wrapped(IType::Option(Box::new(inner)), depth)
            }
            ParsedType::Result(ok, error, _) => {
                let (ok, ok_depth) = self.ty(ok)?;
                let (error, err_depth) = self.ty(error)?;
                self.wrapped(
                    IType::Result(Box::new(ok), Box::new(error)),
                    ok_depth.max(err_depth),
                )
            }
            ParsedType::Tuple(items, _) => {
                if items.len() > MAX_TUPLE_ARITY {
                    return Err(err(
                        "<type>",
                        format!(
                            "a tuple of {} elements (at most {MAX_TUPLE_ARITY} are supported)",
                            items.len()
                        ),
                    ));
                }
                let mut types = Vec::with_capacity(items.len());
                let mut depth = 0;
                for item in items {
                    let (ty, d) = self.ty(item)?;
                    depth = depth.max(d);
                    types.push(ty);
                }
                self.wrapped(IType::Tuple(types), depth)
            }
        }
    }

    /// An `Option`, `Result` or tuple around types of depth `inner_depth`: one level deeper.
    fn wrapped(&mut self, ty: IType, inner_depth: u32) -> Result<(IType, u32), InterfaceError> {
        let depth = inner_depth.saturating_add(1);
        if depth > self.max_depth {
            return Err(self.too_deep("<type>"));
        }
        self.deepest = self.deepest.max(depth);
        Ok((ty, depth))
    }

    fn signature(
        &mut self,
        section: &str,
        f: &FnSignature,
    ) -> Result<FunctionSignature, InterfaceError> {
        let mut arguments: Vec<IFunctionArg> = Vec::with_capacity(f.arguments.len());
        for arg in &f.arguments {
            if arguments.iter().any(|a| a.name == arg.name) {
                return Err(err(
                    section,
                    format!(
                        "function `{}` has two arguments named `{}`",
                        f.name, arg.name
                    ),
                ));
            }
            let (ty, _) = self.ty(&arg.ty).map_err(|e| {
                e.within(section, |reason| {
                    format!("function `{}`, argument `{}`: {reason}", f.name, arg.name)
                })
            })?;
            arguments.push(IFunctionArg {
                name: arg.name.clone(),
                ty,
            });
        }
        if f.output_types.len() > 1 {
            return Err(err(
                section,
                format!("function `{}` has more than one output type", f.name),
            ));
        }
        let mut outputs = Vec::with_capacity(1);
        for out in &f.output_types {
            outputs.push(
                self.ty(out)
                    .map_err(|e| {
                        e.within(section, |reason| {
                            format!("function `{}`, output: {reason}", f.name)
                        })
                    })?
                    .0,
            );
        }
        Ok(FunctionSignature {
            name: f.name.clone(),
            arguments,
            outputs,
        })
    }
}

/// Whether the custom section `name` is one the interface is read from: metadata (either
/// prefix) or the SDK version.
pub(crate) fn is_interface_section(name: &str) -> bool {
    name == SDK_VERSION_SECTION
        || name.starts_with(GENERATED_SECTION_PREFIX)
        || name.starts_with(GENERATED_SECTION_PREFIX_FCE)
}

/// What one pass over the binary collects.
struct RawModuleInfo {
    sdk_versions: Vec<String>,
    /// (section name, bytes) of every metadata section, in file order.
    metadata_sections: Vec<(String, Vec<u8>)>,
    exports: BTreeMap<String, WasmSignature>,
}

fn wasm_type(v: &ValType) -> WasmType {
    match v {
        ValType::I32 => WasmType::I32,
        ValType::I64 => WasmType::I64,
        ValType::F32 => WasmType::F32,
        ValType::F64 => WasmType::F64,
        _ => WasmType::Other,
    }
}

impl RawModuleInfo {
    fn read(wasm: &[u8]) -> Result<Self, InterfaceError> {
        let bin = |e: wasmparser::BinaryReaderError| err("<wasm>", e.to_string());
        let mut types: Vec<Option<WasmSignature>> = Vec::new();
        // Type index of every function (imports first, then defined functions).
        let mut func_types: Vec<u32> = Vec::new();
        let mut exported_funcs: Vec<(String, u32)> = Vec::new();
        let mut sdk_versions = Vec::new();
        let mut metadata_sections = Vec::new();

        let mut parser = Parser::new(0);
        let mut rest = wasm;
        loop {
            let (payload, consumed) = match parser.parse(rest, true).map_err(bin)? {
                Chunk::Parsed { payload, consumed } => (payload, consumed),
                // `eof` is true, so the parser reports a short input as an error instead.
                Chunk::NeedMoreData(_) => {
                    return Err(err("<wasm>", "unexpected end of the module"))
                }
            };
            rest = rest.get(consumed..).unwrap_or_default();
            match payload {
                // The function bodies say nothing about the interface: step over the whole
                // code section at once instead of one payload per function (a module of
                // several MiB has tens of thousands). wasmtime validates it when compiling.
                Payload::CodeSectionStart { size, .. } => {
                    parser.skip_section();
                    rest = rest.get(size as usize..).ok_or_else(|| {
                        err("<wasm>", "the code section runs past the end of the module")
                    })?;
                }
                Payload::End(_) => break,
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub in group.map_err(bin)?.types() {
                            types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(f) => Some(WasmSignature {
                                    params: f.params().iter().map(wasm_type).collect(),
                                    results: f.results().iter().map(wasm_type).collect(),
                                }),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if let TypeRef::Func(idx) = import.map_err(bin)?.ty {
                            func_types.push(idx);
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for idx in reader {
                        func_types.push(idx.map_err(bin)?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(bin)?;
                        if export.kind == ExternalKind::Func {
                            exported_funcs.push((export.name.to_string(), export.index));
                        }
                    }
                }
                Payload::CustomSection(reader) if is_interface_section(reader.name()) => {
                    let name = reader.name();
                    if name == SDK_VERSION_SECTION {
                        let v = std::str::from_utf8(reader.data()).map_err(|_| {
                            err(SDK_VERSION_SECTION, "the version is not valid UTF-8")
                        })?;
                        sdk_versions.push(v.trim().to_string());
                    } else {
                        metadata_sections.push((name.to_string(), reader.data().to_vec()));
                    }
                }
                _ => {}
            }
        }

        let mut exports = BTreeMap::new();
        for (name, func_idx) in exported_funcs {
            let sig = func_types
                .get(func_idx as usize)
                .and_then(|t| types.get(*t as usize))
                .and_then(|s| s.clone())
                .ok_or_else(|| {
                    err(
                        "<wasm>",
                        format!("export `{name}` refers to an unknown function type"),
                    )
                })?;
            exports.insert(name, sig);
        }
        Ok(RawModuleInfo {
            sdk_versions,
            metadata_sections,
            exports,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{append_custom_section, fn_section, record_section};

    const WAT: &str = r#"(module
        (memory (export "memory") 1)
        (func (export "greeting") (param i32 i32))
        (func (export "pair") (param i64 f64) (result i32) i32.const 0)
        (func (export "wrong") (param i32) (result i32) i32.const 0)
    )"#;

    fn module_with(sections: &[(String, String)]) -> Vec<u8> {
        let mut wasm = wat::parse_str(WAT).unwrap();
        for (name, data) in sections {
            append_custom_section(&mut wasm, name, data.as_bytes());
        }
        wasm
    }

    #[test]
    fn the_code_section_is_stepped_over_but_its_size_is_checked() {
        // Custom sections after the code are still found...
        let wasm = module_with(&[fn_section(
            "greeting",
            r#"[{"name":"name","ty":{"Utf8String":"ByValue"}}]"#,
            r#"[{"Utf8String":"ByValue"}]"#,
        )]);
        let interface = ModuleInterface::from_wasm(&wasm).unwrap();
        assert!(interface.functions.contains_key("greeting"));
        // ...and a module cut inside its code section is an error, not a panic.
        let bare = wat::parse_str(WAT).unwrap();
        for cut in 1..8 {
            let e = ModuleInterface::from_wasm(&bare[..bare.len() - cut]).unwrap_err();
            assert_eq!(e.section, "<wasm>", "{e}");
        }
    }

    #[test]
    fn functions_records_and_imports() {
        let wasm = module_with(&[
            fn_section("greeting", r#"[{"name":"name","ty":{"Utf8String":"ByValue"}}]"#, r#"[{"Utf8String":"ByValue"}]"#),
            fn_section("pair", r#"[{"name":"a","ty":{"U64":"ByValue"}},{"name":"b","ty":{"F64":"ByValue"}}]"#, r#"[{"Boolean":"ByValue"}]"#),
            record_section("Outer", r#"[{"name":"inner","ty":{"Record":["Inner","ByValue"]}},{"name":"bytes","ty":{"Vector":[{"Vector":[{"U8":"ByValue"},"ByValue"]},"ByValue"]}}]"#),
            record_section("Inner", r#"[{"name":"x","ty":{"I32":"ByValue"}}]"#),
            ("__m_generated_section__effector".to_string(),
             r#"{"ast_type":"ExternMod","namespace":"effector","imports":[{"link_name":"put","signature":{"name":"put_it","arguments":[{"name":"r","ty":{"Record":["Inner","ByRef"]}}],"output_types":[]}}]}"#.repeat(2)),
            (SDK_VERSION_SECTION.to_string(), "0.14.0".to_string()),
        ]);
        let iface = ModuleInterface::from_wasm(&wasm).unwrap();
        assert_eq!(iface.sdk_version.as_deref(), Some("0.14.0"));
        assert_eq!(iface.functions.len(), 2);
        assert_eq!(
            iface.functions["greeting"].to_string(),
            "func greeting(name: string) -> string"
        );
        assert_eq!(
            iface.functions["pair"].to_string(),
            "func pair(a: u64, b: f64) -> bool"
        );
        let outer = &iface.records["Outer"];
        assert_eq!(outer.fields[1].ty.to_string(), "[][]u8");
        match &outer.fields[0].ty {
            IType::Record(r) => assert!(Arc::ptr_eq(r, &iface.records["Inner"])),
            other => panic!("{other:?}"),
        }
        assert_eq!(iface.imports.len(), 1);
        assert_eq!(iface.imports[0].functions.len(), 1);
        assert_eq!(iface.imports[0].functions[0].import_name, "put");
    }

    #[test]
    fn unknown_record_is_named() {
        let wasm = module_with(&[record_section(
            "A",
            r#"[{"name":"b","ty":{"Record":["Missing","ByValue"]}}]"#,
        )]);
        let e = ModuleInterface::from_wasm(&wasm).unwrap_err();
        assert!(
            e.reason
                .contains("record `A`, field `b`: unknown record `Missing`"),
            "{e}"
        );
    }

    #[test]
    fn recursive_record_rejected() {
        let wasm = module_with(&[record_section(
            "Node",
            r#"[{"name":"c","ty":{"Vector":[{"Record":["Node","ByValue"]},"ByValue"]}}]"#,
        )]);
        let e = ModuleInterface::from_wasm(&wasm).unwrap_err();
        assert!(e.reason.contains("recursive"), "{e}");
    }

    #[test]
    fn not_exported_function_is_named() {
        let wasm = module_with(&[fn_section("ghost", "[]", "[]")]);
        let e = ModuleInterface::from_wasm(&wasm).unwrap_err();
        assert!(
            e.reason
                .contains("`ghost` is declared in metadata but not exported"),
            "{e}"
        );
    }

    #[test]
    fn signature_mismatch_is_reported() {
        let wasm = module_with(&[fn_section(
            "wrong",
            r#"[{"name":"s","ty":{"Utf8String":"ByValue"}}]"#,
            "[]",
        )]);
        let e = ModuleInterface::from_wasm(&wasm).unwrap_err();
        assert!(e.reason.contains("wasm signature (i32) -> (i32)"), "{e}");
        assert!(e.reason.contains("needs (i32, i32) -> ()"), "{e}");
    }

    #[test]
    fn old_sdk_version_rejected() {
        let wasm = module_with(&[(SDK_VERSION_SECTION.to_string(), "0.5.9".to_string())]);
        assert!(ModuleInterface::from_wasm(&wasm).is_err());
        let wasm = module_with(&[(SDK_VERSION_SECTION.to_string(), "banana".to_string())]);
        assert!(ModuleInterface::from_wasm(&wasm).is_err());
    }

    #[test]
    fn garbage_json_names_section() {
        let wasm = module_with(&[("__m_generated_section__x".to_string(), "{oops".to_string())]);
        let e = ModuleInterface::from_wasm(&wasm).unwrap_err();
        assert_eq!(e.section, "__m_generated_section__x");
    }
}
