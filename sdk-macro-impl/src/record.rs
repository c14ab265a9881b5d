//! `#[marine]` on a struct: parsing and the packed record serializer/deserializer (§2.5).

use crate::parsed_type::{Position, Scalar, Ty};
use crate::{section, vector};
use marine_ast::{RecordAst, RecordField, RecordFields, SDKAst};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A parsed record field.
pub(crate) struct Field {
    pub ident: syn::Ident,
    pub ty: Ty,
}

/// Size of a field in the packed layout (§2.5), from the ABI core.
pub(crate) fn field_size(ty: &Ty) -> usize {
    marine_ast::abi::parsed_wire_size(&ty.to_ast()) as usize
}

/// Parses a record declaration.
pub(crate) fn parse(item: &syn::ItemStruct) -> syn::Result<Vec<Field>> {
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "generics and lifetimes are not supported on #[marine] records",
        ));
    }
    let named = match &item.fields {
        syn::Fields::Named(named) => named,
        syn::Fields::Unnamed(u) => return Err(syn::Error::new_spanned(
            u,
            "tuple structs are not supported, only named fields are allowed in #[marine] records",
        )),
        syn::Fields::Unit => return Err(syn::Error::new_spanned(
            &item.ident,
            "unit structs are not supported, only named fields are allowed in #[marine] records",
        )),
    };
    if named.named.is_empty() {
        return Err(syn::Error::new_spanned(
            named,
            "#[marine] records must have at least one field",
        ));
    }
    named
        .named
        .iter()
        .map(|f| {
            Ok(Field {
                ident: f.ident.clone().expect("named field"),
                ty: Ty::parse(&f.ty, Position::RecordField)?,
            })
        })
        .collect()
}

/// Expands `#[marine]` on a struct.
pub(crate) fn expand(item: syn::ItemStruct) -> syn::Result<TokenStream> {
    let fields = parse(&item)?;
    let name = &item.ident;
    let ast = SDKAst::Record(RecordAst {
        name: name.to_string(),
        fields: RecordFields::Named(
            fields
                .iter()
                .map(|f| RecordField {
                    name: Some(f.ident.to_string()),
                    ty: f.ty.to_ast(),
                })
                .collect(),
        ),
    });
    let section = section::emit(&name.to_string(), &ast, true);
    let serializer = serializer(&fields);
    let deserializer = deserializer(&fields);
    let wire = wire_impl(name);
    Ok(quote! {
        #item

        impl #name {
            #serializer
            #deserializer
        }

        #wire

        #section
    })
}

/// `Wire` for a record or an enum: its inline form is the pointer to its block, so it can
/// stand inside `Option`, `Result`, tuples and enum payloads.
pub(crate) fn wire_impl(name: &syn::Ident) -> TokenStream {
    quote! {
        impl ::marine_rs_sdk::internal::Wire for #name {
            const SIZE: usize = 4;
            const TAG: u8 = 3;
            fn write(&self, out: &mut ::std::vec::Vec<u8>) {
                let ptr = self.__m_generated_serialize() as usize as u32;
                out.extend_from_slice(&ptr.to_le_bytes());
            }
            unsafe fn read(raw: &[u8]) -> Self {
                unsafe {
                    Self::__m_generated_deserialize(
                        ::marine_rs_sdk::internal::read_le::<u32>(raw, 0) as usize as *const u8,
                    )
                }
            }
        }
    }
}

fn serializer(fields: &[Field]) -> TokenStream {
    let size: usize = fields.iter().map(|f| field_size(&f.ty)).sum();
    let writes = fields.iter().map(|f| {
        let id = &f.ident;
        match &f.ty {
            Ty::Scalar(Scalar::Bool, _) => quote! {
                raw_record.push(self.#id as u8);
            },
            Ty::Scalar(..) => quote! {
                raw_record.extend_from_slice(&self.#id.to_le_bytes());
            },
            Ty::Str(_) | Ty::String(_) => quote! {
                raw_record.extend_from_slice(&(self.#id.as_ptr() as usize as u32).to_le_bytes());
                raw_record.extend_from_slice(&(self.#id.len() as u32).to_le_bytes());
            },
            Ty::Vec(elem, _) => {
                let ser = vector::serialize(elem, quote!(&self.#id));
                quote! {
                    let (field_ptr, field_count) = #ser;
                    raw_record.extend_from_slice(&field_ptr.to_le_bytes());
                    raw_record.extend_from_slice(&field_count.to_le_bytes());
                }
            }
            Ty::Record(..) => quote! {
                let field_ptr = self.#id.__m_generated_serialize() as usize as u32;
                raw_record.extend_from_slice(&field_ptr.to_le_bytes());
            },
            Ty::Wire(..) => {
                let owned = f.ty.owned_type();
                quote! {
                    <#owned as ::marine_rs_sdk::internal::Wire>::write(&self.#id, &mut raw_record);
                }
            }
        }
    });
    quote! {
        /// Writes the record in the packed Marine layout; the buffer goes on the release list.
        #[doc(hidden)]
        #[allow(clippy::all, unused_unsafe)]
        pub fn __m_generated_serialize(&self) -> *const u8 {
            let mut raw_record: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(#size);
            unsafe {
                #(#writes)*
            }
            let result = raw_record.as_ptr();
            ::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(raw_record));
            result
        }
    }
}

fn deserializer(fields: &[Field]) -> TokenStream {
    let size: usize = fields.iter().map(|f| field_size(&f.ty)).sum();
    let mut offset = 0usize;
    let mut reads = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let id = format_ident!("field_{}", i);
        let read = match &f.ty {
            Ty::Scalar(Scalar::Bool, _) => quote!(raw_record[#offset] != 0),
            Ty::Scalar(s, _) => {
                let t = s.rust_type();
                quote!(::marine_rs_sdk::internal::read_le::<#t>(&raw_record, #offset))
            }
            Ty::Str(_) | Ty::String(_) | Ty::Vec(..) => {
                let second = offset + 4;
                let ptr = quote!(::marine_rs_sdk::internal::read_le::<u32>(&raw_record, #offset));
                let count = quote!(::marine_rs_sdk::internal::read_le::<u32>(&raw_record, #second));
                match &f.ty {
                    Ty::Vec(elem, _) => vector::deserialize(elem, ptr, count),
                    _ => quote!(::marine_rs_sdk::internal::string_from_raw(#ptr, #count)),
                }
            }
            Ty::Record(path, _, _) => quote! {
                <#path>::__m_generated_deserialize(
                    ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, #offset) as usize as *const u8
                )
            },
            Ty::Wire(..) => {
                let owned = f.ty.owned_type();
                quote!(<#owned as ::marine_rs_sdk::internal::Wire>::read(&raw_record[#offset..]))
            }
        };
        offset += field_size(&f.ty);
        reads.push(quote!(let #id = #read;));
    }
    let inits = fields.iter().enumerate().map(|(i, f)| {
        let id = format_ident!("field_{}", i);
        let name = &f.ident;
        quote!(#name: #id)
    });
    quote! {
        /// Reads a packed Marine record written by the host, taking ownership of its buffers.
        ///
        /// # Safety
        /// `record_ptr` must point to a host-allocated packed record of this type.
        #[doc(hidden)]
        #[allow(clippy::all, unused_unsafe)]
        pub unsafe fn __m_generated_deserialize(record_ptr: *const u8) -> Self {
            unsafe {
                let raw_record: ::std::vec::Vec<u8> =
                    ::marine_rs_sdk::internal::record_bytes(record_ptr, #size);
                #(#reads)*
                Self {
                    #(#inits),*
                }
            }
        }
    }
}
