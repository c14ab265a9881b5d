//! Every vector shape in and out, nesting and references included.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Point {
    pub x: i32,
    pub y: i32,
    pub tag: String,
}

// Written out one by one: the official SDK's macro rejects types substituted by `macro_rules!`
// ("Incorrect argument type, only path or reference are available on this position").
#[marine]
pub fn echo_u8s(v: Vec<u8>) -> Vec<u8> {
    v
}

#[marine]
pub fn echo_i8s(v: Vec<i8>) -> Vec<i8> {
    v
}

#[marine]
pub fn echo_u16s(v: Vec<u16>) -> Vec<u16> {
    v
}

#[marine]
pub fn echo_i16s(v: Vec<i16>) -> Vec<i16> {
    v
}

#[marine]
pub fn echo_u32s(v: Vec<u32>) -> Vec<u32> {
    v
}

#[marine]
pub fn echo_i32s(v: Vec<i32>) -> Vec<i32> {
    v
}

#[marine]
pub fn echo_u64s(v: Vec<u64>) -> Vec<u64> {
    v
}

#[marine]
pub fn echo_i64s(v: Vec<i64>) -> Vec<i64> {
    v
}

#[marine]
pub fn echo_f32s(v: Vec<f32>) -> Vec<f32> {
    v
}

#[marine]
pub fn echo_f64s(v: Vec<f64>) -> Vec<f64> {
    v
}

#[marine]
pub fn echo_bools(v: Vec<bool>) -> Vec<bool> {
    v
}

#[marine]
pub fn echo_strings(v: Vec<String>) -> Vec<String> {
    v
}

#[marine]
pub fn echo_bytes2(v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v
}

#[marine]
pub fn echo_bytes3(v: Vec<Vec<Vec<u8>>>) -> Vec<Vec<Vec<u8>>> {
    v
}

#[marine]
pub fn echo_strings2(v: Vec<Vec<String>>) -> Vec<Vec<String>> {
    v
}

#[marine]
pub fn echo_points(v: Vec<Point>) -> Vec<Point> {
    v
}

#[marine]
pub fn echo_points2(v: Vec<Vec<Point>>) -> Vec<Vec<Point>> {
    v
}

#[marine]
pub fn echo_u64s3(v: Vec<Vec<Vec<u64>>>) -> Vec<Vec<Vec<u64>>> {
    v
}

#[marine]
pub fn byte_sum(v: &Vec<u8>) -> u64 {
    v.iter().map(|b| *b as u64).sum()
}

#[marine]
pub fn reverse_strings(v: &Vec<String>) -> Vec<String> {
    v.iter().rev().cloned().collect()
}

#[marine]
pub fn flatten3(v: Vec<Vec<Vec<u8>>>) -> Vec<u8> {
    v.into_iter().flatten().flatten().collect()
}

#[marine]
pub fn range(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[marine]
pub fn split_words(s: String) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}
