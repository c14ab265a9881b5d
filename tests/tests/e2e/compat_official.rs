//! Modules built with the OFFICIAL `marine-rs-sdk` 0.14.0 (`tests/compat`) run in our runtime:
//! every result, error and log line is checked. Each test also runs the same source built with
//! our SDK (`tests/compat-ours`), so both SDKs are held to the same observable behaviour.

use std::path::PathBuf;
use std::sync::Arc;

use marine_runtime::mounted_binary::{
    args_from_ivalues, result_record_type, run_mounted_binary, RunOptions, SPAWN_ERROR_CODE,
};
use marine_runtime::IValue::{self, *};
use marine_runtime::{HostImport, IType, MModuleConfig, Marine, MarineError};

use crate::{call1, log_capture, s};

/// Which SDK a guest was built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sdk {
    /// `marine-rs-sdk = "=0.14.0"` from crates.io.
    Official,
    /// Our `sdk/`.
    Ours,
}

/// Both builds, official first.
pub const BOTH: [Sdk; 2] = [Sdk::Official, Sdk::Ours];

impl Sdk {
    /// The module `name` of this build.
    pub fn wasm(self, name: &str) -> PathBuf {
        match self {
            Sdk::Official => marine_e2e::compat_wasm(name),
            Sdk::Ours => marine_e2e::compat_ours_wasm(name),
        }
    }
}

/// Module settings of these tests: the guests' panic messages stay off the test output.
pub fn quiet() -> MModuleConfig {
    MModuleConfig {
        inherit_stdio: false,
        ..MModuleConfig::default()
    }
}

/// A fresh runtime with module `name` of `sdk` loaded under `name`.
pub fn load(sdk: Sdk, name: &str) -> Marine {
    let mut marine = Marine::new();
    marine
        .load_module_with_config(name, sdk.wasm(name), quiet())
        .unwrap_or_else(|e| panic!("loading {sdk:?} {name}: {e}"));
    marine
}

#[test]
fn official_greeting() {
    for sdk in BOTH {
        let mut m = load(sdk, "greeting");
        assert_eq!(
            call1(&mut m, "greeting", "greeting", vec![s("user")]),
            s("Hi, user"),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "greeting", "greeting", vec![s("")]),
            s("Hi, "),
            "{sdk:?}"
        );
        let long = "ü".repeat(100_000);
        assert_eq!(
            call1(&mut m, "greeting", "greeting", vec![s(&long)]),
            s(&format!("Hi, {long}")),
            "{sdk:?}"
        );
        let err = m
            .call_with_ivalues("greeting", "greeting", &[S32(1)])
            .unwrap_err();
        assert!(
            matches!(err, MarineError::ArgumentType { ref argument, .. } if argument == "name"),
            "{sdk:?}: {err:?}"
        );
        let err = m
            .call_with_ivalues("greeting", "greeting", &[s("a"), s("b")])
            .unwrap_err();
        assert!(
            matches!(
                err,
                MarineError::ArgumentCount {
                    expected: 1,
                    given: 2,
                    ..
                }
            ),
            "{sdk:?}: {err:?}"
        );
        // The SDK's ABI exports are not callable as interface functions.
        for func in ["allocate", "release_objects", "missing"] {
            let err = m.call_with_ivalues("greeting", func, &[]).unwrap_err();
            assert!(
                matches!(err, MarineError::NoSuchFunction { ref function, .. } if function == func),
                "{sdk:?}: {err:?}"
            );
        }
        // The interface lists the one function with its types.
        let iface = m.module_interface("greeting").unwrap();
        let f = iface.function("greeting").unwrap();
        assert_eq!(
            f.to_string(),
            "func greeting(name: string) -> string",
            "{sdk:?}"
        );
    }
}

fn inner(id: u32, label: &str) -> IValue {
    Record(vec![U32(id), s(label)])
}

