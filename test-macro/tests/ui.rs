//! Compile errors of `#[marine_test]`, each at the offending span (trybuild).
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p marine-native-test-macro --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
