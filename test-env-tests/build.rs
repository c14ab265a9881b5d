//! Builds `examples/` for wasm32-wasip1 before the tests compile: `#[marine_test]` reads the
//! `.wasm` files at compile time. Then writes a test environment to `OUT_DIR` for
//! `tests/ide.rs` (the IDE-friendly form: `include_test_env!`).

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let repo = Path::new(&manifest_dir)
        .parent()
        .expect("package is in the repo");
    for dir in ["examples", "sdk", "sdk-macro", "sdk-macro-impl", "ast"] {
        println!("cargo:rerun-if-changed={}", repo.join(dir).display());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--locked", "--release", "--quiet"])
        .args(["--target", "wasm32-wasip1"])
        .arg("--manifest-path")
        .arg(repo.join("examples").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(repo.join("target").join("wasm-examples"))
        // Settings of the outer (host) build must not leak into the guest build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("TARGET")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("cannot run cargo to build the wasm examples");
    if !output.status.success() {
        panic!(
            "building examples/ for wasm32-wasip1 failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
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
