//! Executing REPL commands on a [`MarineService`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use marine_runtime::config::{ModuleConfig, ServiceConfig};
use marine_runtime::service::{MarineService, ServiceOptions};
use marine_runtime::{CallParameters, JsonInput, JsonSink};
use serde_json::Value;

use super::command::{self, Command};
use super::completion::Catalog;
use super::format;

/// The call timeout used when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings that outlive one service (kept across `new`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--working-dir`: the service working dir (working folder of mounted binaries).
    pub working_dir: Option<PathBuf>,
    /// Per-call timeout; `None` = unlimited.
    pub timeout: Option<Duration>,
    /// `--no-cache`, `--cache-dir`, `--trust-precompiled`: the compiled-module disk cache
    /// (`None`: the runtime's default, from `MARINE_NO_CACHE` / `MARINE_CACHE_DIR`).
    pub compiled_cache: Option<marine_runtime::DiskCacheOptions>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            working_dir: None,
            timeout: Some(DEFAULT_TIMEOUT),
            compiled_cache: None,
        }
    }
}

/// What executing one input produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Normal output (may be empty).
    Output(String),
    /// An error message.
    Error(String),
    /// The user asked to quit.
    Quit,
}

/// A REPL session: the current service and the settings.
pub struct Session {
    service: MarineService,
    settings: Settings,
}

/// Creates a service from an optional config path (an empty service without one).
pub fn create_service(
    config: Option<&Path>,
    settings: &Settings,
) -> Result<MarineService, Box<marine_runtime::MarineError>> {
    let mut config = match config {
        Some(path) => ServiceConfig::from_path(path).map_err(|e| Box::new(e.into()))?,
        None => {
            let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            ServiceConfig::from_toml_str("", base).map_err(|e| Box::new(e.into()))?
        }
    };
    if let Some(dir) = &settings.working_dir {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        config.service_working_dir = Some(cwd.join(dir));
    }
    let options = ServiceOptions {
        call_timeout: settings.timeout,
        compiled_cache: settings.compiled_cache.clone(),
        ..ServiceOptions::default()
    };
    MarineService::with_options(config, options).map_err(Box::new)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The config of a module loaded with `load <name> <path> [module-config]`.
///
/// Without a config file the module gets the defaults (logger on, no envs, no mapped
/// folders, no mounted binaries). A config file is either a whole service config (the module
/// named `name` is taken, or its only module) or the keys of one `[[module]]` table
/// (`logger_enabled`, `[wasi]`, `[mounted_binaries]`, ...). Its relative paths are resolved
/// against the file's folder; the wasm file is always `path`.
pub fn module_config_for_load(
    name: &str,
    path: &Path,
    config: Option<&Path>,
) -> Result<ModuleConfig, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let wasm_path = cwd.join(path);
    let Some(config_path) = config else {
        let text = format!(
            "[[module]]\nname = {}\nload_from = {}\n",
            toml_string(name),
            toml_string(&wasm_path.to_string_lossy())
        );
        let service = ServiceConfig::from_toml_str(&text, &cwd).map_err(|e| e.to_string())?;
        return service
            .modules
            .into_iter()
            .next()
            .ok_or_else(|| "internal: generated config has no module".to_string());
    };
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {}", config_path.display(), e.message()))?;
    let base = cwd
        .join(config_path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());
    let load_from = toml::Value::String(wasm_path.to_string_lossy().into_owned());
    let mut service_table = if table.contains_key("module") {
        // A whole service config: keep its top-level keys ([default], ...) and the module
        // named `name` (or its only module).
        let mut table = table;
        let modules = match table.remove("module") {
            Some(toml::Value::Array(modules)) => modules,
            _ => {
                return Err(format!(
                    "{}: `module` must be an array of tables ([[module]])",
                    config_path.display()
                ))
            }
        };
        let named = |m: &toml::Value| m.get("name").and_then(|n| n.as_str()) == Some(name);
        let entry = match modules.iter().position(named) {
            Some(i) => modules[i].clone(),
            None if modules.len() == 1 => modules[0].clone(),
            None => {
                return Err(format!(
                    "{} has no module named `{name}`",
                    config_path.display()
                ))
            }
        };
        let toml::Value::Table(entry) = entry else {
            return Err(format!(
                "{}: `module` entries must be tables",
                config_path.display()
            ));
        };
        table.insert(
            "module".into(),
            toml::Value::Array(vec![toml::Value::Table(entry)]),
        );
        table
    } else {
        // The keys of one [[module]] table.
        let mut wrapper = toml::Table::new();
        wrapper.insert(
            "module".into(),
            toml::Value::Array(vec![toml::Value::Table(table)]),
        );
        wrapper
    };
    if let Some(toml::Value::Array(modules)) = service_table.get_mut("module") {
        if let Some(toml::Value::Table(entry)) = modules.first_mut() {
            entry.insert("name".into(), toml::Value::String(name.to_string()));
            entry.insert("load_from".into(), load_from);
        }
    }
    let service = ServiceConfig::from_toml_str(&service_table.to_string(), &base)
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    let mut module = service
        .modules
        .into_iter()
        .next()
        .ok_or_else(|| "internal: generated config has no module".to_string())?;
    module.name = name.to_string();
    module.wasm_path = wasm_path;
    Ok(module)
}

