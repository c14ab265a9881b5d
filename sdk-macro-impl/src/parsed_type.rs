//! Parsing of Rust types into the supported Marine type set.

use marine_ast::{ParsedType, PassingStyle};
use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// Short list of supported types, used in error messages.
pub(crate) const SUPPORTED: &str =
    "supported types are bool, i8, i16, i32, i64, u8, u16, u32, u64, \
f32, f64, String, &str, Vec<T> of a supported T, and #[marine] records";

/// A scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl Scalar {
    fn from_ident(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => Scalar::Bool,
            "i8" => Scalar::I8,
            "i16" => Scalar::I16,
            "i32" => Scalar::I32,
            "i64" => Scalar::I64,
            "u8" => Scalar::U8,
            "u16" => Scalar::U16,
            "u32" => Scalar::U32,
            "u64" => Scalar::U64,
            "f32" => Scalar::F32,
            "f64" => Scalar::F64,
            _ => return None,
        })
    }

    /// The Rust type.
    pub(crate) fn rust_type(self) -> TokenStream {
        match self {
            Scalar::Bool => quote!(bool),
            Scalar::I8 => quote!(i8),
            Scalar::I16 => quote!(i16),
            Scalar::I32 => quote!(i32),
            Scalar::I64 => quote!(i64),
            Scalar::U8 => quote!(u8),
            Scalar::U16 => quote!(u16),
            Scalar::U32 => quote!(u32),
            Scalar::U64 => quote!(u64),
            Scalar::F32 => quote!(f32),
            Scalar::F64 => quote!(f64),
        }
    }

    /// The type used in raw `extern "C"` signatures (bool travels as an i32).
    pub(crate) fn raw_type(self) -> TokenStream {
        match self {
            Scalar::Bool => quote!(i32),
            other => other.rust_type(),
        }
    }

    fn to_ast(self, ps: PassingStyle) -> ParsedType {
        match self {
            Scalar::Bool => ParsedType::Boolean(ps),
            Scalar::I8 => ParsedType::I8(ps),
            Scalar::I16 => ParsedType::I16(ps),
            Scalar::I32 => ParsedType::I32(ps),
            Scalar::I64 => ParsedType::I64(ps),
            Scalar::U8 => ParsedType::U8(ps),
            Scalar::U16 => ParsedType::U16(ps),
            Scalar::U32 => ParsedType::U32(ps),
            Scalar::U64 => ParsedType::U64(ps),
            Scalar::F32 => ParsedType::F32(ps),
            Scalar::F64 => ParsedType::F64(ps),
        }
    }
}

/// A supported type, with what code generation needs to know about it.
#[derive(Clone, Debug)]
pub(crate) enum Ty {
    Scalar(Scalar, PassingStyle),
    /// `str`, always behind a reference.
    Str(PassingStyle),
    String(PassingStyle),
    Vec(Box<Ty>, PassingStyle),
    /// A record: the path as written and its short name.
    Record(syn::Path, String, PassingStyle),
}

/// Where a type appears: decides which references are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    ExportArg,
    ExportOutput,
    ImportArg,
    ImportOutput,
    RecordField,
}

impl Position {
    fn ref_allowed(self, in_vec: bool) -> Result<(), &'static str> {
        match (self, in_vec) {
            (Position::ExportArg, false)
            | (Position::ExportOutput, false)
            | (Position::ImportArg, _) => Ok(()),
            (Position::ExportArg, true) | (Position::ExportOutput, true) => {
                Err("references inside a Vec are not supported in exported functions")
            }
            (Position::ImportOutput, _) => {
                Err("the output type of an imported function must not contain references")
            }
            (Position::RecordField, _) => Err("record fields must not contain references"),
        }
    }
}

impl Ty {
    /// Parses a type at a position.
    pub(crate) fn parse(ty: &Type, pos: Position) -> syn::Result<Ty> {
        parse_inner(ty, pos, false)
    }

    /// The passing style of the outer type.
    pub(crate) fn passing_style(&self) -> PassingStyle {
        match self {
            Ty::Scalar(_, p) | Ty::Str(p) | Ty::String(p) | Ty::Vec(_, p) | Ty::Record(_, _, p) => {
                *p
            }
        }
    }

    /// The metadata form.
    pub(crate) fn to_ast(&self) -> ParsedType {
        match self {
            Ty::Scalar(s, p) => s.to_ast(*p),
            Ty::Str(p) => ParsedType::Utf8Str(*p),
            Ty::String(p) => ParsedType::Utf8String(*p),
            Ty::Vec(inner, p) => ParsedType::Vector(Box::new(inner.to_ast()), *p),
            Ty::Record(_, name, p) => ParsedType::Record(name.clone(), *p),
        }
    }

