//! End-to-end tests: real wasm built from `examples/`, real wasmtime, through the runtime's
//! `IValue` call path. One test binary (modules below) keeps link time down.

mod arrays;
mod call_context;
mod compat_call_parameters;
mod compat_metadata;
mod compat_mixed;
mod compat_official;
mod compat_older;
mod compat_service;
mod disk_cache;
mod greeting;
mod hostile;
mod isolation;
mod it_section;
mod json_calls;
mod log_capture;
mod metadata;
mod misbehaving;
mod pool;
mod records;
mod rich_types;
mod scalars;
mod service;
mod shared_calls;

use marine_runtime::{IValue, Marine};

/// A fresh runtime with the example module `name` loaded under the same name.
pub fn load(name: &str) -> Marine {
    let mut marine = Marine::new();
    marine
        .load_module(name, marine_e2e::example_wasm(name))
        .unwrap_or_else(|e| panic!("loading example {name}: {e}"));
    marine
}

/// Calls a function expected to succeed with exactly one result.
pub fn call1(marine: &mut Marine, module: &str, func: &str, args: Vec<IValue>) -> IValue {
    let mut out = marine
        .call_with_ivalues(module, func, &args)
        .unwrap_or_else(|e| panic!("{module}.{func}: {e}"));
    assert_eq!(out.len(), 1, "{module}.{func} returns one value");
    out.remove(0)
}

/// Shorthand for an `IValue::String`.
pub fn s(text: &str) -> IValue {
    IValue::String(text.to_string())
}
