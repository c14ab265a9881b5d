//! JSON calls without a value tree (`call_with_json_str`, `call_with_json_to`) on real
//! modules: the same answers and errors as the `IValue` path with the tree conversion, results
//! checked against `Limits::max_value_size` before anything large is allocated, and writer
//! failures reported.

use std::io;

use marine_runtime::json::{ivalues_to_json, json_to_ivalues};
use marine_runtime::{AbiError, CallOptions, JsonInput, JsonSink, Limits, Marine, MarineError};
use serde_json::Value;

use crate::load;

/// The answer of the old path: JSON tree -> IValues -> call -> IValues -> JSON tree, as text
/// (or the error's text).
fn through_ivalues(marine: &mut Marine, module: &str, func: &str, args: &str) -> String {
    let Some(signature) = marine
        .module_interface(module)
        .unwrap()
        .function(func)
        .cloned()
    else {
        // The IValue path's own error for a missing function.
        return marine
            .call_with_ivalues(module, func, &[])
            .unwrap_err()
            .to_string();
    };
    let args: Value = serde_json::from_str(args).unwrap();
    let values = match json_to_ivalues(&args, &signature) {
        Ok(values) => values,
        Err(e) => {
            return format!("module `{module}`, function `{func}`: invalid JSON arguments: {e}")
        }
    };
    match marine.call_with_ivalues(module, func, &values) {
        Ok(out) => ivalues_to_json(&out, &signature.outputs).to_string(),
        Err(e) => e.to_string(),
    }
}

fn through_text(marine: &mut Marine, module: &str, func: &str, args: &str) -> String {
    match marine.call_with_json_str(module, func, args, &CallOptions::default()) {
        Ok(text) => text,
        Err(e) => e.to_string(),
    }
}

