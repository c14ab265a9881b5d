//! The caller of the cross-module benchmark (`tests/benches`): calls
//! `bench_storage.put_get` through a module import.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[module_import("bench_storage")]
extern "C" {
    pub fn put_get(name: String, data: Vec<u8>) -> Vec<u8>;
}

/// Relays one call: `put_get(name, data)`.
#[marine]
pub fn relay(name: String, data: Vec<u8>) -> Vec<u8> {
    put_get(name, data)
}

/// Calls `put_get` `rounds` times with a `size`-byte payload built once here, so the host
/// boundary is crossed once for many cross-module calls. Each round hands the callee a copy
/// of the payload (an argument is consumed by the call). Returns the total number of bytes
/// that came back, which the host checks.
#[marine]
pub fn relay_rounds(size: u32, rounds: u32) -> u64 {
    let payload = vec![0x5au8; size as usize];
    let mut total = 0u64;
    for _ in 0..rounds {
        let back = put_get(String::from("k"), payload.clone());
        total += back.len() as u64;
    }
    total
}

/// Same loop without the cross-module call: only the payload copy each round makes, to
/// separate the guest's own work from the call in `relay_rounds`.
#[marine]
pub fn copy_rounds(size: u32, rounds: u32) -> u64 {
    let payload = vec![0x5au8; size as usize];
    let mut total = 0u64;
    for _ in 0..rounds {
        let back = std::hint::black_box(payload.clone());
        total += back.len() as u64;
    }
    total
}
