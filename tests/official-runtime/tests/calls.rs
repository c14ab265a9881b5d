//! Modules built by our `marine build` (with the `interface-types` section it embeds) run on
//! the official runtime, `fluence-app-service` 0.36 over `marine-runtime` 0.37, and answer
//! every call of the shared table (`tests/calls/calls.json`) to their modules as our runtime
//! does (the table's answers are what our runtime gives: `tests/tests/e2e/shared_calls.rs`).
//!
//! Needs the `marine` binary of this repository: `MARINE_BIN`, or `target/debug/marine`
//! (`cargo build -p marine-native-tools`).

#![deny(warnings)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fluence_app_service::wasmtime::AppService;
use fluence_app_service::{CallParameters, TomlAppServiceConfig};
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The example packages this test builds, and the modules of the table it calls.
const PACKAGES: [&str; 8] = [
    "greeting",
    "records",
    "arrays",
    "records-passing-pure",
    "records-passing-effector",
    "url-downloader-facade",
    "url-downloader-curl-adapter",
    "url-downloader-local-storage",
];
const MODULES: [&str; 5] = [
    "greeting",
    "records",
    "arrays",
    "records_passing_effector",
    "records_passing_pure",
];

/// Builds the examples with our `marine build` into a target dir of their own (the build
/// embeds the section into cargo's output, which the main tests read without it) and returns
/// the artifacts folder. Once per process.
fn build_with_our_marine() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build).clone()
}

fn build() -> PathBuf {
    let root = repo_root();
    let marine = std::env::var_os("MARINE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/debug/marine"));
    assert!(
        marine.is_file(),
        "{} is missing: build it with `cargo build -p marine-native-tools` or set MARINE_BIN",
        marine.display()
    );
    let artifacts = root.join("target/official-runtime-modules");
    let mut cmd = Command::new(&marine);
    marine_guest_build::clear_outer_build_env(&mut cmd);
    // This test runs on nightly; the modules are built as users build them, with the
    // default (stable) toolchain and its cargo.
    cmd.env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC");
    cmd.args(["build", "--release", "--locked", "--artifacts"])
        .arg(&artifacts)
        .current_dir(root.join("examples"))
        .env(
            "CARGO_TARGET_DIR",
            root.join("target/official-runtime-guests"),
        );
    for package in PACKAGES {
        cmd.args(["-p", package]);
    }
    let output = cmd.output().expect("marine runs");
    assert!(
        output.status.success(),
        "marine build failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("interface-types embedded"), "{report}");
    artifacts
}

/// A service of the official runtime with `modules` (in load order) from `dir`.
async fn service(dir: &Path, modules: &[&str], work: &Path) -> AppService {
    let mut text = format!(
        "modules_dir = {:?}\ntotal_memory_limit = \"Infinity\"\nservice_working_dir = {:?}\n",
        dir.display().to_string(),
        work.display().to_string()
    );
    for module in modules {
        text.push_str(&format!("\n[[module]]\nname = \"{module}\"\n"));
    }
    let config: TomlAppServiceConfig = toml::from_str(&text).unwrap();
    AppService::new(config, "official-runtime-test", HashMap::new())
        .await
        .unwrap_or_else(|e| panic!("the official runtime refused {modules:?}: {e}"))
}

/// A fresh working folder under the target dir (so runs leave nothing in the system's temp dir).
fn scratch(name: &str) -> PathBuf {
    let dir = repo_root()
        .join("target/official-runtime/scratch")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "current_thread")]
