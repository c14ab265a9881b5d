//! Linking a module into its service with wasmtime's `Linker` and `InstancePre`.
//!
//! Each import of a module is served by one of three providers: a function of another module
//! of the service (an import adapter, §3.4, after its declared signature is checked against
//! the export), else an embedder's host function of the module's config ([`HostImport`],
//! the last one given for a name wins), else the engine's shared definitions (WASI with its
//! guards, the logger, call parameters). Which provider serves which import, and with what
//! wasm type, is the load's [`LinkShape`]; everything else about a provider is per service
//! (which module instance a call goes to, which closure runs).
//!
//! So the wasm definitions are built once per compiled module and shape: a `Linker` cloned
//! from the engine's shared one, with one function per adapter and host import that finds its
//! target in the calling module's store ([`ImportTargets`], a store extension), type-checked
//! import by import (the runtime's own error texts) and turned into an `InstancePre`, which
//! the compiled module keeps ([`CompiledModule::instance_pre`]). Loading the same module in
//! the same shape again (a second service from the same config) only checks the adapters'
//! signatures, puts the targets into the new store and instantiates.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::{Caller, Extern, ExternType, FuncType, InstancePre, Linker, Store, Val, ValType};

use crate::abi::{flatten_param, flatten_result, WasmType};
use crate::adapter::{call_module_import, import_func_type};
use crate::engine::{CompiledModule, ImportProvider, LinkShape, MarineEngine};
use crate::errors::{ImportError, MarineError, WasmtimeError};
use crate::host_imports::{self, is_host_namespace, HostImport};
use crate::interface::ImportedFunction;
use crate::module::MModule;
use crate::store::StoreState;
use crate::types::FunctionSignature;
use marine_ast::link::check_import_signature;

/// What one per-service import of a module resolves to.
enum ImportTarget {
    /// A loaded module of the service (the adapter calls into its store).
    Module(Arc<MModule>),
    /// An embedder's host function, with its interface signature.
    Host(Arc<(HostImport, FunctionSignature)>),
}

/// The targets of a module's adapter and host imports in its service, kept in its store:
/// slot `i` serves the `i`-th import, in import order, not served by the shared definitions.
pub(crate) struct ImportTargets(Vec<ImportTarget>);

