//! Compile-time behaviour of `#[marine]`: every rejected construct has a pinned error
//! (`tests/ui/*.rs` + `.stderr`), and the seed's guest code compiles unchanged (`tests/pass`).
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/pass/*.rs");
    #[cfg(feature = "logger")]
    t.pass("tests/pass_logger/*.rs");
}
