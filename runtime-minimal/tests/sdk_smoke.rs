//! Smoke test against SDK-built example modules, when they have been built
//! (`target/wasm-examples/wasm32-wasip1/release/*.wasm`); skipped otherwise.
//! The full end-to-end suite lives in the workspace `tests/` crate.

use std::path::PathBuf;

use marine_runtime::{IValue, Marine, MarineError};

fn example(name: &str) -> Option<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["target/wasm-examples", "target/sdk-guest-test"] {
        let p = root
            .join(dir)
            .join("wasm32-wasip1/release")
            .join(format!("{name}.wasm"));
        if let Ok(bytes) = std::fs::read(&p) {
            return Some(bytes);
        }
    }
    eprintln!("{name}.wasm not built; skipping");
    None
}

#[test]
fn greeting() {
    let Some(wasm) = example("greeting") else {
        return;
    };
    let mut m = Marine::new();
    m.load_module("greeting", wasm).unwrap();
    let out = m
        .call_with_ivalues("greeting", "greeting", &[IValue::String("user".into())])
        .unwrap();
    assert_eq!(out, vec![IValue::String("Hi, user".into())]);
    let iface = m.module_interface("greeting").unwrap();
    assert_eq!(
        iface.functions["greeting"].to_string(),
        "func greeting(name: string) -> string"
    );
}

#[test]
fn scalars() {
    let Some(wasm) = example("scalars") else {
        return;
    };
    let mut m = Marine::new();
    m.load_module("s", wasm).unwrap();
    let mut call = |f: &str, args: &[IValue]| m.call_with_ivalues("s", f, args).unwrap();
    assert_eq!(
        call("echo_u32", &[IValue::U32(u32::MAX)]),
        vec![IValue::U32(u32::MAX)]
    );
    assert_eq!(
        call("echo_u64", &[IValue::U64(u64::MAX)]),
        vec![IValue::U64(u64::MAX)]
    );
    assert_eq!(call("echo_i8", &[IValue::S8(-128)]), vec![IValue::S8(-128)]);
    assert_eq!(call("echo_u8", &[IValue::U8(255)]), vec![IValue::U8(255)]);
    assert_eq!(
        call("echo_i64", &[IValue::S64(i64::MIN)]),
        vec![IValue::S64(i64::MIN)]
    );
    assert_eq!(call("nothing", &[]), vec![]);
    let s = |x: &str| IValue::String(x.into());
    assert_eq!(call("concat", &[s("a"), s("ü"), s("")]), vec![s("aü")]);
}

#[test]
fn records_and_arrays() {
    let (Some(rec), Some(arr)) = (example("records"), example("arrays")) else {
        return;
    };
    let mut m = Marine::new();
    m.load_module("records", rec).unwrap();
    m.load_module("arrays", arr).unwrap();
    let iface = m.module_interface("arrays").unwrap();
    let sig = &iface.functions["shift_points"];
    let point = match &sig.arguments[0].ty {
        marine_runtime::IType::Array(elem) => elem.clone(),
        other => panic!("{other}"),
    };
    assert_eq!(point.to_string(), "Point");
    let p = |x: i32, y: i32, t: &str| {
        IValue::Record(vec![
            IValue::S32(x),
            IValue::S32(y),
            IValue::String(t.into()),
        ])
    };
    let out = m
        .call_with_ivalues(
            "arrays",
            "shift_points",
            &[
                IValue::Array(vec![p(1, 2, "a"), p(-5, 0, "")]),
                IValue::S32(10),
            ],
        )
        .unwrap();
    assert_eq!(out.len(), 1);
    let big = m
        .call_with_ivalues(
            "arrays",
            "make_bytes",
            &[IValue::U32(1 << 20), IValue::U8(7)],
        )
        .unwrap();
    assert_eq!(big, vec![IValue::ByteArray(vec![7; 1 << 20])]);
    let nested = IValue::Array(vec![IValue::Array(vec![
        IValue::ByteArray(vec![1, 2]),
        IValue::ByteArray(vec![]),
        IValue::ByteArray(vec![3]),
    ])]);
    assert_eq!(
        m.call_with_ivalues("arrays", "flatten3", &[nested])
            .unwrap(),
        vec![IValue::ByteArray(vec![1, 2, 3])]
    );
    for f in m.module_interface("records").unwrap().functions.values() {
        eprintln!("{f}");
    }
}

#[test]
fn misbehaving_traps_then_works() {
    let Some(wasm) = example("misbehaving") else {
        return;
    };
    let mut m = Marine::new();
    m.load_module("bad", wasm).unwrap();
    let e = m
        .call_with_ivalues("bad", "panics", &[IValue::String("boom".into())])
        .unwrap_err();
    assert!(matches!(e, MarineError::Trap { .. }), "{e}");
    let e = m
        .call_with_ivalues("bad", "unreachable_trap", &[])
        .unwrap_err();
    assert!(matches!(e, MarineError::Trap { .. }), "{e}");
    assert_eq!(m.call_with_ivalues("bad", "ok", &[]).unwrap().len(), 1);
}
