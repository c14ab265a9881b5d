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

pub mod abi;
pub mod adapter;
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
pub mod store;
pub mod types;

#[cfg(test)]
mod call_tests;
#[cfg(test)]
pub(crate) mod test_utils;

pub use engine::MarineEngine;
pub use errors::{AbiError, MarineError};
pub use host_imports::{HostContext, HostImport};
pub use interface::{ImportedFunction, ImportedModule, InterfaceError, ModuleInterface};
pub use marine::{MModuleConfig, Marine, ModuleSource};
pub use module::MModule;
pub use store::{MemoryStats, StoreState};
pub use types::{FunctionSignature, IFunctionArg, IRecordField, IRecordType, IType, IValue};
