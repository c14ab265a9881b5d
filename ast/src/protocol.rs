//! The call protocol around a guest's ABI exports (§2.2, §3.3, §3.4), over any engine.
//!
//! A backend (wasmtime, a JavaScript engine) implements [`Guest`] once for one instance: its
//! memory (read view, allocator, writes) and its five result/release exports. The steps every
//! host performs in the same order live here:
//! - an export call's output ([`take_output`]): the scalar wasm result, or `get_result_ptr` /
//!   `get_result_size`, lifting, and `release_objects` (also after a failed lift);
//! - an import call's arguments ([`lift_arguments`]), lifted from the caller's memory;
//! - an import call's result ([`return_to_caller`]): a scalar as the wasm result, a complex
//!   value lowered with the caller's allocator and its `set_result_size` / `set_result_ptr`.
//!
//! Lowering an export's arguments is [`crate::lower::lower_argument`], one argument at a time.

use std::borrow::Cow;

use crate::abi::OutputKind;
use crate::error::AbiError;
use crate::lift::{lift_result_from, Lifter};
use crate::limits::DEFAULT_MAX_VALUE_SIZE;
use crate::lower::{lower_boxed, lower_record, lower_sized, scalar_to_wasm, wasm_to_scalar};
use crate::memory::{GuestMemory, GuestMemoryMut};
use crate::types::{FunctionSignature, IType, IValue};
use crate::WasmValue;

/// One guest instance as the call protocol sees it.
pub trait Guest: GuestMemoryMut {
    /// A read view of the instance's memory.
    type View<'a>: GuestMemory<'a>
    where
        Self: 'a;
    /// The memory as it is now (obtain it again after any call into the guest).
    fn view(&self) -> Self::View<'_>;
    /// Calls `get_result_ptr`.
    fn result_ptr(&mut self) -> Result<u32, AbiError>;
    /// Calls `get_result_size`.
    fn result_size(&mut self) -> Result<u32, AbiError>;
    /// Calls `set_result_ptr`.
    fn set_result_ptr(&mut self, ptr: u32) -> Result<(), AbiError>;
    /// Calls `set_result_size`.
    fn set_result_size(&mut self, size: u32) -> Result<(), AbiError>;
    /// Calls `release_objects`.
    fn release_objects(&mut self) -> Result<(), AbiError>;
}

/// Why an export's output could not be taken.
#[derive(Debug)]
pub enum OutputError {
    /// The wasm result is missing or not of the declared scalar type: the export does not
    /// keep its declared signature.
    Unexpected(String),
    /// Reading the result slots, lifting or releasing failed.
    Abi(AbiError),
}

/// Takes the output of an export call that returned `raw` (its wasm result, if any).
///
/// For a complex output: `get_result_ptr`, then `get_result_size` (strings and arrays; a
/// record's size slot is stale, §2.2), lifting, then `release_objects`, which also runs after
/// a failed lift so the guest does not leak. When both fail, the lift error is returned and
/// the release error is handed to `release_failed_too` (to be logged).
pub fn take_output<G: Guest>(
    guest: &mut G,
    output: &OutputKind,
    raw: Option<WasmValue>,
    release_failed_too: impl FnOnce(AbiError),
) -> Result<Option<IValue>, OutputError> {
    take_output_with(
        guest,
        output,
        raw,
        release_failed_too,
        |value| value,
        |guest, ty, ptr, size| {
            lift_result_from(guest.view(), ty, ptr, size, DEFAULT_MAX_VALUE_SIZE)
        },
    )
}

