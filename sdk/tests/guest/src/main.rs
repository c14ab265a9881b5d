//! Exercises every supported shape of `#[marine]`; built for wasm32-wasip1 by the SDK tests.
#![allow(
    clippy::ptr_arg,
    clippy::too_many_arguments,
    clippy::manual_is_multiple_of
)]
use marine_rs_sdk::marine;
use marine_rs_sdk::module_manifest;
use marine_rs_sdk::MountedBinaryResult;

module_manifest!();

pub fn main() {}

#[marine]
pub fn greeting(name: String) -> String {
    format!("Hi, {}", name)
}

#[marine]
pub fn scalars(
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
) -> i64 {
    let _ = (a, b, c, f, g, h, i, j, k);
    d as i64 + e
}

#[marine]
pub fn is_even(x: u32) -> bool {
    x % 2 == 0
}

#[marine]
pub fn unit(_s: &str, mut t: String) {
    t.push('!');
}

#[marine]
pub fn by_ref<'a>(s: &'a String, v: &Vec<String>, r: &Inner, m: &mut String) -> &'a String {
    let _ = (v, r, m);
    s
}

#[marine]
pub fn vectors(
    a: Vec<u8>,
    b: Vec<bool>,
    c: Vec<String>,
    d: Vec<Inner>,
    e: Vec<Vec<Vec<u8>>>,
) -> Vec<Vec<Vec<u8>>> {
    let _ = (a, b, c, d);
    e
}

#[marine]
pub fn records(outer: Outer) -> Outer {
    outer
}

/// A nested record.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Inner {
    pub x: i32,
    flag: bool,
}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct Outer {
    pub a: i32,
    pub s: String,
    pub bytes: Vec<u8>,
    pub inner: Inner,
    pub all: Vec<Vec<Inner>>,
    pub f: f64,
}

#[marine]
#[module_import("records_effector")]
extern "C" {
    pub fn mutate_struct(test_record: Outer) -> Outer;
    #[link_name = "get_bytes"]
    pub fn bytes(name: &str, v: &Vec<Vec<u8>>) -> Vec<u8>;
    pub fn flag(x: &bool, y: u64) -> bool;
    pub fn tricky(arg_1: String, arg_0: u32, result: Vec<u8>, _: bool) -> u32;
}

#[marine]
#[host_import]
extern "C" {
    pub fn curl(cmd: Vec<String>) -> MountedBinaryResult;
}

#[marine]
#[link(wasm_import_module = "old_style")]
extern "C" {
    #[link_name = "put"]
    pub fn file_put(name: String, file_content: Vec<u8>) -> String;
}

#[marine]
pub fn call_imports() -> u64 {
    marine_rs_sdk::WasmLoggerBuilder::new().build().ok();
    log::info!("calling imports");
    let r = mutate_struct(Outer::default());
    let b = bytes("x", &vec![vec![1u8]]);
    let f = flag(&true, 3);
    let c = curl(vec!["a".into()]);
    let p = file_put("n".into(), vec![1]);
    let cp = marine_rs_sdk::get_call_parameters();
    r.a as u64
        + b.len() as u64
        + f as u64
        + c.ret_code as u64
        + p.len() as u64
        + cp.particle.ttl as u64
}
