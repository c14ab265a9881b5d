//! Typed host functions: [`HostImport::wrap`] builds a [`HostImport`] from a Rust closure,
//! in the style of `wasmtime::Func::wrap`, deriving the interface types of its arguments and
//! result from their Rust types ([`HostValue`]).
//!
//! ```
//! use marine_runtime::{HostImport, IType};
//!
//! let store = HostImport::wrap(|name: String, data: Vec<u8>| -> Result<u32, String> {
//!     if name.is_empty() {
//!         return Err("no name".to_string());
//!     }
//!     Ok(data.len() as u32)
//! });
//! assert_eq!(store.arguments, [IType::String, IType::ByteArray]);
//! assert_eq!(store.output, Some(IType::U32));
//! ```

use crate::host_imports::{HostContext, HostImport};
use crate::types::{IType, IValue};

/// A Rust type a typed host function takes or returns: its interface type and the
/// conversions from and to [`IValue`]. Implemented for `bool`, the integer and float types,
/// `String`, and `Vec<T>`, `Option<T>`, `Result<T, E>` and tuples of 1 to 12 of these
/// (`Vec<u8>` is a byte array, `[]u8`; `()` is the empty output, not a value).
pub trait HostValue: Sized {
    /// The interface type of this Rust type.
    fn itype() -> IType;

    /// The value of an argument lifted from the calling module (of type [`HostValue::itype`]);
    /// an `Err` says what was given instead.
    fn from_ivalue(value: IValue) -> Result<Self, String>;

    /// The interface value of a result.
    fn into_ivalue(self) -> IValue;

    /// The interface type of `Vec<Self>` (an array of [`HostValue::itype`]; `[]u8` for
    /// `u8`).
    #[doc(hidden)]
    fn vec_itype() -> IType {
        IType::Array(Box::new(Self::itype()))
    }

    /// `Vec<Self>` from an interface value.
    #[doc(hidden)]
    fn vec_from_ivalue(value: IValue) -> Result<Vec<Self>, String> {
        match value {
            IValue::Array(items) => items.into_iter().map(Self::from_ivalue).collect(),
            other => Err(mismatch(&Self::vec_itype(), &other)),
        }
    }

    /// The interface value of `Vec<Self>`.
    #[doc(hidden)]
    fn vec_into_ivalue(items: Vec<Self>) -> IValue {
        IValue::Array(items.into_iter().map(Self::into_ivalue).collect())
    }
}

/// The error text of a value that is not of the expected type.
fn mismatch(expected: &IType, given: &IValue) -> String {
    format!("expected `{expected}`, given {}", given.kind_name())
}

macro_rules! scalar_host_value {
    ($($rust:ty => $variant:ident),* $(,)?) => {$(
        impl HostValue for $rust {
            fn itype() -> IType {
                IType::$variant
            }

            fn from_ivalue(value: IValue) -> Result<Self, String> {
                match value {
                    IValue::$variant(v) => Ok(v),
                    other => Err(mismatch(&IType::$variant, &other)),
                }
            }

            fn into_ivalue(self) -> IValue {
                IValue::$variant(self)
            }
        }
    )*};
}

scalar_host_value! {
    bool => Boolean,
    i8 => S8,
    i16 => S16,
    i32 => S32,
    i64 => S64,
    u16 => U16,
    u32 => U32,
    u64 => U64,
    f32 => F32,
    f64 => F64,
    String => String,
}

impl HostValue for u8 {
    fn itype() -> IType {
        IType::U8
    }

    fn from_ivalue(value: IValue) -> Result<Self, String> {
        match value {
            IValue::U8(v) => Ok(v),
            other => Err(mismatch(&IType::U8, &other)),
        }
    }

    fn into_ivalue(self) -> IValue {
        IValue::U8(self)
    }

    fn vec_itype() -> IType {
        IType::ByteArray
    }

    fn vec_from_ivalue(value: IValue) -> Result<Vec<Self>, String> {
        match value {
            IValue::ByteArray(bytes) => Ok(bytes),
            IValue::Array(items) => items.into_iter().map(Self::from_ivalue).collect(),
            other => Err(mismatch(&IType::ByteArray, &other)),
        }
    }

    fn vec_into_ivalue(items: Vec<Self>) -> IValue {
        IValue::ByteArray(items)
    }
}

impl<T: HostValue> HostValue for Vec<T> {
    fn itype() -> IType {
        T::vec_itype()
    }

    fn from_ivalue(value: IValue) -> Result<Self, String> {
        T::vec_from_ivalue(value)
    }

