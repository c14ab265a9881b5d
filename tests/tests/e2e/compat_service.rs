//! A `Config.toml` service mixing official-SDK 0.14.0 modules (`tests/compat`) and modules built
//! with our SDK (`tests/compat-ours`) that import each other, driven through `MarineService`
//! with JSON: module-to-module calls both ways, a mounted binary from the config, logging with
//! the host's `WASM_LOG` and a logging mask, call parameters on the facade, the interface text,
//! and unload refusal.

use std::path::Path;

use marine_runtime::service::{MarineService, ServiceOptions, WasmLogFilter};
use marine_runtime::{CallParameters, MarineError, ParticleParameters};
use serde_json::json;

use crate::compat_official::Sdk;
use crate::log_capture;

/// The service config: `effector` from one SDK, `pure` from the other, official `mounted`,
/// `logging` and `call_parameters` (the facade, last).
fn config(effector: Sdk, pure: Sdk, logging_name: &str) -> String {
    let path = |sdk: Sdk, name: &str| format!("{:?}", sdk.wasm(name).display().to_string());
    format!(
        r#"
[[module]]
name = "pure"
load_from = {pure}

[[module]]
name = "effector"
load_from = {effector}

[[module]]
name = "mounted"
load_from = {mounted}
[module.mounted_binaries]
echo = "/bin/echo"

[[module]]
name = "{logging_name}"
load_from = {logging}
logging_mask = 1

[[module]]
name = "call_parameters"
load_from = {call_parameters}
"#,
        pure = path(pure, "pure"),
        effector = path(effector, "effector"),
        mounted = path(Sdk::Official, "mounted"),
        logging = path(Sdk::Official, "logging"),
        call_parameters = path(Sdk::Official, "call_parameters"),
    )
}

fn service(dir: &Path, text: &str, wasm_log: &str) -> MarineService {
    let path = dir.join("Config.toml");
    std::fs::write(&path, text).unwrap();
    let config =
        marine_runtime::config::ServiceConfig::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
    let options = ServiceOptions {
        wasm_log: WasmLogFilter::parse(wasm_log),
        inherit_stdio: false,
        ..ServiceOptions::default()
    };
    MarineService::with_options(config, options).unwrap_or_else(|e| panic!("{e}"))
}

fn cp() -> CallParameters {
    CallParameters::default()
}

#[test]
fn mixed_config_service_official_and_ours() {
    for (effector, pure) in [(Sdk::Ours, Sdk::Official), (Sdk::Official, Sdk::Ours)] {
        let what = format!("{pure:?} pure -> {effector:?} effector");
        let logging = format!("compat_svc_logging_{pure:?}");
        log_capture::watch(&logging);
        let dir = tempfile::tempdir().unwrap();
        let mut svc = service(
            dir.path(),
            &config(effector, pure, &logging),
            &format!("warn,{logging}=debug"),
        );
        assert_eq!(svc.facade_name(), Some("call_parameters"), "{what}");

        // Module-to-module through JSON, named and positional arguments.
        let out = svc
            .call_with_json(
                "pure",
                "call_mutate",
                json!({"d": {"id": 1, "name": "ab", "blob": [1, 2], "flags": [true], "score": 1.5}}),
                cp(),
            )
            .unwrap();
        assert_eq!(
            out,
            json!({"id": 3, "name": "AB", "blob": [1, 2], "flags": [true], "score": 6.0}),
            "{what}"
        );
        let out = svc
            .call_with_json("pure", "call_greet", json!(["svc"]), cp())
            .unwrap();
        assert_eq!(out, json!("pure got: Hi, svc"), "{what}");
        let out = svc
            .call_with_json(
                "pure",
                "call_repeat",
                json!([{"id": 0, "name": "", "blob": [], "flags": [], "score": 0.0}, 2]),
                cp(),
            )
            .unwrap();
        assert_eq!(out.as_array().map(Vec::len), Some(2), "{what}: {out}");
        let err = svc
            .call_with_json("pure", "call_fail", json!(["x"]), cp())
            .unwrap_err();
        assert!(err.to_string().contains("effector"), "{what}: {err}");

        // The mounted binary of the config, called by the official SDK's import.
        let out = svc
            .call_with_json("mounted", "run_echo", json!([["a", "b c"]]), cp())
            .unwrap();
        assert_eq!(
            out,
            json!({"ret_code": 0, "error": "", "stdout": b"a b c\n".to_vec(), "stderr": []}),
            "{what}"
        );
        let out = svc
            .call_with_json("mounted", "echo_text", json!([["x"]]), cp())
            .unwrap();
        assert_eq!(out, json!("x\n"), "{what}");

        // The host's WASM_LOG gives the module level debug; mask 1 drops `noisy`.
        let out = svc
            .call_with_json(&logging, "max_level", json!([]), cp())
            .unwrap();
        assert_eq!(out, json!("DEBUG"), "{what}");
        svc.call_with_json(&logging, "log_all", json!(["m"]), cp())
            .unwrap();
        svc.call_with_json(&logging, "log_targets", json!(["t"]), cp())
            .unwrap();
        use log::Level::*;
        assert_eq!(
            log_capture::take(&logging),
            [
                (Error, "error: m".to_string()),
                (Warn, "warn: m".to_string()),
                (Info, "info: m".to_string()),
                (Debug, "debug: m".to_string()),
                (Info, "audit: t".to_string()),
                (Info, "other: t".to_string()),
            ],
            "{what}"
        );

        // Call parameters reach the official facade.
        let params = CallParameters {
            particle: ParticleParameters {
                id: "p1".into(),
                init_peer_id: "peer".into(),
                timestamp: 7,
                ttl: 9,
                ..ParticleParameters::default()
            },
            service_id: "svc".into(),
            worker_id: "w".into(),
            ..CallParameters::default()
        };
        let out = svc.call("call_parameters", json!([]), params).unwrap();
        assert_eq!(
            out,
            json!("p1\npeer\n7\n9\n\n\nsvc\n\n\nw\n[]\n[]"),
            "{what}"
        );

        // The interface text lists the official modules' functions with their types.
        let text = svc.interface().to_string();
        for line in [
            "data Data:\n  id: u64\n  name: string\n  blob: []u8\n  flags: []bool\n  score: f64\n",
            "pure:\n",
            "  func call_mutate(d: Data) -> Data\n",
            "  func run_echo(args: []string) -> MountedBinaryResult\n",
            "  func call_parameters() -> string\n",
        ] {
            assert!(text.contains(line), "{what}: missing {line:?} in\n{text}");
        }

        // `effector` is imported by `pure`: it cannot be unloaded.
        let err = svc.unload_module("effector").unwrap_err();
        assert!(err.to_string().contains("pure"), "{what}: {err}");
        svc.unload_module("pure").unwrap();
        svc.unload_module("effector").unwrap();
        assert!(matches!(
            svc.call_with_json("pure", "call_greet", json!(["x"]), cp()),
            Err(MarineError::NoSuchModule(_))
        ));
    }
}
