//! The part of a service `Config.toml` the macro needs at compile time: the modules, in load
//! order, and where each one's `.wasm` is.
//!
//! Module paths are resolved as `marine_runtime::config::ServiceConfig` resolves them
//! (against the config file's folder, lexically): `load_from` (a file, or a folder holding
//! `file_name`), else `modules_dir/file_name`, with `file_name` defaulting to `<name>.wasm`.
//! A `modules_dir` given to the macro replaces the config's for modules without `load_from`
//! (as `ServiceOptions::modules_dir` does at run time). Everything else in the file (memory
//! limits, WASI, mounted binaries) is checked by the runtime when the test creates the service.

use std::path::{Component, Path, PathBuf};

/// Why the modules of a service could not be found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file cannot be read.
    #[error("cannot read the service config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has wrong types.
    #[error("invalid service config {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// The config declares no `[[module]]`.
    #[error("the service config {} declares no [[module]]", path.display())]
    NoModules { path: PathBuf },
    /// A module has neither `load_from` nor a `modules_dir` to look in.
    #[error(
        "module `{module}` of {}: no `modules_dir` in the config or the attribute, and no `load_from`",
        path.display()
    )]
    NoModulesDir { path: PathBuf, module: String },
    /// A module's wasm file does not exist.
    #[error(
        "module `{module}` of {}: wasm file {} not found (build the module first)",
        config.display(),
        wasm.display()
    )]
    MissingWasm {
        config: PathBuf,
        module: String,
        wasm: PathBuf,
    },
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
}

/// Joins `path` onto `base` (unless absolute), drops `.` components and folds `dir/..`
/// lexically (so messages and generated paths read well).
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

fn string_key<'a>(
    table: &'a toml::Table,
    key: &str,
    what: &str,
    path: &Path,
) -> Result<Option<&'a str>, ConfigError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ConfigError::Invalid {
            path: path.to_owned(),
            message: format!(
                "{what}: `{key}` must be a string, found a {}",
                other.type_str()
            ),
        }),
    }
}

impl ServiceFiles {
    /// Reads the config at `config_path` and resolves every module's wasm path; each must
    /// exist. `modules_dir` (already resolved) overrides the config's.
    pub fn load(config_path: PathBuf, modules_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(&config_path).map_err(|source| ConfigError::Read {
            path: config_path.clone(),
            source,
        })?;
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Invalid {
                    path: config_path.clone(),
                    message: e.message().trim().to_owned(),
                })?;
        let base = config_path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let dir = match &modules_dir {
            Some(dir) => Some(dir.clone()),
            None => string_key(&table, "modules_dir", "top level", &config_path)?
                .map(|d| resolve_path(&base, d)),
        };
        let modules = match table.get("module") {
            None => Vec::new(),
            Some(toml::Value::Array(items)) => items.clone(),
            Some(other) => {
                return Err(ConfigError::Invalid {
                    path: config_path.clone(),
                    message: format!(
                        "`module` must be an array of tables ([[module]]), found a {}",
                        other.type_str()
                    ),
                })
            }
        };
        if modules.is_empty() {
            return Err(ConfigError::NoModules { path: config_path });
        }
        let mut out: Vec<ModuleFile> = Vec::with_capacity(modules.len());
        for (index, module) in modules.iter().enumerate() {
            let what = format!("[[module]] #{}", index + 1);
            let toml::Value::Table(module) = module else {
                return Err(ConfigError::Invalid {
                    path: config_path.clone(),
                    message: format!("{what} is not a table"),
                });
            };
            let name = string_key(module, "name", &what, &config_path)?
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| ConfigError::Invalid {
                    path: config_path.clone(),
                    message: format!("{what} has no `name`"),
                })?
                .to_owned();
            if out.iter().any(|m| m.name == name) {
                return Err(ConfigError::Invalid {
                    path: config_path.clone(),
                    message: format!("module `{name}` is declared twice"),
                });
            }
            let what = format!("module `{name}`");
            let file_name = string_key(module, "file_name", &what, &config_path)?
                .map_or_else(|| format!("{name}.wasm"), str::to_owned);
            let load_from = string_key(module, "load_from", &what, &config_path)?;
            let wasm_path = match (load_from, &dir) {
                (Some(load_from), _) => {
                    let path = resolve_path(&base, load_from);
                    let is_file = path.is_file()
                        || (!path.is_dir() && path.extension().is_some_and(|e| e == "wasm"));
                    if is_file {
                        path
                    } else {
                        path.join(&file_name)
                    }
                }
                (None, Some(dir)) => dir.join(&file_name),
                (None, None) => {
                    return Err(ConfigError::NoModulesDir {
                        path: config_path.clone(),
                        module: name,
                    })
                }
            };
            if !wasm_path.is_file() {
                return Err(ConfigError::MissingWasm {
                    config: config_path.clone(),
                    module: name,
                    wasm: wasm_path,
                });
            }
            out.push(ModuleFile { name, wasm_path });
        }
        Ok(ServiceFiles {
            config_path,
            modules_dir,
            modules: out,
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
        assert!(e.contains("`modules_dir` must be a string"), "{e}");

        let config = write(dir.path(), "c4.toml", "modules_dir = \".\"\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(e.contains("declares no [[module]]"), "{e}");

        let config = write(dir.path(), "c5.toml", "[[module]\n");
        let e = ServiceFiles::load(config, None).unwrap_err().to_string();
        assert!(e.contains("invalid service config"), "{e}");
    }
}
