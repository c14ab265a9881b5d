//! Records and nested arrays (of strings, byte arrays, arrays, records) through the export protocol.

mod common;

use common::*;
use marine_runtime::IValue;

#[test]
fn nested_arrays_and_records() {
    let mut m = marine();
    let s = |x: &str| IValue::String(x.into());
    echo(
        &mut m,
        "echo_strings",
        IValue::Array(vec![s("a"), s(""), s("日本")]),
    );
    echo(
        &mut m,
        "echo_byte_arrays",
        IValue::Array(vec![
            IValue::ByteArray(vec![1]),
            IValue::ByteArray(vec![]),
            IValue::ByteArray(vec![2, 3]),
        ]),
    );
    let u = |v: u64| IValue::U64(v);
    echo(
        &mut m,
        "echo_nested",
        IValue::Array(vec![
            IValue::Array(vec![
                IValue::Array(vec![u(1), u(u64::MAX)]),
                IValue::Array(vec![]),
            ]),
            IValue::Array(vec![]),
            IValue::Array(vec![IValue::Array(vec![u(3)])]),
        ]),
    );
    echo(&mut m, "echo_record", all_record(1));
    echo(
        &mut m,
        "echo_records",
        IValue::Array(vec![all_record(2), all_record(3)]),
    );
}
