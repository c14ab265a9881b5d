//! Smoke test against SDK-built example modules. The examples are built here (once per test
//! process, `cargo build --locked --release --target wasm32-wasip1` of `examples/` into
//! `target/wasm-examples`): a missing or failing build fails the tests, it never skips them.
//! The full end-to-end suite lives in the workspace `tests/` crate.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use marine_runtime::{IValue, Marine, MarineError};

/// Builds `examples/` for wasm32-wasip1 once per process and returns the folder with the
/// `.wasm` files. Panics with cargo's output when the build fails.
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let target_dir = root.join("target/wasm-examples");
        marine_guest_build::build_wasm_workspace(&root.join("examples/Cargo.toml"), &target_dir)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The bytes of one example module; panics if the build did not produce it.
fn example(name: &str) -> Vec<u8> {
    let path = examples_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn greeting() {
    let wasm = example("greeting");
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
    let wasm = example("scalars");
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
    let rec = example("records");
    let arr = example("arrays");
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
    assert_eq!(out, vec![IValue::Array(vec![p(11, 2, "a"), p(5, 0, "")])]);
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
    let records = m.module_interface("records").unwrap();
    assert_eq!(
        records.functions["test_record_ref"].to_string(),
        "func test_record_ref(test_record: TestRecord1) -> TestRecord0"
    );
    assert_eq!(
        records.functions["wrap"].to_string(),
        "func wrap(inner: AllTypes, label: string) -> Wrapper"
    );
}

#[test]
fn misbehaving_traps_then_works() {
    let wasm = example("misbehaving");
    let mut m = Marine::new();
    m.load_module("bad", wasm).unwrap();
    let e = m
        .call_with_ivalues("bad", "panics", &[IValue::String("boom".into())])
        .unwrap_err();
    match &e {
        MarineError::Trap {
            module,
            function,
            panic_message: Some(panic),
            ..
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("bad", "panics"));
            assert!(panic.ends_with("guest panicked: boom"), "{panic:?}");
        }
        other => panic!("expected a trap with the panic message, got {other:?}"),
    }
    let e = m
        .call_with_ivalues("bad", "unreachable_trap", &[])
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::Trap { function, panic_message: None, .. } if function == "unreachable_trap"),
        "{e:?}"
    );
    assert_eq!(
        m.call_with_ivalues("bad", "ok", &[]).unwrap(),
        vec![IValue::String("still fine".into())]
    );
}
