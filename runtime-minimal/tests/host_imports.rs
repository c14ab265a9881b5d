//! Embedder host functions (`HostImport`): lifting and lowering, context, calls back into the service.

mod common;

use std::sync::Arc;

use common::*;
use marine_runtime::{HostContext, HostImport, IType, IValue, MModuleConfig, Marine, MarineError};

/// A counter kept in the service for host functions.
struct Calls(u32);

/// The config of [`host_guest`]: its three host imports.
fn host_guest_config(split: HostImport, add: HostImport, params: HostImport) -> MModuleConfig {
    let ns = "__marine_host_api_v3";
    MModuleConfig {
        host_imports: vec![
            (ns.into(), "split".into(), split),
            (ns.into(), "add".into(), add),
            (ns.into(), "params".into(), params),
        ],
        ..Default::default()
    }
}

/// A guest importing three host functions, `split(string, []u8) -> []string`,
/// `add(u64, u32) -> u64` and `params() -> Inner`, each called by an export `call_<name>`.
fn host_guest() -> Vec<u8> {
    let imports = r#"
      (import "__marine_host_api_v3" "split" (func $split (param i32 i32 i32 i32)))
      (import "__marine_host_api_v3" "add" (func $add (param i64 i32) (result i64)))
      (import "__marine_host_api_v3" "params" (func $params))
    "#;
    let funcs = r#"
      (func $call_split (param i32 i32 i32 i32)
        (call $split (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func $call_add (param i64 i32) (result i64) (call $add (local.get 0) (local.get 1)))
      (func $call_params (call $params))
    "#;
    let extra = vec![
        (
            "call_split".to_string(),
            "$call_split",
            signature(
                "call_split",
                &[("s", string()), ("sep", vec_of(U8(V)))],
                &[vec_of(string())],
            ),
        ),
        (
            "call_add".to_string(),
            "$call_add",
            signature("call_add", &[("a", U64(V)), ("b", U32(V))], &[U64(V)]),
        ),
        export0("call_params", "$call_params", &[record("Inner")]),
    ];
    guest_wasm_with(imports, funcs, extra, &[])
}

/// A module's store cannot be taken while the module runs a call (here from one of its own
/// host functions); afterwards it can, and the module's memory is readable through it.
#[test]
fn a_running_module_store_is_busy() {
    type Handle = Arc<std::sync::Mutex<std::sync::Weak<marine_runtime::MModule>>>;
    let handle: Handle = Arc::default();
    let seen = handle.clone();
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        move |_, _| {
            let module = seen.lock().unwrap().upgrade().ok_or("module gone")?;
            match module.with_store(|_| ()) {
                Err(MarineError::ModuleBusy { module }) => {
                    Ok(Some(IValue::U64(module.len() as u64)))
                }
                other => Err(format!("expected ModuleBusy, got {other:?}")),
            }
        },
    );
    // Not called here: only their types matter (for linking).
    let unused = |args, output| HostImport::new(args, Some(output), |_, _| Ok(None));
    let split = unused(
        vec![IType::String, IType::ByteArray],
        IType::Array(Box::new(IType::String)),
    );
    let params = unused(vec![], IType::Record(guest_inner_type()));
    let config = host_guest_config(split, add, params);
    let mut m = Marine::new();
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    let module = m.module("h").unwrap().clone();
    *handle.lock().unwrap() = Arc::downgrade(&module);
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(1), IValue::U32(2)])
            .unwrap(),
        vec![IValue::U64(1)],
        "the host function saw ModuleBusy for `h`"
    );
    let size = module
        .with_store(|store| module.abi().memory_view(&*store).len())
        .unwrap();
    assert_eq!(size, module.memory_size());
    assert!(size > 0);
}