/// [`take_output`] with the complex output handed to `complex` (the guest, for its memory
/// view, the output's type and its result slots) instead of lifted with the default budget,
/// before `release_objects`; a scalar output is handed to `scalar`. This is how a host
/// lifts with its own budget, or writes a result as JSON straight from guest memory
/// ([`crate::json_out`]).
pub fn take_output_with<G: Guest, R>(
    guest: &mut G,
    output: &OutputKind,
    raw: Option<WasmValue>,
    release_failed_too: impl FnOnce(AbiError),
    scalar: impl FnOnce(IValue) -> R,
    complex: impl FnOnce(&G, &IType, u32, u32) -> Result<R, AbiError>,
) -> Result<Option<R>, OutputError> {
    let ty = match output {
        OutputKind::None => return Ok(None),
        OutputKind::Scalar(ty) => {
            let raw = raw.ok_or_else(|| OutputError::Unexpected("no result value".into()))?;
            return match wasm_to_scalar(ty, raw) {
                Some(value) => Ok(Some(scalar(value))),
                None => Err(OutputError::Unexpected(format!(
                    "{} is not a {ty}",
                    raw.describe()
                ))),
            };
        }
        // Borrowed: a clone of an extension type (`Option<String>`) would allocate its boxes
        // on every call; a record's type is an `Arc`.
        OutputKind::Sized(ty) | OutputKind::Boxed(ty) => Cow::Borrowed(ty),
        OutputKind::Record(r) => Cow::Owned(IType::Record(r.clone())),
    };
    let taken =
        read_result_slots(guest, &ty).and_then(|(ptr, size)| complex(guest, &ty, ptr, size));
    let released = guest.release_objects();
    match (taken, released) {
        (Ok(value), Ok(())) => Ok(Some(value)),
        (Ok(_), Err(e)) | (Err(e), Ok(())) => Err(OutputError::Abi(e)),
        (Err(e), Err(release_error)) => {
            release_failed_too(release_error);
            Err(OutputError::Abi(e))
        }
    }
}

/// `get_result_ptr` and, unless `ty` is passed by one pointer (a record or an extension
/// type), `get_result_size` (in this order).
pub fn read_result_slots<G: Guest>(guest: &mut G, ty: &IType) -> Result<(u32, u32), AbiError> {
    let ptr = guest.result_ptr()?;
    let size = if ty.is_boxed() {
        0
    } else {
        guest.result_size()?
    };
    Ok((ptr, size))
}

/// Lifts the raw wasm arguments of an import call from the caller's memory: `param(i)` is the
/// `i`-th wasm parameter.
pub fn lift_arguments<'m, M: GuestMemory<'m>>(
    memory: M,
    sig: &FunctionSignature,
    param: impl Fn(usize) -> Option<WasmValue>,
) -> Result<Vec<IValue>, AbiError> {
    lift_arguments_within(memory, sig, param, DEFAULT_MAX_VALUE_SIZE)
}

/// [`lift_arguments`] with a budget of `budget` bytes of host memory for all the arguments.
pub fn lift_arguments_within<'m, M: GuestMemory<'m>>(
    memory: M,
    sig: &FunctionSignature,
    param: impl Fn(usize) -> Option<WasmValue>,
    budget: u64,
) -> Result<Vec<IValue>, AbiError> {
    read_arguments(
        memory,
        sig,
        param,
        budget,
        |lifter, ty, ptr, len| lifter.sized(ty, ptr, len),
        |value| value,
    )
}

