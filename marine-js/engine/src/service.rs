//! A service in the engine: the modules' interfaces, their instances, and the calls.
//!
//! Calls re-enter the engine: a guest export runs, calls an import, and JavaScript hands the
//! import to [`Service::call_import`] while the outer call is still running. So no state is
//! borrowed across a guest call: modules and instances are `Rc`s taken out of their maps, and
//! the call state is borrowed only for a moment. A failure inside an import is kept in the
//! call state and thrown to the guest as an exception; the export call that catches it takes
//! the kept error back, so the embedder sees the whole chain, typed.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Function, Uint8Array};
use marine_ast::abi::{flatten_signature, is_bytes_type, CallPlan, OutputKind, BYTES_TAG};
use marine_ast::call_parameters::{CallParameters, CallParametersLayout};
use marine_ast::config::{ModuleConfig, ServiceConfig};
use marine_ast::forward::{self, lower_forwarded, ForwardArg, GuestBytes, Utf8Chunks};
use marine_ast::json::{
    ivalue_to_json, ivalues_to_json, json_to_ivalues, json_to_result, JsonArgsError,
};
use marine_ast::lift::lift_result_from;
use marine_ast::lift::Lifter;
use marine_ast::limits::DEFAULT_MAX_VALUE_SIZE;
use marine_ast::link::{check_import_signature, load_order};
use marine_ast::lower::lower_record;
use marine_ast::memory_limit::{cap_memories, initial_memory_bytes, CapError};
use marine_ast::protocol::{self, read_result_slots, take_output, take_output_with, OutputError};
use marine_ast::types::VariantKind;
use marine_ast::{
    is_host_namespace, AbiError, FunctionSignature, Guest, GuestMemoryMut, HostApi, IType, IValue,
    ModuleInterface, WasmType, WasmValue,
};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

use crate::cache::{self, Parsed};
use crate::error::{js_error_text, EngineError, ImportSite, MemoryLimitScope};
use crate::guest::{
    call_wasm, call_with_slots, from_js, guest_may_run, to_js, CallError, JsGuest, JsInstance,
};
use crate::ids::{IdStats, IdTable, TableFull, MAX_SLOTS};

/// A module whose interface has been read.
#[derive(Debug)]
struct Module {
    /// Its interface, call plans and initial memory (shared with other services of the same
    /// bytes).
    parsed: Rc<Parsed>,
    /// The module's bytes, kept until [`Service::module_bytes`] caps them (only when a memory
    /// limit applies).
    bytes: RefCell<Option<Vec<u8>>>,
    /// The memory's maximum in bytes once capped, and which limit set it (`module` or
    /// `total`).
    memory_limit: Cell<Option<(u64, MemoryLimitScope)>>,
}

impl std::ops::Deref for Module {
    type Target = Parsed;

    fn deref(&self) -> &Parsed {
        &self.parsed
    }
}

/// What a call returns: JSON text, the text of a string result, or the bytes of a byte-array
/// result.
#[derive(Debug)]
pub enum CallOutput {
    /// The result as JSON text (`null` without one).
    Json(String),
    /// The result of a function whose output is `string` ([`returns_text`]): the text itself,
    /// not JSON.
    Text(String),
    /// The bytes of a `Vec<u8>` result.
    Bytes(Uint8Array),
    /// The result of a function whose output is `string`, as a JavaScript string.
    JsText(JsValue),
}

