//! The ABI extensions (`Option`, `Result`, tuples, enums; `docs/abi-extensions.md`) through the
//! runtime on real wasm: exports lowered and lifted, and a module import that returns a
//! `Result` whose error the importer receives as a value.

mod common;

use common::*;
use marine_ast::json::{ivalues_to_json, json_to_ivalues};
use marine_ast::{EnumAst, EnumVariantAst, ParsedType, RecordField, RecordFields, SDKAst};
use marine_runtime::{IValue, Marine};
use serde_json::json;

fn opt(t: ParsedType) -> ParsedType {
    ParsedType::Option(Box::new(t), V)
}
fn res(t: ParsedType, e: ParsedType) -> ParsedType {
    ParsedType::Result(Box::new(t), Box::new(e), V)
}
fn storage_error() -> ParsedType {
    record("StorageError")
}

/// `enum StorageError { NotFound, Io(String), TooBig { limit: u64, inner: Option<Vec<Inner>> } }`
fn storage_error_section() -> (String, Vec<u8>) {
    let field = |name: Option<&str>, ty: ParsedType| RecordField {
        name: name.map(str::to_string),
        ty,
    };
    section(
        "StorageError",
        &SDKAst::Enum(EnumAst {
            name: "StorageError".into(),
            variants: vec![
                EnumVariantAst {
                    name: "NotFound".into(),
                    fields: RecordFields::Unit,
                },
                EnumVariantAst {
                    name: "Io".into(),
                    fields: RecordFields::Unnamed(vec![field(None, string())]),
                },
                EnumVariantAst {
                    name: "TooBig".into(),
                    fields: RecordFields::Named(vec![
                        field(Some("limit"), U64(V)),
                        field(Some("inner"), opt(vec_of(record("Inner")))),
                    ]),
                },
            ],
        }),
    )
}

fn get_type() -> ParsedType {
    res(vec_of(U8(V)), storage_error())
}

/// The guest `g` with echo exports of every extension type (the guest's `$echo_record` returns
/// the block pointer it was given, so the runtime lowers the argument and lifts it back).
fn storage_wasm() -> Vec<u8> {
    let tuple = ParsedType::Tuple(vec![Boolean(V), opt(string()), record("Inner")], V);
    let extra = vec![
        export1("echo_opt", "$echo_record", opt(string()), opt(string())),
        export1(
            "echo_opt_opt",
            "$echo_record",
            opt(opt(U64(V))),
            opt(opt(U64(V))),
        ),
        export1("get", "$echo_record", get_type(), get_type()),
        export1("echo_tuple", "$echo_record", tuple.clone(), tuple),
        export1(
            "echo_errors",
            "$echo_sized",
            vec_of(storage_error()),
            vec_of(storage_error()),
        ),
    ];
    guest_wasm_with("", "", extra, &[storage_error_section()])
}

/// The facade imports `storage.get` and relays it: the runtime delivers the callee's `Result`
/// into the facade's memory, the facade hands it back as its own result.
fn facade_wasm() -> Vec<u8> {
    let imports = r#"(import "storage" "get" (func $storage_get (param i32)))"#;
    let funcs = r#"(func $relay_get (param i32) (call $storage_get (local.get 0)))"#;
    let declared = vec![(None, signature("get", &[("v", get_type())], &[get_type()]))];
    guest_wasm_with(
        imports,
        funcs,
        vec![export1("relay_get", "$relay_get", get_type(), get_type())],
        &[storage_error_section(), extern_section("storage", declared)],
    )
}

fn not_found() -> IValue {
    IValue::Result(Err(Box::new(IValue::Variant {
        index: 0,
        fields: vec![],
    })))
}

fn too_big() -> IValue {
    IValue::Result(Err(Box::new(IValue::Variant {
        index: 2,
        fields: vec![
            IValue::U64(1 << 40),
            IValue::Option(Some(Box::new(IValue::Array(vec![
                inner("x", &[1, 2]),
                inner("", &[]),
            ])))),
        ],
    })))
}

fn some(v: IValue) -> IValue {
    IValue::Option(Some(Box::new(v)))
}