/// How a definition of the shape's linker is made (the per-service part is in the store).
enum Definition<'c> {
    Module(&'c ImportedFunction),
    Host(&'c HostImport),
}

/// A wasm function type as `(i32, i64) -> (i32)`.
fn func_type_text(ty: &FuncType) -> String {
    let list = |types: &mut dyn Iterator<Item = ValType>| {
        types.map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
    };
    format!(
        "({}) -> ({})",
        list(&mut ty.params()),
        list(&mut ty.results())
    )
}

/// The shape key of a host function's wasm type (as [`HostImport::func_type`] flattens its
/// interface types, without building a wasmtime type).
fn type_code(host: &HostImport) -> Box<[u8]> {
    let code = |t: WasmType| match t {
        WasmType::I32 | WasmType::Other => 0,
        WasmType::I64 => 1,
        WasmType::F32 => 2,
        WasmType::F64 => 3,
    };
    let mut params = Vec::new();
    for ty in &host.arguments {
        flatten_param(ty, &mut params);
    }
    let results = host.output.iter().filter_map(flatten_result);
    params
        .into_iter()
        .map(code)
        .chain(std::iter::once(u8::MAX))
        .chain(results.map(code))
        .collect()
}

/// The error of a link function whose target is missing from the calling store (a store the
/// runtime did not set up for this shape: a bug, reported as an import failure).
fn unlinked(caller: &Caller<'_, StoreState>, ns: &str, field: &str) -> wasmtime::Error {
    wasmtime::Error::new(ImportError {
        caller: caller.data().name.to_string(),
        namespace: ns.to_string(),
        function: field.to_string(),
        source: Box::new(MarineError::Engine(format!(
            "internal: the import `{ns}::{field}` has no target in the calling module's store"
        ))),
    })
}

/// Links `compiled` as the module `name` of a service whose loaded modules are `modules`,
/// with the module's own `host_imports`: checks the declared signatures of its imports from
/// loaded modules against their exports, puts what its adapter and host imports resolve to
/// into `store` (the module's own), and returns the module pre-linked for this shape (cached
/// with the compiled module; the first load of a shape builds and type-checks it, with
/// `store` for the definitions' types).
pub(crate) fn link_module(
    engine: &MarineEngine,
    store: &mut Store<StoreState>,
    name: &str,
    compiled: &CompiledModule,
    modules: &HashMap<String, Arc<MModule>>,
    host_imports: &[(String, String, HostImport)],
) -> Result<InstancePre<StoreState>, MarineError> {
    // Imports of loaded modules, checked against their exports.
    let mut adapters = HashMap::new();
    for imported in &compiled.interface.imports {
        if is_host_namespace(&imported.namespace) {
            continue;
        }
        let Some(callee) = modules.get(&imported.namespace) else {
            continue;
        };
        for f in &imported.functions {
            // The callee's export is the import field name (`link_name`, or else the Rust
            // name), not the Rust name the importer declared it under.
            let callee_fn = &f.import_name;
            let actual = callee.interface().function(callee_fn).ok_or_else(|| {
                MarineError::MissingImportedFunction {
                    module: name.to_string(),
                    imported: imported.namespace.clone(),
                    function: callee_fn.clone(),
                }
            })?;
            check_import_signature(&f.signature, actual).map_err(|diff| {
                MarineError::ImportSignatureMismatch {
                    module: name.to_string(),
                    imported: imported.namespace.clone(),
                    function: callee_fn.clone(),
                    diff,
                }
            })?;
            adapters.insert(
                (imported.namespace.as_str(), callee_fn.as_str()),
                (callee, f),
            );
        }
    }

    // Who serves each import; the per-service targets go into the store.
    let imports = compiled.module.imports();
    let mut shape = Vec::with_capacity(imports.len());
    let mut targets = Vec::new();
    let mut definitions = Vec::new();
    for import in imports {
        let (ns, field) = (import.module(), import.name());
        if let Some((callee, f)) = adapters.get(&(ns, field)) {
            shape.push(ImportProvider::Module);
            definitions.push((ns, field, targets.len(), Definition::Module(f)));
            targets.push(ImportTarget::Module(Arc::clone(callee)));
        } else if let Some((_, _, host)) = host_imports
            .iter()
            .rev()
            .find(|(n, f, _)| n == ns && f == field)
        {
            shape.push(ImportProvider::Host(type_code(host)));
            definitions.push((ns, field, targets.len(), Definition::Host(host)));
            targets.push(ImportTarget::Host(Arc::new((
                host.clone(),
                host.signature(field),
            ))));
        } else {
            shape.push(ImportProvider::Shared);
        }
    }
    store.data_mut().set_extension(ImportTargets(targets));

    compiled.instance_pre(LinkShape(shape), || {
        let linker = shape_linker(engine, definitions)?;
        type_check(&linker, store, name, compiled)?;
        linker
            .instantiate_pre(&compiled.module)
            .map_err(|e| MarineError::Link {
                module: name.to_string(),
                message: String::new(),
                source: Some(WasmtimeError::new(e)),
            })
    })
}

/// The engine's shared definitions plus one function per adapter and host import, each
/// finding its target in the calling store's [`ImportTargets`].
fn shape_linker(
    engine: &MarineEngine,
    definitions: Vec<(&str, &str, usize, Definition<'_>)>,
) -> Result<Linker<StoreState>, MarineError> {
    let mut linker = engine.base_linker(host_imports::base_definitions).clone();
    linker.allow_shadowing(true);
    for (ns, field, slot, definition) in definitions {
        let (ns_name, field_name) = (ns.to_string(), field.to_string());
        let defined = match definition {
            Definition::Module(f) => {
                let (function, sig) = (f.import_name.clone(), f.signature.clone());
                linker.func_new(
                    ns,
                    field,
                    import_func_type(engine.engine(), &f.signature),
                    move |caller: Caller<'_, StoreState>, params: &[Val], results: &mut [Val]| {
                        let callee = match caller.data().extension::<ImportTargets>() {
                            Some(ImportTargets(t)) => match t.get(slot) {
                                Some(ImportTarget::Module(callee)) => Arc::clone(callee),
                                _ => return Err(unlinked(&caller, &ns_name, &field_name)),
                            },
                            None => return Err(unlinked(&caller, &ns_name, &field_name)),
                        };
                        call_module_import(caller, &callee, &function, &sig, params, results)
                    },
                )
            }
            Definition::Host(host) => linker.func_new(
                ns,
                field,
                host.func_type(engine.engine(), field),
                move |caller: Caller<'_, StoreState>, params: &[Val], results: &mut [Val]| {
                    let host = match caller.data().extension::<ImportTargets>() {
                        Some(ImportTargets(t)) => match t.get(slot) {
                            Some(ImportTarget::Host(host)) => Arc::clone(host),
                            _ => return Err(unlinked(&caller, &ns_name, &field_name)),
                        },
                        None => return Err(unlinked(&caller, &ns_name, &field_name)),
                    };
                    let (import, sig) = &*host;
                    import.call_from_wasm(sig, &ns_name, &field_name, caller, params, results)
                },
            ),
        };
        defined.map_err(|e| MarineError::Engine(format!("cannot define `{ns}::{field}`: {e}")))?;
    }
    Ok(linker)
}

/// Checks that `linker` defines every import of `compiled` with its type, import by import
/// in order; the first failure is a [`MarineError::Link`] naming the import.
fn type_check(
    linker: &Linker<StoreState>,
    store: &mut Store<StoreState>,
    name: &str,
    compiled: &CompiledModule,
) -> Result<(), MarineError> {
    let link_err = |message: String| MarineError::Link {
        module: name.to_string(),
        message,
        source: None,
    };
    for import in compiled.module.imports() {
        let (ns, field) = (import.module(), import.name());
        let Some(provided) = linker.get_by_import(&mut *store, &import) else {
            return Err(link_err(format!(
                "unknown import: `{ns}::{field}` has not been defined"
            )));
        };
        if let (ExternType::Func(expected), Extern::Func(func)) = (import.ty(), &provided) {
            let given = func.ty(&*store);
            if !given.matches(&expected) {
                return Err(link_err(format!(
                    "incompatible import type for `{ns}::{field}`: the module expects {}, the \
                     definition is {}",
                    func_type_text(&expected),
                    func_type_text(&given)
                )));
            }
        }
    }
    Ok(())
}
