//! Parsing and code generation behind `#[marine]`.
//!
//! This is a plain library so it can be unit-tested; the `marine-macro` proc-macro crate is a
//! thin shell over [`marine`] and [`module_manifest`]. The generated code follows the Marine guest
//! ABI (reference notes §2-§4) and refers to the SDK only through `::marine_rs_sdk::internal`.
//!
//! Modules:
//! - `parsed_type`: the supported type set and its checks;
//! - `fn_export`: `#[marine] fn` and its export wrapper;
//! - `record`: `#[marine] struct` and the packed record serializer/deserializer;
//! - `vector`: vector serialization/deserialization expressions;
//! - `foreign_mod`: `#[marine] extern` blocks;
//! - [`section`]: the metadata custom sections;
//! - [`manifest`]: the module manifest section.

mod enums;
mod fn_export;
mod foreign_mod;
pub mod manifest;
pub(crate) mod parsed_type;
mod record;
pub mod section;
mod vector;

pub use foreign_mod::HOST_IMPORT_NAMESPACE;
use proc_macro2::TokenStream;

/// Expands `#[marine]` (attribute arguments `attr`, annotated item `item`).
///
/// Errors are returned as `syn::Error`s at the offending span; the proc macro turns them into
/// `compile_error!`.
pub fn marine(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "#[marine] takes no arguments",
        ));
    }
    let item: syn::Item = syn::parse2(item)?;
    expand_item(item)
}

/// Expands an already parsed item.
pub fn expand_item(item: syn::Item) -> syn::Result<TokenStream> {
    match item {
        syn::Item::Fn(f) => fn_export::expand(f),
        syn::Item::Struct(s) => record::expand(s),
        syn::Item::Enum(e) => enums::expand(e),
        syn::Item::ForeignMod(m) => foreign_mod::expand(m),
        other => Err(syn::Error::new_spanned(
            other,
            "#[marine] can be applied only to a function, a struct, an enum or an extern block",
        )),
    }
}

/// The metadata JSON `#[marine]` would embed for an item (compact, byte-exact).
pub fn metadata_json(item: TokenStream) -> syn::Result<String> {
    let item: syn::Item = syn::parse2(item)?;
    let ast =
        match &item {
            syn::Item::Fn(f) => {
                let sig = fn_export::parse_signature(
                    &f.sig,
                    parsed_type::Position::ExportArg,
                    parsed_type::Position::ExportOutput,
                )?;
                marine_ast::SDKAst::Function(marine_ast::FnSignatureAst {
                    signature: sig.to_ast(),
                })
            }
            syn::Item::Struct(_) | syn::Item::Enum(_) | syn::Item::ForeignMod(_) => {
                let (name, ast) = metadata_of(&item)?;
                let _ = name;
                ast
            }
            other => return Err(syn::Error::new_spanned(
                other,
                "#[marine] can be applied only to a function, a struct, an enum or an extern block",
            )),
        };
    Ok(section::section_json(&ast))
}

fn metadata_of(item: &syn::Item) -> syn::Result<(String, marine_ast::SDKAst)> {
    match item {
        syn::Item::Struct(s) => {
            let fields = record::parse(s)?;
            let ast = marine_ast::SDKAst::Record(marine_ast::RecordAst {
                name: s.ident.to_string(),
                fields: marine_ast::RecordFields::Named(
                    fields
                        .iter()
                        .map(|f| marine_ast::RecordField {
                            name: Some(f.ident.to_string()),
                            ty: f.ty.to_ast(),
                        })
                        .collect(),
                ),
            });
            Ok((s.ident.to_string(), ast))
        }
        syn::Item::Enum(e) => {
            let variants = enums::parse(e)?;
            Ok((e.ident.to_string(), enums::to_ast(&e.ident, &variants)))
        }
        syn::Item::ForeignMod(m) => {
            let parsed = foreign_mod::parse(m)?;
            Ok((parsed.namespace.clone(), foreign_mod::to_ast(&parsed)))
        }
        _ => unreachable!(),
    }
}

/// Expands `module_manifest!(...)`; see [`manifest`].
pub fn module_manifest(input: TokenStream) -> syn::Result<TokenStream> {
    manifest::expand(input)
}