    fn into_ivalue(self) -> IValue {
        T::vec_into_ivalue(self)
    }
}

impl<T: HostValue> HostValue for Option<T> {
    fn itype() -> IType {
        IType::Option(Box::new(T::itype()))
    }

    fn from_ivalue(value: IValue) -> Result<Self, String> {
        match value {
            IValue::Option(v) => v.map(|v| T::from_ivalue(*v)).transpose(),
            other => Err(mismatch(&Self::itype(), &other)),
        }
    }

    fn into_ivalue(self) -> IValue {
        IValue::Option(self.map(|v| Box::new(v.into_ivalue())))
    }
}

impl<T: HostValue, E: HostValue> HostValue for Result<T, E> {
    fn itype() -> IType {
        IType::Result(Box::new(T::itype()), Box::new(E::itype()))
    }

    fn from_ivalue(value: IValue) -> Result<Self, String> {
        match value {
            IValue::Result(Ok(v)) => T::from_ivalue(*v).map(Ok),
            IValue::Result(Err(e)) => E::from_ivalue(*e).map(Err),
            other => Err(mismatch(&Self::itype(), &other)),
        }
    }

    fn into_ivalue(self) -> IValue {
        IValue::Result(match self {
            Ok(v) => Ok(Box::new(v.into_ivalue())),
            Err(e) => Err(Box::new(e.into_ivalue())),
        })
    }
}

macro_rules! host_tuple {
    ($($name:ident),+) => {
        impl<$($name: HostValue),+> HostValue for ($($name,)+) {
            fn itype() -> IType {
                IType::Tuple(vec![$($name::itype()),+])
            }

            #[allow(non_snake_case)]
            fn from_ivalue(value: IValue) -> Result<Self, String> {
                let expected = Self::itype();
                match value {
                    IValue::Tuple(items) => {
                        let mut items = items.into_iter();
                        $(
                            let $name = $name::from_ivalue(
                                items.next().ok_or_else(|| format!("expected `{expected}`, given a shorter tuple"))?,
                            )?;
                        )+
                        if items.next().is_some() {
                            return Err(format!("expected `{expected}`, given a longer tuple"));
                        }
                        Ok(($($name,)+))
                    }
                    other => Err(mismatch(&expected, &other)),
                }
            }

            #[allow(non_snake_case)]
            fn into_ivalue(self) -> IValue {
                let ($($name,)+) = self;
                IValue::Tuple(vec![$($name.into_ivalue()),+])
            }
        }
    };
}
host_tuple!(A);
host_tuple!(A, B);
host_tuple!(A, B, C);
host_tuple!(A, B, C, D);
host_tuple!(A, B, C, D, E);
host_tuple!(A, B, C, D, E, F);
host_tuple!(A, B, C, D, E, F, G);
host_tuple!(A, B, C, D, E, F, G, H);
host_tuple!(A, B, C, D, E, F, G, H, I);
host_tuple!(A, B, C, D, E, F, G, H, I, J);
host_tuple!(A, B, C, D, E, F, G, H, I, J, K);
host_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);

/// What a typed host function returns in its `Ok`: `()` for no result, or a [`HostValue`].
pub trait HostOutput {
    /// The output type (`None` for `()`).
    fn output_type() -> Option<IType>;

    /// The output value.
    fn into_output(self) -> Option<IValue>;
}

impl HostOutput for () {
    fn output_type() -> Option<IType> {
        None
    }

    fn into_output(self) -> Option<IValue> {
        None
    }
}

impl<T: HostValue> HostOutput for T {
    fn output_type() -> Option<IType> {
        Some(T::itype())
    }

    fn into_output(self) -> Option<IValue> {
        Some(self.into_ivalue())
    }
}

/// A closure [`HostImport::wrap`] accepts: `Fn(A1, .., An) -> Result<R, E>` or
/// `Fn(&mut HostContext, A1, .., An) -> Result<R, E>` with up to eight [`HostValue`]
/// arguments, `R` a [`HostOutput`] and `E: Display` (the message of
/// [`crate::MarineError::HostFunction`]). `Params` only tells the two forms apart.
pub trait IntoHostImport<Params, Output>: Send + Sync + 'static {
    /// The host function.
    fn into_host_import(self) -> HostImport;
}

/// `Params` of a closure taking a [`HostContext`] first.
#[doc(hidden)]
pub struct WithContext<Args>(std::marker::PhantomData<Args>);

