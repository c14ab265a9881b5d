//! The engine of Marine in JavaScript.
//!
//! This crate is the ABI core ([`marine_ast`]) compiled to `wasm32-unknown-unknown` and
//! exposed with wasm-bindgen as one object, [`Engine`], per service. The TypeScript package in
//! `marine-js/` compiles and instantiates the guest modules with the platform's `WebAssembly`
//! API and WASI shim; everything that knows the Marine ABI runs here, in the same Rust code as
//! the native runtime:
//! - the service config (`Config.toml`, with its `file:line:column` errors) and each module's
//!   interface, read from its custom sections;
//! - linking: the load order and the import signature checks ([`marine_ast::link`]);
//! - calls: JSON arguments to interface values, lowering into the callee, the export call,
//!   taking its output ([`marine_ast::protocol`]), and module-to-module imports
//!   ([`marine_ast::forward`]): strings and byte arrays are copied from the caller's memory
//!   into the callee's with one `Uint8Array.set` (and a byte-array or string result back the
//!   same way), other values are lifted and lowered (shared-nothing: each module keeps its
//!   memory, values are copied);
//! - a cache of the modules read ([`cache`]): a second service of the same bytes skips
//!   reading their interfaces, and its key lets JavaScript reuse the compiled module;
//! - the host functions every module may import: the logger and `get_call_parameters` in all
//!   four host namespaces.
//!
//! Layers: [`error`] (what goes wrong, and its JavaScript form) <- [`guest`] (one instance
//! through `WebAssembly` objects, implementing the core's `Guest`) and [`ids`] (the reusable
//! ids of resolved exports and imports) <- [`service`] (modules, calls, imports) <- this file
//! (the wasm-bindgen surface).

#![deny(missing_docs)]

pub mod cache;
pub mod error;
pub mod guest;
pub mod ids;
pub mod service;

