//! Modules built with OLDER official SDKs (0.10.3: host namespace `host`; 0.12.0:
//! `__marine_host_api_v1`; 0.13.0: `__marine_host_api_v2`) from `tests/compat-old` run in our
//! runtime: the greeting works and its log line arrives through the namespace of its version,
//! and a mounted binary imported in that namespace runs from a `Config.toml` service.

use marine_runtime::config::ServiceConfig;
use marine_runtime::service::MarineService;
use marine_runtime::IValue::*;
use marine_runtime::{CallParameters, MModuleConfig, Marine};
use serde_json::json;

use crate::compat_official::{quiet, BOTH};
use crate::{call1, log_capture, s};

/// (directory suffix, `__fluence_sdk_version`, host namespace) of every older SDK covered.
pub const OLDER_SDKS: [(&str, &str, &str); 3] = [
    ("0_10", "0.10.3", "host"),
    ("0_12", "0.12.0", "__marine_host_api_v1"),
    ("0_13", "0.13.0", "__marine_host_api_v2"),
];

#[test]
fn older_sdk_greeting_and_logging() {
    for (suffix, version, namespace) in OLDER_SDKS {
        let wasm =
            std::fs::read(marine_e2e::compat_old_wasm(&format!("greeting_{suffix}"))).unwrap();
        // The module really is the old SDK's: its version section and host namespace.
        let versions: Vec<_> = marine_e2e::custom_sections(&wasm)
            .into_iter()
            .filter(|(n, _)| n == "__fluence_sdk_version")
            .map(|(_, d)| d)
            .collect();
        assert_eq!(versions, [version.as_bytes().to_vec()]);
        let imports = marine_e2e::wasm_shape(&wasm).func_imports;
        assert!(
            imports.contains_key(&(namespace.to_string(), "log_utf8_string".to_string())),
            "{version}: {imports:?}"
        );

        let name = format!("compat_old_greeting_{suffix}");
        log_capture::watch(&name);
        let mut m = Marine::new();
        m.load_module_with_config(&name, wasm, MModuleConfig::default())
            .unwrap_or_else(|e| panic!("loading {version} greeting: {e}"));
        let iface = m.module_interface(&name).unwrap();
        assert!(iface.function("greeting").is_some(), "{version}");
        assert_eq!(
            call1(&mut m, &name, "greeting", vec![s("old")]),
            s("Hi, old"),
            "{version}"
        );
        assert_eq!(
            log_capture::take(&name),
            [(log::Level::Info, "greeting old".to_string())],
            "{version}"
        );
    }
}

#[test]
fn older_sdk_module_imports_with_link_syntax() {
    // SDK 0.10.3's `#[link(wasm_import_module = "effector")]` calling the 0.14.0 and our effector.
    for sdk in BOTH {
        let mut m = Marine::new();
        m.load_module_with_config("effector", sdk.wasm("effector"), quiet())
            .unwrap();
        m.load_module_with_config(
            "pure_0_10",
            marine_e2e::compat_old_wasm("pure_0_10"),
            quiet(),
        )
        .unwrap_or_else(|e| panic!("loading pure_0_10 over {sdk:?} effector: {e}"));
        assert_eq!(
            call1(&mut m, "pure_0_10", "call_greet", vec![s("0.10")]),
            s("old pure got: Hi, 0.10"),
            "{sdk:?}"
        );
        let data = |id, name: &str, blob: Vec<u8>, flags: Vec<bool>, score| {
            Record(vec![
                U64(id),
                s(name),
                ByteArray(blob),
                Array(flags.into_iter().map(Boolean).collect()),
                F64(score),
            ])
        };
        assert_eq!(
            call1(
                &mut m,
                "pure_0_10",
                "call_mutate",
                vec![data(1, "ab", vec![1, 2], vec![false], -1.0)]
            ),
            data(2, "AB", vec![2, 1], vec![true], -2.0),
            "{sdk:?}"
        );
        assert_eq!(
            call1(&mut m, "pure_0_10", "call_words", vec![s("x y")]),
            Array(vec![s("x"), s("y")]),
            "{sdk:?}"
        );
    }
}

#[test]
fn older_sdk_mounted_binary_from_the_service_config() {
    for (suffix, version, namespace) in OLDER_SDKS {
        let path = marine_e2e::compat_old_wasm(&format!("mounted_{suffix}"));
        // The import is in this version's host namespace.
        let imports = marine_e2e::wasm_shape(&std::fs::read(&path).unwrap()).func_imports;
        assert!(
            imports.contains_key(&(namespace.to_string(), "echo".to_string())),
            "{version}: {imports:?}"
        );

        let config = format!(
            "[[module]]\nname = \"mounted\"\nload_from = {:?}\n[module.mounted_binaries]\necho = \"/bin/echo\"\n",
            path.display().to_string()
        );
        let config = ServiceConfig::from_toml_str(&config, ".").unwrap();
        let mut svc = MarineService::from_config(config)
            .unwrap_or_else(|e| panic!("{version} mounted service: {e}"));
        let out = svc
            .call_with_json(
                "mounted",
                "run_echo",
                json!([["from", version]]),
                CallParameters::default(),
            )
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        let stdout: Vec<u8> = format!("from {version}\n").into_bytes();
        assert_eq!(
            out,
            json!({"ret_code": 0, "error": "", "stdout": stdout, "stderr": []}),
            "{version}"
        );
    }
}