    /// The owned Rust type (references dropped, `str` becomes `String`).
    pub(crate) fn owned_type(&self) -> TokenStream {
        match self {
            Ty::Scalar(s, _) => s.rust_type(),
            Ty::Str(_) | Ty::String(_) => quote!(::std::string::String),
            Ty::Vec(inner, _) => {
                let inner = inner.owned_type();
                quote!(::std::vec::Vec<#inner>)
            }
            Ty::Record(path, _, _) => quote!(#path),
        }
    }
}

fn style_of(r: &syn::TypeReference) -> PassingStyle {
    if r.mutability.is_some() {
        PassingStyle::ByMutRef
    } else {
        PassingStyle::ByRef
    }
}

fn err_spanned(tokens: &impl quote::ToTokens, msg: impl std::fmt::Display) -> syn::Error {
    syn::Error::new_spanned(tokens, msg)
}

fn parse_inner(ty: &Type, pos: Position, in_vec: bool) -> syn::Result<Ty> {
    match ty {
        Type::Group(g) => parse_inner(&g.elem, pos, in_vec),
        Type::Paren(p) => parse_inner(&p.elem, pos, in_vec),
        Type::Reference(r) => {
            if let Err(msg) = pos.ref_allowed(in_vec) {
                return Err(err_spanned(&r, msg));
            }
            let style = style_of(r);
            let elem = strip_groups(&r.elem);
            if let Type::Reference(_) = elem {
                return Err(err_spanned(&elem, "nested references are not supported"));
            }
            if let Type::Slice(_) = elem {
                return Err(err_spanned(
                    &r,
                    format!("slices are not supported, use Vec<T> instead; {SUPPORTED}"),
                ));
            }
            if is_ident(elem, "str") {
                return Ok(Ty::Str(style));
            }
            let inner = parse_value(elem, pos, in_vec)?;
            Ok(with_style(inner, style))
        }
        other => parse_value(other, pos, in_vec),
    }
}

fn strip_groups(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => strip_groups(&g.elem),
        Type::Paren(p) => strip_groups(&p.elem),
        other => other,
    }
}

fn is_ident(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p.qself.is_none() && p.path.is_ident(name),
        _ => false,
    }
}

fn with_style(ty: Ty, style: PassingStyle) -> Ty {
    match ty {
        Ty::Scalar(s, _) => Ty::Scalar(s, style),
        Ty::Str(_) => Ty::Str(style),
        Ty::String(_) => Ty::String(style),
        Ty::Vec(i, _) => Ty::Vec(i, style),
        Ty::Record(p, n, _) => Ty::Record(p, n, style),
    }
}