use js_sys::{Array, Function, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::error::{to_js, EngineError};
use crate::service::{CallArgs, CallOutput, Service};

/// The most parameters a function may have in the platform's WebAssembly (the JS API's
/// limit), so more than any export's arguments (each is at least one parameter).
const MAX_ARGUMENTS: usize = 1000;

/// One Marine service: its config, its modules' interfaces and instances, the state of the
/// current call.
#[wasm_bindgen]
pub struct Engine {
    service: Service,
}

#[wasm_bindgen]
impl Engine {
    /// Creates the engine of a service from its `Config.toml` text, or (`isJson`) the JSON
    /// text of the same structure; `configPath` is the name errors give the file (and
    /// relative paths are resolved against its directory).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, config_path: &str, is_json: bool) -> Result<Engine, JsValue> {
        let service = if is_json {
            Service::from_json_config(config, config_path).map_err(to_js)?
        } else {
            Service::from_config(config, config_path).map_err(to_js)?
        };
        LIVE_ENGINES.with(|n| n.set(n.get() + 1));
        Ok(Engine { service })
    }

    /// The modules of the config, in its order, as JSON: `[{name, loggerEnabled,
    /// loggingMask, envs, mappedDirs, memLimit, mountedBinaries, wasmPath}]`.
    #[wasm_bindgen(js_name = configModules)]
    pub fn config_modules(&self) -> String {
        self.service.config_modules_json()
    }

    /// Reads a module's interface from its bytes (the module is not compiled here).
    #[wasm_bindgen(js_name = addModule)]
    pub fn add_module(&self, name: &str, bytes: &[u8]) -> Result<(), JsValue> {
        self.service.add_module(name, bytes).map_err(to_js)
    }

    /// Once every module is added: the bytes to compile for `name` when a memory limit
    /// applies to it (the module with its memory's maximum capped, so the platform refuses a
    /// growth past the limit), or `undefined` to compile the bytes as given.
    #[wasm_bindgen(js_name = moduleBytes)]
    pub fn module_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, JsValue> {
        self.service.module_bytes(name).map_err(to_js)
    }

    /// Once [`Engine::module_bytes`] has run for `name`: a key for its compiled form, the
    /// same for the same bytes and memory cap in every service of this engine instance (so
    /// a compiled module can be reused).
    #[wasm_bindgen(js_name = moduleKey)]
    pub fn module_key(&self, name: &str) -> Result<String, JsValue> {
        self.service.module_key(name).map_err(to_js)
    }

    /// The order to instantiate the added modules in: each after those it imports from.
    #[wasm_bindgen(js_name = loadOrder)]
    pub fn load_order(&self) -> Result<Vec<String>, JsValue> {
        self.service.load_order().map_err(to_js)
    }

    /// Checks every import of `name` from another module against that module's export, and
    /// returns the module imports as JSON `[{namespace, name}]` (host namespaces are left to
    /// the caller). The imported modules must be registered.
    #[wasm_bindgen(js_name = linkImports)]
    pub fn link_imports(&self, name: &str) -> Result<String, JsValue> {
        self.service.link_imports(name).map_err(to_js)
    }

    /// Registers the instance of an added module (its `exports` object).
    pub fn register(&self, name: &str, exports: JsValue) -> Result<(), JsValue> {
        self.service.register(name, exports).map_err(to_js)
    }

    /// Removes a module; refused while another registered module imports from it.
    pub fn unload(&self, name: &str) -> Result<(), JsValue> {
        self.service.unload(name).map_err(to_js)
    }

    /// An id for calls of `module.function` through [`Engine::call_function`] (the export is
    /// looked up once); throws as a call of an unknown module or function does. Ids are
    /// integers below 2^53; unloading the module frees its ids, and a call through one kept
    /// past that throws a `NoSuchFunction` error (the id's slot may be reused, under another
    /// id).
    #[wasm_bindgen(js_name = functionId)]
    pub fn function_id(&self, module: &str, function: &str) -> Result<f64, JsValue> {
        self.service.function_id(module, function).map_err(to_js)
    }

    /// True when [`Engine::call_function`] returns the result of the export `id` as a string
    /// itself, not JSON: its output is `string` (false for an id of no function).
    #[wasm_bindgen(js_name = resultIsText)]
    pub fn result_is_text(&self, id: f64) -> bool {
        self.service.result_is_text(id)
    }

    /// For debugging and tests: the id tables as JSON, `{functions: {live, slots}, imports:
    /// {live, slots}}`: how many ids of exports ([`Engine::function_id`]) and of linked
    /// imports ([`Engine::import_id`]) are live, and how many slots each table holds (at most
    /// the most ids live at once).
    #[wasm_bindgen(js_name = idStats)]
    pub fn id_stats(&self) -> String {
        let (functions, imports) = self.service.id_stats();
        serde_json::json!({
            "functions": { "live": functions.live, "slots": functions.slots },
            "imports": { "live": imports.live, "slots": imports.slots },
        })
        .to_string()
    }

    /// Calls the export [`Engine::function_id`] gave `id` for (no names cross into the engine
    /// per call) with JSON arguments (an array, or an object by argument name), and returns
    /// the result as JSON text, or (see [`Engine::result_is_text`]) a string result as the
    /// string itself. `byteArgs`, for positional arguments, holds a `Uint8Array` at the
    /// position of each `Vec<u8>` argument given as bytes (`undefined` elsewhere; the JSON's
    /// value there is ignored), so bytes are not written as JSON. `callParameters` is the
    /// JSON of the call parameters every module the call reaches sees (`null` for the
    /// defaults, empty for those of [`Engine::set_call_parameters`]). With `bytesOut`, a `Vec<u8>` result is returned as a `Uint8Array` instead
    /// of JSON text.
    #[wasm_bindgen(js_name = callFunction)]
    pub fn call_function(
        &self,
        id: f64,
        args_json: &str,
        byte_args: Option<Array>,
        call_parameters_json: Option<String>,
        bytes_out: bool,
    ) -> Result<JsValue, JsValue> {
        output_to_js(self.service.call_by_id(
            id,
            CallArgs::Json(args_json, byte_slots(byte_args)),
            call_parameters_json.as_deref(),
            bytes_out,
        ))
    }

    /// [`Engine::call_function`] without bytes given apart, returning its error instead of
    /// throwing it: the result (JSON text, a string, or a `Uint8Array`), or the error, an
    /// `Error` named `MarineError` (no result is an `Error`). Nothing is returned through the
    /// engine's stack, so the call's glue is one call of the engine.
    #[wasm_bindgen(js_name = callJson)]
    pub fn call_json(
        &self,
        id: f64,
        args_json: &str,
        call_parameters_json: Option<String>,
        bytes_out: bool,
    ) -> JsValue {
        let output = self.service.call_by_id(
            id,
            CallArgs::Json(args_json, Vec::new()),
            call_parameters_json.as_deref(),
            bytes_out,
        );
        output_to_js(output).unwrap_or_else(|error| error)
    }

    /// [`Engine::call_function`] with one `Vec<u8>` argument given as bytes: `bytes`, at
    /// position `index` (no array of slots crosses into the engine).
    #[wasm_bindgen(js_name = callFunctionBytes)]
    pub fn call_function_bytes(
        &self,
        id: f64,
        args_json: &str,
        index: u32,
        bytes: Uint8Array,
        call_parameters_json: Option<String>,
        bytes_out: bool,
    ) -> Result<JsValue, JsValue> {
        // A position past every function's arguments is refused before a slot is made for it.
        if index as usize >= MAX_ARGUMENTS {
            return Err(to_js(EngineError::Json {
                what: "the arguments".into(),
                message: format!(
                    "a Uint8Array at position {index}, past {MAX_ARGUMENTS} arguments"
                ),
            }));
        }
        let mut slots: Vec<Option<Uint8Array>> = vec![None; index as usize];
        slots.push(Some(bytes));
        output_to_js(self.service.call_by_id(
            id,
            CallArgs::Json(args_json, slots),
            call_parameters_json.as_deref(),
            bytes_out,
        ))
    }

    /// [`Engine::call_function`] of an export whose only argument is a `string` (see
    /// [`Engine::takes_text`]), given as the string itself: no JSON is written or parsed for
    /// it. Refused as an argument error for another export.
    #[wasm_bindgen(js_name = callFunctionText)]
    pub fn call_function_text(
        &self,
        id: f64,
        arg: &str,
        call_parameters_json: Option<String>,
        bytes_out: bool,
    ) -> Result<JsValue, JsValue> {
        output_to_js(self.service.call_by_id(
            id,
            CallArgs::Text(arg),
            call_parameters_json.as_deref(),
            bytes_out,
        ))
    }

    /// [`Engine::call_function_text`] that returns its error instead of throwing it: the
    /// result (a string, or a `Uint8Array`), or the error, an `Error` named `MarineError`
    /// (no result is an `Error`). Nothing is returned through the engine's stack, so the
    /// call's glue is one call of the engine. `arg` is not copied into the engine: its
    /// UTF-8 is written straight into the guest's memory.
    #[wasm_bindgen(js_name = callText)]
    pub fn call_text(
        &self,
        id: f64,
        arg: &js_sys::JsString,
        call_parameters_json: Option<String>,
        bytes_out: bool,
    ) -> JsValue {
        let output = self.service.call_by_id(
            id,
            CallArgs::JsText(arg),
            call_parameters_json.as_deref(),
            bytes_out,
        );
        output_to_js(output).unwrap_or_else(|error| error)
    }

    /// Registers call parameters (their JSON text) for the calls that pass an empty text as
    /// theirs: they are parsed once here, not on every call.
    #[wasm_bindgen(js_name = setCallParameters)]
    pub fn set_call_parameters(&self, json: &str) -> Result<(), JsValue> {
        self.service.set_call_parameters(json).map_err(to_js)
    }

    /// True when the export `id` takes one argument, a `string`, so it can be called with
    /// [`Engine::call_function_text`] (false for an id of no function).
    #[wasm_bindgen(js_name = takesText)]
    pub fn takes_text(&self, id: f64) -> bool {
        self.service.takes_text(id)
    }

    /// Resolves the module import `namespace.import` of `importer` once (after
    /// [`Engine::link_imports`]) and returns its id for [`Engine::call_import4`] /
    /// [`Engine::call_import_with`], or `undefined` when the importer's interface does not
    /// declare it (use [`Engine::call_import`] then).
    #[wasm_bindgen(js_name = importId)]
    pub fn import_id(&self, importer: &str, namespace: &str, import: &str) -> Option<f64> {
        self.service.import_id(importer, namespace, import)
    }

    /// The number of wasm parameters of the linked import `id` when there are at most four
    /// and all are `i32` (call it with [`Engine::call_import4`]), else `-1`.
    #[wasm_bindgen(js_name = importArity)]
    pub fn import_arity(&self, id: f64) -> i32 {
        self.service.import_i32_arity(id)
    }

    /// The body of the linked import `id` whose wasm parameters are up to four `i32`s
    /// (those past its arity are ignored): [`Engine::call_import`] without the names and the
    /// arguments' array.
    #[wasm_bindgen(js_name = callImport4)]
    pub fn call_import4(
        &self,
        id: f64,
        a: i32,
        b: i32,
        c: i32,
        d: i32,
    ) -> Result<JsValue, JsValue> {
        self.service.call_linked(id, |types| {
            types
                .iter()
                .zip([a, b, c, d])
                .map(|(_, v)| Some(marine_ast::WasmValue::I32(v)))
                .collect()
        })
    }

    /// The body of the linked import `id` with its raw wasm arguments in an array.
    #[wasm_bindgen(js_name = callImportWith)]
    pub fn call_import_with(&self, id: f64, args: Array) -> Result<JsValue, JsValue> {
        self.service
            .call_linked(id, |types| service::wasm_params(types, &args))
    }

    /// The body of a module-to-module import: `importer` called `namespace.import` with these
    /// raw wasm arguments. Returns the raw wasm result (or `undefined`).
    #[wasm_bindgen(js_name = callImport)]
    pub fn call_import(
        &self,
        importer: &str,
        namespace: &str,
        import: &str,
        args: Array,
    ) -> Result<JsValue, JsValue> {
        self.service.call_import(importer, namespace, import, &args)
    }

    /// The body of a host function `namespace.import` of `module` (an embedder's function or a
    /// mounted binary), typed by the module's own declaration of the import: the arguments
    /// are lifted from the module's memory and given to `handler` as the JSON text of an
    /// array; `handler` returns the JSON text of the result (or `undefined` without one),
    /// which is lowered back into the module.
    #[wasm_bindgen(js_name = callHost)]
    pub fn call_host(
        &self,
        module: &str,
        namespace: &str,
        import: &str,
        args: Array,
        handler: Function,
    ) -> Result<JsValue, JsValue> {
        self.service
            .call_host(module, namespace, import, &args, &handler)
    }

    /// The body of `log_utf8_string` for `module`.
    #[wasm_bindgen(js_name = hostLog)]
    pub fn host_log(
        &self,
        module: &str,
        level: i32,
        target: i32,
        msg_ptr: i32,
        msg_len: i32,
    ) -> Result<(), JsValue> {
        self.service
            .host_log(module, level, target, msg_ptr as u32, msg_len as u32)
    }

    /// The body of `get_call_parameters` for `module` in host namespace `namespace`.
    #[wasm_bindgen(js_name = hostCallParameters)]
    pub fn host_call_parameters(&self, module: &str, namespace: &str) -> Result<(), JsValue> {
        self.service.host_call_parameters(module, namespace)
    }

    /// Sets the function that receives module logs: `(module, level, message)`, `level`
    /// being `error`, `warn`, `info`, `debug` or `trace`.
    #[wasm_bindgen(js_name = setLogger)]
    pub fn set_logger(&self, logger: Function) {
        self.service.set_logger(logger);
    }

    /// Sets the function that returns what `module` wrote to stderr during the current call
    /// (`(module) => string`), read to tell a refused memory growth from other traps.
    #[wasm_bindgen(js_name = setStderrProbe)]
    pub fn set_stderr_probe(&self, probe: Function) {
        self.service.set_stderr_probe(probe);
    }

    /// The interface of every added module as JSON: `[{name, functions: [{name, arguments:
    /// [{name, type}], outputs: [type]}], records: [{name, fields: [{name, type}]}]}]`.
    pub fn interface(&self) -> String {
        self.service.interface_json()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        LIVE_ENGINES.with(|n| n.set(n.get() - 1));
    }
}

