//! Vector serialization (guest → host) and deserialization (host → guest), §2.6.
//!
//! Both generate expressions recursively from the element type; the leaves call small helpers in
//! `::marine_rs_sdk::internal`. All generated expressions must be used in an unsafe context.

use crate::parsed_type::{Scalar, Ty};
use marine_ast::PassingStyle;
use proc_macro2::TokenStream;
use quote::quote;

/// An expression of type `Vec<owned elem>` rebuilt from a `(ptr: u32, count: u32)` pair, taking
/// ownership of every buffer.
pub(crate) fn deserialize(elem: &Ty, ptr: TokenStream, count: TokenStream) -> TokenStream {
    match elem {
        Ty::Scalar(Scalar::Bool, _) => {
            quote!(::marine_rs_sdk::internal::bools_from_raw(#ptr, #count))
        }
        Ty::Scalar(s, _) => {
            let t = s.rust_type();
            quote!(::marine_rs_sdk::internal::vec_from_raw::<#t>(#ptr, #count))
        }
        Ty::Str(_) | Ty::String(_) => {
            quote!(::marine_rs_sdk::internal::strings_from_raw(#ptr, #count))
        }
        Ty::Vec(inner, _) => {
            let inner_expr = deserialize(inner, quote!(__m_ptr), quote!(__m_count));
            let inner_ty = elem.owned_type();
            quote!(
                ::marine_rs_sdk::internal::pairs_from_raw(#ptr, #count)
                    .into_iter()
                    .map(|(__m_ptr, __m_count)| #inner_expr)
                    .collect::<::std::vec::Vec<#inner_ty>>()
            )
        }
        Ty::Record(path, _, _) => {
            quote!(
                ::marine_rs_sdk::internal::vec_from_raw::<u32>(#ptr, #count)
                    .into_iter()
                    .map(|__m_ptr| <#path>::__m_generated_deserialize(__m_ptr as usize as *const u8))
                    .collect::<::std::vec::Vec<#path>>()
            )
        }
        Ty::Wire(..) => {
            let owned = elem.owned_type();
            quote!(::marine_rs_sdk::internal::wire_vec_from_raw::<#owned>(#ptr, #count))
        }
    }
}

/// Number of `*` needed to get from an element reference yielded by `iter()` to the value.
fn derefs(elem: &Ty) -> TokenStream {
    match elem.passing_style() {
        PassingStyle::ByValue => quote!(*),
        _ => quote!(**),
    }
}

/// An expression of type `(u32, u32)` = (ptr, element count) describing the vector `vec` (an
/// expression of type `&Vec<elem>`) in the wire format. Helper arrays go on the release list;
/// numeric vectors are passed in place, so `vec` must outlive the host's read.
pub(crate) fn serialize(elem: &Ty, vec: TokenStream) -> TokenStream {
    match elem {
        Ty::Scalar(Scalar::Bool, _) => {
            let d = derefs(elem);
            quote!(::marine_rs_sdk::internal::release_vec(
                (#vec).iter().map(|__m_b| (#d __m_b) as u8).collect::<::std::vec::Vec<u8>>()
            ))
        }
        Ty::Scalar(s, PassingStyle::ByValue) => {
            let t = s.rust_type();
            quote!(::marine_rs_sdk::internal::scalars_in_place::<#t>(#vec))
        }
        Ty::Scalar(s, _) => {
            let t = s.rust_type();
            quote!(::marine_rs_sdk::internal::release_vec(
                (#vec).iter().map(|__m_x| **__m_x).collect::<::std::vec::Vec<#t>>()
            ))
        }
        Ty::Str(_) | Ty::String(_) => {
            quote!(::marine_rs_sdk::internal::release_pairs(
                (#vec).iter().map(|__m_s| (__m_s.as_ptr() as usize as u32, __m_s.len() as u32))
            ))
        }
        Ty::Vec(inner, _) => {
            let inner_expr = serialize(inner, quote!(__m_v));
            quote!(::marine_rs_sdk::internal::release_pairs(
                (#vec).iter().map(|__m_v| #inner_expr)
            ))
        }
        Ty::Record(..) => {
            quote!(::marine_rs_sdk::internal::release_record_ptrs(
                (#vec).iter().map(|__m_r| __m_r.__m_generated_serialize() as usize as u32)
            ))
        }
        Ty::Wire(..) => {
            let owned = elem.owned_type();
            quote!(::marine_rs_sdk::internal::wire_vec_to_raw::<#owned>(
                (#vec).iter().map(|__m_w| ::std::borrow::Borrow::<#owned>::borrow(__m_w))
            ))
        }
    }
}
