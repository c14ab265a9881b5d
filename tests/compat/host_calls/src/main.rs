//! Embedder-defined host functions through `#[host_import]`: scalars, strings, byte arrays,
//! string vectors and a record in and out.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Pair {
    pub left: String,
    pub right: i64,
}

#[marine]
#[host_import]
extern "C" {
    pub fn host_add(a: i32, b: u64) -> u64;

    #[link_name = "host_describe"]
    pub fn describe(text: &str, bytes: Vec<u8>, flag: bool) -> String;

    pub fn host_join(parts: Vec<String>) -> Vec<u8>;

    pub fn host_swap(p: Pair) -> Pair;

    pub fn host_note(text: String);
}

#[marine]
pub fn add(a: i32, b: u64) -> u64 {
    host_add(a, b)
}

#[marine]
pub fn describe_all(text: String, bytes: Vec<u8>, flag: bool) -> String {
    describe(&text, bytes, flag)
}

#[marine]
pub fn join(parts: Vec<String>) -> Vec<u8> {
    host_join(parts)
}

#[marine]
pub fn swap(p: Pair) -> Pair {
    host_swap(p)
}

#[marine]
pub fn note(text: String) -> String {
    host_note(text.clone());
    text
}