/// Reads the raw wasm arguments of an import call (`param(i)` is the `i`-th) in the order of
/// `sig`: a string or array's `(ptr, len)` pair goes to `sized`, a boxed value (record or
/// extension type) and a scalar are lifted and go through `value`. One walk for lifting
/// ([`lift_arguments_within`]) and forwarding ([`crate::forward::forward_arguments`]).
pub(crate) fn read_arguments<'m, M: GuestMemory<'m>, T>(
    memory: M,
    sig: &FunctionSignature,
    param: impl Fn(usize) -> Option<WasmValue>,
    budget: u64,
    mut sized: impl FnMut(&mut Lifter<'m, M>, &IType, u32, u32) -> Result<T, AbiError>,
    value: impl Fn(IValue) -> T,
) -> Result<Vec<T>, AbiError> {
    let mut lifter = Lifter::with_budget(memory, budget);
    let mut out = Vec::with_capacity(sig.arguments.len());
    let mut next = 0;
    let mut take = |expected: &dyn Fn() -> String| {
        let value = param(next);
        next += 1;
        value.ok_or_else(|| AbiError::ValueMismatch {
            expected: expected(),
            given: format!("no wasm parameter {}", next - 1),
        })
    };
    let i32_param = |value: WasmValue| match value {
        WasmValue::I32(v) => Ok(v as u32),
        other => Err(AbiError::ValueMismatch {
            expected: "i32 parameter".into(),
            given: other.describe(),
        }),
    };
    for arg in &sig.arguments {
        let item = match &arg.ty {
            IType::String | IType::ByteArray | IType::Array(_) => {
                let ptr = i32_param(take(&|| "i32 parameter".into())?)?;
                let len = i32_param(take(&|| "i32 parameter".into())?)?;
                sized(&mut lifter, &arg.ty, ptr, len)?
            }
            IType::Record(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Tuple(_)
            | IType::Enum(_) => {
                let ptr = i32_param(take(&|| "i32 parameter".into())?)?;
                value(lifter.boxed(&arg.ty, ptr)?)
            }
            scalar => {
                let raw = take(&|| scalar.to_string())?;
                value(
                    wasm_to_scalar(scalar, raw).ok_or_else(|| AbiError::ValueMismatch {
                        expected: scalar.to_string(),
                        given: raw.describe(),
                    })?,
                )
            }
        };
        out.push(item);
    }
    Ok(out)
}

/// Delivers an import call's output to its caller: a scalar becomes the wasm result; a
/// complex value is lowered with the caller's `allocate`, then `set_result_size` (strings and
/// arrays; the official adapter's order) and `set_result_ptr` are called, and there is no
/// wasm result.
pub fn return_to_caller<G: Guest>(
    caller: &mut G,
    ty: Option<&IType>,
    value: Option<&IValue>,
) -> Result<Option<WasmValue>, AbiError> {
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
    let mismatch = || AbiError::ValueMismatch {
        expected: ty.to_string(),
        given: value.kind_name().into(),
    };
    match ty {
        IType::String | IType::ByteArray | IType::Array(_) => {
            let (ptr, len) = lower_sized(caller, ty, value)?;
            caller.set_result_size(len)?;
            caller.set_result_ptr(ptr)?;
            Ok(None)
        }
        IType::Record(r) => {
            let IValue::Record(fields) = value else {
                return Err(mismatch());
            };
            let ptr = lower_record(caller, r, fields)?;
            caller.set_result_ptr(ptr)?;
            Ok(None)
        }
        IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
            let ptr = lower_boxed(caller, ty, value)?;
            caller.set_result_ptr(ptr)?;
            Ok(None)
        }
        _ => scalar_to_wasm(value).map(Some).ok_or_else(mismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordField, IRecordType};
    use std::borrow::Cow;
    use std::sync::Arc;

    /// A guest over a Vec: bump allocator, result slots, a log of the exports called, and a
    /// view that copies (as a JavaScript host's does).
    #[derive(Default)]
    struct TestGuest {
        mem: Vec<u8>,
        next: u32,
        slots: (u32, u32),
        calls: Vec<&'static str>,
        fail_release: bool,
    }

    struct CopyingView<'a>(&'a [u8]);

    impl<'m> GuestMemory<'m> for CopyingView<'_> {
        fn size(&self) -> u64 {
            self.0.len() as u64
        }
        fn read(&self, ptr: u32, len: usize) -> Cow<'m, [u8]> {
            Cow::Owned(self.0[ptr as usize..ptr as usize + len].to_vec())
        }
    }

    impl GuestMemoryMut for TestGuest {
        fn allocate(&mut self, size: u32, _tag: u8) -> Result<u32, AbiError> {
            self.calls.push("allocate");
            let ptr = self.next.max(8);
            self.next = ptr + size;
            if self.mem.len() < self.next as usize {
                self.mem.resize(self.next as usize, 0);
            }
            Ok(ptr)
        }
        fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
            self.mem[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
            Ok(())
        }
    }

    impl Guest for TestGuest {
        type View<'a> = CopyingView<'a>;
        fn view(&self) -> CopyingView<'_> {
            CopyingView(&self.mem)
        }
        fn result_ptr(&mut self) -> Result<u32, AbiError> {
            self.calls.push("get_result_ptr");
            Ok(self.slots.0)
        }
        fn result_size(&mut self) -> Result<u32, AbiError> {
            self.calls.push("get_result_size");
            Ok(self.slots.1)
        }
        fn set_result_ptr(&mut self, ptr: u32) -> Result<(), AbiError> {
            self.calls.push("set_result_ptr");
            self.slots.0 = ptr;
            Ok(())
        }
        fn set_result_size(&mut self, size: u32) -> Result<(), AbiError> {
            self.calls.push("set_result_size");
            self.slots.1 = size;
            Ok(())
        }
        fn release_objects(&mut self) -> Result<(), AbiError> {
            self.calls.push("release_objects");
            if self.fail_release {
                return Err(AbiError::GuestCall {
                    function: "release_objects".into(),
                    message: "trap".into(),
                });
            }
            Ok(())
        }
    }

    fn pair() -> Arc<IRecordType> {
        Arc::new(IRecordType {
            name: "Pair".into(),
            fields: vec![
                IRecordField {
                    name: "name".into(),
                    ty: IType::String,
                },
                IRecordField {
                    name: "n".into(),
                    ty: IType::U64,
                },
            ],
        })
    }

    #[test]
    fn a_returned_value_comes_back_through_the_result_slots() {
        let record = pair();
        let value = IValue::Record(vec![IValue::String("hé".into()), IValue::U64(7)]);
        let mut guest = TestGuest::default();
        let ty = IType::Record(record.clone());
        assert_eq!(
            return_to_caller(&mut guest, Some(&ty), Some(&value)).unwrap(),
            None
        );
        assert_eq!(
            guest.calls,
            ["allocate", "allocate", "set_result_ptr"],
            "the string, then the record, then only the pointer slot"
        );
        guest.calls.clear();
        let taken = take_output(&mut guest, &OutputKind::Record(record), None, |_| {
            panic!("release succeeded")
        })
        .unwrap();
        assert_eq!(taken, Some(value));
        assert_eq!(guest.calls, ["get_result_ptr", "release_objects"]);

        let mut guest = TestGuest::default();
        let text = IValue::String("abc".into());
        return_to_caller(&mut guest, Some(&IType::String), Some(&text)).unwrap();
        assert_eq!(
            guest.calls,
            ["allocate", "set_result_size", "set_result_ptr"]
        );
        guest.calls.clear();
        let taken = take_output(&mut guest, &OutputKind::Sized(IType::String), None, |_| {
            panic!("release succeeded")
        });
        assert_eq!(taken.unwrap(), Some(text));
        assert_eq!(
            guest.calls,
            ["get_result_ptr", "get_result_size", "release_objects"]
        );
    }

    #[test]
    fn a_failed_lift_still_releases_and_reports_the_lift() {
        let mut guest = TestGuest {
            mem: vec![0; 64],
            slots: (60, 10),
            fail_release: true,
            ..TestGuest::default()
        };
        let mut release_error = None;
        let e = take_output(&mut guest, &OutputKind::Sized(IType::String), None, |e| {
            release_error = Some(e)
        })
        .unwrap_err();
        assert!(
            matches!(
                e,
                OutputError::Abi(AbiError::OutOfBounds {
                    ptr: 60,
                    len: 10,
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(matches!(release_error, Some(AbiError::GuestCall { .. })));
        assert_eq!(guest.calls.last(), Some(&"release_objects"));
    }

    #[test]
    fn scalars_and_their_mismatches() {
        let mut guest = TestGuest::default();
        let out = OutputKind::Scalar(IType::U32);
        let taken = take_output(&mut guest, &out, Some(WasmValue::I32(-1)), |_| {});
        assert_eq!(taken.unwrap(), Some(IValue::U32(u32::MAX)));
        let e = take_output(&mut guest, &out, Some(WasmValue::F64(0)), |_| {}).unwrap_err();
        assert!(
            matches!(e, OutputError::Unexpected(ref m) if m.contains("f64")),
            "{e:?}"
        );
        let e = take_output(&mut guest, &out, None, |_| {}).unwrap_err();
        assert!(matches!(e, OutputError::Unexpected(ref m) if m == "no result value"));
        assert!(guest.calls.is_empty(), "scalars need no guest call");
    }

    #[test]
    fn import_arguments_are_lifted_in_order() {
        let mut mem = vec![0u8; 32];
        mem[8..11].copy_from_slice(b"abc");
        let sig = FunctionSignature {
            name: "f".into(),
            arguments: vec![
                IFunctionArg {
                    name: "s".into(),
                    ty: IType::String,
                },
                IFunctionArg {
                    name: "x".into(),
                    ty: IType::S64,
                },
            ],
            outputs: vec![],
        };
        let params = [WasmValue::I32(8), WasmValue::I32(3), WasmValue::I64(-5)];
        let values = lift_arguments(CopyingView(&mem), &sig, |i| params.get(i).copied()).unwrap();
        assert_eq!(values, [IValue::String("abc".into()), IValue::S64(-5)]);

        let e = lift_arguments(&mem[..], &sig, |i| params[..2].get(i).copied()).unwrap_err();
        assert!(
            matches!(e, AbiError::ValueMismatch { ref given, .. } if given == "no wasm parameter 2"),
            "{e}"
        );
        let wrong = [WasmValue::I32(8), WasmValue::I32(3), WasmValue::F32(0)];
        let e = lift_arguments(&mem[..], &sig, |i| wrong.get(i).copied()).unwrap_err();
        assert!(
            matches!(e, AbiError::ValueMismatch { ref expected, .. } if expected == "i64"),
            "{e}"
        );
    }
}
