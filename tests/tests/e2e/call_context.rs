//! Per-call behaviour of the runtime with real guests: call parameters (also in nested calls),
//! timeouts, re-entrancy, panic messages in traps, captured output, the disabled logger,
//! memory-limit errors and strings / byte arrays across modules.
use std::time::Duration;

use marine_runtime::{
    CallOptions, CallParameters, HostImport, IType, IValue, MModuleConfig, Marine, MarineError,
    MemoryLimitScope, ParticleParameters, SecurityTetraplet,
};

use crate::{call1, load, log_capture, s};

/// The embedder's `host_callback` for `call_params_caller`: `reenter:<x>` calls back into the
/// calling module, `spin` runs `misbehaving.spin`, anything else goes to `call_params.shout`.
fn host_callback() -> HostImport {
    HostImport::new(vec![IType::String], Some(IType::String), |ctx, args| {
        let Some(IValue::String(arg)) = args.first() else {
            return Err("expected one string".into());
        };
        let (module, function, arg) = if let Some(x) = arg.strip_prefix("reenter:") {
            (ctx.module.to_string(), "echo", x.to_string())
        } else if arg == "spin" {
            ("misbehaving".to_string(), "spin", String::new())
        } else {
            ("call_params".to_string(), "shout", arg.clone())
        };
        let args = if function == "spin" {
            vec![]
        } else {
            vec![IValue::String(arg)]
        };
        let mut out = ctx
            .call_module(&module, function, &args)
            .map_err(|e| e.to_string())?;
        // The callback sees the call parameters of the top-level call.
        let marker = ctx.call_parameters().service_id.clone();
        match out.pop() {
            Some(IValue::String(r)) => Ok(Some(IValue::String(format!("{r}@{marker}")))),
            other => Err(format!("unexpected {other:?}")),
        }
    })
}

/// `call_params` and `call_params_caller` (with `host_callback`) in one service.
fn pair() -> Marine {
    let mut m = Marine::new();
    m.load_module("call_params", marine_e2e::example_wasm("call_params"))
        .unwrap();
    let config = MModuleConfig::default()
        .with_host_import_in_all_namespaces("host_callback", host_callback());
    m.load_module_with_config(
        "call_params_caller",
        marine_e2e::example_wasm("call_params_caller"),
        config,
    )
    .unwrap();
    m
}

fn sample() -> CallParameters {
    CallParameters {
        particle: ParticleParameters {
            id: "particle-7".into(),
            init_peer_id: "12D3KooInit".into(),
            timestamp: 1_700_000_000_999,
            ttl: 30_000,
            script: "(seq (null) (null))".into(),
            signature: vec![0, 1, 254, 255],
            token: "t".into(),
        },
        service_id: "svc-1".into(),
        service_creator_peer_id: "creator".into(),
        host_id: "host".into(),
        worker_id: "worker-9".into(),
        tetraplets: vec![
            vec![SecurityTetraplet {
                peer_pk: "peer".into(),
                service_id: "svc".into(),
                function_name: "f".into(),
                lens: ".$.[0]".into(),
            }],
            vec![],
        ],
    }
}

fn expected_info(cp: &CallParameters) -> IValue {
    let tetraplets = cp
        .tetraplets
        .iter()
        .map(|per_arg| {
            IValue::Array(
                per_arg
                    .iter()
                    .map(|t| {
                        s(&format!(
                            "{}/{}/{}/{}",
                            t.peer_pk, t.service_id, t.function_name, t.lens
                        ))
                    })
                    .collect(),
            )
        })
        .collect();
    IValue::Record(vec![
        s(&cp.particle.id),
        s(&cp.particle.init_peer_id),
        IValue::U64(cp.particle.timestamp),
        IValue::U32(cp.particle.ttl),
        IValue::ByteArray(cp.particle.signature.clone()),
        s(&cp.service_id),
        s(&cp.host_id),
        s(&cp.worker_id),
        IValue::Array(tetraplets),
    ])
}

#[test]
fn call_parameters_are_seen_directly_and_in_nested_calls() {
    let mut m = pair();
    let cp = sample();
    let options = CallOptions::with_call_parameters(cp.clone());
    let direct = m
        .call_with_options("call_params", "call_info", &[], &options)
        .unwrap();
    assert_eq!(direct, vec![expected_info(&cp)]);
    let nested = m
        .call_with_options("call_params_caller", "nested_call_info", &[], &options)
        .unwrap();
    assert_eq!(nested, vec![expected_info(&cp)]);
    // The next call without parameters sees the defaults, not the previous call's.
    let plain = call1(&mut m, "call_params_caller", "nested_call_info", vec![]);
    assert_eq!(plain, expected_info(&CallParameters::default()));
}