#[test]
fn host_imports_lift_and_lower() {
    let split = HostImport::new(
        vec![IType::String, IType::ByteArray],
        Some(IType::Array(Box::new(IType::String))),
        |ctx, args| {
            ctx.with_extension(|calls: &mut Calls| calls.0 += 1)
                .unwrap();
            let (IValue::String(s), IValue::ByteArray(sep)) = (&args[0], &args[1]) else {
                return Err("bad args".into());
            };
            if sep.is_empty() {
                return Err(format!("empty separator from {}", ctx.module));
            }
            let sep = std::str::from_utf8(sep).unwrap();
            Ok(Some(IValue::Array(
                s.split(sep).map(|p| IValue::String(p.into())).collect(),
            )))
        },
    );
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        |_, args| match (&args[0], &args[1]) {
            (IValue::U64(a), IValue::U32(b)) => Ok(Some(IValue::U64(a.wrapping_add(*b as u64)))),
            _ => Err("bad args".into()),
        },
    );
    let inner_rec = guest_inner_type();
    let params = HostImport::new(vec![], Some(IType::Record(inner_rec)), |ctx, _| {
        let n = ctx.with_extension(|calls: &mut Calls| calls.0).unwrap_or(0);
        Ok(Some(inner(&format!("calls={n}"), &[1, 2])))
    });
    let config = host_guest_config(split, add, params);
    let mut m = Marine::new();
    m.set_extension(Calls(0));
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    let s = |x: &str| IValue::String(x.into());
    let out = m
        .call_with_ivalues(
            "h",
            "call_split",
            &[s("a,b,,ü"), IValue::ByteArray(b",".to_vec())],
        )
        .unwrap();
    assert_eq!(
        out,
        vec![IValue::Array(vec![s("a"), s("b"), s(""), s("ü")])]
    );
    assert_eq!(
        m.call_with_ivalues(
            "h",
            "call_add",
            &[IValue::U64(u64::MAX - 1), IValue::U32(1)]
        )
        .unwrap(),
        vec![IValue::U64(u64::MAX)]
    );
    assert_eq!(
        m.call_with_ivalues("h", "call_params", &[]).unwrap(),
        vec![inner("calls=1", &[1, 2])]
    );
    let e = m
        .call_with_ivalues("h", "call_split", &[s("x"), IValue::ByteArray(vec![])])
        .unwrap_err();
    match &e {
        MarineError::Import { source, .. } => {
            assert!(
                matches!(&*source.source, MarineError::HostFunction { message, .. } if message.contains("empty separator from h")),
                "{e}"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(1), IValue::U32(1)])
            .unwrap(),
        vec![IValue::U64(2)]
    );
}

