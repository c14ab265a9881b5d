//! The callee of the cross-module benchmark (`tests/benches`): `put_get` hands its payload
//! straight back, so a call costs the two copies across the module boundary and the
//! adapter's work, nothing else.
use marine_rs_sdk::marine;

pub fn main() {}

/// Returns `data` unchanged (`name` is only carried, as a storage key would be).
#[marine]
pub fn put_get(name: String, data: Vec<u8>) -> Vec<u8> {
    let _ = name;
    data
}