fn all_types(seed: u8) -> IValue {
    Record(vec![
        Boolean(seed.is_multiple_of(2)),
        S8(i8::MIN + seed as i8),
        S16(i16::MAX),
        S32(-123_456),
        S64(i64::MIN),
        U8(u8::MAX - seed),
        U16(u16::MAX),
        U32(u32::MAX),
        U64(u64::MAX),
        F32(3.25),
        F64(-1e300),
        s("ünïcödé ✓"),
        ByteArray((0..=255).collect()),
        inner(seed as u32, "nested"),
    ])
}

#[test]
fn official_records() {
    for sdk in BOTH {
        let mut m = load(sdk, "records");
        let r = all_types(4);
        assert_eq!(
            call1(&mut m, "records", "echo_all", vec![r.clone()]),
            r,
            "{sdk:?}"
        );
        let outer = Record(vec![
            all_types(1),
            Array(vec![inner(1, "a"), inner(2, ""), inner(u32::MAX, "ccc")]),
            s("outer"),
        ]);
        assert_eq!(
            call1(&mut m, "records", "echo_outer", vec![outer.clone()]),
            outer,
            "{sdk:?}"
        );
        let empty = Record(vec![all_types(0), Array(vec![]), s("")]);
        assert_eq!(
            call1(&mut m, "records", "echo_outer", vec![empty.clone()]),
            empty,
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "records", "echo_inner_ref", vec![inner(9, "ref")]),
            inner(9, "ref"),
            "{sdk:?}"
        );
        let made = call1(
            &mut m,
            "records",
            "make_all",
            vec![
                Boolean(true),
                S8(-8),
                S16(-16),
                S32(-32),
                S64(-64),
                U8(8),
                U16(16),
                U32(32),
                U64(64),
                F32(0.5),
                F64(0.25),
                s("text"),
                ByteArray(vec![1, 2, 3]),
            ],
        );
        assert_eq!(
            made,
            Record(vec![
                Boolean(true),
                S8(-8),
                S16(-16),
                S32(-32),
                S64(-64),
                U8(8),
                U16(16),
                U32(32),
                U64(64),
                F32(0.5),
                F64(0.25),
                s("text"),
                ByteArray(vec![1, 2, 3]),
                inner(3, "text"),
            ]),
            "{sdk:?}"
        );
        // The guest decodes and re-encodes every field.
        assert_eq!(
            call1(&mut m, "records", "bump", vec![all_types(2)]),
            Record(vec![
                Boolean(false),
                S8(i8::MIN + 3),
                S16(i16::MIN),
                S32(-123_455),
                S64(i64::MIN + 1),
                U8(254),
                U16(0),
                U32(0),
                U64(0),
                F32(-3.25),
                F64(1e300),
                s("✓ édöcïnü"),
                ByteArray((0..=255).rev().collect()),
                inner(3, "nested"),
            ]),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "records", "text_len", vec![s("ünï")]),
            U32(3),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "records", "i64_of", vec![all_types(0)]),
            S64(i64::MIN),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "records", "f64_of", vec![all_types(0)]),
            F64(-1e300),
            "{sdk:?}"
        );
        assert_eq!(
            m.call_with_ivalues("records", "nothing", &[S32(1)])
                .unwrap(),
            vec![],
            "{sdk:?}"
        );
        // A record with a field of the wrong type is refused before the guest runs.
        let mut bad = all_types(0);
        if let Record(fields) = &mut bad {
            fields[11] = U8(1);
        }
        let err = m
            .call_with_ivalues("records", "echo_all", &[bad])
            .unwrap_err();
        assert!(
            matches!(err, MarineError::ArgumentType { .. }),
            "{sdk:?}: {err:?}"
        );
    }
}

fn point(x: i32, y: i32, tag: &str) -> IValue {
    Record(vec![S32(x), S32(y), s(tag)])
}

