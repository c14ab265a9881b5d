//! End-to-end tests of `#[marine_test]` live in `tests/`. The build script builds the guest
//! examples to wasm first (into `target/wasm-examples`, as `marine_e2e::build_examples` does),
//! because the macro reads the modules' interfaces at compile time.

/// Folder of the built example modules, relative to this package's `tests/` folder (as the
/// tests' `modules_dir` spells it).
pub const MODULES_DIR_FROM_TESTS: &str = "../../target/wasm-examples/wasm32-wasip1/release";
