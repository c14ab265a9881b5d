//! The ABI extensions (docs/abi-extensions.md) end to end: `examples/rich-types` (every
//! extension type in every position, through the real SDK macro and runtime) and
//! `examples/storage-errors` (a facade matching on the error a storage module returns
//! across an import).

use crate::{call1, load, s};
use marine_ast::json::{ivalues_to_json, json_to_ivalues};
use marine_runtime::IValue::{self, *};
use marine_runtime::Marine;
use serde_json::json;

fn some(v: IValue) -> IValue {
    IValue::Option(Some(Box::new(v)))
}
fn none() -> IValue {
    IValue::Option(None)
}
fn ok(v: IValue) -> IValue {
    IValue::Result(Ok(Box::new(v)))
}
fn err(v: IValue) -> IValue {
    IValue::Result(Err(Box::new(v)))
}
fn item(name: &str, tags: std::option::Option<&[&str]>) -> IValue {
    Record(vec![
        s(name),
        match tags {
            None => none(),
            Some(tags) => some(Array(tags.iter().map(|t| s(t)).collect())),
        },
    ])
}
fn variant(index: u32, fields: Vec<IValue>) -> IValue {
    Variant { index, fields }
}
fn shapes() -> Vec<IValue> {
    vec![
        variant(0, vec![]),
        variant(1, vec![U8(255), s("ß")]),
        // An enum variant holding a record holding an `Option<Vec<..>>`.
        variant(2, vec![item("boxed", Some(&["a", ""])), some(F64(-0.25))]),
        variant(2, vec![item("", None), none()]),
    ]
}
fn everything(seed: u8) -> IValue {
    Record(vec![
        if seed.is_multiple_of(2) {
            some(U64(u64::MAX))
        } else {
            none()
        },
        // `None` inside `Some`.
        some(none()),
        if seed.is_multiple_of(2) {
            ok(ByteArray(vec![seed, 0, 255]))
        } else {
            err(s("failed"))
        },
        Tuple(vec![Boolean(seed.is_multiple_of(2)), some(s("p"))]),
        some(Tuple(vec![])),
        Array(shapes()),
        Array(vec![none(), some(item("x", Some(&[])))]),
    ])
}

#[test]
fn every_extension_type_round_trips_through_the_sdk() {
    let mut m = load("rich_types");
    let mut echo = |f: &str, v: IValue| {
        assert_eq!(call1(&mut m, "rich_types", f, vec![v.clone()]), v, "{f}");
    };
    echo("echo_option", none());
    echo("echo_option", some(s("ключ")));
    echo("echo_option", some(s("")));
    echo("echo_nested", none());
    echo("echo_nested", some(none()));
    echo("echo_nested", some(some(U64(7))));
    echo("echo_result", ok(item("i", Some(&["t"]))));
    echo("echo_result", err(s("no")));
    // The plain records the benchmarks compare the extensions with.
    echo("echo_text", Record(vec![s("text")]));
    echo("echo_item_box", Record(vec![item("boxed", None)]));
    echo(
        "echo_tuple",
        Tuple(vec![S32(-1), s("two"), ByteArray(vec![3])]),
    );
    echo("echo_tuple", Tuple(vec![S32(0), s(""), ByteArray(vec![])]));
    for shape in shapes() {
        echo("echo_shape", shape);
    }
    echo("echo_shapes", Array(shapes()));
    echo("echo_shapes", Array(vec![]));
    echo("echo_everything", everything(0));
    echo("echo_everything", everything(1));
    echo("echo_everything_ref", everything(2));
}

#[test]
fn the_guest_computes_with_them() {
    let mut m = load("rich_types");
    let mut call = |f: &str, v: IValue| call1(&mut m, "rich_types", f, vec![v]);
    assert_eq!(call("describe", shapes()[1].clone()), s("pair 255 ß"));
    assert_eq!(
        call("describe", shapes()[2].clone()),
        s("boxed boxed (2 tags) weighing Some(-0.25)")
    );
    assert_eq!(call("parse", s("42")), ok(some(U32(42))));
    assert_eq!(call("parse", s("")), ok(none()));
    assert_eq!(
        call("parse", s("x")),
        err(s("`x`: invalid digit found in string"))
    );
    assert_eq!(
        call("unit_results", U32(3)),
        Array(vec![ok(Tuple(vec![])), err(U32(1)), ok(Tuple(vec![]))])
    );
}