thread_local! {
    /// The engines made and not yet freed in this realm ([`live_engines`]).
    static LIVE_ENGINES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// For debugging and tests: the number of engines (services) made and not yet freed in this
/// JavaScript realm (`free()`, which `MarineService.terminate` calls, or the garbage
/// collector's finalizer frees one).
#[wasm_bindgen(js_name = liveEngines)]
pub fn live_engines() -> u32 {
    LIVE_ENGINES.with(|n| n.get())
}

/// The `Uint8Array` at each position of `byteArgs` (`None` elsewhere, and for no array).
fn byte_slots(byte_args: Option<Array>) -> Vec<Option<Uint8Array>> {
    byte_args
        .map(|slots| {
            slots
                .iter()
                .map(|slot| slot.dyn_into::<Uint8Array>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A call's output as JavaScript gets it: JSON text, a string result's text, or a
/// `Uint8Array`; or its error.
fn output_to_js(output: Result<CallOutput, EngineError>) -> Result<JsValue, JsValue> {
    match output.map_err(to_js)? {
        CallOutput::Json(text) | CallOutput::Text(text) => Ok(JsValue::from_str(&text)),
        CallOutput::Bytes(bytes) => Ok(bytes.into()),
        CallOutput::JsText(text) => Ok(text),
    }
}

/// The error of a module the platform's wasm engine could not compile, in the form every
/// engine error takes (the text is the core's, as the native runtime's).
#[wasm_bindgen(js_name = compileError)]
pub fn compile_error(module: &str, message: &str) -> JsValue {
    to_js(marine_ast::ServiceError::Compile {
        module: module.into(),
        message: message.into(),
    })
}

/// The error of a module whose imports could not be provided (`message`: which and why).
#[wasm_bindgen(js_name = linkError)]
pub fn link_error(module: &str, message: &str) -> JsValue {
    to_js(marine_ast::ServiceError::Link {
        module: module.into(),
        message: message.into(),
    })
}

/// The error of a module whose instantiation or start-up failed.
#[wasm_bindgen(js_name = instantiateError)]
pub fn instantiate_error(module: &str, message: &str) -> JsValue {
    to_js(marine_ast::ServiceError::Instantiate {
        module: module.into(),
        message: message.into(),
    })
}

/// The error of a call stopped after `timeoutMs` milliseconds (a worker's timer), with the
/// native runtime's text (`..: interrupted after exceeding the call timeout of 1.5s`).
#[wasm_bindgen(js_name = timeoutError)]
pub fn timeout_error(module: &str, function: &str, timeout_ms: f64) -> JsValue {
    to_js(marine_ast::ServiceError::Timeout {
        module: module.into(),
        function: function.into(),
        // A timeout that is no duration (negative, NaN, past `Duration::MAX`) is shown as
        // zero; the timer treated it as none too.
        timeout: std::time::Duration::try_from_secs_f64(timeout_ms / 1000.0).unwrap_or_default(),
    })
}
