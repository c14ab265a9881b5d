//! Memory limits: per module and in total.

mod common;

use common::*;
use marine_runtime::{IValue, MModuleConfig, Marine, MarineError};

#[test]
fn memory_limits() {
    let mut m = Marine::new();
    let config = MModuleConfig {
        mem_limit_bytes: Some(2 * 65536),
        ..Default::default()
    };
    m.load_module_with_config("g", guest_wasm(), config)
        .unwrap();
    // Fits in the second page.
    echo(&mut m, "echo_bytes", IValue::ByteArray(vec![1; 70000]));
    // Needs a third page: memory.grow fails in allocate, which returns 0; the failure is
    // reported as the memory limit, wrapping the allocation failure.
    let e = call(
        &mut m,
        "echo_bytes",
        vec![IValue::ByteArray(vec![1; 1 << 17])],
    )
    .unwrap_err();
    match &e {
        MarineError::MemoryLimit {
            module,
            function,
            scope,
            limit,
            requested,
            source,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("g", "echo_bytes"));
            assert_eq!(*scope, marine_runtime::MemoryLimitScope::Module);
            assert_eq!(*limit, 2 * 65536);
            assert!(*requested > *limit, "{requested}");
            assert!(
                matches!(
                    &**source,
                    MarineError::Abi { source, .. }
                        if matches!(**source, marine_runtime::AbiError::Allocation { .. })
                ),
                "{source}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .contains("refused by the module limit of 131072 bytes"),
        "{e}"
    );
    assert_eq!(m.memory_stats().allocation_rejects, 1);
    assert_eq!(m.memory_stats().total_used, 2 * 65536);
    echo(
        &mut m,
        "echo_string",
        IValue::String("small still works".into()),
    );
    m.clear_allocation_stats();
    assert_eq!(m.memory_stats().allocation_rejects, 0);

    // Total limit: a second module does not fit.
    m.set_total_memory_limit(Some(2 * 65536 + 65535));
    let e = m.load_module("h", guest_wasm()).unwrap_err();
    assert!(matches!(&e, MarineError::Instantiate { .. }), "{e}");
    m.set_total_memory_limit(Some(3 * 65536));
    m.load_module("h", guest_wasm()).unwrap();
    // A module limit below the initial memory fails loading.
    let config = MModuleConfig {
        mem_limit_bytes: Some(1000),
        ..Default::default()
    };
    m.set_total_memory_limit(None);
    assert!(m
        .load_module_with_config("tiny", guest_wasm(), config)
        .is_err());
}
