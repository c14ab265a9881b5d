//! Error types.
//!
//! [`MarineError`] is what the public API returns; every variant names the module (and the
//! function, argument or file where relevant). [`AbiError`] is the context-free error of the
//! lifting/lowering layer of the ABI core; callers attach the module and function with
//! [`InCall::in_call`].

use std::path::PathBuf;
use std::sync::Arc;

pub use marine_ast::AbiError;

/// Attaching the module and function an [`AbiError`] happened in.
pub trait InCall {
    /// Attaches module and function names, producing the public error.
    fn in_call(self, module: &str, function: &str) -> MarineError;
}

impl InCall for AbiError {
    fn in_call(self, module: &str, function: &str) -> MarineError {
        let module = module.to_string();
        let function = function.to_string();
        match self {
            AbiError::OutOfBounds {
                what,
                ptr,
                len,
                memory_size,
            } => MarineError::OutOfBounds {
                module,
                function,
                what,
                ptr,
                len,
                memory_size,
            },
            AbiError::InvalidUtf8 {
                what,
                valid_up_to,
                len,
            } => MarineError::InvalidUtf8 {
                module,
                function,
                what,
                valid_up_to,
                len,
            },
            other => MarineError::Abi {
                module,
                function,
                source: Box::new(other),
            },
        }
    }
}

