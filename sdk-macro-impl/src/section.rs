//! Emission of the `__m_generated_section__<name>` metadata (§4.1).

use marine_ast::{SDKAst, GENERATED_SECTION_PREFIX};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// The compact JSON of one metadata item.
pub fn section_json(ast: &SDKAst) -> String {
    serde_json::to_string(ast).expect("SDKAst always serializes")
}

/// The custom section name for an item name (`.` becomes `_`).
pub fn section_name(name: &str) -> String {
    format!("{GENERATED_SECTION_PREFIX}{}", name.replace('.', "_"))
}

/// The name of the static holding an item's section.
pub fn static_name(name: &str) -> String {
    format!(
        "__m_generated_static_global_{}",
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_")
    )
}

/// A `#[link_section]` static holding the JSON; only on wasm32.
///
/// Functions and records get a named `pub` static (their names are unique in a scope, and the SDK
/// references its own records' statics so they survive linking). Extern blocks may share a
/// namespace, so `unique == false` wraps the static in an anonymous const.
pub(crate) fn emit(name: &str, ast: &SDKAst, unique: bool) -> TokenStream {
    let json = section_json(ast);
    let section = section_name(name);
    let len = json.len();
    let bytes = Literal::byte_string(json.as_bytes());
    let ident = format_ident!("{}", static_name(name));
    let item = quote! {
        #[doc(hidden)]
        #[used]
        #[allow(non_upper_case_globals, dead_code)]
        #[unsafe(link_section = #section)]
        pub static #ident: [u8; #len] = *#bytes;
    };
    if unique {
        quote! {
            #[cfg(target_arch = "wasm32")]
            #item
        }
    } else {
        quote! {
            #[cfg(target_arch = "wasm32")]
            const _: () = {
                #item
            };
        }
    }
}
