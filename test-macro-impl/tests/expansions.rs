//! Expansion snapshots: `tests/expansions/<case>.rs` holds an item with its `#[marine_test]`
//! attribute, `tests/expansions/<case>.expanded.rs` the pretty-printed expansion (absolute
//! paths replaced by `$TESTS`). Regenerate with
//! `MARINE_BLESS=1 cargo test -p marine-native-test-macro-impl --test expansions`.

use std::path::Path;

use quote::ToTokens;

fn expand_file(input: &str, source_dir: &Path) -> String {
    let mut file: syn::File = syn::parse_str(input).expect("input parses");
    let mut out = proc_macro2::TokenStream::new();
    for mut item in file.items.drain(..) {
        let attrs = match &mut item {
            syn::Item::Fn(f) => &mut f.attrs,
            syn::Item::Mod(m) => &mut m.attrs,
            _ => panic!("unexpected item"),
        };
        let pos = attrs
            .iter()
            .position(|a| a.path().is_ident("marine_test"))
            .expect("a #[marine_test] attribute");
        let attr = attrs.remove(pos);
        let args = match attr.meta {
            syn::Meta::List(list) => list.tokens,
            _ => proc_macro2::TokenStream::new(),
        };
        let expanded =
            marine_test_macro_impl::marine_test(args, item.into_token_stream(), source_dir)
                .unwrap_or_else(|e| panic!("expansion fails: {e}"));
        out.extend(expanded);
    }
    let file: syn::File = syn::parse2(out).expect("expansion parses as a file");
    let tests_dir = source_dir.parent().unwrap().to_string_lossy().into_owned();
    prettyplease::unparse(&file).replace(&tests_dir, "$TESTS")
}

#[test]
fn expansions_match_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expansions");
    let bless = std::env::var_os("MARINE_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.ends_with(".rs") && !name.ends_with(".expanded.rs")
        })
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 3);
    let mut failures = Vec::new();
    for case in cases {
        let input = std::fs::read_to_string(&case).unwrap();
        let actual = expand_file(&input, &dir);
        let snapshot = case.with_extension("expanded.rs");
        if bless {
            std::fs::write(&snapshot, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{} differs from its snapshot; run with MARINE_BLESS=1 to regenerate.\n--- actual ---\n{actual}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
