//! Calls `call_params` through `#[module_import]`: nested call parameters, strings and byte
//! arrays across modules, and a host callback (`host_callback`, supplied by the embedder).
use marine_rs_sdk::marine;

pub fn main() {}

/// Same shape as `call_params::CallInfo` (records cross modules by shape).
#[marine]
#[derive(Debug, Default)]
pub struct CallInfo {
    pub particle_id: String,
    pub init_peer_id: String,
    pub timestamp: u64,
    pub ttl: u32,
    pub signature: Vec<u8>,
    pub service_id: String,
    pub host_id: String,
    pub worker_id: String,
    pub tetraplets: Vec<Vec<String>>,
}

#[marine]
#[module_import("call_params")]
extern "C" {
    pub fn call_info() -> CallInfo;
    pub fn shout(s: String) -> String;
    pub fn reverse_bytes(bytes: Vec<u8>) -> Vec<u8>;
    pub fn describe(label: String, bytes: Vec<u8>, count: u32) -> String;
}

#[marine]
#[host_import]
extern "C" {
    /// Supplied by the embedder (tests: a host function calling back into the service).
    pub fn host_callback(arg: String) -> String;
}

/// The call parameters as seen by `call_params`, one level down.
#[marine]
pub fn nested_call_info() -> CallInfo {
    call_info()
}

#[marine]
pub fn relay_shout(s: String) -> String {
    format!("[{}]", shout(s))
}

#[marine]
pub fn relay_reverse(bytes: Vec<u8>) -> Vec<u8> {
    reverse_bytes(bytes)
}

#[marine]
pub fn relay_describe(label: String, bytes: Vec<u8>) -> String {
    let n = bytes.len() as u32;
    describe(label, bytes, n)
}

/// Calls the embedder's `host_callback`.
#[marine]
pub fn via_host(arg: String) -> String {
    host_callback(arg)
}

/// A plain export the host callback can call back into.
#[marine]
pub fn echo(s: String) -> String {
    s
}
