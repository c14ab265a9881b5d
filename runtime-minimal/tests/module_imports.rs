//! Module-to-module imports: adapters, link-time signature checks, memory-to-memory strings.

mod common;

use common::*;
use marine_ast::{FnSignature, PassingStyle};
use marine_runtime::{IValue, Marine, MarineError};

/// What "relay" declares it imports from `g`: (`link_name`, signature).
fn relay_imports() -> Vec<(Option<&'static str>, FnSignature)> {
    vec![
        (
            None,
            signature(
                "echo_string",
                &[("s", Utf8String(PassingStyle::ByRef))],
                &[string()],
            ),
        ),
        (
            Some("id_u64"),
            signature("u64_of_g", &[("v", U64(V))], &[U64(V)]),
        ),
        (
            None,
            signature("echo_record", &[("r", record("All"))], &[record("All")]),
        ),
        (None, signature("trap", &[], &[])),
    ]
}

/// Module "relay" imports `g.echo_string`, `g.id_u64` (Rust name `u64_of_g`, `link_name`
/// `id_u64`: the import field and the callee's export are the link name), `g.echo_record` and
/// `g.trap`, and exports relays that just call them: the runtime sets the relay's own result
/// slots, so the relay's wasm body has nothing else to do.
fn relay_wasm(declared: Vec<(Option<&str>, FnSignature)>) -> Vec<u8> {
    let imports = r#"
      (import "g" "echo_string" (func $g_echo_string (param i32 i32)))
      (import "g" "id_u64" (func $g_id_u64 (param i64) (result i64)))
      (import "g" "echo_record" (func $g_echo_record (param i32)))
      (import "g" "trap" (func $g_trap))
    "#;
    let funcs = r#"
      (func $relay_string (param i32 i32) (call $g_echo_string (local.get 0) (local.get 1)))
      (func $relay_u64 (param i64) (result i64) (call $g_id_u64 (local.get 0)))
      (func $relay_record (param i32) (call $g_echo_record (local.get 0)))
      (func $relay_trap (call $g_trap))
      ;; passes the invalid UTF-8 bytes at 16 as a string
      (func $relay_bad_string (call $g_echo_string (i32.const 16) (i32.const 3)))
      ;; passes a string running past the end of memory
      (func $relay_oob_string (call $g_echo_string (i32.const -256) (i32.const 100)))
    "#;
    let rec = record("All");
    let extra = vec![
        export1("relay_string", "$relay_string", string(), string()),
        export1("relay_u64", "$relay_u64", U64(V), U64(V)),
        export1("relay_record", "$relay_record", rec.clone(), rec),
        export0("relay_trap", "$relay_trap", &[]),
        export0("relay_bad_string", "$relay_bad_string", &[]),
        export0("relay_oob_string", "$relay_oob_string", &[]),
    ];
    let section = extern_section("g", declared);
    guest_wasm_with(imports, funcs, extra, &[section])
}

