//! `_cp` variants pass call parameters through to the module.

use marine_rs_sdk_test::{marine_test, CallParameters, ParticleParameters};

#[marine_test(
    config_path = "../services/call-parameters/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
#[ignore = "needs the get_call_parameters host import (helper rt-core); MarineService::call_with_ivalues does not pass call parameters yet"]
fn cp_variants_see_call_parameters(
    call_parameters: marine_test_env::call_parameters::ModuleInterface,
) {
    let cp = CallParameters {
        service_id: "svc".into(),
        host_id: "host".into(),
        particle: ParticleParameters {
            id: "particle-1".into(),
            init_peer_id: "peer".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        call_parameters.call_parameters_cp(cp.clone()),
        "svc|peer|host|particle-1"
    );
    assert_eq!(
        call_parameters.try_call_parameters_cp(cp).unwrap(),
        "svc|peer|host|particle-1"
    );
    assert_eq!(call_parameters.call_parameters(), "|||");
}
