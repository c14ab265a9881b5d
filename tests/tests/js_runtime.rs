//! Marine in JavaScript, run from `cargo test`: builds the package in `marine-js/` (the engine
//! crate to wasm with wasm-bindgen, then TypeScript), type-checks it and its tests, and runs
//! its `node --test` suite (the shared call table among it) in a real Node process.
//!
//! Needs `node`/`npm` and the wasm-bindgen CLI of the version in `Cargo.lock` (`.ci/run`
//! installs both); without them this test fails with the missing tool's name, never passes
//! unchecked.

use std::path::Path;
use std::process::Command;

/// Runs `program args` in `dir` with the outer cargo build's environment removed, and fails
/// with everything it printed unless it succeeds.
fn run(dir: &Path, program: &str, args: &[&str]) {
    let mut cmd = Command::new(program);
    marine_guest_build::clear_outer_build_env(&mut cmd);
    let output = cmd
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}` (is it installed?): {e}"));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "`{program} {}` in {} failed ({}):\n{printed}",
        args.join(" "),
        dir.display(),
        output.status
    );
}

#[test]
fn the_javascript_package_builds_type_checks_and_passes_its_tests() {
    let package = marine_e2e::repo_root().join("marine-js");
    // Always from the lock file, so a checkout with older node_modules tests what is locked.
    run(
        &package,
        "npm",
        &["ci", "--no-audit", "--no-fund", "--prefer-offline"],
    );
    run(&package, "npm", &["run", "build"]);
    run(&package, "npm", &["run", "typecheck"]);
    run(&package, "npm", &["test"]);
}
