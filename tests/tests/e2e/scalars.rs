use crate::{call1, load, s};
use marine_runtime::IValue::{self, *};

fn echo(m: &mut marine_runtime::Marine, func: &str, v: IValue) {
    assert_eq!(call1(m, "scalars", func, vec![v.clone()]), v, "{func}");
}

#[test]
fn every_scalar_round_trips_at_its_edges() {
    let mut m = load("scalars");
    for v in [true, false] {
        echo(&mut m, "echo_bool", Boolean(v));
    }
    for v in [i8::MIN, -1, 0, i8::MAX] {
        echo(&mut m, "echo_i8", S8(v));
    }
    for v in [i16::MIN, -1, 0, i16::MAX] {
        echo(&mut m, "echo_i16", S16(v));
    }
    for v in [i32::MIN, -1, 0, i32::MAX] {
        echo(&mut m, "echo_i32", S32(v));
    }
    for v in [i64::MIN, -1, 0, i64::MAX] {
        echo(&mut m, "echo_i64", S64(v));
    }
    for v in [0, 1, 127, 128, u8::MAX] {
        echo(&mut m, "echo_u8", U8(v));
    }
    for v in [0, 0x7fff, 0x8000, u16::MAX] {
        echo(&mut m, "echo_u16", U16(v));
    }
    // u32 >= 2^31 and u64 >= 2^63: the official runtime fails here (guest ABI §7 item 9).
    for v in [0, 1 << 31, u32::MAX - 1, u32::MAX] {
        echo(&mut m, "echo_u32", U32(v));
    }
    for v in [0, 1 << 63, u64::MAX - 1, u64::MAX] {
        echo(&mut m, "echo_u64", U64(v));
    }
    for v in [
        0.0,
        -0.0,
        1.5,
        f32::MIN,
        f32::MAX,
        f32::INFINITY,
        f32::MIN_POSITIVE,
    ] {
        echo(&mut m, "echo_f32", F32(v));
    }
    for v in [
        0.0,
        -2.5,
        f64::MIN,
        f64::MAX,
        f64::NEG_INFINITY,
        f64::EPSILON,
    ] {
        echo(&mut m, "echo_f64", F64(v));
    }
}

#[test]
fn nan_round_trips() {
    let mut m = load("scalars");
    match call1(&mut m, "scalars", "echo_f32", vec![F32(f32::NAN)]) {
        F32(v) => assert!(v.is_nan()),
        other => panic!("{other:?}"),
    }
    match call1(&mut m, "scalars", "echo_f64", vec![F64(f64::NAN)]) {
        F64(v) => assert!(v.is_nan()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn guest_sees_real_bit_patterns() {
    let mut m = load("scalars");
    assert_eq!(
        call1(&mut m, "scalars", "inc_u32", vec![U32(u32::MAX)]),
        U32(0)
    );
    assert_eq!(
        call1(&mut m, "scalars", "inc_u32", vec![U32(i32::MAX as u32)]),
        U32(1 << 31)
    );
    assert_eq!(
        call1(&mut m, "scalars", "inc_u64", vec![U64(i64::MAX as u64)]),
        U64(1 << 63)
    );
    assert_eq!(
        call1(&mut m, "scalars", "dec_i8", vec![S8(i8::MIN)]),
        S8(i8::MAX)
    );
    assert_eq!(
        call1(&mut m, "scalars", "not", vec![Boolean(false)]),
        Boolean(true)
    );
}

#[test]
fn many_scalar_arguments_keep_their_slots() {
    let mut m = load("scalars");
    let out = call1(
        &mut m,
        "scalars",
        "describe",
        vec![
            Boolean(true),
            S8(-8),
            S16(-16),
            S32(-32),
            S64(i64::MIN),
            U8(200),
            U16(60000),
            U32(u32::MAX),
            U64(u64::MAX),
            F32(1.5),
            F64(-0.25),
        ],
    );
    assert_eq!(
        out,
        s(&format!(
            "true -8 -16 -32 {} 200 60000 {} {} 1.5 -0.25",
            i64::MIN,
            u32::MAX,
            u64::MAX
        ))
    );
}

#[test]
fn string_forms_and_unit_results() {
    let mut m = load("scalars");
    assert_eq!(
        call1(&mut m, "scalars", "byte_len", vec![s("héllo")]),
        U32(6)
    );
    assert_eq!(
        call1(&mut m, "scalars", "string_ref_len", vec![s("héllo")]),
        U64(5)
    );
    assert_eq!(
        call1(&mut m, "scalars", "concat", vec![s("a"), s(""), s("ç")]),
        s("aç")
    );
    assert_eq!(
        m.call_with_ivalues("scalars", "nothing", &[]).unwrap(),
        vec![]
    );
    assert_eq!(
        m.call_with_ivalues("scalars", "upper_no_result", &[s("abc")])
            .unwrap(),
        vec![]
    );
}
