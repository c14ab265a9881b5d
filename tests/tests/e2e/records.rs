use crate::{call1, load, s};
use marine_runtime::IValue::{self, *};

fn record0(v: i32) -> IValue {
    Record(vec![S32(v)])
}

fn record1(v: i32, text: &str, bytes: Vec<u8>, inner: i32) -> IValue {
    Record(vec![S32(v), s(text), ByteArray(bytes), record0(inner)])
}

fn all_types(seed: i64) -> IValue {
    Record(vec![
        Boolean(seed % 2 == 0),
        S8(i8::MIN),
        S16(i16::MAX),
        S32(-123_456),
        S64(i64::MIN + seed),
        U8(u8::MAX),
        U16(u16::MAX),
        U32(u32::MAX),
        U64(u64::MAX - seed as u64),
        F32(3.25),
        F64(-1e300),
        s("ünïcödé ✓"),
        ByteArray((0..=255).collect()),
        Array(vec![s("a"), s(""), s("ccc")]),
        record1(7, "nested", vec![1, 2, 3], -7),
    ])
}

#[test]
fn seed_records_round_trip() {
    let mut m = load("records");
    assert_eq!(
        call1(&mut m, "records", "echo_record0", vec![record0(i32::MIN)]),
        record0(i32::MIN)
    );
    let r = record1(42, "text", vec![0, 255, 7], 9);
    assert_eq!(call1(&mut m, "records", "echo_record1", vec![r.clone()]), r);
    let empty = record1(0, "", vec![], 0);
    assert_eq!(
        call1(&mut m, "records", "echo_record1", vec![empty.clone()]),
        empty
    );
}

#[test]
fn record_with_every_field_type_round_trips() {
    let mut m = load("records");
    let r = all_types(4);
    assert_eq!(call1(&mut m, "records", "echo_all", vec![r.clone()]), r);
}

#[test]
fn guest_decodes_and_reencodes_every_field() {
    let mut m = load("records");
    let out = call1(&mut m, "records", "mutate", vec![all_types(3)]);
    let expected = Record(vec![
        Boolean(true),
        S8(i8::MIN + 1),
        S16(i16::MIN),
        S32(-123_455),
        S64(i64::MIN + 4),
        U8(0),
        U16(0),
        U32(0),
        U64(u64::MAX - 2),
        F32(6.5),
        F64(-2e300),
        s("ÜNÏCÖDÉ ✓"),
        ByteArray((0..=255).rev().collect()),
        Array(vec![s("a"), s(""), s("ccc"), s("mutated")]),
        record1(8, "nested", vec![1, 2, 3], -8),
    ]);
    assert_eq!(out, expected);
}

#[test]
fn records_by_reference() {
    let mut m = load("records");
    let r = record1(40, "x", vec![], 2);
    assert_eq!(
        call1(&mut m, "records", "test_record_ref", vec![r]),
        record0(42)
    );
    assert_eq!(
        call1(&mut m, "records", "mutate_ref", vec![record0(21)]),
        S32(42)
    );
    assert_eq!(
        call1(
            &mut m,
            "records",
            "records_by_ref",
            vec![record0(i32::MAX), record0(i32::MAX)]
        ),
        S64(2 * i32::MAX as i64)
    );
}

#[test]
fn vector_of_records_by_reference() {
    let mut m = load("records");
    let items: Vec<IValue> = (0..50)
        .map(|i| record1(i, &format!("item {i}"), vec![i as u8; i as usize], -i))
        .collect();
    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(
        call1(&mut m, "records", "test_record_array", vec![Array(items)]),
        Array(reversed)
    );
    assert_eq!(
        call1(&mut m, "records", "test_record_array", vec![Array(vec![])]),
        Array(vec![])
    );
}

#[test]
fn records_nested_two_levels_with_private_fields() {
    let mut m = load("records");
    let wrapped = call1(&mut m, "records", "wrap", vec![all_types(2), s("label")]);
    assert_eq!(wrapped, Record(vec![all_types(2), s("label")]));
    assert_eq!(
        call1(&mut m, "records", "unwrap_label", vec![wrapped]),
        s("label:ünïcödé ✓")
    );
}

#[test]
fn record_argument_of_wrong_shape_is_rejected_before_the_call() {
    let mut m = load("records");
    let err = m
        .call_with_ivalues("records", "echo_record1", &[record0(1)])
        .unwrap_err();
    assert!(
        matches!(err, marine_runtime::MarineError::ArgumentType { .. }),
        "{err:?}"
    );
}
