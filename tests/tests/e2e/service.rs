//! Services from `Config.toml`: the seed's url-downloader and records-across-modules examples,
//! load order, link errors, unload, JSON calls, WASI isolation, mounted binaries, logging.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use marine_runtime::service::{MarineService, ServiceOptions, WasmLogFilter};
use marine_runtime::{CallParameters, MarineEngine, MarineError};
use serde_json::{json, Value};

/// A config in `dir` whose `modules_dir` is the folder of the built examples.
fn config_text(body: &str) -> String {
    let modules = marine_e2e::build_examples();
    format!("modules_dir = {:?}\n{body}", modules.display().to_string())
}

fn service_in(
    dir: &Path,
    body: &str,
    options: ServiceOptions,
) -> Result<MarineService, MarineError> {
    let path = dir.join("Config.toml");
    std::fs::write(&path, config_text(body)).unwrap();
    let config = marine_runtime::config::ServiceConfig::from_path(&path)?;
    MarineService::with_options(config, options)
}

fn quiet() -> ServiceOptions {
    ServiceOptions {
        wasm_log: WasmLogFilter::default(),
        ..ServiceOptions::default()
    }
}

fn cp() -> CallParameters {
    CallParameters::default()
}

/// Serves one HTTP response with `body` on a loopback port; returns the URL.
fn serve_once(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}/index.html")
}

const URL_DOWNLOADER: &str = r#"
[[module]]
name = "local_storage"
logger_enabled = true
mem_pages_count = 1
[module.wasi]
preopened_files = ["./sites"]
mapped_dirs = { "sites" = "./sites" }

[[module]]
name = "curl_adapter"
[module.mounted_binaries]
curl = "/usr/bin/curl"

[[module]]
name = "facade"
"#;

#[test]
fn url_downloader_saves_a_page_from_a_loopback_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = service_in(dir.path(), URL_DOWNLOADER, quiet()).unwrap();
    assert_eq!(service.facade_name(), Some("facade"));
    // The mapped dir was created next to the config.
    assert!(dir.path().join("sites").is_dir());

    let url = serve_once("<h1>hello from loopback</h1>");
    let out = service
        .call("get_n_save", json!([url, "index.html"]), cp())
        .unwrap();
    assert_eq!(out, json!("Ok"));
    let saved = std::fs::read_to_string(dir.path().join("sites/index.html")).unwrap();
    assert_eq!(saved, "<h1>hello from loopback</h1>");

    // Read back through the facade (bytes cross two module boundaries).
    let bytes = service.call("load", json!("index.html"), cp()).unwrap();
    let expected: Vec<Value> = saved.bytes().map(Value::from).collect();
    assert_eq!(bytes, Value::Array(expected));
}

#[test]
fn url_downloader_reports_curl_failures_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = service_in(dir.path(), URL_DOWNLOADER, quiet()).unwrap();
    // Nothing listens on port 9 of loopback: curl fails, the adapter returns its error.
    let out = service
        .call_with_json(
            "curl_adapter",
            "download",
            json!("http://127.0.0.1:9/"),
            cp(),
        )
        .unwrap();
    let text = out.as_str().unwrap();
    assert!(text.starts_with("curl failed with code 7"), "{text}");
}

#[test]
fn modules_see_only_their_mapped_dirs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), "host secret").unwrap();
    let mut service = service_in(dir.path(), URL_DOWNLOADER, quiet()).unwrap();
    std::fs::write(dir.path().join("sites/visible.txt"), "visible").unwrap();

    let read = |service: &mut MarineService, path: &str| {
        service
            .call_with_json("local_storage", "read_any", json!([path]), cp())
            .unwrap()
    };
    assert_eq!(read(&mut service, "/sites/visible.txt"), json!("visible"));
    for outside in [
        dir.path().join("secret.txt").display().to_string(),
        "/etc/passwd".to_string(),
        "/sites/../secret.txt".to_string(),
    ] {
        let out = read(&mut service, &outside);
        assert!(
            out.as_str().unwrap().starts_with("error: "),
            "{outside} must not be readable, got {out}"
        );
    }
    // The facade has no file system at all.
    let err = service
        .call_with_json("facade", "load", json!(["visible.txt"]), cp())
        .unwrap();
    assert_eq!(err, json!(b"visible".to_vec()));
}

