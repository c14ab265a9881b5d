//! A call-parameters echo built with marine-rs-sdk 0.13.0 (host namespace `__marine_host_api_v2`).
use marine_rs_sdk::marine;

pub fn main() {}

/// Every field of this version's `CallParameters`, one per line, tetraplets in Debug form.
#[marine]
pub fn call_parameters() -> String {
    let cp = marine_rs_sdk::get_call_parameters();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{:?}\n{:?}",
        cp.particle.id,
        cp.particle.init_peer_id,
        cp.particle.timestamp,
        cp.particle.ttl,
        cp.particle.script,
        cp.particle.token,
        cp.service_id,
        cp.service_creator_peer_id,
        cp.host_id,
        cp.worker_id,
        cp.particle.signature,
        cp.tetraplets
    )
}