impl Session {
    /// Starts a session on a service.
    pub fn new(service: MarineService, settings: Settings) -> Self {
        Session { service, settings }
    }

    /// The current service.
    pub fn service(&self) -> &MarineService {
        &self.service
    }

    /// Module and function names, for completion.
    pub fn catalog(&self) -> Catalog {
        Catalog {
            modules: self
                .service
                .module_names()
                .into_iter()
                .map(|m| {
                    let functions = self
                        .service
                        .module_interface(&m)
                        .map(|i| i.functions.keys().cloned().collect())
                        .unwrap_or_default();
                    (m, functions)
                })
                .collect(),
        }
    }

    /// Parses and executes one (possibly multi-line) input.
    pub fn execute_line(&mut self, input: &str) -> Reply {
        match command::parse(input) {
            Ok(cmd) => self.execute(cmd),
            Err(e) => Reply::Error(e.to_string()),
        }
    }

    /// Executes one command.
    pub fn execute(&mut self, cmd: Command) -> Reply {
        match cmd {
            Command::Nothing => Reply::Output(String::new()),
            Command::Quit => Reply::Quit,
            Command::Help => Reply::Output(command::help_text()),
            Command::New { config } => {
                let start = Instant::now();
                match create_service(config.as_deref(), &self.settings) {
                    Ok(service) => {
                        self.service = service;
                        Reply::Output(format::service_created(&format::uuid_v4(), start.elapsed()))
                    }
                    Err(e) => {
                        Reply::Error(format!("failed to create a new application service: {e}"))
                    }
                }
            }
            Command::Load { name, path, config } => {
                let module = match module_config_for_load(&name, &path, config.as_deref()) {
                    Ok(m) => m,
                    Err(e) => return Reply::Error(format!("loading failed with: {e}")),
                };
                let start = Instant::now();
                match self.service.load_module(module) {
                    Ok(()) => Reply::Output(format!(
                        "module successfully loaded into App service\n{}\n",
                        format::elapsed(start.elapsed())
                    )),
                    Err(e) => Reply::Error(format!("loading failed with: {e}")),
                }
            }
            Command::Unload { name } => {
                let start = Instant::now();
                match self.service.unload_module(&name) {
                    Ok(()) => Reply::Output(format!(
                        "module successfully unloaded from App service\n{}\n",
                        format::elapsed(start.elapsed())
                    )),
                    Err(e) => Reply::Error(format!("unloading failed with: {e}")),
                }
            }
            Command::Call {
                module,
                function,
                no_result,
                args,
                call_parameters,
            } => self.call(&module, &function, no_result, args, call_parameters),
            Command::Interface => Reply::Output(format!(
                "Loaded modules interface:\n{}",
                self.service.interface()
            )),
            Command::Stats => Reply::Output(format!(
                "{}{}",
                format::stats_text(&self.service.module_memory_stats()),
                format::cache_stats_text(
                    &self.service.compiled_cache(),
                    &self.service.options().engine.disk_cache_stats()
                )
            )),
            Command::Envs { module } => match self.service.module_envs(&module) {
                // Exactly what the guest sees: config and service envs, `WASM_LOG`, and one
                // variable per mapped dir.
                Some(envs) => Reply::Output(format::envs_text(&module, &envs)),
                None => Reply::Error(format!("module `{module}` is not loaded")),
            },
            Command::Fs { module } => match self.service.module_config(&module) {
                Some(config) => Reply::Output(format::fs_text(
                    &module,
                    &config.wasi.mapped_dirs,
                    &config.wasi.preopened_files,
                )),
                None => Reply::Error(format!("module `{module}` is not loaded")),
            },
            Command::Timeout { set } => {
                if let Some(timeout) = set {
                    self.settings.timeout = timeout;
                    self.service.set_call_timeout(timeout);
                }
                Reply::Output(match self.settings.timeout {
                    Some(t) => format!("call timeout: {t:?}\n"),
                    None => "call timeout: none\n".to_string(),
                })
            }
        }
    }

