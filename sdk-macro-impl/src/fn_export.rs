//! `#[marine]` on a function: parsing and the export wrapper (§2).

use crate::parsed_type::{Position, Scalar, Ty};
use crate::{section, vector};
use marine_ast::{FnArgument, FnSignature, FnSignatureAst, PassingStyle, SDKAst};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A parsed function signature (shared by exports and imports).
pub(crate) struct ParsedSignature {
    pub name: syn::Ident,
    /// (metadata name, type) per argument.
    pub args: Vec<(String, Ty)>,
    pub output: Option<Ty>,
}

impl ParsedSignature {
    /// The metadata form.
    pub(crate) fn to_ast(&self) -> FnSignature {
        FnSignature {
            name: self.name.to_string(),
            arguments: self
                .args
                .iter()
                .map(|(name, ty)| FnArgument {
                    name: name.clone(),
                    ty: ty.to_ast(),
                })
                .collect(),
            output_types: self.output.iter().map(Ty::to_ast).collect(),
        }
    }
}

/// The argument name as recorded in metadata: the last identifier of the pattern.
pub(crate) fn pat_name(pat: &syn::Pat) -> syn::Result<String> {
    match pat {
        syn::Pat::Ident(i) if i.subpat.is_none() => Ok(i.ident.to_string()),
        syn::Pat::Wild(_) => Ok("_".to_string()),
        other => Err(syn::Error::new_spanned(
            other,
            "only identifier patterns (`name: Type`) are supported in #[marine] functions",
        )),
    }
}

/// Parses and checks a signature; `arg_pos`/`out_pos` select the reference rules.
pub(crate) fn parse_signature(
    sig: &syn::Signature,
    arg_pos: Position,
    out_pos: Position,
) -> syn::Result<ParsedSignature> {
    let what = if arg_pos == Position::ExportArg {
        "#[marine] functions"
    } else {
        "imported functions"
    };
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new_spanned(
            c,
            format!("const {what} are not supported"),
        ));
    }
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new_spanned(
            a,
            format!("async {what} are not supported"),
        ));
    }
    if arg_pos == Position::ExportArg {
        if let Some(u) = &sig.unsafety {
            return Err(syn::Error::new_spanned(
                u,
                format!("unsafe {what} are not supported"),
            ));
        }
        if let Some(abi) = &sig.abi {
            return Err(syn::Error::new_spanned(
                abi,
                format!("{what} must not specify an ABI (`extern \"...\"`)"),
            ));
        }
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            v,
            format!("variadic {what} are not supported"),
        ));
    }
    for param in &sig.generics.params {
        if !matches!(param, syn::GenericParam::Lifetime(_)) {
            return Err(syn::Error::new_spanned(
                param,
                format!("generic {what} are not supported"),
            ));
        }
    }
    if let Some(w) = &sig.generics.where_clause {
        return Err(syn::Error::new_spanned(
            w,
            format!("where clauses are not supported in {what}"),
        ));
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => {
                return Err(syn::Error::new_spanned(
                    r,
                    format!("`self` arguments are not supported in {what}; use a free function"),
                ))
            }
            syn::FnArg::Typed(t) => {
                let name = pat_name(&t.pat)?;
                args.push((name, Ty::parse(&t.ty, arg_pos)?));
            }
        }
    }
    let output = match &sig.output {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(t) if t.elems.is_empty() => None,
            ty => Some(Ty::parse(ty, out_pos)?),
        },
    };
    Ok(ParsedSignature {
        name: sig.ident.clone(),
        args,
        output,
    })
}

/// Expands `#[marine]` on a function.
pub(crate) fn expand(item: syn::ItemFn) -> syn::Result<TokenStream> {
    let sig = parse_signature(&item.sig, Position::ExportArg, Position::ExportOutput)?;
    let ast = SDKAst::Function(FnSignatureAst {
        signature: sig.to_ast(),
    });
    let section = section::emit(&sig.name.to_string(), &ast, true);
    let wrapper = wrapper(&sig);
    Ok(quote! {
        #item
        #wrapper
        #section
    })
}

