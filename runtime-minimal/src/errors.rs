//! Error types.
//!
//! [`MarineError`] is what the public API returns; every variant names the module (and the
//! function, argument or file where relevant). [`AbiError`] is the context-free error of the
//! lifting/lowering layer of the ABI core; callers attach the module and function with
//! [`InCall::in_call`]. The failures the JavaScript runtime shares take their text from the
//! core's [`ServiceError`] ([`MarineError::to_service_error`]), so each format exists once.

use std::path::PathBuf;
use std::sync::Arc;

pub use marine_ast::error::{ImportSite, MemoryLimitScope, ServiceError};
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
    #[error("{}", self.to_service_error())]
    MissingImportedModule {
        /// The importing module.
        module: String,
        /// The namespace (module name) it imports from.
        imported: String,
    },
    /// A module imports a function its exporter does not have.
    #[error("{}", self.to_service_error())]
    MissingImportedFunction {
        /// The importing module.
        module: String,
        /// The exporting module.
        imported: String,
        /// The function.
        function: String,
    },
    /// An import's declared signature differs from the exporter's.
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
    ImportCycle {
        /// The modules of the cycle in import direction, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A module cannot be unloaded while other modules import from it.
    #[error("{}", self.to_service_error())]
    ModuleInUse {
        /// The module.
        module: String,
        /// Modules importing from it.
        importers: Vec<String>,
    },
    /// JSON arguments do not fit the function's signature.
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
    MissingExport {
        /// Module name.
        module: String,
        /// Export name.
        export: String,
        /// Details.
        reason: String,
    },
    /// A module with this name is already loaded.
    #[error("{}", self.to_service_error())]
    NonUniqueModuleName(String),
    /// [`crate::Marine::take_module_output`] for a module loaded without output capture.
    #[error("module `{0}` was loaded without output capture (MModuleConfig::capture_output)")]
    OutputNotCaptured(String),
    /// No module with this name is loaded.
    #[error("{}", self.to_service_error())]
    NoSuchModule(String),
    /// The module has no exported `#[marine]` function with this name.
    #[error("{}", self.to_service_error())]
    NoSuchFunction {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
    },
    /// Wrong number of arguments.
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
    Import {
        /// The module that was called from the host.
        module: String,
        /// The function that was called from the host.
        function: String,
        /// The failing import and its error.
        source: Box<ImportError>,
    },
    /// A host function (see [`crate::host_imports::HostImport`]) reported an error.
    #[error("{}", self.to_service_error())]
    HostFunction {
        /// The calling module.
        module: String,
        /// The host function.
        function: String,
        /// Its error message.
        message: String,
    },
    /// The guest handed out a pointer/length that does not fit in its memory.
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
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
    #[error("{}", self.to_service_error())]
    Abi {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// The underlying error.
        source: Box<AbiError>,
    },
    /// The call returned a different number or type of wasm values than planned.
    #[error("{}", self.to_service_error())]
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

/// An error raised inside an import adapter, carried through the wasm trap so the outer call
/// can report it.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.site().failed(&self.source))]
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

impl ImportError {
    /// Where the import was called, in the core's terms.
    pub fn site(&self) -> ImportSite {
        ImportSite {
            caller: self.caller.clone(),
            namespace: self.namespace.clone(),
            import: self.function.clone(),
        }
    }
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
    /// The engine-neutral form of this error ([`ServiceError`], whose texts the JavaScript
    /// runtime shares): the failures both runtimes have map to their variant, with wasmtime's
    /// error as text; the ones particular to this runtime (compilation, timeouts, I/O, ...)
    /// map to [`ServiceError::Other`] with their text. The variants of both display as their
    /// [`ServiceError`] does.
    pub fn to_service_error(&self) -> ServiceError {
        /// The `match` of `to_service_error`: each variant listed first has a
        /// [`ServiceError`] variant of the same name and fields, which get copies of its
        /// fields; the arms after them map the rest.
        macro_rules! same_fields {
            ($error:expr; $($variant:ident { $($field:ident),* }),* $(,)?; $($arm:tt)*) => {
                match $error {
                    $(MarineError::$variant { $($field),* } => ServiceError::$variant {
                        $($field: $field.to_owned()),*
                    },)*
                    $($arm)*
                }
            };
        }
        same_fields! {
            self;
            MissingImportedModule { module, imported },
            MissingImportedFunction { module, imported, function },
            ImportSignatureMismatch { module, imported, function, diff },
            ImportCycle { cycle },
            ModuleInUse { module, importers },
            JsonArguments { module, function, source },
            MissingExport { module, export, reason },
            NoSuchFunction { module, function },
            ArgumentCount { module, function, expected, given },
            ArgumentType { module, function, argument, expected, given },
            HostFunction { module, function, message },
            Abi { module, function, source },
            UnexpectedResults { module, function, message },
            Reentrancy { module, function, stack };
            MarineError::NonUniqueModuleName(name) => {
                ServiceError::NonUniqueModuleName(name.clone())
            }
            MarineError::NoSuchModule(name) => ServiceError::NoSuchModule(name.clone()),
            MarineError::Compile {
                module,
                message,
                source,
            } => ServiceError::Compile {
                module: module.clone(),
                message: with_cause(message, source),
            },
            MarineError::Link {
                module,
                message,
                source,
            } => ServiceError::Link {
                module: module.clone(),
                message: with_cause(message, source),
            },
            MarineError::Instantiate {
                module,
                message,
                source,
            } => ServiceError::Instantiate {
                module: module.clone(),
                message: with_cause(message, source),
            },
            MarineError::Trap {
                module,
                function,
                panic_message,
                source,
            } => ServiceError::Trap {
                module: module.clone(),
                function: function.clone(),
                message: format!("{}{source}", panic_prefix(panic_message)),
            },
            MarineError::Timeout {
                module,
                function,
                timeout,
            } => ServiceError::Timeout {
                module: module.clone(),
                function: function.clone(),
                timeout: *timeout,
            },
            MarineError::MemoryLimit {
                module,
                function,
                scope,
                limit,
                requested,
                source,
            } => ServiceError::MemoryLimit {
                module: module.clone(),
                function: function.clone(),
                scope: *scope,
                limit: *limit,
                requested: Some(*requested),
                source: Box::new(source.to_service_error()),
            },
            MarineError::Import {
                module,
                function,
                source,
            } => ServiceError::Import {
                module: module.clone(),
                function: function.clone(),
                site: Box::new(source.site()),
                source: Box::new(source.source.to_service_error()),
            },
            MarineError::OutOfBounds {
                module,
                function,
                what,
                ptr,
                len,
                memory_size,
            } => ServiceError::Abi {
                module: module.clone(),
                function: function.clone(),
                source: Box::new(AbiError::OutOfBounds {
                    what: what.clone(),
                    ptr: *ptr,
                    len: *len,
                    memory_size: *memory_size,
                }),
            },
            MarineError::InvalidUtf8 {
                module,
                function,
                what,
                valid_up_to,
                len,
            } => ServiceError::Abi {
                module: module.clone(),
                function: function.clone(),
                source: Box::new(AbiError::InvalidUtf8 {
                    what: what.clone(),
                    valid_up_to: *valid_up_to,
                    len: *len,
                }),
            },
            other => ServiceError::Other(other.to_string()),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    fn trap() -> MarineError {
        MarineError::Trap {
            module: s("m"),
            function: s("f"),
            panic_message: Some(s("panicked at src/lib.rs:1:1:\nboom")),
            source: WasmtimeError::new(wasmtime::Error::msg("wasm trap: unreachable")),
        }
    }

    /// Every variant the runtimes share displays as its [`ServiceError`] (and maps to it, not
    /// to [`ServiceError::Other`]); the rest map to `Other` with their own text.
    #[test]
    fn shared_variants_display_through_the_core() {
        let shared = vec![
            MarineError::MissingImportedModule {
                module: s("a"),
                imported: s("b"),
            },
            MarineError::MissingImportedFunction {
                module: s("a"),
                imported: s("b"),
                function: s("g"),
            },
            MarineError::ImportSignatureMismatch {
                module: s("a"),
                imported: s("b"),
                function: s("g"),
                diff: s("d"),
            },
            MarineError::ImportCycle {
                cycle: vec![s("a"), s("a")],
            },
            MarineError::ModuleInUse {
                module: s("m"),
                importers: vec![s("a")],
            },
            MarineError::JsonArguments {
                module: s("m"),
                function: s("f"),
                source: Box::new(marine_ast::json::JsonArgsError::Syntax {
                    function: s("f"),
                    message: s("EOF"),
                }),
            },
            MarineError::MissingExport {
                module: s("m"),
                export: s("memory"),
                reason: s("r"),
            },
            MarineError::NonUniqueModuleName(s("m")),
            MarineError::NoSuchModule(s("m")),
            MarineError::NoSuchFunction {
                module: s("m"),
                function: s("f"),
            },
            MarineError::ArgumentCount {
                module: s("m"),
                function: s("f"),
                expected: 1,
                given: 2,
            },
            MarineError::ArgumentType {
                module: s("m"),
                function: s("f"),
                argument: s("x"),
                expected: s("u8"),
                given: s("string"),
            },
            trap(),
            MarineError::MemoryLimit {
                module: s("m"),
                function: s("f"),
                scope: MemoryLimitScope::Total,
                limit: 1,
                requested: 2,
                source: Box::new(trap()),
            },
            MarineError::Import {
                module: s("a"),
                function: s("f"),
                source: Box::new(ImportError {
                    caller: s("a"),
                    namespace: s("m"),
                    function: s("g"),
                    source: Box::new(MarineError::Engine(s("e"))),
                }),
            },
            MarineError::HostFunction {
                module: s("m"),
                function: s("h"),
                message: s("no"),
            },
            MarineError::OutOfBounds {
                module: s("m"),
                function: s("f"),
                what: s("string"),
                ptr: 1,
                len: 2,
                memory_size: 3,
            },
            MarineError::InvalidUtf8 {
                module: s("m"),
                function: s("f"),
                what: s("string"),
                valid_up_to: 1,
                len: 2,
            },
            MarineError::Abi {
                module: s("m"),
                function: s("f"),
                source: Box::new(AbiError::TooLarge {
                    what: s("array"),
                    len: 1 << 40,
                }),
            },
            MarineError::UnexpectedResults {
                module: s("m"),
                function: s("f"),
                message: s("none"),
            },
            MarineError::Reentrancy {
                module: s("m"),
                function: s("f"),
                stack: vec![s("m.f"), s("m.f")],
            },
            MarineError::Compile {
                module: s("m"),
                message: String::new(),
                source: Some(WasmtimeError::new(wasmtime::Error::msg("bad magic"))),
            },
            MarineError::Link {
                module: s("m"),
                message: s("import `env.f`"),
                source: Some(WasmtimeError::new(wasmtime::Error::msg("absent"))),
            },
            MarineError::Instantiate {
                module: s("m"),
                message: s("`_initialize` failed"),
                source: None,
            },
        ];
        for error in &shared {
            let core = error.to_service_error();
            assert!(!matches!(core, ServiceError::Other(_)), "{error:?}");
            assert_eq!(error.to_string(), core.to_string());
        }
        assert_eq!(
            trap().to_string(),
            "module `m`, function `f`: trap: guest panicked at src/lib.rs:1:1:\nboom\nwasm trap: unreachable"
        );
        assert_eq!(
            shared[13].to_string(),
            format!(
                "module `m`, function `f`: memory limit exceeded: growing the memory to 2 bytes was refused by the total limit of 1 bytes; the call then failed: {}",
                trap()
            )
        );
        assert_eq!(
            shared[14].to_string(),
            "module `a`, function `f`: import `m.g` called from module `a` failed: engine error: e"
        );
        assert_eq!(
            shared[21].to_string(),
            "module `m`: compilation failed: bad magic"
        );
        assert_eq!(
            shared[22].to_string(),
            "module `m`: linking failed: import `env.f`: absent"
        );
        assert_eq!(
            shared[23].to_string(),
            "module `m`: instantiation failed: `_initialize` failed"
        );
        let own = MarineError::NoFacade;
        assert!(
            matches!(own.to_service_error(), ServiceError::Other(ref t) if *t == own.to_string())
        );
    }
}