#[test]
fn official_arrays() {
    let cases: Vec<(&str, IValue)> = vec![
        ("echo_u8s", ByteArray(vec![0, 1, 255])),
        ("echo_i8s", Array(vec![S8(i8::MIN), S8(0), S8(i8::MAX)])),
        ("echo_u16s", Array(vec![U16(0), U16(u16::MAX)])),
        ("echo_i16s", Array(vec![S16(i16::MIN), S16(-1)])),
        ("echo_u32s", Array(vec![U32(u32::MAX), U32(7)])),
        ("echo_i32s", Array(vec![S32(i32::MIN), S32(i32::MAX)])),
        ("echo_u64s", Array(vec![U64(u64::MAX), U64(0)])),
        ("echo_i64s", Array(vec![S64(i64::MIN), S64(i64::MAX)])),
        ("echo_f32s", Array(vec![F32(1.5), F32(-0.0), F32(f32::MAX)])),
        ("echo_f64s", Array(vec![F64(f64::MIN_POSITIVE), F64(-2.5)])),
        (
            "echo_bools",
            Array(vec![Boolean(true), Boolean(false), Boolean(true)]),
        ),
        ("echo_strings", Array(vec![s("a"), s(""), s("ünï")])),
        (
            "echo_bytes2",
            Array(vec![
                ByteArray(vec![1]),
                ByteArray(vec![]),
                ByteArray(vec![2, 3]),
            ]),
        ),
        (
            "echo_bytes3",
            Array(vec![
                Array(vec![ByteArray(vec![1, 2]), ByteArray(vec![])]),
                Array(vec![]),
                Array(vec![ByteArray(vec![255])]),
            ]),
        ),
        (
            "echo_strings2",
            Array(vec![Array(vec![s("x"), s("")]), Array(vec![])]),
        ),
        (
            "echo_points",
            Array(vec![point(1, -1, "a"), point(i32::MIN, i32::MAX, "")]),
        ),
        (
            "echo_points2",
            Array(vec![Array(vec![point(0, 0, "o")]), Array(vec![])]),
        ),
        (
            "echo_u64s3",
            Array(vec![
                Array(vec![Array(vec![U64(1), U64(u64::MAX)])]),
                Array(vec![]),
            ]),
        ),
    ];
    for sdk in BOTH {
        let mut m = load(sdk, "arrays");
        for (func, value) in &cases {
            assert_eq!(
                call1(&mut m, "arrays", func, vec![value.clone()]),
                *value,
                "{sdk:?} {func}"
            );
            // Every shape also round-trips empty.
            let empty = match value {
                ByteArray(_) => ByteArray(vec![]),
                _ => Array(vec![]),
            };
            assert_eq!(
                call1(&mut m, "arrays", func, vec![empty.clone()]),
                empty,
                "{sdk:?} {func} empty"
            );
        }
        assert_eq!(
            call1(
                &mut m,
                "arrays",
                "byte_sum",
                vec![ByteArray(vec![255; 1000])]
            ),
            U64(255_000),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "arrays",
                "reverse_strings",
                vec![Array(vec![s("a"), s("b"), s("c")])]
            ),
            Array(vec![s("c"), s("b"), s("a")]),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "arrays",
                "flatten3",
                vec![Array(vec![
                    Array(vec![ByteArray(vec![1, 2]), ByteArray(vec![3])]),
                    Array(vec![ByteArray(vec![4])]),
                ])]
            ),
            ByteArray(vec![1, 2, 3, 4]),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "arrays", "range", vec![U32(4)]),
            Array(vec![U32(0), U32(1), U32(2), U32(3)]),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "arrays", "split_words", vec![s(" a  bb\tc ")]),
            Array(vec![s("a"), s("bb"), s("c")]),
            "{sdk:?}"
        );
        let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            call1(&mut m, "arrays", "echo_u8s", vec![ByteArray(big.clone())]),
            ByteArray(big),
            "{sdk:?} 1 MiB"
        );
    }
}

