//! The ABI core's [`WasmValue`] as wasmtime's [`Val`], for scalar arguments and results.

use marine_ast::WasmValue;
use wasmtime::Val;

/// A core wasm value as wasmtime passes it.
pub(crate) fn to_val(value: WasmValue) -> Val {
    match value {
        WasmValue::I32(v) => Val::I32(v),
        WasmValue::I64(v) => Val::I64(v),
        WasmValue::F32(bits) => Val::F32(bits),
        WasmValue::F64(bits) => Val::F64(bits),
    }
}

/// A wasmtime value as a core wasm value; `None` for reference and vector values, which no
/// Marine signature has.
pub(crate) fn from_val(value: &Val) -> Option<WasmValue> {
    Some(match value {
        Val::I32(v) => WasmValue::I32(*v),
        Val::I64(v) => WasmValue::I64(*v),
        Val::F32(bits) => WasmValue::F32(*bits),
        Val::F64(bits) => WasmValue::F64(*bits),
        _ => return None,
    })
}
