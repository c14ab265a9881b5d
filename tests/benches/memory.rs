//! Figure 5: Resident memory of idle 3-module services (url-downloader): one, and 100 of them.
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
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
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
    if full {
        write_figures(&serde_json::json!({
            "services": many,
            "one_service_kib": one_kib,
            "many_services_kib": many_kib,
            "raw_one_store_kib": raw_one_kib,
            "raw_many_stores_kib": raw_many_kib,
            "linear_memories_kib": linear / 1024,
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
