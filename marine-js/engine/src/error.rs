//! What the engine reports: one error type whose messages are the native runtime's, and its
//! JavaScript form (an `Error` with `kind`, `module` and `function` properties, which the
//! TypeScript layer turns into a typed subclass).

use marine_ast::config::ConfigError;
use marine_ast::json::JsonArgsError;
use marine_ast::link::OrderError;
use marine_ast::{AbiError, InterfaceError};
use wasm_bindgen::JsValue;

/// A failure of the engine, with the module and function at fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The service config is invalid (with its `file:line:column`).
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// A module's interface sections could not be read.
    #[error("module `{module}`: {source}")]
    Interface {
        /// The module.
        module: String,
        /// Why.
        source: Box<InterfaceError>,
    },
    /// The modules cannot be ordered for loading (a missing module or an import cycle).
    #[error(transparent)]
    Order(OrderError),
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
        /// What differs.
        diff: String,
    },
    /// A module was instantiated without an ABI export, or with one of the wrong kind.
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
    /// No such module is loaded.
    #[error("module with name `{0}` is not loaded")]
    NoSuchModule(String),
    /// The module has no such `#[marine]` function.
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
    /// The JSON arguments do not fit the function's signature.
    #[error("module `{module}`, function `{function}`: invalid JSON arguments: {source}")]
    JsonArguments {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// Why.
        source: Box<JsonArgsError>,
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
    /// The guest trapped or threw.
    #[error("module `{module}`, function `{function}`: trap: {message}")]
    Trap {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// The platform's error text.
        message: String,
    },
    /// The export does not return what its signature declares.
    #[error("module `{module}`, function `{function}`: unexpected results: {message}")]
    UnexpectedResults {
        /// The module.
        module: String,
        /// The function.
        function: String,
        /// What came back.
        message: String,
    },
    /// A module already on the call stack was called again.
    #[error(
        "module `{module}`, function `{function}`: re-entrant call refused: `{module}` is already on the call stack {}",
        stack.join(" -> ")
    )]
    Reentrancy {
        /// The module called again.
        module: String,
        /// The function.
        function: String,
        /// The call stack, outermost first, as `module.function`.
        stack: Vec<String>,
    },
    /// An import called during the call failed.
    #[error(
        "module `{module}`, function `{function}`: import `{}.{}` called from module `{}` failed: {source}",
        site.namespace, site.import, site.caller
    )]
    Import {
        /// The module called by the embedder.
        module: String,
        /// The function called by the embedder.
        function: String,
        /// Which import failed.
        site: Box<ImportSite>,
        /// The callee's error.
        source: Box<EngineError>,
    },
    /// The module's memory could not be capped at its limit.
    #[error("module `{module}`: {source}")]
    MemoryCap {
        /// The module.
        module: String,
        /// Why.
        source: marine_ast::memory_limit::CapError,
    },
    /// The call failed with the module's memory at its limit: a growth past it was refused.
    #[error(
        "module `{module}`, function `{function}`: memory limit exceeded: growing the memory was refused by the module limit of {limit} bytes; the call then failed: {source}"
    )]
    MemoryLimit {
        /// The module.
        module: String,
        /// The function called.
        function: String,
        /// The module's memory limit in bytes (its initial memory plus its heap limit).
        limit: u64,
        /// How the call failed.
        source: Box<EngineError>,
    },
    /// A host function (the logger, the call parameters, an embedder's function) failed.
    #[error("module `{module}`: host function `{function}` failed: {message}")]
    HostFunction {
        /// The calling module.
        module: String,
        /// The host function.
        function: String,
        /// Why.
        message: String,
    },
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

