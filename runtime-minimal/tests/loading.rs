//! Loading modules: interface, start functions, caching, per-module WASI contexts, load errors.

mod common;

use std::sync::Arc;

use common::*;
use marine_runtime::{HostImport, IType, IValue, MModuleConfig, Marine, MarineEngine, MarineError};

const ENV_GUEST_IMPORT: &str = r#"(import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))"#;

fn env_guest() -> Vec<u8> {
    let funcs = r#"(func $env_count (result i32)
        (drop (call $env_sizes (i32.const 64) (i32.const 68)))
        (i32.load (i32.const 64)))"#;
    guest_wasm_with(
        ENV_GUEST_IMPORT,
        funcs,
        vec![export0("env_count", "$env_count", &[U32(V)])],
        &[],
    )
}

/// A minimal module (ABI exports only) whose `_start` never returns.
fn looping_start_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (func (export "allocate") (param i32 i32) (result i32) (i32.const 0))
          (func (export "release_objects"))
          (func (export "get_result_ptr") (result i32) (i32.const 0))
          (func (export "get_result_size") (result i32) (i32.const 0))
          (func (export "set_result_ptr") (param i32))
          (func (export "set_result_size") (param i32))
          (func (export "_start") (loop $l (br $l))))"#,
    )
    .unwrap()
}

#[test]
fn initialize_runs_and_interface_is_read() {
    let mut m = marine();
    assert_eq!(
        call(&mut m, "inited", vec![]).unwrap(),
        vec![IValue::Boolean(true)]
    );
    let iface = m.module_interface("g").unwrap();
    assert_eq!(iface.sdk_version.as_deref(), Some("0.14.0"));
    assert_eq!(
        iface.functions["echo_nested"].to_string(),
        "func echo_nested(v: [][][]u64) -> [][][]u64"
    );
    assert_eq!(
        iface.functions["echo_byte_arrays"].outputs[0],
        IType::Array(Box::new(IType::ByteArray))
    );
    assert_eq!(iface.records["All"].fields.len(), 16);
}

#[test]
fn logger_import_is_linked() {
    let mut m = marine();
    call(&mut m, "log_hello", vec![]).unwrap();
}

#[test]
fn modules_are_isolated_and_cached() {
    let engine = MarineEngine::new().unwrap();
    let mut m = Marine::with_engine(engine.clone());
    let wasm = guest_wasm();
    m.load_module("a", wasm.clone()).unwrap();
    m.load_module("b", wasm.clone()).unwrap();
    assert_eq!(engine.cached_modules(), 1);
    assert!(matches!(
        m.load_module("a", wasm.clone()),
        Err(MarineError::NonUniqueModuleName(_))
    ));
    m.call_with_ivalues("a", "echo_string", &[IValue::String("x".into())])
        .unwrap();
    let r = |m: &mut Marine, n| m.call_with_ivalues(n, "releases", &[]).unwrap();
    assert_eq!(r(&mut m, "a"), vec![IValue::U32(1)]);
    assert_eq!(r(&mut m, "b"), vec![IValue::U32(0)]);
    m.unload_module("a").unwrap();
    assert!(m.call_with_ivalues("a", "releases", &[]).is_err());
    m.load_module("a", wasm).unwrap();
    assert_eq!(r(&mut m, "a"), vec![IValue::U32(0)]);
    assert_eq!(m.module_names(), vec!["a".to_string(), "b".to_string()]);
}

#[test]
fn load_from_path_and_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.wasm");
    std::fs::write(&path, guest_wasm()).unwrap();
    let mut m = Marine::new();
    m.load_module("g", path.as_path()).unwrap();
    echo(&mut m, "echo_string", IValue::String("from file".into()));
    let e = m
        .load_module("h", dir.path().join("missing.wasm"))
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::Io { path, .. } if path.ends_with("missing.wasm")),
        "{e}"
    );
}

