//! `marine new`: a ready-to-build Marine module crate.
//!
//! ```text
//! <name>/
//!   Cargo.toml     one [[bin]] named like the module, marine-rs-sdk, marine-rs-sdk-test (dev),
//!                  each `{ package = "marine-native-...", <version | path | git> }`
//!   Config.toml    modules_dir = "artifacts/", one [[module]]
//!   src/main.rs    a #[marine] greeting, module_manifest!(), #[marine_test] tests
//!   .gitignore
//! ```
//! Build and test: `marine build --release --artifacts artifacts && cargo test`.
//! The test is written the seed's way: `#[marine_test(config_path = "../Config.toml",
//! modules_dir = "../artifacts")]` on a function taking `marine_test_env::<module>::ModuleInterface`.

use std::path::{Path, PathBuf};

use super::CliError;

/// The package the SDK is published as. The official name, `marine-rs-sdk`, belongs to Fluence
/// on crates.io: the generated crate depends on this one under the official key, so
/// `use marine_rs_sdk::...` (and the code `#[marine]` generates) resolves to it.
pub const SDK_PACKAGE: &str = "marine-native-rs-sdk";
/// The package of the test environment (`marine_rs_sdk_test` in Rust code).
pub const SDK_TEST_PACKAGE: &str = "marine-native-rs-sdk-test";

/// Where the generated crate takes the SDK and the test crate from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkDependency {
    /// A checkout of this repository: `<repo>/sdk` and `<repo>/test-env`.
    Path(PathBuf),
    /// The published crates of this version.
    Registry(String),
    /// A git repository holding this project (cargo finds the packages in it by name).
    Git {
        /// The repository's URL (`https://...`, `file://...`, ...).
        url: String,
        /// Which commit: a `rev`, `branch` or `tag`; the default branch when `None`.
        reference: Option<GitReference>,
    },
}

/// A commit of a git dependency, as cargo spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitReference {
    /// `rev = "..."`: a commit hash (or any ref git can fetch).
    Rev(String),
    /// `branch = "..."`.
    Branch(String),
    /// `tag = "..."`.
    Tag(String),
}

/// The dependency table of `package` under `deps`: `{ package = "...", version | path | git }`.
/// `dir` is the package's folder in a checkout of this repository (for the path form).
fn dependency(deps: &SdkDependency, package: &str, dir: &str) -> String {
    let source = match deps {
        SdkDependency::Path(repo) => {
            format!("path = {}", toml_str(&repo.join(dir).to_string_lossy()))
        }
        SdkDependency::Registry(version) => format!("version = {}", toml_str(version)),
        SdkDependency::Git { url, reference } => {
            let reference = match reference {
                None => String::new(),
                Some(GitReference::Rev(r)) => format!(", rev = {}", toml_str(r)),
                Some(GitReference::Branch(b)) => format!(", branch = {}", toml_str(b)),
                Some(GitReference::Tag(t)) => format!(", tag = {}", toml_str(t)),
            };
            format!("git = {}{reference}", toml_str(url))
        }
    };
    format!("{{ package = {}, {source} }}", toml_str(package))
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
    let sdk = dependency(deps, SDK_PACKAGE, "sdk");
    let sdk_test = dependency(deps, SDK_TEST_PACKAGE, "test-env");
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
        SdkDependency::Registry(_) | SdkDependency::Git { .. } => true,
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
        // The official keys (so `marine_rs_sdk` in Rust code), this project's packages.
        assert!(
            get("Cargo.toml").contains(
                "marine-rs-sdk = { package = \"marine-native-rs-sdk\", version = \"0.14.0\" }\n"
            ),
            "{}",
            get("Cargo.toml")
        );
        assert_eq!(
            cargo["dev-dependencies"]["marine-rs-sdk-test"]["package"].as_str(),
            Some("marine-native-rs-sdk-test")
        );
        assert_eq!(
            cargo["dev-dependencies"]["marine-rs-sdk-test"]["version"].as_str(),
            Some("0.14.0")
        );
        assert!(cargo.contains_key("workspace"));
        let config: toml::Table = toml::from_str(&get("Config.toml")).unwrap();
        assert_eq!(config["module"][0]["name"].as_str(), Some("my-mod"));
        assert!(get("src/main.rs").contains("marine_test_env::my_mod::ModuleInterface"));

        let without = files("m", &SdkDependency::Path("/repo".into()), false);
        let cargo = &without[0].1;
        assert!(
            cargo.contains(
                r#"marine-rs-sdk = { package = "marine-native-rs-sdk", path = "/repo/sdk" }"#
            ),
            "{cargo}"
        );
        assert!(!cargo.contains("marine-rs-sdk-test"));
        assert!(!without[2].1.contains("marine_test"));
    }

    #[test]
    fn git_dependencies_name_the_package_and_the_commit() {
        let cargo_toml = |reference| {
            let deps = SdkDependency::Git {
                url: "https://example.org/marine.git".into(),
                reference,
            };
            let generated = files("m", &deps, true);
            toml::from_str::<toml::Table>(&generated[0].1).unwrap()
        };
        let cargo = cargo_toml(Some(GitReference::Rev("abc123".into())));
        let sdk = &cargo["dependencies"]["marine-rs-sdk"];
        assert_eq!(sdk["package"].as_str(), Some(SDK_PACKAGE));
        assert_eq!(sdk["git"].as_str(), Some("https://example.org/marine.git"));
        assert_eq!(sdk["rev"].as_str(), Some("abc123"));
        let test = &cargo["dev-dependencies"]["marine-rs-sdk-test"];
        assert_eq!(test["package"].as_str(), Some(SDK_TEST_PACKAGE));
        assert_eq!(test["rev"].as_str(), Some("abc123"));

        let cargo = cargo_toml(Some(GitReference::Branch("main".into())));
        assert_eq!(
            cargo["dependencies"]["marine-rs-sdk"]["branch"].as_str(),
            Some("main")
        );
        let cargo = cargo_toml(Some(GitReference::Tag("v0.14.0".into())));
        assert_eq!(
            cargo["dependencies"]["marine-rs-sdk"]["tag"].as_str(),
            Some("v0.14.0")
        );
        let cargo = cargo_toml(None);
        let sdk = cargo["dependencies"]["marine-rs-sdk"].as_table().unwrap();
        assert_eq!(sdk.len(), 2, "{sdk:?}");
    }

    #[test]
    fn package_names_are_this_repository_s() {
        let repo = default_repo_root();
        for (dir, package) in [("sdk", SDK_PACKAGE), ("test-env", SDK_TEST_PACKAGE)] {
            let manifest = std::fs::read_to_string(repo.join(dir).join("Cargo.toml")).unwrap();
            let manifest: toml::Table = toml::from_str(&manifest).unwrap();
            assert_eq!(manifest["package"]["name"].as_str(), Some(package), "{dir}");
        }
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
