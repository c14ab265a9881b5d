//! The part of a service `Config.toml` the macro needs at compile time: the modules, in load
//! order, and where each one's `.wasm` is.
//!
//! The config is read by the ABI core's [`marine_ast::config::ServiceConfig`], the same code
//! the runtime loads it with, so the macro and the runtime resolve module paths by one set of
//! rules (against the config file's folder, `.` dropped, `..` kept for the file system to
//! follow): `load_from` (a file, or a folder holding `file_name`), else
//! `modules_dir/file_name`, with `file_name` defaulting to `<name>.wasm`. A `modules_dir`
//! given to the macro replaces the config's for modules without `load_from` (as
//! `ServiceOptions::modules_dir` does at run time). The whole file is checked as the runtime
//! checks it (unknown keys, memory limits, WASI, mounted binaries), so a config the runtime
//! would refuse fails at compile time, with its `file:line:column`.

use std::path::{Component, Path, PathBuf};

use marine_ast::config::{ConfigError as CoreConfigError, ServiceConfig};
use marine_ast::Limits;

/// Why the modules of a service could not be found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file cannot be read.
    #[error("cannot read the service config {}: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error (or the file is not a regular file, or too large).
        source: std::io::Error,
    },
    /// The config file is not valid TOML, or the runtime would refuse it (unknown key, wrong
    /// type, duplicate module, ...); `source` says where (`file:line:column`).
    #[error("invalid service config {}: {source}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The core's error, with its location in the file.
        source: Box<CoreConfigError>,
    },
    /// The config declares no `[[module]]`.
    #[error("the service config {} declares no [[module]]", path.display())]
    NoModules {
        /// The config file.
        path: PathBuf,
    },
    /// A module has neither `load_from` nor a `modules_dir` to look in.
    #[error(
        "module `{module}` of {}: no `modules_dir` in the config or the attribute, and no `load_from` ({location})",
        path.display()
    )]
    NoModulesDir {
        /// The config file.
        path: PathBuf,
        /// The module.
        module: String,
        /// Where the module's table is (`file:line:column`).
        location: String,
    },
    /// A module's wasm file does not exist.
    #[error(
        "module `{module}` of {}: wasm file {} not found (build the module first)",
        config.display(),
        wasm.display()
    )]
    MissingWasm {
        /// The config file.
        config: PathBuf,
        /// The module.
        module: String,
        /// The resolved wasm path.
        wasm: PathBuf,
    },
}

impl ConfigError {
    /// The core's error about the config at `path`, in the macro's terms.
    fn from_core(path: &Path, error: CoreConfigError) -> Self {
        match error {
            CoreConfigError::Read { path, source } => ConfigError::Read { path, source },
            CoreConfigError::NoModulesDir { location, module } => ConfigError::NoModulesDir {
                path: path.to_owned(),
                module,
                location: location.to_string(),
            },
            CoreConfigError::MissingWasmFile {
                module, path: wasm, ..
            } => ConfigError::MissingWasm {
                config: path.to_owned(),
                module,
                wasm,
            },
            other => ConfigError::Invalid {
                path: path.to_owned(),
                source: Box::new(other),
            },
        }
    }
}

/// One module of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleFile {
    /// The module's name (as calls use it).
    pub name: String,
    /// Resolved path of its `.wasm`.
    pub wasm_path: PathBuf,
}

/// The modules of a service, in load order (the last one is the facade).
#[derive(Clone, Debug)]
pub struct ServiceFiles {
    /// Resolved config path.
    pub config_path: PathBuf,
    /// The `modules_dir` override, resolved, if any.
    pub modules_dir: Option<PathBuf>,
    /// The modules, in load order.
    pub modules: Vec<ModuleFile>,
    /// The limits the runtime applies to this service by default: the defaults with the
    /// config's `[limits]` table over them (an embedder may still change them at run time).
    pub limits: Limits,
}

