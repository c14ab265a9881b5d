//! The context-free error of lifting and lowering: what went wrong at which guest address.
//! A runtime attaches the module and function the error happened in.
//!
//! [`ServiceError`] is the engine-neutral error of a service: the one place of the message
//! formats the runtimes share.

/// Errors of the lifting/lowering layer, before module/function context is attached.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AbiError {
    /// A guest-provided pointer/length pair does not fit in the guest memory.
    #[error("{what}: {len} bytes at {ptr:#x} are out of bounds of the {memory_size}-byte memory")]
    OutOfBounds {
        /// What was being read or written (for example `string`, `array of u64`).
        what: String,
        /// Start address.
        ptr: u64,
        /// Length in bytes (saturated at `u64::MAX` when the size computation overflowed).
        len: u64,
        /// Guest memory size in bytes at the time of the access.
        memory_size: u64,
    },
    /// A lifted string is not valid UTF-8.
    #[error("{what}: invalid UTF-8 at byte {valid_up_to} of {len}")]
    InvalidUtf8 {
        /// What was being read.
        what: String,
        /// Offset of the first invalid byte.
        valid_up_to: usize,
        /// Total length of the string in bytes.
        len: usize,
    },
    /// The guest's `allocate` failed (trapped or returned 0 for a non-empty request).
    #[error("allocate({size}, {tag}) failed: {reason}")]
    Allocation {
        /// Requested size in bytes.
        size: u64,
        /// Type tag (§1.2).
        tag: u8,
        /// Why.
        reason: String,
    },
    /// A value is too large for the 32-bit guest (length or count does not fit in u32).
    #[error("{what}: {len} does not fit in a 32-bit guest")]
    TooLarge {
        /// What was being lowered.
        what: String,
        /// The offending length.
        len: u64,
    },
    /// The host memory a value taken from a guest would take exceeds the budget
    /// ([`crate::Limits::max_value_size`]): a large value, or guest data that references the
    /// same memory many times over.
    #[error("lifting {what} exceeded the limit `max_value_size` = {limit} bytes of host memory")]
    LiftBudget {
        /// What was being read when the budget ran out.
        what: String,
        /// The budget in bytes.
        limit: u64,
    },
    /// A value does not have the type it is lowered or lifted as (internal consistency check;
    /// arguments are type-checked before lowering).
    #[error("value {given} does not match type {expected}")]
    ValueMismatch {
        /// Expected type (text form).
        expected: String,
        /// Given value kind or description.
        given: String,
    },
    /// A tagged block (`Option`, `Result`, enum) holds a discriminant its type has no case for.
    #[error("{what}: discriminant {value} at {ptr:#x} is not one of the type's {cases} cases")]
    InvalidDiscriminant {
        /// The type being read (text form).
        what: String,
        /// Address of the block.
        ptr: u64,
        /// The discriminant found.
        value: u32,
        /// How many cases the type has.
        cases: u32,
    },
    /// A call into a guest ABI function (`get_result_ptr`, `release_objects`, …) trapped.
    #[error("guest function `{function}` failed: {message}")]
    GuestCall {
        /// The ABI function that failed.
        function: String,
        /// Error text including the wasm backtrace.
        message: String,
    },
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

/// Where an import was called: by which module, of which namespace and function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSite {
    /// The importing module.
    pub caller: String,
    /// The imported module or host namespace.
    pub namespace: String,
    /// The imported function.
    pub import: String,
}

impl ImportSite {
    /// The text of this import failing with `cause`:
    /// `` import `namespace.import` called from module `caller` failed: cause``.
    pub fn failed<'a>(&'a self, cause: &'a dyn std::fmt::Display) -> impl std::fmt::Display + 'a {
        ImportFailed { site: self, cause }
    }
}

struct ImportFailed<'a> {
    site: &'a ImportSite,
    cause: &'a dyn std::fmt::Display,
}

impl std::fmt::Display for ImportFailed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "import `{}.{}` called from module `{}` failed: {}",
            self.site.namespace, self.site.import, self.site.caller, self.cause
        )
    }
}

