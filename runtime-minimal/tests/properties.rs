//! Property tests of what guests and callers control: interface metadata, guest memory, JSON
//! arguments and config text. Whatever the input, the host answers with a value or a typed
//! error, never a panic; and values survive lowering and lifting, and JSON, unchanged.
//!
//! The same invariants are fuzzed without bounds by the `cargo fuzz` targets in `fuzz/`
//! (see `docs/fuzzing.md`); these run in CI on stable.

use std::sync::Arc;

use marine_ast::json::{ivalue_to_json, json_to_ivalues};
use marine_ast::lift::lift_result;
use marine_ast::lower::{lower_boxed, lower_sized};
use marine_ast::types::{IEnumType, IEnumVariant, VariantKind};
use marine_ast::{AbiError, GuestMemoryMut};
use marine_runtime::config::ServiceConfig;
use marine_runtime::{
    FunctionSignature, IFunctionArg, IRecordField, IRecordType, IType, IValue, ModuleInterface,
};
use proptest::prelude::*;

/// A type of at most `depth` nested arrays, records and extension types (`Option` of anything
/// but an `Option`, so JSON, which writes `Some(None)` as `null` as serde does, round-trips).
fn itype(depth: u32) -> BoxedStrategy<IType> {
    let leaf = prop_oneof![
        Just(IType::Boolean),
        Just(IType::S8),
        Just(IType::S16),
        Just(IType::S32),
        Just(IType::S64),
        Just(IType::U8),
        Just(IType::U16),
        Just(IType::U32),
        Just(IType::U64),
        Just(IType::F32),
        Just(IType::F64),
        Just(IType::String),
        Just(IType::ByteArray),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => itype(depth - 1).prop_map(|t| IType::Array(Box::new(t))),
        1 => prop::collection::vec(itype(depth - 1), 1..4).prop_map(|types| {
            IType::Record(Arc::new(IRecordType {
                name: "R".into(),
                fields: types
                    .into_iter()
                    .enumerate()
                    .map(|(i, ty)| IRecordField {
                        name: format!("f{i}"),
                        ty,
                    })
                    .collect(),
            }))
        }),
        1 => itype(depth - 1)
            .prop_filter("no Option<Option<_>>", |t| !matches!(t, IType::Option(_)))
            .prop_map(|t| IType::Option(Box::new(t))),
        1 => (itype(depth - 1), itype(depth - 1))
            .prop_map(|(ok, err)| IType::Result(Box::new(ok), Box::new(err))),
        1 => prop::collection::vec(itype(depth - 1), 1..4).prop_map(IType::Tuple),
        1 => (itype(depth - 1), prop::collection::vec(itype(depth - 1), 2..3)).prop_map(
            |(single, pair)| {
                let field = |i: usize, ty: IType| IRecordField {
                    name: i.to_string(),
                    ty,
                };
                IType::Enum(Arc::new(IEnumType {
                    name: "E".into(),
                    variants: vec![
                        IEnumVariant {
                            name: "A".into(),
                            kind: VariantKind::Unit,
                            fields: vec![],
                        },
                        IEnumVariant {
                            name: "B".into(),
                            kind: VariantKind::Tuple,
                            fields: vec![field(0, single)],
                        },
                        IEnumVariant {
                            name: "C".into(),
                            kind: VariantKind::Struct,
                            fields: pair.into_iter().enumerate().map(|(i, t)| field(i, t)).collect(),
                        },
                    ],
                }))
            }
        ),
    ]
    .boxed()
}

/// A value of type `ty` (floats finite and not NaN, so values compare equal).
fn ivalue(ty: &IType) -> BoxedStrategy<IValue> {
    match ty {
        IType::Boolean => any::<bool>().prop_map(IValue::Boolean).boxed(),
        IType::S8 => any::<i8>().prop_map(IValue::S8).boxed(),
        IType::S16 => any::<i16>().prop_map(IValue::S16).boxed(),
        IType::S32 => any::<i32>().prop_map(IValue::S32).boxed(),
        IType::S64 => any::<i64>().prop_map(IValue::S64).boxed(),
        IType::U8 => any::<u8>().prop_map(IValue::U8).boxed(),
        IType::U16 => any::<u16>().prop_map(IValue::U16).boxed(),
        IType::U32 => any::<u32>().prop_map(IValue::U32).boxed(),
        IType::U64 => any::<u64>().prop_map(IValue::U64).boxed(),
        IType::F32 => (-1e30f32..1e30).prop_map(IValue::F32).boxed(),
        IType::F64 => (-1e300f64..1e300).prop_map(IValue::F64).boxed(),
        IType::String => ".{0,12}".prop_map(IValue::String).boxed(),
        IType::ByteArray => prop::collection::vec(any::<u8>(), 0..16)
            .prop_map(IValue::ByteArray)
            .boxed(),
        IType::Array(elem) => prop::collection::vec(ivalue(elem), 0..4)
            .prop_map(IValue::Array)
            .boxed(),
        IType::Record(record) => record
            .fields
            .iter()
            .map(|f| ivalue(&f.ty))
            .collect::<Vec<_>>()
            .prop_map(IValue::Record)
            .boxed(),
        IType::Option(inner) => prop::option::of(ivalue(inner))
            .prop_map(|v| IValue::Option(v.map(Box::new)))
            .boxed(),
        IType::Result(ok, err) => prop_oneof![
            ivalue(ok).prop_map(|v| IValue::Result(Ok(Box::new(v)))),
            ivalue(err).prop_map(|e| IValue::Result(Err(Box::new(e)))),
        ]
        .boxed(),
        IType::Tuple(items) => items
            .iter()
            .map(ivalue)
            .collect::<Vec<_>>()
            .prop_map(IValue::Tuple)
            .boxed(),
        IType::Enum(e) => {
            let variants: Vec<BoxedStrategy<IValue>> = e
                .variants
                .iter()
                .enumerate()
                .map(|(index, v)| {
                    v.fields
                        .iter()
                        .map(|f| ivalue(&f.ty))
                        .collect::<Vec<_>>()
                        .prop_map(move |fields| IValue::Variant {
                            index: index as u32,
                            fields,
                        })
                        .boxed()
                })
                .collect();
            prop::strategy::Union::new(variants).boxed()
        }
    }
}

