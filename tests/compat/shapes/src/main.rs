//! Less common spellings the macro must describe exactly as the official SDK does: full type
//! paths, no result, ignored and `mut` argument patterns, references of every kind, records
//! with vector and nested-vector fields, a record from another crate.
use marine_rs_sdk::marine;

pub fn main() {}

/// Documented record with vector fields.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Shelf {
    /// Names.
    pub names: Vec<String>,
    pub grid: Vec<Vec<u32>>,
    pub nested: Vec<Vec<Item>>,
    pub blob: std::vec::Vec<u8>,
    pub title: ::std::string::String,
}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Item {
    pub id: u8,
    pub on: bool,
}

#[marine]
pub fn full_paths(
    s: std::string::String,
    v: ::std::vec::Vec<u64>,
) -> std::vec::Vec<std::string::String> {
    v.iter().map(|n| format!("{}{}", s, n)).collect()
}

#[marine]
pub fn no_result(_ignored: i32) {}

#[marine]
pub fn patterns(mut count: u32, _unused: String) -> u32 {
    count += 1;
    count
}

#[marine]
pub fn refs(a: &str, b: &String, c: &Vec<u8>, d: &Vec<Vec<String>>, e: &Shelf, f: &Item) -> u64 {
    (a.len() + b.len() + c.len() + d.len() + e.names.len() + f.id as usize) as u64
}

#[marine]
pub fn shelf(s: Shelf) -> Shelf {
    s
}

/// A record type of the SDK itself, by path.
#[marine]
pub fn mounted_result(code: i32) -> marine_rs_sdk::MountedBinaryResult {
    marine_rs_sdk::MountedBinaryResult::from_error(code, "e")
}

#[marine]
pub fn items(v: Vec<Item>, extra: Item) -> Vec<Item> {
    let mut v = v;
    v.push(extra);
    v
}