/// A failure of a Marine service that does not depend on the wasm engine running it: every
/// runtime (the native wasmtime runtime, the JavaScript engine) reports these with the texts
/// written here, so each message format exists once. Every variant names the module (and the
/// function, argument or file where relevant) at fault.
///
/// The native runtime's `MarineError` keeps its own variants (and wasmtime's errors as
/// sources) and displays its engine-neutral ones through this type; the JavaScript engine's
/// error is this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The service config is invalid (with its `file:line:column`).
    #[cfg(feature = "config")]
    #[error(transparent)]
    Config(Box<crate::config::ConfigError>),
    /// A module's interface sections could not be read.
    #[cfg(feature = "interface")]
    #[error("module `{module}`: {source}")]
    Interface {
        /// The module.
        module: String,
        /// Why.
        source: Box<crate::interface::InterfaceError>,
    },
    /// The platform's wasm engine could not compile the module.
    #[error("module `{module}`: compilation failed: {message}")]
    Compile {
        /// The module.
        module: String,
        /// The engine's error.
        message: String,
    },
    /// The module's imports could not be provided (an unknown host function, a kind of
    /// import nothing provides).
    #[error("module `{module}`: linking failed: {message}")]
    Link {
        /// The module.
        module: String,
        /// Which import does not link and why.
        message: String,
    },
    /// Instantiation or start-up (`_initialize`, `_start`) failed.
    #[error("module `{module}`: instantiation failed: {message}")]
    Instantiate {
        /// The module.
        module: String,
        /// What failed.
        message: String,
    },
    /// A module imports from a module that is neither loaded nor in the service config.
    #[error("module `{module}` imports from module `{imported}`, which is not in the service")]
    MissingImportedModule {
        /// The importing module.
        module: String,
        /// The namespace (module name) it imports from.
        imported: String,
    },
    /// Modules of the service import from each other in a cycle, so no load order exists.
    #[error("import cycle between modules: {}", cycle.join(" -> "))]
    ImportCycle {
        /// The modules of the cycle in import direction, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// An import names a function the imported module does not export.
    #[error("module `{module}` imports `{imported}.{function}`, but module `{imported}` has no such function")]
    MissingImportedFunction {
        /// The importing module.
        module: String,
        /// The imported module.
        imported: String,
        /// The function.
        function: String,
    },
    /// An import's declared signature differs from the export it names.
    #[error("module `{module}`: import `{imported}.{function}` does not match the export: {diff}")]
    ImportSignatureMismatch {
        /// The importing module.
        module: String,
        /// The imported module.
        imported: String,
        /// The function.
        function: String,
        /// What differs (arguments, results, record fields).
        diff: String,
    },
    /// A required ABI export (`memory`, `allocate`, `release_objects`, the result slots) is
    /// missing or has the wrong kind.
    #[error(
        "module `{module}`: required export `{export}` is missing or has a wrong type: {reason}"
    )]
    MissingExport {
        /// The module.
        module: String,
        /// The export.
        export: String,
        /// Why.
        reason: String,
    },
    /// A module name is given twice.
    #[error("module with name `{0}` is already loaded")]
    NonUniqueModuleName(String),
    /// No module with this name is loaded.
    #[error("module with name `{0}` is not loaded")]
    NoSuchModule(String),
    /// The module has no exported `#[marine]` function with this name.
    #[error("module `{module}` has no function `{function}`")]
    NoSuchFunction {
        /// The module.
        module: String,
        /// The function.
        function: String,
    },
    /// The module cannot be unloaded while others import from it.
    #[error("module `{module}` cannot be unloaded: imported by {}", importers.join(", "))]
    ModuleInUse {
        /// The module.
        module: String,
        /// The modules importing from it.
        importers: Vec<String>,
    },
    /// Wrong number of arguments.
    #[error(
        "module `{module}`, function `{function}`: expected {expected} arguments, given {given}"
    )]
    ArgumentCount {
        /// The module.
        module: String,
        /// The function.
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
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// Argument name.
        argument: String,
        /// Declared type (text form).
        expected: String,
        /// Given value kind.
        given: String,
    },
    /// The JSON arguments do not fit the function's signature.
    #[cfg(feature = "json")]
    #[error("module `{module}`, function `{function}`: invalid JSON arguments: {source}")]
    JsonArguments {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// What does not fit.
        source: Box<crate::json::JsonArgsError>,
    },
    /// Text that should be JSON is not.
    #[error("{what} is not valid JSON: {message}")]
    Json {
        /// What was being read.
        what: String,
        /// The parser's message.
        message: String,
    },
    /// Moving a value in or out of a guest failed (bounds, UTF-8, allocation, budget).
    #[error("module `{module}`, function `{function}`: {source}")]
    Abi {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// Why.
        source: Box<AbiError>,
    },
    /// The guest trapped or threw (a panic, `unreachable`, an out-of-bounds access).
    #[error("module `{module}`, function `{function}`: trap: {message}")]
    Trap {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// The trap's text: the guest's panic message when it printed one, then the
        /// engine's error.
        message: String,
    },
    /// The export did not return what its signature declares.
    #[error("module `{module}`, function `{function}`: unexpected wasm results: {message}")]
    UnexpectedResults {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// What came back.
        message: String,
    },
    /// A call into a module that is already running further up the call stack.
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
    /// An import called during the call failed (the callee's error, or moving values
    /// between the two modules).
    #[error("module `{module}`, function `{function}`: {}", site.failed(source))]
    Import {
        /// The module called by the embedder.
        module: String,
        /// The function called by the embedder.
        function: String,
        /// Which import failed.
        site: Box<ImportSite>,
        /// The callee's error.
        source: Box<ServiceError>,
    },
    /// A module's memory could not be capped at its limit.
    #[error("module `{module}`: {source}")]
    MemoryCap {
        /// The module.
        module: String,
        /// Why.
        source: crate::memory_limit::CapError,
    },
    /// The call failed after a memory growth of `module` was refused by its own limit or the
    /// service's total limit.
    #[error(
        "module `{module}`, function `{function}`: memory limit exceeded: growing the memory{} was refused by the {scope} limit of {limit} bytes; the call then failed: {source}",
        requested.map(|r| format!(" to {r} bytes")).unwrap_or_default()
    )]
    MemoryLimit {
        /// The module whose memory could not grow.
        module: String,
        /// The function it was running.
        function: String,
        /// Which limit refused the growth.
        scope: MemoryLimitScope,
        /// The limit in bytes.
        limit: u64,
        /// The memory size in bytes the module asked for, when the engine tells it.
        requested: Option<u64>,
        /// How the call failed then.
        source: Box<ServiceError>,
    },
    /// The call ran past its timeout and was interrupted (the native runtime's deadline, the
    /// JavaScript worker's timer).
    #[error(
        "module `{module}`, function `{function}`: interrupted after exceeding the call timeout of {timeout:?}"
    )]
    Timeout {
        /// The module that was running when the deadline passed (for the JavaScript worker:
        /// the module called).
        module: String,
        /// The function it was running.
        function: String,
        /// The timeout of the call.
        timeout: std::time::Duration,
    },
    /// A host function (the logger, the call parameters, an embedder's function) failed.
    #[error("module `{module}`: host function `{function}` failed: {message}")]
    HostFunction {
        /// The calling module.
        module: String,
        /// The host function.
        function: String,
        /// Its error message.
        message: String,
    },
    /// A failure particular to one runtime (a wasmtime error), as its text,
    /// where it is the cause of one of the failures above.
    #[error("{0}")]
    Other(String),
}

