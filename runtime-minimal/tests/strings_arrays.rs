//! Strings, byte arrays and arrays of scalars through the export protocol.

mod common;

use common::*;
use marine_runtime::IValue;

#[test]
fn strings_and_byte_arrays() {
    let mut m = marine();
    for s in ["", "a", "Hi, user", "ünïcödé ✓ 日本語 🎉"] {
        echo(&mut m, "echo_string", IValue::String(s.into()));
    }
    echo(&mut m, "echo_bytes", IValue::ByteArray(vec![]));
    echo(&mut m, "echo_bytes", IValue::ByteArray((0..=255).collect()));
    // 1 MiB: memory must grow inside allocate.
    let big: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    echo(&mut m, "echo_bytes", IValue::ByteArray(big));
    // An array of U8 values is accepted for a byte array (JSON path) and comes back as bytes.
    assert_eq!(
        call(
            &mut m,
            "echo_bytes",
            vec![IValue::Array(vec![IValue::U8(1), IValue::U8(2)])]
        )
        .unwrap(),
        vec![IValue::ByteArray(vec![1, 2])]
    );
}

#[test]
fn scalar_arrays() {
    let mut m = marine();
    let arr = |v: Vec<IValue>| IValue::Array(v);
    echo(
        &mut m,
        "echo_bools",
        arr(vec![IValue::Boolean(true), IValue::Boolean(false)]),
    );
    echo(
        &mut m,
        "echo_i8s",
        arr(vec![IValue::S8(i8::MIN), IValue::S8(7)]),
    );
    echo(
        &mut m,
        "echo_u16s",
        arr(vec![IValue::U16(u16::MAX), IValue::U16(1)]),
    );
    echo(&mut m, "echo_i32s", arr(vec![IValue::S32(i32::MIN)]));
    echo(
        &mut m,
        "echo_u32s",
        arr(vec![IValue::U32(u32::MAX), IValue::U32(1 << 31)]),
    );
    echo(
        &mut m,
        "echo_i64s",
        arr(vec![IValue::S64(i64::MIN), IValue::S64(i64::MAX)]),
    );
    echo(
        &mut m,
        "echo_u64s",
        arr(vec![IValue::U64(u64::MAX), IValue::U64(0)]),
    );
    echo(
        &mut m,
        "echo_f32s",
        arr(vec![IValue::F32(1.25), IValue::F32(f32::INFINITY)]),
    );
    echo(&mut m, "echo_f64s", arr(vec![IValue::F64(-2.5)]));
    for f in [
        "echo_bools",
        "echo_u64s",
        "echo_strings",
        "echo_records",
        "echo_nested",
    ] {
        echo(&mut m, f, arr(vec![]));
    }
}

#[test]
fn empty_results_with_dangling_pointer() {
    let mut m = marine();
    assert_eq!(
        call(&mut m, "empty_dangling", vec![]).unwrap(),
        vec![IValue::Array(vec![])]
    );
}
