//! Test environment for Marine modules: one dev-dependency gives `#[marine_test]` and
//! everything its generated code needs.
//!
//! ```ignore
//! use marine_rs_sdk_test::marine_test;
//!
//! #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
//! fn empty_string(greeting: marine_test_env::greeting::ModuleInterface) {
//!     assert_eq!(greeting.greeting(String::new()), "Hi, ");
//! }
//! ```
//!
//! The macro reads every module's interface from its `.wasm` at compile time and generates a
//! `marine_test_env` module: per module a `ModuleInterface` with, for each export `f`,
//! `f(args) -> T` (panics on failure), `f_cp(args, CallParameters)`, `try_f(args) ->
//! Result<T, Error>` and `try_f_cp`; records become structs (with serde) shared between
//! modules and services that declare the same shape. Each test runs against a fresh
//! [`marine_runtime::service::MarineService`].
//!
//! Arguments and results cross as interface values ([`marine_runtime::IValue`]), not JSON:
//! floats keep their exact bits, NaN, infinities and `-0.0` included. Generated records
//! implement [`marine_runtime::HostValue`] (the conversion the runtime's typed host
//! functions use) next to their serde derives.
//!
//! For IDE completion, a build script can write the same environment to `OUT_DIR` with
//! [`generate_marine_test_env`] and tests include it with [`include_test_env!`].

pub use marine_runtime::{CallParameters, ParticleParameters, SecurityTetraplet};
pub use marine_test_macro::marine_test;
pub use marine_test_macro_impl::{
    generate_marine_test_env, try_generate_marine_test_env, ServiceDescription,
};

/// Failure of a generated call or of creating a service.
///
/// The runtime error is boxed, so the error stays small to return (72 bytes); match it through
/// [`Error::marine_error`]
/// (`matches!(err.marine_error(), Some(MarineError::Timeout { .. }))`) or by dereferencing
/// the `source` of [`Error::Call`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service could not be created from its config.
    #[error("cannot create the service from {config}: {source}")]
    Service {
        /// The config file.
        config: String,
        /// What went wrong.
        #[source]
        source: Box<marine_runtime::MarineError>,
    },
    /// The call failed in the runtime (trap, timeout, memory limit, type mismatch, ...). The
    /// message names the module and the function once: most runtime errors start with them.
    #[error("{}", call_message(module, function, source))]
    Call {
        /// The module called.
        module: String,
        /// The function called.
        function: String,
        /// What the runtime reported.
        #[source]
        source: Box<marine_runtime::MarineError>,
    },
    /// The result does not have the type the interface declared (the module changed after
    /// the test was compiled).
    #[error("module `{module}`, function `{function}`: unexpected result: {reason}")]
    Result {
        /// The module called.
        module: String,
        /// The function called.
        function: String,
        /// What was expected and what was given instead (with the record fields leading to
        /// the value).
        reason: String,
    },
}