#[test]
fn official_trap() {
    for sdk in BOTH {
        let mut m = load(sdk, "trap");
        let err = m
            .call_with_ivalues("trap", "panics", &[s("boom")])
            .unwrap_err();
        match &err {
            MarineError::Trap {
                module,
                function,
                panic_message,
                ..
            } => {
                assert_eq!((module.as_str(), function.as_str()), ("trap", "panics"));
                // The guest's panic message, as its panic hook printed it to stderr.
                let text = panic_message.as_deref().unwrap_or_default();
                assert!(
                    text.contains("guest panicked: boom") && text.contains("main.rs:"),
                    "{sdk:?}: {panic_message:?}"
                );
            }
            other => panic!("{sdk:?}: expected a trap, got {other:?}"),
        }
        assert!(err.to_string().contains("`trap`"), "{err}");
        // The module keeps serving after a trap.
        assert_eq!(
            call1(&mut m, "trap", "ok", vec![]),
            s("still fine"),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "trap", "divide", vec![S32(7), S32(2)]),
            S32(3),
            "{sdk:?}"
        );
        let err = m
            .call_with_ivalues("trap", "divide", &[S32(1), S32(0)])
            .unwrap_err();
        assert!(
            matches!(err, MarineError::Trap { ref function, ref panic_message, .. }
                if function == "divide"
                    && panic_message.as_deref().is_some_and(|m| m.contains("attempt to divide by zero"))),
            "{sdk:?}: {err:?}"
        );
        assert_eq!(
            call1(&mut m, "trap", "ok", vec![]),
            s("still fine"),
            "{sdk:?}"
        );
    }
}

/// Loads the logging module as `name` with these extra envs and logging mask.
fn load_logging(sdk: Sdk, name: &str, envs: &[(&str, &str)], mask: i32) -> Marine {
    log_capture::watch(name);
    let mut m = Marine::new();
    let config = MModuleConfig {
        envs: envs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        logging_mask: mask,
        ..MModuleConfig::default()
    };
    m.load_module_with_config(name, sdk.wasm("logging"), config)
        .unwrap_or_else(|e| panic!("loading {sdk:?} logging: {e}"));
    m
}

#[test]
fn official_logging_every_level() {
    use log::Level::*;
    for sdk in BOTH {
        // Default: the guest logger reads WASM_LOG (absent) and stays at info.
        let name = format!("compat_log_default_{sdk:?}");
        let mut m = load_logging(sdk, &name, &[], i32::MAX);
        assert_eq!(call1(&mut m, &name, "max_level", vec![]), s("INFO"));
        assert_eq!(
            m.call_with_ivalues(&name, "log_all", &[s("hi")]).unwrap(),
            vec![]
        );
        assert_eq!(
            log_capture::take(&name),
            vec![
                (Error, "error: hi".to_string()),
                (Warn, "warn: hi".to_string()),
                (Info, "info: hi".to_string()),
            ],
            "{sdk:?}"
        );

        let name = format!("compat_log_trace_{sdk:?}");
        let mut m = load_logging(sdk, &name, &[("WASM_LOG", "trace")], i32::MAX);
        assert_eq!(call1(&mut m, &name, "max_level", vec![]), s("TRACE"));
        m.call_with_ivalues(&name, "log_all", &[s("ünï")]).unwrap();
        assert_eq!(
            log_capture::take(&name),
            vec![
                (Error, "error: ünï".to_string()),
                (Warn, "warn: ünï".to_string()),
                (Info, "info: ünï".to_string()),
                (Debug, "debug: ünï".to_string()),
                (Trace, "trace: ünï".to_string()),
            ],
            "{sdk:?}"
        );

        let name = format!("compat_log_off_{sdk:?}");
        let mut m = load_logging(sdk, &name, &[("WASM_LOG", "off")], i32::MAX);
        m.call_with_ivalues(&name, "log_all", &[s("x")]).unwrap();
        assert_eq!(log_capture::take(&name), vec![], "{sdk:?}");
    }
}

