//! Every vector shape in and out, nesting included.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Point {
    pub x: i32,
    pub y: i32,
    pub tag: String,
}

macro_rules! echo {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(
            #[marine]
            pub fn $name(v: $ty) -> $ty {
                v
            }
        )*
    };
}

echo! {
    echo_u8s: Vec<u8>,
    echo_i8s: Vec<i8>,
    echo_u16s: Vec<u16>,
    echo_i16s: Vec<i16>,
    echo_u32s: Vec<u32>,
    echo_i32s: Vec<i32>,
    echo_u64s: Vec<u64>,
    echo_i64s: Vec<i64>,
    echo_f32s: Vec<f32>,
    echo_f64s: Vec<f64>,
    echo_bools: Vec<bool>,
    echo_strings: Vec<String>,
    echo_bytes2: Vec<Vec<u8>>,
    echo_bytes3: Vec<Vec<Vec<u8>>>,
    echo_strings2: Vec<Vec<String>>,
    echo_points: Vec<Point>,
    echo_points2: Vec<Vec<Point>>,
    echo_u64s3: Vec<Vec<Vec<u64>>>,
}

#[marine]
pub fn byte_sum(v: Vec<u8>) -> u64 {
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
pub fn count_true(v: Vec<bool>) -> u32 {
    v.iter().filter(|b| **b).count() as u32
}

#[marine]
pub fn negate_bools(v: Vec<bool>) -> Vec<bool> {
    v.into_iter().map(|b| !b).collect()
}

#[marine]
pub fn shift_points(points: Vec<Point>, dx: i32) -> Vec<Point> {
    points
        .into_iter()
        .map(|p| Point { x: p.x + dx, ..p })
        .collect()
}

#[marine]
pub fn split_words(s: String) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

#[marine]
pub fn make_bytes(len: u32, fill: u8) -> Vec<u8> {
    vec![fill; len as usize]
}