const RECORDS_PASSING: &str = r#"
[[module]]
name = "records_passing_effector"

[[module]]
name = "records_passing_pure"
"#;

fn record1(i: i32) -> Value {
    json!({
        "field_0": i,
        "field_1": format!("record {i}"),
        "field_2": vec![i as u8; 3],
        "test_record_0": { "field_0": i * 10 },
    })
}

#[test]
fn records_cross_modules_by_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = service_in(dir.path(), RECORDS_PASSING, quiet()).unwrap();
    let out = service
        .call("invoke_ref", json!([record1(2)]), cp())
        .unwrap();
    // 2 + 20 + len("record 2") + 3 bytes
    assert_eq!(out, json!({ "field_0": 2 + 20 + 8 + 3 }));

    let input: Vec<Value> = (0..3).map(record1).collect();
    let out = service.call("invoke_array", json!([input]), cp()).unwrap();
    assert_eq!(
        out,
        json!([
            {"field_0": 2, "field_1": "RECORD 2", "field_2": [2, 2, 2], "test_record_0": {"field_0": 21}},
            {"field_0": 1, "field_1": "RECORD 1", "field_2": [1, 1, 1], "test_record_0": {"field_0": 11}},
            {"field_0": 0, "field_1": "RECORD 0", "field_2": [0, 0, 0], "test_record_0": {"field_0": 1}},
        ])
    );

    // Many records through two nested round trips.
    let out = service.call("invoke_twice", json!(1000), cp()).unwrap();
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), 1000);
    assert_eq!(
        out[999],
        json!({"field_0": 999, "field_1": "RECORD 999", "field_2": [231, 231, 231, 231], "test_record_0": {"field_0": 9992}})
    );
}

#[test]
fn load_order_follows_imports_not_config_order() {
    let dir = tempfile::tempdir().unwrap();
    let reversed = r#"
[[module]]
name = "facade"

[[module]]
name = "curl_adapter"
[module.mounted_binaries]
curl = "/usr/bin/curl"

[[module]]
name = "local_storage"
[module.wasi]
mapped_dirs = { "sites" = "./sites" }
"#;
    let mut service = service_in(dir.path(), reversed, quiet()).unwrap();
    // The facade is still the config's last module.
    assert_eq!(service.facade_name(), Some("local_storage"));
    let out = service
        .call_with_json(
            "facade",
            "get_n_save",
            json!({"url": "file:///dev/null", "file_name": "empty"}),
            cp(),
        )
        .unwrap();
    assert_eq!(out, json!("Ok"));
}

