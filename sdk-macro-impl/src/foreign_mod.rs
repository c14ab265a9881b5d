//! `#[marine]` on an extern block: imports from other modules or the host (§3).

use crate::fn_export::{parse_signature, ParsedSignature};
use crate::parsed_type::{Position, Scalar, Ty};
use crate::{section, vector};
use marine_ast::{is_host_namespace, ExternFnType, ExternModAst, HostApi, PassingStyle, SDKAst};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Namespace of `#[host_import]` blocks.
pub const HOST_IMPORT_NAMESPACE: &str = HostApi::CURRENT.namespace();

/// One imported function.
pub(crate) struct ImportFn {
    pub item: syn::ForeignItemFn,
    pub sig: ParsedSignature,
    pub link_name: Option<String>,
}

/// A parsed extern block.
pub(crate) struct ParsedForeignMod {
    pub namespace: String,
    pub fns: Vec<ImportFn>,
}

fn namespace_of(item: &syn::ItemForeignMod) -> syn::Result<String> {
    let mut found: Option<String> = None;
    let mut set = |ns: String, attr: &syn::Attribute| -> syn::Result<()> {
        if found.is_some() {
            return Err(syn::Error::new_spanned(
                attr,
                "only one of #[module_import(\"...\")], #[host_import] or \
                 #[link(wasm_import_module = \"...\")] may be given",
            ));
        }
        found = Some(ns);
        Ok(())
    };
    for attr in &item.attrs {
        let path = attr.path();
        if path.is_ident("module_import") {
            let lit: syn::LitStr = attr.parse_args().map_err(|e| {
                syn::Error::new(e.span(), "expected #[module_import(\"module_name\")]")
            })?;
            if lit.value().is_empty() {
                return Err(syn::Error::new_spanned(
                    &lit,
                    "the module name must not be empty",
                ));
            }
            set(lit.value(), attr)?;
        } else if path.is_ident("host_import") {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                return Err(syn::Error::new_spanned(
                    attr,
                    "#[host_import] takes no arguments",
                ));
            }
            set(HOST_IMPORT_NAMESPACE.to_string(), attr)?;
        } else if path.is_ident("link") {
            let mut ns = None;
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("wasm_import_module") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    ns = Some(lit.value());
                    Ok(())
                } else {
                    Err(meta.error("only `wasm_import_module` is supported in #[link] here"))
                }
            })?;
            match ns {
                Some(ns) => set(ns, attr)?,
                None => {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "expected #[link(wasm_import_module = \"module_name\")]",
                    ))
                }
            }
        }
    }
    found.ok_or_else(|| {
        syn::Error::new_spanned(
            &item.abi,
            "a #[marine] extern block needs #[module_import(\"module_name\")] or #[host_import] \
             (or the old #[link(wasm_import_module = \"module_name\")])",
        )
    })
}

/// Parses an extern block.
pub(crate) fn parse(item: &syn::ItemForeignMod) -> syn::Result<ParsedForeignMod> {
    if let Some(name) = &item.abi.name {
        if name.value() != "C" {
            return Err(syn::Error::new_spanned(
                name,
                "only extern \"C\" blocks are supported by #[marine]",
            ));
        }
    }
    let namespace = namespace_of(item)?;
    let mut fns = Vec::new();
    for foreign in &item.items {
        let f = match foreign {
            syn::ForeignItem::Fn(f) => f,
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "only functions are supported in #[marine] extern blocks",
                ))
            }
        };
        let mut link_name = None;
        for attr in &f.attrs {
            if attr.path().is_ident("link_name") {
                match &attr.meta {
                    syn::Meta::NameValue(nv) => match &nv.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => link_name = Some(s.value()),
                        other => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "expected #[link_name = \"name\"]",
                            ))
                        }
                    },
                    _ => {
                        return Err(syn::Error::new_spanned(
                            attr,
                            "expected #[link_name = \"name\"]",
                        ))
                    }
                }
            }
        }
        let sig = parse_signature(&f.sig, Position::ImportArg, Position::ImportOutput)?;
        fns.push(ImportFn {
            item: f.clone(),
            sig,
            link_name,
        });
    }
    Ok(ParsedForeignMod { namespace, fns })
}

/// The metadata of an extern block.
pub(crate) fn to_ast(parsed: &ParsedForeignMod) -> SDKAst {
    SDKAst::ExternMod(ExternModAst {
        namespace: parsed.namespace.clone(),
        imports: parsed
            .fns
            .iter()
            .map(|f| ExternFnType {
                link_name: f.link_name.clone(),
                signature: f.sig.to_ast(),
            })
            .collect(),
    })
}

/// Expands `#[marine]` on an extern block.
pub(crate) fn expand(item: syn::ItemForeignMod) -> syn::Result<TokenStream> {
    let parsed = parse(&item)?;
    let section = section::emit(&parsed.namespace, &to_ast(&parsed), false);
    let wrappers = parsed.fns.iter().map(|f| wrapper(&parsed.namespace, f));
    Ok(quote! {
        #(#wrappers)*
        #section
    })
}

