//! The ABI extensions (`Option`, `Result`, tuples, enums; `docs/abi-extensions.md`) through the
//! core: metadata, interface reading, layout, lifting, lowering, JSON and link-time checks.

use std::sync::Arc;

use marine_ast::abi::{flatten_signature, wire_size, CallPlan, OutputKind, WasmType};
use marine_ast::json::{ivalue_to_json, json_to_ivalues};
use marine_ast::lift::Lifter;
use marine_ast::link::check_import_signature;
use marine_ast::lower::{lower_argument, lower_boxed};
use marine_ast::types::{check_value, IEnumType, IEnumVariant, VariantKind};
use marine_ast::{
    append_custom_section, AbiError, FunctionSignature, GuestMemoryMut, IFunctionArg, IRecordField,
    IRecordType, IType, IValue, ModuleInterface, ParsedType, PassingStyle, SDKAst,
};
use serde_json::json;

/// A host-only guest: a bump allocator over a Vec, logging (size, tag).
struct VecGuest {
    mem: Vec<u8>,
    next: u32,
    log: Vec<(u32, u8)>,
}

impl VecGuest {
    fn new() -> Self {
        VecGuest {
            mem: vec![0; 8],
            next: 8,
            log: Vec::new(),
        }
    }
}

impl GuestMemoryMut for VecGuest {
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError> {
        self.log.push((size, tag));
        let ptr = self.next;
        self.next += size;
        self.mem.resize(self.next as usize, 0);
        Ok(ptr)
    }
    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        self.mem[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

fn opt(t: IType) -> IType {
    IType::Option(Box::new(t))
}
fn res(t: IType, e: IType) -> IType {
    IType::Result(Box::new(t), Box::new(e))
}
fn some(v: IValue) -> IValue {
    IValue::Option(Some(Box::new(v)))
}

fn holder() -> Arc<IRecordType> {
    Arc::new(IRecordType::with_fields(
        "Holder",
        &[("items", opt(IType::Array(Box::new(IType::String))))],
    ))
}

/// `enum Shape { Empty, Pair(u8, string), Boxed { h: Holder } }`
fn shape() -> Arc<IEnumType> {
    let field = |name: &str, ty: IType| IRecordField {
        name: name.into(),
        ty,
    };
    Arc::new(IEnumType {
        name: "Shape".into(),
        variants: vec![
            IEnumVariant {
                name: "Empty".into(),
                kind: VariantKind::Unit,
                fields: vec![],
            },
            IEnumVariant {
                name: "Pair".into(),
                kind: VariantKind::Tuple,
                fields: vec![field("0", IType::U8), field("1", IType::String)],
            },
            IEnumVariant {
                name: "Boxed".into(),
                kind: VariantKind::Struct,
                fields: vec![field("h", IType::Record(holder()))],
            },
        ],
    })
}

/// Every extension type nested in the others, with its edge values.
fn cases() -> Vec<(IType, IValue)> {
    let shape = IType::Enum(shape());
    vec![
        (opt(IType::String), IValue::Option(None)),
        (opt(IType::String), some(IValue::String("hé".into()))),
        (opt(opt(IType::U64)), some(IValue::Option(None))),
        (opt(opt(IType::U64)), some(some(IValue::U64(u64::MAX)))),
        (
            res(IType::ByteArray, IType::Record(holder())),
            IValue::Result(Ok(Box::new(IValue::ByteArray(vec![1, 2, 3])))),
        ),
        (
            res(IType::ByteArray, IType::Record(holder())),
            IValue::Result(Err(Box::new(IValue::Record(vec![some(IValue::Array(
                vec![IValue::String("a".into()), IValue::String(String::new())],
            ))])))),
        ),
        (IType::Tuple(vec![]), IValue::Tuple(vec![])),
        (
            IType::Tuple(vec![IType::Boolean, IType::F64, opt(IType::Tuple(vec![]))]),
            IValue::Tuple(vec![
                IValue::Boolean(true),
                IValue::F64(-0.5),
                some(IValue::Tuple(vec![])),
            ]),
        ),
        (
            shape.clone(),
            IValue::Variant {
                index: 0,
                fields: vec![],
            },
        ),
        (
            shape.clone(),
            IValue::Variant {
                index: 1,
                fields: vec![IValue::U8(7), IValue::String("x".into())],
            },
        ),
        (
            // An enum variant holding a record holding an `Option<Vec<..>>`.
            IType::Array(Box::new(shape.clone())),
            IValue::Array(vec![
                IValue::Variant {
                    index: 2,
                    fields: vec![IValue::Record(vec![some(IValue::Array(vec![
                        IValue::String("deep".into()),
                    ]))])],
                },
                IValue::Variant {
                    index: 2,
                    fields: vec![IValue::Record(vec![IValue::Option(None)])],
                },
            ]),
        ),
    ]
}

#[test]
fn every_case_round_trips_through_guest_memory() {
    for (ty, value) in cases() {
        check_value(&value, &ty).unwrap_or_else(|e| panic!("{ty}: {e}"));
        let mut g = VecGuest::new();
        let mut params = Vec::new();
        lower_argument(&mut g, &ty, &value, &mut |v| params.push(v)).unwrap();
        let mut flat = Vec::new();
        marine_ast::abi::flatten_param(&ty, &mut flat);
        assert_eq!(params.len(), flat.len(), "{ty}");
        let lifted = match params.as_slice() {
            [marine_ast::WasmValue::I32(ptr)] => {
                Lifter::new(&g.mem).boxed(&ty, *ptr as u32).unwrap()
            }
            [marine_ast::WasmValue::I32(ptr), marine_ast::WasmValue::I32(len)] => {
                Lifter::new(&g.mem)
                    .sized(&ty, *ptr as u32, *len as u32)
                    .unwrap()
            }
            other => panic!("{ty}: {other:?}"),
        };
        assert_eq!(lifted, value, "{ty}");
    }
}

#[test]
fn block_layouts_are_the_documented_ones() {
    // Some("hé"): [1u32][ptr u32][len u32]; the string first, then the 12-byte block, tag 1.
    let mut g = VecGuest::new();
    let ty = opt(IType::String);
    let ptr = lower_boxed(&mut g, &ty, &some(IValue::String("hé".into()))).unwrap();
    assert_eq!(g.log, vec![(3, 1), (12, 1)]);
    let block = &g.mem[ptr as usize..ptr as usize + 12];
    assert_eq!(&block[0..4], &1u32.to_le_bytes());
    assert_eq!(&block[4..8], &8u32.to_le_bytes());
    assert_eq!(&block[8..12], &3u32.to_le_bytes());
    // None: the 4-byte discriminant alone.
    let mut g = VecGuest::new();
    let ptr = lower_boxed(&mut g, &ty, &IValue::Option(None)).unwrap();
    assert_eq!(g.log, vec![(4, 1)]);
    assert_eq!(&g.mem[ptr as usize..ptr as usize + 4], &0u32.to_le_bytes());
    // Err(7u16) of Result<u64, u16>: [1u32][7u16], 6 bytes, packed.
    let mut g = VecGuest::new();
    let ty = res(IType::U64, IType::U16);
    let ptr = lower_boxed(&mut g, &ty, &IValue::Result(Err(Box::new(IValue::U16(7))))).unwrap();
    assert_eq!(g.log, vec![(6, 1)]);
    assert_eq!(&g.mem[ptr as usize..ptr as usize + 6], &[1, 0, 0, 0, 7, 0]);
    // A tuple is packed like a record; the empty tuple is pointer 0 with no allocation.
    let mut g = VecGuest::new();
    let ty = IType::Tuple(vec![IType::U8, IType::U32]);
    let value = IValue::Tuple(vec![IValue::U8(1), IValue::U32(2)]);
    let ptr = lower_boxed(&mut g, &ty, &value).unwrap();
    assert_eq!(g.log, vec![(5, 1)]);
    assert_eq!(&g.mem[ptr as usize..ptr as usize + 5], &[1, 2, 0, 0, 0]);
    let mut g = VecGuest::new();
    assert_eq!(
        lower_boxed(&mut g, &IType::Tuple(vec![]), &IValue::Tuple(vec![])).unwrap(),
        0
    );
    assert!(g.log.is_empty());
    // Every extension type is one pointer wide inline and as a parameter.
    for (ty, _) in cases() {
        if ty.is_boxed() {
            assert_eq!(wire_size(&ty), 4, "{ty}");
        }
    }
}

#[test]
fn hostile_blocks_are_errors_not_panics() {
    let shape = IType::Enum(shape());
    // Discriminant out of range.
    let mut mem = vec![0u8; 32];
    mem[8..12].copy_from_slice(&3u32.to_le_bytes());
    let e = Lifter::new(&mem).boxed(&shape, 8).unwrap_err();
    assert!(
        matches!(
            e,
            AbiError::InvalidDiscriminant {
                value: 3,
                cases: 3,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "enum Shape: discriminant 3 at 0x8 is not one of the type's 3 cases"
    );
    let e = Lifter::new(&mem).boxed(&opt(IType::U8), 8).unwrap_err();
    assert!(
        matches!(e, AbiError::InvalidDiscriminant { cases: 2, .. }),
        "{e}"
    );
    // A block whose payload runs past the end of memory, and one at the very top of the
    // address space.
    mem[28..32].copy_from_slice(&1u32.to_le_bytes());
    let e = Lifter::new(&mem).boxed(&opt(IType::U64), 28).unwrap_err();
    assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
    let e = Lifter::new(&mem)
        .boxed(&opt(IType::U64), u32::MAX)
        .unwrap_err();
    assert!(matches!(e, AbiError::OutOfBounds { .. }), "{e}");
    // Many options all pointing at one big string: the lifting budget stops it.
    let mut mem = vec![b'a'; 4096];
    mem[0..4].copy_from_slice(&1u32.to_le_bytes());
    mem[4..8].copy_from_slice(&100u32.to_le_bytes());
    mem[8..12].copy_from_slice(&3000u32.to_le_bytes());
    for i in 0..64u32 {
        let at = 16 + 4 * i as usize;
        mem[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    }
    let ty = IType::Array(Box::new(opt(IType::String)));
    let e = Lifter::with_budget(&mem[..], 10_000)
        .array(
            match &ty {
                IType::Array(elem) => elem,
                _ => unreachable!(),
            },
            16,
            64,
        )
        .unwrap_err();
    assert!(matches!(e, AbiError::LiftBudget { .. }), "{e}");
}

#[test]
fn json_forms_are_serdes() {
    let shape = IType::Enum(shape());
    let expected = [
        json!(null),
        json!("hé"),
        // Some(None) is `null`, as serde writes it (and reads it back as None).
        json!(null),
        json!(u64::MAX),
        json!({"Ok": [1, 2, 3]}),
        json!({"Err": {"items": ["a", ""]}}),
        json!(null),
        json!([true, -0.5, null]),
        json!("Empty"),
        json!({"Pair": [7, "x"]}),
        json!([{"Boxed": {"h": {"items": ["deep"]}}}, {"Boxed": {"h": {"items": null}}}]),
    ];
    for (i, ((ty, value), want)) in cases().into_iter().zip(expected).enumerate() {
        let text = ivalue_to_json(&value, Some(&ty));
        assert_eq!(text, want, "{ty}");
        let sig = FunctionSignature {
            name: "f".into(),
            arguments: vec![IFunctionArg {
                name: "a".into(),
                ty: ty.clone(),
            }],
            outputs: vec![],
        };
        let back = json_to_ivalues(&json!([want]), &sig).unwrap();
        // `Some(None)` and `Some(())` are `null` and read back as `None`, as in serde;
        // everything else comes back as it was.
        let want_back = match i {
            2 => IValue::Option(None),
            7 => IValue::Tuple(vec![
                IValue::Boolean(true),
                IValue::F64(-0.5),
                IValue::Option(None),
            ]),
            _ => value,
        };
        assert_eq!(back[0], want_back, "{ty}");
    }
    // Newtype variants are the bare value; a wrong variant names the choices.
    let newtype = IType::Enum(Arc::new(IEnumType {
        name: "E".into(),
        variants: vec![IEnumVariant {
            name: "N".into(),
            kind: VariantKind::Tuple,
            fields: vec![IRecordField {
                name: "0".into(),
                ty: IType::U32,
            }],
        }],
    }));
    let v = IValue::Variant {
        index: 0,
        fields: vec![IValue::U32(5)],
    };
    assert_eq!(ivalue_to_json(&v, Some(&newtype)), json!({"N": 5}));
    let sig = FunctionSignature {
        name: "f".into(),
        arguments: vec![IFunctionArg {
            name: "s".into(),
            ty: shape,
        }],
        outputs: vec![],
    };
    let e = json_to_ivalues(&json!({"s": "Round"}), &sig).unwrap_err();
    assert_eq!(
        e.to_string(),
        "function `f`, argument `s`: expected enum Shape (Empty | Pair | Boxed), got string \"Round\""
    );
    let e = json_to_ivalues(&json!({"s": {"Pair": [1, 2]}}), &sig).unwrap_err();
    assert_eq!(
        e.to_string(),
        "function `f`, argument `s.Pair.1`: expected string, got number 2"
    );
    let r = FunctionSignature {
        arguments: vec![IFunctionArg {
            name: "r".into(),
            ty: res(IType::U8, IType::String),
        }],
        ..sig
    };
    let e = json_to_ivalues(&json!({"r": {"Ok": 1, "Err": "x"}}), &r).unwrap_err();
    assert!(e.to_string().contains("expected result<u8, string>"), "{e}");
}

const WAT: &str = r#"(module
    (memory (export "memory") 1)
    (func (export "get") (param i32 i32))
    (func (export "pick") (param i32))
)"#;

fn module_with(sections: &[(&str, &str)]) -> Vec<u8> {
    let mut wasm = wat::parse_str(WAT).unwrap();
    for (name, data) in sections {
        append_custom_section(&mut wasm, name, data.as_bytes());
    }
    wasm
}

const GET: &str = r#"{"ast_type":"Function","signature":{"name":"get","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Result":[{"Vector":[{"U8":"ByValue"},"ByValue"]},{"Record":["StorageError","ByValue"]},"ByValue"]}]}}"#;
const STORAGE_ERROR: &str = r#"{"ast_type":"Enum","name":"StorageError","variants":[{"name":"NotFound","fields":"Unit"},{"name":"Io","fields":{"Unnamed":[{"name":null,"ty":{"Utf8String":"ByValue"}}]}},{"name":"TooBig","fields":{"Named":[{"name":"limit","ty":{"U64":"ByValue"}},{"name":"given","ty":{"Option":[{"U64":"ByValue"},"ByValue"]}}]}}]}"#;
const PICK: &str = r#"{"ast_type":"Function","signature":{"name":"pick","arguments":[{"name":"t","ty":{"Tuple":[[{"I32":"ByValue"},{"Option":[{"Record":["StorageError","ByValue"]},"ByRef"]}],"ByRef"]}}],"output_types":[{"Option":[{"Utf8String":"ByValue"},"ByValue"]}]}}"#;

#[test]
fn metadata_is_read_and_plans_use_one_pointer() {
    for doc in [GET, STORAGE_ERROR, PICK] {
        let parsed: SDKAst = serde_json::from_str(doc).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), doc, "byte-exact");
        assert!(parsed.uses_extensions());
    }
    // A document that only names an enum looks like a plain one; the enum's own document is
    // what marks (and gets refused in) the module.
    let named = GET.replace(r#"{"Result":[{"Vector":[{"U8":"ByValue"},"ByValue"]},{"Record":["StorageError","ByValue"]},"ByValue"]}"#, r#"{"Record":["StorageError","ByValue"]}"#);
    assert!(!serde_json::from_str::<SDKAst>(&named)
        .unwrap()
        .uses_extensions());
    let wasm = module_with(&[
        ("__m_generated_section__get", GET),
        ("__m_generated_section__StorageError", STORAGE_ERROR),
        ("__m_generated_section__pick", PICK),
    ]);
    let iface = ModuleInterface::from_wasm(&wasm).unwrap();
    assert!(iface.uses_extensions());
    assert_eq!(
        iface.functions["get"].to_string(),
        "func get(name: string) -> result<[]u8, StorageError>"
    );
    assert_eq!(
        iface.functions["pick"].to_string(),
        "func pick(t: (i32, ?StorageError)) -> ?string"
    );
    assert_eq!(
        iface.enums["StorageError"].to_string(),
        "enum StorageError:\n  NotFound\n  Io(string)\n  TooBig { limit: u64, given: ?u64 }"
    );
    // (i32, Option<enum{.., Option<u64>}>): tuple, option, enum, option: depth 4.
    assert_eq!(iface.type_depth, 4);
    let plan = CallPlan::new(iface.functions["get"].clone());
    assert!(matches!(plan.output, OutputKind::Boxed(IType::Result(..))));
    assert!(plan.output.needs_release());
    let sig = flatten_signature(&iface.functions["pick"]);
    assert_eq!(sig.params, vec![WasmType::I32]);
    assert!(sig.results.is_empty());
}

#[test]
fn bad_extension_metadata_is_named() {
    let reason = |sections: &[(&str, &str)]| {
        ModuleInterface::from_wasm(&module_with(sections))
            .unwrap_err()
            .reason
    };
    let recursive = r#"{"ast_type":"Enum","name":"List","variants":[{"name":"Nil","fields":"Unit"},{"name":"Cons","fields":{"Unnamed":[{"name":null,"ty":{"Vector":[{"Record":["List","ByValue"]},"ByValue"]}}]}}]}"#;
    assert!(reason(&[("__m_generated_section__List", recursive)]).contains("recursive"));
    let empty = r#"{"ast_type":"Enum","name":"Never","variants":[]}"#;
    assert!(reason(&[("__m_generated_section__Never", empty)]).contains("has no variants"));
    let unknown = GET.replace("StorageError", "Missing");
    assert!(
        reason(&[("__m_generated_section__get", &unknown)]).contains("unknown record `Missing`")
    );
    let clash = r#"{"ast_type":"Record","name":"StorageError","fields":{"Named":[{"name":"a","ty":{"U8":"ByValue"}}]}}"#;
    assert!(reason(&[
        ("__m_generated_section__StorageError", STORAGE_ERROR),
        ("__m_generated_section__StorageErrorRecord", clash)
    ])
    .contains("declared both as a record and as an enum"));
    let i = r#"{"I32":"ByValue"}"#;
    let wide = format!(
        r#"{{"ast_type":"Function","signature":{{"name":"pick","arguments":[{{"name":"t","ty":{{"Tuple":[[{}],"ByValue"]}}}}],"output_types":[]}}}}"#,
        vec![i; 13].join(",")
    );
    assert!(reason(&[("__m_generated_section__pick", &wide)]).contains("a tuple of 13 elements"));
    // Options nested past the depth limit are refused before the host recurses further.
    let mut deep = r#"{"U8":"ByValue"}"#.to_string();
    for _ in 0..20 {
        deep = format!(r#"{{"Option":[{deep},"ByValue"]}}"#);
    }
    let deep = format!(
        r#"{{"ast_type":"Function","signature":{{"name":"pick","arguments":[{{"name":"t","ty":{deep}}}],"output_types":[]}}}}"#
    );
    let limits = marine_ast::InterfaceLimits {
        max_type_depth: 10,
        ..Default::default()
    };
    let e = ModuleInterface::from_wasm_with_limits(
        &module_with(&[("__m_generated_section__pick", &deep)]),
        limits,
    )
    .unwrap_err();
    assert_eq!(e.limit, Some(marine_ast::LimitKind::TypeDepth), "{e}");
}

#[test]
fn import_checks_cover_the_extension_types() {
    let sig = |ty: IType| FunctionSignature {
        name: "get".into(),
        arguments: vec![],
        outputs: vec![ty],
    };
    let other = |name: &str, v0: &str| {
        let mut e = (*shape()).clone();
        e.name = name.into();
        e.variants[0].name = v0.into();
        IType::Enum(Arc::new(e))
    };
    // Same shape under another enum name unifies, like records.
    check_import_signature(
        &sig(res(IType::ByteArray, IType::Enum(shape()))),
        &sig(res(
            IType::Array(Box::new(IType::U8)),
            other("Theirs", "Empty"),
        )),
    )
    .unwrap();
    let e = check_import_signature(
        &sig(res(IType::ByteArray, IType::Enum(shape()))),
        &sig(res(IType::ByteArray, other("Shape", "Nothing"))),
    )
    .unwrap_err();
    assert!(
        e.contains("result err: enum `Shape` variant 0 is `Empty`"),
        "{e}"
    );
    let e = check_import_signature(
        &sig(opt(IType::Tuple(vec![IType::U8, IType::S8]))),
        &sig(opt(IType::Tuple(vec![IType::U8, IType::U8]))),
    )
    .unwrap_err();
    assert!(e.contains("option: tuple element 1: declared `i8`"), "{e}");
    assert!(check_import_signature(&sig(opt(IType::U8)), &sig(IType::U8)).is_err());
}

/// The official toolchain's metadata schema (`marine-macro-impl` 0.14: the three item kinds and
/// fifteen type tags this project's SDK also writes for modules without extensions), to show
/// what `marine build` says about a module that uses them.
mod official {
    #![allow(dead_code, clippy::enum_variant_names)]
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(tag = "ast_type")]
    pub enum SDKAst {
        Function(FnAst),
        ExternMod(serde::de::IgnoredAny),
        Record(serde::de::IgnoredAny),
    }
    #[derive(Deserialize)]
    pub struct FnAst {
        signature: Sig,
    }
    #[derive(Deserialize)]
    pub struct Sig {
        name: String,
        arguments: Vec<Arg>,
        output_types: Vec<Ty>,
    }
    #[derive(Deserialize)]
    pub struct Arg {
        name: String,
        ty: Ty,
    }
    #[derive(Deserialize)]
    pub enum Style {
        ByValue,
        ByRef,
        ByMutRef,
    }
    #[derive(Deserialize)]
    pub enum Ty {
        I8(Style),
        I16(Style),
        I32(Style),
        I64(Style),
        U8(Style),
        U16(Style),
        U32(Style),
        U64(Style),
        F32(Style),
        F64(Style),
        Boolean(Style),
        Utf8Str(Style),
        Utf8String(Style),
        Vector(Box<Ty>, Style),
        Record(String, Style),
    }
}

#[test]
fn the_official_schema_refuses_extensions_with_the_documented_message() {
    let e = serde_json::from_str::<official::SDKAst>(GET).err().unwrap();
    assert_eq!(
        format!("{}: {e:?}", marine_ast::OFFICIAL_REFUSAL_PREFIX),
        "Embedded by rust-sdk metadata couldn't be parsed by serde: Error(\"unknown variant `Result`, expected one of `I8`, `I16`, `I32`, `I64`, `U8`, `U16`, `U32`, `U64`, `F32`, `F64`, `Boolean`, `Utf8Str`, `Utf8String`, `Vector`, `Record`\", line: 0, column: 0)"
    );
    let e = serde_json::from_str::<official::SDKAst>(STORAGE_ERROR)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "unknown variant `Enum`, expected one of `Function`, `ExternMod`, `Record` at line 1 column 18"
    );
    // A document without extensions still reads in the official schema.
    let plain = r#"{"ast_type":"Function","signature":{"name":"greeting","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}"#;
    serde_json::from_str::<official::SDKAst>(plain).unwrap();
    let ours: SDKAst = serde_json::from_str(plain).unwrap();
    assert!(!ours.uses_extensions());
    assert_eq!(
        ParsedType::Option(
            Box::new(ParsedType::U8(PassingStyle::ByValue)),
            PassingStyle::ByRef
        )
        .passing_style(),
        PassingStyle::ByRef
    );
}
