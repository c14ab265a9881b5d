//! Expansion snapshots: `tests/expansions/<case>.rs` holds the input item(s), and
//! `tests/expansions/<case>.expanded.rs` the pretty-printed expansion. Regenerate with
//! `MARINE_BLESS=1 cargo test -p marine-native-macro-impl --test expansions`.

use std::path::Path;

fn expand_file(input: &str) -> String {
    let file: syn::File = syn::parse_str(input).expect("input parses");
    let mut out = proc_macro2::TokenStream::new();
    for item in file.items {
        let expanded = marine_macro_impl::expand_item(item).expect("expansion succeeds");
        out.extend(expanded);
    }
    let file: syn::File = syn::parse2(out).expect("expansion parses as a file");
    prettyplease::unparse(&file)
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
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let input = std::fs::read_to_string(&case).unwrap();
        let actual = expand_file(&input);
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
