//! The guest side of the protocol: allocation sizes, tags and order, `release_objects`, failing allocators.

mod common;

use common::*;
use marine_runtime::{IValue, Marine, MarineError};

#[test]
fn allocation_tags_and_order() {
    let mut m = marine();
    let before = alloc_log(&m, 0).len() as u32;
    call(
        &mut m,
        "echo_u64s",
        vec![IValue::Array(vec![IValue::U64(1), IValue::U64(2)])],
    )
    .unwrap();
    call(
        &mut m,
        "echo_strings",
        vec![IValue::Array(vec![IValue::String("ab".into())])],
    )
    .unwrap();
    call(&mut m, "echo_record", vec![all_record(0)]).unwrap();
    let log = alloc_log(&m, before);
    assert_eq!(&log[..3], &[(16, 4), (8, 3), (2, 1)]);
    // Record: nested buffers first (string, bytes, inner record's string/bytes, inner record,
    // the []Inner pointer array before its elements, ...), the 79-byte record last.
    assert_eq!(log.last(), Some(&(79, 1)));
    assert_eq!(log[3], ("ünïcödé ✓ 0".len() as u32, 1), "f_str first");
}

#[test]
fn release_objects_only_after_complex_outputs() {
    let mut m = marine();
    let releases = |m: &mut Marine| match call(m, "releases", vec![]).unwrap()[0] {
        IValue::U32(n) => n,
        _ => unreachable!(),
    };
    let r0 = releases(&mut m);
    call(&mut m, "id_i32", vec![IValue::S32(1)]).unwrap();
    assert_eq!(releases(&mut m), r0);
    call(&mut m, "echo_string", vec![IValue::String("x".into())]).unwrap();
    assert_eq!(releases(&mut m), r0 + 1);
    call(&mut m, "echo_record", vec![all_record(0)]).unwrap();
    assert_eq!(releases(&mut m), r0 + 2);
    // Also after a failed lift.
    call(&mut m, "bad_ptr", vec![]).unwrap_err();
    assert_eq!(releases(&mut m), r0 + 3);
}

#[test]
fn allocation_failures() {
    let mut m = marine();
    call(&mut m, "set_fail_alloc", vec![IValue::S32(1)]).unwrap();
    let e = call(&mut m, "echo_string", vec![IValue::String("x".into())]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::Abi { source, .. }
                if matches!(
                    **source,
                    marine_runtime::AbiError::Allocation {
                        size: 1,
                        tag: 1,
                        ..
                    }
                )
        ),
        "{e}"
    );
    // Empty values need no allocation.
    echo(&mut m, "echo_string", IValue::String(String::new()));
    call(&mut m, "set_fail_alloc", vec![IValue::S32(2)]).unwrap();
    let e = call(&mut m, "echo_bytes", vec![IValue::ByteArray(vec![1])]).unwrap_err();
    assert!(e.to_string().contains("unreachable"), "{e}");
    call(&mut m, "set_fail_alloc", vec![IValue::S32(0)]).unwrap();
    assert_next_call_works(&mut m);
}
