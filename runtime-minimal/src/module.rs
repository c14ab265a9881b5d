//! One instantiated module and the export call protocol (§2.3).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::{AsContextMut, Extern, Func, Instance, Val};
use wasmtime_wasi::I32Exit;

use crate::abi::{CallPlan, OutputKind, BYTES_TAG};
use crate::adapter::{copy_bytes_into, is_bytes_type, GuestBytes, ImportError};
use crate::engine::CompiledModule;
use crate::errors::{format_wasmtime_error, AbiError, MarineError};
use crate::interface::ModuleInterface;
use crate::lift::lift_result;
use crate::lower::{lower_argument, val_to_scalar};
use crate::memory::{GuestAbi, WasmGuest};
use crate::stdio::panic_message;
use crate::store::{with_module, Frame, StoreState, WasiIndex};
use crate::types::{check_value, IValue};

/// An exported `#[marine]` function of an instance: its wasm handle and its call plan.
#[derive(Clone, Debug)]
pub struct ExportFunction {
    /// The export's name (shared with call-stack frames).
    pub name: Arc<str>,
    /// The raw wasm export.
    pub func: Func,
    /// Precomputed call plan.
    pub plan: Arc<CallPlan>,
}

/// An argument of a module-to-module call as the import adapter passes it on.
#[derive(Clone, Debug)]
pub enum ForwardArg<'a> {
    /// A value (lifted from the caller, or given by the host).
    Value(Cow<'a, IValue>),
    /// A string or byte array still in the caller's memory (already bounds- and
    /// UTF-8-checked), copied straight into the callee's memory.
    Bytes(GuestBytes),
}

/// The output of [`MModule::call_forwarded`].
#[derive(Clone, Debug)]
pub enum ForwardOutput {
    /// Lifted values (none or one).
    Values(Vec<IValue>),
    /// A string or byte array left in the callee's memory; the callee's objects are not
    /// released yet.
    Bytes(GuestBytes),
}

/// A module instance living in a service store.
///
/// All handles are store-scoped: use them only with the store the module was instantiated in.
#[derive(Debug)]
pub struct MModule {
    name: String,
    wasi_index: WasiIndex,
    instance: Instance,
    abi: GuestAbi,
    compiled: Arc<CompiledModule>,
    exports: HashMap<String, ExportFunction>,
}

impl MModule {
    /// The export `function`, checked to take `given` arguments.
    fn export_with_arity(
        &self,
        function: &str,
        given: usize,
    ) -> Result<&ExportFunction, MarineError> {
        let export = self
            .exports
            .get(function)
            .ok_or_else(|| MarineError::NoSuchFunction {
                module: self.name.clone(),
                function: function.to_string(),
            })?;
        let expected = export.plan.signature.arguments.len();
        if given != expected {
            return Err(MarineError::ArgumentCount {
                module: self.name.clone(),
                function: function.to_string(),
                expected,
                given,
            });
        }
        Ok(export)
    }

