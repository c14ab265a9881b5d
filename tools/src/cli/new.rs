//! `marine new`: a ready-to-build Marine module crate.
//!
//! ```text
//! <name>/
//!   Cargo.toml     one [[bin]] named like the module, marine-rs-sdk, marine-rs-sdk-test (dev)
//!   Config.toml    modules_dir = "artifacts/", one [[module]]
//!   src/main.rs    a #[marine] greeting, module_manifest!(), #[marine_test] tests
//!   .gitignore
//! ```
//! Build and test: `marine build --release --artifacts artifacts && cargo test`.
//! The test is written the seed's way: `#[marine_test(config_path = "../Config.toml",
//! modules_dir = "../artifacts")]` on a function taking `marine_test_env::<module>::ModuleInterface`.

use std::path::{Path, PathBuf};

use super::CliError;

/// Where the generated crate takes the SDK and the test crate from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkDependency {
    /// A checkout of this repository: `<repo>/sdk` and `<repo>/test-env`.
    Path(PathBuf),
    /// The published crates of this version.
    Registry(String),
}

/// The repository this tool was built from.
pub fn default_repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Checks a crate/module name: ASCII letters, digits, `_` and `-`, starting with a letter.
pub fn validate_name(name: &str) -> Result<(), CliError> {
    let bad = |reason: &str| CliError::BadArgument {
        arg: name.to_string(),
        reason: reason.to_string(),
    };
    let mut chars = name.chars();
    match chars.next() {
        None => return Err(bad("the name is empty")),
        Some(c) if !c.is_ascii_alphabetic() => {
            return Err(bad("the name must start with an ASCII letter"))
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(bad(
            "the name may only contain ASCII letters, digits, `_` and `-`",
        ));
    }
    Ok(())
}

/// Host profile of a crate with `#[marine_test]` tests: each test compiles the module's wasm
/// with Cranelift, which runs many times faster optimized; everything else stays a debug build.
const TEST_PROFILE: &str = r#"
# `cargo test` compiles the module's wasm with Cranelift for every test: an optimized Cranelift
# makes that much faster (one-off build cost); everything else stays a debug build.
[profile.dev.package.cranelift-codegen]
opt-level = 2
[profile.dev.package.cranelift-assembler-x64]
opt-level = 2
[profile.dev.package.cranelift-frontend]
opt-level = 2
[profile.dev.package.cranelift-entity]
opt-level = 2
[profile.dev.package.cranelift-bforest]
opt-level = 2
[profile.dev.package.regalloc2]
opt-level = 2
[profile.dev.package.wasmtime-internal-cranelift]
opt-level = 2
[profile.dev.package.wasmtime-environ]
opt-level = 2
[profile.dev.package.wasmparser]
opt-level = 2
"#;

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The generated files: (relative path, contents). `with_test` adds the `#[marine_test]`
/// tests and the marine-rs-sdk-test dev-dependency.
pub fn files(name: &str, deps: &SdkDependency, with_test: bool) -> Vec<(PathBuf, String)> {
    let ident = name.replace('-', "_");
    let (sdk, sdk_test) = match deps {
        SdkDependency::Path(repo) => (
            format!(
                "{{ path = {} }}",
                toml_str(&repo.join("sdk").to_string_lossy())
            ),
            format!(
                "{{ path = {} }}",
                toml_str(&repo.join("test-env").to_string_lossy())
            ),
        ),
        SdkDependency::Registry(v) => (toml_str(v), toml_str(v)),
    };
    let dev_deps = if with_test {
        format!("\n[dev-dependencies]\nmarine-rs-sdk-test = {sdk_test}\n{TEST_PROFILE}")
    } else {
        String::new()
    };
    let cargo_toml = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[[bin]]
name = "{name}"
path = "src/main.rs"

[dependencies]
marine-rs-sdk = {sdk}
{dev_deps}
# A workspace of its own, so the crate builds wherever it was created.
[workspace]
"#
    );
    let config_toml = format!(
        r#"# The service used by `mrepl Config.toml` and by the #[marine_test] tests.
modules_dir = "artifacts/"
total_memory_limit = "Infinity"

[[module]]
name = "{name}"
"#
    );
    let tests = if with_test {
        format!(
            r#"
#[cfg(test)]
mod tests {{
    use marine_rs_sdk_test::marine_test;

    #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
    fn empty_string(greeting: marine_test_env::{ident}::ModuleInterface) {{
        let actual = greeting.greeting(String::new());
        assert_eq!(actual, "Hi, ");
    }}

    #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
    fn non_empty_string(greeting: marine_test_env::{ident}::ModuleInterface) {{
        let actual = greeting.greeting("name".to_string());
        assert_eq!(actual, "Hi, name");
    }}
}}
"#
        )
    } else {
        String::new()
    };
    let main_rs = format!(
        r#"//! The `{name}` Marine module.
use marine_rs_sdk::marine;
use marine_rs_sdk::module_manifest;

module_manifest!();

pub fn main() {{}}

/// Greets `name`.
#[marine]
pub fn greeting(name: String) -> String {{
    format!("Hi, {{}}", name)
}}
{tests}"#
    );
    let gitignore = "/target\n/artifacts\n".to_string();
    vec![
        (PathBuf::from("Cargo.toml"), cargo_toml),
        (PathBuf::from("Config.toml"), config_toml),
        (PathBuf::from("src").join("main.rs"), main_rs),
        (PathBuf::from(".gitignore"), gitignore),
    ]
}

