//! The callee of a module pair: plain exports that `pure` imports with `#[module_import]`.
use marine_rs_sdk::marine;

pub fn main() {}

/// The record passed both ways between the two modules.
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
pub fn greet(name: String) -> String {
    format!("Hi, {}", name)
}

/// Moves every field: id+1, name uppercased, blob reversed, flags negated, score doubled.
#[marine]
pub fn mutate(mut d: Data) -> Data {
    d.id += 1;
    d.name = d.name.to_uppercase();
    d.blob.reverse();
    d.flags = d.flags.iter().map(|f| !f).collect();
    d.score *= 2.0;
    d
}

#[marine]
pub fn sum(v: Vec<u64>) -> u64 {
    v.iter().sum()
}

#[marine]
pub fn concat(parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.concat()
}

#[marine]
pub fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

#[marine]
pub fn negate(x: i32) -> i32 {
    -x
}

#[marine]
pub fn is_even(x: u64) -> bool {
    x.is_multiple_of(2)
}

#[marine]
pub fn half(x: f32) -> f32 {
    x / 2.0
}

/// Returns nothing: the import's wasm signature has no result.
#[marine]
pub fn consume(_s: String, _bytes: Vec<u8>) {}

/// Records by reference and a vector of records out.
#[marine]
pub fn repeat(d: &Data, times: u32) -> Vec<Data> {
    (0..times).map(|_| d.clone()).collect()
}

#[marine]
pub fn fail(message: String) -> String {
    panic!("effector failed: {}", message)
}
