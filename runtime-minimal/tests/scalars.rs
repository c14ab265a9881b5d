//! Scalars: every scalar type round-trips through the export protocol; narrow integers are extended and truncated.

mod common;

use common::*;
use marine_runtime::IValue;

#[test]
fn scalars_round_trip() {
    let mut m = marine();
    for v in [IValue::Boolean(true), IValue::Boolean(false)] {
        echo(&mut m, "id_bool", v);
    }
    for v in [i8::MIN, -1, 0, i8::MAX] {
        echo(&mut m, "id_i8", IValue::S8(v));
    }
    for v in [i16::MIN, -1, i16::MAX] {
        echo(&mut m, "id_i16", IValue::S16(v));
    }
    for v in [i32::MIN, -1, i32::MAX] {
        echo(&mut m, "id_i32", IValue::S32(v));
    }
    for v in [0, 200, u8::MAX] {
        echo(&mut m, "id_u8", IValue::U8(v));
    }
    echo(&mut m, "id_u16", IValue::U16(u16::MAX));
    for v in [0, 1 << 31, u32::MAX] {
        echo(&mut m, "id_u32", IValue::U32(v));
    }
    for v in [i64::MIN, -1, i64::MAX] {
        echo(&mut m, "id_i64", IValue::S64(v));
    }
    for v in [0, 1 << 63, u64::MAX] {
        echo(&mut m, "id_u64", IValue::U64(v));
    }
    echo(&mut m, "id_f32", IValue::F32(-0.0));
    echo(&mut m, "id_f64", IValue::F64(f64::MIN_POSITIVE));
    // NaN: compare bits.
    let out = call(&mut m, "id_f64", vec![IValue::F64(f64::NAN)]).unwrap();
    assert!(matches!(out[0], IValue::F64(x) if x.is_nan()));
    let out = call(&mut m, "id_f32", vec![IValue::F32(f32::NAN)]).unwrap();
    assert!(matches!(out[0], IValue::F32(x) if x.to_bits() == f32::NAN.to_bits()));
}

#[test]
fn narrow_ints_are_extended_and_truncated() {
    let mut m = marine();
    // u8 is zero-extended into the i32 parameter, i8 sign-extended.
    assert_eq!(
        call(&mut m, "u8_as_u32", vec![IValue::U8(200)]).unwrap(),
        vec![IValue::U32(200)]
    );
    assert_eq!(
        call(&mut m, "i8_as_i32", vec![IValue::S8(-2)]).unwrap(),
        vec![IValue::S32(-2)]
    );
    // A raw -1 result is truncated to the declared type.
    assert_eq!(
        call(&mut m, "m1_as_u8", vec![]).unwrap(),
        vec![IValue::U8(255)]
    );
    assert_eq!(
        call(&mut m, "m1_as_i16", vec![]).unwrap(),
        vec![IValue::S16(-1)]
    );
    assert_eq!(
        call(&mut m, "m1_as_u32", vec![]).unwrap(),
        vec![IValue::U32(u32::MAX)]
    );
}