#[test]
fn official_logging_targets_and_mask() {
    use log::Level::Info;
    for sdk in BOTH {
        let name = format!("compat_log_all_targets_{sdk:?}");
        let mut m = load_logging(sdk, &name, &[], i32::MAX);
        assert_eq!(call1(&mut m, &name, "log_targets", vec![s("t")]), U32(3));
        assert_eq!(
            log_capture::take(&name),
            vec![
                (Info, "audit: t".to_string()),
                (Info, "noisy: t".to_string()),
                (Info, "other: t".to_string()),
            ],
            "{sdk:?}"
        );
        // Mask 1 keeps the `audit` bit; `noisy` (bit 2) is dropped by the host, records with an
        // unmapped target (0) always pass.
        let name = format!("compat_log_audit_only_{sdk:?}");
        let mut m = load_logging(sdk, &name, &[], 1);
        call1(&mut m, &name, "log_targets", vec![s("t")]);
        assert_eq!(
            log_capture::take(&name),
            vec![
                (Info, "audit: t".to_string()),
                (Info, "other: t".to_string())
            ],
            "{sdk:?}"
        );
    }
}

/// The embedder's mounted binary `echo` (official §5.4 shape) backed by `path`.
fn mounted(path: &str) -> HostImport {
    let path = PathBuf::from(path);
    HostImport::new(
        vec![IType::Array(Box::new(IType::String))],
        Some(IType::Record(Arc::new(result_record_type()))),
        move |_ctx, args| {
            let result = match args_from_ivalues(args) {
                Ok(args) => run_mounted_binary(&path, args, &RunOptions::default()),
                Err(shape_error) => shape_error,
            };
            Ok(Some(result.into_ivalue()))
        },
    )
}

fn load_mounted(sdk: Sdk, binary: &str) -> Marine {
    let mut m = Marine::new();
    let config =
        MModuleConfig::default().with_host_import_in_all_namespaces("echo", mounted(binary));
    m.load_module_with_config("mounted", sdk.wasm("mounted"), config)
        .unwrap_or_else(|e| panic!("loading {sdk:?} mounted: {e}"));
    m
}

fn result(ret_code: i32, error: &str, stdout: &[u8], stderr: &[u8]) -> IValue {
    Record(vec![
        S32(ret_code),
        s(error),
        ByteArray(stdout.to_vec()),
        ByteArray(stderr.to_vec()),
    ])
}

#[test]
fn official_mounted_binary() {
    for sdk in BOTH {
        let mut m = load_mounted(sdk, "/bin/echo");
        let args = Array(vec![s("hello"), s("$HOME;"), s("a b")]);
        assert_eq!(
            call1(&mut m, "mounted", "run_echo", vec![args.clone()]),
            result(0, "", b"hello $HOME; a b\n", b""),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "mounted", "echo_text", vec![args]),
            s("hello $HOME; a b\n"),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "mounted", "run_echo", vec![Array(vec![])]),
            result(0, "", b"\n", b""),
            "{sdk:?}"
        );

        let mut m = load_mounted(sdk, "/bin/sh");
        let script = Array(vec![s("-c"), s("printf out; printf oops >&2; exit 3")]);
        assert_eq!(
            call1(&mut m, "mounted", "run_echo", vec![script.clone()]),
            result(3, "", b"out", b"oops"),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "mounted", "echo_text", vec![script]),
            s("error: error: , stderr: oops"),
            "{sdk:?}"
        );

        let mut m = load_mounted(sdk, "/nonexistent/compat-binary");
        let out = call1(&mut m, "mounted", "run_echo", vec![Array(vec![s("x")])]);
        let Record(fields) = &out else {
            panic!("{sdk:?}: not a record: {out:?}")
        };
        assert_eq!(fields[0], S32(SPAWN_ERROR_CODE), "{sdk:?}");
        assert_eq!(
            fields[1],
            s("No such file or directory (os error 2)"),
            "{sdk:?}"
        );
    }
}