/// Whether the test crate can be depended on with `deps`.
pub fn test_crate_available(deps: &SdkDependency) -> bool {
    match deps {
        SdkDependency::Path(repo) => repo.join("test-env").join("Cargo.toml").is_file(),
        SdkDependency::Registry(_) => true,
    }
}

/// Creates the crate `parent/name`; returns its folder. Refuses to overwrite an existing one.
pub fn create(parent: &Path, name: &str, deps: &SdkDependency) -> Result<PathBuf, CliError> {
    validate_name(name)?;
    let dir = parent.join(name);
    if dir.exists() {
        return Err(CliError::AlreadyExists(dir));
    }
    let with_test = test_crate_available(deps);
    if !with_test {
        eprintln!(
            "warning: marine-rs-sdk-test was not found next to the SDK; the crate is created without #[marine_test] tests"
        );
    }
    for (rel, contents) in files(name, deps, with_test) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::Io {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        std::fs::write(&path, contents).map_err(|e| CliError::Io { path, source: e })?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(validate_name("my-module_2").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("2x").is_err());
        assert!(validate_name("a b").is_err());
    }

    #[test]
    fn files_name_the_module_everywhere() {
        let generated = files("my-mod", &SdkDependency::Registry("0.14.0".into()), true);
        let get = |p: &str| {
            generated
                .iter()
                .find(|(rel, _)| rel == Path::new(p))
                .map(|(_, c)| c.clone())
                .unwrap()
        };
        let cargo: toml::Table = toml::from_str(&get("Cargo.toml")).unwrap();
        assert_eq!(cargo["package"]["name"].as_str(), Some("my-mod"));
        assert_eq!(
            cargo["dependencies"]["marine-rs-sdk"].as_str(),
            Some("0.14.0")
        );
        assert!(cargo.contains_key("workspace"));
        let config: toml::Table = toml::from_str(&get("Config.toml")).unwrap();
        assert_eq!(config["module"][0]["name"].as_str(), Some("my-mod"));
        assert!(get("src/main.rs").contains("marine_test_env::my_mod::ModuleInterface"));

        let without = files("m", &SdkDependency::Path("/repo".into()), false);
        let cargo = &without[0].1;
        assert!(
            cargo.contains(r#"marine-rs-sdk = { path = "/repo/sdk" }"#),
            "{cargo}"
        );
        assert!(!cargo.contains("marine-rs-sdk-test"));
        assert!(!without[2].1.contains("marine_test"));
    }

    #[test]
    fn create_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let deps = SdkDependency::Registry("0.14.0".into());
        let dir = create(tmp.path(), "m", &deps).unwrap();
        assert!(dir.join("src/main.rs").is_file());
        assert!(matches!(
            create(tmp.path(), "m", &deps),
            Err(CliError::AlreadyExists(_))
        ));
    }
}