/// Errors of the Marine runtime.
///
/// Nothing a guest module does (garbage pointers, huge counts, invalid UTF-8, traps) makes the
/// host panic; it surfaces as one of these variants. New variants may be added in minor
/// releases (`#[non_exhaustive]`); match the ones you handle and keep a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarineError {
    /// Reading a module file failed.
    #[error("cannot read module file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The service config is invalid.
    #[error(transparent)]
    Config(Box<crate::config::ConfigError>),
    /// A mapped or preopened directory of a module cannot be provided.
    #[error("module `{module}`: mapped dir `{alias}` ({}): {reason}", path.display())]
    MappedDir {
        /// Module name.
        module: String,
        /// Guest alias of the directory.
        alias: String,
        /// Host path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A module imports from a module that is neither loaded nor in the service config.
    #[error("module `{module}` imports from module `{imported}`, which is not in the service")]
    MissingImportedModule {
        /// The importing module.
        module: String,
        /// The namespace (module name) it imports from.
        imported: String,
    },
    /// A module imports a function its exporter does not have.
    #[error("module `{module}` imports `{imported}.{function}`, but module `{imported}` has no such function")]
    MissingImportedFunction {
        /// The importing module.
        module: String,
        /// The exporting module.
        imported: String,
        /// The function.
        function: String,
    },
    /// An import's declared signature differs from the exporter's.
    #[error("module `{module}`: import `{imported}.{function}` does not match the export: {diff}")]
    ImportSignatureMismatch {
        /// The importing module.
        module: String,
        /// The exporting module.
        imported: String,
        /// The function.
        function: String,
        /// What differs (arguments, results, record fields).
        diff: String,
    },
    /// Modules of the service import from each other in a cycle, so no load order exists.
    #[error("import cycle between modules: {}", cycle.join(" -> "))]
    ImportCycle {
        /// The modules of the cycle in import direction, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A module cannot be unloaded while other modules import from it.
    #[error("module `{module}` cannot be unloaded: imported by {}", importers.join(", "))]
    ModuleInUse {
        /// The module.
        module: String,
        /// Modules importing from it.
        importers: Vec<String>,
    },
    /// JSON arguments do not fit the function's signature.
    #[error("module `{module}`, function `{function}`: invalid JSON arguments: {source}")]
    JsonArguments {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// What does not fit.
        source: Box<crate::json::JsonArgsError>,
    },
    /// Writing a call's JSON result to the embedder's writer failed.
    #[error("module `{module}`, function `{function}`: writing the JSON result failed: {source}")]
    JsonOutput {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// The writer's error.
        source: std::io::Error,
    },
    /// A facade call on a service without a facade module.
    #[error("the service has no facade module")]
    NoFacade,
    /// wasmtime could not compile the module.
    #[error(
        "module `{module}`: compilation failed: {}",
        with_cause(message, source)
    )]
    Compile {
        /// Module name.
        module: String,
        /// What failed, when it is more than wasmtime's error (empty otherwise).
        message: String,
        /// wasmtime's error, whole, when wasmtime reported one.
        #[source]
        source: Option<WasmtimeError>,
    },
    /// Imports could not be resolved (for example an unknown host or module import).
    #[error("module `{module}`: linking failed: {}", with_cause(message, source))]
    Link {
        /// Module name.
        module: String,
        /// Which import does not link and why (empty when wasmtime's error says it all).
        message: String,
        /// wasmtime's error, whole, when wasmtime reported one.
        #[source]
        source: Option<WasmtimeError>,
    },
    /// Instantiation or start-up (`_initialize`, `_start`) failed.
    #[error(
        "module `{module}`: instantiation failed: {}",
        with_cause(message, source)
    )]
    Instantiate {
        /// Module name.
        module: String,
        /// What failed (`` `_initialize` failed``, a refused environment variable, ...);
        /// empty when wasmtime's error says it all.
        message: String,
        /// wasmtime's error, whole, when start-up trapped or wasmtime refused the instance:
        /// [`WasmtimeError::trap_code`] tells a trap of `_initialize` or `_start`.
        #[source]
        source: Option<WasmtimeError>,
    },
    /// The embedded metadata (`__m_generated_section__*`, `__fluence_sdk_version`) is invalid or
    /// inconsistent with the wasm exports.
    #[error("module `{module}`: invalid metadata in section `{section}`: {reason}")]
    Metadata {
        /// Module name.
        module: String,
        /// Custom section name (or the export concerned).
        section: String,
        /// What is wrong.
        reason: String,
    },
    /// A required export (`memory`, `allocate`, `release_objects`, the result slots) is missing
    /// or has the wrong type.
    #[error(
        "module `{module}`: required export `{export}` is missing or has a wrong type: {reason}"
    )]
    MissingExport {
        /// Module name.
        module: String,
        /// Export name.
        export: String,
        /// Details.
        reason: String,
    },
    /// A module with this name is already loaded.
    #[error("module with name `{0}` is already loaded")]
    NonUniqueModuleName(String),
    /// [`crate::Marine::take_module_output`] for a module loaded without output capture.
    #[error("module `{0}` was loaded without output capture (MModuleConfig::capture_output)")]
    OutputNotCaptured(String),
    /// No module with this name is loaded.
    #[error("module with name `{0}` is not loaded")]
    NoSuchModule(String),
    /// The module has no exported `#[marine]` function with this name.
    #[error("module `{module}` has no function `{function}`")]
    NoSuchFunction {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
    },
    /// Wrong number of arguments.
    #[error(
        "module `{module}`, function `{function}`: expected {expected} arguments, given {given}"
    )]
    ArgumentCount {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// Declared arity.
        expected: usize,
        /// Number of values given.
        given: usize,
    },
    /// An argument value does not match its declared type.
    #[error(
        "module `{module}`, function `{function}`: argument `{argument}` expects {expected}, given {given}"
    )]
    ArgumentType {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// Argument name.
        argument: String,
        /// Declared type (text form).
        expected: String,
        /// Given value kind.
        given: String,
    },
    /// The wasm code trapped (panic, `unreachable`, out-of-bounds access in the guest, stack
    /// overflow, …). The instance may be in an inconsistent state afterwards (for example a
    /// half-updated allocator); reload the module if in doubt.
    #[error(
        "module `{module}`, function `{function}`: trap: {}{source}",
        panic_prefix(panic_message)
    )]
    Trap {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// The guest's panic message (`panicked at <file:line:col>:\n<message>`), read from
        /// what the module wrote to stderr during the call; `None` when it printed none.
        panic_message: Option<String>,
        /// wasmtime's error, whole: it displays as the trap text with the wasm backtrace,
        /// [`WasmtimeError::trap_code`] tells which trap, and [`WasmtimeError::get`] gives
        /// the error to downcast (to `wasmtime::WasmBacktrace`, say).
        #[source]
        source: WasmtimeError,
    },
    /// The call ran past its timeout ([`crate::CallOptions::timeout`] or
    /// [`crate::Marine::set_default_call_timeout`]) and was interrupted. The service keeps
    /// serving; the interrupted module may be in an inconsistent state.
    #[error(
        "module `{module}`, function `{function}`: interrupted after exceeding the call timeout of {timeout:?}"
    )]
    Timeout {
        /// The module that was running when the deadline passed.
        module: String,
        /// The function it was running.
        function: String,
        /// The timeout of the call.
        timeout: std::time::Duration,
    },
    /// The call failed after a memory growth of `module` was refused by its own limit or the
    /// service's total limit.
    #[error(
        "module `{module}`, function `{function}`: memory limit exceeded: growing the memory to {requested} bytes was refused by the {scope} limit of {limit} bytes; the call then failed: {source}"
    )]
    MemoryLimit {
        /// The module whose memory could not grow.
        module: String,
        /// The function it was running (empty when outside any export).
        function: String,
        /// Which limit refused the growth.
        scope: MemoryLimitScope,
        /// The limit in bytes.
        limit: u64,
        /// The memory size in bytes the module asked for.
        requested: u64,
        /// The failure that followed (trap, allocation failure).
        source: Box<MarineError>,
    },
    /// A call into a module that is already running further up the call stack (module A
    /// calls B which calls back into A): refused, because its result slots and allocator
    /// state belong to the outer call. Module imports cannot form such a cycle (they resolve
    /// against modules loaded earlier), so it arises from host functions calling back into
    /// the service ([`crate::HostContext::call_module`]). The whole top-level call reports
    /// it, even when a host function turned it into its own error.
    #[error(
        "module `{module}`, function `{function}`: re-entrant call refused: `{module}` is already on the call stack {}",
        stack.join(" -> ")
    )]
    Reentrancy {
        /// The module called again.
        module: String,
        /// The function called.
        function: String,
        /// The call stack at that point, outermost first, as `module.function`.
        stack: Vec<String>,
    },
    /// A module's store was asked for while that module is running a call (a host function
    /// reaching for the store of a module on the call stack, or another thread).
    #[error("module `{module}` is running a call: its store cannot be used now")]
    ModuleBusy {
        /// The module.
        module: String,
    },
    /// A module import called during the call failed (the error of the callee, or of moving
    /// values between the two modules).
    #[error("module `{module}`, function `{function}`: {source}")]
    Import {
        /// The module that was called from the host.
        module: String,
        /// The function that was called from the host.
        function: String,
        /// The failing import and its error.
        source: Box<ImportError>,
    },
    /// A host function (see [`crate::host_imports::HostImport`]) reported an error.
    #[error("module `{module}`: host function `{function}` failed: {message}")]
    HostFunction {
        /// The calling module.
        module: String,
        /// The host function.
        function: String,
        /// Its error message.
        message: String,
    },
    /// The guest handed out a pointer/length that does not fit in its memory.
    #[error(
        "module `{module}`, function `{function}`: {what}: {len} bytes at {ptr:#x} are out of bounds of the {memory_size}-byte memory"
    )]
    OutOfBounds {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// What was being read or written.
        what: String,
        /// Start address.
        ptr: u64,
        /// Length in bytes.
        len: u64,
        /// Memory size in bytes.
        memory_size: u64,
    },
    /// The guest returned a string that is not valid UTF-8.
    #[error(
        "module `{module}`, function `{function}`: {what}: invalid UTF-8 at byte {valid_up_to} of {len}"
    )]
    InvalidUtf8 {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// What was being read.
        what: String,
        /// Offset of the first invalid byte.
        valid_up_to: usize,
        /// String length.
        len: usize,
    },
    /// Other lifting/lowering failures (allocation failure, value too large, ABI call trap,
    /// lifting budget exceeded).
    #[error("module `{module}`, function `{function}`: {source}")]
    Abi {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// The underlying error.
        source: Box<AbiError>,
    },
    /// The call returned a different number or type of wasm values than planned.
    #[error("module `{module}`, function `{function}`: unexpected wasm results: {message}")]
    UnexpectedResults {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// Details.
        message: String,
    },
    /// A wasmtime engine error outside a call (store setup, engine configuration).
    #[error("engine error: {0}")]
    Engine(String),
    /// A module exceeded one of its service's [`crate::Limits`] (interface nesting, record
    /// types, size, functions, block nesting, compile time, memories, tables): it is not
    /// loaded, and the service keeps serving.
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitExceeded),
    /// No instance of a [`crate::service::ServicePool`] became idle within its checkout
    /// timeout.
    #[error("all {size} instances of the service pool stayed busy for {waited:?}")]
    PoolBusy {
        /// Instances in the pool.
        size: usize,
        /// How long the call waited.
        waited: std::time::Duration,
    },
}

