//! `try_` variants return the error (module, function, cause) instead of panicking; the plain
//! variants panic with the same message.

use marine_rs_sdk_test::{marine_test, Error};
use marine_runtime::MarineError;

#[marine_test(
    config_path = "../services/misbehaving/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn trap_is_returned(misbehaving: marine_test_env::misbehaving::ModuleInterface) {
    let err = misbehaving.try_panics("boom".into()).unwrap_err();
    match &err {
        Error::Call {
            module,
            function,
            source,
        } if matches!(**source, MarineError::Trap { .. }) => {
            assert_eq!(module, "misbehaving");
            assert_eq!(function, "panics");
        }
        other => panic!("unexpected error {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("module `misbehaving`, function `panics`"),
        "{text}"
    );
    assert!(matches!(
        misbehaving
            .try_unreachable_trap()
            .unwrap_err()
            .marine_error(),
        Some(MarineError::Trap { .. })
    ));
    // The module still answers afterwards.
    assert_eq!(misbehaving.ok(), "still fine");
}

#[marine_test(
    config_path = "../services/misbehaving/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn abi_violations_are_returned(misbehaving: marine_test_env::misbehaving::ModuleInterface) {
    let err = misbehaving.try_oob_ptr().unwrap_err();
    assert!(
        matches!(&err, Error::Call { function, source, .. }
            if function == "oob_ptr" && matches!(**source, MarineError::OutOfBounds { .. })),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "module `misbehaving`, function `oob_ptr`: result string: string: 16 bytes at 0xffffff00 are out of bounds of the 1114112-byte memory");
    let err = misbehaving.try_invalid_utf8().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Call {
                module,
                function,
                source,
            } if module == "misbehaving" && function == "invalid_utf8"
                && matches!(**source, MarineError::InvalidUtf8 { valid_up_to: 2, len: 4, .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "module `misbehaving`, function `invalid_utf8`: result string: string: invalid UTF-8 at byte 2 of 4");
    let err = misbehaving.try_bad_record().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Call {
                function,
                source,
                ..
            } if function == "bad_record"
                && matches!(&**source, MarineError::OutOfBounds { function: inner, .. } if inner == "bad_record")
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "module `misbehaving`, function `bad_record`: result record Pair: string: 4 bytes at 0xffffff00 are out of bounds of the 1114112-byte memory");
}

#[marine_test(
    config_path = "../services/misbehaving/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
#[should_panic(expected = "module `misbehaving`, function `panics`")]
fn plain_variant_panics_with_module_and_function(
    misbehaving: marine_test_env::misbehaving::ModuleInterface,
) {
    misbehaving.panics("boom".into());
}

#[marine_test(
    config_path = "../services/misbehaving/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn timeout_is_returned_and_the_service_keeps_serving(
    misbehaving: marine_test_env::misbehaving::ModuleInterface,
) {
    use marine_rs_sdk_test::MarineServiceAccess;

    misbehaving
        .marine_service()
        .set_call_timeout(Some(std::time::Duration::from_millis(200)));
    let err = misbehaving.try_spin().unwrap_err();
    assert!(
        matches!(&err, Error::Call { function, source, .. }
            if function == "spin"
                && matches!(&**source, MarineError::Timeout { module, .. } if module == "misbehaving")),
        "{err:?}"
    );
    assert_eq!(misbehaving.ok(), "still fine");
}

#[marine_test(
    config_path = "../services/misbehaving/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn memory_limit_is_returned_and_the_service_keeps_serving(
    misbehaving: marine_test_env::misbehaving::ModuleInterface,
) {
    // The service's total_memory_limit is 20 MiB.
    let err = misbehaving.try_allocate_mib(64).unwrap_err();
    assert!(
        matches!(&err, Error::Call { function, source, .. }
            if function == "allocate_mib"
                && matches!(&**source, MarineError::MemoryLimit { module, .. } if module == "misbehaving")),
        "{err:?}"
    );
    assert_eq!(misbehaving.allocate_mib(1), 1);
    assert_eq!(misbehaving.ok(), "still fine");
}

/// The errors stay small to return: the runtime's error is boxed inside the test env's, and
/// the runtime's own error stays under clippy's `result_large_err` threshold (128 bytes)
/// without any allowance.
#[test]
fn errors_are_small_to_return() {
    assert!(
        std::mem::size_of::<Error>() <= 72,
        "{}",
        std::mem::size_of::<Error>()
    );
    assert!(std::mem::size_of::<Result<(), Error>>() <= 72);
    assert!(
        std::mem::size_of::<MarineError>() < 128,
        "{}",
        std::mem::size_of::<MarineError>()
    );
}