    /// Instantiates `compiled` in `store` with `imports` (one extern per import, in order,
    /// already type-checked), then runs `_initialize` and `_start`
    /// (if exported) with this module current, and looks up the ABI exports and every
    /// `#[marine]` export.
    pub fn instantiate(
        mut store: impl AsContextMut<Data = StoreState>,
        imports: &[Extern],
        name: &str,
        compiled: Arc<CompiledModule>,
        wasi_index: WasiIndex,
    ) -> Result<Self, MarineError> {
        let instantiate_err = |message: String| MarineError::Instantiate {
            module: name.to_string(),
            message,
        };
        let (instance, abi) = with_module(&mut store, wasi_index, |store| {
            let instance = Instance::new(&mut *store, &compiled.module, imports)
                .map_err(|e| instantiate_err(format_wasmtime_error(&e)))?;
            let abi =
                GuestAbi::from_instance(&mut *store, &instance).map_err(|(export, reason)| {
                    MarineError::MissingExport {
                        module: name.to_string(),
                        export: export.to_string(),
                        reason,
                    }
                })?;
            store
                .as_context_mut()
                .data_mut()
                .set_abi(wasi_index, abi.clone());
            for start in ["_initialize", "_start"] {
                if let Some(f) = instance.get_func(&mut *store, start) {
                    let f = f.typed::<(), ()>(&mut *store).map_err(|e| {
                        instantiate_err(format!("`{start}` has a wrong signature: {e}"))
                    })?;
                    let frame = Frame {
                        module: wasi_index,
                        function: Arc::from(start),
                    };
                    store.as_context_mut().data_mut().call.stack.push(frame);
                    let started = f.call(&mut *store, ());
                    store.as_context_mut().data_mut().call.stack.pop();
                    match started {
                        Ok(()) => {}
                        // `proc_exit(0)` from `main` is a normal end of start-up.
                        Err(e) if matches!(e.downcast_ref::<I32Exit>(), Some(I32Exit(0))) => {}
                        Err(e) => {
                            return Err(instantiate_err(format!(
                                "`{start}` failed: {}",
                                format_wasmtime_error(&e)
                            )))
                        }
                    }
                }
            }
            Ok::<_, MarineError>((instance, abi))
        })?;

        let mut exports = HashMap::with_capacity(compiled.plans.len());
        for (fname, plan) in &compiled.plans {
            let func =
                instance
                    .get_func(&mut store, fname)
                    .ok_or_else(|| MarineError::MissingExport {
                        module: name.to_string(),
                        export: fname.clone(),
                        reason: "declared in metadata but not exported".into(),
                    })?;
            exports.insert(
                fname.clone(),
                ExportFunction {
                    name: Arc::from(fname.as_str()),
                    func,
                    plan: plan.clone(),
                },
            );
        }

        Ok(MModule {
            name: name.to_string(),
            wasi_index,
            instance,
            abi,
            compiled,
            exports,
        })
    }

    /// Module name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The module's interface.
    pub fn interface(&self) -> &Arc<ModuleInterface> {
        &self.compiled.interface
    }

    /// The ABI handles (memory, allocate, result slots).
    pub fn abi(&self) -> &GuestAbi {
        &self.abi
    }

    /// The wasmtime instance.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// This module's WASI context index in the store.
    pub fn wasi_index(&self) -> WasiIndex {
        self.wasi_index
    }

    /// An exported `#[marine]` function.
    pub fn export(&self, name: &str) -> Option<&ExportFunction> {
        self.exports.get(name)
    }

    /// Calls an exported `#[marine]` function with interface values (§2.3):
    /// check arity and argument types, lower arguments (allocating in this module), call,
    /// lift the result, then `release_objects` (for complex outputs, after lifting; also after a
    /// failed lift so the guest does not leak).
    ///
    /// Works with any store context owning the instance (a `Store`, or the `Caller` of a host
    /// function when a module import forwards into this module).
    pub fn call(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        function: &str,
        args: &[IValue],
    ) -> Result<Vec<IValue>, MarineError> {
        let export = self.export_with_arity(function, args.len())?;
        let sig = &export.plan.signature;
        for (arg, value) in sig.arguments.iter().zip(args) {
            check_value(value, &arg.ty).map_err(|given| MarineError::ArgumentType {
                module: self.name.clone(),
                function: function.to_string(),
                argument: arg.name.clone(),
                expected: arg.ty.to_string(),
                given,
            })?;
        }
        let args: Vec<ForwardArg<'_>> = args
            .iter()
            .map(|v| ForwardArg::Value(Cow::Borrowed(v)))
            .collect();
        let output = self.run_frame(&mut store, export, |store, stderr_mark| {
            self.call_checked(store, export, function, &args, false, stderr_mark)
        })?;
        match output {
            ForwardOutput::Values(values) => Ok(values),
            // Not requested: `call_checked` only leaves bytes in memory when asked to.
            ForwardOutput::Bytes(_) => Err(MarineError::Engine(
                "internal: bytes output for a value call".into(),
            )),
        }
    }

