//! One instantiated module, in its own store, and the export call protocol (§2.3).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};
use std::time::Instant;

use wasmtime::{AsContextMut, Func, Instance, InstancePre, Store, Val};
use wasmtime_wasi::I32Exit;

use crate::abi::{CallPlan, OutputKind, BYTES_TAG};
use crate::call_context::CallContext;
use crate::engine::{CompiledModule, MarineEngine, NO_DEADLINE};
use crate::errors::{AbiError, ImportError, InCall, MarineError, WasmtimeError};
use crate::interface::ModuleInterface;
use crate::memory::{copy_bytes_into, is_bytes_type, GuestAbi, GuestBytes, WasmGuest};
use crate::stdio::{panic_message, OutputTail};
use crate::store::{Shared, StoreState};
use crate::types::{check_value, IType, IValue};
use crate::wasm_value::{from_val, to_val};
use marine_ast::forward::{check_forwarded, copy_bytes, lower_forwarded};
use marine_ast::json::ivalue_to_json;
use marine_ast::json_args::{prepare, JsonInput, JsonLowerError, PreparedArguments};
use marine_ast::json_out::{check_result, JsonCost};
use marine_ast::lift::{in_result, lift_result_from};
use marine_ast::protocol::{take_output_with, Guest, OutputError};

/// The function name a timeout or trap reports for a module's wasm start function (run while
/// it is instantiated).
pub const WASM_START_FRAME: &str = "<start function>";

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

/// An argument of a module-to-module call as the import adapter passes it on: a value, or a
/// string or byte array still in the caller's memory (already bounds- and UTF-8-checked),
/// copied straight into the callee's memory (the core's [`marine_ast::forward::ForwardArg`]).
pub type ForwardArg<'a> = marine_ast::forward::ForwardArg<'a, &'a [u8]>;

/// The output of [`MModule::call_forwarded`].
#[derive(Clone, Debug)]
pub enum ForwardOutput {
    /// Lifted values (none or one).
    Values(Vec<IValue>),
    /// A string or byte array left in the callee's memory; the callee's objects are not
    /// released yet (see [`MModule::deliver_bytes`]).
    Bytes(GuestBytes),
    /// The output as JSON: written to the call's [`JsonSink`], or a tree for
    /// [`JsonSink::Tree`].
    Json(Option<serde_json::Value>),
}

/// A call's arguments.
pub(crate) enum CallArgs<'a> {
    /// Values, or bytes still in a caller's memory.
    Forwarded(&'a [ForwardArg<'a>]),
    /// JSON checked against the signature, written into the guest as it is parsed.
    Json(&'a PreparedArguments<'a>),
}

/// Where a call's output goes.
pub(crate) enum OutputMode<'w> {
    /// Lifted to values.
    Values,
    /// A string or byte array left in memory for a module caller, else values.
    ForwardBytes,
    /// Written as JSON straight from guest memory.
    Json(JsonSink<'w>),
}

/// Where the JSON output of a call goes.
pub enum JsonSink<'w> {
    /// Appended as text to a buffer, reserved once for the text's length.
    Buffer {
        /// The buffer.
        out: &'w mut Vec<u8>,
        /// Indented (as `serde_json::to_string_pretty`) rather than compact.
        pretty: bool,
    },
    /// Written as text to a writer (give it a buffered one).
    Writer {
        /// The writer.
        out: &'w mut dyn std::io::Write,
        /// Indented rather than compact.
        pretty: bool,
    },
    /// Built as a `serde_json::Value`.
    Tree,
}

/// Output capture of a module: the bounded stderr tail (for panic messages) and, when the
/// config asks for it, the embedder's capture of stdout and stderr.
#[derive(Clone, Debug)]
pub struct ModuleOutput {
    /// The most recent bytes the module wrote to stderr.
    pub stderr_tail: OutputTail,
    /// Embedder capture of (stdout, stderr).
    pub capture: Option<(OutputTail, OutputTail)>,
}

/// A module instance and the wasmtime store it lives in.
///
/// Each module has a store of its own: dropping the module (unloading it once nothing imports
/// it) frees its instance, linear memory and WASI context. The store is behind a mutex that a
/// call holds while the module runs, so a second call into a running module (re-entrancy,
/// from a host function or another thread) is refused instead of corrupting its result slots.
/// The wasm handles ([`MModule::abi`], [`MModule::instance`], the exports' functions) belong
/// to this store: use them inside [`MModule::with_store`].
pub struct MModule {
    name: Arc<str>,
    store: Mutex<Store<StoreState>>,
    instance: Instance,
    abi: GuestAbi,
    compiled: Arc<CompiledModule>,
    exports: HashMap<String, ExportFunction>,
    output: ModuleOutput,
    memory_used: Arc<AtomicU64>,
}

