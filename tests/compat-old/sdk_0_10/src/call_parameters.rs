//! A call-parameters echo built with marine-rs-sdk 0.10.3 (host namespace `host`).
use marine_rs_sdk::marine;

pub fn main() {}

/// Every field of this version's `CallParameters`, one per line, tetraplets in Debug form.
#[marine]
pub fn call_parameters() -> String {
    let cp = marine_rs_sdk::get_call_parameters();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{:?}",
        cp.init_peer_id,
        cp.service_id,
        cp.service_creator_peer_id,
        cp.host_id,
        cp.particle_id,
        cp.tetraplets
    )
}