#[test]
fn import_cycle_missing_module_and_missing_function_are_link_errors() {
    let examples = marine_e2e::build_examples();
    let pure = examples.join("records_passing_pure.wasm");
    let dir = tempfile::tempdir().unwrap();

    // A module named like the one it imports from imports from itself.
    let cycle = format!(
        "[[module]]\nname = \"records_passing_effector\"\nload_from = {:?}\n",
        pure.display().to_string()
    );
    let err = service_in(dir.path(), &cycle, quiet()).unwrap_err();
    assert!(matches!(err, MarineError::ImportCycle { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "import cycle between modules: records_passing_effector -> records_passing_effector"
    );

    let err = service_in(
        dir.path(),
        "[[module]]\nname = \"records_passing_pure\"\n",
        quiet(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "module `records_passing_pure` imports from module `records_passing_effector`, which is not in the service"
    );

    // An exporter without the imported functions.
    let wrong = format!(
        "[[module]]\nname = \"records_passing_effector\"\nload_from = {:?}\n\
         [[module]]\nname = \"records_passing_pure\"\n",
        examples.join("greeting.wasm").display().to_string()
    );
    let err = service_in(dir.path(), &wrong, quiet()).unwrap_err();
    match &err {
        MarineError::MissingImportedFunction {
            module,
            imported,
            function,
        } => {
            assert_eq!(module, "records_passing_pure");
            assert_eq!(imported, "records_passing_effector");
            assert!(function.starts_with("test_record_"), "{function}");
        }
        other => panic!("expected MissingImportedFunction, got {other:?}"),
    }
}

#[test]
fn missing_wasm_file_is_a_config_error_naming_module_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = service_in(
        dir.path(),
        "[[module]]\nname = \"no_such_module\"\n",
        quiet(),
    )
    .unwrap_err();
    assert!(matches!(err, MarineError::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no_such_module") && text.contains("no_such_module.wasm"),
        "{text}"
    );
}

#[test]
fn unload_is_refused_while_imported_and_works_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = service_in(dir.path(), RECORDS_PASSING, quiet()).unwrap();
    let handle = |service: &MarineService, name| {
        std::sync::Arc::downgrade(service.marine().module(name).unwrap())
    };
    let (effector, pure) = (
        handle(&service, "records_passing_effector"),
        handle(&service, "records_passing_pure"),
    );
    let err = service
        .unload_module("records_passing_effector")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "module `records_passing_effector` cannot be unloaded: imported by records_passing_pure"
    );
    service.unload_module("records_passing_pure").unwrap();
    // Unloading really releases the module: its instance and store are gone.
    assert!(pure.upgrade().is_none(), "unloaded module still alive");
    assert_eq!(service.facade_name(), None);
    assert!(matches!(
        service.call("invoke_ref", json!([]), cp()),
        Err(MarineError::NoFacade)
    ));
    service.unload_module("records_passing_effector").unwrap();
    assert!(effector.upgrade().is_none(), "unloaded module still alive");
    assert_eq!(service.marine().memory_stats().total_used, 0);
    assert!(service.module_names().is_empty());
    assert!(matches!(
        service.unload_module("records_passing_effector"),
        Err(MarineError::NoSuchModule(_))
    ));

    // Load them again at run time, in dependency order.
    let config = service.config().clone();
    let effector = config.module("records_passing_effector").unwrap().clone();
    let pure = config.module("records_passing_pure").unwrap().clone();
    assert!(matches!(
        service.load_module(pure.clone()),
        Err(MarineError::MissingImportedModule { .. })
    ));
    service.load_module(effector).unwrap();
    service.load_module(pure).unwrap();
    let out = service
        .call_with_json(
            "records_passing_pure",
            "invoke_ref",
            json!([record1(1)]),
            cp(),
        )
        .unwrap();
    assert_eq!(out, json!({"field_0": 1 + 10 + 8 + 3}));
}

#[test]
fn json_argument_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[module]]\nname = \"greeting\"\n[[module]]\nname = \"records\"\n";
    let mut service = service_in(dir.path(), body, quiet()).unwrap();
    for args in [
        json!(["Marine"]),
        json!({"name": "Marine"}),
        json!("Marine"),
    ] {
        let out = service.call_with_json("greeting", "greeting", args.clone(), cp());
        assert_eq!(out.unwrap(), json!("Hi, Marine"), "args {args}");
    }
    // Whitespace inside strings is kept.
    let out = service
        .call_with_json("greeting", "greeting", json!(["a   b"]), cp())
        .unwrap();
    assert_eq!(out, json!("Hi, a   b"));

    let err = service
        .call_with_json("greeting", "greeting", json!([1]), cp())
        .unwrap_err();
    assert!(matches!(err, MarineError::JsonArguments { .. }), "{err:?}");
    assert!(err.to_string().contains("argument `name`"), "{err}");
    let err = service
        .call_with_json("greeting", "greeting", Value::Null, cp())
        .unwrap_err();
    assert!(err.to_string().contains("takes 1 argument"), "{err}");
    let err = service
        .call_with_json("greeting", "nope", json!([]), cp())
        .unwrap_err();
    assert_eq!(err.to_string(), "module `greeting` has no function `nope`");
    let err = service
        .call_with_json("nomod", "greeting", json!([]), cp())
        .unwrap_err();
    assert!(
        matches!(err, MarineError::NoSuchModule(ref m) if m == "nomod"),
        "{err:?}"
    );
}

#[test]
fn interface_text_lists_records_and_functions() {
    let dir = tempfile::tempdir().unwrap();
    let service = service_in(dir.path(), RECORDS_PASSING, quiet()).unwrap();
    let text = service.interface().to_string();
    assert_eq!(
        text,
        "exported data types (combined from all modules):\n\
         data TestRecord0:\n  field_0: i32\n\
         data TestRecord1:\n  field_0: i32\n  field_1: string\n  field_2: []u8\n  test_record_0: TestRecord0\n\
         \n\
         exported functions:\n\
         records_passing_effector:\n\
         \x20 func test_record_array(test_record: []TestRecord1) -> []TestRecord1\n\
         \x20 func test_record_ref(test_record: TestRecord1) -> TestRecord0\n\
         records_passing_pure:\n\
         \x20 func invoke_array(records: []TestRecord1) -> []TestRecord1\n\
         \x20 func invoke_ref(record: TestRecord1) -> TestRecord0\n\
         \x20 func invoke_twice(count: u32) -> []TestRecord1\n"
    );
}