impl std::fmt::Debug for MModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MModule")
            .field("name", &self.name)
            .field("exports", &self.exports.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Sets the epoch deadline of a store entered by a call that ends at `deadline`.
fn arm_deadline(store: &mut Store<StoreState>, deadline: Option<Instant>) {
    let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    store.set_epoch_deadline(MarineEngine::deadline_ticks(remaining));
}

/// A module's store, locked for one call of one of its functions and lent the call's
/// context; the call's frame is on the call's stack until this is dropped.
struct Entered<'m> {
    store: MutexGuard<'m, Store<StoreState>>,
    call: &'m Arc<CallContext>,
}

impl Drop for Entered<'_> {
    /// Pops the call's frame, takes the call's context back and disarms the deadline (code
    /// run in this store outside a call, for example through [`MModule::with_store`], has
    /// none).
    fn drop(&mut self) {
        self.call.pop_frame();
        self.store.data_mut().leave_call();
        self.store.set_epoch_deadline(NO_DEADLINE);
    }
}

/// Runs `f` as `function` of `module` in `store`, which is lent `call` (its deadline armed, a
/// frame on its stack) for the time `f` runs: instantiation and start-up, outside
/// [`MModule::enter`].
fn run_in_call<T>(
    store: &mut Store<StoreState>,
    call: &Arc<CallContext>,
    module: &Arc<str>,
    function: &str,
    f: impl FnOnce(&mut Store<StoreState>) -> T,
) -> T {
    let deadline = store.data_mut().enter_call(call);
    arm_deadline(store, deadline);
    call.push_frame(module, &Arc::from(function));
    let out = f(store);
    call.pop_frame();
    store.data_mut().leave_call();
    store.set_epoch_deadline(NO_DEADLINE);
    out
}

impl MModule {
    /// The export `function`, or [`MarineError::NoSuchFunction`].
    fn export_named(&self, function: &str) -> Result<&ExportFunction, MarineError> {
        self.exports
            .get(function)
            .ok_or_else(|| MarineError::NoSuchFunction {
                module: self.name.to_string(),
                function: function.to_string(),
            })
    }

    /// The export `function`, checked to take `args`: their number, then each one with
    /// `check` (which says what was given instead of a value of the argument's type).
    fn export_taking<A>(
        &self,
        function: &str,
        args: &[A],
        check: impl Fn(&A, &IType) -> Result<(), String>,
    ) -> Result<&ExportFunction, MarineError> {
        let export = self.export_named(function)?;
        let arguments = &export.plan.signature.arguments;
        if args.len() != arguments.len() {
            return Err(MarineError::ArgumentCount {
                module: self.name.to_string(),
                function: function.to_string(),
                expected: arguments.len(),
                given: args.len(),
            });
        }
        for (arg, value) in arguments.iter().zip(args) {
            check(value, &arg.ty).map_err(|given| MarineError::ArgumentType {
                module: self.name.to_string(),
                function: function.to_string(),
                argument: arg.name.clone(),
                expected: arg.ty.to_string(),
                given,
            })?;
        }
        Ok(export)
    }

