//! The caller of a module pair: imports `effector`'s functions with `#[module_import]` (one of
//! them under another Rust name through `#[link_name]`) and wraps each in an export.
use marine_rs_sdk::marine;

pub fn main() {}

/// Same name and fields as `effector::Data`: records cross modules by shape.
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
#[module_import("effector")]
extern "C" {
    pub fn greet(name: String) -> String;

    #[link_name = "mutate"]
    pub fn effector_mutate(d: Data) -> Data;

    pub fn sum(v: Vec<u64>) -> u64;

    pub fn concat(parts: Vec<Vec<u8>>) -> Vec<u8>;

    pub fn words(s: &str) -> Vec<String>;

    pub fn negate(x: i32) -> i32;

    pub fn is_even(x: u64) -> bool;

    pub fn half(x: f32) -> f32;

    pub fn consume(s: String, bytes: Vec<u8>);

    pub fn repeat(d: &Data, times: u32) -> Vec<Data>;

    pub fn fail(message: String) -> String;
}

#[marine]
pub fn call_greet(name: String) -> String {
    format!("pure got: {}", greet(name))
}

/// Mutates twice through the other module.
#[marine]
pub fn call_mutate(d: Data) -> Data {
    effector_mutate(effector_mutate(d))
}

#[marine]
pub fn call_sum(v: Vec<u64>) -> u64 {
    sum(v)
}

#[marine]
pub fn call_concat(parts: Vec<Vec<u8>>) -> Vec<u8> {
    concat(parts)
}

#[marine]
pub fn call_words(s: String) -> Vec<String> {
    words(&s)
}

#[marine]
pub fn call_negate(x: i32) -> i32 {
    negate(x)
}

#[marine]
pub fn call_is_even(x: u64) -> bool {
    is_even(x)
}

#[marine]
pub fn call_half(x: f32) -> f32 {
    half(x)
}

/// Calls an import without result, then returns how many bytes it handed over.
#[marine]
pub fn call_consume(s: String, bytes: Vec<u8>) -> u32 {
    let n = s.len() + bytes.len();
    consume(s, bytes);
    n as u32
}

#[marine]
pub fn call_repeat(d: Data, times: u32) -> Vec<Data> {
    repeat(&d, times)
}

#[marine]
pub fn call_fail(message: String) -> String {
    fail(message)
}