#[test]
fn official_mounted_binary_without_host_import_fails_to_link() {
    let err = Marine::new()
        .load_module("mounted", Sdk::Official.wasm("mounted"))
        .unwrap_err();
    assert!(matches!(err, MarineError::Link { .. }), "{err:?}");
    assert!(err.to_string().contains("echo"), "{err}");
}

/// Both modules of the pair, each from the given build, `effector` first (dependency order).
pub fn load_pair(effector: Sdk, pure: Sdk) -> Marine {
    let mut m = Marine::new();
    m.load_module_with_config("effector", effector.wasm("effector"), quiet())
        .unwrap_or_else(|e| panic!("loading {effector:?} effector: {e}"));
    m.load_module_with_config("pure", pure.wasm("pure"), quiet())
        .unwrap_or_else(|e| panic!("loading {pure:?} pure: {e}"));
    m
}

fn data(id: u64, name: &str, blob: &[u8], flags: &[bool], score: f64) -> IValue {
    Record(vec![
        U64(id),
        s(name),
        ByteArray(blob.to_vec()),
        Array(flags.iter().map(|f| Boolean(*f)).collect()),
        F64(score),
    ])
}

/// Checks every function of `pure`, each of which goes through `effector`.
pub fn check_pair(m: &mut Marine, what: &str) {
    assert_eq!(
        call1(m, "pure", "call_greet", vec![s("pair")]),
        s("pure got: Hi, pair"),
        "{what}"
    );
    assert_eq!(
        call1(
            m,
            "pure",
            "call_mutate",
            vec![data(u64::MAX - 5, "ünï", &[1, 2, 3], &[true, false], 1.5)]
        ),
        data(u64::MAX - 3, "ÜNÏ", &[1, 2, 3], &[true, false], 6.0),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_mutate", vec![data(0, "", &[], &[], 0.0)]),
        data(2, "", &[], &[], 0.0),
        "{what}"
    );
    assert_eq!(
        call1(
            m,
            "pure",
            "call_sum",
            vec![Array(vec![U64(1), U64(2), U64(u64::MAX - 3)])]
        ),
        U64(u64::MAX),
        "{what}"
    );
    assert_eq!(
        call1(
            m,
            "pure",
            "call_concat",
            vec![Array(vec![
                ByteArray(vec![1]),
                ByteArray(vec![]),
                ByteArray(vec![2, 3])
            ])]
        ),
        ByteArray(vec![1, 2, 3]),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_words", vec![s("a bb  ccc")]),
        Array(vec![s("a"), s("bb"), s("ccc")]),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_negate", vec![S32(i32::MAX)]),
        S32(-i32::MAX),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_is_even", vec![U64(u64::MAX - 1)]),
        Boolean(true),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_is_even", vec![U64(3)]),
        Boolean(false),
        "{what}"
    );
    assert_eq!(
        call1(m, "pure", "call_half", vec![F32(-3.0)]),
        F32(-1.5),
        "{what}"
    );
    assert_eq!(
        call1(
            m,
            "pure",
            "call_consume",
            vec![s("abc"), ByteArray(vec![1, 2])]
        ),
        U32(5),
        "{what}"
    );
    let d = data(7, "r", &[9], &[true], 0.5);
    assert_eq!(
        call1(m, "pure", "call_repeat", vec![d.clone(), U32(3)]),
        Array(vec![d.clone(), d.clone(), d]),
        "{what}"
    );
    assert_eq!(
        call1(
            m,
            "pure",
            "call_repeat",
            vec![data(0, "", &[], &[], 0.0), U32(0)]
        ),
        Array(vec![]),
        "{what}"
    );
    // A trap in the callee fails the outer call with an import error naming both sides.
    let err = m
        .call_with_ivalues("pure", "call_fail", &[s("deep")])
        .unwrap_err();
    assert!(
        matches!(err, MarineError::Import { ref module, ref function, .. }
            if module == "pure" && function == "call_fail"),
        "{what}: {err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("effector") && text.contains("fail"),
        "{what}: {text}"
    );
    // Both keep working afterwards.
    assert_eq!(
        call1(m, "pure", "call_greet", vec![s("again")]),
        s("pure got: Hi, again"),
        "{what}"
    );
    assert_eq!(
        call1(m, "effector", "greet", vec![s("direct")]),
        s("Hi, direct"),
        "{what}"
    );
}