fn panic_prefix(panic: &Option<String>) -> String {
    match panic {
        Some(p) => format!("guest {p}\n"),
        None => String::new(),
    }
}

/// Formats a wasmtime error with its full context chain (trap code, wasm backtrace), in
/// anyhow's layout but without the host's Rust backtrace, which `RUST_BACKTRACE=1` would add
/// and which says nothing about the guest.
pub(crate) fn format_wasmtime_error(err: &wasmtime::Error) -> String {
    let mut text = err.to_string();
    let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:\n");
        for (i, cause) in causes.iter().enumerate() {
            if causes.len() > 1 {
                text.push_str(&format!("{i: >5}: {cause}\n"));
            } else {
                text.push_str(&format!("    {cause}\n"));
            }
        }
    }
    text
}

impl From<crate::config::ConfigError> for MarineError {
    fn from(e: crate::config::ConfigError) -> Self {
        MarineError::Config(Box::new(e))
    }
}

/// Which limit refused a memory growth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryLimitScope {
    /// The module's own limit.
    Module,
    /// The limit on the total memory of all modules of the service.
    Total,
}

impl std::fmt::Display for MemoryLimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MemoryLimitScope::Module => "module",
            MemoryLimitScope::Total => "total",
        })
    }
}

/// An error raised inside an import adapter, carried through the wasm trap so the outer call
/// can report it.
#[derive(Debug, thiserror::Error)]
#[error("import `{namespace}.{function}` called from module `{caller}` failed: {source}")]
pub struct ImportError {
    /// The importing module.
    pub caller: String,
    /// The import namespace (callee module name).
    pub namespace: String,
    /// The imported function (callee export name).
    pub function: String,
    /// What went wrong.
    #[source]
    pub source: Box<MarineError>,
}