    fn call(
        &mut self,
        module: &str,
        function: &str,
        no_result: bool,
        args: String,
        call_parameters: Option<Value>,
    ) -> Reply {
        let cp = match call_parameters {
            None => CallParameters::default(),
            Some(v) => match serde_json::from_value::<CallParameters>(v) {
                Ok(cp) => cp,
                Err(e) => return Reply::Error(format!("invalid call parameters: {e}")),
            },
        };
        // The arguments go from the text into the module's memory and the result from the
        // module's memory into text (or nowhere, with `-nr`): no JSON tree either way.
        let start = Instant::now();
        let mut text = Vec::new();
        let mut nowhere = std::io::sink();
        let sink = if no_result {
            JsonSink::Writer {
                out: &mut nowhere,
                pretty: false,
            }
        } else {
            JsonSink::Buffer {
                out: &mut text,
                pretty: true,
            }
        };
        let result =
            self.service
                .call_with_json_to(module, function, JsonInput::Text(&args), cp, sink);
        let elapsed = start.elapsed();
        match result {
            Ok(_) if no_result => {
                Reply::Output(format!("call succeeded, {}\n", format::elapsed(elapsed)))
            }
            Ok(_) => Reply::Output(format!(
                "result: {}\n{}\n",
                String::from_utf8_lossy(&text),
                format::elapsed(elapsed)
            )),
            Err(e) => Reply::Error(format!("call failed with: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_config_from_module_keys_or_a_service_config() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("m.wasm");
        let keys = dir.path().join("keys.toml");
        std::fs::write(&keys, "logging_mask = 3\n[wasi]\nenvs = { A = \"1\" }\n").unwrap();
        let m = module_config_for_load("m", &wasm, Some(&keys)).unwrap();
        assert_eq!(m.name, "m");
        assert_eq!(m.wasm_path, wasm);
        assert_eq!(m.logging_mask, 3);
        assert_eq!(m.wasi.envs.get("A").map(String::as_str), Some("1"));

        let service = dir.path().join("Config.toml");
        std::fs::write(
            &service,
            "[[module]]\nname = \"a\"\n[module.wasi]\nenvs = { WHO = \"a\" }\n\n[[module]]\nname = \"b\"\n[module.wasi]\nenvs = { WHO = \"b\" }\n",
        )
        .unwrap();
        let b = module_config_for_load("b", &wasm, Some(&service)).unwrap();
        assert_eq!(b.wasi.envs.get("WHO").map(String::as_str), Some("b"));
        assert_eq!(b.wasm_path, wasm);
        let err = module_config_for_load("c", &wasm, Some(&service)).unwrap_err();
        assert!(err.contains("has no module named `c`"), "{err}");

        let plain = module_config_for_load("p", &wasm, None).unwrap();
        assert_eq!(plain.wasm_path, wasm);
        assert!(plain.wasi.envs.is_empty());
        assert!(plain.logger_enabled);

        let err =
            module_config_for_load("p", &wasm, Some(&dir.path().join("none.toml"))).unwrap_err();
        assert!(err.contains("none.toml"), "{err}");
        std::fs::write(&keys, "no_such_key = 1\n").unwrap();
        let err = module_config_for_load("m", &wasm, Some(&keys)).unwrap_err();
        assert!(err.contains("keys.toml"), "{err}");
    }
}
