//! The public façade: a set of modules, each in its own store, forming a "service".

use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::call_context::CallContext;
use crate::config::env_problem;
use crate::engine::{CompiledModule, MarineEngine, NO_DEADLINE};
use crate::errors::MarineError;
use crate::host_imports::{HostImport, HOST_NAMESPACES};
use crate::interface::ModuleInterface;
use crate::invoke::{top_level, CallOptions, Classify};
use crate::json_args::JsonInput;
use crate::limits::Limits;
use crate::linking::link_module;
use crate::module::{JsonSink, MModule, ModuleOutput, ModuleRegistry};
use crate::stdio::{CapturedOutput, GuestOutput, HostStream, OutputTail, STDERR_TAIL_BYTES};
use crate::store::{InstanceLimits, MemoryStats, SharedState, StoreState};
use crate::types::IValue;
use crate::wasi_guard::{WasiGuard, DEFAULT_MAX_OPEN_FILES};

/// Where a module's bytes come from.
#[derive(Clone, Debug)]
pub enum ModuleSource {
    /// Wasm binary bytes.
    Bytes(Vec<u8>),
    /// A `.wasm` file.
    Path(PathBuf),
}

impl From<Vec<u8>> for ModuleSource {
    fn from(v: Vec<u8>) -> Self {
        ModuleSource::Bytes(v)
    }
}
impl From<&Vec<u8>> for ModuleSource {
    fn from(v: &Vec<u8>) -> Self {
        ModuleSource::Bytes(v.clone())
    }
}
impl From<&[u8]> for ModuleSource {
    fn from(v: &[u8]) -> Self {
        ModuleSource::Bytes(v.to_vec())
    }
}
impl<const N: usize> From<&[u8; N]> for ModuleSource {
    fn from(v: &[u8; N]) -> Self {
        ModuleSource::Bytes(v.to_vec())
    }
}
impl From<PathBuf> for ModuleSource {
    fn from(p: PathBuf) -> Self {
        ModuleSource::Path(p)
    }
}
impl From<&Path> for ModuleSource {
    fn from(p: &Path) -> Self {
        ModuleSource::Path(p.to_path_buf())
    }
}
impl From<&PathBuf> for ModuleSource {
    fn from(p: &PathBuf) -> Self {
        ModuleSource::Path(p.clone())
    }
}

/// Per-module settings (the runtime side of a `[[module]]` config entry).
#[derive(Clone, Debug)]
pub struct MModuleConfig {
    /// Environment variables of the module's WASI context.
    pub envs: Vec<(String, String)>,
    /// Preopened directories: (guest path / alias, host path). The host directory must exist.
    pub mapped_dirs: Vec<(String, PathBuf)>,
    /// Inherit the host's stdout and stderr (default true, as the official runtime).
    pub inherit_stdio: bool,
    /// Logger target mask (§5.2); default `i32::MAX`.
    pub logging_mask: i32,
    /// Limit of this module's linear memory in bytes (`None`: unlimited). Growth beyond it
    /// makes `memory.grow` fail in the guest (an initial memory beyond it fails loading).
    pub mem_limit_bytes: Option<u64>,
    /// Extra host functions: (namespace, name, function). They may shadow the built-in
    /// logger.
    pub host_imports: Vec<(String, String, HostImport)>,
    /// Whether the logger import logs (default true). When false, a module importing
    /// `log_utf8_string` still links and its log calls do nothing.
    pub logger_enabled: bool,
    /// Capture the module's stdout and stderr in memory, keeping the most recent this many
    /// bytes of each (`None`, the default: no capture). Take them with
    /// [`Marine::take_module_output`]. Independent of `inherit_stdio` (both may be on).
    pub capture_output: Option<usize>,
    /// Files and directories the module may have open at once through WASI `path_open`,
    /// beyond its preopened directories and stdio (`None`: unlimited). Past it, `path_open`
    /// gives the guest `EMFILE`. Default [`DEFAULT_MAX_OPEN_FILES`] (128).
    pub max_open_files: Option<u32>,
}

impl MModuleConfig {
    /// Adds a host function under `name` in all four host namespaces (`host`,
    /// `__marine_host_api_v1..v3`), as the official runtime does for mounted binaries.
    pub fn with_host_import_in_all_namespaces(mut self, name: &str, import: HostImport) -> Self {
        for ns in HOST_NAMESPACES {
            self.host_imports
                .push((ns.to_string(), name.to_string(), import.clone()));
        }
        self
    }
}

