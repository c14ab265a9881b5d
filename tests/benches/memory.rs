//! Figure 5: Resident memory of idle 3-module services (url-downloader): one, and 100 of them.
//! Figure 7 (its memory part): the peak resident memory of a process that returns 100 MB as
//! JSON, measured in a child process of this bench (this binary run again with
//! `--json-peak-child`), so nothing else the bench did counts in the peak.
//!
//! Not a criterion bench: it prints the process's resident set size (VmRSS from
//! /proc/self/status) before and after creating the services on a warm engine. Baseline, in
//! the same process: the same three modules instantiated with raw wasmtime (`InstancePre`, one
//! store each), as many times. Run with
//! `cargo bench -p marine-e2e --bench memory` (which also writes the figures to
//! `target/criterion/memory/rss.json` for `render_benchmarks.py`); `cargo test` runs it with 3
//! services instead of 100 and writes nothing.

mod common;

use common::*;
use marine_runtime::MarineEngine;

/// VmRSS of this process in KiB (Linux); `None` elsewhere.
fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// A field of /proc/self/status in KiB (`VmRSS:`, `VmHWM:` the peak resident size).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Counts the bytes written to it and keeps none.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The child of figure 7: `arrays.make_bytes(len, 7)` called with JSON text, the result
/// written to a counting sink (`sink`) or returned as a `String` (`string`); prints one JSON
/// line with the text's size and the process's resident sizes.
fn json_peak_child(len: u32, mode: &str) {
    let mut marine = marine_runtime::Marine::new();
    marine.load_module("arrays", wasm_path("arrays")).unwrap();
    let start_kib = rss_kib().unwrap_or(0);
    let args = format!("[{len}, 7]");
    let options = marine_runtime::CallOptions::default();
    let text_bytes = match mode {
        "sink" => {
            let mut sink = CountingSink(0);
            marine
                .call_with_json_to(
                    "arrays",
                    "make_bytes",
                    marine_runtime::JsonInput::Text(&args),
                    &options,
                    marine_runtime::JsonSink::Writer {
                        out: &mut sink,
                        pretty: false,
                    },
                )
                .unwrap();
            sink.0
        }
        _ => {
            let text = marine
                .call_with_json_str("arrays", "make_bytes", &args, &options)
                .unwrap();
            assert!(text.starts_with("[7,7,") && text.ends_with(",7]"));
            text.len() as u64
        }
    };
    assert_eq!(text_bytes, 2 * len as u64 + 1);
    let peak_kib = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({"text_bytes": text_bytes, "start_kib": start_kib, "peak_kib": peak_kib})
    );
}

/// Runs [`json_peak_child`] in a child process and reads its line.
fn json_peak(len: u32, mode: &str) -> serde_json::Value {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--json-peak-child", &len.to_string(), mode])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "json peak child: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("json peak child printed {text:?}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--json-peak-child") {
        let len = args[at + 1].parse().unwrap();
        json_peak_child(len, &args[at + 2]);
        return;
    }
    // `cargo bench` passes `--bench`; without it (cargo test) keep the run short.
    let full = std::env::args().any(|a| a == "--bench");
    let many = if full { 100 } else { 3 };

    let dir = tempfile::tempdir().unwrap();
    let config = service_config(dir.path(), URL_DOWNLOADER);
    let engine = MarineEngine::shared();
    // Compile once (cached in the engine) so the figures are per-service state only.
    drop(service(dir.path(), URL_DOWNLOADER, &engine));

    // Baseline: raw wasmtime stores holding the same three instances (modules compiled
    // before the first reading, as the service's are).
    let raw = RawUrlDownloader::new(engine.engine());
    let Some(raw_before) = rss_kib() else {
        println!("memory: /proc/self/status has no VmRSS here; nothing to report");
        return;
    };
    let mut raw_stores = vec![raw.instantiate()];
    let raw_after_one = rss_kib().unwrap();
    raw_stores.extend((1..many).map(|_| raw.instantiate()));
    let raw_after_many = rss_kib().unwrap();
    let raw_one_kib = raw_after_one.saturating_sub(raw_before);
    let raw_many_kib = raw_after_many.saturating_sub(raw_before);

    let before = rss_kib().unwrap();
    let one =
        marine_runtime::service::MarineService::with_options(config.clone(), options(&engine))
            .unwrap();
    let after_one = rss_kib().unwrap();
    let linear: usize = one.module_memory_stats().iter().map(|(_, b)| b).sum();
    let mut services = vec![one];
    for _ in 1..many {
        services.push(
            marine_runtime::service::MarineService::with_options(config.clone(), options(&engine))
                .unwrap(),
        );
    }
    let after_many = rss_kib().unwrap();

    let one_kib = after_one.saturating_sub(before);
    let many_kib = after_many.saturating_sub(before);
    if !full {
        println!("memory: test mode (cargo test), {many} services: a smoke run, not a measurement");
    }
    println!("memory/url-downloader (3 modules), warm engine, VmRSS before: {before} KiB");
    println!(
        "memory/1 idle service:    +{one_kib} KiB resident (linear memories: {} KiB reserved-as-sized)",
        linear / 1024
    );
    println!(
        "memory/{many} idle services: +{many_kib} KiB resident, {} KiB per service",
        many_kib / many as u64
    );
    println!(
        "memory/baseline: raw wasmtime, 1 store: +{raw_one_kib} KiB; {many} stores: +{raw_many_kib} KiB, {} KiB per store",
        raw_many_kib / many as u64
    );
    println!(
        "memory/ratio per service vs raw wasmtime store: {:.2}x",
        many_kib as f64 / raw_many_kib.max(1) as f64
    );
    assert_eq!(services.len(), many);
    assert_eq!(raw_stores.len(), many);
    drop((services, raw_stores));

    // Figure 7: 100 MB returned as JSON (1 MB under cargo test).
    let len: u32 = if full { 100_000_000 } else { 1_000_000 };
    let sink = json_peak(len, "sink");
    let string = json_peak(len, "string");
    for (mode, figures) in [("to a sink", &sink), ("as a String", &string)] {
        let text = figures["text_bytes"].as_u64().unwrap();
        let peak = figures["peak_kib"].as_u64().unwrap();
        println!(
            "memory/json: make_bytes({len}) {mode}: {text} bytes of JSON, peak resident {peak} KiB ({:.2}x the text), {} KiB before the call",
            (peak * 1024) as f64 / text as f64,
            figures["start_kib"]
        );
    }
    if full {
        write_figures(&serde_json::json!({
            "services": many,
            "one_service_kib": one_kib,
            "many_services_kib": many_kib,
            "raw_one_store_kib": raw_one_kib,
            "raw_many_stores_kib": raw_many_kib,
            "linear_memories_kib": linear / 1024,
            "json_len": len,
            "json_sink": sink,
            "json_string": string,
        }));
    }
}

/// Writes the figures next to criterion's (`<target>/criterion/memory/rss.json`), where
/// `tests/benches/render_benchmarks.py` reads them for BENCHMARKS.md.
fn write_figures(figures: &serde_json::Value) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| marine_e2e::repo_root().join("target"));
    let dir = target.join("criterion").join("memory");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rss.json");
    std::fs::write(&path, serde_json::to_string_pretty(figures).unwrap()).unwrap();
    println!("memory: figures written to {}", path.display());
}