fn through_tree(marine: &mut Marine, module: &str, func: &str, args: &str) -> String {
    let args: Value = serde_json::from_str(args).unwrap();
    let out = marine.call_with_json_to(
        module,
        func,
        JsonInput::Value(&args),
        &CallOptions::default(),
        JsonSink::Tree,
    );
    match out {
        Ok(tree) => tree.unwrap_or(Value::Null).to_string(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn text_and_tree_calls_answer_as_the_ivalue_path() {
    let cases: &[(&str, &str, &str)] = &[
        ("arrays", "echo_u8s", "[[0, 1, 255]]"),
        ("arrays", "echo_u8s", "[0, 1, 255]"),
        ("arrays", "echo_u8s", "{\"v\": []}"),
        ("arrays", "echo_u8s", "[[1, 256]]"),
        ("arrays", "echo_i8s", "[[-128, 127]]"),
        ("arrays", "echo_u16s", "[[65535]]"),
        ("arrays", "echo_i16s", "[[-32768, 5]]"),
        ("arrays", "echo_u32s", "[[4294967295]]"),
        ("arrays", "echo_i32s", "[[-1]]"),
        ("arrays", "echo_u64s", "[[18446744073709551615]]"),
        ("arrays", "echo_i64s", "[[-9223372036854775808]]"),
        ("arrays", "echo_f32s", "[[0.1, \"NaN\", \"-Infinity\", 3]]"),
        ("arrays", "echo_f64s", "[[1e300, \"Infinity\"]]"),
        ("arrays", "echo_bools", "[[true, false]]"),
        ("arrays", "echo_strings", "[[\"a\", \"\", \"h\\u00e9 \\\"q\\\"\"]]"),
        ("arrays", "echo_strings", "[\"a\", \"b\"]"),
        ("arrays", "echo_bytes2", "[[[1], [], [2, 3]]]"),
        ("arrays", "echo_bytes3", "[[[[1]], []]]"),
        ("arrays", "echo_strings2", "[[[\"x\"], []]]"),
        (
            "arrays",
            "echo_points",
            "[[{\"x\": 1, \"y\": -2, \"tag\": \"t\"}, [3, 4, \"u\"]]]",
        ),
        (
            "arrays",
            "echo_points2",
            "[[[{\"x\": 1, \"y\": 2, \"tag\": \"\"}], []]]",
        ),
        ("arrays", "echo_u64s3", "[[[[1, 2]], [[]]]]"),
        ("arrays", "byte_sum", "[[200, 100]]"),
        ("arrays", "count_true", "{\"v\": [true, true, false]}"),
        (
            "arrays",
            "shift_points",
            "[[{\"x\": 1, \"y\": 2, \"tag\": \"a\"}], 10]",
        ),
        (
            "arrays",
            "shift_points",
            "{\"dx\": 1, \"points\": [{\"x\": 1, \"y\": 2, \"tag\": \"a\", \"z\": 0}]}",
        ),
        ("arrays", "shift_points", "[[], 1, 2]"),
        ("arrays", "shift_points", "{\"points\": []}"),
        ("arrays", "split_words", "\"one two  three\""),
        ("arrays", "make_bytes", "[5, 7]"),
        ("arrays", "make_bytes", "[0, 7]"),
        ("arrays", "make_bytes", "[-1, 7]"),
        ("arrays", "flatten3", "[[[[1, 2], [3]], [[4]]]]"),
        ("arrays", "no_such_function", "[]"),
        ("records", "echo_record0", "[{\"field_0\": -5}]"),
        (
            "records",
            "echo_record1",
            "[{\"field_0\": 1, \"field_1\": \"ab\", \"field_2\": [1], \"test_record_0\": {\"field_0\": 5}}]",
        ),
        (
            "records",
            "echo_record1",
            "[{\"field_0\": 1, \"field_1\": \"ab\", \"field_2\": [1], \"test_record_0\": {\"field_0\": \"5\"}}]",
        ),
        (
            "records",
            "echo_all",
            "[{\"flag\": true, \"i_8\": -1, \"i_16\": -2, \"i_32\": -3, \"i_64\": -4, \"u_8\": 1, \
             \"u_16\": 2, \"u_32\": 3, \"u_64\": 4, \"f_32\": 0.5, \"f_64\": \"NaN\", \"text\": \"t\", \
             \"bytes\": [9], \"words\": [\"w\"], \"nested\": {\"field_0\": 1, \"field_1\": \"\", \
             \"field_2\": [], \"test_record_0\": {\"field_0\": 2}}}]",
        ),
        (
            "records",
            "records_by_ref",
            "[{\"field_0\": 3}, {\"field_0\": 4}]",
        ),
    ];
    for (module, func, args) in cases {
        let mut marine = load(module);
        let expected = through_ivalues(&mut marine, module, func, args);
        assert_eq!(
            through_text(&mut marine, module, func, args),
            expected,
            "text: {module}.{func}({args})"
        );
        assert_eq!(
            through_tree(&mut marine, module, func, args),
            expected,
            "tree: {module}.{func}({args})"
        );
    }
}

#[test]
fn a_result_over_max_value_size_is_refused_before_it_is_taken() {
    let mut marine = load("arrays");
    let limit = 100_000;
    marine.set_limits(Limits {
        max_value_size: limit,
        ..Limits::default()
    });
    // Reloaded so the module's store has the limit.
    marine.unload_module("arrays").unwrap();
    marine
        .load_module("arrays", marine_e2e::example_wasm("arrays"))
        .unwrap();
    let options = CallOptions::default();

    // 40,000 bytes are 40,000 bytes lifted, but at least 80,000 bytes of JSON text and
    // 1.3 MB of `serde_json::Value`s.
    let args = "[40000, 7]";
    let lifted = marine
        .call_with_ivalues(
            "arrays",
            "make_bytes",
            &[
                marine_runtime::IValue::U32(40_000),
                marine_runtime::IValue::U8(7),
            ],
        )
        .unwrap();
    assert!(matches!(&lifted[..], [marine_runtime::IValue::ByteArray(b)] if b.len() == 40_000));
    let text = marine
        .call_with_json_str("arrays", "make_bytes", args, &options)
        .unwrap();
    assert_eq!(text.len(), 2 * 40_000 + 1);
    let e = marine
        .call_with_json_to(
            "arrays",
            "make_bytes",
            JsonInput::Text(args),
            &options,
            JsonSink::Tree,
        )
        .unwrap_err();
    let MarineError::Abi {
        module,
        function,
        source,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(
        (module.as_str(), function.as_str()),
        ("arrays", "make_bytes")
    );
    assert!(
        matches!(**source, AbiError::LiftBudget { limit: l, .. } if l == limit),
        "{e}"
    );
    assert!(e.to_string().contains("`max_value_size` = 100000"), "{e}");

    // 60,000 bytes of 255: 240,000 bytes of text, over the limit.
    let e = marine
        .call_with_json_str("arrays", "make_bytes", "[60000, 255]", &options)
        .unwrap_err();
    assert!(e.to_string().contains("max_value_size"), "{e}");
    // 4,000 bools: 4,000 bytes in memory, 128,000 bytes as `IValue`s.
    let e = marine
        .call_with_ivalues(
            "arrays",
            "negate_bools",
            &[marine_runtime::IValue::Array(vec![
                marine_runtime::IValue::Boolean(true);
                4000
            ])],
        )
        .unwrap_err();
    assert!(e.to_string().contains("max_value_size"), "{e}");
    // The module still serves.
    assert_eq!(
        marine
            .call_with_json_str("arrays", "make_bytes", "[2, 1]", &options)
            .unwrap(),
        "[1,1]"
    );
}

/// A writer that fails after `left` bytes.
struct Failing {
    left: usize,
}

impl io::Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn results_go_to_writers_and_a_failing_writer_is_reported() {
    let mut marine = load("arrays");
    let options = CallOptions::default();
    let mut pretty = Vec::new();
    marine
        .call_with_json_to(
            "arrays",
            "split_words",
            JsonInput::Text("\"a b\""),
            &options,
            JsonSink::Writer {
                out: &mut pretty,
                pretty: true,
            },
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(pretty).unwrap(),
        "[\n  \"a\",\n  \"b\"\n]"
    );
    let mut failing = Failing { left: 100 };
    let e = marine
        .call_with_json_to(
            "arrays",
            "make_bytes",
            JsonInput::Text("[1000, 1]"),
            &options,
            JsonSink::Writer {
                out: &mut failing,
                pretty: false,
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::JsonOutput { module, function, .. }
            if module == "arrays" && function == "make_bytes"),
        "{e}"
    );
    assert!(e.to_string().contains("disk full"), "{e}");
    // Released: the module serves the next call.
    let out = marine
        .call_with_json_str("arrays", "byte_sum", "[[1, 2]]", &options)
        .unwrap();
    assert_eq!(out, "3");
}

#[test]
fn malformed_and_hostile_text_is_an_argument_error() {
    let mut marine = load("arrays");
    let options = CallOptions::default();
    let e = marine
        .call_with_json_str("arrays", "echo_u8s", "[[1, 2", &options)
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::JsonArguments { module, function, .. }
            if module == "arrays" && function == "echo_u8s"),
        "{e}"
    );
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    let e = marine
        .call_with_json_str("arrays", "echo_u64s3", &deep, &options)
        .unwrap_err();
    assert!(e.to_string().contains("argument `v[0][0][0]`"), "{e}");
    let e = marine
        .call_with_json_str("arrays", "shift_points", "[[{\"x\": 1}], 1]", &options)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("argument `points[0].y`: expected i32, got nothing (field missing)"),
        "{e}"
    );
}
