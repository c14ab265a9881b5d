//! Builds `examples/` for wasm32-wasip1 before the tests compile: `#[marine_test]` reads the
//! `.wasm` files at compile time. Then writes a test environment to `OUT_DIR` for
//! `tests/ide.rs` (the IDE-friendly form: `include_test_env!`).

use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let repo = Path::new(&manifest_dir)
        .parent()
        .expect("package is in the repo");
    for dir in ["examples", "sdk", "sdk-macro", "sdk-macro-impl", "ast"] {
        println!("cargo:rerun-if-changed={}", repo.join(dir).display());
    }
    // Settings of the outer (host) build must not leak into the guest build: the helper
    // clears them (this script's TARGET, CARGO_CFG_*, RUSTC_WORKSPACE_WRAPPER under clippy, ...).
    if let Err(e) = marine_guest_build::build_wasm_workspace(
        &repo.join("examples").join("Cargo.toml"),
        &repo.join("target").join("wasm-examples"),
    ) {
        panic!("{e}");
    }

    marine_test_macro_impl::generate_marine_test_env(
        [(
            "greeting_service",
            marine_test_macro_impl::ServiceDescription {
                config_path: "services/greeting/Config.toml".into(),
                modules_dir: Some("../target/wasm-examples/wasm32-wasip1/release".into()),
            },
        )],
        "marine_test_env.rs",
        file!(),
    );
}