/// A wasmtime error kept whole inside a [`MarineError`] (shared, so the error stays cheap to
/// move). It displays as its message and causes, without a host backtrace.
#[derive(Clone)]
pub struct WasmtimeError(Arc<wasmtime::Error>);

impl WasmtimeError {
    /// Wraps a wasmtime error.
    pub(crate) fn new(error: wasmtime::Error) -> Self {
        WasmtimeError(Arc::new(error))
    }

    /// The wasmtime error, for downcasting (`error.get().downcast_ref::<wasmtime::Trap>()`).
    pub fn get(&self) -> &wasmtime::Error {
        &self.0
    }

    /// Which trap the wasm code hit, when it was one (not an error of a host function).
    pub fn trap_code(&self) -> Option<wasmtime::Trap> {
        self.0.downcast_ref::<wasmtime::Trap>().copied()
    }
}

impl std::fmt::Debug for WasmtimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for WasmtimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_wasmtime_error(&self.0))
    }
}

impl std::error::Error for WasmtimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl MarineError {
    /// Which wasm trap ended the call, for a [`MarineError::Trap`] caused by one (also when
    /// it is the cause of a [`MarineError::MemoryLimit`], or a trap of a module's start-up in
    /// a [`MarineError::Instantiate`]).
    pub fn trap_code(&self) -> Option<wasmtime::Trap> {
        match self {
            MarineError::Trap { source, .. } => source.trap_code(),
            MarineError::MemoryLimit { source, .. } => source.trap_code(),
            MarineError::Instantiate {
                source: Some(source),
                ..
            } => source.trap_code(),
            _ => None,
        }
    }
}

/// The text of an error made of our context (`message`, may be empty) and wasmtime's error.
fn with_cause(message: &str, source: &Option<WasmtimeError>) -> String {
    match source {
        None => message.to_string(),
        Some(source) if message.is_empty() => source.to_string(),
        Some(source) => format!("{message}: {source}"),
    }
}
