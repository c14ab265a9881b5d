//! A guest that breaks the ABI gets a typed error, never a host panic, and service goes on.
use crate::{call1, load, s};
use marine_runtime::{IValue, MarineError};

fn assert_ok_still_works(m: &mut marine_runtime::Marine) {
    assert_eq!(call1(m, "misbehaving", "ok", vec![]), s("still fine"));
}

#[test]
fn out_of_bounds_result_pointer() {
    let mut m = load("misbehaving");
    let err = m
        .call_with_ivalues("misbehaving", "oob_ptr", &[])
        .unwrap_err();
    assert!(
        matches!(err, MarineError::OutOfBounds { ref function, .. } if function == "oob_ptr"),
        "{err:?}"
    );
    assert!(err.to_string().contains("misbehaving"), "{err}");
    assert_ok_still_works(&mut m);
}

#[test]
fn length_past_the_end_of_memory() {
    let mut m = load("misbehaving");
    let err = m
        .call_with_ivalues("misbehaving", "len_past_end", &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            MarineError::OutOfBounds {
                len: 0x7fff_ffff,
                ..
            }
        ),
        "{err:?}"
    );
    assert_ok_still_works(&mut m);
}

#[test]
fn invalid_utf8_string() {
    let mut m = load("misbehaving");
    let err = m
        .call_with_ivalues("misbehaving", "invalid_utf8", &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            MarineError::InvalidUtf8 {
                valid_up_to: 2,
                len: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_ok_still_works(&mut m);
}

#[test]
fn vector_count_past_memory() {
    let mut m = load("misbehaving");
    let err = m
        .call_with_ivalues("misbehaving", "huge_vec", &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            MarineError::OutOfBounds { .. } | MarineError::Abi { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("huge_vec"), "{err}");
    assert_ok_still_works(&mut m);
}

#[test]
fn record_with_dangling_field_and_dangling_record() {
    let mut m = load("misbehaving");
    for func in ["bad_record", "oob_record"] {
        let err = m.call_with_ivalues("misbehaving", func, &[]).unwrap_err();
        assert!(
            matches!(err, MarineError::OutOfBounds { .. }),
            "{func}: {err:?}"
        );
    }
    assert_ok_still_works(&mut m);
}

#[test]
fn traps_are_typed_and_a_fresh_instance_serves() {
    let mut m = load("misbehaving");
    let err = m
        .call_with_ivalues("misbehaving", "panics", &[s("boom")])
        .unwrap_err();
    assert!(
        matches!(err, MarineError::Trap { ref module, ref function, .. } if module == "misbehaving" && function == "panics"),
        "{err:?}"
    );
    let err = m
        .call_with_ivalues("misbehaving", "unreachable_trap", &[])
        .unwrap_err();
    assert!(matches!(err, MarineError::Trap { .. }), "{err:?}");

    m.unload_module("misbehaving").unwrap();
    m.load_module("misbehaving", marine_e2e::example_wasm("misbehaving"))
        .unwrap();
    assert_ok_still_works(&mut m);
}

#[test]
fn memory_growth_is_seen_by_later_lifts() {
    let mut m = load("misbehaving");
    let before = call1(&mut m, "misbehaving", "grow_memory", vec![IValue::U32(0)]);
    let IValue::U32(pages) = before else {
        panic!("{before:?}")
    };
    let grown = call1(&mut m, "misbehaving", "grow_memory", vec![IValue::U32(16)]);
    assert_eq!(grown, IValue::U32(pages));
    assert_ok_still_works(&mut m);
}