#[test]
fn module_to_module_imports() {
    let mut m = marine();
    m.load_module("relay", relay_wasm(relay_imports())).unwrap();
    let mut relay = |f: &str, v: Vec<IValue>| m.call_with_ivalues("relay", f, &v);
    let s = IValue::String("через модуль".into());
    assert_eq!(relay("relay_string", vec![s.clone()]).unwrap(), vec![s]);
    assert_eq!(
        relay("relay_string", vec![IValue::String(String::new())]).unwrap(),
        vec![IValue::String(String::new())]
    );
    assert_eq!(
        relay("relay_u64", vec![IValue::U64(u64::MAX)]).unwrap(),
        vec![IValue::U64(u64::MAX)]
    );
    assert_eq!(
        relay("relay_record", vec![all_record(5)]).unwrap(),
        vec![all_record(5)]
    );
    // The callee's trap surfaces as a typed import error naming both sides.
    let e = relay("relay_trap", vec![]).unwrap_err();
    match &e {
        MarineError::Import {
            module,
            function,
            source,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("relay", "relay_trap")
            );
            assert_eq!(
                (source.caller.as_str(), source.namespace.as_str()),
                ("relay", "g")
            );
            assert!(matches!(*source.source, MarineError::Trap { .. }), "{e}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        relay("relay_u64", vec![IValue::U64(1)]).unwrap(),
        vec![IValue::U64(1)]
    );
    // Releases: the callee released after each complex output (string x2, record).
    assert_eq!(
        m.call_with_ivalues("g", "releases", &[]).unwrap(),
        vec![IValue::U32(3)]
    );
}

#[test]
fn module_import_link_errors() {
    // Dependency not loaded: unknown import.
    let mut m = Marine::new();
    let e = m
        .load_module("relay", relay_wasm(relay_imports()))
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::Link { .. }) && e.to_string().contains("g::"),
        "{e}"
    );
    // Declared signature differs from the export.
    m.load_module("g", guest_wasm()).unwrap();
    let mut wrong = relay_imports();
    wrong[1].1 = signature("u64_of_g", &[("v", I64(V))], &[I64(V)]);
    let e = m.load_module("relay", relay_wasm(wrong)).unwrap_err();
    match &e {
        MarineError::ImportSignatureMismatch {
            module,
            imported,
            function,
            diff,
        } => {
            assert_eq!(
                (module.as_str(), imported.as_str(), function.as_str()),
                ("relay", "g", "id_u64")
            );
            assert!(
                diff.ends_with(
                    "argument 0 `v`: declared `i64`, the export has `u64`; result: declared \
                     `i64`, the export has `u64`"
                ),
                "{e}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with("module `relay`: import `g.id_u64` does not match the export: "),
        "{e}"
    );
    // A function the callee does not have.
    let mut missing = relay_imports();
    missing[3].1.name = "nothere".to_string();
    let e = m.load_module("relay", relay_wasm(missing)).unwrap_err();
    assert!(e.to_string().contains("has no such function"), "{e}");
}

#[test]
fn strings_move_memory_to_memory_and_are_checked() {
    let mut m = marine();
    m.load_module("relay", relay_wasm(relay_imports())).unwrap();
    // Spans several copy chunks; the callee gets one allocation of the exact size.
    let text: String = (0..40_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let before = alloc_log(&m, 0).len() as u32;
    let out = m
        .call_with_ivalues("relay", "relay_string", &[IValue::String(text.clone())])
        .unwrap();
    assert_eq!(out, vec![IValue::String(text)]);
    assert_eq!(alloc_log(&m, before), vec![(40_000, 1)]);

    // The caller's bytes are checked before anything reaches the callee.
    let import_source = |e: &MarineError| match e {
        MarineError::Import { source, .. } => (*source.source).to_string(),
        other => panic!("{other}"),
    };
    let e = m
        .call_with_ivalues("relay", "relay_bad_string", &[])
        .unwrap_err();
    let inner = import_source(&e);
    assert!(
        inner.contains("module `relay`") && inner.contains("invalid UTF-8 at byte 0 of 3"),
        "{inner}"
    );
    let e = m
        .call_with_ivalues("relay", "relay_oob_string", &[])
        .unwrap_err();
    let inner = import_source(&e);
    assert!(inner.contains("out of bounds"), "{inner}");
    assert_eq!(alloc_log(&m, before + 1), vec![]);
}

/// Two services on one engine share the relay's pre-linked instance, yet each relay calls
/// the `g` of its own service.
#[test]
fn each_service_calls_its_own_modules() {
    let engine = marine_runtime::MarineEngine::new().unwrap();
    let service = || {
        let mut m = Marine::with_engine(engine.clone());
        m.load_module("g", guest_wasm()).unwrap();
        m.load_module("relay", relay_wasm(relay_imports())).unwrap();
        m
    };
    let (mut one, mut two) = (service(), service());
    let releases = |m: &mut Marine| m.call_with_ivalues("g", "releases", &[]).unwrap();
    let s = IValue::String("x".into());
    for _ in 0..3 {
        one.call_with_ivalues("relay", "relay_string", std::slice::from_ref(&s))
            .unwrap();
    }
    two.call_with_ivalues("relay", "relay_string", &[s])
        .unwrap();
    assert_eq!(releases(&mut one), vec![IValue::U32(3)]);
    assert_eq!(releases(&mut two), vec![IValue::U32(1)]);
    // The second service unloads its `g`: its relay keeps it alive and still calls it.
    two.unload_module("g").unwrap();
    assert_eq!(
        two.call_with_ivalues("relay", "relay_u64", &[IValue::U64(7)])
            .unwrap(),
        vec![IValue::U64(7)]
    );
}
