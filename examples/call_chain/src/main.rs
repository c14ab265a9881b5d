//! The top of a three-module chain: `call_chain` → `call_params_caller` → `call_params`.
//! Each call below crosses two module boundaries (two adapters, three stores).
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
#[module_import("call_params_caller")]
extern "C" {
    pub fn nested_call_info() -> CallInfo;
    pub fn relay_shout(s: String) -> String;
    pub fn relay_reverse(bytes: Vec<u8>) -> Vec<u8>;
}

/// The call parameters as `call_params` sees them, two modules down.
#[marine]
pub fn deep_call_info() -> CallInfo {
    nested_call_info()
}

/// `call_params.shout` through `call_params_caller.relay_shout`, wrapped once more.
#[marine]
pub fn deep_shout(s: String) -> String {
    format!("<{}>", relay_shout(s))
}

/// Bytes reversed two modules down (`call_params` appends their count as one byte), then
/// reversed back here without that byte: the input comes back.
#[marine]
pub fn deep_round_trip(bytes: Vec<u8>) -> Vec<u8> {
    let mut back = relay_reverse(bytes);
    back.pop();
    back.reverse();
    back
}
