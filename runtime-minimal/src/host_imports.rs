//! Host imports provided to every module.
//!
//! Built in, in all four host namespaces (`host`, `__marine_host_api_v1..v3`):
//! - the logger, `log_utf8_string(level, target, msg_ptr, msg_len)` (§5.2). It logs through
//!   the `log` crate with the module name as target, honouring the module's logging mask; for a
//!   module with `logger_enabled = false` it is linked as a no-op;
//! - `get_call_parameters` (§5.3, [`crate::call_parameters_abi`]), with each namespace's
//!   layout.
//!
//! Embedders add interface-typed host functions per module with [`HostImport`] (through
//! [`crate::MModuleConfig::host_imports`]): arguments are lifted from the calling module,
//! the closure runs with a [`HostContext`], and the output is lowered back (§5.5). This is
//! the hook for mounted binaries. A host function may call back into the service's modules
//! ([`HostContext::call_module`]).
//!
//! Any other import is left undefined, so a module needing one fails to load with a `Link`
//! error naming it (`unknown import: `ns::name` has not been defined`).

use std::any::Any;
use std::sync::Arc;

use marine_ast::HostApi;
use wasmtime::{AsContextMut, Caller, Engine, Extern, Func, FuncType, Linker, Val};

use crate::adapter::{import_func_type, lift_arguments, return_to_caller};
use crate::call_parameters::CallParameters;
use crate::call_parameters_abi::add_call_parameters_import;
use crate::errors::{InCall, MarineError};
use crate::module::ModuleRegistry;
use crate::store::StoreState;
use crate::types::{FunctionSignature, IFunctionArg, IType, IValue};
use crate::wasi_guard::add_guarded;

/// What a host function sees besides its arguments: the calling module, its store data,
/// the service's extensions, and the service's modules (a host function may call into them,
/// see [`HostContext::call_module`]).
pub struct HostContext<'a, 'c> {
    /// Name of the calling module.
    pub module: &'a str,
    caller: &'a mut Caller<'c, StoreState>,
}

impl<'a, 'c> HostContext<'a, 'c> {
    /// The context of a host call of `module` (tests that call a host function's closure
    /// from a host-made `Func`).
    #[cfg(test)]
    pub(crate) fn for_test(module: &'a str, caller: &'a mut Caller<'c, StoreState>) -> Self {
        HostContext { module, caller }
    }

    /// The calling module's store data.
    pub fn state(&self) -> &StoreState {
        self.caller.data()
    }

    /// The calling module's store data, mutably.
    pub fn state_mut(&mut self) -> &mut StoreState {
        self.caller.data_mut()
    }

    /// The call parameters of the current top-level call.
    pub fn call_parameters(&self) -> &CallParameters {
        self.caller.data().call_parameters()
    }

    /// Runs `f` on the service's extension of type `T` ([`crate::Marine::set_extension`]);
    /// `None` when there is none. The service's shared state is locked meanwhile: `f` must
    /// not call into modules.
    pub fn with_extension<T: Any + Send, R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut shared = self.caller.data().shared().lock();
        shared.extension_mut::<T>().map(f)
    }

    /// The deadline of the current top-level call (`None`: no timeout). A host function that
    /// may block should stop there and call [`HostContext::record_call_timeout`].
    pub fn call_deadline(&self) -> Option<std::time::Instant> {
        self.caller.data().call_deadline()
    }

    /// Records that the call's deadline passed while this host function ran: the top-level
    /// call then fails with [`MarineError::Timeout`] naming the calling module (whatever the
    /// host function returns; return an `Err` to end the call at once).
    pub fn record_call_timeout(&self) {
        self.caller.data().record_timeout();
    }

    /// Appends `stdout` and `stderr` to the calling module's captured output
    /// ([`crate::MModuleConfig::capture_output`], taken with
    /// [`crate::Marine::take_module_output`]) as if the module had printed them. Does
    /// nothing for a module without capture.
    pub fn append_captured_output(&self, stdout: &[u8], stderr: &[u8]) {
        let module = ModuleRegistry::get(&mut self.caller.data().shared().lock(), self.module);
        if let Some((out, err)) = module.as_ref().and_then(|m| m.output().capture.as_ref()) {
            out.push(stdout);
            err.push(stderr);
        }
    }

    /// Calls `function` of the loaded module `module` from inside this host function (a
    /// nested call: same call parameters and deadline). Calling a module that is already on
    /// the call stack, including the caller itself, fails with [`MarineError::Reentrancy`]
    /// (and the whole top-level call then reports it).
    pub fn call_module(
        &mut self,
        module: &str,
        function: &str,
        args: &[IValue],
    ) -> Result<Vec<IValue>, MarineError> {
        let target = ModuleRegistry::get(&mut self.caller.data().shared().lock(), module)
            .ok_or_else(|| MarineError::NoSuchModule(module.to_string()))?;
        let call = self.caller.data().call_context().cloned().ok_or_else(|| {
            MarineError::Engine("a host function was called outside any call".into())
        })?;
        target.call(&call, function, args)
    }
}

