//! The arguments of `#[marine_test(...)]`.
//!
//! Two forms:
//! - single service: `config_path = "..."` with an optional `modules_dir = "..."`;
//! - several named services: `svc_a(config_path = "...", modules_dir = "..."), svc_b(...)`.
//!
//! Every error is a `syn::Error` at the offending token.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

/// Where one service's files are, as written in the attribute.
#[derive(Clone, Debug)]
pub struct ServiceArgs {
    /// `config_path`: the service's `Config.toml`, relative to the source file's folder.
    pub config_path: LitStr,
    /// `modules_dir`: overrides the config's `modules_dir`, relative to the source file's folder.
    pub modules_dir: Option<LitStr>,
}

/// The parsed attribute.
#[derive(Clone, Debug)]
pub enum MarineTestArgs {
    /// `#[marine_test(config_path = .., modules_dir = ..)]`
    Single(ServiceArgs),
    /// `#[marine_test(name(config_path = ..), ..)]`, in the order written.
    Multi(Vec<(Ident, ServiceArgs)>),
}

const USAGE: &str = "expected `config_path = \"...\"` (with an optional `modules_dir = \"...\"`) \
or named services such as `service_1(config_path = \"...\", modules_dir = \"...\")`";

/// One `key = "value"` or `name(...)` entry.
enum Entry {
    KeyValue(Ident, LitStr),
    Service(Ident, TokenStream),
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let ident: Ident = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), USAGE))?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let value: syn::Lit = input.parse()?;
            match value {
                syn::Lit::Str(s) => Ok(Entry::KeyValue(ident, s)),
                other => Err(syn::Error::new(
                    other.span(),
                    format!("`{ident}` must be a string literal"),
                )),
            }
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Ok(Entry::Service(ident, content.parse()?))
        } else {
            Err(syn::Error::new(
                ident.span(),
                format!("expected `{ident} = \"...\"` or `{ident}(config_path = \"...\")`"),
            ))
        }
    }
}

fn parse_entries(tokens: TokenStream) -> syn::Result<Vec<Entry>> {
    let parser = Punctuated::<Entry, Token![,]>::parse_terminated;
    Ok(syn::parse::Parser::parse2(parser, tokens)?
        .into_iter()
        .collect())
}

/// Builds [`ServiceArgs`] from `key = "value"` entries; `owner` names the service in messages.
fn service_args(
    entries: Vec<Entry>,
    owner: Option<&Ident>,
    span: Span,
) -> syn::Result<ServiceArgs> {
    let mut config_path: Option<LitStr> = None;
    let mut modules_dir: Option<LitStr> = None;
    for entry in entries {
        match entry {
            Entry::KeyValue(key, value) => {
                let slot = match key.to_string().as_str() {
                    "config_path" => &mut config_path,
                    "modules_dir" => &mut modules_dir,
                    other => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!(
                                "unknown key `{other}`: expected `config_path` or `modules_dir`"
                            ),
                        ))
                    }
                };
                if slot.is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{key}` is given twice"),
                    ));
                }
                if value.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        value.span(),
                        format!("`{key}` must not be empty"),
                    ));
                }
                *slot = Some(value);
            }
            Entry::Service(name, _) => {
                let msg = match owner {
                    Some(svc) => format!(
                        "service `{svc}` cannot contain another service `{name}`: expected `config_path` or `modules_dir`"
                    ),
                    None => format!(
                        "`{name}(...)` mixes the multi-service form with `config_path`/`modules_dir` of the single-service form"
                    ),
                };
                return Err(syn::Error::new(name.span(), msg));
            }
        }
    }
    let config_path = config_path.ok_or_else(|| {
        let msg = match owner {
            Some(svc) => format!("service `{svc}` needs `config_path = \"...\"`"),
            None => format!("missing `config_path`: {USAGE}"),
        };
        syn::Error::new(owner.map_or(span, Ident::span), msg)
    })?;
    Ok(ServiceArgs {
        config_path,
        modules_dir,
    })
}

impl MarineTestArgs {
    /// Parses the attribute's tokens; `span` (the attribute's) is used for errors about an
    /// empty attribute.
    pub fn parse(tokens: TokenStream, span: Span) -> syn::Result<Self> {
        if tokens.is_empty() {
            return Err(syn::Error::new(span, USAGE));
        }
        let entries = parse_entries(tokens)?;
        let services = entries
            .iter()
            .filter(|e| matches!(e, Entry::Service(..)))
            .count();
        if services == 0 {
            return Ok(MarineTestArgs::Single(service_args(entries, None, span)?));
        }
        let mut out: Vec<(Ident, ServiceArgs)> = Vec::new();
        for entry in entries {
            match entry {
                Entry::Service(name, body) => {
                    if out.iter().any(|(n, _)| *n == name) {
                        return Err(syn::Error::new(
                            name.span(),
                            format!("service `{name}` is given twice"),
                        ));
                    }
                    if name == "marine_test_env" {
                        return Err(syn::Error::new(
                            name.span(),
                            "`marine_test_env` is reserved for the generated module; pick another service name",
                        ));
                    }
                    let args = service_args(parse_entries(body)?, Some(&name), span)?;
                    out.push((name, args));
                }
                Entry::KeyValue(key, _) => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "`{key}` outside a service: in the multi-service form every key goes inside `service_name(...)`"
                        ),
                    ))
                }
            }
        }
        Ok(MarineTestArgs::Multi(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(ts: TokenStream) -> syn::Result<MarineTestArgs> {
        MarineTestArgs::parse(ts, Span::call_site())
    }

    #[test]
    fn single_form() {
        let args = parse(quote!(
            config_path = "../Config.toml",
            modules_dir = "../artifacts"
        ))
        .unwrap();
        let MarineTestArgs::Single(s) = args else {
            panic!("not single")
        };
        assert_eq!(s.config_path.value(), "../Config.toml");
        assert_eq!(s.modules_dir.unwrap().value(), "../artifacts");
    }

    #[test]
    fn multi_form_keeps_order() {
        let args = parse(quote!(
            service_2(config_path = "b/Config.toml"),
            service_1(config_path = "a/Config.toml", modules_dir = "a/artifacts"),
        ))
        .unwrap();
        let MarineTestArgs::Multi(v) = args else {
            panic!("not multi")
        };
        let names: Vec<_> = v.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, ["service_2", "service_1"]);
        assert!(v[0].1.modules_dir.is_none());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (quote!(), "expected `config_path"),
            (quote!(modules_dir = "x"), "missing `config_path`"),
            (
                quote!(config_path = 1),
                "`config_path` must be a string literal",
            ),
            (quote!(config_path = "a", config_path = "b"), "given twice"),
            (quote!(config = "a"), "unknown key `config`"),
            (quote!(config_path = ""), "must not be empty"),
            (
                quote!(config_path = "a", s(config_path = "b")),
                "outside a service",
            ),
            (
                quote!(s(modules_dir = "b")),
                "service `s` needs `config_path",
            ),
            (
                quote!(s(config_path = "a"), s(config_path = "b")),
                "service `s` is given twice",
            ),
            (
                quote!(s(config_path = "a", t(x = "y"))),
                "cannot contain another service",
            ),
            (quote!(config_path), "expected `config_path = \"...\"`"),
            (quote!("x"), "expected `config_path"),
        ];
        for (tokens, expected) in cases {
            let text = tokens.to_string();
            let err = parse(tokens).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