/// Parses a non-reference type.
fn parse_value(ty: &Type, pos: Position, in_vec: bool) -> syn::Result<Ty> {
    let by_value = PassingStyle::ByValue;
    let path = match ty {
        Type::Group(g) => return parse_value(&g.elem, pos, in_vec),
        Type::Paren(p) => return parse_value(&p.elem, pos, in_vec),
        Type::Path(p) if p.qself.is_none() => &p.path,
        Type::Path(p) => {
            return Err(err_spanned(
                &p,
                format!("qualified paths are not supported; {SUPPORTED}"),
            ))
        }
        Type::Tuple(t) if t.elems.is_empty() => {
            return Err(err_spanned(
                &t,
                "the unit type is only supported as a function result",
            ))
        }
        Type::Tuple(t) => {
            return Err(err_spanned(
                &t,
                format!("tuples are not supported; {SUPPORTED}"),
            ))
        }
        Type::Array(a) => {
            return Err(err_spanned(
                &a,
                format!("arrays are not supported, use Vec<T> instead; {SUPPORTED}"),
            ))
        }
        Type::Slice(s) => {
            return Err(err_spanned(
                &s,
                format!("slices are not supported, use Vec<T> instead; {SUPPORTED}"),
            ))
        }
        Type::ImplTrait(i) => {
            return Err(err_spanned(
                &i,
                format!("`impl Trait` is not supported; {SUPPORTED}"),
            ))
        }
        Type::TraitObject(t) => {
            return Err(err_spanned(
                &t,
                format!("trait objects are not supported; {SUPPORTED}"),
            ))
        }
        Type::Ptr(p) => {
            return Err(err_spanned(
                &p,
                format!("raw pointers are not supported; {SUPPORTED}"),
            ))
        }
        Type::BareFn(f) => {
            return Err(err_spanned(
                &f,
                format!("function pointers are not supported; {SUPPORTED}"),
            ))
        }
        Type::Never(n) => {
            return Err(err_spanned(
                &n,
                format!("`!` is not supported; {SUPPORTED}"),
            ))
        }
        Type::Reference(r) => return parse_inner(&Type::Reference(r.clone()), pos, in_vec),
        other => {
            return Err(err_spanned(
                &other,
                format!("this type is not supported; {SUPPORTED}"),
            ))
        }
    };
    let last = path
        .segments
        .last()
        .ok_or_else(|| err_spanned(&path, "empty type path"))?;
    let name = last.ident.to_string();
    let single = path.segments.len() == 1 && path.leading_colon.is_none();

    if let Some(scalar) = Scalar::from_ident(&name) {
        no_args(last)?;
        return Ok(Ty::Scalar(scalar, by_value));
    }
    match name.as_str() {
        "String" => {
            no_args(last)?;
            return Ok(Ty::String(by_value));
        }
        "str" => {
            return Err(err_spanned(
                &last.ident,
                "`str` is only supported behind a reference (`&str`)",
            ))
        }
        "Vec" => {
            let inner = single_type_arg(last)?;
            let inner = parse_inner(inner, pos, true)?;
            return Ok(Ty::Vec(Box::new(inner), by_value));
        }
        "usize" | "isize" | "char" | "i128" | "u128" if single => {
            return Err(err_spanned(
                &last.ident,
                format!("type `{name}` is not supported; {SUPPORTED}"),
            ))
        }
        "Option" | "Result" | "Box" | "HashMap" | "BTreeMap" | "HashSet" | "Rc" | "Arc" => {
            return Err(err_spanned(
                &path,
                format!("`{name}` is not supported; {SUPPORTED}"),
            ))
        }
        "Self" => {
            return Err(err_spanned(
                &last.ident,
                format!("`Self` is not supported, name the record type instead; {SUPPORTED}"),
            ))
        }
        _ => {}
    }
    for seg in &path.segments {
        if !seg.arguments.is_none() {
            return Err(err_spanned(
                &seg.arguments,
                format!("generic types are not supported; {SUPPORTED}"),
            ));
        }
    }
    Ok(Ty::Record(path.clone(), name, by_value))
}

fn no_args(seg: &syn::PathSegment) -> syn::Result<()> {
    if seg.arguments.is_none() {
        Ok(())
    } else {
        Err(err_spanned(&seg.arguments, "unexpected generic arguments"))
    }
}

fn single_type_arg(seg: &syn::PathSegment) -> syn::Result<&Type> {
    if let PathArguments::AngleBracketed(args) = &seg.arguments {
        if args.args.len() == 1 {
            if let GenericArgument::Type(t) = &args.args[0] {
                return Ok(t);
            }
        }
    }
    Err(err_spanned(
        &seg,
        "`Vec` must have exactly one type argument, as in Vec<u8>",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ast(ty: &str, pos: Position) -> Result<ParsedType, String> {
        let ty: Type = syn::parse_str(ty).unwrap();
        Ty::parse(&ty, pos)
            .map(|t| t.to_ast())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_supported_types() {
        use PassingStyle::*;
        assert_eq!(
            ast("i32", Position::ExportArg),
            Ok(ParsedType::I32(ByValue))
        );
        assert_eq!(
            ast("&str", Position::ExportArg),
            Ok(ParsedType::Utf8Str(ByRef))
        );
        assert_eq!(
            ast("&mut String", Position::ExportArg),
            Ok(ParsedType::Utf8String(ByMutRef))
        );
        assert_eq!(
            ast("&Vec<String>", Position::ExportArg),
            Ok(ParsedType::Vector(
                Box::new(ParsedType::Utf8String(ByValue)),
                ByRef
            ))
        );
        assert_eq!(
            ast("crate::a::Rec", Position::RecordField),
            Ok(ParsedType::Record("Rec".into(), ByValue))
        );
        assert_eq!(
            ast("Vec<&str>", Position::ImportArg),
            Ok(ParsedType::Vector(
                Box::new(ParsedType::Utf8Str(ByRef)),
                ByValue
            ))
        );
    }

    #[test]
    fn rejects_unsupported_types() {
        for (ty, pos) in [
            ("usize", Position::ExportArg),
            ("char", Position::ExportArg),
            ("Option<i32>", Position::ExportArg),
            ("(i32, i32)", Position::ExportArg),
            ("&[u8]", Position::ExportArg),
            ("[u8; 4]", Position::ExportArg),
            ("Vec<&String>", Position::ExportArg),
            ("&String", Position::RecordField),
            ("&String", Position::ImportOutput),
            ("Foo<u8>", Position::ExportArg),
            ("str", Position::ExportArg),
        ] {
            assert!(ast(ty, pos).is_err(), "{ty} should be rejected");
        }
    }
}
