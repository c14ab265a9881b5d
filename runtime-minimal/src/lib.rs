//! Marine runtime: loads Wasm modules built with the Marine SDK and calls their `#[marine]`
//! exports with interface values, alone ([`Marine`]) or as a `Config.toml` service
//! ([`MarineService`]).
//!
//! Everything that does not need a wasm engine (interface types and values, layouts, reading
//! a module's interface, lifting and lowering, JSON values, limits, the `Config.toml` schema) is
//! the ABI core,
//! [`marine_ast`]; this crate runs it on wasmtime. Its files are layers, bottom to top, each
//! importing only from the ones below it (checked by `tests/layers.rs`):
//!
//! | layer | files | job |
//! |---|---|---|
//! | errors | `errors` | [`MarineError`] and the error types every layer returns |
//! | guest memory | `memory`, `wasm_value` | one instance's memory and ABI exports, wasm values |
//! | store | `call_parameters`, `call_context`, `store` | a module's store data; the context of one call (parameters, deadline, call stack), lent to each store it enters; the state a service's stores share (memory totals) |
//! | engine | `disk_cache`, `engine`, `stdio` | the persistent compiled-code cache; compiling with limits, the in-memory compiled-module cache, the epoch ticker; guest output |
//! | call protocol | `module`, `wasm_value` | one instantiated module and the export call protocol (§2.3) |
//! | linking | `adapter`, `call_parameters_abi`, `host_imports`, `typed_host`, `wasi_guard`, `linking` | module-to-module imports, the host's own imports (dynamic and typed), guarded WASI; a module pre-linked per shape |
//! | entry | `invoke`, `marine`, `mounted_binary`, `service` | top-level calls, the [`Marine`] façade, mounted binaries, services |
//!
//! Imports provided: WASI preview1 (per-module contexts), the logger and
//! `get_call_parameters`, embedder-defined interface-typed host functions ([`HostImport`]),
//! and functions of previously loaded modules (namespace = module name). Anything else a
//! module imports is a load-time `Link` error.
//!
//! # Design notes
//!
//! - **One store per module.** Each [`MModule`] owns the `wasmtime::Store<StoreState>` its
//!   instance lives in, so unloading a module nothing imports frees its instance, linear
//!   memory (pages and address-space reservation) and WASI context at once. A store's
//!   [`StoreState`] is that module's data (name, WASI context, ABI handles, memory limit);
//!   the service's memory total is in one [`Shared`] behind a mutex every store points to,
//!   held only for bookkeeping, never while wasm runs.
//! - **A call's context is a value.** Each top-level call makes its own context (call
//!   parameters, deadline, call stack, what went wrong out of band) and lends it to each
//!   store it enters; module imports and [`HostContext::call_module`] pass their caller's
//!   on. Nothing of a call is kept in shared state, so no call sees another's. The definitions every module may
//!   import (WASI with its guards, logger, call parameters) sit in one `Linker` per
//!   [`MarineEngine`], whose cache maps wasm content to the compiled module, its
//!   [`ModuleInterface`] and per-function call plans, so nothing is re-parsed per call.
//! - **Linking** (`linking`): a compiled module keeps one `InstancePre` per link shape (which
//!   imports are served by other modules, by the embedder's host functions of which wasm type,
//!   or by the shared definitions). Its definitions are the same for every service; what
//!   differs per service (the callee module of an adapter, the closure of a host function,
//!   the WASI guard's open files) is put into the module's store, where the definitions find
//!   it. A second service from the same config checks its adapters' signatures and only
//!   instantiates.
//! - **Entering a module.** A call into a module locks its store for the call's duration
//!   (a second call into a running module is refused: [`MarineError::Reentrancy`]), pushes a
//!   frame on the call's stack, and arms the store's epoch deadline from the call's. The
//!   WASI accessor, the logger, host functions and the memory limiter act on the store's own
//!   module.
//! - **Calls.** A module's export call implements §2.3: arity and type checks up front (errors name
//!   the argument), lowering through the module's own `allocate` with the official tags and
//!   order, the call, lifting (bounds-checked, budgeted), then `release_objects`.
//! - **Cross-module.** Lowering is generic over [`marine_ast::GuestMemoryMut`] and lifting works
//!   on a byte view, so the same code serves every direction. A module import is a host
//!   function served by `adapter::call_module_import`, running in the caller's store: it
//!   lifts the arguments from the caller's memory, runs the callee's export protocol in the
//!   callee's store, calls the caller's `release_objects` for complex arguments, lowers the
//!   result with the caller's `allocate` and calls the caller's `set_result_*`. Imports are
//!   resolved at load against
//!   modules loaded before (dependency order, as the official runtime) and their declared
//!   signatures are checked against the callee's exports. String and byte-array arguments
//!   and results move memory-to-memory (`memory::copy_bytes_into`, bounds- and
//!   UTF-8-checked first) without an intermediate [`IValue`]; records and other arrays are
//!   lifted and lowered.
//! - **Top-level calls** (`invoke`): [`Marine::call_with_options`] sets the call
//!   parameters (served by `get_call_parameters` in all four host namespaces, each with its
//!   SDK's layout, `call_parameters_abi`) and an epoch deadline from the timeout
//!   (`engine` runs the epoch ticker). The shared state keeps a call stack of (module,
//!   function) frames: a call into a module already on it is refused
//!   ([`MarineError::Reentrancy`]), and a deadline or a refused memory growth is attributed
//!   to the module running, giving [`MarineError::Timeout`] / [`MarineError::MemoryLimit`].
//! - **Blocking host calls** (`wasi_guard`): the call deadline also holds inside WASI
//!   `poll_oneoff` (a guest's sleep is served in slices and interrupted at the deadline as a
//!   [`MarineError::Timeout`] of the sleeping module) and inside mounted binaries (killed at
//!   the deadline with everything they started, [`mounted_binary`]); `path_open` is limited to
//!   [`MModuleConfig::max_open_files`] descriptors per module (`EMFILE` to the guest).
//! - **Guest output** (`stdio`): each module's stderr keeps a bounded tail so a trap carries
//!   the guest's panic message; stdout/stderr can be captured for the embedder.
//! - **Guest-controlled data never panics the host.** Pointers are u32 (memories above 2 GiB
//!   work), sizes use checked/saturating u64 arithmetic and are checked against the memory
//!   before host buffers are allocated, count 0 never touches the pointer, UTF-8 is
//!   validated, traps become [`MarineError::Trap`]. A module that trapped stays loaded and
//!   is called normally afterwards, but its state may be inconsistent (for example a panic in
//!   the middle of its allocator); unload and reload it to start afresh.
//!
//! # Differences from the official runtime
//!
//! - The interface comes from the `__m_generated_section__*` JSON; no `interface-types`
//!   section is needed, `__fluence_sdk_version` is optional (≥ 0.6.0 when present).
//! - u32 ≥ 2^31 and u64 ≥ 2^63 work as top-level scalars (bits are reinterpreted).
//! - Extra or missing arguments and wrong argument types are errors before anything runs.
//! - Recursive record types are rejected at load.
//! - `release_objects` also runs after a failed lift, so the guest does not leak.

