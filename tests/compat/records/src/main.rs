//! Records: every scalar type, a string, a byte array and nested records; in, out, by reference.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Inner {
    pub id: u32,
    pub label: String,
}

/// Every scalar type, a string, a byte array and a nested record.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct AllTypes {
    pub flag: bool,
    pub i_8: i8,
    pub i_16: i16,
    pub i_32: i32,
    pub i_64: i64,
    pub u_8: u8,
    pub u_16: u16,
    pub u_32: u32,
    pub u_64: u64,
    pub f_32: f32,
    pub f_64: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub inner: Inner,
}

/// Two levels of nesting, with a vector of records in between.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Outer {
    pub all: AllTypes,
    pub inners: Vec<Inner>,
    pub name: String,
}

#[marine]
pub fn echo_all(r: AllTypes) -> AllTypes {
    r
}

#[marine]
pub fn echo_outer(r: Outer) -> Outer {
    r
}

#[marine]
pub fn echo_inner_ref(r: &Inner) -> Inner {
    r.clone()
}

/// Builds a record from every scalar type passed as a plain argument.
#[marine]
#[allow(clippy::too_many_arguments)]
pub fn make_all(
    flag: bool,
    i_8: i8,
    i_16: i16,
    i_32: i32,
    i_64: i64,
    u_8: u8,
    u_16: u16,
    u_32: u32,
    u_64: u64,
    f_32: f32,
    f_64: f64,
    text: String,
    bytes: Vec<u8>,
) -> AllTypes {
    AllTypes {
        flag,
        i_8,
        i_16,
        i_32,
        i_64,
        u_8,
        u_16,
        u_32,
        u_64,
        f_32,
        f_64,
        inner: Inner {
            id: bytes.len() as u32,
            label: text.clone(),
        },
        text,
        bytes,
    }
}

/// Every field moved one step: integers wrap, floats negate, strings and bytes reverse.
#[marine]
pub fn bump(mut r: AllTypes) -> AllTypes {
    r.flag = !r.flag;
    r.i_8 = r.i_8.wrapping_add(1);
    r.i_16 = r.i_16.wrapping_add(1);
    r.i_32 = r.i_32.wrapping_add(1);
    r.i_64 = r.i_64.wrapping_add(1);
    r.u_8 = r.u_8.wrapping_add(1);
    r.u_16 = r.u_16.wrapping_add(1);
    r.u_32 = r.u_32.wrapping_add(1);
    r.u_64 = r.u_64.wrapping_add(1);
    r.f_32 = -r.f_32;
    r.f_64 = -r.f_64;
    r.text = r.text.chars().rev().collect();
    r.bytes.reverse();
    r.inner.id = r.inner.id.wrapping_add(1);
    r
}

#[marine]
pub fn text_len(s: &str) -> u32 {
    s.chars().count() as u32
}

#[marine]
pub fn i64_of(r: AllTypes) -> i64 {
    r.i_64
}

#[marine]
pub fn f64_of(r: &AllTypes) -> f64 {
    r.f_64
}

#[marine]
pub fn nothing(_x: i32) {}
