//! Reports the call parameters it sees (`get_call_parameters`), and passes strings and byte
//! arrays back so a caller module can exercise the module-to-module copy path.
use marine_rs_sdk::{get_call_parameters, marine};

pub fn main() {}

/// What this module sees of the current call's parameters.
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
    /// One entry per argument: `peer_pk/service_id/function_name/lens` of each tetraplet.
    pub tetraplets: Vec<Vec<String>>,
}

#[marine]
pub fn call_info() -> CallInfo {
    let cp = get_call_parameters();
    CallInfo {
        particle_id: cp.particle.id,
        init_peer_id: cp.particle.init_peer_id,
        timestamp: cp.particle.timestamp,
        ttl: cp.particle.ttl,
        signature: cp.particle.signature,
        service_id: cp.service_id,
        host_id: cp.host_id,
        worker_id: cp.worker_id,
        tetraplets: cp
            .tetraplets
            .iter()
            .map(|per_arg| {
                per_arg
                    .iter()
                    .map(|t| {
                        format!(
                            "{}/{}/{}/{}",
                            t.peer_pk, t.service_id, t.function_name, t.lens
                        )
                    })
                    .collect()
            })
            .collect(),
    }
}

/// Upper-cases a string (a string argument and result across modules).
#[marine]
pub fn shout(s: String) -> String {
    s.to_uppercase()
}

/// Reverses bytes and appends their count (a byte-array argument and result across modules).
#[marine]
pub fn reverse_bytes(bytes: Vec<u8>) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.iter().rev().copied().collect();
    out.push(bytes.len() as u8);
    out
}

/// Joins a string and a byte array: both kinds of argument in one call.
#[marine]
pub fn describe(label: String, bytes: Vec<u8>, count: u32) -> String {
    format!("{label}:{}:{count}", bytes.len())
}