    /// Instantiates `pre` (`compiled` pre-linked) in `store` (this module's own, whose data
    /// names the module and holds what its imports resolve to), then runs
    /// `_initialize` and `_start` (if exported) in the loading call's context `call` (its
    /// deadline), and looks up the ABI exports and every `#[marine]` export.
    pub(crate) fn instantiate(
        mut store: Store<StoreState>,
        pre: &InstancePre<StoreState>,
        compiled: Arc<CompiledModule>,
        output: ModuleOutput,
        call: &Arc<CallContext>,
    ) -> Result<Self, MarineError> {
        let name = store.data().name.clone();
        let memory_used = store.data().memory_used_handle();
        let instantiate_err =
            |message: String, source: Option<wasmtime::Error>| MarineError::Instantiate {
                module: name.to_string(),
                message,
                source: source.map(WasmtimeError::new),
            };
        // Instantiation runs the module's wasm start function, if any: a frame names it, so a
        // start function that loops past the deadline is reported as such.
        let instance = run_in_call(&mut store, call, &name, WASM_START_FRAME, |store| {
            pre.instantiate(store)
        });
        let instance = instance.map_err(|e| instantiate_err(String::new(), Some(e)))?;
        let abi = GuestAbi::from_instance(&mut store, &instance).map_err(|(export, reason)| {
            MarineError::MissingExport {
                module: name.to_string(),
                export: export.to_string(),
                reason,
            }
        })?;
        store.data_mut().abi = Some(Arc::new(abi.clone()));
        for start in ["_initialize", "_start"] {
            let Some(f) = instance.get_func(&mut store, start) else {
                continue;
            };
            let f = f.typed::<(), ()>(&store).map_err(|e| {
                instantiate_err(format!("`{start}` has a wrong signature"), Some(e))
            })?;
            let started = run_in_call(&mut store, call, &name, start, |store| f.call(store, ()));
            match started {
                Ok(()) => {}
                // `proc_exit(0)` from `main` is a normal end of start-up.
                Err(e) if matches!(e.downcast_ref::<I32Exit>(), Some(I32Exit(0))) => {}
                Err(e) => return Err(instantiate_err(format!("`{start}` failed"), Some(e))),
            }
        }

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
            name,
            store: Mutex::new(store),
            instance,
            abi,
            compiled,
            exports,
            output,
            memory_used,
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

    /// The ABI handles (memory, allocate, result slots), valid in this module's store.
    pub fn abi(&self) -> &GuestAbi {
        &self.abi
    }

    /// The wasmtime instance, valid in this module's store.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// An exported `#[marine]` function.
    pub fn export(&self, name: &str) -> Option<&ExportFunction> {
        self.exports.get(name)
    }

    /// The module's output capture.
    pub fn output(&self) -> &ModuleOutput {
        &self.output
    }

    /// Locks this module's store without waiting: a store held by a running call is
    /// [`MarineError::ModuleBusy`]. A store whose holder panicked (an embedder's host
    /// function) stays usable.
    fn lock_store(&self) -> Result<MutexGuard<'_, Store<StoreState>>, MarineError> {
        match self.store.try_lock() {
            Ok(store) => Ok(store),
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(MarineError::ModuleBusy {
                module: self.name.to_string(),
            }),
        }
    }