fn json_call(m: &mut Marine, module: &str, f: &str, args: serde_json::Value) -> serde_json::Value {
    let sig = m.module_interface(module).unwrap().functions[f].clone();
    let args = json_to_ivalues(&args, &sig).unwrap_or_else(|e| panic!("{f}: {e}"));
    let out = m
        .call_with_ivalues(module, f, &args)
        .unwrap_or_else(|e| panic!("{f}: {e}"));
    ivalues_to_json(&out, &sig.outputs)
}

#[test]
fn json_uses_serdes_forms() {
    let mut m = load("rich_types");
    for (f, v) in [
        ("echo_option", json!(null)),
        ("echo_option", json!("v")),
        ("echo_result", json!({"Ok": {"name": "n", "tags": null}})),
        ("echo_result", json!({"Err": "e"})),
        ("echo_tuple", json!([1, "a", [2]])),
        ("echo_shape", json!("Empty")),
        ("echo_shape", json!({"Pair": [1, "x"]})),
        (
            "echo_shape",
            json!({"Boxed": {"item": {"name": "b", "tags": ["t"]}, "weight": 1.5}}),
        ),
    ] {
        assert_eq!(json_call(&mut m, "rich_types", f, json!([v])), v, "{f}");
        // The runtime's JSON calls (text and tree) answer the same.
        let options = marine_runtime::CallOptions::default();
        let text = m
            .call_with_json_str("rich_types", f, &json!([v]).to_string(), &options)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(text, v.to_string(), "{f} as text");
        let args = json!([v]);
        let input = marine_runtime::JsonInput::Value(&args);
        let tree = m
            .call_with_json_to(
                "rich_types",
                f,
                input,
                &options,
                marine_runtime::JsonSink::Tree,
            )
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(tree, Some(v.clone()), "{f} as a tree");
    }
    // Their argument errors name the function, as the streamed path's do.
    let options = marine_runtime::CallOptions::default();
    let e = m
        .call_with_json_str("rich_types", "echo_option", "[1", &options)
        .unwrap_err();
    assert!(
        matches!(&e, marine_runtime::MarineError::JsonArguments { function, .. } if function == "echo_option"),
        "{e}"
    );
    let e = m
        .call_with_json_str("rich_types", "echo_shape", r#"[{"Nope": 1}]"#, &options)
        .unwrap_err();
    assert!(
        matches!(&e, marine_runtime::MarineError::JsonArguments { .. }),
        "{e}"
    );
    let text = m.module_interface("rich_types").unwrap().to_string();
    for line in [
        "data Everything:\n  maybe: ?u64\n  nested: ??i8\n  outcome: result<[]u8, string>\n  pair: (bool, ?string)\n  unit: ?()\n  shapes: []Shape\n  options: []?Item",
        "enum Shape:\n  Empty\n  Pair(u8, string)\n  Boxed { item: Item, weight: ?f64 }",
        "func parse(text: string) -> result<?u32, string>",
    ] {
        assert!(text.contains(line), "{line}\nin\n{text}");
    }
}

#[test]
fn a_facade_matches_on_the_storage_error() {
    let mut m = Marine::new();
    for (name, wasm) in [("storage", "error_storage"), ("facade", "error_facade")] {
        m.load_module(name, marine_e2e::example_wasm(wasm))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let mut facade = |f: &str, args: Vec<IValue>| call1(&mut m, "facade", f, args);
    assert_eq!(facade("save", vec![s("k"), s("v")]), s("saved k"));
    assert_eq!(
        facade("save", vec![s("big"), s("0123456789abcdefXYZ")]),
        s("big is 19 bytes, the limit is 16")
    );
    assert_eq!(
        facade("save", vec![s("a/b"), s("")]),
        s("`a/b` is not a valid name")
    );
    assert_eq!(facade("load_or", vec![s("k"), s("d")]), ok(s("v")));
    assert_eq!(facade("load_or", vec![s("missing"), s("d")]), ok(s("d")));
    // The callee's error arrives as a value, not a trap.
    assert_eq!(
        facade("get_raw", vec![s("missing")]),
        err(variant(0, vec![s("missing")]))
    );
    assert_eq!(
        json_call(&mut m, "facade", "get_raw", json!(["nope"])),
        json!({"Err": {"NotFound": {"name": "nope"}}})
    );
    assert_eq!(
        json_call(&mut m, "facade", "get_raw", json!(["k"])),
        json!({"Ok": [118]})
    );
}

/// The runtime's streamed JSON calls on the extension types (text in and out, a tree in and
/// out) answer as the `IValue` path does, values and argument errors alike.
#[test]
fn streamed_json_calls_answer_as_the_ivalue_path() {
    let mut m = load("rich_types");
    let options = marine_runtime::CallOptions::default();
    let sig = m.module_interface("rich_types").unwrap().functions["echo_everything"].clone();
    let everything_json = |seed| ivalues_to_json(&[everything(seed)], &sig.outputs);
    let mut calls = vec![
        ("echo_everything", json!([everything_json(0)])),
        ("echo_everything", json!({ "v": everything_json(1) })),
        ("echo_everything_ref", json!([everything_json(2)])),
        ("echo_nested", json!([7])),
        ("echo_nested", json!([null])),
        ("echo_shapes", json!([[]])),
        ("parse", json!(["42"])),
        ("parse", json!(["x"])),
        ("unit_results", json!([3])),
    ];
    // Wrong forms from a caller.
    calls.extend([
        ("echo_option", json!([7])),
        (
            "echo_result",
            json!([{"Ok": {"name": "n", "tags": null}, "Err": "e"}]),
        ),
        ("echo_result", json!([{"Err": 1}])),
        ("echo_tuple", json!([[1, "a"]])),
        ("echo_tuple", json!([[1, "a", [256]]])),
        ("echo_shape", json!(["Pair"])),
        ("echo_shape", json!([{"Nope": 1}])),
        (
            "echo_shape",
            json!([{"Boxed": {"item": {"name": "b", "tags": null}}}]),
        ),
        ("echo_shape", json!([{"Pair": [1, "x", 2]}])),
        ("echo_everything", json!([{"maybe": 1}])),
    ]);
    for (f, args) in calls {
        let sig = m.module_interface("rich_types").unwrap().functions[f].clone();
        let expected = match json_to_ivalues(&args, &sig) {
            Ok(values) => {
                let out = m.call_with_ivalues("rich_types", f, &values).unwrap();
                Ok(ivalues_to_json(&out, &sig.outputs))
            }
            Err(e) => Err(e.to_string()),
        };
        let source = |e: marine_runtime::MarineError| match e {
            marine_runtime::MarineError::JsonArguments { source, .. } => source.to_string(),
            other => panic!("{f} {args}: not an argument error: {other}"),
        };
        let text = m
            .call_with_json_str("rich_types", f, &args.to_string(), &options)
            .map(|text| serde_json::from_str::<serde_json::Value>(&text).unwrap())
            .map_err(source);
        assert_eq!(text, expected, "{f} {args} as text");
        if let Ok(value) = &expected {
            let text = m
                .call_with_json_str("rich_types", f, &args.to_string(), &options)
                .unwrap();
            assert_eq!(text, value.to_string(), "{f} {args}: the text itself");
        }
        let tree = m
            .call_with_json_to(
                "rich_types",
                f,
                marine_runtime::JsonInput::Value(&args),
                &options,
                marine_runtime::JsonSink::Tree,
            )
            .map(|tree| tree.unwrap())
            .map_err(source);
        assert_eq!(tree, expected, "{f} {args} as a tree");
    }
}
