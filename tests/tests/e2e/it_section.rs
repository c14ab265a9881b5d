//! Our runtime reads the JSON metadata and runs a module the same with or without the
//! `interface-types` section the official runtime needs (embedded by `marine build` or
//! `marine set it`), and with a section that does not even parse.

use marine_ast::custom_section::replace_custom_section;
use marine_ast::it::{Interfaces, IT_SECTION_NAME};
use marine_runtime::IValue;

use crate::s;

/// The answers of one module to a few calls, loaded from `wasm`.
fn answers(wasm: Vec<u8>) -> Vec<IValue> {
    let mut marine = marine_runtime::Marine::new();
    marine.load_module("greeting", wasm).unwrap();
    ["", "Marine", "Мир 🌍"]
        .iter()
        .flat_map(|name| {
            marine
                .call_with_ivalues("greeting", "greeting", &[s(name)])
                .unwrap()
        })
        .collect()
}

#[test]
fn modules_run_with_or_without_the_section() {
    let plain = std::fs::read(marine_e2e::example_wasm("greeting")).unwrap();
    let section = Interfaces::from_wasm(&plain).unwrap().to_bytes().unwrap();
    let with_it = replace_custom_section(&plain, IT_SECTION_NAME, &section).unwrap();
    assert_ne!(with_it, plain);
    let garbage = replace_custom_section(&plain, IT_SECTION_NAME, b"\xff\xff").unwrap();

    let expected = vec![s("Hi, "), s("Hi, Marine"), s("Hi, Мир 🌍")];
    assert_eq!(answers(plain), expected);
    assert_eq!(answers(with_it), expected);
    assert_eq!(answers(garbage), expected);
}
