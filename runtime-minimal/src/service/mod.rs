//! A service: the modules of a `Config.toml`, loaded in dependency order into one [`Marine`],
//! with the config's WASI settings, mounted binaries, memory limits and logger settings
//! (reference §A, §B.4 `AppService`).
//!
//! ```no_run
//! use marine_runtime::service::MarineService;
//! use marine_runtime::CallParameters;
//! use serde_json::json;
//!
//! let mut service = MarineService::from_config_path("examples/records-passing/Config.toml")?;
//! let record = json!({"field_0": 1, "field_1": "ab", "field_2": [1], "test_record_0": {"field_0": 5}});
//! let out = service.call("invoke_ref", json!([record]), CallParameters::default())?;
//! assert_eq!(out, json!({"field_0": 9}));
//! println!("{}", service.interface());
//! # Ok::<(), marine_runtime::MarineError>(())
//! ```
//!
//! # Differences from the official runtime
//!
//! - Modules load in dependency order derived from their imports (official: config order,
//!   so a config listing an importer first fails with an unknown-import error); import
//!   cycles and imports from modules missing in the config are reported by name.
//! - Every module-to-module import is checked against the exporter's interface at load time.
//! - `mem_pages_count` / `max_heap_size` limit each module's heap: growth beyond its initial
//!   memory (data and stack), as the runtime that defined them did; `total_memory_limit`
//!   limits the whole service.
//! - Mounted binaries run without a shell, with a cleared environment (only the module's
//!   configured envs), a per-call timeout and capped output.
//! - `unload_module` refuses while other modules import from the module.

mod interface_text;
mod pool;
mod wasm_log;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use interface_text::ServiceInterface;
pub use marine_ast::link::{load_order, OrderError};
pub use pool::{PoolStats, ServicePool};
pub use wasm_log::WasmLogFilter;

use crate::call_parameters::CallParameters;
use crate::config::{ModuleConfig, ServiceConfig};
use crate::disk_cache::DiskCacheOptions;
use crate::engine::{CompiledModule, MarineEngine};
use crate::errors::MarineError;
use crate::host_imports::{is_host_namespace, HostImport};
use crate::interface::ModuleInterface;
use crate::invoke::CallOptions;
use crate::json_args::JsonInput;
use crate::limits::Limits;
use crate::marine::{MModuleConfig, Marine};
use crate::module::JsonSink;
use crate::mounted_binary::{self, RunOptions};
use crate::stdio::CapturedOutput;
use crate::types::{IType, IValue};

/// How a service is created, besides its config.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// The engine (compiled modules are cached per engine, so services created from the same
    /// config on the same engine compile nothing).
    pub engine: MarineEngine,
    /// Default per-call timeout (`None`: unlimited).
    pub call_timeout: Option<Duration>,
    /// Extra environment variables for every module (the `envs` of the official
    /// `AppService::new`); a module's own config envs win.
    pub envs: BTreeMap<String, String>,
    /// Whether modules write to the host's stdout and stderr (default true).
    pub inherit_stdio: bool,
    /// Keep the last this many bytes of each module's stdout and stderr for
    /// [`MarineService::take_module_output`] (`None`: no capture).
    pub capture_output: Option<usize>,
    /// The host's `WASM_LOG` filter; by default read from the process environment.
    pub wasm_log: WasmLogFilter,
    /// Wall-clock limit of one mounted-binary run (default 60 s).
    pub mounted_binary_timeout: Duration,
    /// Bytes kept of a mounted binary's stdout, and separately of its stderr (default 10 MiB).
    pub mounted_binary_output_cap: usize,
    /// Resource bounds of the service's modules; the keys of the config's `[limits]` table
    /// override them.
    pub limits: Limits,
    /// Files each module may have open at once through WASI `path_open`, beyond its
    /// preopened directories and stdio ([`crate::MModuleConfig::max_open_files`]; `None`:
    /// unlimited). Default [`crate::wasi_guard::DEFAULT_MAX_OPEN_FILES`] (128).
    pub max_open_files: Option<u32>,
    /// The persistent compiled-code cache and precompiled `.cwasm` files
    /// ([`crate::disk_cache`]); `None` (default): the engine's settings
    /// ([`MarineEngine::disk_cache`], from `MARINE_NO_CACHE` / `MARINE_CACHE_DIR` unless the
    /// embedder changed them). The keys of the config's `[compiled_cache]` table override it.
    pub compiled_cache: Option<DiskCacheOptions>,
}

impl ServiceOptions {
    /// These options with the disk cache settings `cache`.
    pub fn with_compiled_cache(mut self, cache: DiskCacheOptions) -> Self {
        self.compiled_cache = Some(cache);
        self
    }

