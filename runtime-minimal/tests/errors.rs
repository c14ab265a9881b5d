//! Errors of calls: guest garbage, traps and wrong arguments are typed errors, and the module keeps serving.

mod common;

use common::*;
use marine_runtime::{IValue, MarineError};

#[test]
fn guest_garbage_gives_typed_errors() {
    let mut m = marine();
    let e = call(&mut m, "bad_ptr", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { ptr, len: 100, function, .. } if *ptr == 0xFFFF_FFF0 && function == "bad_ptr"),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "past_end", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { len: 100, .. }),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "huge_count", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { len, .. } if *len == u32::MAX as u64 * 8),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "invalid_utf8", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::InvalidUtf8 {
                valid_up_to: 0,
                len: 3,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "nested_bad", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::OutOfBounds {
                ptr: 0xFFFF_FF00,
                len: 10,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "bad_record", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::OutOfBounds {
                ptr: 0xFFFF_FFFF,
                len: 79,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);
}

#[test]
fn traps_are_typed_and_recoverable() {
    let mut m = marine();
    let e = call(&mut m, "trap", vec![]).unwrap_err();
    match &e {
        MarineError::Trap {
            module,
            function,
            source,
            panic_message,
            ..
        } => {
            let message = source.to_string();
            assert_eq!((module.as_str(), function.as_str()), ("g", "trap"));
            assert!(message.contains("unreachable"), "{message}");
            assert_eq!(panic_message, &None);
            assert_eq!(e.trap_code(), Some(wasmtime::Trap::UnreachableCodeReached));
        }
        other => panic!("{other}"),
    }
    assert_next_call_works(&mut m);
}

#[test]
fn argument_checks() {
    let mut m = marine();
    let e = call(&mut m, "echo_string", vec![]).unwrap_err();
    assert!(
        matches!(
            e,
            MarineError::ArgumentCount {
                expected: 1,
                given: 0,
                ..
            }
        ),
        "{e}"
    );
    let e = call(&mut m, "echo_string", vec![IValue::S32(1)]).unwrap_err();
    match e {
        MarineError::ArgumentType {
            argument,
            expected,
            given,
            function,
            ..
        } => {
            assert_eq!(
                (argument.as_str(), expected.as_str(), given.as_str()),
                ("v", "string", "i32")
            );
            assert_eq!(function, "echo_string");
        }
        other => panic!("{other}"),
    }
    let e = call(
        &mut m,
        "echo_u32s",
        vec![IValue::Array(vec![IValue::U32(1), IValue::U64(2)])],
    )
    .unwrap_err();
    assert!(e.to_string().contains("array element 1: u64"), "{e}");
    let e = call(&mut m, "echo_record", vec![IValue::Record(vec![])]).unwrap_err();
    assert!(e.to_string().contains("record with 0 fields"), "{e}");
    let e = call(&mut m, "nope", vec![]).unwrap_err();
    assert!(matches!(e, MarineError::NoSuchFunction { .. }), "{e}");
    // ABI functions are not callable as marine functions.
    assert!(matches!(
        call(&mut m, "allocate", vec![]).unwrap_err(),
        MarineError::NoSuchFunction { .. }
    ));
    let e = m.call_with_ivalues("nomod", "f", &[]).unwrap_err();
    assert!(matches!(e, MarineError::NoSuchModule(_)), "{e}");
}