#[test]
fn official_module_pair() {
    let mut m = load_pair(Sdk::Official, Sdk::Official);
    check_pair(&mut m, "official pure -> official effector");
    let mut m = load_pair(Sdk::Ours, Sdk::Ours);
    check_pair(&mut m, "our pure -> our effector");
}

#[test]
fn official_pure_without_its_effector_fails_to_link() {
    let err = Marine::new()
        .load_module("pure", Sdk::Official.wasm("pure"))
        .unwrap_err();
    assert!(matches!(err, MarineError::Link { .. }), "{err:?}");
    assert!(err.to_string().contains("effector"), "{err}");
}

/// The host functions `host_calls` imports; each records what it received in `seen`.
fn host_calls_config(seen: Arc<std::sync::Mutex<Vec<std::string::String>>>) -> MModuleConfig {
    let pair = Arc::new(marine_runtime::IRecordType {
        name: "Pair".into(),
        fields: vec![
            marine_runtime::IRecordField {
                name: "left".into(),
                ty: IType::String,
            },
            marine_runtime::IRecordField {
                name: "right".into(),
                ty: IType::S64,
            },
        ],
    });
    let ns = "__marine_host_api_v3".to_string();
    let record = {
        let seen = seen.clone();
        move |args: &[IValue]| seen.lock().unwrap().push(format!("{args:?}"))
    };
    let mut config = MModuleConfig::default();
    let mut add = |name: &str, import: HostImport| {
        config
            .host_imports
            .push((ns.clone(), name.to_string(), import))
    };
    let r = record.clone();
    add(
        "host_add",
        HostImport::new(
            vec![IType::S32, IType::U64],
            Some(IType::U64),
            move |_, a| {
                r(&a);
                match (&a[0], &a[1]) {
                    (S32(x), U64(y)) => Ok(Some(U64(y.wrapping_add(*x as i64 as u64)))),
                    _ => Err(format!("unexpected arguments {a:?}")),
                }
            },
        ),
    );
    let r = record.clone();
    add(
        "host_describe",
        HostImport::new(
            vec![IType::String, IType::ByteArray, IType::Boolean],
            Some(IType::String),
            move |ctx, a| {
                r(&a);
                Ok(Some(s(&format!("{} from {}", a.len(), ctx.module))))
            },
        ),
    );
    let r = record.clone();
    add(
        "host_join",
        HostImport::new(
            vec![IType::Array(Box::new(IType::String))],
            Some(IType::ByteArray),
            move |_, a| {
                r(&a);
                let Array(parts) = &a[0] else {
                    return Err("not an array".into());
                };
                let joined: Vec<u8> = parts
                    .iter()
                    .flat_map(|p| match p {
                        String(t) => t.as_bytes().to_vec(),
                        _ => vec![],
                    })
                    .collect();
                Ok(Some(ByteArray(joined)))
            },
        ),
    );
    let r = record.clone();
    add(
        "host_swap",
        HostImport::new(
            vec![IType::Record(pair.clone())],
            Some(IType::Record(pair)),
            move |_, a| {
                r(&a);
                match &a[0] {
                    Record(f) => match (&f[0], &f[1]) {
                        (String(l), S64(n)) => {
                            Ok(Some(Record(vec![s(&l.to_uppercase()), S64(-n)])))
                        }
                        _ => Err("bad pair".into()),
                    },
                    _ => Err("not a record".into()),
                }
            },
        ),
    );
    let r = record;
    add(
        "host_note",
        HostImport::new(vec![IType::String], None, move |_, a| {
            r(&a);
            if a[0] == s("refuse") {
                return Err("note refused".into());
            }
            Ok(None)
        }),
    );
    config
}