    /// The disk cache settings a service from `config` uses: these options' (or the
    /// engine's), with the keys of the config's `[compiled_cache]` table applied.
    pub fn effective_compiled_cache(&self, config: &ServiceConfig) -> DiskCacheOptions {
        let mut cache = self
            .compiled_cache
            .clone()
            .unwrap_or_else(|| self.engine.disk_cache());
        let table = &config.compiled_cache;
        if let Some(enabled) = table.enabled {
            cache.enabled = enabled;
        }
        if let Some(dir) = &table.dir {
            cache.dir = Some(dir.clone());
        }
        if let Some(max_size) = table.max_size {
            cache.max_size = max_size;
        }
        if let Some(trust) = table.trust_precompiled {
            cache.trust_precompiled = trust;
        }
        cache
    }
}

impl Default for ServiceOptions {
    fn default() -> Self {
        let run = RunOptions::default();
        ServiceOptions {
            engine: MarineEngine::shared(),
            call_timeout: None,
            envs: BTreeMap::new(),
            inherit_stdio: true,
            capture_output: None,
            wasm_log: WasmLogFilter::from_env(),
            mounted_binary_timeout: run.timeout,
            mounted_binary_output_cap: run.output_cap_bytes,
            limits: Limits::default(),
            max_open_files: Some(crate::wasi_guard::DEFAULT_MAX_OPEN_FILES),
            compiled_cache: None,
        }
    }
}

/// A running multi-module service.
pub struct MarineService {
    marine: Marine,
    options: ServiceOptions,
    /// Config of every loaded module, by name.
    modules: BTreeMap<String, ModuleConfig>,
    /// The facade: the last module of the config.
    facade: Option<String>,
    /// The config the service was created from.
    config: ServiceConfig,
}

impl std::fmt::Debug for MarineService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarineService")
            .field("config", &self.config.source_label())
            .field("modules", &self.modules.keys().collect::<Vec<_>>())
            .field("facade", &self.facade)
            .finish()
    }
}

impl MarineService {
    /// Reads a `Config.toml` and creates the service with default options.
    pub fn from_config_path(path: impl AsRef<Path>) -> Result<Self, MarineError> {
        Self::from_config(ServiceConfig::from_path(path)?)
    }

    /// Creates the service from a parsed config with default options.
    pub fn from_config(config: ServiceConfig) -> Result<Self, MarineError> {
        Self::with_options(config, ServiceOptions::default())
    }

    /// Creates the service: loads every module of `config` in dependency order.
    pub fn with_options(
        config: ServiceConfig,
        options: ServiceOptions,
    ) -> Result<Self, MarineError> {
        let mut marine = Marine::with_engine(options.engine.clone());
        marine.set_default_call_timeout(options.call_timeout);
        marine.set_total_memory_limit(config.total_memory_limit);
        let limits = config.limits.apply(&options.limits);
        let cache = options.effective_compiled_cache(&config);

        // Compile everything first (cached per engine): the interfaces give the load order.
        let mut compiled = BTreeMap::new();
        let mut deps = Vec::with_capacity(config.modules.len());
        for module in &config.modules {
            let module_compiled = options.engine.compile_file_with_cache(
                &module.name,
                &module.wasm_path,
                &limits,
                &cache,
            )?;
            deps.push((
                module.name.clone(),
                module_dependencies(&module_compiled.interface),
            ));
            compiled.insert(module.name.clone(), module_compiled);
        }
        let order = load_order(&deps).map_err(|e| match e {
            OrderError::MissingModule { importer, missing } => MarineError::MissingImportedModule {
                module: importer,
                imported: missing,
            },
            OrderError::Cycle { cycle } => MarineError::ImportCycle { cycle },
        })?;

        marine.set_limits(limits);
        let mut service = MarineService {
            marine,
            facade: config.facade().map(|m| m.name.clone()),
            modules: BTreeMap::new(),
            options,
            config,
        };
        for name in order {
            let module = service
                .config
                .module(&name)
                .cloned()
                .ok_or_else(|| MarineError::NoSuchModule(name.clone()))?;
            let module_compiled = compiled
                .remove(&name)
                .ok_or_else(|| MarineError::NoSuchModule(name.clone()))?;
            service.load(module, module_compiled)?;
        }
        Ok(service)
    }

    /// Loads one more module at run time. Its imports must be served by modules already
    /// loaded (or the host).
    pub fn load_module(&mut self, module: ModuleConfig) -> Result<(), MarineError> {
        let cache = self.options.effective_compiled_cache(&self.config);
        let compiled = self.options.engine.compile_file_with_cache(
            &module.name,
            &module.wasm_path,
            self.marine.limits(),
            &cache,
        )?;
        self.load(module, compiled)
    }

