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
//! [`module_import_func`] assembles these into a wasmtime host function for a module import.
//! The caller's ABI handles are found through the store's current module slot, so one
//! definition works for any importer.

use std::sync::Arc;

use std::borrow::Cow;

use wasmtime::{AsContextMut, Caller, Engine, FuncType, Memory, Val, ValType};

use crate::abi::{flatten_param, flatten_result, WasmType, BYTES_TAG};
use crate::errors::{AbiError, MarineError};
use crate::lift::Lifter;
use crate::lower::{lower_record, lower_sized, scalar_to_val, val_to_scalar};
use crate::memory::{GuestAbi, GuestMemoryMut, WasmGuest};
use crate::module::{ForwardArg, ForwardOutput, MModule};
use crate::store::StoreState;
use crate::types::{FunctionSignature, IType, IValue};

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

fn i32_at(params: &[Val], i: usize) -> Result<u32, AbiError> {
    match params.get(i) {
        Some(Val::I32(v)) => Ok(*v as u32),
        other => Err(AbiError::ValueMismatch {
            expected: "i32 parameter".into(),
            given: format!("{other:?}"),
        }),
    }
}

/// True for the types moved memory-to-memory between modules: strings and byte arrays
/// (`Vec<u8>`, either as `ByteArray` or `Array(U8)`, which share one layout).
pub fn is_bytes_type(ty: &IType) -> bool {
    match ty {
        IType::String | IType::ByteArray => true,
        IType::Array(elem) => **elem == IType::U8,
        _ => false,
    }
}

/// A string or byte array in a guest memory: `len` bytes at `ptr`, bounds-checked (and
/// UTF-8-checked for strings) when created with [`GuestBytes::checked`].
#[derive(Clone, Copy, Debug)]
pub struct GuestBytes {
    /// The memory holding the bytes.
    pub memory: Memory,
    /// Start address.
    pub ptr: u32,
    /// Length in bytes.
    pub len: u32,
}

impl GuestBytes {
    /// Checks that `len` bytes at `ptr` lie in `view` (the current contents of `memory`) and,
    /// for a string, that they are valid UTF-8 (the receiving SDK takes strings unchecked).
    pub fn checked(
        view: &[u8],
        memory: Memory,
        ptr: u32,
        len: u32,
        utf8: bool,
    ) -> Result<Self, AbiError> {
        let what = if utf8 { "string" } else { "byte array" };
        let bytes = Lifter::new(view).bytes(ptr, len as u64, || what.to_string())?;
        if utf8 {
            if let Err(e) = std::str::from_utf8(bytes) {
                return Err(AbiError::InvalidUtf8 {
                    what: what.into(),
                    valid_up_to: e.valid_up_to(),
                    len: bytes.len(),
                });
            }
        }
        Ok(GuestBytes { memory, ptr, len })
    }
}

/// Copies `src` (in one module's memory) into a fresh buffer of the module `dst`, allocated
/// with its `allocate` and `tag`; returns (ptr, len). Empty input gives (0, 0) without
/// allocating. One `memmove` from memory to memory: no intermediate buffer or value.
pub fn copy_bytes_into<S: AsContextMut>(
    mut store: S,
    src: GuestBytes,
    dst: &GuestAbi,
    tag: u8,
) -> Result<(u32, u32), AbiError> {
    if src.len == 0 {
        return Ok((0, 0));
    }
    // Allocating may grow the destination memory: sizes and base pointers are read after it.
    let dst_ptr = WasmGuest::new(&mut store, dst).allocate(src.len, tag)?;
    let len = src.len as usize;
    let in_bounds = |memory: &Memory, store: &S, ptr: u32, what: &str| {
        let memory_size = memory.data_size(store);
        match (ptr as usize).checked_add(len) {
            Some(end) if end <= memory_size => Ok(ptr as usize),
            _ => Err(AbiError::OutOfBounds {
                what: what.into(),
                ptr: ptr as u64,
                len: len as u64,
                memory_size: memory_size as u64,
            }),
        }
    };
    let from = in_bounds(&src.memory, &store, src.ptr, "copy source")?;
    let to = in_bounds(&dst.memory, &store, dst_ptr, "copy destination")?;
    let src_base = src.memory.data_ptr(&store);
    let dst_base = dst.memory.data_ptr(&store);
    // SAFETY: both ranges were just checked against their memory's current size, and nothing
    // can grow or move either memory before the copy (the store is borrowed mutably here, so
    // no guest code runs and no Rust reference into either memory is alive). `ptr::copy` is
    // a memmove, so the ranges may even overlap (the same memory).
    unsafe { std::ptr::copy(src_base.add(from), dst_base.add(to), len) };
    Ok((dst_ptr, src.len))
}

