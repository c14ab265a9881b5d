//! Reads the call parameters of the current call through the `get_call_parameters` host import.
use marine_rs_sdk::marine;

pub fn main() {}

/// The caller-visible parts of the call parameters, as `service_id|init_peer_id|host_id|particle_id`.
#[marine]
pub fn call_parameters() -> String {
    let cp = marine_rs_sdk::get_call_parameters();
    format!(
        "{}|{}|{}|{}",
        cp.service_id, cp.particle.init_peer_id, cp.host_id, cp.particle.id
    )
}