    /// Loads one compiled module (compiled once per service creation: the bytes are read and
    /// hashed once).
    fn load(
        &mut self,
        module: ModuleConfig,
        compiled: Arc<CompiledModule>,
    ) -> Result<(), MarineError> {
        for dep in module_dependencies(&compiled.interface) {
            if !self.marine.has_module(&dep) {
                return Err(MarineError::MissingImportedModule {
                    module: module.name.clone(),
                    imported: dep,
                });
            }
        }
        let initial_memory = initial_memory_bytes(&compiled.module);
        let runtime_config = self.runtime_config(&module, initial_memory)?;
        self.marine
            .load_compiled_with_config(module.name.clone(), compiled, runtime_config)?;
        self.modules.insert(module.name.clone(), module);
        Ok(())
    }

    /// The runtime settings of one module: envs (config, service, `WASM_LOG`), mapped dirs
    /// (created when missing) and preopened dirs, limits, mounted binaries.
    /// The envs the service sets for `module`: the options' envs, the module's config envs
    /// (which win), and `WASM_LOG` when the host's filter enables logging for it.
    fn configured_envs(&self, module: &ModuleConfig) -> BTreeMap<String, String> {
        let mut envs = self.options.envs.clone();
        envs.extend(module.wasi.envs.clone());
        if let Some(level) = self.options.wasm_log.level_for(&module.name) {
            envs.insert("WASM_LOG".to_string(), level.to_string());
        }
        envs
    }

    /// The environment a loaded module's guest sees: `configured_envs` plus,
    /// as in the official runtime, one variable per mapped or preopened dir (`alias = host
    /// path`) that no env sets. `None` when no such module is loaded.
    pub fn module_envs(&self, module: &str) -> Option<BTreeMap<String, String>> {
        let config = self.modules.get(module)?;
        let mut envs = self.configured_envs(config);
        for (alias, host) in config
            .wasi
            .mapped_dirs
            .iter()
            .chain(&config.wasi.preopened_files)
        {
            envs.entry(alias.clone())
                .or_insert_with(|| host.to_string_lossy().into_owned());
        }
        Some(envs)
    }

    fn runtime_config(
        &self,
        module: &ModuleConfig,
        initial_memory: u64,
    ) -> Result<MModuleConfig, MarineError> {
        let envs = self.configured_envs(module);
        let mut mapped_dirs = Vec::new();
        for (alias, host) in &module.wasi.mapped_dirs {
            create_dir(&module.name, alias, host)?;
            mapped_dirs.push((alias.clone(), host.clone()));
        }
        for (guest, host) in &module.wasi.preopened_files {
            if host.is_file() {
                return Err(MarineError::MappedDir {
                    module: module.name.clone(),
                    alias: guest.clone(),
                    path: host.clone(),
                    reason: "preopened_files entries must be directories (WASI preopens \
                             directories only)"
                        .to_string(),
                });
            }
            create_dir(&module.name, guest, host)?;
            if !mapped_dirs.iter().any(|(alias, _)| alias == guest) {
                mapped_dirs.push((guest.clone(), host.clone()));
            }
        }

        let mut config = MModuleConfig {
            envs: envs.into_iter().collect(),
            mapped_dirs,
            inherit_stdio: self.options.inherit_stdio,
            logging_mask: module.logging_mask,
            mem_limit_bytes: module
                .mem_limit_bytes
                .map(|heap| initial_memory.saturating_add(heap)),
            host_imports: Vec::new(),
            logger_enabled: module.logger_enabled,
            capture_output: self.options.capture_output,
            max_open_files: self
                .config
                .limits
                .max_open_files
                .or(self.options.max_open_files),
        };
        for (name, path) in &module.mounted_binaries {
            config =
                config.with_host_import_in_all_namespaces(name, self.mounted_binary(module, path));
        }
        Ok(config)
    }

