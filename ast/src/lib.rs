//! The Marine ABI in one place, independent of any wasm engine.
//!
//! Everything a Marine module and its host agree on, and everything that can be computed from
//! a module's bytes and memory without running it, lives here: the SDK (its macros), the
//! wasmtime runtime, the test macro, the tools and the JavaScript runtime all use this crate,
//! so each ABI fact has one copy. Nothing here depends on wasmtime; the crate builds for
//! `wasm32-unknown-unknown`.
//!
//! Modules, bottom to top (each imports only from the ones above it):
//! - [`leb128`]: the wasm format's variable-length integers;
//! - [`section`]: the JSON metadata a `#[marine]` item leaves in its custom section, and the
//!   other section names ([`custom_section`] writes sections);
//! - [`types`]: the value model ([`IType`], [`IValue`], records, signatures) and type checks;
//! - [`error`]: [`AbiError`], what lifting and lowering report, and [`ServiceError`], the
//!   failures every runtime reports with the same texts;
//! - [`abi`]: wasm-level shapes (flattening, wire sizes, allocation tags, call plans);
//! - [`call_parameters`]: what a caller tells the modules about a call, and its record
//!   layout per host namespace;
//! - [`limits`]: the bounds on what a module may declare ([`Limits`]);
//! - [`link`]: a service's load order and the link-time check of import signatures;
//! - [`interface`]: a module's interface read from its custom sections;
//! - [`metrics`]: the shape of a module's code, measured before compiling it;
//! - [`memory`], [`lift`], [`lower`]: the guest-memory seams and the §2.5/§2.6 layouts;
//! - [`memory_limit`]: capping a module's memories in its bytes (for engines that cannot
//!   refuse a growth at run time);
//! - [`protocol`]: the steps around a guest's ABI exports (taking an export's output, an
//!   import's arguments and result), over any engine that implements [`Guest`];
//! - [`json`]: JSON <-> [`IValue`] by type;
//! - [`json_args`]: JSON arguments lowered straight into a guest, guided by the signature;
//! - [`json_out`]: a result written as JSON straight from guest memory;
//! - [`manifest`]: the module manifest section's codec;
//! - `config` (feature `config`): a service's `Config.toml` (schema, parsing with
//!   `file:line:column` errors, path resolution), and `files`, bounded reading of the files
//!   a config or a command names.
//!
//! Features: `json` (serde_json: section parsing, [`json`]) and `interface` (also wasmparser:
//! [`interface`], [`metrics`]), both on by default. Without them the crate is the schema, the
//! layouts, lifting and lowering, which is what the guest SDK uses. `config` (off by default;
//! toml, and the file system) is what the runtime, the test macro and the tools share to read
//! a service config, so they resolve its paths by one set of rules.
//!
//! Section numbers (§) refer to the guest ABI reference (`marine-guest-abi.md`).

#![deny(missing_docs)]

pub mod abi;
pub mod call_parameters;
#[cfg(feature = "config")]
pub mod config;
pub mod custom_section;
pub mod error;
#[cfg(feature = "config")]
pub mod files;
pub mod forward;
#[cfg(feature = "interface")]
pub mod interface;
#[cfg(feature = "interface")]
mod interface_sections;
#[cfg(feature = "interface")]
pub mod it;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "json")]
pub mod json_args;
#[cfg(feature = "json")]
mod json_forms;
#[cfg(feature = "json")]
pub mod json_out;
pub mod leb128;
pub mod lift;
pub mod limits;
pub mod link;
pub mod lower;
pub mod manifest;
pub mod memory;
pub mod memory_limit;
#[cfg(feature = "interface")]
pub mod metrics;
pub mod protocol;
pub mod section;
pub mod types;

#[cfg(test)]
mod test_utils;

pub use abi::{is_host_namespace, HostApi, WasmSignature, WasmType, WasmValue};
pub use custom_section::{append_custom_section, replace_custom_section};
pub use error::{AbiError, ImportSite, MemoryLimitScope, ServiceError};
#[cfg(feature = "interface")]
pub use interface::{ImportedFunction, ImportedModule, InterfaceError, ModuleInterface};
pub use limits::{InterfaceLimits, LimitExceeded, LimitKind, Limits, ModuleMetrics};
pub use memory::{GuestMemory, GuestMemoryMut};
pub use protocol::Guest;
pub use section::*;
pub use types::{FunctionSignature, IFunctionArg, IRecordField, IRecordType, IType, IValue};
