//! A guest crate can hold its own `#[marine_test]` tests (the seed's layout): `examples/greeting`
//! is built for wasm32-wasip1 (by this package's build script), its `.wasm` is copied to the
//! crate's `artifacts/`, and `cargo test` of the same crate on the host runs the tests against it.

use std::path::{Path, PathBuf};
use std::process::Command;

use marine_guest_build::clear_outer_build_env;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("package is in the repo")
}

/// Copies only when the contents differ, so an unchanged module does not look changed to cargo.
fn copy_if_changed(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if std::fs::read(to).ok().as_deref() != Some(&bytes[..]) {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, &bytes).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    }
}

#[test]
fn greeting_crate_runs_its_own_marine_tests_on_the_host() {
    let built: PathBuf = repo().join("target/wasm-examples/wasm32-wasip1/release/greeting.wasm");
    copy_if_changed(
        &built,
        &repo().join("examples/greeting/artifacts/greeting.wasm"),
    );

    // The host build shares this workspace's target dir (same dependency versions and dev
    // profile), so only the guest crate itself is compiled.
    let host_target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = clear_outer_build_env(&mut Command::new(cargo))
        .args([
            "test",
            "--locked",
            "--quiet",
            "-p",
            "greeting",
            "--manifest-path",
        ])
        .arg(repo().join("examples/Cargo.toml"))
        .env("CARGO_TARGET_DIR", host_target)
        .output()
        .expect("cannot run cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo test -p greeting failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("test result: ok. 2 passed; 0 failed"),
        "both #[marine_test] tests of examples/greeting ran:\n{stdout}"
    );
}