/// The body of a host function: interface values in, optional interface value out.
/// An `Err` traps the calling module; the host call fails with [`MarineError::Import`].
pub type HostFn =
    dyn Fn(&mut HostContext<'_, '_>, Vec<IValue>) -> Result<Option<IValue>, String> + Send + Sync;

/// An interface-typed host function (the official `HostImportDescriptor`).
///
/// The wasm signature follows the usual flattening (§3.2): strings and all arrays, including
/// byte arrays, are (ptr, len) pairs. (The official runtime maps a byte-array *argument* to a
/// single i32, which looks like a bug; use `Array(U8)` there for exact compatibility.)
#[derive(Clone)]
pub struct HostImport {
    /// Argument types, in order.
    pub arguments: Vec<IType>,
    /// Output type, if any.
    pub output: Option<IType>,
    /// The implementation.
    pub func: Arc<HostFn>,
}

impl std::fmt::Debug for HostImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostImport")
            .field("arguments", &self.arguments)
            .field("output", &self.output)
            .finish_non_exhaustive()
    }
}

impl HostImport {
    /// A host function with these argument and output types.
    pub fn new(
        arguments: Vec<IType>,
        output: Option<IType>,
        func: impl Fn(&mut HostContext<'_, '_>, Vec<IValue>) -> Result<Option<IValue>, String>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        HostImport {
            arguments,
            output,
            func: Arc::new(func),
        }
    }

    /// The interface signature (arguments named `arg_0`, `arg_1`, …).
    pub fn signature(&self, name: &str) -> FunctionSignature {
        FunctionSignature {
            name: name.to_string(),
            arguments: self
                .arguments
                .iter()
                .enumerate()
                .map(|(i, ty)| IFunctionArg {
                    name: format!("arg_{i}"),
                    ty: ty.clone(),
                })
                .collect(),
            outputs: self.output.iter().cloned().collect(),
        }
    }

    /// The wasm type of the import.
    pub fn func_type(&self, engine: &Engine, name: &str) -> FuncType {
        import_func_type(engine, &self.signature(name))
    }

    /// This host function as `namespace.name`, created in `store` (to instantiate a module
    /// importing it without a linker).
    pub fn to_func(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        namespace: &str,
        name: &str,
    ) -> Func {
        let ty = self.func_type(store.as_context_mut().engine(), name);
        Func::new(&mut store, ty, self.body(namespace, name))
    }

    /// The wasm-level body: lift the arguments from the calling module, run the closure,
    /// lower its output back.
    fn body(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Fn(Caller<'_, StoreState>, &[Val], &mut [Val]) -> wasmtime::Result<()>
           + Send
           + Sync
           + 'static {
        let sig = Arc::new(self.signature(name));
        let import = self.clone();
        let (ns, fname) = (namespace.to_string(), name.to_string());
        move |caller: Caller<'_, StoreState>, params: &[Val], results: &mut [Val]| {
            import.call_from_wasm(&sig, &ns, &fname, caller, params, results)
        }
    }

