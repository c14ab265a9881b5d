//! Parsing of Rust types into the supported Marine type set.

use marine_ast::{ParsedType, PassingStyle};
use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// Short list of supported types, used in error messages.
pub(crate) const SUPPORTED: &str =
    "supported types are bool, i8, i16, i32, i64, u8, u16, u32, u64, \
f32, f64, String, &str, Vec<T>, Option<T>, Result<T, E> and tuples of up to 12 supported types, \
and #[marine] records and enums";

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
    /// A record or a `#[marine]` enum: the path as written and its short name.
    Record(syn::Path, String, PassingStyle),
    /// `Option`, `Result` or a tuple (`docs/abi-extensions.md`): one pointer to a block, through
    /// the SDK's `Wire` trait.
    Wire(Box<WireTy>, PassingStyle),
}

/// The extension types the macro passes through the SDK's `Wire` trait.
#[derive(Clone, Debug)]
pub(crate) enum WireTy {
    Option(Ty),
    Result(Ty, Ty),
    Tuple(Vec<Ty>),
}

/// Where a type appears: decides which references are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    ExportArg,
    ExportOutput,
    ImportArg,
    ImportOutput,
    RecordField,
    /// Inside `Option`, `Result` or a tuple.
    InWire,
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
            (Position::InWire, _) => {
                Err("references are not supported inside Option, Result or tuples")
            }
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
            Ty::Scalar(_, p)
            | Ty::Str(p)
            | Ty::String(p)
            | Ty::Vec(_, p)
            | Ty::Record(_, _, p)
            | Ty::Wire(_, p) => *p,
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
            Ty::Wire(w, p) => match &**w {
                WireTy::Option(t) => ParsedType::Option(Box::new(t.to_ast()), *p),
                WireTy::Result(t, e) => {
                    ParsedType::Result(Box::new(t.to_ast()), Box::new(e.to_ast()), *p)
                }
                WireTy::Tuple(items) => {
                    ParsedType::Tuple(items.iter().map(Ty::to_ast).collect(), *p)
                }
            },
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
            Ty::Wire(w, _) => match &**w {
                WireTy::Option(t) => {
                    let t = t.owned_type();
                    quote!(::std::option::Option<#t>)
                }
                WireTy::Result(t, e) => {
                    let (t, e) = (t.owned_type(), e.owned_type());
                    quote!(::std::result::Result<#t, #e>)
                }
                WireTy::Tuple(items) => {
                    let items = items.iter().map(Ty::owned_type);
                    quote!((#(#items,)*))
                }
            },
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
        Ty::Wire(w, _) => Ty::Wire(w, style),
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
        Type::Tuple(t) if t.elems.is_empty() && pos != Position::InWire => {
            return Err(err_spanned(
                &t,
                "the unit type is only supported as a function result or inside Option, \
                 Result or a tuple",
            ))
        }
        Type::Tuple(t) => {
            if t.elems.len() > marine_ast::types::MAX_TUPLE_ARITY {
                return Err(err_spanned(
                    &t,
                    format!(
                        "tuples of more than {} elements are not supported",
                        marine_ast::types::MAX_TUPLE_ARITY
                    ),
                ));
            }
            let items = t
                .elems
                .iter()
                .map(|e| parse_inner(e, Position::InWire, false))
                .collect::<syn::Result<Vec<_>>>()?;
            return Ok(Ty::Wire(Box::new(WireTy::Tuple(items)), by_value));
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
        "Option" => {
            let inner = single_type_arg(last)?;
            let inner = parse_inner(inner, Position::InWire, false)?;
            return Ok(Ty::Wire(Box::new(WireTy::Option(inner)), by_value));
        }
        "Result" => {
            let (ok, err) = two_type_args(last)?;
            let ok = parse_inner(ok, Position::InWire, false)?;
            let err = parse_inner(err, Position::InWire, false)?;
            return Ok(Ty::Wire(Box::new(WireTy::Result(ok, err)), by_value));
        }
        "Box" | "HashMap" | "BTreeMap" | "HashSet" | "Rc" | "Arc" => {
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
        format!(
            "`{}` must have exactly one type argument, as in {}<u8>",
            seg.ident, seg.ident
        ),
    ))
}

fn two_type_args(seg: &syn::PathSegment) -> syn::Result<(&Type, &Type)> {
    if let PathArguments::AngleBracketed(args) = &seg.arguments {
        if let [GenericArgument::Type(a), GenericArgument::Type(b)] =
            args.args.iter().collect::<Vec<_>>()[..]
        {
            return Ok((a, b));
        }
    }
    Err(err_spanned(
        &seg,
        "`Result` must have exactly two type arguments, as in Result<String, MyError>",
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
        assert_eq!(
            ast("&Option<Result<(), (u8, Rec)>>", Position::ExportArg),
            Ok(ParsedType::Option(
                Box::new(ParsedType::Result(
                    Box::new(ParsedType::Tuple(vec![], ByValue)),
                    Box::new(ParsedType::Tuple(
                        vec![
                            ParsedType::U8(ByValue),
                            ParsedType::Record("Rec".into(), ByValue)
                        ],
                        ByValue
                    )),
                    ByValue
                )),
                ByRef
            ))
        );
    }

    #[test]
    fn rejects_unsupported_types() {
        for (ty, pos) in [
            ("usize", Position::ExportArg),
            ("char", Position::ExportArg),
            ("Option<&str>", Position::ExportArg),
            ("Result<u8>", Position::ExportArg),
            ("()", Position::ExportArg),
            (
                "(u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8)",
                Position::ExportArg,
            ),
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