#[test]
fn second_service_from_the_same_config_compiles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = MarineEngine::new().unwrap();
    let options = || ServiceOptions {
        engine: engine.clone(),
        ..quiet()
    };
    let _first = service_in(dir.path(), RECORDS_PASSING, options()).unwrap();
    assert_eq!(engine.cached_modules(), 2);
    let mut second = service_in(dir.path(), RECORDS_PASSING, options()).unwrap();
    assert_eq!(engine.cached_modules(), 2);
    let out = second
        .call("invoke_ref", json!([record1(0)]), cp())
        .unwrap();
    assert_eq!(out, json!({"field_0": 11}));
}

#[test]
fn heap_limit_of_mem_pages_count_is_enforced_on_top_of_initial_memory() {
    let dir = tempfile::tempdir().unwrap();
    // local_storage has `mem_pages_count = 1`: it loads (its data and stack do not count) but
    // cannot hold a 1 MiB file in its heap.
    let mut service = service_in(dir.path(), URL_DOWNLOADER, quiet()).unwrap();
    let small = service
        .call_with_json(
            "local_storage",
            "put",
            json!(["small", vec![1u8; 1000]]),
            cp(),
        )
        .unwrap();
    assert_eq!(small, json!("Ok"));
    let err = service
        .call_with_json(
            "local_storage",
            "put",
            json!(["big", vec![1u8; 1 << 20]]),
            cp(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("local_storage"), "{err}");
    // The service keeps serving.
    let again = service
        .call_with_json(
            "local_storage",
            "put",
            json!(["small2", vec![2u8; 10]]),
            cp(),
        )
        .unwrap();
    assert_eq!(again, json!("Ok"));
}

const MOUNTED_ENV: &str = r#"
[[module]]
name = "curl_adapter"
[module.wasi]
envs = { ONLY_THIS = "yes" }
[module.mounted_binaries]
curl = "/usr/bin/env"
"#;

fn mounted_result(out: &Value) -> (i64, String, String, String) {
    let bytes = |v: &Value| {
        String::from_utf8(
            v.as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap() as u8)
                .collect(),
        )
        .unwrap()
    };
    (
        out["ret_code"].as_i64().unwrap(),
        out["error"].as_str().unwrap().to_string(),
        bytes(&out["stdout"]),
        bytes(&out["stderr"]),
    )
}

#[test]
fn mounted_binary_gets_a_cleared_environment_and_verbatim_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = service_in(dir.path(), MOUNTED_ENV, quiet()).unwrap();
    let out = service
        .call_with_json("curl_adapter", "curl_raw", json!([[]]), cp())
        .unwrap();
    let (code, error, stdout, _) = mounted_result(&out);
    assert_eq!((code, error.as_str()), (0, ""));
    assert_eq!(stdout, "ONLY_THIS=yes\n");

    // No shell: `$HOME` and `;` reach the binary as they are.
    let out = service
        .call_with_json(
            "curl_adapter",
            "curl_raw",
            json!([["A=$HOME;x", "printenv", "A"]]),
            cp(),
        )
        .unwrap();
    assert_eq!(mounted_result(&out).2, "$HOME;x\n");
}

#[test]
fn hanging_mounted_binary_is_killed_by_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let body =
        "[[module]]\nname = \"curl_adapter\"\n[module.mounted_binaries]\ncurl = \"/bin/sleep\"\n";
    let options = ServiceOptions {
        mounted_binary_timeout: Duration::from_millis(300),
        ..quiet()
    };
    let mut service = service_in(dir.path(), body, options).unwrap();
    let out = service
        .call_with_json("curl_adapter", "curl_raw", json!([["30"]]), cp())
        .unwrap();
    let (code, error, _, _) = mounted_result(&out);
    assert_eq!(code, marine_runtime::mounted_binary::TIMEOUT_CODE as i64);
    assert!(
        error.contains("timed out") || error.contains("timeout"),
        "{error}"
    );
}

