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

use std::sync::Arc;

use std::borrow::Cow;

use wasmtime::{AsContextMut, Caller, Engine, FuncType, Val, ValType};

use crate::abi::{flatten_param, flatten_result, WasmType};
use crate::errors::{AbiError, ImportError, InCall, MarineError};
use crate::lift::Lifter;
use crate::lower::{lower_record, lower_sized};
use crate::memory::{checked_bytes, is_bytes_type, GuestAbi, WasmGuest};
use crate::module::{ForwardArg, ForwardOutput, MModule};
use crate::store::StoreState;
use crate::types::{FunctionSignature, IType, IValue};
use crate::wasm_value::{scalar_to_val, val_to_scalar};

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

/// Reads the raw wasm arguments of a module-to-module import call: strings and byte arrays
/// are left in the caller's memory ([`ForwardArg::Bytes`], checked), everything else is
/// lifted.
pub fn forward_arguments<'v>(
    view: &'v [u8],
    sig: &FunctionSignature,
    params: &[Val],
) -> Result<Vec<ForwardArg<'v>>, AbiError> {
    let mut lifter = Lifter::new(view);
    let mut out = Vec::with_capacity(sig.arguments.len());
    let mut i = 0;
    for arg in &sig.arguments {
        let forwarded = match &arg.ty {
            ty if is_bytes_type(ty) => {
                let (ptr, len) = (i32_at(params, i)?, i32_at(params, i + 1)?);
                i += 2;
                ForwardArg::Bytes(checked_bytes(view, ptr, len, *ty == IType::String)?)
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
    let in_caller = |e: AbiError| e.in_call(&caller_name, &sig.name);
    let output = {
        // The caller's memory stays borrowed while the callee runs in its own store.
        let view = caller_abi.memory_view(&caller);
        let args = forward_arguments(view, sig, params).map_err(|e| fail(in_caller(e)))?;
        callee.call_forwarded(function, &args)
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
                .deliver_bytes(function, bytes, &mut caller, &caller_abi, &caller_name)
                .map_err(fail)?;
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

/// `Vec<u8>` in either of its two interface forms.
fn is_byte_array(ty: &IType) -> bool {
    is_bytes_type(ty) && *ty != IType::String
}

/// One signature check: remembers the record pairs already found equal, so a type that
/// references the same records many times over (a record of two fields of one record type,
/// nested 100 deep, is 2^100 records when unfolded) is compared in time proportional to its
/// declaration. The recursion is bounded by the interfaces' type depth.
#[derive(Default)]
struct ShapeCheck {
    same: std::collections::HashSet<(usize, usize)>,
}

impl ShapeCheck {
    fn diff(&mut self, declared: &IType, actual: &IType) -> Option<String> {
        match (declared, actual) {
            (IType::Array(x), IType::Array(y)) => {
                self.diff(x, y).map(|why| format!("array element: {why}"))
            }
            (IType::Record(x), IType::Record(y)) if Arc::ptr_eq(x, y) => None,
            (IType::Record(x), IType::Record(y)) => {
                let pair = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
                if self.same.contains(&pair) {
                    return None;
                }
                if x.fields.len() != y.fields.len() {
                    return Some(format!(
                        "record `{}` has {} fields, the export's `{}` has {}",
                        x.name,
                        x.fields.len(),
                        y.name,
                        y.fields.len()
                    ));
                }
                for (i, (f, g)) in x.fields.iter().zip(&y.fields).enumerate() {
                    if let Some(why) = self.diff(&f.ty, &g.ty) {
                        return Some(format!("record `{}` field {i} `{}`: {why}", x.name, f.name));
                    }
                }
                self.same.insert(pair);
                None
            }
            (a, b) if a == b || (is_byte_array(a) && is_byte_array(b)) => None,
            _ => Some(format!("declared `{declared}`, the export has `{actual}`")),
        }
    }
}

/// Checks an importer's declared signature against the callee's export signature; the error
/// says what differs (argument count, which argument or result, which record field).
pub fn check_import_signature(
    declared: &FunctionSignature,
    actual: &FunctionSignature,
) -> Result<(), String> {
    let mut diffs = Vec::new();
    let mut check = ShapeCheck::default();
    if declared.arguments.len() != actual.arguments.len() {
        diffs.push(format!(
            "{} arguments declared, the export takes {}",
            declared.arguments.len(),
            actual.arguments.len()
        ));
    } else {
        for (i, (d, a)) in declared.arguments.iter().zip(&actual.arguments).enumerate() {
            if let Some(why) = check.diff(&d.ty, &a.ty) {
                diffs.push(format!("argument {i} `{}`: {why}", d.name));
            }
        }
    }
    match (declared.outputs.first(), actual.outputs.first()) {
        (None, None) => {}
        (Some(d), Some(a)) => {
            if let Some(why) = check.diff(d, a) {
                diffs.push(format!("result: {why}"));
            }
        }
        (Some(d), None) => diffs.push(format!("result `{d}` declared, the export returns nothing")),
        (None, Some(a)) => diffs.push(format!("no result declared, the export returns `{a}`")),
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "declared `{declared}`, but the export is `{actual}`: {}",
            diffs.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordType};

    fn record(name: &str, fields: &[(&str, IType)]) -> IType {
        IType::Record(Arc::new(IRecordType::with_fields(name, fields)))
    }

    fn sig(args: &[(&str, IType)], output: Option<IType>) -> FunctionSignature {
        FunctionSignature {
            name: "f".into(),
            arguments: args
                .iter()
                .map(|(n, ty)| IFunctionArg {
                    name: n.to_string(),
                    ty: ty.clone(),
                })
                .collect(),
            outputs: output.into_iter().collect(),
        }
    }

    #[test]
    fn same_shapes_match() {
        let importer = record("Mine", &[("a", IType::U32), ("b", IType::String)]);
        let exporter = record("Theirs", &[("x", IType::U32), ("y", IType::String)]);
        let arr = |t| IType::Array(Box::new(t));
        assert_eq!(
            check_import_signature(
                &sig(
                    &[("r", importer), ("b", IType::ByteArray)],
                    Some(arr(IType::U8))
                ),
                &sig(
                    &[("s", exporter), ("c", arr(IType::U8))],
                    Some(IType::ByteArray)
                ),
            ),
            Ok(())
        );
    }

    #[test]
    fn a_differing_record_field_is_named() {
        let inner = |t| record("Inner", &[("v", t)]);
        let declared = record("R", &[("a", IType::U32), ("inner", inner(IType::S64))]);
        let actual = record("R", &[("a", IType::U32), ("inner", inner(IType::U64))]);
        let err = check_import_signature(
            &sig(
                &[("x", IType::U8), ("r", IType::Array(Box::new(declared)))],
                None,
            ),
            &sig(
                &[("x", IType::U8), ("r", IType::Array(Box::new(actual)))],
                None,
            ),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": argument 1 `r`: array element: record `R` field 1 `inner`: record `Inner` \
                 field 0 `v`: declared `i64`, the export has `u64`"
            ),
            "{err}"
        );
    }

    #[test]
    fn counts_and_results_are_reported() {
        let err = check_import_signature(
            &sig(&[("a", IType::U32)], Some(IType::String)),
            &sig(&[("a", IType::U32), ("b", IType::U32)], None),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": 1 arguments declared, the export takes 2; result `string` declared, the \
                 export returns nothing"
            ),
            "{err}"
        );
        let err = check_import_signature(
            &sig(&[("s", IType::String)], None),
            &sig(&[("s", IType::ByteArray)], Some(IType::Boolean)),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": argument 0 `s`: declared `string`, the export has `[]u8`; no result \
                 declared, the export returns `bool`"
            ),
            "{err}"
        );
        let err = check_import_signature(
            &sig(&[], Some(record("A", &[("a", IType::U32)]))),
            &sig(
                &[],
                Some(record("B", &[("a", IType::U32), ("b", IType::U32)])),
            ),
        )
        .unwrap_err();
        assert!(
            err.ends_with(": result: record `A` has 1 fields, the export's `B` has 2"),
            "{err}"
        );
    }

    /// `R0 { a: R1, b: R1 }`, `R1 { a: R2, b: R2 }`, ... `R{n-1} { a: i32, b: last }`:
    /// 2^n records when unfolded.
    fn doubling_chain(n: usize, last: IType) -> IType {
        let mut ty = record(&format!("R{n}"), &[("a", IType::S32), ("b", last)]);
        for i in (0..n).rev() {
            ty = record(&format!("R{i}"), &[("a", ty.clone()), ("b", ty)]);
        }
        ty
    }

    #[test]
    fn shared_records_are_compared_once() {
        // Separately built (as two modules' interfaces are): no pointer is shared, and an
        // unfolding comparison would visit 2^100 records.
        let declared = sig(&[("r", doubling_chain(100, IType::U8))], None);
        let same = sig(&[("r", doubling_chain(100, IType::U8))], None);
        check_import_signature(&declared, &same).unwrap();
        let other = sig(&[("r", doubling_chain(100, IType::U16))], None);
        let err = check_import_signature(&declared, &other).unwrap_err();
        assert!(
            err.contains("record `R100` field 1 `b`: declared `u8`, the export has `u16`"),
            "{err}"
        );
    }
}