    /// Runs `f` with this module's store (low-level access, for example to read its memory
    /// through [`MModule::abi`]); [`MarineError::ModuleBusy`] while the module is running a
    /// call.
    pub fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store<StoreState>) -> R,
    ) -> Result<R, MarineError> {
        Ok(f(&mut *self.lock_store()?))
    }

    /// Size of the module's linear memory in bytes (kept by its memory limiter, so it can be
    /// read while the module runs).
    pub fn memory_size(&self) -> usize {
        self.memory_used.load(Ordering::Relaxed) as usize
    }

    /// Enters this module's store for a call of `function`: refuses a re-entrant call (this
    /// module already running: its result slots and allocator belong to the outer call),
    /// pushes a call-stack frame (popped when the guard drops), and arms the store's epoch
    /// deadline from the current call's.
    fn enter<'m>(
        &'m self,
        call: &'m Arc<CallContext>,
        function: &Arc<str>,
    ) -> Result<Entered<'m>, MarineError> {
        let Ok(mut store) = self.lock_store() else {
            let stack = call.record_reentrancy(&self.name, function);
            return Err(MarineError::Reentrancy {
                module: self.name.to_string(),
                function: function.to_string(),
                stack,
            });
        };
        let deadline = store.data_mut().enter_call(call);
        arm_deadline(&mut store, deadline);
        call.push_frame(&self.name, function);
        Ok(Entered { store, call })
    }

    /// Enters this module's store for a call of `export` (see [`MModule::enter`]) and makes
    /// the call, `args` already checked against its signature.
    fn enter_and_call(
        &self,
        call: &Arc<CallContext>,
        export: &ExportFunction,
        function: &str,
        args: CallArgs<'_>,
        output: OutputMode<'_>,
    ) -> Result<ForwardOutput, MarineError> {
        let mut entered = self.enter(call, &export.name)?;
        self.call_checked(&mut *entered.store, export, function, args, output)
    }

    /// Calls an exported `#[marine]` function with interface values (§2.3):
    /// check arity and argument types, lower arguments (allocating in this module), call,
    /// lift the result, then `release_objects` (for complex outputs, after lifting; also after a
    /// failed lift so the guest does not leak).
    ///
    /// Crate-internal: it runs in the context `call` of a top-level call (its call parameters,
    /// deadline and call stack). Embedders call through [`crate::Marine::call_with_ivalues`]
    /// and the like, which make a context for the call; a host function calls other modules
    /// with [`crate::HostContext::call_module`], which passes its caller's on.
    pub(crate) fn call(
        &self,
        call: &Arc<CallContext>,
        function: &str,
        args: &[IValue],
    ) -> Result<Vec<IValue>, MarineError> {
        let export = self.export_taking(function, args, check_value)?;
        let args: Vec<ForwardArg<'_>> = args
            .iter()
            .map(|v| ForwardArg::Value(Cow::Borrowed(v)))
            .collect();
        let output = self.enter_and_call(
            call,
            export,
            function,
            CallArgs::Forwarded(&args),
            OutputMode::Values,
        )?;
        match output {
            ForwardOutput::Values(values) => Ok(values),
            // Not requested: `call_checked` only leaves bytes in memory when asked to.
            ForwardOutput::Bytes(_) | ForwardOutput::Json(_) => Err(MarineError::Engine(
                "internal: bytes output for a value call".into(),
            )),
        }
    }

    /// Calls an exported `#[marine]` function with JSON arguments (checked against its
    /// signature by [`marine_ast::json_args::prepare`], then written into this module's
    /// memory as they are parsed) and delivers the output as JSON to `sink` straight from the
    /// module's memory, before `release_objects`. A [`JsonSink::Tree`] output is returned.
    pub(crate) fn call_json(
        &self,
        call: &Arc<CallContext>,
        function: &str,
        args: JsonInput<'_>,
        sink: JsonSink<'_>,
    ) -> Result<Option<serde_json::Value>, MarineError> {
        let export = self.export_named(function)?;
        let args =
            prepare(args, &export.plan.signature).map_err(|source| MarineError::JsonArguments {
                module: self.name.to_string(),
                function: function.to_string(),
                source: Box::new(source),
            })?;
        let output = self.enter_and_call(
            call,
            export,
            function,
            CallArgs::Json(&args),
            OutputMode::Json(sink),
        )?;
        match output {
            ForwardOutput::Json(tree) => Ok(tree),
            ForwardOutput::Values(_) | ForwardOutput::Bytes(_) => Err(MarineError::Engine(
                "internal: a JSON call without a JSON output".into(),
            )),
        }
    }

    /// The module-to-module entry (used by `adapter::call_module_import`): like
    /// [`MModule::call`], but strings and byte arrays may come as `ForwardArg::Bytes` still
    /// in the caller's memory (copied straight into this module's memory), and a string or
    /// byte-array output is left in this module's memory as `ForwardOutput::Bytes` for the
    /// caller to take with [`MModule::deliver_bytes`], which also releases this module's
    /// objects.
    pub(crate) fn call_forwarded(
        &self,
        call: &Arc<CallContext>,
        function: &str,
        args: &[ForwardArg<'_>],
    ) -> Result<ForwardOutput, MarineError> {
        let export = self.export_taking(function, args, check_forwarded)?;
        self.enter_and_call(
            call,
            export,
            function,
            CallArgs::Forwarded(args),
            OutputMode::ForwardBytes,
        )
    }

    /// Copies a string or byte array this module returned from `function`
    /// (`ForwardOutput::Bytes`) into the module `dst` (a fresh buffer from its `allocate`),
    /// then calls this module's `release_objects`. Returns (ptr, len) in `dst`'s memory. The
    /// bytes are checked against this module's memory again (bounds, and UTF-8 for a string)
    /// before anything is copied.
    pub(crate) fn deliver_bytes(
        &self,
        call: &Arc<CallContext>,
        function: &str,
        bytes: GuestBytes,
        dst_store: impl AsContextMut,
        dst: &GuestAbi,
        dst_name: &str,
    ) -> Result<(u32, u32), MarineError> {
        let mut store = self.lock_store()?;
        // `release_objects` runs guest code: under the call's deadline.
        let deadline = store.data_mut().enter_call(call);
        arm_deadline(&mut store, deadline);
        let copied = bytes
            .view(self.abi.memory_view(&*store))
            .map_err(|e| e.in_call(&self.name, function))
            .and_then(|src| {
                copy_bytes_into(dst_store, src, dst, BYTES_TAG)
                    .map_err(|e| e.in_call(dst_name, function))
            });
        let released = self.abi.release_objects(&mut *store);
        store.data_mut().leave_call();
        store.set_epoch_deadline(NO_DEADLINE);
        let copied = copied?;
        released.map_err(|e| e.in_call(&self.name, function))?;
        Ok(copied)
    }

    /// The guest's panic message among what it wrote to stderr since `mark`.
    fn panic_since(&self, mark: u64) -> Option<String> {
        panic_message(&self.output.stderr_tail.since(mark))
    }

    fn call_checked(
        &self,
        mut store: impl AsContextMut<Data = StoreState>,
        export: &ExportFunction,
        function: &str,
        args: CallArgs<'_>,
        output: OutputMode<'_>,
    ) -> Result<ForwardOutput, MarineError> {
        let stderr_mark = self.output.stderr_tail.total_written();
        let plan = &export.plan;
        let ctx = |e: AbiError| e.in_call(&self.name, function);

        let mut params = Vec::with_capacity(plan.wasm.params.len());
        let args = match args {
            CallArgs::Forwarded(args) => args,
            CallArgs::Json(prepared) => {
                let mut guest = WasmGuest::new(&mut store, &self.abi);
                prepared
                    .lower(&mut guest, &mut |v| params.push(to_val(v)))
                    .map_err(|e| match e {
                        JsonLowerError::Arguments(source) => MarineError::JsonArguments {
                            module: self.name.to_string(),
                            function: function.to_string(),
                            source: Box::new(source),
                        },
                        JsonLowerError::Abi(e) => ctx(e),
                    })?;
                &[]
            }
        };
        for (arg, forwarded) in plan.signature.arguments.iter().zip(args) {
            let lowered = lower_forwarded(
                &mut WasmGuest::new(&mut store, &self.abi),
                &arg.ty,
                forwarded,
                &mut |v| params.push(to_val(v)),
                |guest, bytes| copy_bytes(guest, bytes),
            );
            lowered.map_err(|e| match e {
                AbiError::ValueMismatch { expected, given } => MarineError::ArgumentType {
                    module: self.name.to_string(),
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

        let budget = store.as_context_mut().data().instance_limits.max_value_size;
        let forward_bytes = matches!(output, OutputMode::ForwardBytes);
        if let OutputKind::Sized(ty) = &plan.output {
            if forward_bytes && is_bytes_type(ty) {
                // Checked (bounds, UTF-8) once, when the caller takes them.
                return match self.abi.result_ptr_and_size(&mut store) {
                    Ok((ptr, len)) => Ok(ForwardOutput::Bytes(GuestBytes {
                        ptr,
                        len,
                        utf8: *ty == crate::types::IType::String,
                    })),
                    Err(e) => {
                        if let Err(release_err) = self.abi.release_objects(&mut store) {
                            log::warn!(
                                "module `{}`: release_objects after a failed result read also failed: {release_err}",
                                self.name
                            );
                        }
                        Err(ctx(e))
                    }
                };
            }
        }
        let raw = results.first().and_then(from_val);
        let release_failed = |release_err| {
            log::warn!(
                "module `{}`: release_objects after a failed lift also failed: {release_err}",
                self.name
            )
        };
        let mut guest = WasmGuest::new(&mut store, &self.abi);
        let taken = match output {
            OutputMode::Values | OutputMode::ForwardBytes => take_output_with(
                &mut guest,
                &plan.output,
                raw,
                release_failed,
                |value| ForwardOutput::Values(vec![value]),
                |guest, ty, ptr, size| {
                    let value = lift_result_from(guest.view(), ty, ptr, size, budget)?;
                    Ok(ForwardOutput::Values(vec![value]))
                },
            )
            .map(|taken| taken.unwrap_or(ForwardOutput::Values(Vec::new()))),
            OutputMode::Json(sink) => {
                match json_output(&mut guest, &plan.output, raw, release_failed, sink, budget) {
                    Ok(Ok(tree)) => Ok(ForwardOutput::Json(tree)),
                    Ok(Err(e)) if e.is_io() => {
                        return Err(MarineError::JsonOutput {
                            module: self.name.to_string(),
                            function: function.to_string(),
                            source: e.into(),
                        })
                    }
                    Ok(Err(e)) => Err(OutputError::Abi(AbiError::ValueMismatch {
                        expected: "a result that can be written as JSON".into(),
                        given: e.to_string(),
                    })),
                    Err(e) => Err(e),
                }
            }
        };
        match taken {
            Ok(output) => Ok(output),
            Err(OutputError::Unexpected(message)) => Err(MarineError::UnexpectedResults {
                module: self.name.to_string(),
                function: function.to_string(),
                message,
            }),
            Err(OutputError::Abi(e)) => Err(ctx(e)),
        }
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
                module: self.name.to_string(),
                function: export.name.to_string(),
                source: Box::new(import),
            },
            Err(e) => MarineError::Trap {
                module: self.name.to_string(),
                function: export.name.to_string(),
                panic_message: self.panic_since(stderr_mark),
                source: WasmtimeError::new(e),
            },
        })
    }
}

/// The service's loaded modules by name, kept in the state its stores share (as an
/// extension of [`Shared`]) for host functions that call back into the service. Weak, so the
/// stores that point to the shared state do not keep their own modules alive.
#[derive(Default)]
pub(crate) struct ModuleRegistry(HashMap<String, Weak<MModule>>);

impl ModuleRegistry {
    /// The loaded module `name`, if it is still alive.
    pub(crate) fn get(shared: &mut Shared, name: &str) -> Option<Arc<MModule>> {
        shared
            .extension_mut::<ModuleRegistry>()?
            .0
            .get(name)
            .and_then(Weak::upgrade)
    }

    /// Records a loaded module.
    pub(crate) fn insert(shared: &mut Shared, name: &str, module: &Arc<MModule>) {
        if shared.extension_mut::<ModuleRegistry>().is_none() {
            shared.set_extension(ModuleRegistry::default());
        }
        if let Some(registry) = shared.extension_mut::<ModuleRegistry>() {
            registry.0.insert(name.to_string(), Arc::downgrade(module));
        }
    }

    /// Forgets an unloaded module.
    pub(crate) fn remove(shared: &mut Shared, name: &str) {
        if let Some(registry) = shared.extension_mut::<ModuleRegistry>() {
            registry.0.remove(name);
        }
    }
}

/// An export's output taken for JSON: a scalar to write, or a complex output already written
/// (or its tree built, or the writer's error).
enum JsonTaken {
    Scalar(IValue),
    Done(Result<Option<serde_json::Value>, serde_json::Error>),
}

/// Takes an export's output as JSON into `sink` (see [`OutputMode::Json`]): a complex output
/// is checked ([`check_result`]: bounds, UTF-8, its cost against `budget`), then written from
/// the guest's memory before `release_objects`. The inner result is the writer's.
fn json_output<G: Guest>(
    guest: &mut G,
    output: &OutputKind,
    raw: Option<crate::abi::WasmValue>,
    release_failed: impl FnOnce(AbiError),
    sink: JsonSink<'_>,
    budget: u64,
) -> Result<Result<Option<serde_json::Value>, serde_json::Error>, OutputError> {
    let cost = match sink {
        JsonSink::Tree => JsonCost::Tree,
        JsonSink::Buffer { .. } | JsonSink::Writer { .. } => JsonCost::Text,
    };
    let mut sink = Some(sink);
    let taken = take_output_with(
        guest,
        output,
        raw,
        release_failed,
        JsonTaken::Scalar,
        |guest, ty, ptr, size| {
            let view = guest.view();
            let checked =
                check_result(&view, ty, ptr, size, budget, cost).map_err(|e| in_result(ty, e))?;
            let written = match sink.take() {
                Some(JsonSink::Tree) | None => checked.to_value().map(Some),
                Some(JsonSink::Buffer { out, pretty }) => {
                    out.reserve(usize::try_from(checked.cost()).unwrap_or(0));
                    checked.write(out, pretty).map(|()| None)
                }
                Some(JsonSink::Writer { out, pretty }) => checked.write(out, pretty).map(|()| None),
            };
            Ok(JsonTaken::Done(written))
        },
    )?;
    let value = match taken {
        Some(JsonTaken::Done(written)) => return Ok(written),
        Some(JsonTaken::Scalar(scalar)) => ivalue_to_json(&scalar, None),
        None => serde_json::Value::Null,
    };
    Ok(match sink {
        Some(JsonSink::Tree) | None => Ok(Some(value)),
        Some(JsonSink::Buffer { out, pretty }) => write_value(out, pretty, &value),
        Some(JsonSink::Writer { out, pretty }) => write_value(out, pretty, &value),
    })
}

fn write_value(
    out: impl std::io::Write,
    pretty: bool,
    value: &serde_json::Value,
) -> Result<Option<serde_json::Value>, serde_json::Error> {
    if pretty {
        serde_json::to_writer_pretty(out, value)?;
    } else {
        serde_json::to_writer(out, value)?;
    }
    Ok(None)
}