#[test]
fn missing_mounted_binary_gives_the_official_spawn_error() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[module]]\nname = \"curl_adapter\"\n[module.mounted_binaries]\ncurl = \"/no/such/binary\"\n";
    let mut service = service_in(dir.path(), body, quiet()).unwrap();
    let out = service
        .call_with_json("curl_adapter", "curl_raw", json!([["x"]]), cp())
        .unwrap();
    let (code, error, _, _) = mounted_result(&out);
    assert_eq!(code, 100001);
    assert_eq!(error, "No such file or directory (os error 2)");
}

// ---- logging ------------------------------------------------------------------------------

fn storage_logging(name: &str, wasm_log: &str, extra: &str) -> Vec<(log::Level, String)> {
    crate::log_capture::watch(name);
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "[[module]]\nname = \"{name}\"\nfile_name = \"local_storage.wasm\"\n{extra}\n\
         [module.wasi]\nmapped_dirs = {{ \"sites\" = \"./sites\" }}\n"
    );
    let options = ServiceOptions {
        wasm_log: WasmLogFilter::parse(wasm_log),
        ..ServiceOptions::default()
    };
    let mut service = service_in(dir.path(), &body, options).unwrap();
    service
        .call_with_json(name, "put", json!(["f", [1, 2]]), cp())
        .unwrap();
    service
        .call_with_json(name, "get", json!(["f"]), cp())
        .unwrap();
    service
        .call_with_json(name, "put", json!(["no/such/dir/f", []]), cp())
        .unwrap();
    crate::log_capture::take(name)
}

#[test]
fn module_logs_reach_the_host_logger_with_the_module_as_target() {
    use log::Level::*;
    let logs = storage_logging("storage_log_debug", "info,storage_log_debug=debug", "");
    let expected = [
        (Info, "put f: 2 bytes"),
        (Info, "audit: put f"),
        (Debug, "get f"),
        (Info, "put no/such/dir/f: 0 bytes"),
        (Info, "audit: put no/such/dir/f"),
    ];
    assert_eq!(logs.len(), 6, "{logs:?}");
    for (got, want) in logs.iter().zip(expected) {
        assert_eq!((got.0, got.1.as_str()), want);
    }
    assert_eq!(logs[5].0, Warn);
    assert!(
        logs[5].1.starts_with("put no/such/dir/f failed"),
        "{logs:?}"
    );
}

#[test]
fn wasm_log_level_per_module_filters_in_the_guest() {
    // The default level applies to modules without their own directive.
    let logs = storage_logging("storage_log_warn", "warn,other=trace", "");
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].0, log::Level::Warn);
    let logs = storage_logging("storage_log_off", "storage_log_off=off", "");
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
fn logging_mask_filters_mapped_targets() {
    let audit =
        |logs: &[(log::Level, String)]| logs.iter().filter(|l| l.1.starts_with("audit")).count();
    // Target 0 (unmapped) always passes; "audit" (bit 1) only when the mask has bit 1.
    let logs = storage_logging("storage_log_mask0", "info", "logging_mask = 0");
    assert_eq!((logs.len(), audit(&logs)), (3, 0), "{logs:?}");
    let logs = storage_logging("storage_log_mask2", "info", "logging_mask = 2");
    assert_eq!((logs.len(), audit(&logs)), (3, 0), "{logs:?}");
    let logs = storage_logging("storage_log_mask1", "info", "logging_mask = 1");
    assert_eq!((logs.len(), audit(&logs)), (5, 2), "{logs:?}");
}

#[test]
fn disabled_logger_links_as_a_no_op() {
    let logs = storage_logging("storage_log_disabled", "info", "logger_enabled = false");
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
fn service_timeout_stops_a_loop_and_the_service_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[module]]\nname = \"misbehaving\"\n[[module]]\nname = \"greeting\"\n";
    let options = ServiceOptions {
        call_timeout: Some(Duration::from_millis(200)),
        ..quiet()
    };
    let mut service = service_in(dir.path(), body, options).unwrap();
    let err = service
        .call_with_json("misbehaving", "spin", json!([]), cp())
        .unwrap_err();
    match &err {
        MarineError::Timeout {
            module, function, ..
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("misbehaving", "spin")
            );
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(
        service.call("greeting", json!(["again"]), cp()).unwrap(),
        json!("Hi, again")
    );
    service
        .call_with_json("misbehaving", "ok", json!([]), cp())
        .unwrap();
}