/// The arguments of a call from JavaScript.
#[derive(Debug)]
pub enum CallArgs<'a> {
    /// JSON text (an array, or an object by argument name), and for positional arguments the
    /// `Uint8Array` given for each `Vec<u8>` argument (`None` elsewhere; the JSON holds
    /// anything there).
    Json(&'a str, Vec<Option<Uint8Array>>),
    /// The one argument of a function whose only argument is a `string` ([`takes_text`]), as
    /// the text itself.
    Text(&'a str),
    /// [`CallArgs::Text`] as a JavaScript string (well-formed: no lone surrogate).
    JsText(&'a js_sys::JsString),
}

/// True when a function of `signature` may be called with [`CallArgs::Text`]: its only
/// argument is a `string`.
pub fn takes_text(signature: &FunctionSignature) -> bool {
    matches!(signature.arguments.as_slice(), [arg] if arg.ty == IType::String)
}

/// True when a call of `signature` gives its result as [`CallOutput::Text`]: its output is
/// `string`.
pub fn returns_text(signature: &FunctionSignature) -> bool {
    matches!(signature.outputs.as_slice(), [IType::String])
}

/// The interface values of a call's JSON arguments `json` (parsed), against `signature`.
/// `byte_args` holds the `Uint8Array` given for each positional `Vec<u8>` argument: those
/// skip JSON (their JSON slot is taken as an empty array, which every byte-array type
/// accepts, and the bytes are copied straight into the guest); one at another argument is
/// refused as that argument's type error.
fn json_values(
    module: &str,
    function: &str,
    signature: &FunctionSignature,
    mut json: Value,
    byte_args: &[Option<Uint8Array>],
) -> Result<Vec<IValue>, EngineError> {
    let json_error = |source: JsonArgsError| EngineError::JsonArguments {
        module: module.into(),
        function: function.into(),
        source: Box::new(source),
    };
    if let Value::Array(items) = &mut json {
        for (i, bytes) in byte_args.iter().enumerate() {
            let (Some(_), Some(slot)) = (bytes, items.get_mut(i)) else {
                continue;
            };
            match signature.arguments.get(i) {
                Some(arg) if is_u8_array(&arg.ty) => *slot = Value::Array(Vec::new()),
                Some(arg) => {
                    return Err(json_error(JsonArgsError::Type {
                        function: function.into(),
                        path: arg.name.clone(),
                        expected: arg.ty.to_string(),
                        given: "a Uint8Array".into(),
                    }))
                }
                None => {}
            }
        }
    }
    json_to_ivalues(&json, signature).map_err(json_error)
}

/// Refuses [`CallArgs::Text`] for a function that does not take one `string` as its only
/// argument, as the call's argument count or type error.
fn check_takes_text(
    module: &str,
    function: &str,
    signature: &FunctionSignature,
) -> Result<(), EngineError> {
    match signature.arguments.as_slice() {
        [arg] if arg.ty == IType::String => Ok(()),
        [arg] => Err(EngineError::ArgumentType {
            module: module.into(),
            function: function.into(),
            argument: arg.name.clone(),
            expected: arg.ty.to_string(),
            given: "string".into(),
        }),
        arguments => Err(EngineError::ArgumentCount {
            module: module.into(),
            function: function.into(),
            expected: arguments.len(),
            given: 1,
        }),
    }
}

/// `Vec<u8>`, in either of its two interface forms.
fn is_u8_array(ty: &IType) -> bool {
    matches!(ty, IType::ByteArray) || matches!(ty, IType::Array(elem) if **elem == IType::U8)
}

/// A string or byte array a call passes on without lifting it.
#[derive(Debug)]
enum Bytes<'s> {
    /// Still in the memory of the calling module (bounds-checked, and UTF-8-checked for a
    /// string).
    InCaller(Rc<JsInstance>, GuestBytes),
    /// Given by JavaScript.
    Js(Uint8Array),
    /// The text of a `string` argument given as itself ([`CallArgs::Text`]), in the
    /// engine's memory.
    Text(&'s str),
    /// The same as a JavaScript string ([`CallArgs::JsText`]).
    JsText(&'s js_sys::JsString),
}

/// An argument of a call: a value, or bytes copied straight into the callee.
type Arg<'a> = ForwardArg<'a, Bytes<'a>>;

impl Bytes<'_> {
    /// Copies the bytes into a fresh buffer of `dst` (tag `BYTES_TAG`): one `Uint8Array.set`
    /// from the caller's memory or the JavaScript array, or for text, the allocation and the
    /// copy in one call into JavaScript. Returns `(ptr, len)`.
    fn copy_into(&self, dst: &JsInstance) -> Result<(u32, u32), AbiError> {
        match self {
            Bytes::InCaller(src, at) => copy_view(dst, &src.subarray(at.ptr, at.len), at.len),
            Bytes::Js(array) => copy_view(dst, array, array.length()),
            Bytes::Text(text) => JsGuest(dst).allocate_write(text.as_bytes(), BYTES_TAG),
            Bytes::JsText(text) => JsGuest(dst).allocate_write_text(text, BYTES_TAG),
        }
    }
}

/// Allocates a buffer in `dst` and copies `src` (`len` bytes) into it with one
/// `Uint8Array.set`; `(0, 0)` for no bytes.
fn copy_view(dst: &JsInstance, src: &Uint8Array, len: u32) -> Result<(u32, u32), AbiError> {
    if len == 0 {
        return Ok((0, 0));
    }
    let ptr = JsGuest(dst).allocate(len, BYTES_TAG)?;
    dst.set_at(ptr, src, len)?;
    Ok((ptr, len))
}

/// [`take_output`] with a `string` output decoded into a JavaScript string straight from the
/// guest's memory ([`JsInstance::decode_text`]); one that cannot be is lifted as
/// [`take_output`] lifts it, for its error (or its value, when it is empty).
fn take_text(
    instance: &JsInstance,
    output: &OutputKind,
    raw: Option<WasmValue>,
    release_failed_too: impl FnOnce(AbiError),
) -> Result<Output, OutputError> {
    let taken = take_output_with(
        &mut JsGuest(instance),
        output,
        raw,
        release_failed_too,
        |value| Output::Value(Some(value)),
        |guest, ty, ptr, size| {
            let decoded = (*ty == IType::String)
                .then(|| instance.decode_text(ptr, size, DEFAULT_MAX_VALUE_SIZE))
                .flatten();
            match decoded {
                Some(text) => Ok(Output::Text(text)),
                None => lift_result_from(guest.view(), ty, ptr, size, DEFAULT_MAX_VALUE_SIZE)
                    .map(|value| Output::Value(Some(value))),
            }
        },
    )?;
    Ok(taken.unwrap_or(Output::Value(None)))
}

/// The largest piece of a guest's string read into the engine at once to check its UTF-8.
const UTF8_CHUNK: u32 = 64 * 1024;

/// Checks that `at` lies in `memory` and, for a string, is UTF-8 (read in bounded chunks).
fn check_bytes(memory: &JsInstance, at: GuestBytes) -> Result<(), AbiError> {
    at.check_bounds(memory.memory_size())?;
    if !at.utf8 {
        return Ok(());
    }
    let mut check = Utf8Chunks::new(at.len as usize);
    let mut chunk = vec![0; UTF8_CHUNK.min(at.len) as usize];
    let mut offset = 0;
    while offset < at.len {
        let n = UTF8_CHUNK.min(at.len - offset);
        let piece = &mut chunk[..n as usize];
        memory.read_into(at.ptr + offset, piece);
        check.feed(piece)?;
        offset += n;
    }
    check.finish()
}

/// Where a call's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deliver {
    /// Lifted to a value.
    Value,
    /// A string or byte array is left in the callee's memory for a calling module (its
    /// objects not released yet); anything else is lifted.
    InCallee,
    /// A byte array is copied into a new `Uint8Array`; anything else is lifted.
    Js,
    /// A string is decoded into a JavaScript string straight from the callee's memory;
    /// anything else is lifted.
    Text,
}

/// A call's output.
#[derive(Debug)]
enum Output {
    /// A lifted value (none without an output).
    Value(Option<IValue>),
    /// A string or byte array in the callee's memory, not checked yet ([`Deliver::InCallee`]).
    InCallee(GuestBytes),
    /// A byte array for JavaScript ([`Deliver::Js`]).
    Js(Uint8Array),
    /// A string for JavaScript ([`Deliver::Text`]).
    Text(JsValue),
}

/// An import that failed, kept while the exception unwinds through the importer.
#[derive(Debug)]
struct ImportFailure {
    site: ImportSite,
    source: EngineError,
}

/// The state of the current top-level call.
#[derive(Debug, Default)]
struct CallState {
    /// `(module, function)` frames, outermost first: the first `depth` are the calls
    /// running; those past it are kept to reuse their strings' buffers.
    stack: Vec<(String, String)>,
    /// The number of calls running.
    depth: usize,
    /// What `get_call_parameters` returns during this call.
    call_parameters: CallParameters,
    /// True while `call_parameters` are the defaults, set by the last top-level call given
    /// none.
    default_parameters: bool,
    /// The JSON text `call_parameters` were parsed from (meaningless while they are the
    /// defaults): a top-level call given the same text keeps them without parsing it.
    parameters_text: String,
    /// The serial of the registered call parameters ([`Service::set_call_parameters`])
    /// `call_parameters` are a copy of, if they are.
    registered: Option<u64>,
    /// The failure of an import, thrown through a guest.
    failure: Option<ImportFailure>,
}

/// The call parameters a call from JavaScript was given, once read.
#[derive(Debug)]
enum GivenParameters {
    /// None: the defaults.
    Defaults,
    /// The same text as the current ones were parsed from: they are kept.
    Kept,
    /// Parsed from new text.
    Parsed(CallParameters),
    /// A copy of the registered ones, of this serial.
    Registered(u64, CallParameters),
}

/// A module-to-module import resolved once, when its importer is linked
/// ([`Service::import_id`]): what [`Service::call_import`] would otherwise look up by name on
/// every call.
#[derive(Debug)]
struct LinkedImport {
    importer: String,
    namespace: String,
    import: String,
    /// The importer's declaration of the import.
    signature: std::sync::Arc<FunctionSignature>,
    /// The wasm types of its flattened parameters.
    params: Vec<WasmType>,
    /// True when a string, byte array or other pointer argument leaves helper objects in the
    /// importer, released once the callee has its copies.
    releases_caller: bool,
    /// The instances and the callee's plan, found on the first call.
    targets: ImportTargets,
}

/// What a linked import's calls reach, found on its first call and kept: neither module can
/// go while the importer is registered (unloading the callee is refused, and unloading the
/// importer drops the import).
#[derive(Debug, Default)]
struct ImportTargets {
    caller: std::cell::OnceCell<Rc<JsInstance>>,
    callee: std::cell::OnceCell<Rc<Callee>>,
}

/// The export a module import calls: its module, plan and instance.
#[derive(Debug)]
struct Callee {
    definition: Rc<Module>,
    plan: Rc<CallPlan>,
    instance: Rc<JsInstance>,
    export: Rc<Function>,
}

/// An export resolved once for calls from JavaScript ([`Service::function_id`]).
#[derive(Debug)]
struct ResolvedFunction {
    module: String,
    function: String,
    /// The module the id was made for: a call through the id checks it is still the loaded
    /// one.
    definition: std::rc::Weak<Module>,
    plan: Rc<CallPlan>,
    /// What its calls reach, found on the first call and kept while no module is registered
    /// or unloaded (see [`Service::generation`]).
    target: RefCell<Option<Rc<Target>>>,
}

/// The module, instance and export a [`ResolvedFunction`]'s calls reach.
#[derive(Debug)]
struct Target {
    /// The [`Service::generation`] it was found in.
    generation: u64,
    definition: Rc<Module>,
    instance: Rc<JsInstance>,
    export: Rc<Function>,
}

/// The engine's view of one service.
pub struct Service {
    config: ServiceConfig,
    modules: RefCell<BTreeMap<String, Rc<Module>>>,
    instances: RefCell<BTreeMap<String, Rc<JsInstance>>>,
    /// Linked module imports, by the id [`Service::import_id`] gave (freed when their
    /// importer is unloaded).
    linked: RefCell<IdTable<Rc<LinkedImport>>>,
    /// Resolved exports, by the id [`Service::function_id`] gave (freed when their module is
    /// unloaded).
    functions: RefCell<IdTable<Rc<ResolvedFunction>>>,
    call: RefCell<CallState>,
    /// The vector of an export call's wasm arguments, kept between calls (no allocation per
    /// call).
    params: Cell<Vec<WasmValue>>,
    /// The call parameters JavaScript registered ([`Service::set_call_parameters`]), with a
    /// serial that changes with them.
    registered_parameters: RefCell<Option<(u64, CallParameters)>>,
    /// Counts the registrations and unloads of modules: a [`Target`] found in an earlier one
    /// is looked up again.
    generation: Cell<u64>,
    logger: RefCell<Option<Function>>,
    stderr_probe: RefCell<Option<Function>>,
}

fn json_error_of(what: &str, e: serde_json::Error) -> EngineError {
    EngineError::Json {
        what: what.into(),
        message: e.to_string(),
    }
}

impl Service {
    /// Parses the config.
    pub fn from_config(config_toml: &str, config_path: &str) -> Result<Self, EngineError> {
        let config = ServiceConfig::from_toml_str_at(config_toml, config_path)
            .map_err(|e| EngineError::Config(Box::new(e)))?;
        Ok(Service {
            config,
            modules: RefCell::default(),
            instances: RefCell::default(),
            linked: RefCell::default(),
            functions: RefCell::default(),
            call: RefCell::default(),
            params: Cell::default(),
            registered_parameters: RefCell::default(),
            generation: Cell::new(0),
            logger: RefCell::default(),
            stderr_probe: RefCell::default(),
        })
    }

    /// Parses a config given as JSON: converted to TOML text first, so it is read by the one
    /// config parser, with the same checks and messages.
    pub fn from_json_config(config_json: &str, config_path: &str) -> Result<Self, EngineError> {
        let value: toml::Value =
            serde_json::from_str(config_json).map_err(|e| json_error_of("the config", e))?;
        let text = toml::to_string(&value).map_err(|e| EngineError::Json {
            what: "the config".into(),
            message: e.to_string(),
        })?;
        Self::from_config(&text, config_path)
    }

    fn module_config(&self, name: &str) -> Option<&ModuleConfig> {
        self.config.module(name)
    }

    /// The config's modules as JSON (see [`crate::Engine::config_modules`]).
    pub fn config_modules_json(&self) -> String {
        let modules: Vec<Value> = self
            .config
            .modules
            .iter()
            .map(|m| {
                json!({
                    "name": m.name,
                    "wasmPath": m.wasm_path.display().to_string(),
                    "loggerEnabled": m.logger_enabled,
                    "loggingMask": m.logging_mask,
                    "memLimit": m.mem_limit_bytes,
                    "envs": m.wasi.effective_envs(),
                    "mappedDirs": m.wasi.mapped_dirs.iter()
                        .map(|(alias, path)| (alias.clone(), path.display().to_string()))
                        .collect::<BTreeMap<_, _>>(),
                    "mountedBinaries": m.mounted_binaries.iter()
                        .map(|(name, path)| (name.clone(), path.display().to_string()))
                        .collect::<BTreeMap<_, _>>(),
                })
            })
            .collect();
        json!({ "modules": modules, "totalMemoryLimit": self.config.total_memory_limit })
            .to_string()
    }

    /// Reads a module's interface (see [`crate::Engine::add_module`]).
    pub fn add_module(&self, name: &str, wasm: &[u8]) -> Result<(), EngineError> {
        if self.modules.borrow().contains_key(name) {
            return Err(EngineError::NonUniqueModuleName(name.into()));
        }
        let limits = self.config.limits.apply(&marine_ast::Limits::default());
        let parsed = cache::parsed(wasm, limits.interface(), |key| {
            let interface = ModuleInterface::from_wasm_with_limits(wasm, limits.interface())
                .map_err(|source| EngineError::Interface {
                    module: name.into(),
                    source: Box::new(source),
                })?;
            let plans = interface
                .functions
                .iter()
                .map(|(fname, sig)| (fname.clone(), Rc::new(CallPlan::new(sig.clone()))))
                .collect();
            let initial_memory =
                initial_memory_bytes(wasm).map_err(|source| EngineError::MemoryCap {
                    module: name.into(),
                    source,
                })?;
            Ok::<_, EngineError>(Parsed {
                key,
                interface,
                plans,
                initial_memory,
            })
        })?;
        let limited = self.config.total_memory_limit.is_some()
            || self
                .module_config(name)
                .and_then(|m| m.mem_limit_bytes)
                .is_some();
        self.modules.borrow_mut().insert(
            name.into(),
            Rc::new(Module {
                parsed,
                bytes: RefCell::new(limited.then(|| wasm.to_vec())),
                memory_limit: Cell::new(None),
            }),
        );
        Ok(())
    }

    /// The bytes to compile for an added module when a memory limit applies: the module with
    /// its memory capped at its own limit (`mem_pages_count` / `max_heap_size` on top of its
    /// initial memory) and at its share of `total_memory_limit` (what the modules' initial
    /// memories leave of it, split evenly among the modules added so far), whichever is
    /// lower. `None`: no limit applies, compile the bytes as given. See
    /// [`crate::Engine::module_bytes`].
    pub fn module_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, EngineError> {
        let module = self.module(name)?;
        let Some(wasm) = module.bytes.borrow_mut().take() else {
            return Ok(None);
        };
        let own = self
            .module_config(name)
            .and_then(|m| m.mem_limit_bytes)
            .map(|heap| (heap, MemoryLimitScope::Module));
        let share = match self.config.total_memory_limit {
            None => None,
            Some(total) => {
                let modules = self.modules.borrow();
                let initial: u64 = modules.values().map(|m| m.initial_memory).sum();
                let left = total.checked_sub(initial).ok_or_else(|| EngineError::MemoryCap {
                    module: name.into(),
                    source: CapError::new(format!(
                        "the service's total_memory_limit of {total} bytes is below the modules' initial memories ({initial} bytes)"
                    )),
                })?;
                Some((left / modules.len().max(1) as u64, MemoryLimitScope::Total))
            }
        };
        let Some((heap, scope)) = [own, share].into_iter().flatten().min_by_key(|(h, _)| *h) else {
            return Ok(None);
        };
        let capped = cap_memories(&wasm, heap).map_err(|source| EngineError::MemoryCap {
            module: name.into(),
            source,
        })?;
        module
            .memory_limit
            .set(capped.maximum_bytes.map(|limit| (limit, scope)));
        Ok(Some(capped.wasm))
    }

    /// A key for the compiled form of an added module, once [`Service::module_bytes`] has
    /// run: the same for the same bytes (and memory cap) in every service of this engine
    /// instance, so JavaScript can reuse a compiled `WebAssembly.Module`.
    pub fn module_key(&self, name: &str) -> Result<String, EngineError> {
        let module = self.module(name)?;
        Ok(match module.memory_limit.get() {
            None => module.key.to_string(),
            Some((limit, _)) => format!("{}/{limit}", module.key),
        })
    }

    fn module(&self, name: &str) -> Result<Rc<Module>, EngineError> {
        self.modules
            .borrow()
            .get(name)
            .cloned()
            .ok_or_else(|| EngineError::NoSuchModule(name.into()))
    }

    fn instance(&self, name: &str) -> Result<Rc<JsInstance>, EngineError> {
        self.instances
            .borrow()
            .get(name)
            .cloned()
            .ok_or_else(|| EngineError::NoSuchModule(name.into()))
    }

    /// The added modules' names and the modules each imports from.
    fn dependencies(&self) -> Vec<(String, Vec<String>)> {
        let modules = self.modules.borrow();
        let config_order = self.config.modules.iter().map(|m| m.name.as_str());
        // Config order first (it decides among independent modules), then any others.
        let mut names: Vec<&str> = config_order.filter(|n| modules.contains_key(*n)).collect();
        for name in modules.keys() {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .filter_map(|name| {
                let module = modules.get(name)?;
                let imports = module
                    .interface
                    .imports
                    .iter()
                    .filter(|i| !is_host_namespace(&i.namespace))
                    .map(|i| i.namespace.clone())
                    .collect();
                Some((name.to_string(), imports))
            })
            .collect()
    }

    /// See [`crate::Engine::load_order`].
    pub fn load_order(&self) -> Result<Vec<String>, EngineError> {
        load_order(&self.dependencies()).map_err(EngineError::from)
    }

    /// See [`crate::Engine::link_imports`].
    pub fn link_imports(&self, name: &str) -> Result<String, EngineError> {
        let module = self.module(name)?;
        let mut links = Vec::new();
        for imported in &module.interface.imports {
            if is_host_namespace(&imported.namespace) {
                continue;
            }
            let callee = self.module(&imported.namespace).map_err(|_| {
                EngineError::MissingImportedModule {
                    module: name.into(),
                    imported: imported.namespace.clone(),
                }
            })?;
            for f in &imported.functions {
                // The callee's export is the import field name (`link_name`, or else the
                // Rust name), not the name the importer declared it under.
                let actual = callee.interface.function(&f.import_name).ok_or_else(|| {
                    EngineError::MissingImportedFunction {
                        module: name.into(),
                        imported: imported.namespace.clone(),
                        function: f.import_name.clone(),
                    }
                })?;
                check_import_signature(&f.signature, actual).map_err(|diff| {
                    EngineError::ImportSignatureMismatch {
                        module: name.into(),
                        imported: imported.namespace.clone(),
                        function: f.import_name.clone(),
                        diff,
                    }
                })?;
                links.push(json!({ "namespace": imported.namespace, "name": f.import_name }));
            }
        }
        Ok(Value::Array(links).to_string())
    }

    /// See [`crate::Engine::register`].
    pub fn register(&self, name: &str, exports: JsValue) -> Result<(), EngineError> {
        self.module(name)?;
        let instance = JsInstance::new(name, exports)?;
        self.instances
            .borrow_mut()
            .insert(name.into(), Rc::new(instance));
        self.generation.set(self.generation.get() + 1);
        Ok(())
    }

    /// See [`crate::Engine::unload`].
    pub fn unload(&self, name: &str) -> Result<(), EngineError> {
        self.module(name)?;
        let importers: Vec<String> = self
            .modules
            .borrow()
            .iter()
            .filter(|(other, m)| {
                other.as_str() != name
                    && self.instances.borrow().contains_key(other.as_str())
                    && m.interface.imports.iter().any(|i| i.namespace == name)
            })
            .map(|(other, _)| other.clone())
            .collect();
        if !importers.is_empty() {
            return Err(EngineError::ModuleInUse {
                module: name.into(),
                importers,
            });
        }
        self.instances.borrow_mut().remove(name);
        self.modules.borrow_mut().remove(name);
        self.generation.set(self.generation.get() + 1);
        // The module's ids are freed for reuse; kept ones are refused from now on.
        self.linked.borrow_mut().retain(|l| l.importer != name);
        self.functions.borrow_mut().retain(|f| f.module != name);
        Ok(())
    }

    /// An id for calls of `module.function` from JavaScript ([`Service::call_by_id`]): the
    /// export is looked up once. The same id for the same export of the same loaded module;
    /// freed when the module is unloaded (see [`crate::ids`]).
    pub fn function_id(&self, module: &str, function: &str) -> Result<f64, EngineError> {
        let (definition, plan) = self.plan(module, function)?;
        let mut functions = self.functions.borrow_mut();
        let same = |f: &Rc<ResolvedFunction>| {
            f.module == module
                && f.function == function
                && f.definition
                    .upgrade()
                    .is_some_and(|d| Rc::ptr_eq(&d, &definition))
        };
        if let Some(id) = functions.find(same) {
            return Ok(id);
        }
        functions
            .insert(Rc::new(ResolvedFunction {
                module: module.into(),
                function: function.into(),
                definition: Rc::downgrade(&definition),
                plan,
                target: RefCell::new(None),
            }))
            .map_err(|TableFull| EngineError::NoSuchFunction {
                module: module.into(),
                function: format!("{function} (no id for it: {MAX_SLOTS} functions have one)"),
            })
    }

    /// True when the export of `id` returns a string, given as [`CallOutput::Text`] (false for
    /// an id of no function).
    pub fn result_is_text(&self, id: f64) -> bool {
        self.functions
            .borrow()
            .get(id)
            .is_some_and(|f| returns_text(&f.plan.signature))
    }

    /// True when the export of `id` may be called with [`CallArgs::Text`] (false for an id of
    /// no function).
    pub fn takes_text(&self, id: f64) -> bool {
        self.functions
            .borrow()
            .get(id)
            .is_some_and(|f| takes_text(&f.plan.signature))
    }

    /// How many ids of resolved exports and of linked imports are live, and how many slots
    /// each table holds.
    pub fn id_stats(&self) -> (IdStats, IdStats) {
        (
            self.functions.borrow().stats(),
            self.linked.borrow().stats(),
        )
    }

    /// Calls the export [`Service::function_id`] gave `id` for (see
    /// [`crate::Engine::call_function`]); with `bytes_out`, a byte-array result comes back as
    /// [`CallOutput::Bytes`]. An id whose module was unloaded since (a stale id), or never
    /// given, is refused as a call of no function.
    pub fn call_by_id(
        &self,
        id: f64,
        args: CallArgs<'_>,
        call_parameters_json: Option<&str>,
        bytes_out: bool,
    ) -> Result<CallOutput, EngineError> {
        let resolved = self
            .functions
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| EngineError::NoSuchFunction {
                module: String::new(),
                function: format!("#{id} (an id of no function resolved now: its module was unloaded, or it was never given)"),
            })?;
        let (module, function) = (resolved.module.as_str(), resolved.function.as_str());
        self.call_resolved(
            module,
            function,
            &resolved,
            &resolved.plan,
            args,
            call_parameters_json,
            bytes_out,
        )
    }

    /// The target of `resolved` kept from an earlier call, while no module was registered or
    /// unloaded since.
    fn kept_target(&self, resolved: &ResolvedFunction) -> Option<Rc<Target>> {
        let kept = resolved.target.borrow();
        kept.as_ref()
            .filter(|t| t.generation == self.generation.get())
            .cloned()
    }

    /// The module of `resolved`, checked to be the one loaded (a live id's module is: unloading
    /// frees the ids; checked all the same).
    fn loaded_definition(&self, resolved: &ResolvedFunction) -> Result<Rc<Module>, EngineError> {
        let module = resolved.module.as_str();
        let definition = self.module(module)?;
        if !resolved
            .definition
            .upgrade()
            .is_some_and(|d| Rc::ptr_eq(&d, &definition))
        {
            return Err(EngineError::NoSuchModule(module.into()));
        }
        Ok(definition)
    }

    /// What the calls of `resolved` (of the loaded module `definition`) reach: looked up,
    /// and kept for the next calls.
    fn find_target(
        &self,
        resolved: &ResolvedFunction,
        definition: Rc<Module>,
    ) -> Result<Rc<Target>, EngineError> {
        let generation = self.generation.get();
        let module = resolved.module.as_str();
        let instance = self.instance(module)?;
        let target = Rc::new(Target {
            generation,
            definition,
            export: instance.function(module, &resolved.function)?,
            instance,
        });
        *resolved.target.borrow_mut() = Some(target.clone());
        Ok(target)
    }

    /// The body of [`Service::call_by_id`], for the export `resolved` and its `plan`.
    #[allow(clippy::too_many_arguments)]
    fn call_resolved(
        &self,
        module: &str,
        function: &str,
        resolved: &ResolvedFunction,
        plan: &CallPlan,
        args: CallArgs<'_>,
        call_parameters_json: Option<&str>,
        bytes_out: bool,
    ) -> Result<CallOutput, EngineError> {
        guest_may_run();
        // The module is checked first; the instance and export after the arguments are read,
        // so their errors come first.
        let found = match self.kept_target(resolved) {
            Some(target) => Ok(target),
            None => Err(self.loaded_definition(resolved)?),
        };
        // Measured: for the small arguments of a typical call, a `Value` tree and interface
        // values cost less here than the core's streamed JSON lowering (`json_args`), which
        // parses the text twice (a check, then the writes).
        let json = match &args {
            CallArgs::Json(text, _) if text.trim().is_empty() => Value::Array(Vec::new()),
            CallArgs::Json(text, _) => {
                serde_json::from_str(text).map_err(|e| json_error_of("the arguments", e))?
            }
            CallArgs::Text(_) | CallArgs::JsText(_) => Value::Null,
        };
        let call_parameters = self.given_parameters(call_parameters_json)?;
        let values;
        let many: Vec<Arg<'_>>;
        // The one argument of a text call, without a vector allocated for it.
        let one: [Arg<'_>; 1];
        let args: &[Arg<'_>] = match args {
            CallArgs::Json(_, byte_args) => {
                values = json_values(module, function, &plan.signature, json, &byte_args)?;
                let mut byte_args = byte_args.into_iter();
                many = values
                    .iter()
                    .map(|value| match byte_args.next().flatten() {
                        Some(bytes) => ForwardArg::Bytes(Bytes::Js(bytes)),
                        None => ForwardArg::Value(Cow::Borrowed(value)),
                    })
                    .collect();
                &many
            }
            CallArgs::Text(text) => {
                check_takes_text(module, function, &plan.signature)?;
                // Copied from the engine's memory into the callee, never made a value.
                one = [ForwardArg::Bytes(Bytes::Text(text))];
                &one
            }
            CallArgs::JsText(text) => {
                check_takes_text(module, function, &plan.signature)?;
                one = [ForwardArg::Bytes(Bytes::JsText(text))];
                &one
            }
        };
        let top_level = self.call.borrow().depth == 0;
        if top_level {
            let mut call = self.call.borrow_mut();
            match call_parameters {
                GivenParameters::Parsed(given) => {
                    call.call_parameters = given;
                    call.default_parameters = false;
                    call.parameters_text.clear();
                    call.parameters_text
                        .push_str(call_parameters_json.unwrap_or_default());
                    call.registered = None;
                }
                GivenParameters::Registered(serial, given) => {
                    call.call_parameters = given;
                    call.default_parameters = false;
                    call.parameters_text.clear();
                    call.registered = Some(serial);
                }
                GivenParameters::Defaults if !call.default_parameters => {
                    call.call_parameters = CallParameters::default();
                    call.default_parameters = true;
                }
                GivenParameters::Defaults | GivenParameters::Kept => {}
            }
            call.failure = None;
        }
        let output_is_bytes = plan.signature.outputs.first().is_some_and(is_u8_array);
        let deliver = if bytes_out && output_is_bytes {
            Deliver::Js
        } else if returns_text(&plan.signature) {
            Deliver::Text
        } else {
            Deliver::Value
        };
        let target = match found {
            Ok(target) => target,
            Err(definition) => self.find_target(resolved, definition)?,
        };
        let output = self.invoke(
            &target.definition,
            plan,
            module,
            function,
            target.instance.clone(),
            &target.export,
            args,
            deliver,
        )?;
        Ok(match output {
            Output::Js(bytes) => CallOutput::Bytes(bytes),
            Output::Text(text) => CallOutput::JsText(text),
            // JavaScript takes the result of such a function as text, never as JSON.
            Output::Value(output) if returns_text(&plan.signature) => match output {
                Some(IValue::String(text)) => CallOutput::Text(text),
                other => {
                    return Err(EngineError::UnexpectedResults {
                        module: module.into(),
                        function: function.into(),
                        message: format!("internal: {other:?} for a `string` output"),
                    })
                }
            },
            Output::Value(output) => {
                let values: Vec<IValue> = output.into_iter().collect();
                CallOutput::Json(ivalues_to_json(&values, &plan.signature.outputs).to_string())
            }
            Output::InCallee(_) => {
                return Err(EngineError::UnexpectedResults {
                    module: module.into(),
                    function: function.into(),
                    message: "internal: bytes left in memory for a top-level call".into(),
                })
            }
        })
    }

    /// See [`crate::Engine::set_call_parameters`].
    pub fn set_call_parameters(&self, json: &str) -> Result<(), EngineError> {
        let given: CallParameters =
            serde_json::from_str(json).map_err(|e| json_error_of("the call parameters", e))?;
        let mut registered = self.registered_parameters.borrow_mut();
        let serial = registered.as_ref().map_or(0, |(serial, _)| serial + 1);
        *registered = Some((serial, given));
        Ok(())
    }

    /// The call parameters of a call given their JSON text (`None`: the defaults; empty: the
    /// registered ones): parsed, unless they are the text the current ones were parsed from
    /// (or the registered ones they are a copy of).
    fn given_parameters(&self, text: Option<&str>) -> Result<GivenParameters, EngineError> {
        let Some(text) = text else {
            return Ok(GivenParameters::Defaults);
        };
        let call = self.call.borrow();
        if text.is_empty() {
            let registered = self.registered_parameters.borrow();
            let Some((serial, given)) = &*registered else {
                return Err(EngineError::Json {
                    what: "the call parameters".into(),
                    message: "the registered ones were asked for, but none were registered".into(),
                });
            };
            if !call.default_parameters && call.registered == Some(*serial) {
                return Ok(GivenParameters::Kept);
            }
            return Ok(GivenParameters::Registered(*serial, given.clone()));
        }
        if !call.default_parameters && call.registered.is_none() && call.parameters_text == text {
            return Ok(GivenParameters::Kept);
        }
        serde_json::from_str(text)
            .map(GivenParameters::Parsed)
            .map_err(|e| json_error_of("the call parameters", e))
    }

    fn plan(
        &self,
        module: &str,
        function: &str,
    ) -> Result<(Rc<Module>, Rc<CallPlan>), EngineError> {
        let m = self.module(module)?;
        let plan = m
            .plans
            .get(function)
            .cloned()
            .ok_or_else(|| EngineError::NoSuchFunction {
                module: module.into(),
                function: function.into(),
            })?;
        Ok((m, plan))
    }

    /// Calls `function` of `module` (its `definition` and call `plan`) with interface values:
    /// lowering, the call, the output. The values are typed by the plan's signature already:
    /// converted from JSON against it ([`Service::call_by_id`]), or lifted by an import
    /// signature that linking checked against it ([`Service::forward`]).
    #[allow(clippy::too_many_arguments)]
    fn invoke(
        &self,
        definition: &Module,
        plan: &CallPlan,
        module: &str,
        function: &str,
        instance: Rc<JsInstance>,
        export: &Function,
        args: &[Arg<'_>],
        deliver: Deliver,
    ) -> Result<Output, EngineError> {
        {
            let mut call = self.call.borrow_mut();
            let depth = call.depth;
            if call.stack[..depth].iter().any(|(m, _)| m == module) {
                let mut stack: Vec<String> = call.stack[..depth]
                    .iter()
                    .map(|(m, f)| format!("{m}.{f}"))
                    .collect();
                stack.push(format!("{module}.{function}"));
                return Err(EngineError::Reentrancy {
                    module: module.into(),
                    function: function.into(),
                    stack,
                });
            }
            match call.stack.get_mut(depth) {
                Some((m, f)) => {
                    m.clear();
                    m.push_str(module);
                    f.clear();
                    f.push_str(function);
                }
                None => call.stack.push((module.into(), function.into())),
            }
            call.depth += 1;
        }
        let result = self.run_export(module, function, plan, &instance, export, args, deliver);
        self.call.borrow_mut().depth -= 1;
        match (result, definition.memory_limit.get()) {
            // A refused growth shows as a failure with the memory at its cap, or as the
            // guest's own report of a failed allocation (Rust's `handle_alloc_error` prints
            // one before it aborts).
            (Err(source), Some((limit, scope)))
                if matches!(source, EngineError::Trap { .. })
                    && (instance.memory_size() >= limit || self.allocation_failed(module)) =>
            {
                Err(EngineError::MemoryLimit {
                    module: module.into(),
                    function: function.into(),
                    scope,
                    limit,
                    requested: None,
                    source: Box::new(source),
                })
            }
            (result, _) => result,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_export(
        &self,
        module: &str,
        function: &str,
        plan: &CallPlan,
        instance: &JsInstance,
        export: &Function,
        args: &[Arg<'_>],
        deliver: Deliver,
    ) -> Result<Output, EngineError> {
        let abi = abi_error(module, function);
        // A vector kept from the last call (a call nested in this one makes its own).
        let mut params = self.params.take();
        params.clear();
        let mut push = |v| params.push(v);
        for (arg, value) in plan.signature.arguments.iter().zip(args) {
            lower_forwarded(
                &mut JsGuest(instance),
                &arg.ty,
                value,
                &mut push,
                |_, bytes| bytes.copy_into(instance),
            )
            .map_err(abi)?;
        }
        // A string, byte array or array output is read from the result slots right after the
        // call: they are fetched with it, in one call into JavaScript.
        let with_slots = matches!(&plan.output, OutputKind::Sized(ty) if !ty.is_boxed());
        let called = instance.in_guest(|| {
            if with_slots {
                call_with_slots(instance, export, &params, &plan.wasm.results)
            } else {
                call_wasm(export, &params, &plan.wasm.results)
            }
        });
        self.params.set(params);
        let raw = match called {
            Ok(raw) => Ok(raw),
            Err(CallError::Thrown(thrown)) => {
                return Err(self.failure_of(module, function, &thrown))
            }
            // Reported once a byte-array output (which has no wasm result) is ruled out.
            Err(CallError::Unexpected(message)) => Err(message),
        };
        let output = self.export_output(module, function, plan, instance, raw, deliver);
        instance.forget_slots();
        output
    }

    /// The output of a call of `function` whose export returned `raw` (or a description of
    /// what it returned instead of its wasm result).
    fn export_output(
        &self,
        module: &str,
        function: &str,
        plan: &CallPlan,
        instance: &JsInstance,
        raw: Result<Option<WasmValue>, String>,
        deliver: Deliver,
    ) -> Result<Output, EngineError> {
        let abi = abi_error(module, function);
        let warn_release = |release: AbiError| {
            self.warn(
                module,
                &format!("release_objects after a failed lift also failed: {release}"),
            )
        };
        if let (OutputKind::Sized(ty), Deliver::InCallee | Deliver::Js) = (&plan.output, deliver) {
            if is_bytes_type(ty) {
                let mut guest = JsGuest(instance);
                let at = read_result_slots(&mut guest, ty).map(|(ptr, len)| GuestBytes {
                    ptr,
                    len,
                    utf8: *ty == IType::String,
                });
                if deliver == Deliver::InCallee {
                    // Checked and released when the caller takes them ([`Service::deliver`]).
                    return match at {
                        Ok(at) => Ok(Output::InCallee(at)),
                        Err(e) => {
                            if let Err(release) = guest.release_objects() {
                                warn_release(release);
                            }
                            Err(abi(e))
                        }
                    };
                }
                let copied = at.and_then(|at| {
                    at.check_bounds(instance.memory_size())?;
                    Ok(instance.copy_out(at.ptr, at.len))
                });
                return match (copied, guest.release_objects()) {
                    (Ok(bytes), Ok(())) => Ok(Output::Js(bytes)),
                    (Ok(_), Err(e)) | (Err(e), Ok(())) => Err(abi(e)),
                    (Err(e), Err(release)) => {
                        warn_release(release);
                        Err(abi(e))
                    }
                };
            }
        }
        let raw = raw.map_err(|message| EngineError::UnexpectedResults {
            module: module.into(),
            function: function.into(),
            message,
        })?;
        let taken = if deliver == Deliver::Text {
            take_text(instance, &plan.output, raw, warn_release)
        } else {
            take_output(&mut JsGuest(instance), &plan.output, raw, warn_release).map(Output::Value)
        };
        match taken {
            Ok(output) => Ok(output),
            Err(OutputError::Unexpected(message)) => Err(EngineError::UnexpectedResults {
                module: module.into(),
                function: function.into(),
                message,
            }),
            Err(OutputError::Abi(e)) => Err(abi(e)),
        }
    }

    /// Logs a warning of the engine about `module`.
    fn warn(&self, module: &str, message: &str) {
        if let Some(logger) = self.logger.borrow().clone() {
            let _ = logger.call3(
                &JsValue::UNDEFINED,
                &JsValue::from_str(module),
                &JsValue::from_str("warn"),
                &JsValue::from_str(message),
            );
        }
    }

    /// What a thrown export call means: the failure of an import it called (kept in the call
    /// state), else a trap of its own.
    fn failure_of(&self, module: &str, function: &str, thrown: &JsValue) -> EngineError {
        match self.call.borrow_mut().failure.take() {
            Some(ImportFailure { site, source }) => EngineError::Import {
                module: module.into(),
                function: function.into(),
                site: Box::new(site),
                source: Box::new(source),
            },
            None => EngineError::Trap {
                module: module.into(),
                function: function.into(),
                message: js_error_text(thrown),
            },
        }
    }

    /// Keeps `source` as the failure of an import and returns the exception to throw through
    /// the importing guest.
    fn fail_import(
        &self,
        caller: &str,
        namespace: &str,
        import: &str,
        source: EngineError,
    ) -> JsValue {
        let site = ImportSite {
            caller: caller.into(),
            namespace: namespace.into(),
            import: import.into(),
        };
        let thrown = js_sys::Error::new(&site.failed(&source).to_string());
        self.call.borrow_mut().failure = Some(ImportFailure { site, source });
        thrown.into()
    }

    /// See [`crate::Engine::call_import`].
    pub fn call_import(
        &self,
        importer: &str,
        namespace: &str,
        import: &str,
        args: &Array,
    ) -> Result<JsValue, JsValue> {
        // The importer ran up to here: its memory may have grown.
        guest_may_run();
        let returned = self
            .imported_signature(importer, namespace, import)
            .and_then(|sig| {
                let params = wasm_params(&flatten_signature(&sig).params, args);
                let releases_caller = sig.arguments.iter().any(|a| a.ty.is_complex());
                self.forward(
                    importer,
                    namespace,
                    import,
                    &sig,
                    &params,
                    releases_caller,
                    None,
                )
            });
        self.import_returned(importer, namespace, import, returned)
    }

    /// Resolves the module import `namespace.import` of `importer` once, for calls through
    /// [`Service::call_linked`]: `None` when the importer's interface does not declare it
    /// (its calls then fail as [`Service::call_import`] reports it).
    /// Freed when the importer is unloaded; `None` too when the table is full (the import
    /// then works by name).
    pub fn import_id(&self, importer: &str, namespace: &str, import: &str) -> Option<f64> {
        let signature = self.imported_signature(importer, namespace, import).ok()?;
        let params = flatten_signature(&signature).params;
        let releases_caller = signature.arguments.iter().any(|a| a.ty.is_complex());
        self.linked
            .borrow_mut()
            .insert(Rc::new(LinkedImport {
                importer: importer.into(),
                namespace: namespace.into(),
                import: import.into(),
                signature,
                params,
                releases_caller,
                targets: ImportTargets::default(),
            }))
            .ok()
    }

    /// The number of wasm parameters of the linked import `id` when there are at most four
    /// and all are `i32` (so [`Service::call_linked`] can take them as numbers), else `-1`.
    pub fn import_i32_arity(&self, id: f64) -> i32 {
        match self.linked_import(id) {
            Some(l) if l.params.len() <= 4 && l.params.iter().all(|t| *t == WasmType::I32) => {
                l.params.len() as i32
            }
            _ => -1,
        }
    }

    fn linked_import(&self, id: f64) -> Option<Rc<LinkedImport>> {
        self.linked.borrow().get(id).cloned()
    }

    /// The body of the linked import `id` ([`Service::import_id`]), called with its raw wasm
    /// arguments: `params(types)` reads them, each as the wasm type given (`None` where
    /// JavaScript passed something else).
    pub fn call_linked(
        &self,
        id: f64,
        params: impl FnOnce(&[WasmType]) -> Vec<Option<WasmValue>>,
    ) -> Result<JsValue, JsValue> {
        // The importer ran up to here: [`Service::forward`] marks its memory view to be
        // checked again (the other instances' views stay valid).
        let Some(linked) = self.linked_import(id) else {
            return Err(js_sys::Error::new(&format!(
                "no linked import #{id} (its importer was unloaded, or it was never given)"
            ))
            .into());
        };
        let (importer, namespace, import) = (
            linked.importer.as_str(),
            linked.namespace.as_str(),
            linked.import.as_str(),
        );
        let params = params(&linked.params);
        let returned = self.forward(
            importer,
            namespace,
            import,
            &linked.signature,
            &params,
            linked.releases_caller,
            Some(&linked.targets),
        );
        self.import_returned(importer, namespace, import, returned)
    }

    /// What an import's body gives the importing guest: its raw wasm result (`undefined`
    /// without one), or on failure the exception to throw through it (the failure kept, see
    /// [`Service::fail_import`]).
    fn import_returned(
        &self,
        caller: &str,
        namespace: &str,
        import: &str,
        returned: Result<Option<WasmValue>, EngineError>,
    ) -> Result<JsValue, JsValue> {
        match returned {
            Ok(value) => Ok(value.map_or(JsValue::UNDEFINED, to_js)),
            Err(e) => Err(self.fail_import(caller, namespace, import, e)),
        }
    }

    fn imported_signature(
        &self,
        importer: &str,
        namespace: &str,
        import: &str,
    ) -> Result<std::sync::Arc<FunctionSignature>, EngineError> {
        let module = self.module(importer)?;
        module
            .interface
            .imports
            .iter()
            .filter(|i| i.namespace == namespace)
            .flat_map(|i| &i.functions)
            .find(|f| f.import_name == import)
            .map(|f| f.signature.clone())
            .ok_or_else(|| EngineError::MissingImportedFunction {
                module: importer.into(),
                imported: namespace.into(),
                function: import.into(),
            })
    }

    /// Forwards a call of the module import `namespace.import` (declared by `importer` as
    /// `sig`) with its raw wasm arguments `params`. `releases_caller`: whether an argument
    /// of `sig` is passed by pointer (the importer's helper objects are then released once
    /// the callee has its copies).
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        importer: &str,
        namespace: &str,
        import: &str,
        sig: &FunctionSignature,
        params: &[Option<WasmValue>],
        releases_caller: bool,
        cache: Option<&ImportTargets>,
    ) -> Result<Option<WasmValue>, EngineError> {
        let caller = match cache.and_then(|c| c.caller.get()) {
            Some(caller) => caller.clone(),
            None => {
                let caller = self.instance(importer)?;
                if let Some(c) = cache {
                    let _ = c.caller.set(caller.clone());
                }
                caller
            }
        };
        // The importer ran up to here: its memory may have grown.
        caller.may_run();
        let in_caller = abi_error(importer, &sig.name);
        // Strings and byte arrays stay in the caller's memory until they are copied into the
        // callee's; the rest is lifted.
        let args = forward::forward_arguments(
            JsGuest(&caller).view(),
            sig,
            |i| params.get(i).copied().flatten(),
            DEFAULT_MAX_VALUE_SIZE,
            |at| {
                check_bytes(&caller, at)?;
                Ok(Bytes::InCaller(caller.clone(), at))
            },
        )
        .map_err(in_caller)?;
        let callee = match cache.and_then(|c| c.callee.get()) {
            Some(callee) => Ok(callee.clone()),
            None => self.plan(namespace, import).and_then(|(definition, plan)| {
                let instance = self.instance(namespace)?;
                let callee = Rc::new(Callee {
                    definition,
                    plan,
                    export: instance.function(namespace, import)?,
                    instance,
                });
                if let Some(c) = cache {
                    let _ = c.callee.set(callee.clone());
                }
                Ok(callee)
            }),
        };
        let (callee, output) = match callee {
            Ok(callee) => {
                let output = self.invoke(
                    &callee.definition,
                    &callee.plan,
                    namespace,
                    import,
                    callee.instance.clone(),
                    &callee.export,
                    &args,
                    Deliver::InCallee,
                );
                (Some(callee), output)
            }
            Err(e) => (None, Err(e)),
        };
        // The caller's helper buffers are released once the callee has its copies.
        if releases_caller {
            JsGuest(&caller).release_objects().map_err(in_caller)?;
        }
        match output? {
            Output::Value(value) => protocol::return_to_caller(
                &mut JsGuest(&caller),
                sig.outputs.first(),
                value.as_ref(),
            )
            .map_err(in_caller),
            Output::InCallee(at) => {
                // An output comes only from a call, which had its callee.
                let callee = callee.ok_or_else(|| EngineError::NoSuchModule(namespace.into()))?;
                self.deliver(namespace, import, &callee.instance, at, &caller, in_caller)?;
                Ok(None)
            }
            Output::Js(_) | Output::Text(_) => Err(EngineError::UnexpectedResults {
                module: namespace.into(),
                function: import.into(),
                message: "internal: a JavaScript value for a module import".into(),
            }),
        }
    }

    /// Copies a string or byte array `callee` returned from `function` (checked first:
    /// bounds, and UTF-8 for a string) into a fresh buffer of `caller`, releases the callee's
    /// objects, and sets the caller's result slots.
    fn deliver(
        &self,
        module: &str,
        function: &str,
        callee: &JsInstance,
        at: GuestBytes,
        caller: &JsInstance,
        in_caller: impl Fn(AbiError) -> EngineError,
    ) -> Result<(), EngineError> {
        let in_callee = abi_error(module, function);
        let copied = check_bytes(callee, at).map_err(in_callee).and_then(|()| {
            copy_view(caller, &callee.subarray(at.ptr, at.len), at.len).map_err(&in_caller)
        });
        let released = JsGuest(callee).release_objects().map_err(in_callee);
        let (ptr, len) = copied?;
        released?;
        let mut guest = JsGuest(caller);
        guest.set_result_size(len).map_err(&in_caller)?;
        guest.set_result_ptr(ptr).map_err(&in_caller)
    }

    /// See [`crate::Engine::call_host`].
    pub fn call_host(
        &self,
        module: &str,
        namespace: &str,
        import: &str,
        args: &Array,
        handler: &Function,
    ) -> Result<JsValue, JsValue> {
        guest_may_run();
        let returned = self.host(module, namespace, import, args, handler);
        self.import_returned(module, namespace, import, returned)
    }

    fn host(
        &self,
        module: &str,
        namespace: &str,
        import: &str,
        args: &Array,
        handler: &Function,
    ) -> Result<Option<WasmValue>, EngineError> {
        let sig = self.imported_signature(module, namespace, import)?;
        let caller = self.instance(module)?;
        let in_caller = abi_error(module, import);
        let failed = |message: String| EngineError::HostFunction {
            module: module.into(),
            function: import.into(),
            message,
        };
        let params = wasm_params(&flatten_signature(&sig).params, args);
        let values = protocol::lift_arguments(JsGuest(&caller).view(), &sig, |i| {
            params.get(i).copied().flatten()
        })
        .map_err(in_caller)?;
        let json_args: Vec<Value> = values
            .iter()
            .zip(&sig.arguments)
            .map(|(value, arg)| ivalue_to_json(value, Some(&arg.ty)))
            .collect();
        let returned = handler
            .call1(
                &JsValue::UNDEFINED,
                &JsValue::from_str(&Value::Array(json_args).to_string()),
            )
            .map_err(|e| failed(js_error_text(&e)))?;
        let output = match sig.outputs.first() {
            None => None,
            Some(ty) => {
                let text = returned
                    .as_string()
                    .ok_or_else(|| failed(format!("it returned no value; `{ty}` expected")))?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| failed(format!("its result is not JSON: {e}")))?;
                Some(json_to_result(&value, ty, &sig).map_err(|e| failed(e.to_string()))?)
            }
        };
        protocol::return_to_caller(&mut JsGuest(&caller), sig.outputs.first(), output.as_ref())
            .map_err(in_caller)
    }

    /// See [`crate::Engine::host_log`].
    pub fn host_log(
        &self,
        module: &str,
        level: i32,
        target: i32,
        ptr: u32,
        len: u32,
    ) -> Result<(), JsValue> {
        guest_may_run();
        let mask = self
            .module_config(module)
            .map_or(marine_ast::config::DEFAULT_LOGGING_MASK, |m| m.logging_mask);
        if target != 0 && target & mask == 0 {
            return Ok(());
        }
        let instance = self
            .instance(module)
            .map_err(|e| self.fail_host(module, "log_utf8_string", e.to_string()))?;
        let guest = JsGuest(&instance);
        let (level, message) = match Lifter::over(guest.view()).string(ptr, len) {
            Ok(message) => (level_name(level), message),
            Err(e) => ("warn", format!("log_utf8_string: {e}")),
        };
        let Some(logger) = self.logger.borrow().clone() else {
            return Ok(());
        };
        logger
            .call3(
                &JsValue::UNDEFINED,
                &JsValue::from_str(module),
                &JsValue::from_str(level),
                &JsValue::from_str(&message),
            )
            .map(drop)
            .map_err(|e| self.fail_host(module, "log_utf8_string", js_error_text(&e)))
    }

    fn fail_host(&self, module: &str, function: &str, message: String) -> JsValue {
        self.fail_import(
            module,
            "host",
            function,
            EngineError::HostFunction {
                module: module.into(),
                function: function.into(),
                message,
            },
        )
    }

    /// See [`crate::Engine::host_call_parameters`].
    pub fn host_call_parameters(&self, module: &str, namespace: &str) -> Result<(), JsValue> {
        guest_may_run();
        let fail = |message: String| self.fail_host(module, "get_call_parameters", message);
        let api = HostApi::of_namespace(namespace)
            .ok_or_else(|| fail(format!("`{namespace}` is not a host namespace")))?;
        let layout = CallParametersLayout::of_host_api(api);
        let instance = self.instance(module).map_err(|e| fail(e.to_string()))?;
        let fields = layout.value(&self.call.borrow().call_parameters);
        let mut guest = JsGuest(&instance);
        lower_record(&mut guest, layout.record_type(), &fields)
            .and_then(|ptr| guest.set_result_ptr(ptr))
            .map_err(|e| fail(e.to_string()))
    }

    /// True when the module reported a failed allocation on stderr during this call.
    fn allocation_failed(&self, module: &str) -> bool {
        let Some(probe) = self.stderr_probe.borrow().clone() else {
            return false;
        };
        probe
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(module))
            .ok()
            .and_then(|text| text.as_string())
            .is_some_and(|text| text.contains("memory allocation of "))
    }

    /// See [`crate::Engine::set_stderr_probe`].
    pub fn set_stderr_probe(&self, probe: Function) {
        *self.stderr_probe.borrow_mut() = Some(probe);
    }

    /// See [`crate::Engine::set_logger`].
    pub fn set_logger(&self, logger: Function) {
        *self.logger.borrow_mut() = Some(logger);
    }

    /// See [`crate::Engine::interface`].
    pub fn interface_json(&self) -> String {
        let modules = self.modules.borrow();
        let ty = |t: &IType| Value::String(t.to_string());
        let list: Vec<Value> = modules
            .iter()
            .map(|(name, m)| {
                let functions: Vec<Value> = m
                    .interface
                    .functions
                    .values()
                    .map(|sig| {
                        json!({
                            "name": sig.name,
                            "arguments": sig.arguments.iter()
                                .map(|a| json!({ "name": a.name, "type": ty(&a.ty) }))
                                .collect::<Vec<_>>(),
                            "outputs": sig.outputs.iter().map(ty).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                let records: Vec<Value> = m
                    .interface
                    .records
                    .values()
                    .map(|r| {
                        json!({
                            "name": r.name,
                            "fields": r.fields.iter()
                                .map(|f| json!({ "name": f.name, "type": ty(&f.ty) }))
                                .collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                let enums: Vec<Value> = m
                    .interface
                    .enums
                    .values()
                    .map(|e| {
                        json!({
                            "name": e.name,
                            "variants": e.variants.iter().map(|v| json!({
                                "name": v.name,
                                "kind": match v.kind {
                                    VariantKind::Unit => "unit",
                                    VariantKind::Tuple => "tuple",
                                    VariantKind::Struct => "struct",
                                },
                                "fields": v.fields.iter()
                                    .map(|f| json!({ "name": f.name, "type": ty(&f.ty) }))
                                    .collect::<Vec<_>>(),
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({
                    "name": name,
                    "functions": functions,
                    "records": records,
                    "enums": enums,
                })
            })
            .collect();
        Value::Array(list).to_string()
    }
}

/// The raw wasm arguments of an import call, each as the wasm type of `types` (`None` where
/// JavaScript passed something else).
pub fn wasm_params(types: &[WasmType], args: &Array) -> Vec<Option<WasmValue>> {
    types
        .iter()
        .enumerate()
        .map(|(i, ty)| from_js(*ty, &args.get(i as u32)))
        .collect()
}

/// The name of a `log::Level` discriminant (§5.2); anything else is `trace`.
fn level_name(level: i32) -> &'static str {
    match level {
        1 => "error",
        2 => "warn",
        3 => "info",
        4 => "debug",
        _ => "trace",
    }
}

/// The error of a failure of the guest ABI in `function` of `module` (or in the import
/// `function` of the importing `module`).
fn abi_error<'a>(
    module: &'a str,
    function: &'a str,
) -> impl Fn(AbiError) -> EngineError + Copy + 'a {
    move |source| EngineError::Abi {
        module: module.into(),
        function: function.into(),
        source: Box::new(source),
    }
}
