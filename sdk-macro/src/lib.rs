//! The `#[marine]` attribute and `module_manifest!` of the Marine guest SDK.
//!
//! A thin shell: all parsing and code generation lives in `marine-macro-impl`.

use proc_macro::TokenStream;

fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    match marine_macro_impl::marine(attr.into(), item.into()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Exports a function, declares a record, or imports functions from an extern block.
///
/// - on a `fn`: the function becomes a wasm export of the same name;
/// - on a `struct` with named fields: the struct becomes a record usable in signatures;
/// - on an `extern "C"` block with `#[module_import("name")]` or `#[host_import]` (or the old
///   `#[link(wasm_import_module = "name")]`): the functions are imported.
#[proc_macro_attribute]
pub fn marine(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(attr, item)
}

/// The old name of [`macro@marine`], for FCE-era guests.
#[proc_macro_attribute]
pub fn fce(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(attr, item)
}

/// Embeds the module manifest section: `module_manifest!()` uses the crate's `CARGO_PKG_*`
/// values; `module_manifest!("authors", "version", "description", "repository")` overrides them.
#[proc_macro]
pub fn module_manifest(input: TokenStream) -> TokenStream {
    match marine_macro_impl::module_manifest(input.into()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
