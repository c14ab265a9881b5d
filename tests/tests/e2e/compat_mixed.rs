//! A service mixing official-SDK and our-SDK modules that import each other: the module pair of
//! `tests/compat` with `pure` from one SDK calling `effector` from the other, next to modules of
//! our own `examples/`.

use crate::compat_official::{check_pair, load_pair, Sdk};
use crate::{call1, s};

#[test]
fn mixed_official_pure_imports_our_effector() {
    let mut m = load_pair(Sdk::Ours, Sdk::Official);
    check_pair(&mut m, "official pure -> our effector");
}

#[test]
fn mixed_our_pure_imports_official_effector() {
    let mut m = load_pair(Sdk::Official, Sdk::Ours);
    check_pair(&mut m, "our pure -> official effector");
}

#[test]
fn mixed_service_with_examples_and_official_modules() {
    // One service: our example greeting, the official greeting and records, and a mixed pair.
    let mut m = load_pair(Sdk::Official, Sdk::Ours);
    m.load_module("our_greeting", marine_e2e::example_wasm("greeting"))
        .unwrap();
    m.load_module("official_greeting", Sdk::Official.wasm("greeting"))
        .unwrap();
    m.load_module("official_records", Sdk::Official.wasm("records"))
        .unwrap();
    assert_eq!(
        call1(&mut m, "our_greeting", "greeting", vec![s("a")]),
        s("Hi, a")
    );
    assert_eq!(
        call1(&mut m, "official_greeting", "greeting", vec![s("b")]),
        s("Hi, b")
    );
    assert_eq!(
        call1(&mut m, "official_records", "text_len", vec![s("abc")]),
        marine_runtime::IValue::U32(3)
    );
    check_pair(&mut m, "mixed service");
    assert_eq!(
        m.module_names(),
        [
            "effector",
            "official_greeting",
            "official_records",
            "our_greeting",
            "pure"
        ]
    );
}
