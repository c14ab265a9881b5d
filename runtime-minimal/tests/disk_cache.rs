//! The persistent compiled-code cache across real processes and through a service's
//! `Config.toml` (`[compiled_cache]`). The unit tests of `src/disk_cache.rs` cover damaged
//! entries, eviction, threads and precompiled files.

mod common;

use std::path::Path;
use std::process::Command;

use common::guest_wasm;
use marine_runtime::config::ServiceConfig;
use marine_runtime::service::{MarineService, ServiceOptions};
use marine_runtime::{DiskCacheOptions, MarineEngine};

/// Set in the child processes of `two_processes_share_the_cache` to the folder of the config.
const CHILD_ENV: &str = "MARINE_DISK_CACHE_TEST_CHILD";

fn write_service(dir: &Path, cache_table: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("guest.wasm"), guest_wasm()).unwrap();
    let config = dir.join("Config.toml");
    std::fs::write(
        &config,
        format!("modules_dir = \".\"\n[[module]]\nname = \"guest\"\n{cache_table}"),
    )
    .unwrap();
    config
}

/// Creates the service of `config` on a fresh engine; returns the engine's disk cache stats.
fn create(config: &Path, options: ServiceOptions) -> marine_runtime::DiskCacheStats {
    let engine = MarineEngine::new().unwrap();
    let options = ServiceOptions {
        engine: engine.clone(),
        ..options
    };
    let service =
        MarineService::with_options(ServiceConfig::from_path(config).unwrap(), options).unwrap();
    drop(service);
    engine.disk_cache_stats()
}

/// The child half of `two_processes_share_the_cache` (does nothing when run on its own).
#[test]
fn child_creates_the_service() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let stats = create(
        &Path::new(&dir).join("Config.toml"),
        ServiceOptions::default(),
    );
    println!(
        "STATS hits={} misses={} stores={}",
        stats.hits, stats.misses, stats.stores
    );
}

#[test]
fn two_processes_share_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    write_service(dir.path(), "[compiled_cache]\ndir = \"cache\"\n");
    let run = || {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_creates_the_service", "--nocapture"])
            .env(CHILD_ENV, dir.path())
            .env_remove("MARINE_NO_CACHE")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("STATS ").map(str::to_owned))
            .unwrap_or_else(|| panic!("no STATS line in {stdout}"))
    };
    assert_eq!(run(), "hits=0 misses=1 stores=1");
    let cached: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(run(), "hits=1 misses=0 stores=0");
}

#[test]
fn the_config_table_overrides_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let options_dir = dir.path().join("from-options");
    let options =
        || ServiceOptions::default().with_compiled_cache(DiskCacheOptions::in_dir(&options_dir));

    // No table: the options' directory.
    let config = write_service(dir.path(), "");
    assert_eq!(create(&config, options()).stores, 1);
    assert!(options_dir.exists());

    // `enabled = false` switches it off: nothing read, nothing written.
    std::fs::remove_dir_all(&options_dir).unwrap();
    let config = write_service(dir.path(), "[compiled_cache]\nenabled = false\n");
    assert_eq!(create(&config, options()), Default::default());
    assert!(!options_dir.exists());

    // `dir` replaces the options' directory.
    let config = write_service(dir.path(), "[compiled_cache]\ndir = \"other\"\n");
    assert_eq!(create(&config, options()).stores, 1);
    assert!(dir.path().join("other").exists());
    assert!(!options_dir.exists());

    // `enabled = true` switches on a cache the options had off.
    let off = || ServiceOptions::default().with_compiled_cache(DiskCacheOptions::disabled());
    let config = write_service(
        dir.path(),
        "[compiled_cache]\nenabled = true\ndir = \"other\"\n",
    );
    assert_eq!(create(&config, off()).hits, 1);
}
