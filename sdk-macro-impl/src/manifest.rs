//! `module_manifest!()`: the optional `__fluence_wasm_module_manifest` section (§4.3).
//!
//! Five fields, each a u64 LE byte length followed by UTF-8: authors, version, description,
//! repository, build time (RFC 3339). Without arguments the `CARGO_PKG_*` variables of the crate
//! being compiled are used; `module_manifest!(authors, version, description, repository)` takes
//! four string literals.

use marine_ast::manifest::encode_fields;
use marine_ast::MANIFEST_SECTION;
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

/// Current UTC time in RFC 3339 (`YYYY-MM-DDTHH:MM:SS+00:00`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Formats Unix seconds as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Expands the macro.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let (authors, version, description, repository) = if input.is_empty() {
        (
            env("CARGO_PKG_AUTHORS"),
            env("CARGO_PKG_VERSION"),
            env("CARGO_PKG_DESCRIPTION"),
            env("CARGO_PKG_REPOSITORY"),
        )
    } else {
        let args =
            Punctuated::<syn::LitStr, syn::Token![,]>::parse_terminated.parse2(input.clone())?;
        if args.len() != 4 {
            return Err(syn::Error::new_spanned(
                input,
                "expected module_manifest!() or module_manifest!(\"authors\", \"version\", \"description\", \"repository\")",
            ));
        }
        let v: Vec<String> = args.iter().map(|l| l.value()).collect();
        (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone())
    };
    let bytes = encode_fields([
        &authors,
        &version,
        &description,
        &repository,
        &now_rfc3339(),
    ]);
    let len = bytes.len();
    let lit = Literal::byte_string(&bytes);
    Ok(quote! {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[doc(hidden)]
            #[used]
            #[unsafe(link_section = #MANIFEST_SECTION)]
            static __M_WASM_MODULE_MANIFEST: [u8; #len] = *#lit;
        };
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00+00:00");
        assert_eq!(super::rfc3339(1_700_000_000), "2023-11-14T22:13:20+00:00");
    }
}