impl Default for MModuleConfig {
    fn default() -> Self {
        MModuleConfig {
            envs: Vec::new(),
            mapped_dirs: Vec::new(),
            inherit_stdio: true,
            logging_mask: i32::MAX,
            mem_limit_bytes: None,
            host_imports: Vec::new(),
            logger_enabled: true,
            capture_output: None,
            max_open_files: Some(DEFAULT_MAX_OPEN_FILES),
        }
    }
}

/// A set of named modules, each instantiated in a wasmtime store of its own (so unloading one
/// frees all it held), calling each other through typed adapters.
///
/// ```no_run
/// use marine_runtime::{IValue, Marine};
/// let mut marine = Marine::new();
/// marine.load_module("greeting", std::path::Path::new("greeting.wasm")).unwrap();
/// let out = marine
///     .call_with_ivalues("greeting", "greeting", &[IValue::String("user".into())])
///     .unwrap();
/// assert_eq!(out, vec![IValue::String("Hi, user".into())]);
/// ```
///
/// Calls are synchronous and take `&mut self`: calls into one service are serialized (§7 item
/// 10). After a [`MarineError::Trap`] the module stays loaded and further calls are attempted
/// normally, but the guest may be in an inconsistent state (a panic in the middle of an
/// allocation, a poisoned `RefCell`); unload and reload the module to start afresh.
pub struct Marine {
    engine: MarineEngine,
    shared: SharedState,
    modules: HashMap<String, Arc<MModule>>,
    default_timeout: Option<Duration>,
    limits: Limits,
}