    /// Serves a call of this host function, imported as `ns::fname` with the interface
    /// signature `sig` ([`HostImport::signature`]), from the module whose store `caller` is:
    /// lifts the arguments from its memory, runs the closure, lowers its output back. A
    /// failure is an [`crate::errors::ImportError`] naming the caller and the import.
    pub(crate) fn call_from_wasm(
        &self,
        sig: &FunctionSignature,
        ns: &str,
        fname: &str,
        mut caller: Caller<'_, StoreState>,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let module = caller.data().name.clone();
        let fail = |source: MarineError| {
            wasmtime::Error::new(crate::errors::ImportError {
                caller: module.to_string(),
                namespace: ns.to_string(),
                function: fname.to_string(),
                source: Box::new(source),
            })
        };
        let abi = caller.data().registered_abi().map_err(fail)?;
        let budget = caller.data().instance_limits.max_value_size;
        let args = lift_arguments(abi.memory_view(&caller), sig, params, budget)
            .map_err(|e| fail(e.in_call(&module, fname)))?;
        let output = {
            let mut ctx = HostContext {
                module: &module,
                caller: &mut caller,
            };
            (self.func)(&mut ctx, args).map_err(|message| {
                fail(MarineError::HostFunction {
                    module: module.to_string(),
                    function: fname.to_string(),
                    message,
                })
            })?
        };
        let ret = return_to_caller(&mut caller, &abi, sig.outputs.first(), output.as_ref())
            .map_err(|e| fail(e.in_call(&module, fname)))?;
        if let (Some(v), Some(slot)) = (ret, results.first_mut()) {
            *slot = v;
        }
        Ok(())
    }
}

/// The host namespaces of all SDK generations (§5.1).
pub const HOST_NAMESPACES: [&str; 4] = [
    HostApi::V0.namespace(),
    HostApi::V1.namespace(),
    HostApi::V2.namespace(),
    HostApi::V3.namespace(),
];

pub use marine_ast::is_host_namespace;

/// Maps the guest's level number to a `log::Level` (unknown → Trace, as the official host).
pub fn log_level(level: i32) -> log::Level {
    match level {
        1 => log::Level::Error,
        2 => log::Level::Warn,
        3 => log::Level::Info,
        4 => log::Level::Debug,
        _ => log::Level::Trace,
    }
}

fn log_utf8_string(
    mut caller: Caller<'_, StoreState>,
    level: i32,
    target: i32,
    msg_ptr: i32,
    msg_len: i32,
) {
    let state = caller.data();
    if !state.logger_enabled {
        return;
    }
    let mask = state.logging_mask;
    if target != 0 && target & mask == 0 {
        return;
    }
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        log::warn!("log_utf8_string: the calling module has no `memory` export");
        return;
    };
    let (start, len) = (msg_ptr as u32 as usize, msg_len as u32 as usize);
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let module = &state.name;
    let Some(bytes) = start.checked_add(len).and_then(|end| data.get(start..end)) else {
        log::warn!("module `{module}`: log message of {len} bytes at {start:#x} is out of bounds");
        return;
    };
    match std::str::from_utf8(bytes) {
        Ok(msg) => log::log!(target: module, log_level(level), "{msg}"),
        Err(e) => log::warn!("module `{module}`: log message is not valid UTF-8: {e}"),
    }
}

/// Registers what every module may import into a fresh `linker`: WASI preview1 (with the
/// guarded versions of its blocking and descriptor-opening functions, [`add_guarded`]) and
/// the built-in host imports. Registering into a fresh linker cannot clash; an error here is a
/// bug in this crate.
pub(crate) fn base_definitions(linker: &mut Linker<StoreState>) {
    wasmtime_wasi::p1::add_to_linker_sync(linker, |s: &mut StoreState| &mut s.wasi)
        .expect("WASI registration into an empty linker");
    add_guarded(linker).expect("guarded WASI registration over wasmtime-wasi's");
    add_host_imports(linker).expect("host import registration into a fresh linker");
}

/// Registers the built-in host imports (logger, call parameters) in `linker`, in all four
/// host namespaces.
pub fn add_host_imports(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    for ns in HOST_NAMESPACES {
        linker.func_wrap(ns, "log_utf8_string", log_utf8_string)?;
    }
    add_call_parameters_import(linker)
}
