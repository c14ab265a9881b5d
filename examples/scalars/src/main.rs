//! Every scalar type in and out, plus unit results.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
pub fn echo_bool(v: bool) -> bool {
    v
}

#[marine]
pub fn not(v: bool) -> bool {
    !v
}

#[marine]
pub fn echo_i8(v: i8) -> i8 {
    v
}

#[marine]
pub fn echo_i16(v: i16) -> i16 {
    v
}

#[marine]
pub fn echo_i32(v: i32) -> i32 {
    v
}

#[marine]
pub fn echo_i64(v: i64) -> i64 {
    v
}

#[marine]
pub fn echo_u8(v: u8) -> u8 {
    v
}

#[marine]
pub fn echo_u16(v: u16) -> u16 {
    v
}

#[marine]
pub fn echo_u32(v: u32) -> u32 {
    v
}

#[marine]
pub fn echo_u64(v: u64) -> u64 {
    v
}

#[marine]
pub fn echo_f32(v: f32) -> f32 {
    v
}

#[marine]
pub fn echo_f64(v: f64) -> f64 {
    v
}

/// Mixes every scalar into one string, proving each argument arrives in its own slot.
#[marine]
#[allow(clippy::too_many_arguments)]
pub fn describe(
    a: bool,
    b: i8,
    c: i16,
    d: i32,
    e: i64,
    f: u8,
    g: u16,
    h: u32,
    i: u64,
    j: f32,
    k: f64,
) -> String {
    format!("{a} {b} {c} {d} {e} {f} {g} {h} {i} {j} {k}")
}

/// Wrapping increments show the guest sees the real bit patterns.
#[marine]
pub fn inc_u32(v: u32) -> u32 {
    v.wrapping_add(1)
}

#[marine]
pub fn inc_u64(v: u64) -> u64 {
    v.wrapping_add(1)
}

#[marine]
pub fn dec_i8(v: i8) -> i8 {
    v.wrapping_sub(1)
}

#[marine]
pub fn byte_len(s: &str) -> u32 {
    s.len() as u32
}

#[marine]
pub fn string_ref_len(s: &String) -> u64 {
    s.chars().count() as u64
}

#[marine]
pub fn concat(a: String, b: &str, c: &String) -> String {
    format!("{a}{b}{c}")
}

#[marine]
pub fn nothing() {}

#[marine]
pub fn upper_no_result(s: String) {
    let _ = s.to_uppercase();
}