#[test]
fn every_extension_type_round_trips_through_a_module() {
    let mut m = Marine::new();
    m.load_module("storage", storage_wasm()).unwrap();
    let cases = [
        ("echo_opt", IValue::Option(None)),
        ("echo_opt", some(IValue::String("ключ".into()))),
        ("echo_opt_opt", some(IValue::Option(None))),
        ("echo_opt_opt", some(some(IValue::U64(u64::MAX)))),
        (
            "get",
            IValue::Result(Ok(Box::new(IValue::ByteArray(vec![0, 255])))),
        ),
        ("get", not_found()),
        ("get", too_big()),
        (
            "echo_tuple",
            IValue::Tuple(vec![
                IValue::Boolean(true),
                IValue::Option(None),
                inner("i", &[9]),
            ]),
        ),
        (
            "echo_errors",
            IValue::Array(vec![
                IValue::Variant {
                    index: 1,
                    fields: vec![IValue::String("disk".into())],
                },
                IValue::Variant {
                    index: 0,
                    fields: vec![],
                },
            ]),
        ),
    ];
    for (f, v) in cases {
        assert_eq!(
            m.call_with_ivalues("storage", f, std::slice::from_ref(&v))
                .unwrap(),
            vec![v],
            "{f}"
        );
    }
    // The guest released its objects after each call with a complex output.
    assert_eq!(
        m.call_with_ivalues("storage", "releases", &[]).unwrap(),
        vec![IValue::U32(9)]
    );
}

#[test]
fn json_calls_use_serdes_forms() {
    let mut m = Marine::new();
    m.load_module("storage", storage_wasm()).unwrap();
    let iface = m.module_interface("storage").unwrap();
    assert!(iface.uses_extensions());
    let mut call = |f: &str, arg: serde_json::Value| {
        let sig = iface.functions[f].clone();
        let args = json_to_ivalues(&json!([arg]), &sig).unwrap();
        let out = m.call_with_ivalues("storage", f, &args).unwrap();
        ivalues_to_json(&out, &sig.outputs)
    };
    for (f, arg) in [
        ("echo_opt", json!(null)),
        ("echo_opt", json!("v")),
        ("get", json!({"Ok": [1, 2]})),
        ("get", json!({"Err": "NotFound"})),
        ("get", json!({"Err": {"Io": "disk full"}})),
        (
            "get",
            json!({"Err": {"TooBig": {"limit": 3, "inner": [{"s": "a", "b": [7]}]}}}),
        ),
        ("echo_tuple", json!([false, "x", {"s": "", "b": []}])),
        ("echo_errors", json!(["NotFound", {"Io": "e"}])),
    ] {
        assert_eq!(call(f, arg.clone()), arg, "{f}");
    }
    assert_eq!(
        iface.functions["get"].to_string(),
        "func get(v: result<[]u8, StorageError>) -> result<[]u8, StorageError>"
    );
}

#[test]
fn an_importer_receives_the_callees_error_as_a_value() {
    let mut m = Marine::new();
    m.load_module("storage", storage_wasm()).unwrap();
    m.load_module("facade", facade_wasm()).unwrap();
    for v in [
        not_found(),
        too_big(),
        IValue::Result(Ok(Box::new(IValue::ByteArray(b"value".to_vec())))),
    ] {
        assert_eq!(
            m.call_with_ivalues("facade", "relay_get", std::slice::from_ref(&v))
                .unwrap(),
            vec![v]
        );
    }
}

#[test]
fn a_mismatched_import_is_refused_at_link_time() {
    let mut m = Marine::new();
    m.load_module("storage", storage_wasm()).unwrap();
    // The facade declares `get` returning `Result<Vec<u8>, String>`.
    let imports = r#"(import "storage" "get" (func $storage_get (param i32)))"#;
    let declared = vec![(
        None,
        signature("get", &[("v", get_type())], &[res(vec_of(U8(V)), string())]),
    )];
    let wasm = guest_wasm_with(
        imports,
        "",
        vec![],
        &[storage_error_section(), extern_section("storage", declared)],
    );
    let e = m.load_module("facade", wasm).unwrap_err().to_string();
    assert!(
        e.contains("result err: declared `string`, the export has `StorageError`"),
        "{e}"
    );
}