/// A call's context is lent to the stores it enters only while it runs: afterwards no store
/// holds the call's parameters or deadline, so code run in a store between calls (through
/// `MModule::with_store`) sees the defaults, never the last call's.
#[test]
fn a_store_between_calls_holds_no_call_context() {
    let mut m = pair();
    let options = CallOptions::with_call_parameters(sample()).timeout(Duration::from_secs(30));
    m.call_with_options("call_params_caller", "nested_call_info", &[], &options)
        .unwrap();
    for module in ["call_params", "call_params_caller"] {
        let (cp, deadline) = m
            .module(module)
            .unwrap()
            .with_store(|store| {
                let data = store.data();
                (data.call_parameters().clone(), data.call_deadline())
            })
            .unwrap();
        assert_eq!(cp, CallParameters::default(), "{module}");
        assert_eq!(deadline, None, "{module}");
    }
}

/// A → B → C: `call_chain` calls `call_params_caller`, which calls `call_params`. Each module
/// is in its own store, so every call below goes through two adapters and three stores.
#[test]
fn three_module_chain_carries_values_and_call_parameters() {
    let mut m = pair();
    m.load_module("call_chain", marine_e2e::example_wasm("call_chain"))
        .unwrap();
    let cp = sample();
    let options = CallOptions::with_call_parameters(cp.clone());
    let deep = m
        .call_with_options("call_chain", "deep_call_info", &[], &options)
        .unwrap();
    assert_eq!(deep, vec![expected_info(&cp)]);
    assert_eq!(
        call1(&mut m, "call_chain", "deep_shout", vec![s("привет, chain")]),
        s("<[ПРИВЕТ, CHAIN]>")
    );
    let bytes: Vec<u8> = (0..=255).cycle().take(70_000).collect();
    assert_eq!(
        call1(
            &mut m,
            "call_chain",
            "deep_round_trip",
            vec![IValue::ByteArray(bytes.clone())]
        ),
        IValue::ByteArray(bytes)
    );
    // The middle module is still callable on its own, and the chain again after it.
    assert_eq!(
        call1(&mut m, "call_params_caller", "relay_shout", vec![s("x")]),
        s("[X]")
    );
    assert_eq!(
        call1(&mut m, "call_chain", "deep_shout", vec![s("y")]),
        s("<[Y]>")
    );
}

#[test]
fn strings_and_byte_arrays_cross_modules() {
    let mut m = pair();
    let caller = "call_params_caller";
    assert_eq!(
        call1(&mut m, caller, "relay_shout", vec![s("grüße")]),
        s("[GRÜSSE]")
    );
    assert_eq!(call1(&mut m, caller, "relay_shout", vec![s("")]), s("[]"));
    assert_eq!(
        call1(
            &mut m,
            caller,
            "relay_reverse",
            vec![IValue::ByteArray(vec![1, 2, 3])]
        ),
        IValue::ByteArray(vec![3, 2, 1, 3])
    );
    assert_eq!(
        call1(
            &mut m,
            caller,
            "relay_reverse",
            vec![IValue::ByteArray(vec![])]
        ),
        IValue::ByteArray(vec![0])
    );
    // Larger than a wasm page, so both memories grow during the copies.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut expected: Vec<u8> = big.iter().rev().copied().collect();
    expected.push(big.len() as u8);
    assert_eq!(
        call1(
            &mut m,
            caller,
            "relay_reverse",
            vec![IValue::ByteArray(big.clone())]
        ),
        IValue::ByteArray(expected)
    );
    assert_eq!(
        call1(
            &mut m,
            caller,
            "relay_describe",
            vec![s("label"), IValue::ByteArray(big)]
        ),
        s("label:200000:200000")
    );
}