impl Error {
    /// The runtime error behind a failed call or service creation, if that is the cause.
    pub fn marine_error(&self) -> Option<&marine_runtime::MarineError> {
        match self {
            Error::Service { source, .. } | Error::Call { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// `module `m`, function `f`: <runtime error>`, without repeating the prefix when the runtime
/// error already starts with it.
fn call_message(module: &str, function: &str, source: &marine_runtime::MarineError) -> String {
    let prefix = format!("module `{module}`, function `{function}`");
    let inner = source.to_string();
    if inner.starts_with(&prefix) {
        inner
    } else {
        format!("{prefix}: {inner}")
    }
}

/// The service behind a generated `ModuleInterface` or `ServiceInterface`, for what the typed
/// methods do not cover: call timeouts, memory statistics, untyped JSON calls.
///
/// ```ignore
/// use marine_rs_sdk_test::MarineServiceAccess;
/// misbehaving.marine_service().set_call_timeout(Some(Duration::from_millis(100)));
/// assert!(misbehaving.try_spin().is_err());
/// ```
pub trait MarineServiceAccess {
    /// The shared handle of the test's service (implemented by the generated code).
    #[doc(hidden)]
    fn service_handle(&self) -> &internal::ServiceHandle;

    /// The service the interface calls into. Calls through the interface while the returned
    /// borrow is alive panic: drop it first.
    fn marine_service(&self) -> std::cell::RefMut<'_, marine_runtime::service::MarineService> {
        self.service_handle().borrow_mut()
    }
}

/// Includes an environment written by [`generate_marine_test_env`]:
/// `include_test_env!("/marine_test_env.rs")`.
#[macro_export]
macro_rules! include_test_env {
    ($filename:expr) => {
        include!(concat!(env!("OUT_DIR"), $filename));
    };
}

/// What the generated code uses. Not a stable API.
#[doc(hidden)]
pub mod internal {
    use std::cell::RefCell;
    use std::path::Path;
    use std::rc::Rc;

    use marine_runtime::config::ServiceConfig;
    use marine_runtime::service::{MarineService, ServiceOptions};
    pub use marine_runtime::{
        HostValue, IEnumType, IEnumVariant, IRecordField, IRecordType, IType, IValue, VariantKind,
    };
    pub use serde;
    pub use serde_json;

    use crate::{CallParameters, Error};
    use marine_runtime::config::ConfigError;

    /// Gives a config without a top-level `modules_dir` the attribute's one (so modules
    /// without `load_from` resolve); a config that has one keeps its text (and line numbers).
    fn with_modules_dir(text: String, modules_dir: Option<&str>) -> String {
        let Some(dir) = modules_dir else {
            return text;
        };
        let has_own = text
            .parse::<toml::Table>()
            .map(|t| t.contains_key("modules_dir"))
            .unwrap_or(true);
        if has_own {
            return text;
        }
        format!(
            "modules_dir = {}\n{text}",
            toml::Value::String(dir.to_owned())
        )
    }

    /// Unwraps a generated call's result, panicking with the error (module, function,
    /// cause) at the test's line.
    #[track_caller]
    pub fn unwrap_call<T>(result: Result<T, Error>) -> T {
        match result {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// A service shared by the module interfaces of one test.
    #[derive(Clone)]
    pub struct ServiceHandle {
        service: Rc<RefCell<MarineService>>,
    }

    impl ServiceHandle {
        /// Creates a fresh service from the config at `config_path`. `modules` are the wasm
        /// files the macro read the interfaces from (module name, path): the service loads
        /// exactly those. `modules_dir` is the attribute's override, used when the config has
        /// no `modules_dir` of its own.
        pub fn new(
            config_path: &str,
            modules_dir: Option<&str>,
            modules: &[(&str, &str)],
        ) -> Result<Self, Error> {
            let service_error = |source| Error::Service {
                config: config_path.to_string(),
                source: Box::new(source),
            };
            let path = Path::new(config_path);
            let text = std::fs::read_to_string(path).map_err(|source| {
                service_error(
                    ConfigError::Read {
                        path: path.to_owned(),
                        source,
                    }
                    .into(),
                )
            })?;
            let text = with_modules_dir(text, modules_dir);
            let base = path.parent().unwrap_or(Path::new("."));
            let mut config =
                ServiceConfig::from_toml_str(&text, base).map_err(|e| service_error(e.into()))?;
            config.config_path = Some(path.to_owned());
            for module in &mut config.modules {
                if let Some((_, wasm)) = modules.iter().find(|(name, _)| *name == module.name) {
                    module.wasm_path = wasm.into();
                }
            }
            config.validate().map_err(|e| service_error(e.into()))?;
            let service = MarineService::with_options(config, ServiceOptions::default())
                .map_err(service_error)?;
            Ok(Self {
                service: Rc::new(RefCell::new(service)),
            })
        }

        /// The service, for untyped calls (`call_with_json`, `module_memory_stats`, ...).
        pub fn borrow_mut(&self) -> std::cell::RefMut<'_, MarineService> {
            self.service.borrow_mut()
        }

        /// Starts a call of `function` in `module`.
        pub fn call<'a>(&'a self, module: &'a str, function: &'a str) -> Call<'a> {
            Call {
                handle: self,
                module,
                function,
                args: Vec::new(),
            }
        }
    }

    /// A call being built: arguments are converted to interface values as they are added.
    ///
    /// Values go to the runtime as [`IValue`]s and come back as such, without JSON: every
    /// `f32`/`f64` keeps its bits (NaN, infinities, `-0.0`), which JSON cannot carry.
    pub struct Call<'a> {
        handle: &'a ServiceHandle,
        module: &'a str,
        function: &'a str,
        args: Vec<IValue>,
    }

    impl Call<'_> {
        /// Adds the next positional argument.
        pub fn arg<T: HostValue>(mut self, value: T) -> Self {
            self.args.push(value.into_ivalue());
            self
        }

        /// Runs the call, returning its outputs.
        fn run(self, cp: CallParameters) -> Result<Vec<IValue>, Error> {
            self.handle
                .service
                .borrow_mut()
                .call_with_ivalues(self.module, self.function, &self.args, cp)
                .map_err(|source| Error::Call {
                    module: self.module.to_string(),
                    function: self.function.to_string(),
                    source: Box::new(source),
                })
        }

        /// Runs the call of a function with one output and converts the output.
        pub fn invoke<T: HostValue>(self, cp: CallParameters) -> Result<T, Error> {
            let (module, function) = (self.module, self.function);
            let result_error = |reason| Error::Result {
                module: module.to_string(),
                function: function.to_string(),
                reason,
            };
            let outputs = self.run(cp)?;
            let given = outputs.len();
            let [output] = <[IValue; 1]>::try_from(outputs)
                .map_err(|_| result_error(format!("expected one value, given {given}")))?;
            T::from_ivalue(output).map_err(result_error)
        }

        /// Runs the call of a function without outputs.
        pub fn invoke_unit(self, cp: CallParameters) -> Result<(), Error> {
            let (module, function) = (self.module, self.function);
            let outputs = self.run(cp)?;
            if outputs.is_empty() {
                Ok(())
            } else {
                Err(Error::Result {
                    module: module.to_string(),
                    function: function.to_string(),
                    reason: format!("expected no value, given {}", outputs.len()),
                })
            }
        }
    }