impl EngineError {
    /// A short name of the variant, for the JavaScript error's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Config(_) => "Config",
            EngineError::Interface { .. } => "Interface",
            EngineError::Order(_) => "Link",
            EngineError::MissingImportedFunction { .. } => "Link",
            EngineError::ImportSignatureMismatch { .. } => "Link",
            EngineError::MissingExport { .. } | EngineError::MemoryCap { .. } => "Instantiate",
            EngineError::MemoryLimit { .. } => "MemoryLimit",
            EngineError::NonUniqueModuleName(_) => "NonUniqueModuleName",
            EngineError::NoSuchModule(_) => "NoSuchModule",
            EngineError::NoSuchFunction { .. } => "NoSuchFunction",
            EngineError::ModuleInUse { .. } => "ModuleInUse",
            EngineError::JsonArguments { .. } | EngineError::Json { .. } => "Arguments",
            EngineError::Abi { .. } => "Abi",
            EngineError::Trap { .. } => "Trap",
            EngineError::UnexpectedResults { .. } => "UnexpectedResults",
            EngineError::Reentrancy { .. } => "Reentrancy",
            EngineError::Import { .. } => "Import",
            EngineError::HostFunction { .. } => "HostFunction",
        }
    }

    /// The module at fault, when one is.
    pub fn module(&self) -> Option<&str> {
        match self {
            EngineError::Config(_) | EngineError::Order(_) | EngineError::Json { .. } => None,
            EngineError::NonUniqueModuleName(m) | EngineError::NoSuchModule(m) => Some(m),
            EngineError::Interface { module, .. }
            | EngineError::MissingImportedFunction { module, .. }
            | EngineError::ImportSignatureMismatch { module, .. }
            | EngineError::MissingExport { module, .. }
            | EngineError::MemoryCap { module, .. }
            | EngineError::MemoryLimit { module, .. }
            | EngineError::NoSuchFunction { module, .. }
            | EngineError::ModuleInUse { module, .. }
            | EngineError::JsonArguments { module, .. }
            | EngineError::Abi { module, .. }
            | EngineError::Trap { module, .. }
            | EngineError::UnexpectedResults { module, .. }
            | EngineError::Reentrancy { module, .. }
            | EngineError::Import { module, .. }
            | EngineError::HostFunction { module, .. } => Some(module),
        }
    }

    /// The function at fault, when one is.
    pub fn function(&self) -> Option<&str> {
        match self {
            EngineError::NoSuchFunction { function, .. }
            | EngineError::JsonArguments { function, .. }
            | EngineError::Abi { function, .. }
            | EngineError::Trap { function, .. }
            | EngineError::MemoryLimit { function, .. }
            | EngineError::UnexpectedResults { function, .. }
            | EngineError::Reentrancy { function, .. }
            | EngineError::Import { function, .. }
            | EngineError::HostFunction { function, .. } => Some(function),
            _ => None,
        }
    }

    /// The JavaScript form: an `Error` with the message, and `kind`, `module`, `function`.
    pub fn to_js(&self) -> JsValue {
        let error = js_sys::Error::new(&self.to_string());
        error.set_name("MarineError");
        let set = |key: &str, value: JsValue| {
            // Setting a property of a fresh plain `Error` cannot fail.
            let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &value);
        };
        set("kind", JsValue::from_str(self.kind()));
        set(
            "module",
            self.module()
                .map(JsValue::from_str)
                .unwrap_or(JsValue::NULL),
        );
        set(
            "function",
            self.function()
                .map(JsValue::from_str)
                .unwrap_or(JsValue::NULL),
        );
        error.into()
    }
}

impl From<EngineError> for JsValue {
    fn from(error: EngineError) -> JsValue {
        error.to_js()
    }
}

/// The text of a value JavaScript threw: `Name: message` for an `Error`.
pub fn js_error_text(value: &JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        let name = String::from(error.name());
        let message = String::from(error.message());
        return if name.is_empty() {
            message
        } else {
            format!("{name}: {message}")
        };
    }
    value
        .as_string()
        .unwrap_or_else(|| "a non-Error value was thrown".to_string())
}