#[test]
fn host_functions_call_back_into_the_service() {
    // `split` calls back into the calling module (re-entrancy), `add` into another module,
    // `params` into a module that does not exist.
    let split = HostImport::new(
        vec![IType::String, IType::ByteArray],
        Some(IType::Array(Box::new(IType::String))),
        |ctx, _| {
            let module = ctx.module.to_string();
            ctx.call_module(&module, "id_i32", &[IValue::S32(1)])
                .map(|_| None)
                .map_err(|e| e.to_string())
        },
    );
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        |ctx, args| {
            let mut out = ctx
                .call_module("g", "id_u64", &args[..1])
                .map_err(|e| e.to_string())?;
            Ok(out.pop())
        },
    );
    let params = HostImport::new(
        vec![],
        Some(IType::Record(guest_inner_type())),
        |ctx, _| match ctx.call_module("nope", "f", &[]) {
            Err(MarineError::NoSuchModule(name)) => Err(format!("no module {name}")),
            other => Err(format!("unexpected {other:?}")),
        },
    );
    let config = host_guest_config(split, add, params);
    let mut m = marine();
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(42), IValue::U32(0)])
            .unwrap(),
        vec![IValue::U64(42)]
    );
    let e = m
        .call_with_ivalues(
            "h",
            "call_split",
            &[IValue::String("a".into()), IValue::ByteArray(vec![b','])],
        )
        .unwrap_err();
    match &e {
        MarineError::Reentrancy {
            module,
            function,
            stack,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("h", "id_i32"));
            assert_eq!(stack, &["h.call_split".to_string(), "h.id_i32".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let e = m.call_with_ivalues("h", "call_params", &[]).unwrap_err();
    assert!(e.to_string().contains("no module nope"), "{e}");
    // The stack unwound: the module serves the next call.
    assert_eq!(
        m.call_with_ivalues("h", "id_i32", &[IValue::S32(7)])
            .unwrap(),
        vec![IValue::S32(7)]
    );
}

/// Typed host functions (`HostImport::wrap`) serve a real guest next to a dynamic one: the
/// interface types come from the closures' Rust types, arguments are lifted from the guest
/// and results lowered back, and an `Err` is the host-function error naming the module.
#[test]
fn typed_host_functions_serve_a_guest() {
    let split = HostImport::wrap(
        |ctx: &mut HostContext<'_, '_>, s: String, sep: Vec<u8>| -> Result<Vec<String>, String> {
            ctx.with_extension(|calls: &mut Calls| calls.0 += 1);
            let sep = String::from_utf8(sep).map_err(|e| e.to_string())?;
            if sep.is_empty() {
                return Err(format!("empty separator from {}", ctx.module));
            }
            Ok(s.split(sep.as_str()).map(str::to_string).collect())
        },
    );
    assert_eq!(split.arguments, [IType::String, IType::ByteArray]);
    assert_eq!(split.output, Some(IType::Array(Box::new(IType::String))));
    let add = HostImport::wrap(|a: u64, b: u32| -> Result<u64, std::num::TryFromIntError> {
        // Refuses sums past i64::MAX, to see a typed error's message.
        let sum = a.wrapping_add(u64::from(b));
        i64::try_from(sum)?;
        Ok(sum)
    });
    let params = HostImport::new(vec![], Some(IType::Record(guest_inner_type())), |ctx, _| {
        let n = ctx.with_extension(|calls: &mut Calls| calls.0).unwrap_or(0);
        Ok(Some(inner(&format!("calls={n}"), &[1, 2])))
    });
    let mut m = Marine::new();
    m.set_extension(Calls(0));
    m.load_module_with_config("h", host_guest(), host_guest_config(split, add, params))
        .unwrap();
    let s = |x: &str| IValue::String(x.into());
    assert_eq!(
        m.call_with_ivalues(
            "h",
            "call_split",
            &[s("a,b,,ü"), IValue::ByteArray(b",".to_vec())]
        )
        .unwrap(),
        vec![IValue::Array(vec![s("a"), s("b"), s(""), s("ü")])]
    );
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(40), IValue::U32(2)])
            .unwrap(),
        vec![IValue::U64(42)]
    );
    assert_eq!(
        m.call_with_ivalues("h", "call_params", &[]).unwrap(),
        vec![inner("calls=1", &[1, 2])]
    );
    let host_error = |e: &MarineError| match e {
        MarineError::Import { module, source, .. } => {
            assert_eq!((module.as_str(), source.caller.as_str()), ("h", "h"));
            match &*source.source {
                MarineError::HostFunction {
                    module,
                    function,
                    message,
                } => (module.clone(), function.clone(), message.clone()),
                other => panic!("{other}"),
            }
        }
        other => panic!("{other}"),
    };
    let e = m
        .call_with_ivalues("h", "call_split", &[s("x"), IValue::ByteArray(vec![])])
        .unwrap_err();
    assert_eq!(
        host_error(&e),
        ("h".into(), "split".into(), "empty separator from h".into())
    );
    let e = m
        .call_with_ivalues("h", "call_add", &[IValue::U64(u64::MAX), IValue::U32(0)])
        .unwrap_err();
    let overflow = i64::try_from(u64::MAX).unwrap_err().to_string();
    assert_eq!(host_error(&e), ("h".into(), "add".into(), overflow));
    // The module keeps serving.
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(1), IValue::U32(1)])
            .unwrap(),
        vec![IValue::U64(2)]
    );
}
