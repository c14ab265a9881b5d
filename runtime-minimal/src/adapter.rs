//! Import adapters: the guest → host direction of the ABI (§3.3, §3.4, §6.4).
//!
//! When module A calls an imported function (another module's export, or later a host
//! function with interface types), the runtime must:
//! 1. lift the raw wasm arguments out of A's memory ([`lift_arguments`]);
//! 2. call A's `release_objects` if any argument is complex;
//! 3. run the callee (for a module: the full export protocol of [`crate::MModule::call`],
//!    allocating in the callee's memory);
//! 4. hand the result back to A ([`return_to_caller`]): scalars as the wasm result, complex
//!    values lowered with A's `allocate`, then A's `set_result_size` (strings/arrays) and
//!    `set_result_ptr`.
//!
//! [`call_module_import`] assembles these into the body of a module import's host function.
//! It runs in the importer's store, whose data holds the importer's ABI handles, and enters
//! the callee's own store for the call.

use wasmtime::{AsContextMut, Caller, Engine, FuncType, Val, ValType};

use crate::abi::{flatten_param, flatten_result, WasmType};
use crate::errors::{AbiError, ImportError, InCall, MarineError};
use crate::memory::{GuestAbi, WasmGuest};
use crate::module::{ForwardArg, ForwardOutput, MModule};
use crate::store::StoreState;
use crate::types::{FunctionSignature, IType, IValue};
use crate::wasm_value::{from_val, to_val};
use marine_ast::{forward, protocol};

fn val_type(t: WasmType) -> ValType {
    match t {
        WasmType::I32 | WasmType::Other => ValType::I32,
        WasmType::I64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
    }
}

/// The wasm type of an imported function with this interface signature (§3.2).
pub fn import_func_type(engine: &Engine, sig: &FunctionSignature) -> FuncType {
    let mut params = Vec::new();
    for arg in &sig.arguments {
        flatten_param(&arg.ty, &mut params);
    }
    let results = sig.outputs.iter().filter_map(flatten_result);
    FuncType::new(
        engine,
        params.into_iter().map(val_type),
        results.map(val_type),
    )
}

/// Reads the raw wasm arguments of a module-to-module import call (the core's
/// [`forward::forward_arguments`]): strings and byte arrays are left in the caller's memory
/// ([`ForwardArg::Bytes`], bounds- and UTF-8-checked), everything else is lifted.
pub fn forward_arguments<'v>(
    view: &'v [u8],
    sig: &FunctionSignature,
    params: &[Val],
    budget: u64,
) -> Result<Vec<ForwardArg<'v>>, AbiError> {
    forward::forward_arguments(
        view,
        sig,
        |i| params.get(i).and_then(from_val),
        budget,
        |at| at.view(view),
    )
}

/// Lifts the raw wasm arguments of an import call from the caller's memory (the core's
/// [`protocol::lift_arguments_within`]), within `budget` bytes of host memory.
pub fn lift_arguments(
    mem: &[u8],
    sig: &FunctionSignature,
    params: &[Val],
    budget: u64,
) -> Result<Vec<IValue>, AbiError> {
    protocol::lift_arguments_within(mem, sig, |i| params.get(i).and_then(from_val), budget)
}

/// Delivers an import's output to the caller (the core's [`protocol::return_to_caller`]): a
/// scalar becomes the wasm result; a complex value is lowered with the caller's `allocate`,
/// then `set_result_size` (strings and arrays) and `set_result_ptr` are called and there is
/// no wasm result.
pub fn return_to_caller<S: AsContextMut>(
    store: S,
    caller_abi: &GuestAbi,
    ty: Option<&IType>,
    value: Option<&IValue>,
) -> Result<Option<Val>, AbiError> {
    protocol::return_to_caller(&mut WasmGuest::new(store, caller_abi), ty, value)
        .map(|v| v.map(to_val))
}

/// Serves a call of the import of `callee.function` with the importer's declared signature
/// `sig` (§3.4): the body of the wasmtime host function linked for a module import. It runs
/// in the importer's store (the `Caller`) and calls into the callee's own store.
pub fn call_module_import(
    mut caller: Caller<'_, StoreState>,
    callee: &MModule,
    function: &str,
    sig: &FunctionSignature,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let caller_name = caller.data().name.clone();
    let fail = |source: MarineError| {
        wasmtime::Error::new(ImportError {
            caller: caller_name.to_string(),
            namespace: callee.name().to_string(),
            function: function.to_string(),
            source: Box::new(source),
        })
    };
    let caller_abi = caller.data().registered_abi().map_err(fail)?;
    // The callee runs in the caller's call: same parameters, deadline and stack.
    let call = caller.data().call_context().cloned().ok_or_else(|| {
        fail(MarineError::Engine(
            "a module import was called outside any call".into(),
        ))
    })?;
    let in_caller = |e: AbiError| e.in_call(&caller_name, &sig.name);
    let output = {
        // The caller's memory stays borrowed while the callee runs in its own store.
        let budget = caller.data().instance_limits.max_value_size;
        let view = caller_abi.memory_view(&caller);
        let args = forward_arguments(view, sig, params, budget).map_err(|e| fail(in_caller(e)))?;
        callee.call_forwarded(&call, function, &args)
    };
    // The caller's helper buffers (records, arrays of non-bytes) are released once the
    // callee has its copies; string and byte-array buffers belong to the caller's wrapper.
    if sig.arguments.iter().any(|a| a.ty.is_complex()) {
        caller_abi
            .release_objects(&mut caller)
            .map_err(|e| fail(in_caller(e)))?;
    }
    let ret = match output.map_err(fail)? {
        ForwardOutput::Values(values) => return_to_caller(
            &mut caller,
            &caller_abi,
            sig.outputs.first(),
            values.first(),
        )
        .map_err(|e| fail(in_caller(e)))?,
        ForwardOutput::Bytes(bytes) => {
            // Callee memory -> caller memory, then the callee frees its buffers.
            let (ptr, len) = callee
                .deliver_bytes(
                    &call,
                    function,
                    bytes,
                    &mut caller,
                    &caller_abi,
                    &caller_name,
                )
                .map_err(fail)?;
            caller_abi
                .set_result(&mut caller, ptr, Some(len))
                .map_err(|e| fail(in_caller(e)))?;
            None
        }
        // Only a JSON call asks for it.
        ForwardOutput::Json(_) => {
            return Err(fail(MarineError::Engine(
                "internal: a JSON output for a module import".into(),
            )))
        }
    };
    if let (Some(v), Some(slot)) = (ret, results.first_mut()) {
        *slot = v;
    }
    Ok(())
}