    /// The host function of one mounted binary: `(cmd: Vec<String>) -> MountedBinaryResult`.
    /// The binary runs until its own timeout or the call's deadline, whichever is first; at
    /// the call's deadline it is killed (its process group and descendants), what it printed
    /// goes to the module's captured output and the log, and the call fails with
    /// [`MarineError::Timeout`] naming the module.
    fn mounted_binary(&self, module: &ModuleConfig, path: &Path) -> HostImport {
        let options = RunOptions {
            timeout: self.options.mounted_binary_timeout,
            output_cap_bytes: self.options.mounted_binary_output_cap,
            envs: module.wasi.envs.clone(),
            working_dir: self.config.service_working_dir.clone(),
            deadline: None,
        };
        let path = path.to_path_buf();
        HostImport::new(
            vec![IType::Array(Box::new(IType::String))],
            Some(IType::Record(
                Arc::new(mounted_binary::result_record_type()),
            )),
            move |ctx, args| {
                let args = match mounted_binary::args_from_ivalues(args) {
                    Ok(args) => args,
                    Err(shape_error) => return Ok(Some(shape_error.into_ivalue())),
                };
                let options = RunOptions {
                    deadline: ctx.call_deadline(),
                    ..options.clone()
                };
                let report = mounted_binary::run_mounted_binary_detailed(&path, &args, &options);
                if report.call_deadline_passed {
                    ctx.record_call_timeout();
                    let result = &report.result;
                    ctx.append_captured_output(&result.stdout, &result.stderr);
                    log::warn!(
                        target: ctx.module,
                        "mounted binary `{}` killed at the call's deadline after {} ms; it \
                         printed {} bytes to stdout and {} to stderr:\n{}{}",
                        path.display(),
                        report.elapsed.as_millis(),
                        result.stdout.len(),
                        result.stderr.len(),
                        preview(&result.stdout),
                        preview(&result.stderr),
                    );
                    return Err(format!(
                        "mounted binary `{}` killed at the call's deadline",
                        path.display()
                    ));
                }
                Ok(Some(report.result.into_ivalue()))
            },
        )
    }

    /// Removes a module. Refused while other loaded modules import from it.
    pub fn unload_module(&mut self, name: &str) -> Result<(), MarineError> {
        if !self.modules.contains_key(name) {
            return Err(MarineError::NoSuchModule(name.to_string()));
        }
        let importers: Vec<String> = self
            .marine
            .interface()
            .into_iter()
            .filter(|(importer, interface)| {
                importer != name && module_dependencies(interface).iter().any(|d| d == name)
            })
            .map(|(importer, _)| importer)
            .collect();
        if !importers.is_empty() {
            return Err(MarineError::ModuleInUse {
                module: name.to_string(),
                importers,
            });
        }
        self.marine.unload_module(name)?;
        self.modules.remove(name);
        if self.facade.as_deref() == Some(name) {
            self.facade = None;
        }
        Ok(())
    }

    /// Calls `func` of `module` with interface values; `call_params` are seen by every
    /// module the call reaches. The service's default timeout applies.
    pub fn call_with_ivalues(
        &mut self,
        module: &str,
        func: &str,
        args: &[IValue],
        call_params: CallParameters,
    ) -> Result<Vec<IValue>, MarineError> {
        let options = CallOptions::with_call_parameters(call_params);
        self.marine.call_with_options(module, func, args, &options)
    }

    /// Like [`MarineService::call_with_ivalues`], with explicit options (call parameters and a
    /// timeout for this call only).
    pub fn call_with_options(
        &mut self,
        module: &str,
        func: &str,
        args: &[IValue],
        options: &CallOptions,
    ) -> Result<Vec<IValue>, MarineError> {
        self.marine.call_with_options(module, func, args, options)
    }

    /// What a module wrote to stdout and stderr since the last take (needs
    /// [`ServiceOptions::capture_output`]).
    pub fn take_module_output(&mut self, module: &str) -> Result<CapturedOutput, MarineError> {
        self.marine.take_module_output(module)
    }

    /// Calls `func` of `module` with JSON arguments: a positional array, an object by argument
    /// name, a bare value for a one-argument function, or `null` / `[]` / `{}` for none.
    /// The result is `null` without outputs, else the output (records as objects with fields
    /// in declaration order).
    ///
    /// The arguments go from the JSON tree straight into the module's memory and the result
    /// from the module's memory straight into a tree ([`Marine::call_with_json_to`]); a
    /// caller holding text saves the tree both ways with
    /// [`MarineService::call_with_json_str`].
    pub fn call_with_json(
        &mut self,
        module: &str,
        func: &str,
        args: serde_json::Value,
        call_params: CallParameters,
    ) -> Result<serde_json::Value, MarineError> {
        let options = CallOptions::with_call_parameters(call_params);
        let tree = self.marine.call_with_json_to(
            module,
            func,
            JsonInput::Value(&args),
            &options,
            JsonSink::Tree,
        )?;
        Ok(tree.unwrap_or(serde_json::Value::Null))
    }

