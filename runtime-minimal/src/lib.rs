//! Marine runtime: loads Wasm modules built with the Marine SDK and calls their `#[marine]`
//! exports with interface values.
//!
//! Layers, bottom to top (each a module with one job):
//! - [`types`]: the value model ([`IType`], [`IValue`], records, signatures);
//! - [`abi`]: wasm-level shapes (flattening, wire sizes, allocation tags, call plans);
//! - [`interface`]: reading a module's interface from its custom sections;
//! - [`memory`], [`lift`], [`lower`]: guest memory access and the §2.5/§2.6 layouts;
//! - [`store`], [`engine`], [`module`]: the service store, the engine and compiled-module
//!   cache, one instantiated module and the export call protocol;
//! - [`adapter`]: the import direction (lift from the caller, lower results back), used for
//!   module-to-module imports;
//! - [`marine`]: the [`Marine`] façade.
//!
//! Imports provided so far: WASI preview1 (per-module contexts), the logger
//! ([`host_imports`]), embedder-defined interface-typed host functions ([`HostImport`]), and
//! functions of previously loaded modules (namespace = module name). Anything else a module
//! imports is a load-time `Link` error.
//!
//! # Design notes
//!
//! - **One store per service.** A [`Marine`] owns one `wasmtime::Store<StoreState>` holding
//!   every module instance (each with its own linear memory), one shared `Linker` (WASI,
//!   logger) cloned per module to add that module's imports, and a [`MarineEngine`] (shareable
//!   between services and threads) whose cache maps wasm content to the compiled module, its
//!   [`ModuleInterface`] and per-function call plans, so nothing is re-parsed per call.
//! - **Current module.** [`StoreState`] keeps one slot per module (name, WASI context, ABI
//!   handles, memory limit) and the index of the module currently running. Every entry into a
//!   module (instantiation, `_initialize`/`_start`, each export call, each import adapter)
//!   sets it and restores it afterwards ([`store::with_module`]). The WASI accessor, the
//!   logger, host functions and the memory limiter all act on the current module.
//! - **Calls.** [`MModule::call`] implements §2.3: arity and type checks up front (errors name
//!   the argument), lowering through the module's own `allocate` with the official tags and
//!   order, the call, lifting (bounds-checked, budgeted), then `release_objects`.
//! - **Cross-module.** Lowering is generic over [`memory::GuestMemoryMut`] and lifting works
//!   on a byte view, so the same code serves every direction. A module import is a host
//!   function built by [`adapter::module_import_func`]: it lifts the arguments from the
//!   caller's memory, calls the caller's `release_objects` for complex arguments, runs the
//!   callee's export protocol with the callee current, lowers the result with the caller's
//!   `allocate` and calls the caller's `set_result_*`. Imports are resolved at load against
//!   modules loaded before (dependency order, as the official runtime) and their declared
//!   signatures are checked against the callee's exports. Strings and byte arrays can be
//!   moved memory-to-memory with [`lift::Lifter::bytes`] + [`lower::lower_bytes`] without an
//!   intermediate [`IValue`] (not yet used by the adapters).
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

pub mod abi;
pub mod adapter;
pub mod call_parameters;
pub mod config;
pub mod engine;
pub mod errors;
pub mod host_imports;
pub mod interface;
pub mod json;
pub mod lift;
pub mod lower;
pub mod marine;
pub mod memory;
pub mod module;
pub mod mounted_binary;
pub mod service;
pub mod store;
pub mod types;

#[cfg(test)]
mod call_tests;
#[cfg(test)]
pub(crate) mod test_utils;

pub use call_parameters::{CallParameters, ParticleParameters, SecurityTetraplet};
pub use engine::MarineEngine;
pub use errors::{AbiError, MarineError};
pub use host_imports::{HostContext, HostImport};
pub use interface::{ImportedFunction, ImportedModule, InterfaceError, ModuleInterface};
pub use marine::{MModuleConfig, Marine, ModuleSource};
pub use module::MModule;
pub use service::{MarineService, ServiceInterface, ServiceOptions};
pub use store::{MemoryStats, StoreState};

#[allow(dead_code)]
fn assert_thread_safety() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Marine>();
    send_sync::<MarineEngine>();
    send_sync::<ModuleInterface>();
}
pub use types::{FunctionSignature, IFunctionArg, IRecordField, IRecordType, IType, IValue};
