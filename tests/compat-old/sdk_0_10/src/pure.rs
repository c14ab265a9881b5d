//! The caller of the module pair written for marine-rs-sdk 0.10.3: the pre-0.12 import syntax
//! `#[link(wasm_import_module = "..")]`, importing from `effector` of `tests/compat` (built with
//! SDK 0.14.0 or ours).
use marine_rs_sdk::marine;

pub fn main() {}

/// Same name and fields as `effector::Data`.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Data {
    pub id: u64,
    pub name: String,
    pub blob: Vec<u8>,
    pub flags: Vec<bool>,
    pub score: f64,
}

#[marine]
#[link(wasm_import_module = "effector")]
extern "C" {
    pub fn greet(name: String) -> String;

    #[link_name = "mutate"]
    pub fn effector_mutate(d: Data) -> Data;

    pub fn words(s: &str) -> Vec<String>;
}

#[marine]
pub fn call_greet(name: String) -> String {
    format!("old pure got: {}", greet(name))
}

#[marine]
pub fn call_mutate(d: Data) -> Data {
    effector_mutate(d)
}

#[marine]
pub fn call_words(s: String) -> Vec<String> {
    words(&s)
}