/// The Rust-facing wrapper for one import (wasm), and a panicking stand-in (host).
fn wrapper(namespace: &str, f: &ImportFn) -> TokenStream {
    let attrs: Vec<_> = f
        .item
        .attrs
        .iter()
        .filter(|a| !a.path().is_ident("link_name"))
        .collect();
    let vis = &f.item.vis;
    let rust_sig = &f.item.sig;
    let name = &rust_sig.ident;
    let import_name = f.link_name.clone().unwrap_or_else(|| name.to_string());
    let generics = &rust_sig.generics;
    let output = &rust_sig.output;

    // The wrapper's own parameter names: the user's, `_` replaced.
    let mut params = Vec::new();
    let mut arg_idents = Vec::new();
    for (i, input) in rust_sig.inputs.iter().enumerate() {
        if let syn::FnArg::Typed(t) = input {
            let ident = match &*t.pat {
                syn::Pat::Ident(p) => p.ident.clone(),
                _ => format_ident!("__m_arg_{}", i),
            };
            let ty = &t.ty;
            params.push(quote!(#ident: #ty));
            arg_idents.push(ident);
        }
    }

    let mut raw_params = Vec::new();
    let mut prolog = Vec::new();
    let mut raw_args = Vec::new();
    let mut raw_index = 0usize;
    for (ident, (_, ty)) in arg_idents.iter().zip(&f.sig.args) {
        // Raw locals are prefixed so they never shadow a user parameter not yet serialized.
        let a = format_ident!("__m_raw_{}", raw_index);
        let decl_a = format_ident!("arg_{}", raw_index);
        match ty {
            Ty::Scalar(s, style) => {
                let raw = s.raw_type();
                raw_params.push(quote!(#decl_a: #raw));
                let v = if *style == PassingStyle::ByValue {
                    quote!(#ident)
                } else {
                    quote!(*#ident)
                };
                raw_args.push(if *s == Scalar::Bool {
                    quote!(#v as i32)
                } else {
                    v
                });
                raw_index += 1;
            }
            Ty::Str(_) | Ty::String(_) | Ty::Vec(..) => {
                let b = format_ident!("__m_raw_{}", raw_index + 1);
                let decl_b = format_ident!("arg_{}", raw_index + 1);
                raw_params.push(quote!(#decl_a: u32));
                raw_params.push(quote!(#decl_b: u32));
                let expr = match ty {
                    Ty::Vec(elem, _) => vector::serialize(elem, quote!(&#ident)),
                    _ => quote!((#ident.as_ptr() as usize as u32, #ident.len() as u32)),
                };
                prolog.push(quote!(let (#a, #b) = #expr;));
                raw_args.push(quote!(#a));
                raw_args.push(quote!(#b));
                raw_index += 2;
            }
            Ty::Record(..) => {
                raw_params.push(quote!(#decl_a: u32));
                prolog.push(quote!(let #a = #ident.__m_generated_serialize() as usize as u32;));
                raw_args.push(quote!(#a));
                raw_index += 1;
            }
            Ty::Wire(..) => {
                let owned = ty.owned_type();
                raw_params.push(quote!(#decl_a: u32));
                prolog.push(quote!(
                    let #a = ::marine_rs_sdk::internal::wire_to_ptr::<#owned>(
                        ::std::borrow::Borrow::<#owned>::borrow(&#ident),
                    );
                ));
                raw_args.push(quote!(#a));
                raw_index += 1;
            }
        }
    }

    let (raw_ret, epilog) = match &f.sig.output {
        None => (quote!(), quote!(__m_result)),
        Some(Ty::Scalar(s, _)) => {
            let raw = s.raw_type();
            let e = if *s == Scalar::Bool {
                quote!(__m_result != 0)
            } else {
                quote!(__m_result)
            };
            (quote!(-> #raw), e)
        }
        Some(ty) => {
            let ptr = quote!(::marine_rs_sdk::internal::get_result_ptr());
            let size = quote!(::marine_rs_sdk::internal::get_result_size());
            let e = match ty {
                Ty::Str(_) | Ty::String(_) => {
                    quote!(::marine_rs_sdk::internal::string_from_raw(#ptr, #size))
                }
                Ty::Vec(elem, _) => vector::deserialize(elem, ptr, size),
                Ty::Record(path, _, _) => {
                    quote!(<#path>::__m_generated_deserialize(#ptr as usize as *const u8))
                }
                Ty::Wire(..) => {
                    let owned = ty.owned_type();
                    quote!(::marine_rs_sdk::internal::wire_from_ptr::<#owned>(#ptr))
                }
                Ty::Scalar(..) => unreachable!(),
            };
            (quote!(), e)
        }
    };

    let origin = if is_host_namespace(namespace) {
        "a host import".to_string()
    } else {
        format!("an import from the Marine module `{namespace}`")
    };
    let host_msg = format!(
        "`{name}` is {origin}; it can only be called in a wasm32 module running in a Marine runtime"
    );
    quote! {
        #(#attrs)*
        #[cfg(target_arch = "wasm32")]
        #[allow(clippy::all, unused_unsafe, unused_variables)]
        #vis fn #name #generics (#(#params),*) #output {
            #[link(wasm_import_module = #namespace)]
            unsafe extern "C" {
                #[link_name = #import_name]
                fn __m_generated_import(#(#raw_params),*) #raw_ret;
            }
            unsafe {
                #(#prolog)*
                let __m_result = __m_generated_import(#(#raw_args),*);
                #epilog
            }
        }

        #(#attrs)*
        #[cfg(not(target_arch = "wasm32"))]
        #[allow(clippy::all, unused_variables)]
        #vis fn #name #generics (#(#params),*) #output {
            unimplemented!(#host_msg)
        }
    }
}
