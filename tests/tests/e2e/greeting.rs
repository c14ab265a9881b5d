use crate::{call1, load, s};
use marine_runtime::IValue;

#[test]
fn greets_by_name() {
    let mut m = load("greeting");
    assert_eq!(
        call1(&mut m, "greeting", "greeting", vec![s("Marine")]),
        s("Hi, Marine")
    );
}

#[test]
fn empty_and_non_ascii_names() {
    let mut m = load("greeting");
    assert_eq!(
        call1(&mut m, "greeting", "greeting", vec![s("")]),
        s("Hi, ")
    );
    assert_eq!(
        call1(&mut m, "greeting", "greeting", vec![s("Мир 🌍 世界")]),
        s("Hi, Мир 🌍 世界")
    );
}

#[test]
fn many_calls_on_one_instance_do_not_leak() {
    let mut m = load("greeting");
    let name = "x".repeat(64 * 1024);
    for _ in 0..200 {
        let out = call1(&mut m, "greeting", "greeting", vec![s(&name)]);
        assert_eq!(out, IValue::String(format!("Hi, {name}")));
    }
    // 200 calls moving 128 KiB each would need ~25 MiB if nothing were freed.
    let stats = m.module_memory_stats();
    let (_, size) = stats.iter().find(|(n, _)| n == "greeting").unwrap();
    assert!(*size < 4 * 1024 * 1024, "memory grew to {size} bytes");
}

#[test]
fn wrong_arguments_are_typed_errors() {
    let mut m = load("greeting");
    let err = m
        .call_with_ivalues("greeting", "greeting", &[])
        .unwrap_err();
    assert!(
        matches!(err, marine_runtime::MarineError::ArgumentCount { .. }),
        "{err:?}"
    );
    let err = m
        .call_with_ivalues("greeting", "greeting", &[IValue::S32(1)])
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, marine_runtime::MarineError::ArgumentType { .. }),
        "{err:?}"
    );
    assert!(text.contains("name") && text.contains("string"), "{text}");
    let err = m.call_with_ivalues("greeting", "nope", &[]).unwrap_err();
    assert!(
        matches!(err, marine_runtime::MarineError::NoSuchFunction { .. }),
        "{err:?}"
    );
    let err = m.call_with_ivalues("absent", "greeting", &[]).unwrap_err();
    assert!(
        matches!(err, marine_runtime::MarineError::NoSuchModule(_)),
        "{err:?}"
    );
    // The module still serves after bad calls.
    assert_eq!(
        call1(&mut m, "greeting", "greeting", vec![s("ok")]),
        s("Hi, ok")
    );
}
