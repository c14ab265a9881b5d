//! `#[marine]` on an enum (extension, `docs/abi-extensions.md`): the metadata document and the
//! tagged block (a u32 discriminant, then the variant's fields packed) in both directions.

use crate::parsed_type::{Position, Ty};
use crate::{record, section};
use marine_ast::{EnumAst, EnumVariantAst, RecordField, RecordFields, SDKAst};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The shape of one variant.
pub(crate) enum Shape {
    Unit,
    Tuple,
    Struct,
}

/// One parsed variant: its name, shape and field (name, type) pairs.
pub(crate) struct Variant {
    pub ident: syn::Ident,
    pub shape: Shape,
    pub fields: Vec<(Option<syn::Ident>, Ty)>,
}

/// Parses an enum declaration.
pub(crate) fn parse(item: &syn::ItemEnum) -> syn::Result<Vec<Variant>> {
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "generics and lifetimes are not supported on #[marine] enums",
        ));
    }
    if item.variants.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "#[marine] enums must have at least one variant",
        ));
    }
    item.variants
        .iter()
        .map(|v| {
            if let Some((_, expr)) = &v.discriminant {
                return Err(syn::Error::new_spanned(
                    expr,
                    "explicit discriminants are not supported: a variant's wire discriminant is its position",
                ));
            }
            let (shape, fields) = match &v.fields {
                syn::Fields::Unit => (Shape::Unit, Vec::new()),
                syn::Fields::Unnamed(u) => (Shape::Tuple, u.unnamed.iter().collect()),
                syn::Fields::Named(n) => (Shape::Struct, n.named.iter().collect()),
            };
            let fields = fields
                .into_iter()
                .map(|f| Ok((f.ident.clone(), Ty::parse(&f.ty, Position::RecordField)?)))
                .collect::<syn::Result<Vec<_>>>()?;
            Ok(Variant {
                ident: v.ident.clone(),
                shape,
                fields,
            })
        })
        .collect()
}

/// The metadata document.
pub(crate) fn to_ast(name: &syn::Ident, variants: &[Variant]) -> SDKAst {
    SDKAst::Enum(EnumAst {
        name: name.to_string(),
        variants: variants
            .iter()
            .map(|v| {
                let fields = v
                    .fields
                    .iter()
                    .map(|(n, ty)| RecordField {
                        name: n.as_ref().map(|n| n.to_string()),
                        ty: ty.to_ast(),
                    })
                    .collect();
                EnumVariantAst {
                    name: v.ident.to_string(),
                    fields: match v.shape {
                        Shape::Unit => RecordFields::Unit,
                        Shape::Tuple => RecordFields::Unnamed(fields),
                        Shape::Struct => RecordFields::Named(fields),
                    },
                }
            })
            .collect(),
    })
}

/// Expands `#[marine]` on an enum.
pub(crate) fn expand(item: syn::ItemEnum) -> syn::Result<TokenStream> {
    let variants = parse(&item)?;
    let name = &item.ident;
    let section = section::emit(&name.to_string(), &to_ast(name, &variants), true);
    let wire = record::wire_impl(name);
    let wire_trait = quote!(::marine_rs_sdk::internal::Wire);

    let mut write_arms = Vec::new();
    let mut read_arms = Vec::new();
    for (index, v) in variants.iter().enumerate() {
        let ident = &v.ident;
        let discriminant = index as u32;
        let binds: Vec<syn::Ident> = (0..v.fields.len())
            .map(|i| format_ident!("__m_f{}", i))
            .collect();
        let owned: Vec<TokenStream> = v.fields.iter().map(|(_, ty)| ty.owned_type()).collect();
        let pattern = match v.shape {
            Shape::Unit => quote!(Self::#ident),
            Shape::Tuple => quote!(Self::#ident(#(#binds),*)),
            Shape::Struct => {
                let names = v
                    .fields
                    .iter()
                    .map(|(n, _)| n.as_ref().expect("named field"));
                quote!(Self::#ident { #(#names: #binds),* })
            }
        };
        write_arms.push(quote! {
            #pattern => {
                let mut raw: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(
                    4usize #(+ <#owned as #wire_trait>::SIZE)*
                );
                raw.extend_from_slice(&#discriminant.to_le_bytes());
                #(<#owned as #wire_trait>::write(#binds, &mut raw);)*
                raw
            }
        });
        read_arms.push(quote! {
            #discriminant => {
                let size = 4usize #(+ <#owned as #wire_trait>::SIZE)*;
                let raw = ::marine_rs_sdk::internal::record_bytes(ptr, size);
                let mut offset = 4usize;
                #(
                    let #binds = <#owned as #wire_trait>::read(&raw[offset..]);
                    offset += <#owned as #wire_trait>::SIZE;
                )*
                let _ = offset;
                #pattern
            }
        });
    }
    let enum_name = name.to_string();
    Ok(quote! {
        #item

        impl #name {
            /// Writes the enum's tagged block (`docs/abi-extensions.md`) in one buffer of the
            /// variant's size; the block goes on the release list.
            #[doc(hidden)]
            #[allow(clippy::all, unused_unsafe)]
            pub fn __m_generated_serialize(&self) -> *const u8 {
                let raw: ::std::vec::Vec<u8> = match self {
                    #(#write_arms)*
                };
                let result = raw.as_ptr();
                ::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(raw));
                result
            }

            /// Reads a tagged block written by the host, taking ownership of its buffers.
            ///
            /// # Safety
            /// `ptr` must point to a host-allocated block of this enum.
            #[doc(hidden)]
            #[allow(clippy::all, unused_unsafe, unused_variables, unused_mut)]
            pub unsafe fn __m_generated_deserialize(ptr: *const u8) -> Self {
                unsafe {
                    match ::marine_rs_sdk::internal::block_discriminant(ptr as usize as u32) {
                        #(#read_arms)*
                        other => panic!("enum {}: invalid discriminant {}", #enum_name, other),
                    }
                }
            }
        }

        #wire

        #section
    })
}