fn typed_value() -> impl Strategy<Value = (IType, IValue)> {
    itype(4).prop_flat_map(|ty| {
        let value = ivalue(&ty);
        (Just(ty), value)
    })
}

/// Guest memory over a `Vec`: a bump allocator that aligns as the tag asks.
struct VecGuest {
    mem: Vec<u8>,
}

impl GuestMemoryMut for VecGuest {
    fn allocate(&mut self, size: u32, _tag: u8) -> Result<u32, AbiError> {
        let ptr = (self.mem.len() + 7) & !7;
        self.mem.resize(ptr + size as usize, 0);
        Ok(ptr as u32)
    }
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        let at = ptr as usize;
        self.mem[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Lowering into a guest and lifting back gives the same value.
    #[test]
    fn lower_then_lift_round_trips((ty, value) in typed_value()) {
        prop_assume!(ty.is_complex());
        let mut guest = VecGuest { mem: vec![0; 8] };
        let (ptr, size) = match (&ty, &value) {
            _ if ty.is_boxed() => (lower_boxed(&mut guest, &ty, &value).unwrap(), 0),
            _ => lower_sized(&mut guest, &ty, &value).unwrap(),
        };
        let lifted = lift_result(&guest.mem, &ty, ptr, size).unwrap();
        prop_assert_eq!(lifted, value);
    }

    /// Lifting any type from any memory at any pointer is a value or an error.
    #[test]
    fn lifting_garbage_never_panics(
        ty in itype(4),
        mem in prop::collection::vec(any::<u8>(), 0..512),
        ptr in any::<u32>(),
        size in any::<u32>(),
        small in 0u32..64,
    ) {
        let _ = lift_result(&mem, &ty, ptr, size);
        let _ = lift_result(&mem, &ty, small * 8, small);
    }

    /// A value written as JSON reads back as the same value.
    #[test]
    fn json_round_trips((ty, value) in typed_value()) {
        let json = ivalue_to_json(&value, Some(&ty));
        let signature = FunctionSignature {
            name: "f".into(),
            arguments: vec![IFunctionArg { name: "a".into(), ty }],
            outputs: vec![],
        };
        let back = json_to_ivalues(&serde_json::json!({ "a": json }), &signature).unwrap();
        prop_assert_eq!(back, vec![value]);
    }

    /// Any JSON against any signature is values or an error.
    #[test]
    fn arbitrary_json_never_panics(ty in itype(3), text in "[\\[\\]{}\":,0-9a-z .-]{0,64}") {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
            let signature = FunctionSignature {
                name: "f".into(),
                arguments: vec![IFunctionArg { name: "a".into(), ty }],
                outputs: vec![],
            };
            let _ = json_to_ivalues(&json, &signature);
        }
    }

    /// Any metadata section is an interface or an error.
    #[test]
    fn arbitrary_metadata_never_panics(
        json in "[\\[\\]{}\":,0-9a-zA-Z_ ]{0,200}",
        bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        for data in [json.as_bytes(), &bytes] {
            let wasm = module_with_section("__m_generated_section__x", data);
            let _ = ModuleInterface::from_wasm(&wasm);
        }
    }

    /// Any config text is a config or an error.
    #[test]
    fn arbitrary_config_text_never_panics(text in "[\\[\\]{}=\"a-z_0-9.\\n ]{0,200}") {
        let _ = ServiceConfig::from_toml_str(&text, "/cfg");
    }
}

/// A module of one custom section.
fn module_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut module = wasm_encoder::Module::new();
    module.section(&wasm_encoder::CustomSection {
        name: name.into(),
        data: data.into(),
    });
    module.finish()
}
