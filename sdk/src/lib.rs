//! Marine guest SDK: write Wasm modules with typed interfaces for the Marine runtime.
//!
//! - `#[marine]` on a function exports it, on a struct declares a record, on an
//!   `extern "C"` block imports functions from another module (`#[module_import("name")]`) or
//!   the host (`#[host_import]`);
//! - [`get_call_parameters`], [`MountedBinaryResult`], `WasmLoggerBuilder` (feature `logger`)
//!   and [`module_manifest!`] cover the host API;
//! - on wasm32 (feature `marine-abi`, on by default) the crate also provides the ABI exports every
//!   module needs: `allocate`, `release_objects`, the result slots and `_initialize`.
//!
//! ```ignore
//! use marine_rs_sdk::marine;
//!
//! pub fn main() {}
//!
//! #[marine]
//! pub fn greeting(name: String) -> String {
//!     format!("Hi, {}", name)
//! }
//! ```

// Generated code always refers to `::marine_rs_sdk`, even inside this crate.
#[allow(unused_extern_crates)]
extern crate self as marine_rs_sdk;

mod call_parameters;
#[cfg(feature = "logger")]
mod logger;
mod mounted_binary;

#[cfg(all(target_arch = "wasm32", feature = "marine-abi"))]
mod abi;

#[doc(hidden)]
pub mod internal;

pub use marine_macro::fce;
pub use marine_macro::marine;
pub use marine_macro::module_manifest;

pub use call_parameters::get_call_parameters;
pub use call_parameters::CallParameters;
pub use call_parameters::ParticleParameters;
pub use call_parameters::SecurityTetraplet;

#[cfg(feature = "logger")]
pub use logger::{TargetMap, WasmLoggerBuilder, WASM_DEFAULT_LOG_LEVEL};

pub use mounted_binary::MountedBinaryResult;
pub use mounted_binary::MountedBinaryStringResult;
pub use mounted_binary::SUCCESS_CODE as BINARY_SUCCESS_CODE;

/// The SDK version embedded in `__fluence_sdk_version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `__fluence_sdk_version` custom section (§4.2): the bare semver.
#[cfg(all(target_arch = "wasm32", feature = "marine-abi"))]
#[doc(hidden)]
#[used]
#[unsafe(link_section = "__fluence_sdk_version")]
pub static __M_SDK_VERSION: [u8; SDK_VERSION.len()] = {
    let mut out = [0u8; SDK_VERSION.len()];
    let bytes = SDK_VERSION.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
};

/// Keeps the SDK's own sections in the final module (called from `allocate`).
#[cfg(all(target_arch = "wasm32", feature = "marine-abi"))]
#[inline(always)]
fn keep_sections() {
    // SAFETY: reading a static byte.
    unsafe {
        core::ptr::read_volatile(&__M_SDK_VERSION[0]);
        core::ptr::read_volatile(&call_parameters::__m_generated_static_global_CallParameters[0]);
        core::ptr::read_volatile(
            &call_parameters::__m_generated_static_global_ParticleParameters[0],
        );
        core::ptr::read_volatile(
            &call_parameters::__m_generated_static_global_SecurityTetraplet[0],
        );
        core::ptr::read_volatile(
            &mounted_binary::__m_generated_static_global_MountedBinaryResult[0],
        );
        core::ptr::read_volatile(
            &mounted_binary::__m_generated_static_global_MountedBinaryStringResult[0],
        );
    }
}