impl From<crate::link::OrderError> for ServiceError {
    fn from(error: crate::link::OrderError) -> Self {
        match error {
            crate::link::OrderError::MissingModule { importer, missing } => {
                ServiceError::MissingImportedModule {
                    module: importer,
                    imported: missing,
                }
            }
            crate::link::OrderError::Cycle { cycle } => ServiceError::ImportCycle { cycle },
        }
    }
}

impl ServiceError {
    /// A short name of the kind of failure (`Link`, `Trap`, `NoSuchModule`, ...): what the
    /// JavaScript error's `kind` is.
    pub fn kind(&self) -> &'static str {
        match self {
            #[cfg(feature = "config")]
            ServiceError::Config(_) => "Config",
            #[cfg(feature = "interface")]
            ServiceError::Interface { .. } => "Interface",
            ServiceError::Link { .. }
            | ServiceError::MissingImportedModule { .. }
            | ServiceError::ImportCycle { .. }
            | ServiceError::MissingImportedFunction { .. }
            | ServiceError::ImportSignatureMismatch { .. } => "Link",
            ServiceError::Compile { .. }
            | ServiceError::Instantiate { .. }
            | ServiceError::MissingExport { .. }
            | ServiceError::MemoryCap { .. } => "Instantiate",
            ServiceError::MemoryLimit { .. } => "MemoryLimit",
            ServiceError::Timeout { .. } => "Timeout",
            ServiceError::NonUniqueModuleName(_) => "NonUniqueModuleName",
            ServiceError::NoSuchModule(_) => "NoSuchModule",
            ServiceError::NoSuchFunction { .. } => "NoSuchFunction",
            ServiceError::ModuleInUse { .. } => "ModuleInUse",
            #[cfg(feature = "json")]
            ServiceError::JsonArguments { .. } => "Arguments",
            ServiceError::ArgumentCount { .. }
            | ServiceError::ArgumentType { .. }
            | ServiceError::Json { .. } => "Arguments",
            ServiceError::Abi { .. } => "Abi",
            ServiceError::Trap { .. } => "Trap",
            ServiceError::UnexpectedResults { .. } => "UnexpectedResults",
            ServiceError::Reentrancy { .. } => "Reentrancy",
            ServiceError::Import { .. } => "Import",
            ServiceError::HostFunction { .. } => "HostFunction",
            ServiceError::Other(_) => "Other",
        }
    }

    /// The module at fault, when one is (for a link error, the importing module).
    pub fn module(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "config")]
            ServiceError::Config(_) => None,
            ServiceError::ImportCycle { .. }
            | ServiceError::Json { .. }
            | ServiceError::Other(_) => None,
            ServiceError::NonUniqueModuleName(m) | ServiceError::NoSuchModule(m) => Some(m),
            #[cfg(feature = "interface")]
            ServiceError::Interface { module, .. } => Some(module),
            #[cfg(feature = "json")]
            ServiceError::JsonArguments { module, .. } => Some(module),
            ServiceError::Compile { module, .. }
            | ServiceError::Link { module, .. }
            | ServiceError::Instantiate { module, .. }
            | ServiceError::MissingImportedModule { module, .. }
            | ServiceError::MissingImportedFunction { module, .. }
            | ServiceError::ImportSignatureMismatch { module, .. }
            | ServiceError::MissingExport { module, .. }
            | ServiceError::MemoryCap { module, .. }
            | ServiceError::MemoryLimit { module, .. }
            | ServiceError::Timeout { module, .. }
            | ServiceError::NoSuchFunction { module, .. }
            | ServiceError::ModuleInUse { module, .. }
            | ServiceError::ArgumentCount { module, .. }
            | ServiceError::ArgumentType { module, .. }
            | ServiceError::Abi { module, .. }
            | ServiceError::Trap { module, .. }
            | ServiceError::UnexpectedResults { module, .. }
            | ServiceError::Reentrancy { module, .. }
            | ServiceError::Import { module, .. }
            | ServiceError::HostFunction { module, .. } => Some(module),
        }
    }

    /// The function at fault, when one is.
    pub fn function(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "json")]
            ServiceError::JsonArguments { function, .. } => Some(function),
            ServiceError::NoSuchFunction { function, .. }
            | ServiceError::ArgumentCount { function, .. }
            | ServiceError::ArgumentType { function, .. }
            | ServiceError::Abi { function, .. }
            | ServiceError::Trap { function, .. }
            | ServiceError::MemoryLimit { function, .. }
            | ServiceError::Timeout { function, .. }
            | ServiceError::UnexpectedResults { function, .. }
            | ServiceError::Reentrancy { function, .. }
            | ServiceError::Import { function, .. }
            | ServiceError::HostFunction { function, .. } => Some(function),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn each_failure_has_its_one_text() {
        let trap = || ServiceError::Trap {
            module: s("m"),
            function: s("f"),
            message: s("unreachable"),
        };
        // (error, text, kind, module, function)
        type Case = (
            ServiceError,
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                ServiceError::Compile { module: s("m"), message: s("bad magic") },
                "module `m`: compilation failed: bad magic",
                "Instantiate",
                Some("m"),
                None,
            ),
            (
                ServiceError::Link { module: s("m"), message: s("import `env.f`: absent") },
                "module `m`: linking failed: import `env.f`: absent",
                "Link",
                Some("m"),
                None,
            ),
            (
                ServiceError::Instantiate { module: s("m"), message: s("start-up failed: x") },
                "module `m`: instantiation failed: start-up failed: x",
                "Instantiate",
                Some("m"),
                None,
            ),
            (
                ServiceError::MissingImportedModule { module: s("a"), imported: s("b") },
                "module `a` imports from module `b`, which is not in the service",
                "Link",
                Some("a"),
                None,
            ),
            (
                ServiceError::ImportCycle { cycle: vec![s("a"), s("b"), s("a")] },
                "import cycle between modules: a -> b -> a",
                "Link",
                None,
                None,
            ),
            (
                ServiceError::MissingImportedFunction {
                    module: s("a"),
                    imported: s("b"),
                    function: s("g"),
                },
                "module `a` imports `b.g`, but module `b` has no such function",
                "Link",
                Some("a"),
                None,
            ),
            (
                ServiceError::ImportSignatureMismatch {
                    module: s("a"),
                    imported: s("b"),
                    function: s("g"),
                    diff: s("results differ"),
                },
                "module `a`: import `b.g` does not match the export: results differ",
                "Link",
                Some("a"),
                None,
            ),
            (
                ServiceError::MissingExport {
                    module: s("m"),
                    export: s("allocate"),
                    reason: s("absent"),
                },
                "module `m`: required export `allocate` is missing or has a wrong type: absent",
                "Instantiate",
                Some("m"),
                None,
            ),
            (
                ServiceError::NonUniqueModuleName(s("m")),
                "module with name `m` is already loaded",
                "NonUniqueModuleName",
                Some("m"),
                None,
            ),
            (
                ServiceError::NoSuchModule(s("m")),
                "module with name `m` is not loaded",
                "NoSuchModule",
                Some("m"),
                None,
            ),
            (
                ServiceError::NoSuchFunction { module: s("m"), function: s("f") },
                "module `m` has no function `f`",
                "NoSuchFunction",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::ModuleInUse { module: s("m"), importers: vec![s("a"), s("b")] },
                "module `m` cannot be unloaded: imported by a, b",
                "ModuleInUse",
                Some("m"),
                None,
            ),
            (
                ServiceError::ArgumentCount {
                    module: s("m"),
                    function: s("f"),
                    expected: 2,
                    given: 1,
                },
                "module `m`, function `f`: expected 2 arguments, given 1",
                "Arguments",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::ArgumentType {
                    module: s("m"),
                    function: s("f"),
                    argument: s("x"),
                    expected: s("u8"),
                    given: s("string"),
                },
                "module `m`, function `f`: argument `x` expects u8, given string",
                "Arguments",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::Json { what: s("the config"), message: s("EOF") },
                "the config is not valid JSON: EOF",
                "Arguments",
                None,
                None,
            ),
            (
                ServiceError::Abi {
                    module: s("m"),
                    function: s("f"),
                    source: Box::new(AbiError::OutOfBounds {
                        what: s("string"),
                        ptr: 16,
                        len: 4,
                        memory_size: 8,
                    }),
                },
                "module `m`, function `f`: string: 4 bytes at 0x10 are out of bounds of the 8-byte memory",
                "Abi",
                Some("m"),
                Some("f"),
            ),
            (
                trap(),
                "module `m`, function `f`: trap: unreachable",
                "Trap",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::Timeout {
                    module: s("m"),
                    function: s("f"),
                    timeout: std::time::Duration::from_millis(1500),
                },
                "module `m`, function `f`: interrupted after exceeding the call timeout of 1.5s",
                "Timeout",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::UnexpectedResults {
                    module: s("m"),
                    function: s("f"),
                    message: s("2 values"),
                },
                "module `m`, function `f`: unexpected wasm results: 2 values",
                "UnexpectedResults",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::Reentrancy {
                    module: s("a"),
                    function: s("f"),
                    stack: vec![s("a.f"), s("b.g"), s("a.f")],
                },
                "module `a`, function `f`: re-entrant call refused: `a` is already on the call stack a.f -> b.g -> a.f",
                "Reentrancy",
                Some("a"),
                Some("f"),
            ),
            (
                ServiceError::Import {
                    module: s("a"),
                    function: s("f"),
                    site: Box::new(ImportSite {
                        caller: s("a"),
                        namespace: s("m"),
                        import: s("g"),
                    }),
                    source: Box::new(trap()),
                },
                "module `a`, function `f`: import `m.g` called from module `a` failed: module `m`, function `f`: trap: unreachable",
                "Import",
                Some("a"),
                Some("f"),
            ),
            (
                ServiceError::MemoryCap {
                    module: s("m"),
                    source: crate::memory_limit::CapError::new("no memory section"),
                },
                "module `m`: cannot cap the memories of this module: no memory section",
                "Instantiate",
                Some("m"),
                None,
            ),
            (
                ServiceError::MemoryLimit {
                    module: s("m"),
                    function: s("f"),
                    scope: MemoryLimitScope::Module,
                    limit: 65536,
                    requested: Some(131072),
                    source: Box::new(trap()),
                },
                "module `m`, function `f`: memory limit exceeded: growing the memory to 131072 bytes was refused by the module limit of 65536 bytes; the call then failed: module `m`, function `f`: trap: unreachable",
                "MemoryLimit",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::MemoryLimit {
                    module: s("m"),
                    function: s("f"),
                    scope: MemoryLimitScope::Total,
                    limit: 65536,
                    requested: None,
                    source: Box::new(trap()),
                },
                "module `m`, function `f`: memory limit exceeded: growing the memory was refused by the total limit of 65536 bytes; the call then failed: module `m`, function `f`: trap: unreachable",
                "MemoryLimit",
                Some("m"),
                Some("f"),
            ),
            (
                ServiceError::HostFunction {
                    module: s("m"),
                    function: s("h"),
                    message: s("Error: no"),
                },
                "module `m`: host function `h` failed: Error: no",
                "HostFunction",
                Some("m"),
                Some("h"),
            ),
            (
                ServiceError::Other(s("engine error: x")),
                "engine error: x",
                "Other",
                None,
                None,
            ),
        ];
        for (error, text, kind, module, function) in cases {
            assert_eq!(error.to_string(), text);
            assert_eq!(error.kind(), kind, "{text}");
            assert_eq!(error.module(), module, "{text}");
            assert_eq!(error.function(), function, "{text}");
        }
    }

    #[test]
    fn an_order_error_reads_as_its_service_error() {
        let missing = crate::link::OrderError::MissingModule {
            importer: s("a"),
            missing: s("b"),
        };
        assert_eq!(
            missing.to_string(),
            "module `a` imports from module `b`, which is not in the service"
        );
        let cycle = crate::link::OrderError::Cycle {
            cycle: vec![s("a"), s("a")],
        };
        assert_eq!(cycle.to_string(), "import cycle between modules: a -> a");
        assert!(matches!(
            ServiceError::from(cycle),
            ServiceError::ImportCycle { .. }
        ));
    }
}
