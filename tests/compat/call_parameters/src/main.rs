//! `get_call_parameters()` echoed back field by field (official call_parameters example style).
use marine_rs_sdk::marine;

pub fn main() {}

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
        cp.tetraplets,
    )
}

/// The whole record, through the SDK's own `CallParameters` record type.
#[marine]
pub fn call_parameters_record() -> marine_rs_sdk::CallParameters {
    marine_rs_sdk::get_call_parameters()
}