/// Reads the raw wasm arguments of a module-to-module import call: strings and byte arrays
/// are left in the caller's memory ([`ForwardArg::Bytes`], checked), everything else is
/// lifted.
pub fn forward_arguments(
    view: &[u8],
    memory: Memory,
    sig: &FunctionSignature,
    params: &[Val],
) -> Result<Vec<ForwardArg<'static>>, AbiError> {
    let mut lifter = Lifter::new(view);
    let mut out = Vec::with_capacity(sig.arguments.len());
    let mut i = 0;
    for arg in &sig.arguments {
        let forwarded = match &arg.ty {
            ty if is_bytes_type(ty) => {
                let (ptr, len) = (i32_at(params, i)?, i32_at(params, i + 1)?);
                i += 2;
                ForwardArg::Bytes(GuestBytes::checked(
                    view,
                    memory,
                    ptr,
                    len,
                    *ty == IType::String,
                )?)
            }
            IType::String | IType::ByteArray | IType::Array(_) => {
                let (ptr, len) = (i32_at(params, i)?, i32_at(params, i + 1)?);
                i += 2;
                ForwardArg::Value(Cow::Owned(lifter.sized(&arg.ty, ptr, len)?))
            }
            IType::Record(r) => {
                let ptr = i32_at(params, i)?;
                i += 1;
                ForwardArg::Value(Cow::Owned(lifter.record(r, ptr)?))
            }
            scalar => {
                let v = params.get(i).and_then(|v| val_to_scalar(scalar, v));
                i += 1;
                ForwardArg::Value(Cow::Owned(v.ok_or_else(|| AbiError::ValueMismatch {
                    expected: scalar.to_string(),
                    given: format!("{:?}", params.get(i - 1)),
                })?))
            }
        };
        out.push(forwarded);
    }
    Ok(out)
}

/// Lifts the raw wasm arguments of an import call from the caller's memory.
pub fn lift_arguments(
    mem: &[u8],
    sig: &FunctionSignature,
    params: &[Val],
) -> Result<Vec<IValue>, AbiError> {
    let mut lifter = Lifter::new(mem);
    let mut values = Vec::with_capacity(sig.arguments.len());
    let mut i = 0;
    for arg in &sig.arguments {
        let value = match &arg.ty {
            IType::String | IType::ByteArray | IType::Array(_) => {
                let (ptr, len) = (i32_at(params, i)?, i32_at(params, i + 1)?);
                i += 2;
                lifter.sized(&arg.ty, ptr, len)?
            }
            IType::Record(r) => {
                let ptr = i32_at(params, i)?;
                i += 1;
                lifter.record(r, ptr)?
            }
            scalar => {
                let v = params.get(i).and_then(|v| val_to_scalar(scalar, v));
                i += 1;
                v.ok_or_else(|| AbiError::ValueMismatch {
                    expected: scalar.to_string(),
                    given: format!("{:?}", params.get(i - 1)),
                })?
            }
        };
        values.push(value);
    }
    Ok(values)
}