/// Takes the next argument, converted to `T`.
fn next_arg<T: HostValue>(
    args: &mut std::vec::IntoIter<IValue>,
    index: usize,
) -> Result<T, String> {
    let value = args
        .next()
        .ok_or_else(|| format!("argument {index} is missing"))?;
    T::from_ivalue(value).map_err(|e| format!("argument {index}: {e}"))
}

macro_rules! into_host_import {
    ($(($arg:ident, $index:tt)),*) => {
        impl<F, $($arg,)* R, E> IntoHostImport<($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> Result<R, E> + Send + Sync + 'static,
            $($arg: HostValue,)*
            R: HostOutput,
            E: std::fmt::Display,
        {
            fn into_host_import(self) -> HostImport {
                // The same host function as one that ignores its context.
                #[allow(non_snake_case)]
                let with_context =
                    move |_ctx: &mut HostContext<'_, '_>, $($arg: $arg),*| (self)($($arg),*);
                IntoHostImport::<WithContext<($($arg,)*)>, R>::into_host_import(with_context)
            }
        }

        impl<F, $($arg,)* R, E> IntoHostImport<WithContext<($($arg,)*)>, R> for F
        where
            F: Fn(&mut HostContext<'_, '_>, $($arg),*) -> Result<R, E> + Send + Sync + 'static,
            $($arg: HostValue,)*
            R: HostOutput,
            E: std::fmt::Display,
        {
            fn into_host_import(self) -> HostImport {
                HostImport::new(
                    vec![$($arg::itype()),*],
                    R::output_type(),
                    move |ctx: &mut HostContext<'_, '_>, args: Vec<IValue>| {
                        #[allow(unused_mut, unused_variables)]
                        let mut args = args.into_iter();
                        let output = (self)(ctx, $(next_arg::<$arg>(&mut args, $index)?),*);
                        output.map(R::into_output).map_err(|e| e.to_string())
                    },
                )
            }
        }
    };
}

into_host_import!();
into_host_import!((A0, 0));
into_host_import!((A0, 0), (A1, 1));
into_host_import!((A0, 0), (A1, 1), (A2, 2));
into_host_import!((A0, 0), (A1, 1), (A2, 2), (A3, 3));
into_host_import!((A0, 0), (A1, 1), (A2, 2), (A3, 3), (A4, 4));
into_host_import!((A0, 0), (A1, 1), (A2, 2), (A3, 3), (A4, 4), (A5, 5));
into_host_import!(
    (A0, 0),
    (A1, 1),
    (A2, 2),
    (A3, 3),
    (A4, 4),
    (A5, 5),
    (A6, 6)
);
into_host_import!(
    (A0, 0),
    (A1, 1),
    (A2, 2),
    (A3, 3),
    (A4, 4),
    (A5, 5),
    (A6, 6),
    (A7, 7)
);

impl HostImport {
    /// A host function from a typed Rust closure, in the style of `wasmtime::Func::wrap`:
    /// its argument and output types come from the closure's Rust types ([`HostValue`],
    /// [`HostOutput`]), and an `Err(e)` fails the call with
    /// [`crate::MarineError::HostFunction`] carrying `e.to_string()`. The closure may take a
    /// `&mut HostContext` first (the calling module, call parameters, calls into other
    /// modules). [`HostImport::new`] is the dynamic form, over [`IValue`]s.
    ///
    /// ```
    /// use marine_runtime::{HostContext, HostImport, IType};
    ///
    /// let caller = HostImport::wrap(
    ///     |ctx: &mut HostContext<'_, '_>, greeting: String| -> Result<String, String> {
    ///         Ok(format!("{greeting}, {}", ctx.module))
    ///     },
    /// );
    /// assert_eq!(caller.arguments, [IType::String]);
    /// assert_eq!(caller.output, Some(IType::String));
    /// ```
    pub fn wrap<Params, Output>(func: impl IntoHostImport<Params, Output>) -> Self {
        func.into_host_import()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::{Arc, Mutex};

    use wasmtime::{Caller, Func, Store};
    use wasmtime_wasi::WasiCtxBuilder;

    use crate::store::{SharedState, StoreState};

    const MODULE: &str = "typed";

    /// Runs a host import's closure on `args` as the runtime does, with the context of a
    /// host call from a store of the module [`MODULE`] (no wasm involved).
    fn run(import: &HostImport, args: Vec<IValue>) -> Result<Option<IValue>, String> {
        let engine = wasmtime::Engine::default();
        let state = StoreState::new(
            MODULE,
            WasiCtxBuilder::new().build_p1(),
            SharedState::default(),
        );
        let mut store = Store::new(&engine, state);
        let import = import.clone();
        let out = Arc::new(Mutex::new(None));
        let (slot, args) = (out.clone(), Mutex::new(Some(args)));
        let f = Func::wrap(&mut store, move |mut caller: Caller<'_, StoreState>| {
            let mut ctx = HostContext::for_test(MODULE, &mut caller);
            let args = args.lock().unwrap().take().unwrap();
            *slot.lock().unwrap() = Some((import.func)(&mut ctx, args));
        });
        f.call(&mut store, &[], &mut []).unwrap();
        let result = out.lock().unwrap().take().unwrap();
        result
    }

    #[test]
    fn types_come_from_the_rust_types() {
        let all = HostImport::wrap(
            |a: bool, b: i8, c: i16, d: i32, e: i64, f: u8, g: u16, h: u32| -> Result<(), String> {
                let _ = (a, b, c, d, e, f, g, h);
                Ok(())
            },
        );
        assert_eq!(
            all.arguments,
            [
                IType::Boolean,
                IType::S8,
                IType::S16,
                IType::S32,
                IType::S64,
                IType::U8,
                IType::U16,
                IType::U32
            ]
        );
        assert_eq!(all.output, None);

        let more = HostImport::wrap(
            |a: u64, b: f32, c: f64, d: String, e: Vec<u8>, f: Vec<String>, g: Vec<Vec<u8>>| {
                let _ = (a, b, c, d, e, f, g);
                Ok::<Vec<Vec<u32>>, String>(vec![])
            },
        );
        assert_eq!(
            more.arguments,
            [
                IType::U64,
                IType::F32,
                IType::F64,
                IType::String,
                IType::ByteArray,
                IType::Array(Box::new(IType::String)),
                IType::Array(Box::new(IType::ByteArray)),
            ]
        );
        assert_eq!(
            more.output,
            Some(IType::Array(Box::new(IType::Array(Box::new(IType::U32)))))
        );
        let none = HostImport::wrap(|| Ok::<u8, String>(7));
        assert!(none.arguments.is_empty());
        assert_eq!(none.output, Some(IType::U8));
    }

    #[test]
    fn values_are_converted_both_ways() {
        let f = HostImport::wrap(
            |name: String, data: Vec<u8>, words: Vec<String>| -> Result<Vec<u8>, String> {
                let mut out = name.into_bytes();
                out.extend(data);
                for w in words {
                    out.extend(w.into_bytes());
                }
                Ok(out)
            },
        );
        let out = run(
            &f,
            vec![
                IValue::String("ab".into()),
                IValue::ByteArray(vec![1, 2]),
                IValue::Array(vec![IValue::String("c".into())]),
            ],
        );
        assert_eq!(out, Ok(Some(IValue::ByteArray(b"ab\x01\x02c".to_vec()))));
        // A byte array lifted element by element is accepted too.
        let out = run(
            &f,
            vec![
                IValue::String(String::new()),
                IValue::Array(vec![IValue::U8(9)]),
                IValue::Array(vec![]),
            ],
        );
        assert_eq!(out, Ok(Some(IValue::ByteArray(vec![9]))));
    }

    #[test]
    fn errors_and_wrong_arguments_are_messages() {
        let f = HostImport::wrap(|n: u32| -> Result<u32, std::num::TryFromIntError> {
            Ok(u32::from(u8::try_from(n)?))
        });
        assert_eq!(run(&f, vec![IValue::U32(5)]), Ok(Some(IValue::U32(5))));
        let err = run(&f, vec![IValue::U32(300)]).unwrap_err();
        assert_eq!(err, u8::try_from(300u32).unwrap_err().to_string());
        assert_eq!(
            run(&f, vec![IValue::S32(5)]).unwrap_err(),
            "argument 0: expected `u32`, given i32"
        );
        assert_eq!(run(&f, vec![]).unwrap_err(), "argument 0 is missing");
    }

    #[test]
    fn the_context_may_come_first() {
        let f = HostImport::wrap(
            |ctx: &mut HostContext<'_, '_>, suffix: String| -> Result<String, String> {
                Ok(format!("{}{suffix}", ctx.module))
            },
        );
        assert_eq!(f.arguments, [IType::String]);
        assert_eq!(
            run(&f, vec![IValue::String("!".into())]),
            Ok(Some(IValue::String(format!("{MODULE}!"))))
        );
    }
}