#![deny(missing_docs)]

mod adapter;
use marine_ast::call_parameters;
mod call_context;
mod call_parameters_abi;
#[cfg(target_os = "linux")]
mod descendants;
pub mod disk_cache;
mod engine;
mod errors;
mod host_imports;
mod invoke;
mod linking;
mod marine;
mod memory;
mod module;
pub mod mounted_binary;
pub mod service;
mod stdio;
mod store;
mod typed_host;
mod wasi_guard;
mod wasm_value;

// The engine-independent layers come from the ABI core; `crate::types` etc. name them here.
/// The service `Config.toml` (from the ABI core, [`marine_ast::config`]).
pub use marine_ast::config;
/// Bounded reading of the files a config or a command names (from the ABI core,
/// [`marine_ast::files`]).
pub use marine_ast::files;
/// JSON <-> interface values (from the ABI core, [`marine_ast::json`]).
pub use marine_ast::json;
/// JSON arguments written straight into a guest (from the ABI core,
/// [`marine_ast::json_args`]).
pub use marine_ast::json_args;
/// Results written as JSON straight from guest memory (from the ABI core,
/// [`marine_ast::json_out`]).
pub use marine_ast::json_out;
/// Interface types and values (from the ABI core, [`marine_ast::types`]).
pub use marine_ast::types;
pub(crate) use marine_ast::{abi, interface, limits, lower, metrics};

#[cfg(test)]
pub(crate) mod test_utils;

pub use call_parameters::{CallParameters, ParticleParameters, SecurityTetraplet};
pub use disk_cache::{CacheFileError, DiskCacheOptions, DiskCacheStats};
pub use engine::{MarineEngine, DEFAULT_CACHE_CAPACITY};
pub use errors::{
    AbiError, ImportError, ImportSite, MarineError, MemoryLimitScope, ServiceError, WasmtimeError,
};
pub use host_imports::{HostContext, HostFn, HostImport};
pub use interface::{ImportedFunction, ImportedModule, InterfaceError, ModuleInterface};
pub use invoke::CallOptions;
pub use json_args::JsonInput;
pub use limits::{LimitExceeded, LimitKind, Limits, ModuleMetrics};
pub use marine::{MModuleConfig, Marine, ModuleSource};
pub use module::{JsonSink, MModule, WASM_START_FRAME};
pub use service::{MarineService, ServiceInterface, ServiceOptions, ServicePool};
pub use stdio::CapturedOutput;
pub use store::{MemoryStats, Shared, SharedState, StoreState};
pub use typed_host::{HostOutput, HostValue, IntoHostImport};
pub use wasi_guard::DEFAULT_MAX_OPEN_FILES;

#[allow(dead_code)]
fn assert_thread_safety() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Marine>();
    send_sync::<MarineEngine>();
    send_sync::<ModuleInterface>();
    send_sync::<ServicePool>();
}
pub use types::{
    FunctionSignature, IEnumType, IEnumVariant, IFunctionArg, IRecordField, IRecordType, IType,
    IValue, VariantKind,
};

/// The README's code compiles (it is `no_run`: it needs the built examples).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