    /// The fields of a record value, in declaration order (for the `HostValue` impls of
    /// generated records).
    pub fn record_fields<const N: usize>(
        value: IValue,
        record: &str,
    ) -> Result<[IValue; N], String> {
        match value {
            IValue::Record(fields) => {
                let given = fields.len();
                <[IValue; N]>::try_from(fields)
                    .map_err(|_| format!("record `{record}`: expected {N} fields, given {given}"))
            }
            other => Err(format!(
                "expected record `{record}`, given {}",
                other.kind_name()
            )),
        }
    }

    /// The empty tuple `()` where it stands inside a type of the interface (`Option<()>`,
    /// `Result<(), E>`, a field): `()` itself means "no output" to the runtime's typed
    /// calls, so the generated wrappers use this unit struct instead (JSON `null`).
    #[derive(
        Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
    )]
    pub struct Unit;

    impl HostValue for Unit {
        fn itype() -> IType {
            IType::Tuple(Vec::new())
        }

        fn from_ivalue(value: IValue) -> Result<Self, String> {
            match value {
                IValue::Tuple(items) if items.is_empty() => Ok(Unit),
                other => Err(format!("expected `()`, given {}", other.kind_name())),
            }
        }

        fn into_ivalue(self) -> IValue {
            IValue::Tuple(Vec::new())
        }
    }

    /// The variant index and fields of an enum value (for the `HostValue` impls of generated
    /// enums).
    pub fn enum_variant(value: IValue, name: &str) -> Result<(u32, Vec<IValue>), String> {
        match value {
            IValue::Variant { index, fields } => Ok((index, fields)),
            other => Err(format!(
                "expected enum `{name}`, given {}",
                other.kind_name()
            )),
        }
    }

    /// One field of a record value, converted, with the field named in the error.
    pub fn record_field<T: HostValue>(
        value: IValue,
        record: &str,
        field: &str,
    ) -> Result<T, String> {
        T::from_ivalue(value).map_err(|e| format!("record `{record}`, field `{field}`: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::internal::{record_field, record_fields, HostValue, IValue};

    #[test]
    fn record_values_are_checked_not_trusted() {
        let value = IValue::Record(vec![IValue::F32(f32::NAN), IValue::F64(-0.0)]);
        let [a, b] = record_fields(value, "Pair").unwrap();
        let a: f32 = record_field(a, "Pair", "a").unwrap();
        let b: f64 = record_field(b, "Pair", "b").unwrap();
        assert!(a.is_nan());
        assert_eq!(b.to_bits(), (-0.0f64).to_bits());

        let short = IValue::Record(vec![IValue::F32(1.0)]);
        assert_eq!(
            record_fields::<2>(short, "Pair").unwrap_err(),
            "record `Pair`: expected 2 fields, given 1"
        );
        assert_eq!(
            record_fields::<2>(IValue::F64(1.0), "Pair").unwrap_err(),
            "expected record `Pair`, given f64"
        );
        assert_eq!(
            record_field::<f32>(IValue::F64(1.0), "Pair", "a").unwrap_err(),
            "record `Pair`, field `a`: expected `f32`, given f64"
        );
        // Vectors nest, with their elements converted one by one.
        let grid = IValue::Array(vec![IValue::Array(vec![IValue::F64(f64::INFINITY)])]);
        let grid = <Vec<Vec<f64>>>::from_ivalue(grid).unwrap();
        assert_eq!(grid, [[f64::INFINITY]]);
    }
}