#[test]
fn official_host_imports() {
    for sdk in BOTH {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut m = Marine::new();
        m.load_module_with_config(
            "host_calls",
            sdk.wasm("host_calls"),
            host_calls_config(seen.clone()),
        )
        .unwrap_or_else(|e| panic!("loading {sdk:?} host_calls: {e}"));
        assert_eq!(
            call1(&mut m, "host_calls", "add", vec![S32(-1), U64(10)]),
            U64(9),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "host_calls",
                "describe_all",
                vec![s("ünï"), ByteArray(vec![0, 255]), Boolean(true)]
            ),
            s("3 from host_calls"),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "host_calls",
                "join",
                vec![Array(vec![s("a"), s(""), s("bc")])]
            ),
            ByteArray(b"abc".to_vec()),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "host_calls",
                "swap",
                vec![Record(vec![s("x"), S64(i64::MAX)])]
            ),
            Record(vec![s("X"), S64(-i64::MAX)]),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "host_calls", "note", vec![s("kept")]),
            s("kept"),
            "{sdk:?}"
        );
        // Every host function saw exactly what the guest passed on.
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "[S32(-1), U64(10)]",
                "[String(\"ünï\"), ByteArray([0, 255]), Boolean(true)]",
                "[Array([String(\"a\"), String(\"\"), String(\"bc\")])]",
                "[Record([String(\"x\"), S64(9223372036854775807)])]",
                "[String(\"kept\")]",
            ],
            "{sdk:?}"
        );
        // A failing host function traps the guest; the error names the module and function.
        let err = m
            .call_with_ivalues("host_calls", "note", &[s("refuse")])
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("host_note") && text.contains("note refused"),
            "{sdk:?}: {text}"
        );
        assert_eq!(
            call1(&mut m, "host_calls", "add", vec![S32(1), U64(1)]),
            U64(2),
            "{sdk:?}"
        );
    }
}

#[test]
fn official_shapes() {
    let item = |id: u8, on: bool| Record(vec![U8(id), Boolean(on)]);
    let shelf = Record(vec![
        Array(vec![s("n1"), s("")]),
        Array(vec![Array(vec![U32(1), U32(u32::MAX)]), Array(vec![])]),
        Array(vec![
            Array(vec![item(1, true), item(2, false)]),
            Array(vec![]),
        ]),
        ByteArray(vec![7, 8]),
        s("title"),
    ]);
    for sdk in BOTH {
        let mut m = load(sdk, "shapes");
        assert_eq!(
            call1(
                &mut m,
                "shapes",
                "full_paths",
                vec![s("n"), Array(vec![U64(1), U64(2)])]
            ),
            Array(vec![s("n1"), s("n2")]),
            "{sdk:?}"
        );
        assert_eq!(
            m.call_with_ivalues("shapes", "no_result", &[S32(0)])
                .unwrap(),
            vec![],
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "shapes", "patterns", vec![U32(41), s("x")]),
            U32(42),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "shapes",
                "refs",
                vec![
                    s("ab"),
                    s("c"),
                    ByteArray(vec![1, 2, 3]),
                    Array(vec![Array(vec![s("x")]), Array(vec![])]),
                    shelf.clone(),
                    item(10, true),
                ]
            ),
            U64(2 + 1 + 3 + 2 + 2 + 10),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "shapes", "shelf", vec![shelf.clone()]),
            shelf,
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "shapes", "mounted_result", vec![S32(-5)]),
            result(-5, "e", b"", b""),
            "{sdk:?}"
        );
        assert_eq!(
            call1(
                &mut m,
                "shapes",
                "items",
                vec![Array(vec![item(1, false)]), item(2, true)]
            ),
            Array(vec![item(1, false), item(2, true)]),
            "{sdk:?}"
        );
    }
}