#[test]
fn host_callback_into_another_module_works_and_into_the_caller_is_reentrancy() {
    let mut m = pair();
    let options = CallOptions::with_call_parameters(sample());
    let out = m
        .call_with_options("call_params_caller", "via_host", &[s("abc")], &options)
        .unwrap();
    assert_eq!(out, vec![s("ABC@svc-1")]);

    let err = m
        .call_with_ivalues("call_params_caller", "via_host", &[s("reenter:x")])
        .unwrap_err();
    match &err {
        MarineError::Reentrancy {
            module,
            function,
            stack,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("call_params_caller", "echo")
            );
            assert_eq!(
                stack,
                &vec![
                    "call_params_caller.via_host".to_string(),
                    "call_params_caller.echo".to_string()
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("re-entrant call refused")
            && err
                .to_string()
                .contains("call_params_caller.via_host -> call_params_caller.echo"),
        "{err}"
    );
    // The service goes on.
    assert_eq!(
        call1(&mut m, "call_params_caller", "echo", vec![s("still")]),
        s("still")
    );
}

#[test]
fn infinite_loop_is_stopped_by_the_timeout_and_the_service_goes_on() {
    let mut m = load("misbehaving");
    let options = CallOptions::default().timeout(Duration::from_millis(50));
    let err = m
        .call_with_options("misbehaving", "spin", &[], &options)
        .unwrap_err();
    match &err {
        MarineError::Timeout {
            module,
            function,
            timeout,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("misbehaving", "spin")
            );
            assert_eq!(*timeout, Duration::from_millis(50));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("module `misbehaving`, function `spin`: interrupted after exceeding the call timeout of 50ms"),
        "{err}"
    );
    assert_eq!(call1(&mut m, "misbehaving", "ok", vec![]), s("still fine"));

    // The default timeout applies to calls without their own.
    m.set_default_call_timeout(Some(Duration::from_millis(30)));
    let err = m.call_with_ivalues("misbehaving", "spin", &[]).unwrap_err();
    assert!(matches!(err, MarineError::Timeout { .. }), "{err:?}");
    assert_eq!(call1(&mut m, "misbehaving", "ok", vec![]), s("still fine"));
}

#[test]
fn timeout_names_the_module_that_was_running() {
    let mut m = pair();
    m.load_module("misbehaving", marine_e2e::example_wasm("misbehaving"))
        .unwrap();
    let options = CallOptions::default().timeout(Duration::from_millis(50));
    let err = m
        .call_with_options("call_params_caller", "via_host", &[s("spin")], &options)
        .unwrap_err();
    assert!(
        matches!(&err, MarineError::Timeout { module, function, .. } if module == "misbehaving" && function == "spin"),
        "{err:?}"
    );
    assert_eq!(
        call1(&mut m, "call_params_caller", "relay_shout", vec![s("x")]),
        s("[X]")
    );
}

#[test]
fn guest_panic_message_is_in_the_trap() {
    let config = MModuleConfig {
        inherit_stdio: false,
        ..Default::default()
    };
    let mut m = Marine::new();
    m.load_module_with_config(
        "misbehaving",
        marine_e2e::example_wasm("misbehaving"),
        config,
    )
    .unwrap();
    let err = m
        .call_with_ivalues("misbehaving", "panics", &[s("boom")])
        .unwrap_err();
    match &err {
        MarineError::Trap {
            module,
            function,
            panic_message,
            source,
            ..
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("misbehaving", "panics")
            );
            // wasmtime's error is kept whole: a Rust panic ends in `unreachable`, and the
            // wasm backtrace can be downcast from it.
            assert_eq!(
                source.trap_code(),
                Some(wasmtime::Trap::UnreachableCodeReached)
            );
            assert!(source
                .get()
                .downcast_ref::<wasmtime::WasmBacktrace>()
                .is_some());
            let panic = panic_message.as_deref().expect("a panic message");
            assert!(panic.starts_with("panicked at "), "{panic}");
            assert!(panic.contains("src/main.rs"), "{panic}");
            assert!(panic.ends_with("guest panicked: boom"), "{panic}");
            // The wasm backtrace is kept.
            let message = source.to_string();
            assert!(message.contains("wasm backtrace"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("guest panicked: boom"), "{err}");
    assert_eq!(
        err.trap_code(),
        Some(wasmtime::Trap::UnreachableCodeReached)
    );
    // ... and reached through `Error::source` as a [`WasmtimeError`].
    let source = std::error::Error::source(&err).expect("a source");
    let wasmtime_error = source
        .downcast_ref::<marine_runtime::WasmtimeError>()
        .expect("the source is wasmtime's error");
    assert_eq!(
        wasmtime_error.trap_code(),
        Some(wasmtime::Trap::UnreachableCodeReached)
    );
    // A trap without a panic has no message, even after an earlier panic.
    let err = m
        .call_with_ivalues("misbehaving", "unreachable_trap", &[])
        .unwrap_err();
    assert!(
        matches!(
            &err,
            MarineError::Trap {
                panic_message: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn output_capture() {
    let config = MModuleConfig {
        inherit_stdio: false,
        capture_output: Some(64),
        ..Default::default()
    };
    let mut m = Marine::new();
    m.load_module_with_config(
        "misbehaving",
        marine_e2e::example_wasm("misbehaving"),
        config,
    )
    .unwrap();
    m.load_module("greeting", marine_e2e::example_wasm("greeting"))
        .unwrap();
    let write = |m: &mut Marine, out: &str, err: &str| {
        m.call_with_ivalues("misbehaving", "write_output", &[s(out), s(err)])
            .unwrap();
    };
    write(&mut m, "to stdout\n", "to stderr\n");
    write(&mut m, "more\n", "");
    let got = m.take_module_output("misbehaving").unwrap();
    assert_eq!(got.stdout, b"to stdout\nmore\n");
    assert_eq!(got.stderr, b"to stderr\n");
    assert_eq!((got.stdout_dropped, got.stderr_dropped), (0, 0));
    // Taken: empty now.
    let got = m.take_module_output("misbehaving").unwrap();
    assert!(got.stdout.is_empty() && got.stderr.is_empty(), "{got:?}");
    // Bounded: only the last 64 bytes are kept.
    let long: String = (0..100)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    write(&mut m, &long, "");
    let got = m.take_module_output("misbehaving").unwrap();
    assert_eq!(got.stdout, long.as_bytes()[36..]);
    assert_eq!(got.stdout_dropped, 36);

    let err = m.take_module_output("greeting").unwrap_err();
    assert!(
        matches!(&err, MarineError::OutputNotCaptured(name) if name == "greeting"),
        "{err:?}"
    );
    let err = m.take_module_output("nope").unwrap_err();
    assert!(matches!(err, MarineError::NoSuchModule(_)), "{err:?}");
}

#[test]
fn disabled_logger_links_and_does_nothing() {
    log_capture::watch("logging_on");
    log_capture::watch("logging_off");
    let mut m = Marine::new();
    m.load_module("logging_on", marine_e2e::example_wasm("logging"))
        .unwrap();
    let quiet = MModuleConfig {
        logger_enabled: false,
        ..Default::default()
    };
    m.load_module_with_config("logging_off", marine_e2e::example_wasm("logging"), quiet)
        .unwrap();
    for module in ["logging_on", "logging_off"] {
        assert_eq!(
            call1(&mut m, module, "log_info", vec![s("hello from the guest")]),
            IValue::U32(20)
        );
    }
    let on = log_capture::take("logging_on");
    assert!(
        on.iter()
            .any(|(_, msg)| msg.contains("hello from the guest")),
        "{on:?}"
    );
    assert_eq!(log_capture::take("logging_off"), vec![]);
}

#[test]
fn growth_refused_by_the_module_limit_is_a_memory_limit_error() {
    let config = MModuleConfig {
        mem_limit_bytes: Some(4 << 20),
        inherit_stdio: false,
        ..Default::default()
    };
    let mut m = Marine::new();
    m.load_module_with_config(
        "misbehaving",
        marine_e2e::example_wasm("misbehaving"),
        config,
    )
    .unwrap();
    assert_eq!(
        call1(&mut m, "misbehaving", "allocate_mib", vec![IValue::U32(1)]),
        IValue::U32(1)
    );
    let err = m
        .call_with_ivalues("misbehaving", "allocate_mib", &[IValue::U32(16)])
        .unwrap_err();
    match &err {
        MarineError::MemoryLimit {
            module,
            function,
            scope,
            limit,
            requested,
            source,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("misbehaving", "allocate_mib")
            );
            assert_eq!((*scope, *limit), (MemoryLimitScope::Module, 4 << 20));
            assert!(*requested > 4 << 20, "{requested}");
            assert!(matches!(**source, MarineError::Trap { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("refused by the module limit of 4194304 bytes"),
        "{err}"
    );
    // A refused growth the guest handles is not an error.
    assert_eq!(
        call1(
            &mut m,
            "misbehaving",
            "grow_memory",
            vec![IValue::U32(1000)]
        ),
        IValue::U32(u32::MAX)
    );
    assert_eq!(call1(&mut m, "misbehaving", "ok", vec![]), s("still fine"));
}

#[test]
fn growth_refused_by_the_total_limit_is_a_memory_limit_error() {
    let mut m = pair();
    let used = m.memory_stats().total_used;
    m.set_total_memory_limit(Some(used + (1 << 20)));
    let big = IValue::ByteArray(vec![7; 3 << 20]);
    let err = m
        .call_with_ivalues("call_params_caller", "relay_reverse", &[big])
        .unwrap_err();
    assert!(
        matches!(&err, MarineError::MemoryLimit { scope: MemoryLimitScope::Total, limit, .. } if *limit == used + (1 << 20)),
        "{err:?}"
    );
    m.set_total_memory_limit(None);
    assert_eq!(
        call1(&mut m, "call_params_caller", "relay_shout", vec![s("ok")]),
        s("[OK]")
    );
}