async fn the_official_runtime_answers_the_shared_calls_as_ours() {
    let dir = build_with_our_marine();
    let work = scratch("shared-calls");
    std::fs::create_dir_all(&work).unwrap();
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/calls/calls.json")).unwrap(),
    )
    .unwrap();

    let mut services = HashMap::new();
    services.insert(
        "examples",
        service(&dir, &["greeting", "arrays", "records"], &work).await,
    );
    services.insert(
        "records-passing",
        service(
            &dir,
            &["records_passing_effector", "records_passing_pure"],
            &work,
        )
        .await,
    );

    // The section is what the official runtime reads: the same module without it is refused.
    let plain_dir = work.join("without-it");
    std::fs::create_dir_all(&plain_dir).unwrap();
    let wasm = std::fs::read(dir.join("greeting.wasm")).unwrap();
    let mut plain = wasm[..8].to_vec();
    let mut removed = 0;
    for span in marine_ast::custom_section::sections(&wasm).unwrap() {
        if span.custom_name.as_deref() == Some("interface-types") {
            removed += 1;
        } else {
            plain.extend_from_slice(&wasm[span.range]);
        }
    }
    assert_eq!(removed, 1, "our marine build embeds one section");
    std::fs::write(plain_dir.join("greeting.wasm"), plain).unwrap();
    let text = format!(
        "modules_dir = {:?}\ntotal_memory_limit = \"Infinity\"\nservice_working_dir = {:?}\n\n[[module]]\nname = \"greeting\"\n",
        plain_dir.display().to_string(),
        work.display().to_string()
    );
    let config: TomlAppServiceConfig = toml::from_str(&text).unwrap();
    let refused = AppService::new(config, "without-it", HashMap::new()).await;
    let error = refused
        .err()
        .expect("the official runtime loads a module without its section");
    assert!(format!("{error:?}").contains("NoITSection"), "{error:?}");

    let mut checked = 0;
    let mut failures = Vec::new();
    for call in table["calls"].as_array().unwrap() {
        let module = call["module"].as_str().unwrap();
        let Some(svc) = services.get_mut(call["service"].as_str().unwrap()) else {
            continue;
        };
        // Only the calls to the modules built here, and only those with an answer: error
        // texts are each runtime's own.
        if !MODULES.contains(&module) || call.get("result").is_none() {
            continue;
        }
        let function = call["function"].as_str().unwrap();
        let answer = svc
            .call_module(
                module,
                function,
                call["args"].clone(),
                CallParameters::default(),
            )
            .await;
        checked += 1;
        match answer {
            Ok(answer) if answer == call["result"] => {}
            Ok(answer) => failures.push(format!(
                "{module}.{function}({}): official {answer}, ours {}",
                call["args"], call["result"]
            )),
            Err(e) => failures.push(format!(
                "{module}.{function}({}): official error {e}, ours {}",
                call["args"], call["result"]
            )),
        }
    }
    assert!(checked >= 20, "only {checked} calls checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} calls answered the same");
}

/// A server on loopback that answers one request with `body`; returns the URL.
fn serve_once(body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
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

/// The url-downloader (three modules, the host's curl mounted into `curl_adapter`, a mapped
/// directory in `local_storage`) answers as our runtime does in
/// `tests/tests/e2e/service.rs` (`url_downloader_saves_a_page_from_a_loopback_server`,
/// `url_downloader_reports_curl_failures_as_text`).
#[tokio::test(flavor = "current_thread")]
async fn the_url_downloader_with_curl_answers_as_ours() {
    let dir = build_with_our_marine();
    let work = scratch("url-downloader");
    std::fs::create_dir_all(&work).unwrap();
    let text = format!(
        r#"modules_dir = {:?}
total_memory_limit = "Infinity"
service_working_dir = {:?}

[[module]]
name = "local_storage"
logger_enabled = true
[module.wasi]
mapped_dirs = {{ "sites" = "./sites" }}

[[module]]
name = "curl_adapter"
[module.mounted_binaries]
curl = "/usr/bin/curl"

[[module]]
name = "facade"
"#,
        dir.display().to_string(),
        work.display().to_string()
    );
    let config: TomlAppServiceConfig = toml::from_str(&text).unwrap();
    let mut svc = AppService::new(config, "url-downloader", HashMap::new())
        .await
        .unwrap_or_else(|e| panic!("the official runtime refused the url-downloader: {e}"));

    let url = serve_once("<h1>hello from loopback</h1>");
    let saved = svc
        .call_module(
            "facade",
            "get_n_save",
            serde_json::json!([url, "index.html"]),
            CallParameters::default(),
        )
        .await
        .unwrap();
    assert_eq!(saved, serde_json::json!("Ok"));
    let page = std::fs::read_to_string(work.join("sites/index.html")).unwrap();
    assert_eq!(page, "<h1>hello from loopback</h1>");
    let bytes = svc
        .call_module(
            "facade",
            "load",
            serde_json::json!(["index.html"]),
            CallParameters::default(),
        )
        .await
        .unwrap();
    let expected: Vec<Value> = page.bytes().map(Value::from).collect();
    assert_eq!(bytes, Value::Array(expected));

    // Nothing listens on port 9 of loopback: curl fails, the adapter returns its error.
    let failed = svc
        .call_module(
            "curl_adapter",
            "download",
            serde_json::json!(["http://127.0.0.1:9/"]),
            CallParameters::default(),
        )
        .await
        .unwrap();
    let failed = failed.as_str().unwrap();
    assert!(failed.starts_with("curl failed with code 7"), "{failed}");
}