#[test]
fn load_errors() {
    let mut m = Marine::new();
    // Unknown import: link error naming it.
    let wasm =
        wat::parse_str(r#"(module (import "effector" "put" (func)) (memory (export "memory") 1))"#)
            .unwrap();
    let e = m.load_module("x", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Link { .. }) && e.to_string().contains("effector::put"),
        "{e}"
    );
    // Missing ABI export.
    let wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let e = m.load_module("y", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::MissingExport { export, .. } if export == "allocate"),
        "{e}"
    );
    // Metadata function not exported.
    let mut wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    append_sections(&mut wasm, &[function_section(signature("ghost", &[], &[]))]);
    let e = m.load_module("z", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Metadata { .. }) && e.to_string().contains("ghost"),
        "{e}"
    );
    // Not wasm at all.
    let e = m.load_module("w", b"garbage".to_vec()).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::Metadata { .. } | MarineError::Compile { .. }
        ),
        "{e}"
    );
    // A trapping start function: wasmtime's trap is the error's source.
    let wasm = guest_wasm_with("", r#"(func (export "_start") unreachable)"#, vec![], &[]);
    let e = m.load_module("v", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Instantiate { .. }) && e.to_string().contains("_start"),
        "{e}"
    );
    assert_eq!(e.trap_code(), Some(wasmtime::Trap::UnreachableCodeReached));
    // Failed loads leave no module behind; the names can be reused.
    assert!(m.module_names().is_empty());
    m.load_module("x", guest_wasm()).unwrap();
    let _ = Arc::strong_count(&m.module_interface("x").unwrap());
}

#[test]
fn proc_exit_zero_in_start_is_fine() {
    let imports = r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#;
    let ok = guest_wasm_with(
        imports,
        r#"(func (export "_start") (call $exit (i32.const 0)))"#,
        vec![],
        &[],
    );
    let mut m = Marine::new();
    m.load_module("ok", ok).unwrap();
    let bad = guest_wasm_with(
        imports,
        r#"(func (export "_start") (call $exit (i32.const 3)))"#,
        vec![],
        &[],
    );
    let e = m.load_module("bad", bad).unwrap_err();
    assert!(matches!(&e, MarineError::Instantiate { .. }), "{e}");
}

#[test]
fn per_module_wasi_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Marine::new();
    let a = MModuleConfig {
        envs: vec![("A".into(), "1".into())],
        ..Default::default()
    };
    let b = MModuleConfig {
        envs: vec![("B".into(), "1".into()), ("C".into(), "2".into())],
        mapped_dirs: vec![("data".into(), dir.path().to_path_buf())],
        ..Default::default()
    };
    m.load_module_with_config("a", env_guest(), a).unwrap();
    m.load_module_with_config("b", env_guest(), b).unwrap();
    m.load_module("c", env_guest()).unwrap();
    let count = |m: &mut Marine, n: &str| m.call_with_ivalues(n, "env_count", &[]).unwrap();
    assert_eq!(count(&mut m, "a"), vec![IValue::U32(1)]);
    // Two envs plus one for the mapped dir.
    assert_eq!(count(&mut m, "b"), vec![IValue::U32(3)]);
    assert_eq!(count(&mut m, "c"), vec![IValue::U32(0)]);
    // A missing host dir is a load error naming it.
    let bad = MModuleConfig {
        mapped_dirs: vec![("x".into(), dir.path().join("missing"))],
        ..Default::default()
    };
    let e = m
        .load_module_with_config("d", env_guest(), bad)
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn default_timeout_also_bounds_start() {
    let mut m = marine();
    m.set_default_call_timeout(Some(std::time::Duration::from_millis(20)));
    assert_eq!(
        m.default_call_timeout(),
        Some(std::time::Duration::from_millis(20))
    );
    let e = m.load_module("looper", looping_start_wasm()).unwrap_err();
    match &e {
        MarineError::Timeout {
            module,
            function,
            timeout,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("looper", "_start"));
            assert_eq!(*timeout, std::time::Duration::from_millis(20));
        }
        other => panic!("{other:?}"),
    }
    assert!(!m.has_module("looper"));
    // The rest of the service is unaffected.
    assert_next_call_works(&mut m);
}

