//! `_cp` variants pass call parameters through to the module; the plain variants pass defaults.

use marine_rs_sdk_test::{marine_test, CallParameters, ParticleParameters};

#[marine_test(
    config_path = "../services/call-params/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn cp_variants_see_call_parameters(call_params: marine_test_env::call_params::ModuleInterface) {
    let cp = CallParameters {
        service_id: "svc".into(),
        host_id: "host".into(),
        worker_id: "worker".into(),
        particle: ParticleParameters {
            id: "particle-1".into(),
            init_peer_id: "peer".into(),
            timestamp: 42,
            ttl: 7,
            ..Default::default()
        },
        ..Default::default()
    };

    let seen = call_params.call_info_cp(cp.clone());
    assert_eq!(seen.service_id, "svc");
    assert_eq!(seen.host_id, "host");
    assert_eq!(seen.worker_id, "worker");
    assert_eq!(seen.particle_id, "particle-1");
    assert_eq!(seen.init_peer_id, "peer");
    assert_eq!((seen.timestamp, seen.ttl), (42, 7));

    let seen = call_params.try_call_info_cp(cp).unwrap();
    assert_eq!(seen.particle_id, "particle-1");

    // Without call parameters the module sees the defaults, not the previous call's.
    let seen = call_params.call_info();
    assert_eq!(seen.service_id, "");
    assert_eq!(seen.particle_id, "");
    assert_eq!(seen.timestamp, 0);
}