    /// [`MarineService::call_with_json`] with the arguments as JSON text and the result as
    /// compact JSON text ([`Marine::call_with_json_str`]): neither is parsed into a tree.
    pub fn call_with_json_str(
        &mut self,
        module: &str,
        func: &str,
        args: &str,
        call_params: CallParameters,
    ) -> Result<String, MarineError> {
        let options = CallOptions::with_call_parameters(call_params);
        self.marine.call_with_json_str(module, func, args, &options)
    }

    /// [`MarineService::call_with_json`] with the result delivered to `sink` (text into a
    /// buffer or an `io::Write`, compact or indented, or a tree), as
    /// [`Marine::call_with_json_to`].
    pub fn call_with_json_to(
        &mut self,
        module: &str,
        func: &str,
        args: JsonInput<'_>,
        call_params: CallParameters,
        sink: JsonSink<'_>,
    ) -> Result<Option<serde_json::Value>, MarineError> {
        let options = CallOptions::with_call_parameters(call_params);
        self.marine
            .call_with_json_to(module, func, args, &options, sink)
    }

    /// Calls `func` of the facade module (the last module of the config) with JSON arguments,
    /// as the official `AppService::call`.
    pub fn call(
        &mut self,
        func: &str,
        args: serde_json::Value,
        call_params: CallParameters,
    ) -> Result<serde_json::Value, MarineError> {
        let facade = self.facade.clone().ok_or(MarineError::NoFacade)?;
        self.call_with_json(&facade, func, args, call_params)
    }

    /// The facade module's name (`None` for an empty service or after unloading it).
    pub fn facade_name(&self) -> Option<&str> {
        self.facade.as_deref()
    }

    /// The interface of every module (its `Display` is the mrepl `interface` text).
    pub fn interface(&self) -> ServiceInterface {
        let modules = self.marine.interface();
        ServiceInterface::new(modules.iter().map(|(n, i)| (n.as_str(), i.as_ref())))
    }

    /// The interface of one module.
    pub fn module_interface(&self, module: &str) -> Option<Arc<ModuleInterface>> {
        self.marine.module_interface(module)
    }

    /// Names of the loaded modules, sorted.
    pub fn module_names(&self) -> Vec<String> {
        self.marine.module_names()
    }

    /// The config of a loaded module (envs, mapped dirs, mounted binaries, limits).
    pub fn module_config(&self, name: &str) -> Option<&ModuleConfig> {
        self.modules.get(name)
    }

    /// The options the service was created with.
    pub fn options(&self) -> &ServiceOptions {
        &self.options
    }

    /// The disk cache settings the service compiles with (its options' or its engine's,
    /// with the config's `[compiled_cache]` keys applied).
    pub fn compiled_cache(&self) -> DiskCacheOptions {
        self.options.effective_compiled_cache(&self.config)
    }

    /// The config the service was created from.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Linear memory size in bytes of each module, sorted by name.
    pub fn module_memory_stats(&self) -> Vec<(String, usize)> {
        self.marine.module_memory_stats()
    }

    /// Sets the default per-call timeout (`None`: unlimited).
    pub fn set_call_timeout(&mut self, timeout: Option<Duration>) {
        self.options.call_timeout = timeout;
        self.marine.set_default_call_timeout(timeout);
    }

    /// The default per-call timeout.
    pub fn call_timeout(&self) -> Option<Duration> {
        self.options.call_timeout
    }

    /// The underlying module set (low-level access).
    pub fn marine(&self) -> &Marine {
        &self.marine
    }

    /// The underlying module set, mutably (low-level access).
    pub fn marine_mut(&mut self) -> &mut Marine {
        &mut self.marine
    }
}

/// At most 4 KiB of `bytes` as text, for a log line.
fn preview(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
}

/// The other modules `interface` imports from (host namespaces excluded), in first-seen order.
fn module_dependencies(interface: &ModuleInterface) -> Vec<String> {
    let mut seen = BTreeSet::new();
    interface
        .imports
        .iter()
        .filter(|i| !is_host_namespace(&i.namespace))
        .filter(|i| seen.insert(i.namespace.clone()))
        .map(|i| i.namespace.clone())
        .collect()
}

/// The declared minimum size of the module's memory in bytes.
fn initial_memory_bytes(module: &wasmtime::Module) -> u64 {
    module
        .exports()
        .find_map(|export| export.ty().memory().map(|m| m.minimum()))
        .unwrap_or(0)
        .saturating_mul(crate::config::WASM_PAGE_SIZE)
}

fn create_dir(module: &str, alias: &str, host: &Path) -> Result<(), MarineError> {
    std::fs::create_dir_all(host).map_err(|e| MarineError::MappedDir {
        module: module.to_string(),
        alias: alias.to_string(),
        path: host.to_path_buf(),
        reason: format!("cannot create it: {e}"),
    })
}