impl std::fmt::Debug for Marine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Marine")
            .field("modules", &self.modules.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for Marine {
    fn default() -> Self {
        Self::new()
    }
}

impl Marine {
    /// An empty service on the process-wide shared engine ([`MarineEngine::shared`]).
    pub fn new() -> Self {
        Self::with_engine(MarineEngine::shared())
    }

    /// An empty service on the given engine (compiled modules are cached per engine).
    pub fn with_engine(engine: MarineEngine) -> Self {
        Marine {
            engine,
            shared: SharedState::default(),
            modules: HashMap::new(),
            default_timeout: None,
            limits: Limits::default(),
        }
    }

    /// A store for one module of this service: its memory limiter, and an epoch deadline
    /// (armed by each call entering it) whose passing records which module was running.
    fn module_store(&self, state: StoreState) -> Store<StoreState> {
        let mut store = Store::new(self.engine.engine(), state);
        store.limiter(|state| state as &mut dyn ResourceLimiter);
        store.set_epoch_deadline(NO_DEADLINE);
        store.epoch_deadline_callback(|ctx| {
            ctx.data().record_timeout();
            Ok(UpdateDeadline::Interrupt)
        });
        store
    }

    /// Sets the timeout of calls that do not set their own ([`CallOptions::timeout`]), also
    /// applied to a module's `_initialize` / `_start` at load; `None` (the default): unlimited.
    pub fn set_default_call_timeout(&mut self, timeout: Option<Duration>) {
        self.default_timeout = timeout;
    }

    /// The default call timeout.
    pub fn default_call_timeout(&self) -> Option<Duration> {
        self.default_timeout
    }

    /// Sets the [`Limits`] modules loaded from now on must keep within (modules already
    /// loaded are not checked again).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The [`Limits`] of this service.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The engine.
    pub fn engine(&self) -> &MarineEngine {
        &self.engine
    }

    /// Loads and instantiates a module with the default [`MModuleConfig`].
    pub fn load_module(
        &mut self,
        name: impl Into<String>,
        source: impl Into<ModuleSource>,
    ) -> Result<(), MarineError> {
        self.load_module_with_config(name, source, MModuleConfig::default())
    }

    /// Loads and instantiates a module: reads the file (if a path), parses the interface and
    /// compiles (both cached per engine by content), creates the module's WASI context,
    /// instantiates, runs `_initialize` / `_start`, and checks the ABI exports.
    pub fn load_module_with_config(
        &mut self,
        name: impl Into<String>,
        source: impl Into<ModuleSource>,
        config: MModuleConfig,
    ) -> Result<(), MarineError> {
        let name = name.into();
        if self.modules.contains_key(&name) {
            return Err(MarineError::NonUniqueModuleName(name));
        }
        let compiled = match source.into() {
            ModuleSource::Path(path) => {
                self.engine
                    .compile_file_with_limits(&name, &path, &self.limits)?
            }
            ModuleSource::Bytes(wasm) => {
                self.engine
                    .compile_with_limits(&name, &wasm, &self.limits)?
            }
        };
        self.load_compiled_with_config(name, compiled, config)
    }

    /// Loads a module already compiled by this service's engine ([`MarineEngine::compile`]):
    /// as [`Marine::load_module_with_config`] without reading, hashing or compiling the bytes
    /// again. A module compiled by another engine is an [`MarineError::Instantiate`] error.
    pub fn load_compiled_with_config(
        &mut self,
        name: impl Into<String>,
        compiled: Arc<CompiledModule>,
        config: MModuleConfig,
    ) -> Result<(), MarineError> {
        let name = name.into();
        if self.modules.contains_key(&name) {
            return Err(MarineError::NonUniqueModuleName(name));
        }
        if !wasmtime::Engine::same(compiled.module.engine(), self.engine.engine()) {
            return Err(MarineError::Instantiate {
                module: name,
                message: "the module was compiled by another engine than this service's"
                    .to_string(),
                source: None,
            });
        }
        self.limits.check(&name, &compiled.metrics)?;

        for (key, value) in &config.envs {
            if let Some(reason) = env_problem(key, value) {
                return Err(MarineError::Instantiate {
                    module: name,
                    message: reason,
                    source: None,
                });
            }
        }
        if let Some((alias, path)) = config.mapped_dirs.iter().find(|(a, _)| a.contains('\0')) {
            return Err(MarineError::MappedDir {
                module: name.clone(),
                alias: alias.clone(),
                path: path.clone(),
                reason: "the alias holds NUL".to_string(),
            });
        }
        let mut wasi = WasiCtxBuilder::new();
        let stderr_tail = OutputTail::new(STDERR_TAIL_BYTES);
        let capture = config
            .capture_output
            .map(|cap| (OutputTail::new(cap), OutputTail::new(cap)));
        let (mut out_tails, mut err_tails) = (Vec::new(), vec![stderr_tail.clone()]);
        if let Some((out, err)) = &capture {
            out_tails.push(out.clone());
            err_tails.push(err.clone());
        }
        let host = |stream| {
            if config.inherit_stdio {
                stream
            } else {
                HostStream::None
            }
        };
        wasi.stdout(GuestOutput::new(out_tails, host(HostStream::Stdout)));
        wasi.stderr(GuestOutput::new(err_tails, host(HostStream::Stderr)));
        for (k, v) in &config.envs {
            wasi.env(k, v);
        }
        // As the official runtime: every mapped dir is also an env var `alias = host path`, so
        // guests can translate paths for mounted binaries. Explicit envs win.
        for (alias, host) in &config.mapped_dirs {
            if !config.envs.iter().any(|(k, _)| k == alias) {
                wasi.env(alias, host.to_string_lossy());
            }
        }
        for (alias, host) in &config.mapped_dirs {
            wasi.preopened_dir(host, alias, FsPerms::ReadWrite)
                .map_err(|e| MarineError::Instantiate {
                    module: name.clone(),
                    message: format!("cannot map dir {} as `{alias}`: {e}", host.display()),
                    source: None,
                })?;
        }
        let mut state = StoreState::new(name.clone(), wasi.build_p1(), self.shared.clone());
        state.logging_mask = config.logging_mask;
        state.mem_limit = config.mem_limit_bytes;
        state.instance_limits = InstanceLimits::from(&self.limits);
        state.logger_enabled = config.logger_enabled;
        let mut store = self.module_store(state);
        let output = ModuleOutput {
            stderr_tail,
            capture,
        };

        // On failure the store is dropped here, giving its memory back to the total.
        store
            .data_mut()
            .set_extension(WasiGuard::new(&name, config.max_open_files));
        let pre = link_module(
            &self.engine,
            &mut store,
            &name,
            &compiled,
            &self.modules,
            &config.host_imports,
        )?;
        let module = top_level(
            Default::default(),
            self.default_timeout,
            Classify::NoMemoryLimit,
            |call| MModule::instantiate(store, &pre, compiled, output, call),
        )?;
        let module = Arc::new(module);
        ModuleRegistry::insert(&mut self.shared.lock(), &name, &module);
        self.modules.insert(name, module);
        Ok(())
    }

    /// Removes a module. Modules that import from it keep working (their adapters hold the
    /// module), as in the official runtime; it is freed with the last of them. When nothing
    /// refers to it any more, it is freed at once: its store goes, and with it the instance,
    /// the linear memory (pages and address-space reservation), the WASI context (files and
    /// dirs), and its share of the total memory limit.
    pub fn unload_module(&mut self, name: &str) -> Result<(), MarineError> {
        let module = self
            .modules
            .remove(name)
            .ok_or_else(|| MarineError::NoSuchModule(name.to_string()))?;
        ModuleRegistry::remove(&mut self.shared.lock(), name);
        drop(module);
        Ok(())
    }

    /// Calls `func` of `module` with interface values, default call parameters and the
    /// default timeout; see [`Marine::call_with_options`].
    pub fn call_with_ivalues(
        &mut self,
        module: &str,
        func: &str,
        args: &[IValue],
    ) -> Result<Vec<IValue>, MarineError> {
        self.call_with_options(module, func, args, &CallOptions::default())
    }

    /// Calls `func` of `module` with interface values (the export protocol of §2.3) as a top-level call:
    /// `options.call_parameters` are what `get_call_parameters` returns in every module the
    /// call reaches, and the call is interrupted after `options.timeout` (or the default
    /// timeout) with [`MarineError::Timeout`]. A failure after a refused memory growth is
    /// [`MarineError::MemoryLimit`]; a call into a module already on the call stack is
    /// [`MarineError::Reentrancy`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use marine_runtime::{CallOptions, CallParameters, IValue, Marine, MarineError};
    /// let mut marine = Marine::new();
    /// marine.load_module("greeting", std::path::Path::new("greeting.wasm")).unwrap();
    /// let mut cp = CallParameters::default();
    /// cp.particle.init_peer_id = "12D3KooW...".into();
    /// let options = CallOptions::with_call_parameters(cp).timeout(Duration::from_secs(1));
    /// match marine.call_with_options("greeting", "greeting", &[IValue::String("a".into())], &options) {
    ///     Ok(out) => println!("{out:?}"),
    ///     Err(MarineError::Timeout { module, .. }) => eprintln!("{module} ran too long"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// ```
    pub fn call_with_options(
        &mut self,
        module: &str,
        func: &str,
        args: &[IValue],
        options: &CallOptions,
    ) -> Result<Vec<IValue>, MarineError> {
        self.call_module(module, options, |m, call| m.call(call, func, args))
    }

    /// Calls `func` of `module` with JSON arguments given as text and returns the result as
    /// JSON text (compact), as a top-level call with `options` (see
    /// [`Marine::call_with_options`]). The arguments follow the rules of
    /// [`crate::json`] (a positional array, an object by argument name, a bare value for a
    /// one-argument function, `null` / `[]` / `{}` for none) and are written into the
    /// module's memory as they are parsed; the result is written from the module's memory
    /// (`null` without outputs). Neither passes through `IValue`s or a `serde_json::Value`.
    ///
    /// ```no_run
    /// use marine_runtime::{CallOptions, Marine};
    /// let mut marine = Marine::new();
    /// marine.load_module("greeting", std::path::Path::new("greeting.wasm")).unwrap();
    /// let out = marine.call_with_json_str("greeting", "greeting", r#"["Marine"]"#, &CallOptions::default())?;
    /// assert_eq!(out, r#""Hi, Marine""#);
    /// # Ok::<(), marine_runtime::MarineError>(())
    /// ```
    pub fn call_with_json_str(
        &mut self,
        module: &str,
        func: &str,
        args: &str,
        options: &CallOptions,
    ) -> Result<String, MarineError> {
        let mut out = Vec::new();
        let sink = JsonSink::Buffer {
            out: &mut out,
            pretty: false,
        };
        self.call_with_json_to(module, func, JsonInput::Text(args), options, sink)?;
        String::from_utf8(out)
            .map_err(|_| MarineError::Engine("internal: JSON text that is not UTF-8".into()))
    }

    /// Calls `func` of `module` with JSON arguments (text or a tree, [`JsonInput`]) and
    /// delivers the result as JSON to `sink`: text into a buffer or an `io::Write`, or a
    /// `serde_json::Value` (returned) for [`JsonSink::Tree`]. The result is checked (bounds,
    /// UTF-8, and its size against [`crate::Limits::max_value_size`]) before anything is
    /// written, then written straight from the module's memory; a writer's failure is
    /// [`MarineError::JsonOutput`] (the writer may have received part of the text).
    pub fn call_with_json_to(
        &mut self,
        module: &str,
        func: &str,
        args: JsonInput<'_>,
        options: &CallOptions,
        sink: JsonSink<'_>,
    ) -> Result<Option<serde_json::Value>, MarineError> {
        self.call_module(module, options, |m, call| {
            m.call_json(call, func, args, sink)
        })
    }

    /// The loaded module `module`, or [`MarineError::NoSuchModule`].
    fn loaded(&self, module: &str) -> Result<&Arc<MModule>, MarineError> {
        self.modules
            .get(module)
            .ok_or_else(|| MarineError::NoSuchModule(module.to_string()))
    }

    /// Runs `f` with the loaded module `module` (kept alive for the call) as a top-level
    /// call: the call parameters of `options`, its timeout or else the default one.
    fn call_module<R>(
        &self,
        module: &str,
        options: &CallOptions,
        f: impl FnOnce(&MModule, &Arc<CallContext>) -> Result<R, MarineError>,
    ) -> Result<R, MarineError> {
        let m = Arc::clone(self.loaded(module)?);
        top_level(
            options.call_parameters.clone(),
            options.timeout.or(self.default_timeout),
            Classify::All,
            |call| f(&m, call),
        )
    }

    /// Takes what a module wrote to stdout and stderr since the last take, when its config
    /// enabled [`MModuleConfig::capture_output`] (else [`MarineError::OutputNotCaptured`]).
    pub fn take_module_output(&mut self, module: &str) -> Result<CapturedOutput, MarineError> {
        let m = self.loaded(module)?;
        let (out, err) = m
            .output()
            .capture
            .as_ref()
            .ok_or_else(|| MarineError::OutputNotCaptured(module.to_string()))?;
        let (stdout, stdout_dropped) = out.take();
        let (stderr, stderr_dropped) = err.take();
        Ok(CapturedOutput {
            stdout,
            stderr,
            stdout_dropped,
            stderr_dropped,
        })
    }

    /// The interface of a loaded module.
    pub fn module_interface(&self, name: &str) -> Option<Arc<ModuleInterface>> {
        self.modules.get(name).map(|m| m.interface().clone())
    }

    /// Interfaces of all loaded modules, sorted by module name.
    pub fn interface(&self) -> Vec<(String, Arc<ModuleInterface>)> {
        let mut v: Vec<_> = self
            .modules
            .iter()
            .map(|(n, m)| (n.clone(), m.interface().clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// True when a module with this name is loaded.
    pub fn has_module(&self, name: &str) -> bool {
        self.modules.contains_key(name)
    }

    /// Names of the loaded modules, sorted.
    pub fn module_names(&self) -> Vec<String> {
        let mut v: Vec<_> = self.modules.keys().cloned().collect();
        v.sort();
        v
    }

    /// Linear memory size in bytes of each loaded module, sorted by name.
    pub fn module_memory_stats(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = self
            .modules
            .iter()
            .map(|(n, m)| (n.clone(), m.memory_size()))
            .collect();
        v.sort();
        v
    }

    /// Limits the total linear memory of all modules (reference §A.3, §D); `None` removes the
    /// limit. Memory already granted is counted.
    pub fn set_total_memory_limit(&mut self, limit: Option<u64>) {
        self.shared.lock().memory.total_limit = limit;
    }

    /// Memory accounting: total limit, total granted, refused growths.
    pub fn memory_stats(&self) -> MemoryStats {
        self.shared.lock().memory
    }

    /// Resets the refused-growth counter of [`Marine::memory_stats`].
    pub fn clear_allocation_stats(&mut self) {
        self.shared.lock().memory.allocation_rejects = 0;
    }

    /// A loaded module (low-level access: ABI handles, instance, [`MModule::with_store`]).
    pub fn module(&self, name: &str) -> Option<&Arc<MModule>> {
        self.modules.get(name)
    }

    /// Stores a value of type `T` that host functions reach with
    /// [`crate::HostContext::with_extension`] (for example a counter, or a handle on embedder
    /// state); returns the previous one.
    pub fn set_extension<T: Any + Send>(&mut self, value: T) -> Option<T> {
        self.shared.lock().set_extension(value)
    }
}
