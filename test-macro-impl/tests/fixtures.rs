//! Fixture modules for the expansion snapshots and the UI tests of `marine-test-macro`:
//! synthetic wasm files with Marine metadata, committed under `tests/fixtures/`. This test
//! checks they are valid wasm and current; `MARINE_BLESS=1` rewrites them.

use std::path::Path;

use marine_test_macro_impl::fixtures::*;

/// (path under tests/fixtures, wasm bytes)
fn fixture_modules() -> Vec<(&'static str, Vec<u8>)> {
    let data = || {
        record_decl(
            "Data",
            &[("id", u64()), ("name", string()), ("tags", vec(string()))],
        )
    };
    vec![
        (
            "single/artifacts/greeting.wasm",
            module_of(&[function("greeting", &[("name", string())], Some(string()))]),
        ),
        (
            "single/artifacts/counter-module.wasm",
            module_of(&[
                function("add", &[("a", i32()), ("b", i32())], Some(i32())),
                function("reset", &[], None),
            ]),
        ),
        (
            "svc_a/artifacts/producer.wasm",
            module_of(&[
                function("make_data", &[("name", string())], Some(record("Data"))),
                data(),
            ]),
        ),
        (
            "svc_a/artifacts/clash.wasm",
            module_of(&[
                function("other", &[], Some(record("Data"))),
                record_decl("Data", &[("x", i32())]),
            ]),
        ),
        (
            "svc_a/artifacts/facade.wasm",
            module_of(&[
                function("process", &[("data", record("Data"))], Some(record("Pair"))),
                function("void_fn", &[], None),
                data(),
                record_decl(
                    "Pair",
                    &[("left", record("Data")), ("right", vec(record("Data")))],
                ),
            ]),
        ),
        (
            "svc_b/artifacts/consumer.wasm",
            module_of(&[
                function(
                    "consume",
                    &[("data", record("Data")), ("cp", bool())],
                    Some(record("Weird")),
                ),
                data(),
                record_decl(
                    "Weird",
                    &[("type", string()), ("bytes", vec(u8())), ("ratio", f64())],
                ),
            ]),
        ),
    ]
}

#[test]
fn fixtures_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bless = std::env::var_os("MARINE_BLESS").is_some();
    for (path, bytes) in fixture_modules() {
        wasmparser::Validator::new()
            .validate_all(&bytes)
            .unwrap_or_else(|e| panic!("{path} is not valid wasm: {e}"));
        let path = dir.join(path);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else {
            let current = std::fs::read(&path).unwrap_or_default();
            assert!(
                current == bytes,
                "{} is stale; run with MARINE_BLESS=1",
                path.display()
            );
        }
    }
}