/// A module is linked once per link shape: a second service loading it the same way reuses
/// the pre-linked instance, a host function in place of the logger is another shape, and each
/// service's module calls its own host functions.
#[test]
fn modules_are_linked_once_per_shape() {
    use std::sync::atomic::{AtomicU32, Ordering};

    let engine = MarineEngine::new().unwrap();
    let wasm = guest_wasm();
    let compiled = engine.compile("g", &wasm).unwrap();
    assert_eq!(compiled.linked_shapes(), 0);
    let service = |config: MModuleConfig| {
        let mut m = Marine::with_engine(engine.clone());
        m.load_module_with_config("g", wasm.clone(), config)
            .unwrap();
        m
    };
    let mut plain = service(MModuleConfig::default());
    let mut plain_too = service(MModuleConfig::default());
    assert_eq!(compiled.linked_shapes(), 1);

    let logged = Arc::new(AtomicU32::new(0));
    let counter = logged.clone();
    let logger = HostImport::wrap(
        move |_level: i32, _target: i32, _ptr: i32, len: i32| -> Result<(), String> {
            assert_eq!(len, 16, "the guest logs 16 bytes");
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    );
    let own_logger = MModuleConfig {
        host_imports: vec![(
            "__marine_host_api_v3".into(),
            "log_utf8_string".into(),
            logger,
        )],
        ..MModuleConfig::default()
    };
    let mut custom = service(own_logger.clone());
    assert_eq!(compiled.linked_shapes(), 2);
    let mut custom_too = service(own_logger);
    assert_eq!(compiled.linked_shapes(), 2);

    for m in [&mut custom, &mut custom_too] {
        call(m, "log_hello", vec![]).unwrap();
    }
    assert_eq!(logged.load(Ordering::Relaxed), 2);
    for m in [&mut plain, &mut plain_too] {
        call(m, "log_hello", vec![]).unwrap();
    }
    assert_eq!(
        logged.load(Ordering::Relaxed),
        2,
        "the shared logger served these"
    );
}

/// A trap in `_initialize` (a reactor's start-up) reaches the embedder as wasmtime's error:
/// the `Instantiate` error's source downcasts to `wasmtime::Trap`, its text names the function.
#[test]
fn an_initialize_trap_is_the_instantiate_errors_source() {
    // The test guest (no exported functions) with an `_initialize` that divides by zero.
    let text = GUEST
        .replace(
            r#"(func (export "_initialize") (global.set $inited (i32.const 1)))"#,
            r#"(func (export "_initialize") i32.const 1 i32.const 0 i32.div_u drop)"#,
        )
        .replace("IMPORTS", "")
        .replace("EXPORTS", "");
    assert!(
        text.contains("i32.div_u"),
        "the test guest's `_initialize` changed"
    );
    let wasm = wat::parse_str(text).unwrap();
    let e = Marine::new().load_module("init", wasm).unwrap_err();
    let MarineError::Instantiate {
        module,
        message,
        source: Some(source),
        ..
    } = &e
    else {
        panic!("expected an instantiation error with a source, got {e:?}");
    };
    assert_eq!(module, "init");
    assert_eq!(message, "`_initialize` failed");
    assert_eq!(
        source.get().downcast_ref::<wasmtime::Trap>(),
        Some(&wasmtime::Trap::IntegerDivisionByZero)
    );
    assert_eq!(e.trap_code(), Some(wasmtime::Trap::IntegerDivisionByZero));
    let chained = std::error::Error::source(&e).expect("a source");
    assert!(chained.to_string().contains("divide by zero"), "{chained}");
    assert!(
        e.to_string()
            .starts_with("module `init`: instantiation failed: `_initialize` failed: "),
        "{e}"
    );
}

/// A module that does not compile keeps wasmtime's error as the source; an unknown import is
/// our own finding, with no wasmtime error behind it.
#[test]
fn compile_and_link_errors_keep_their_sources() {
    let mut m = Marine::new();
    // Valid metadata, a function body that does not type-check: wasmtime's validator refuses
    // it, and its error is the source.
    let wasm = guest_wasm_with(
        "",
        r#"(func (export "bad") (result i32) i64.const 0)"#,
        vec![],
        &[],
    );
    match m.load_module("bad", wasm).unwrap_err() {
        MarineError::Compile {
            module,
            source: Some(source),
            ..
        } => {
            assert_eq!(module, "bad");
            assert!(source.to_string().contains("type mismatch"), "{source}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    let wasm =
        wat::parse_str(r#"(module (import "effector" "put" (func)) (memory (export "memory") 1))"#)
            .unwrap();
    match m.load_module("x", wasm).unwrap_err() {
        MarineError::Link {
            module,
            message,
            source: None,
            ..
        } => {
            assert_eq!(module, "x");
            assert!(message.contains("effector::put"), "{message}");
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}