    /// The module-to-module entry (used by [`crate::adapter::module_import_func`]): like
    /// [`MModule::call`], but strings and byte arrays may come as [`ForwardArg::Bytes`] still
    /// in the caller's memory (copied straight into this module's memory), and a string or
    /// byte-array output is left in this module's memory as [`ForwardOutput::Bytes`]
    /// (bounds- and UTF-8-checked) for the caller to copy; this module's objects are then
    /// NOT released yet: the caller must call [`MModule::release_objects`] after copying.
    pub fn call_forwarded(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        function: &str,
        args: &[ForwardArg<'_>],
    ) -> Result<ForwardOutput, MarineError> {
        let export = self.export_with_arity(function, args.len())?;
        let sig = &export.plan.signature;
        for (arg, forwarded) in sig.arguments.iter().zip(args) {
            let checked = match forwarded {
                ForwardArg::Value(value) => check_value(value, &arg.ty),
                ForwardArg::Bytes(_) if is_bytes_type(&arg.ty) => Ok(()),
                ForwardArg::Bytes(_) => Err("string or byte array".to_string()),
            };
            checked.map_err(|given| MarineError::ArgumentType {
                module: self.name.clone(),
                function: function.to_string(),
                argument: arg.name.clone(),
                expected: arg.ty.to_string(),
                given,
            })?;
        }
        self.run_frame(&mut store, export, |store, stderr_mark| {
            self.call_checked(store, export, function, args, true, stderr_mark)
        })
    }

    /// Calls this module's `release_objects` with the module current.
    pub fn release_objects(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
    ) -> Result<(), AbiError> {
        with_module(&mut store, self.wasi_index, |store| {
            self.abi.release_objects(store)
        })
    }

    /// Runs `f` as a call of `export` of this module: refuses a re-entrant call (this module
    /// already on the call stack: its result slots and allocator belong to the outer call),
    /// pushes a call-stack frame, makes the module current, and undoes both afterwards. `f`
    /// gets the position of the module's stderr tail at entry (for panic messages).
    pub(crate) fn run_frame<S, R>(
        &self,
        mut store: S,
        export: &ExportFunction,
        f: impl FnOnce(&mut S, u64) -> Result<R, MarineError>,
    ) -> Result<R, MarineError>
    where
        S: AsContextMut<Data = StoreState>,
    {
        let mut ctx = store.as_context_mut();
        let state = ctx.data_mut();
        if state.call.stack.iter().any(|f| f.module == self.wasi_index) {
            let mut stack = state.stack_names();
            stack.push(format!("{}.{}", self.name, export.name));
            state.record_reentrancy(&self.name, &export.name, stack.clone());
            return Err(MarineError::Reentrancy {
                module: self.name.clone(),
                function: export.name.to_string(),
                stack,
            });
        }
        let stderr_mark = state
            .slot(self.wasi_index)
            .stderr_tail
            .as_ref()
            .map_or(0, |t| t.total_written());
        state.call.stack.push(Frame {
            module: self.wasi_index,
            function: export.name.clone(),
        });
        let result = with_module(&mut store, self.wasi_index, |store| f(store, stderr_mark));
        store.as_context_mut().data_mut().call.stack.pop();
        result
    }

    /// The guest's panic message among what it wrote to stderr since `mark`.
    fn panic_since(
        &self,
        store: impl wasmtime::AsContext<Data = StoreState>,
        mark: u64,
    ) -> Option<String> {
        let tail = store
            .as_context()
            .data()
            .slot(self.wasi_index)
            .stderr_tail
            .clone()?;
        panic_message(&tail.since(mark))
    }

    fn call_checked(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        export: &ExportFunction,
        function: &str,
        args: &[ForwardArg<'_>],
        bytes_output: bool,
        stderr_mark: u64,
    ) -> Result<ForwardOutput, MarineError> {
        let plan = &export.plan;
        let ctx = |e: AbiError| e.in_call(&self.name, function);

        let mut params = Vec::with_capacity(plan.wasm.params.len());
        for (arg, forwarded) in plan.signature.arguments.iter().zip(args) {
            let lowered = match forwarded {
                ForwardArg::Value(value) => lower_argument(
                    &mut WasmGuest::new(&mut store, &self.abi),
                    &arg.ty,
                    value,
                    &mut params,
                ),
                ForwardArg::Bytes(bytes) => {
                    copy_bytes_into(&mut store, *bytes, &self.abi, BYTES_TAG).map(|(ptr, len)| {
                        params.push(Val::I32(ptr as i32));
                        params.push(Val::I32(len as i32));
                    })
                }
            };
            lowered.map_err(|e| match e {
                AbiError::ValueMismatch { expected, given } => MarineError::ArgumentType {
                    module: self.name.clone(),
                    function: function.to_string(),
                    argument: arg.name.clone(),
                    expected,
                    given,
                },
                other => ctx(other),
            })?;
        }

        let mut results = vec![Val::I32(0); plan.wasm.results.len()];
        self.invoke(&mut store, export, &params, &mut results, stderr_mark)?;

        let unexpected = |message: String| MarineError::UnexpectedResults {
            module: self.name.clone(),
            function: function.to_string(),
            message,
        };
        let output = match &plan.output {
            OutputKind::None => return Ok(ForwardOutput::Values(Vec::new())),
            OutputKind::Scalar(ty) => {
                let val = results
                    .first()
                    .ok_or_else(|| unexpected("no result value".into()))?;
                let v = val_to_scalar(ty, val)
                    .ok_or_else(|| unexpected(format!("{val:?} is not a {ty}")))?;
                return Ok(ForwardOutput::Values(vec![v]));
            }
            OutputKind::Sized(ty) if bytes_output && is_bytes_type(ty) => {
                let checked = self
                    .abi
                    .result_ptr_and_size(&mut store)
                    .and_then(|(ptr, len)| {
                        GuestBytes::checked(
                            self.abi.memory_view(&store),
                            self.abi.memory,
                            ptr,
                            len,
                            *ty == crate::types::IType::String,
                        )
                    });
                return match checked {
                    Ok(bytes) => Ok(ForwardOutput::Bytes(bytes)),
                    Err(e) => {
                        if let Err(release_err) = self.abi.release_objects(&mut store) {
                            log::warn!(
                                "module `{}`: release_objects after a failed result check also failed: {release_err}",
                                self.name
                            );
                        }
                        Err(ctx(e))
                    }
                };
            }
            OutputKind::Sized(ty) => {
                let lifted = self
                    .abi
                    .result_ptr_and_size(&mut store)
                    .and_then(|(ptr, size)| {
                        lift_result(self.abi.memory_view(&store), ty, ptr, size)
                    });
                self.release_after(&mut store, lifted)
            }
            OutputKind::Record(r) => {
                let ty = crate::types::IType::Record(r.clone());
                let lifted = self
                    .abi
                    .result_ptr(&mut store)
                    .and_then(|ptr| lift_result(self.abi.memory_view(&store), &ty, ptr, 0));
                self.release_after(&mut store, lifted)
            }
        };
        output.map(|v| ForwardOutput::Values(vec![v])).map_err(ctx)
    }

    /// Calls the raw export; a failure becomes [`MarineError::Import`] (an import it called
    /// failed) or [`MarineError::Trap`] with the guest's panic message.
    fn invoke(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        export: &ExportFunction,
        params: &[Val],
        results: &mut [Val],
        stderr_mark: u64,
    ) -> Result<(), MarineError> {
        let Err(e) = export.func.call(&mut store, params, results) else {
            return Ok(());
        };
        Err(match e.downcast::<ImportError>() {
            Ok(import) => MarineError::Import {
                module: self.name.clone(),
                function: export.name.to_string(),
                source: Box::new(import),
            },
            Err(e) => MarineError::Trap {
                module: self.name.clone(),
                function: export.name.to_string(),
                message: format_wasmtime_error(&e),
                panic_message: self.panic_since(&store, stderr_mark),
            },
        })
    }

    /// Calls `release_objects` after lifting. A failed release after a successful lift is an
    /// error; after a failed lift the lift error wins and the release error is only logged.
    fn release_after(
        &self,
        store: impl AsContextMut<Data = StoreState>,
        lifted: Result<IValue, AbiError>,
    ) -> Result<IValue, AbiError> {
        let released = self.abi.release_objects(store);
        match (lifted, released) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(e),
            (Err(e), Ok(())) => Err(e),
            (Err(e), Err(release_err)) => {
                log::warn!(
                    "module `{}`: release_objects after a failed lift also failed: {release_err}",
                    self.name
                );
                Err(e)
            }
        }
    }
}