/// Generates the raw export `__m_generated_wrapper_func_<name>`.
fn wrapper(sig: &ParsedSignature) -> TokenStream {
    let name = &sig.name;
    let export_name = name.to_string();
    let wrapper_name = format_ident!("__m_generated_wrapper_func_{}", name);

    let mut raw_params = Vec::new();
    let mut prolog = Vec::new();
    let mut call_args = Vec::new();
    let mut raw_index = 0usize;
    let mut by_ref_args = Vec::new();
    for (i, (_, ty)) in sig.args.iter().enumerate() {
        let converted = format_ident!("converted_arg_{}", i);
        let a = format_ident!("arg_{}", raw_index);
        let (conversion, width) = match ty {
            Ty::Scalar(s, _) => {
                let raw = s.raw_type();
                raw_params.push(quote!(#a: #raw));
                if *s == Scalar::Bool {
                    (quote!(#a != 0), 1)
                } else {
                    (quote!(#a), 1)
                }
            }
            Ty::Str(_) | Ty::String(_) | Ty::Vec(..) => {
                let b = format_ident!("arg_{}", raw_index + 1);
                raw_params.push(quote!(#a: u32));
                raw_params.push(quote!(#b: u32));
                let expr = match ty {
                    Ty::Vec(elem, _) => vector::deserialize(elem, quote!(#a), quote!(#b)),
                    _ => quote!(::marine_rs_sdk::internal::string_from_raw(#a, #b)),
                };
                (expr, 2)
            }
            Ty::Record(path, _, _) => {
                raw_params.push(quote!(#a: u32));
                (
                    quote!(<#path>::__m_generated_deserialize(#a as usize as *const u8)),
                    1,
                )
            }
            Ty::Wire(..) => {
                let owned = ty.owned_type();
                raw_params.push(quote!(#a: u32));
                (
                    quote!(::marine_rs_sdk::internal::wire_from_ptr::<#owned>(#a)),
                    1,
                )
            }
        };
        raw_index += width;
        let mutability = if ty.passing_style() == PassingStyle::ByMutRef {
            quote!(mut)
        } else {
            quote!()
        };
        prolog.push(quote!(let #mutability #converted = #conversion;));
        call_args.push(match ty.passing_style() {
            PassingStyle::ByValue => quote!(#converted),
            PassingStyle::ByRef => quote!(&#converted),
            PassingStyle::ByMutRef => quote!(&mut #converted),
        });
        if ty.passing_style() != PassingStyle::ByValue {
            by_ref_args.push(converted);
        }
    }

    let call = quote!(let result = #name(#(#call_args),*););
    let (ret_ty, epilog) = match &sig.output {
        None => (quote!(), quote!()),
        Some(Ty::Scalar(s, style)) => {
            let raw = s.raw_type();
            let value = if *style == PassingStyle::ByValue {
                quote!(result)
            } else {
                quote!(*result)
            };
            let value = if *s == Scalar::Bool {
                quote!(#value as i32)
            } else {
                value
            };
            (quote!(-> #raw), quote!(return #value;))
        }
        Some(ty) => {
            let set = match ty {
                Ty::Str(_) | Ty::String(_) => quote! {
                    ::marine_rs_sdk::internal::set_result_ptr(result.as_ptr() as usize as u32);
                    ::marine_rs_sdk::internal::set_result_size(result.len() as u32);
                },
                Ty::Vec(elem, _) => {
                    let ser = vector::serialize(elem, quote!(&result));
                    quote! {
                        let (result_ptr, result_count) = #ser;
                        ::marine_rs_sdk::internal::set_result_ptr(result_ptr);
                        ::marine_rs_sdk::internal::set_result_size(result_count);
                    }
                }
                Ty::Record(..) => quote! {
                    let result_ptr = result.__m_generated_serialize();
                    ::marine_rs_sdk::internal::set_result_ptr(result_ptr as usize as u32);
                },
                Ty::Wire(..) => {
                    let owned = ty.owned_type();
                    quote! {
                        let result_ptr = ::marine_rs_sdk::internal::wire_to_ptr::<#owned>(
                            ::std::borrow::Borrow::<#owned>::borrow(&result),
                        );
                        ::marine_rs_sdk::internal::set_result_ptr(result_ptr);
                    }
                }
                Ty::Scalar(..) => unreachable!(),
            };
            let keep = if ty.passing_style() == PassingStyle::ByValue {
                quote!(::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(result));)
            } else {
                quote!(#(::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(#by_ref_args));)*)
            };
            (quote!(), quote!(#set #keep))
        }
    };

    quote! {
        #[cfg(target_arch = "wasm32")]
        #[unsafe(export_name = #export_name)]
        #[doc(hidden)]
        #[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
        pub unsafe extern "C" fn #wrapper_name(#(#raw_params),*) #ret_ty {
            unsafe {
                #(#prolog)*
                #call
                #epilog
            }
        }
    }
}
