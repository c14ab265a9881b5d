use crate::{call1, load, s};
use marine_runtime::IValue::{self, *};

fn echo(m: &mut marine_runtime::Marine, func: &str, v: IValue) {
    assert_eq!(call1(m, "arrays", func, vec![v.clone()]), v, "{func}");
}

fn point(x: i32, y: i32, tag: &str) -> IValue {
    Record(vec![S32(x), S32(y), s(tag)])
}

#[test]
fn numeric_vectors_round_trip_with_edges() {
    let mut m = load("arrays");
    echo(&mut m, "echo_u8s", ByteArray(vec![0, 1, 255]));
    echo(
        &mut m,
        "echo_i8s",
        Array(vec![S8(i8::MIN), S8(0), S8(i8::MAX)]),
    );
    echo(&mut m, "echo_u16s", Array(vec![U16(0), U16(u16::MAX)]));
    echo(
        &mut m,
        "echo_i16s",
        Array(vec![S16(i16::MIN), S16(i16::MAX)]),
    );
    echo(
        &mut m,
        "echo_u32s",
        Array(vec![U32(0), U32(1 << 31), U32(u32::MAX)]),
    );
    echo(
        &mut m,
        "echo_i32s",
        Array(vec![S32(i32::MIN), S32(-1), S32(i32::MAX)]),
    );
    echo(
        &mut m,
        "echo_u64s",
        Array(vec![U64(0), U64(1 << 63), U64(u64::MAX)]),
    );
    echo(
        &mut m,
        "echo_i64s",
        Array(vec![S64(i64::MIN), S64(i64::MAX)]),
    );
    echo(
        &mut m,
        "echo_f32s",
        Array(vec![F32(-0.5), F32(f32::MAX), F32(f32::NEG_INFINITY)]),
    );
    echo(
        &mut m,
        "echo_f64s",
        Array(vec![F64(f64::MIN_POSITIVE), F64(1e308)]),
    );
    echo(
        &mut m,
        "echo_bools",
        Array(vec![Boolean(true), Boolean(false), Boolean(true)]),
    );
}

#[test]
fn empty_vectors_of_every_shape() {
    let mut m = load("arrays");
    echo(&mut m, "echo_u8s", ByteArray(vec![]));
    for f in [
        "echo_i8s",
        "echo_u64s",
        "echo_f64s",
        "echo_bools",
        "echo_strings",
        "echo_bytes2",
        "echo_bytes3",
        "echo_strings2",
        "echo_points",
        "echo_points2",
        "echo_u64s3",
    ] {
        echo(&mut m, f, Array(vec![]));
    }
    echo(
        &mut m,
        "echo_bytes3",
        Array(vec![Array(vec![]), Array(vec![ByteArray(vec![])])]),
    );
}

#[test]
fn string_and_nested_vectors() {
    let mut m = load("arrays");
    echo(
        &mut m,
        "echo_strings",
        Array(vec![s("a"), s(""), s("ünï ✓")]),
    );
    echo(
        &mut m,
        "echo_bytes2",
        Array(vec![
            ByteArray(vec![1]),
            ByteArray(vec![]),
            ByteArray(vec![2, 3]),
        ]),
    );
    let three = Array(vec![
        Array(vec![ByteArray(vec![1, 2]), ByteArray(vec![3])]),
        Array(vec![]),
        Array(vec![ByteArray(vec![4, 5, 6])]),
    ]);
    echo(&mut m, "echo_bytes3", three.clone());
    assert_eq!(
        call1(&mut m, "arrays", "flatten3", vec![three]),
        ByteArray(vec![1, 2, 3, 4, 5, 6])
    );
    echo(
        &mut m,
        "echo_strings2",
        Array(vec![
            Array(vec![s("x"), s("y")]),
            Array(vec![]),
            Array(vec![s("")]),
        ]),
    );
    echo(
        &mut m,
        "echo_u64s3",
        Array(vec![Array(vec![Array(vec![U64(u64::MAX)]), Array(vec![])])]),
    );
}

#[test]
fn vectors_of_records() {
    let mut m = load("arrays");
    let points = Array(vec![point(1, 2, "a"), point(-1, i32::MAX, "")]);
    echo(&mut m, "echo_points", points.clone());
    echo(
        &mut m,
        "echo_points2",
        Array(vec![points.clone(), Array(vec![])]),
    );
    assert_eq!(
        call1(&mut m, "arrays", "shift_points", vec![points, S32(10)]),
        Array(vec![point(11, 2, "a"), point(9, i32::MAX, "")])
    );
}

#[test]
fn guest_really_reads_the_data() {
    let mut m = load("arrays");
    assert_eq!(
        call1(
            &mut m,
            "arrays",
            "byte_sum",
            vec![ByteArray(vec![255; 1000])]
        ),
        U64(255_000)
    );
    assert_eq!(
        call1(
            &mut m,
            "arrays",
            "reverse_strings",
            vec![Array(vec![s("1"), s("2"), s("3")])]
        ),
        Array(vec![s("3"), s("2"), s("1")])
    );
    assert_eq!(
        call1(
            &mut m,
            "arrays",
            "count_true",
            vec![Array(vec![Boolean(true), Boolean(false), Boolean(true)])]
        ),
        U32(2)
    );
    assert_eq!(
        call1(
            &mut m,
            "arrays",
            "negate_bools",
            vec![Array(vec![Boolean(true), Boolean(false)])]
        ),
        Array(vec![Boolean(false), Boolean(true)])
    );
    assert_eq!(
        call1(&mut m, "arrays", "split_words", vec![s(" a  bb ccc ")]),
        Array(vec![s("a"), s("bb"), s("ccc")])
    );
}

#[test]
fn one_mebibyte_byte_arrays_both_ways() {
    let mut m = load("arrays");
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    echo(&mut m, "echo_u8s", ByteArray(big.clone()));
    let expected: u64 = big.iter().map(|b| *b as u64).sum();
    assert_eq!(
        call1(&mut m, "arrays", "byte_sum", vec![ByteArray(big)]),
        U64(expected)
    );
    assert_eq!(
        call1(&mut m, "arrays", "make_bytes", vec![U32(1 << 20), U8(9)]),
        ByteArray(vec![9; 1 << 20])
    );
}

#[test]
fn large_string_vector() {
    let mut m = load("arrays");
    let items: Vec<IValue> = (0..10_000).map(|i| s(&format!("s{i}"))).collect();
    echo(&mut m, "echo_strings", Array(items));
}
