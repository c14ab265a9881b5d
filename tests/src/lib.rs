//! Helpers shared by the end-to-end tests: building the guest examples to real wasm.
//!
//! The examples under `examples/` form their own cargo workspace targeting `wasm32-wasip1`.
//! [`build_examples`] builds all of them once per test process, into their own target dir
//! (`target/wasm-examples`) so it never contends with the host build's lock, and
//! [`example_wasm`] returns the path of one module.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The wasm target every Marine module is built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// Root of the repository (the folder holding the workspace `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Target dir used for the guest builds.
pub fn wasm_target_dir() -> PathBuf {
    repo_root().join("target").join("wasm-examples")
}

/// Builds a guest cargo workspace (or crate) for `wasm32-wasip1` in release mode and returns the
/// folder holding the produced `.wasm` files. Panics with cargo's output on failure: a test
/// cannot go on without its modules.
pub fn build_wasm_workspace(manifest: &Path, target_dir: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--target", WASM_TARGET])
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        // Settings of the outer (host) build must not leak into the guest build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo for {}: {e}", manifest.display()));
    assert!(
        output.status.success(),
        "building {} for {WASM_TARGET} failed:\n{}",
        manifest.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir.join(WASM_TARGET).join("release")
}

/// Builds every example once per process and returns the folder with the `.wasm` files.
pub fn build_examples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_wasm_workspace(
            &repo_root().join("examples").join("Cargo.toml"),
            &wasm_target_dir(),
        )
    })
}

/// Path of one example module (`greeting`, `records`, `arrays`, `scalars`, `misbehaving`),
/// building the examples first if needed.
pub fn example_wasm(name: &str) -> PathBuf {
    let path = build_examples().join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "example module {} was not built",
        path.display()
    );
    path
}

/// Names and contents of every custom section of a wasm module, in file order.
pub fn custom_sections(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(reader)) = payload {
            out.push((reader.name().to_string(), reader.data().to_vec()));
        }
    }
    out
}