/// Joins an attribute's `path` onto `base` (the source file's folder, unless `path` is
/// absolute), drops `.` components and folds `dir/..` lexically (so messages and generated
/// paths read well). This places the config file (and the attribute's `modules_dir`); the
/// generated code hands the runtime the result, so both use the same file. Paths *inside* the
/// config are resolved by [`ServiceConfig`], not by this.
pub fn resolve_path(base: &Path, path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl ServiceFiles {
    /// Reads the config at `config_path` with [`ServiceConfig`] (so it is checked as the
    /// runtime checks it) and takes every module's name and resolved wasm path; each wasm
    /// file must exist. `modules_dir` (already resolved) overrides the config's.
    pub fn load(config_path: PathBuf, modules_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let config = match &modules_dir {
            Some(dir) => ServiceConfig::from_path_with_modules_dir(&config_path, dir),
            None => ServiceConfig::from_path(&config_path),
        }
        .map_err(|e| ConfigError::from_core(&config_path, e))?;
        if config.modules.is_empty() {
            return Err(ConfigError::NoModules { path: config_path });
        }
        let limits = config.limits.apply(&Limits::default());
        let modules = config
            .modules
            .into_iter()
            .map(|m| ModuleFile {
                name: m.name,
                wasm_path: m.wasm_path,
            })
            .collect();
        Ok(ServiceFiles {
            config_path,
            modules_dir,
            modules,
            limits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn resolves_modules_dir_file_name_and_load_from() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "artifacts/a.wasm", "");
        write(dir.path(), "artifacts/b-file.wasm", "");
        write(dir.path(), "elsewhere/c.wasm", "");
        let config = write(
            dir.path(),
            "Config.toml",
            r#"
modules_dir = "./artifacts"
total_memory_limit = "10 MiB"
[[module]]
name = "a"
[[module]]
name = "b"
file_name = "b-file.wasm"
[module.wasi]
envs = { A = "1" }
[[module]]
name = "c"
load_from = "elsewhere"
"#,
        );
        let files = ServiceFiles::load(config, None).unwrap();
        let got: Vec<_> = files
            .modules
            .iter()
            .map(|m| (m.name.as_str(), m.wasm_path.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", dir.path().join("artifacts/a.wasm")),
                ("b", dir.path().join("artifacts/b-file.wasm")),
                ("c", dir.path().join("elsewhere/c.wasm")),
            ]
        );
    }

    #[test]
    fn the_config_limits_are_the_ones_interfaces_are_read_under() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.wasm", "");
        let config = write(
            dir.path(),
            "Config.toml",
            "modules_dir = \".\"\n[limits]\nmax_type_depth = 300\n[[module]]\nname = \"a\"\n",
        );
        let files = ServiceFiles::load(config, None).unwrap();
        assert_eq!(files.limits.interface().max_type_depth, 300);
        assert_eq!(
            files.limits.max_record_types,
            Limits::default().max_record_types
        );
    }

    #[test]
    fn modules_dir_override_wins() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "other/a.wasm", "");
        let config = write(
            dir.path(),
            "Config.toml",
            "modules_dir = \"missing\"\n[[module]]\nname = \"a\"\n",
        );
        let files = ServiceFiles::load(config, Some(dir.path().join("other"))).unwrap();
        assert_eq!(files.modules[0].wasm_path, dir.path().join("other/a.wasm"));
    }

    #[test]
    fn errors_name_file_and_module() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = ServiceFiles::load(missing.clone(), None).unwrap_err();
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );

        let config = write(dir.path(), "c1.toml", "[[module]]\nname = \"x\"\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(
            e.contains("module `x`") && e.contains("no `modules_dir`"),
            "{e}"
        );

        let config = write(
            dir.path(),
            "c2.toml",
            "modules_dir = \".\"\n[[module]]\nname = \"ghost\"\n",
        );
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(
            e.contains("module `ghost`") && e.contains("ghost.wasm"),
            "{e}"
        );

        let config = write(dir.path(), "c3.toml", "modules_dir = 3\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(
            e.contains("c3.toml:1:15") && e.contains("invalid value for `modules_dir`"),
            "{e}"
        );

        let config = write(dir.path(), "c4.toml", "modules_dir = \".\"\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(e.contains("declares no [[module]]"), "{e}");

        let config = write(dir.path(), "c5.toml", "[[module]\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(e.contains("invalid service config"), "{e}");

        // What the runtime refuses, the macro refuses, with the key's position.
        let config = write(
            dir.path(),
            "c6.toml",
            "modules_dir = \".\"\n[[module]]\nname = \"a\"\nmem_pages = 1\n",
        );
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(
            e.contains("c6.toml:4:1") && e.contains("unknown key `mem_pages`"),
            "{e}"
        );
    }

    /// The wasm paths the runtime's loader gives (`marine_runtime::config` is the core's).
    fn runtime_paths(config: &Path, modules_dir: Option<&Path>) -> Vec<(String, PathBuf)> {
        let config = match modules_dir {
            Some(dir) => ServiceConfig::from_path_with_modules_dir(config, dir),
            None => ServiceConfig::from_path(config),
        }
        .unwrap();
        config
            .modules
            .into_iter()
            .map(|m| (m.name, m.wasm_path))
            .collect()
    }

    fn macro_paths(config: &Path, modules_dir: Option<&Path>) -> Vec<(String, PathBuf)> {
        ServiceFiles::load(config.to_owned(), modules_dir.map(Path::to_path_buf))
            .unwrap()
            .modules
            .into_iter()
            .map(|m| (m.name, m.wasm_path))
            .collect()
    }

    #[test]
    fn dot_dot_in_config_paths_resolves_as_in_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "artifacts/a.wasm", "");
        write(dir.path(), "other/b.wasm", "");
        std::fs::create_dir_all(dir.path().join("svc/sub")).unwrap();
        let config = write(
            dir.path(),
            "svc/Config.toml",
            r#"
modules_dir = "./sub/../../artifacts"
[[module]]
name = "a"
[[module]]
name = "b"
load_from = "sub/../../other/b.wasm"
"#,
        );
        let got = macro_paths(&config, None);
        assert_eq!(got, runtime_paths(&config, None));
        // Not folded: the file system follows `..` (the macro used to fold it lexically).
        assert_eq!(
            got[0].1,
            dir.path().join("svc/sub/../../artifacts/a.wasm"),
            "{got:?}"
        );
        assert_eq!(got[1].1, dir.path().join("svc/sub/../../other/b.wasm"));
    }

    #[cfg(unix)]
    #[test]
    fn dot_dot_after_a_symlinked_folder_follows_the_link_as_the_runtime_does() {
        // svc/link -> deep/inner, so `svc/link/..` is `deep`, not `svc` as a lexical fold of
        // `link/..` would have it.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("deep/inner")).unwrap();
        write(dir.path(), "deep/artifacts/a.wasm", "");
        std::fs::create_dir_all(dir.path().join("svc")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("deep/inner"), dir.path().join("svc/link"))
            .unwrap();
        let config = write(
            dir.path(),
            "svc/Config.toml",
            "modules_dir = \"link/../artifacts\"\n[[module]]\nname = \"a\"\n",
        );
        assert!(!dir.path().join("svc/artifacts/a.wasm").exists());
        let got = macro_paths(&config, None);
        assert_eq!(got, runtime_paths(&config, None));
        assert_eq!(got[0].1, dir.path().join("svc/link/../artifacts/a.wasm"));
        assert!(got[0].1.is_file());

        // The same through the attribute's `modules_dir` override.
        let config = write(dir.path(), "svc/Config2.toml", "[[module]]\nname = \"a\"\n");
        let over = dir.path().join("svc/link/../artifacts");
        let got = macro_paths(&config, Some(&over));
        assert_eq!(got, runtime_paths(&config, Some(&over)));
        assert!(got[0].1.is_file());
    }
}
