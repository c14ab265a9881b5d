//! The compiled-code cache on real modules: a second process finding a module file unchanged
//! takes its code from the cache and its interface from the file's interface sections alone,
//! and gets what compiling the bytes gives.

use std::time::Duration;

use marine_runtime::{DiskCacheOptions, IValue, Limits, Marine, MarineEngine};

/// Example modules of every kind of interface: records, extensions, arrays, imports.
const MODULES: [&str; 6] = [
    "greeting",
    "records",
    "rich_types",
    "arrays",
    "local_storage",
    "facade",
];

#[test]
fn a_second_process_reads_only_the_interface_and_gets_the_same_module() {
    let dir = tempfile::tempdir().unwrap();
    let options = DiskCacheOptions::in_dir(dir.path().join("cache"));
    // Copies, so that their stamps are this test's: recorded once they are old enough.
    let files: Vec<_> = MODULES
        .iter()
        .map(|name| {
            let path = dir.path().join(format!("{name}.wasm"));
            std::fs::copy(marine_e2e::example_wasm(name), &path).unwrap();
            path
        })
        .collect();
    std::thread::sleep(Duration::from_millis(2200));

    // The first process compiles (and records each file's digest under its stamp).
    let first = MarineEngine::new().unwrap();
    let compiled: Vec<_> = MODULES
        .iter()
        .zip(&files)
        .map(|(name, path)| {
            first
                .compile_file_with_cache(name, path, &Limits::default(), &options)
                .unwrap()
        })
        .collect();
    let stats = first.disk_cache_stats();
    assert_eq!(
        (stats.stores, stats.digests_recalled),
        (MODULES.len() as u64, 0)
    );

    // The second finds every file unchanged: no hashing, no compiling, the same interface.
    let second = MarineEngine::new().unwrap();
    for ((name, path), expected) in MODULES.iter().zip(&files).zip(&compiled) {
        let found = second
            .compile_file_with_cache(name, path, &Limits::default(), &options)
            .unwrap();
        assert_eq!(
            format!("{:?}", found.interface),
            format!("{:?}", expected.interface),
            "{name}: the interface read from its sections"
        );
        assert_eq!(found.metrics, expected.metrics, "{name}");
    }
    let stats = second.disk_cache_stats();
    let n = MODULES.len() as u64;
    assert_eq!(
        (stats.hits, stats.misses, stats.digests_recalled),
        (n, 0, n)
    );

    // And the modules run (the file found unchanged in the engine's memory this time).
    let mut marine = Marine::with_engine(second);
    marine.load_module("greeting", files[0].clone()).unwrap();
    let out = marine
        .call_with_ivalues("greeting", "greeting", &[IValue::String("cache".into())])
        .unwrap();
    assert_eq!(out, vec![IValue::String("Hi, cache".into())]);
}
