//! Unloading a module releases what it held: the module itself (instance, store), its share
//! of the total memory limit (a module of the same size fits again) and, on Linux, its memory
//! pages and address space (the process's resident and virtual sizes drop). A test binary of
//! its own, so no other test allocates or maps memory while they are measured.

use std::sync::Arc;

use marine_e2e::{rss, virtual_size};
use marine_runtime::{IValue, Marine, MarineError};

const MIB: u64 = 1 << 20;

fn allocate_mib(marine: &mut Marine, mib: u32) -> Result<Vec<IValue>, MarineError> {
    marine.call_with_ivalues("misbehaving", "allocate_mib", &[IValue::U32(mib)])
}

#[test]
fn unload_returns_memory_to_the_limit_and_to_the_os() {
    let wasm = marine_e2e::example_wasm("misbehaving");
    let mut marine = Marine::new();
    // Room for one module that touched 96 MiB, not for two.
    marine.set_total_memory_limit(Some(160 * MIB));
    let empty = marine.memory_stats().total_used;

    marine.load_module("misbehaving", &wasm).unwrap();
    allocate_mib(&mut marine, 96).unwrap();
    let used = marine.memory_stats().total_used - empty;
    assert!(used >= 96 * MIB, "the module grew to {used} bytes");
    let rss_loaded = rss();

    marine.unload_module("misbehaving").unwrap();
    assert_eq!(
        marine.memory_stats().total_used,
        empty,
        "an unloaded module's memory no longer counts against the limit"
    );
    if let (Some(loaded), Some(unloaded)) = (rss_loaded, rss()) {
        assert!(
            unloaded + 64 * MIB <= loaded,
            "resident size should drop by about 96 MiB on unload: {} MiB -> {} MiB",
            loaded / MIB,
            unloaded / MIB
        );
    }

    // The same again under the same name: it fits because the first one's share was returned.
    marine.load_module("misbehaving", &wasm).unwrap();
    allocate_mib(&mut marine, 96).unwrap();
    assert_eq!(allocate_mib(&mut marine, 1).unwrap(), vec![IValue::U32(1)]);
}

/// `records_passing_effector` and `records_passing_pure`, which imports from it.
fn records_pair() -> Marine {
    let mut marine = Marine::new();
    for name in ["records_passing_effector", "records_passing_pure"] {
        marine
            .load_module(name, marine_e2e::example_wasm(name))
            .unwrap();
    }
    marine
}

#[test]
fn a_module_still_imported_is_not_released() {
    // `records_passing_pure` imports `records_passing_effector`: unloading the callee at the
    // `Marine` level keeps it working for its importer (official behaviour), so nothing may be
    // freed.
    let mut marine = records_pair();
    let before = marine.memory_stats().total_used;
    marine.unload_module("records_passing_effector").unwrap();
    assert_eq!(marine.memory_stats().total_used, before);
    assert!(!marine.has_module("records_passing_effector"));
    let out = marine
        .call_with_ivalues("records_passing_pure", "invoke_twice", &[IValue::U32(2)])
        .unwrap();
    assert!(
        matches!(&out[..], [IValue::Array(records)] if records.len() == 2),
        "{out:?}"
    );
}

#[test]
fn unload_frees_the_instance_and_its_address_space() {
    let wasm = marine_e2e::example_wasm("misbehaving");
    let mut marine = Marine::new();
    marine.load_module("misbehaving", &wasm).unwrap();
    let module = Arc::downgrade(marine.module("misbehaving").unwrap());
    marine.unload_module("misbehaving").unwrap();
    assert!(
        module.upgrade().is_none(),
        "the module (its instance and store) is dropped at unload"
    );

    // Every wasm memory reserves GiBs of address space (4 GiB plus guard pages on 64-bit
    // hosts). Had instances stayed until the service was dropped, 200 load/unload rounds
    // would add about a TiB of virtual size; the bound leaves room for the other tests of
    // this binary, which run meanwhile.
    let start = virtual_size();
    for round in 0..200 {
        marine.load_module("misbehaving", &wasm).unwrap();
        assert_eq!(
            allocate_mib(&mut marine, 1).unwrap(),
            vec![IValue::U32(1)],
            "round {round}"
        );
        marine.unload_module("misbehaving").unwrap();
    }
    if let (Some(start), Some(end)) = (start, virtual_size()) {
        assert!(
            end < start + 64 * 1024 * MIB,
            "virtual size grew from {} MiB to {} MiB over 200 load/unload rounds",
            start / MIB,
            end / MIB
        );
    }
    assert_eq!(marine.memory_stats().total_used, 0);
}

#[test]
fn an_imported_module_is_freed_with_its_last_importer() {
    let mut marine = records_pair();
    let effector = Arc::downgrade(marine.module("records_passing_effector").unwrap());
    marine.unload_module("records_passing_effector").unwrap();
    assert!(effector.upgrade().is_some(), "its importer still calls it");
    marine.unload_module("records_passing_pure").unwrap();
    assert!(
        effector.upgrade().is_none(),
        "freed once nothing imports it"
    );
    assert_eq!(marine.memory_stats().total_used, 0);
}
