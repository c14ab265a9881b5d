//! Parsing and code generation behind `#[marine_test]`, as a plain library that tests (and
//! build scripts) can call.
//!
//! - [`attrs`]: the attribute's two forms;
//! - [`config`]: the modules of a service and their wasm files, from `Config.toml`;
//! - [`interface`]: a module's exports and records, read from its wasm by the ABI core
//!   (`marine_ast::ModuleInterface`, the runtime's reader);
//! - [`codegen`]: the `marine_test_env` module (records deduplicated by shape);
//! - [`expand`]: the attribute on a `fn` or a `mod`;
//! - [`generate_marine_test_env`]: the same environment written to `OUT_DIR` by a build
//!   script, for IDEs (`include_test_env!`).

pub mod attrs;
pub mod codegen;
pub mod config;
pub mod expand;
#[doc(hidden)]
pub mod fixtures;
pub mod interface;

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

pub use expand::{generate_env_for, load_service, ServiceSpec};

/// Expands `#[marine_test(attr)] item`. `source_dir` is the folder of the source file that
/// holds the attribute: `config_path` and `modules_dir` are relative to it.
pub fn marine_test(
    attr: TokenStream,
    item: TokenStream,
    source_dir: &Path,
) -> syn::Result<TokenStream> {
    expand::marine_test(attr, item, source_dir)
}

/// A service for [`generate_marine_test_env`].
#[derive(Clone, Debug, Default)]
pub struct ServiceDescription {
    /// The service's `Config.toml`, relative to the build script's folder.
    pub config_path: String,
    /// Overrides the config's `modules_dir` (relative to the build script's folder).
    pub modules_dir: Option<String>,
}

/// The folder of the build script named by `file!()`: `file!()` may be relative to the
/// workspace root, while build scripts run in the package folder.
fn build_script_dir(build_rs_file_path: &str) -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let path = Path::new(build_rs_file_path);
    let file = if path.is_absolute() {
        path.to_path_buf()
    } else {
        // Drop leading components until the rest exists under the package folder.
        let components: Vec<_> = path.components().collect();
        (0..components.len())
            .map(|skip| manifest_dir.join(components[skip..].iter().collect::<PathBuf>()))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| manifest_dir.join(path))
    };
    file.parent().map_or(manifest_dir, Path::to_path_buf)
}

/// Writes the test environment of `services` to `$OUT_DIR/<filename>` and tells cargo to
/// rerun when a config or module changes. Paths are relative to the build script's folder
/// (pass `file!()` as `build_rs_file_path`). Include the result in tests with
/// `marine_rs_sdk_test::include_test_env!("/<filename>")` and use
/// `marine_test_env::<service>::ServiceInterface::new()`.
pub fn try_generate_marine_test_env(
    services: impl IntoIterator<Item = (impl Into<String>, ServiceDescription)>,
    filename: &str,
    build_rs_file_path: &str,
) -> Result<PathBuf, String> {
    let base = build_script_dir(build_rs_file_path);
    let specs: Vec<ServiceSpec> = services
        .into_iter()
        .map(|(name, d)| ServiceSpec {
            name: name.into(),
            config_path: PathBuf::from(d.config_path),
            modules_dir: d.modules_dir.map(PathBuf::from),
        })
        .collect();
    let (env, files) = generate_env_for(&specs, &base)?;
    let out_dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or("OUT_DIR is not set: call this from a build script")?;
    let out = out_dir.join(filename.trim_start_matches('/'));
    std::fs::write(&out, env.to_string())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    Ok(out)
}

/// [`try_generate_marine_test_env`], panicking (failing the build) with the reason on error.
pub fn generate_marine_test_env(
    services: impl IntoIterator<Item = (impl Into<String>, ServiceDescription)>,
    filename: &str,
    build_rs_file_path: &str,
) {
    if let Err(e) = try_generate_marine_test_env(services, filename, build_rs_file_path) {
        panic!("generate_marine_test_env: {e}");
    }
}