/// Delivers an import's output to the caller: a scalar becomes the wasm result; a complex
/// value is lowered with the caller's `allocate`, then `set_result_size` (strings and arrays)
/// and `set_result_ptr` are called and there is no wasm result.
pub fn return_to_caller<S: AsContextMut>(
    mut store: S,
    caller_abi: &GuestAbi,
    ty: Option<&IType>,
    value: Option<&IValue>,
) -> Result<Option<Val>, AbiError> {
    let (ty, value) = match (ty, value) {
        (None, _) => return Ok(None),
        (Some(ty), None) => {
            return Err(AbiError::ValueMismatch {
                expected: ty.to_string(),
                given: "no value".into(),
            })
        }
        (Some(ty), Some(v)) => (ty, v),
    };
    match ty {
        IType::String | IType::ByteArray | IType::Array(_) => {
            let (ptr, len) = lower_sized(&mut WasmGuest::new(&mut store, caller_abi), ty, value)?;
            caller_abi.set_result(&mut store, ptr, Some(len))?;
            Ok(None)
        }
        IType::Record(r) => {
            let IValue::Record(fields) = value else {
                return Err(AbiError::ValueMismatch {
                    expected: ty.to_string(),
                    given: value.kind_name().into(),
                });
            };
            let ptr = lower_record(&mut WasmGuest::new(&mut store, caller_abi), r, fields)?;
            caller_abi.set_result(&mut store, ptr, None)?;
            Ok(None)
        }
        _ => scalar_to_val(value)
            .map(Some)
            .ok_or_else(|| AbiError::ValueMismatch {
                expected: ty.to_string(),
                given: value.kind_name().into(),
            }),
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

/// The body of a wasmtime host function implementing the import of `callee.function` with
/// the importer's declared signature `sig` (§3.4).
pub fn module_import_func(
    callee: Arc<MModule>,
    function: String,
    sig: Arc<FunctionSignature>,
) -> impl Fn(Caller<'_, StoreState>, &[Val], &mut [Val]) -> wasmtime::Result<()> + Send + Sync + 'static
{
    move |mut caller, params, results| {
        let (caller_name, caller_abi) = {
            let slot = caller.data().current_slot();
            (slot.name.clone(), slot.abi.clone())
        };
        let fail = |source: MarineError| {
            wasmtime::Error::new(ImportError {
                caller: caller_name.to_string(),
                namespace: callee.name().to_string(),
                function: function.clone(),
                source: Box::new(source),
            })
        };
        let Some(caller_abi) = caller_abi else {
            return Err(fail(MarineError::Engine(
                "the calling module's ABI is not registered".into(),
            )));
        };
        let in_caller = |e: AbiError| e.in_call(&caller_name, &sig.name);
        let args = forward_arguments(
            caller_abi.memory_view(&caller),
            caller_abi.memory,
            &sig,
            params,
        )
        .map_err(|e| fail(in_caller(e)))?;
        let output = callee.call_forwarded(&mut caller, &function, &args);
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
                // Callee memory -> caller memory, then the callee may free its buffers.
                let copied = copy_bytes_into(&mut caller, bytes, &caller_abi, BYTES_TAG);
                let released = callee.release_objects(&mut caller);
                let (ptr, len) = copied.map_err(|e| fail(in_caller(e)))?;
                released.map_err(|e| fail(e.in_call(callee.name(), &function)))?;
                caller_abi
                    .set_result(&mut caller, ptr, Some(len))
                    .map_err(|e| fail(in_caller(e)))?;
                None
            }
        };
        if let (Some(v), Some(slot)) = (ret, results.first_mut()) {
            *slot = v;
        }
        Ok(())
    }
}

/// Structural type equality used to check an importer's declared signature against the
/// callee's: records match by field types in order (names are not compared, as in the
/// official runtime, where records are matched positionally).
pub fn same_shape(a: &IType, b: &IType) -> bool {
    match (a, b) {
        (IType::Array(x), IType::Array(y)) => same_shape(x, y),
        (IType::Record(x), IType::Record(y)) => {
            Arc::ptr_eq(x, y)
                || (x.fields.len() == y.fields.len()
                    && x.fields
                        .iter()
                        .zip(&y.fields)
                        .all(|(f, g)| same_shape(&f.ty, &g.ty)))
        }
        _ => a == b,
    }
}

/// Checks an importer's declared signature against the callee's export signature.
pub fn check_import_signature(
    declared: &FunctionSignature,
    actual: &FunctionSignature,
) -> Result<(), String> {
    let ok = declared.arguments.len() == actual.arguments.len()
        && declared.outputs.len() == actual.outputs.len()
        && declared
            .arguments
            .iter()
            .zip(&actual.arguments)
            .all(|(a, b)| same_shape(&a.ty, &b.ty))
        && declared
            .outputs
            .iter()
            .zip(&actual.outputs)
            .all(|(a, b)| same_shape(a, b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "declared `{declared}`, but the export is `{actual}`"
        ))
    }
}
