//! Soak: a long-running host creates, calls and drops services of every example kind for
//! thousands of rounds, and its resident memory and open file descriptors level off. A test
//! binary of its own, so nothing else allocates while it measures.

use std::path::Path;

use marine_e2e::{example_wasm, open_fds, rss};
use marine_runtime::config::ServiceConfig;
use marine_runtime::service::{MarineService, ServiceOptions, WasmLogFilter};
use marine_runtime::{CallParameters, MarineError};
use serde_json::json;

const ROUNDS: usize = 2000;
/// Rounds before the baseline is taken: allocator arenas, caches and lazily created host
/// state settle first.
const WARM_UP: usize = 300;
const MIB: u64 = 1 << 20;

fn write_config(dir: &Path, name: &str, body: &str) -> ServiceConfig {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, body).unwrap();
    ServiceConfig::from_path(&path).unwrap()
}

struct Kinds {
    greeting: ServiceConfig,
    records: ServiceConfig,
    storage: ServiceConfig,
    misbehaving: ServiceConfig,
}

fn kinds(dir: &Path) -> Kinds {
    let wasm = |name: &str| example_wasm(name).display().to_string();
    Kinds {
        greeting: write_config(
            dir,
            "greeting",
            &format!(
                "[[module]]\nname = \"greeting\"\nload_from = {:?}\n",
                wasm("greeting")
            ),
        ),
        records: write_config(
            dir,
            "records",
            &format!(
                "[[module]]\nname = \"records_passing_effector\"\nload_from = {:?}\n\n\
                 [[module]]\nname = \"records_passing_pure\"\nload_from = {:?}\n",
                wasm("records_passing_effector"),
                wasm("records_passing_pure")
            ),
        ),
        storage: write_config(
            dir,
            "storage",
            &format!(
                "[[module]]\nname = \"local_storage\"\nload_from = {:?}\n\
                 [module.wasi]\nmapped_dirs = {{ \"sites\" = \"./sites\" }}\n\n\
                 [[module]]\nname = \"curl_adapter\"\nload_from = {:?}\n\
                 [module.mounted_binaries]\ncurl = \"/usr/bin/curl\"\n\n\
                 [[module]]\nname = \"facade\"\nload_from = {:?}\n",
                wasm("local_storage"),
                wasm("curl_adapter"),
                wasm("facade")
            ),
        ),
        misbehaving: write_config(
            dir,
            "misbehaving",
            &format!(
                "[[module]]\nname = \"misbehaving\"\nload_from = {:?}\nmax_heap_size = \"4 MiB\"\n",
                wasm("misbehaving")
            ),
        ),
    }
}

fn options() -> ServiceOptions {
    ServiceOptions {
        inherit_stdio: false,
        wasm_log: WasmLogFilter::default(),
        ..ServiceOptions::default()
    }
}

/// One round: every kind of service created, called (and made to fail) and dropped.
fn round(kinds: &Kinds, i: usize, source: &Path) {
    let cp = CallParameters::default;

    let mut greeting = MarineService::with_options(kinds.greeting.clone(), options()).unwrap();
    let out = greeting
        .call("greeting", json!([format!("round {i}")]), cp())
        .unwrap();
    assert_eq!(out, json!(format!("Hi, round {i}")));

    let mut records = MarineService::with_options(kinds.records.clone(), options()).unwrap();
    let record = json!({
        "field_0": i as i32,
        "field_1": "r",
        "field_2": [1, 2, 3],
        "test_record_0": {"field_0": 5}
    });
    let out = records.call("invoke_ref", json!([record]), cp()).unwrap();
    assert!(out.is_object(), "{out}");

    let mut storage = MarineService::with_options(kinds.storage.clone(), options()).unwrap();
    let name = format!("soak-{}.txt", i % 8);
    let put = storage
        .call_with_json(
            "local_storage",
            "put",
            json!([name, vec![i as u8; 64]]),
            cp(),
        )
        .unwrap();
    assert_eq!(put, json!("Ok"));
    // A mounted binary (a child process) every tenth round.
    if i.is_multiple_of(10) {
        let url = format!("file://{}", source.display());
        let out = storage
            .call("get_n_save", json!([url, name]), cp())
            .unwrap();
        assert_eq!(out, json!("Ok"));
    }

    let mut misbehaving =
        MarineService::with_options(kinds.misbehaving.clone(), options()).unwrap();
    assert!(matches!(
        misbehaving.call("unreachable_trap", json!([]), cp()),
        Err(MarineError::Trap { .. })
    ));
    assert!(matches!(
        misbehaving.call("allocate_mib", json!([16]), cp()),
        Err(MarineError::MemoryLimit { .. })
    ));
}

#[test]
fn creating_calling_and_dropping_services_levels_off() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.txt");
    std::fs::write(&source, "soak").unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let kinds = kinds(dir.path());

    for i in 0..WARM_UP {
        round(&kinds, i, &source);
    }
    let (rss_before, fds_before) = (rss(), open_fds());
    for i in WARM_UP..ROUNDS {
        round(&kinds, i, &source);
    }
    let (rss_after, fds_after) = (rss(), open_fds());
    eprintln!(
        "soak: {ROUNDS} rounds; RSS {:?} -> {:?} MiB, fds {fds_before:?} -> {fds_after:?}",
        rss_before.map(|b| b / MIB),
        rss_after.map(|b| b / MIB)
    );
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        // 1,700 rounds create 6,800 services (13,600 module instances): a leak of even one
        // page per service would add 26 MiB.
        assert!(
            after <= before + 16 * MIB,
            "resident memory grew from {} to {} MiB",
            before / MIB,
            after / MIB
        );
    }
    if let (Some(before), Some(after)) = (fds_before, fds_after) {
        assert!(
            after <= before + 2,
            "open fds grew from {before} to {after}"
        );
    }
}
