//! Call parameters of the current call (§5.3, v3 layout of `__marine_host_api_v3`).

use crate::marine;
use serde::{Deserialize, Serialize};

/// Describes an origin that set corresponding value.
#[marine]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityTetraplet {
    /// Id of a peer where corresponding value was set.
    pub peer_pk: String,
    /// Id of a service that set corresponding value.
    pub service_id: String,
    /// Name of a function that returned corresponding value.
    pub function_name: String,
    /// Value was produced by applying this `lens` to the output from `call_service`.
    pub lens: String,
}

impl SecurityTetraplet {
    /// A tetraplet from its four parts.
    pub fn new(
        peer_pk: impl Into<String>,
        service_id: impl Into<String>,
        function_name: impl Into<String>,
        lens: impl Into<String>,
    ) -> Self {
        Self {
            peer_pk: peer_pk.into(),
            service_id: service_id.into(),
            function_name: function_name.into(),
            lens: lens.into(),
        }
    }

    /// The tetraplet of a literal set by the particle's initiator.
    pub fn literal_tetraplet(init_peer_id: impl Into<String>) -> Self {
        Self {
            peer_pk: init_peer_id.into(),
            ..Self::default()
        }
    }

    /// Appends a lens.
    pub fn add_lens(&mut self, lens: &str) {
        self.lens.push_str(lens);
    }
}

impl std::fmt::Display for SecurityTetraplet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "peer_pk: {}, service_id: {}, function_name: {}, lens: {}",
            self.peer_pk, self.service_id, self.function_name, self.lens
        )
    }
}

/// Parameters of the particle that triggered the call.
#[marine]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParticleParameters {
    /// Id of the particle which execution resulted a call this service.
    pub id: String,
    /// Peer id of the AIR script initiator.
    pub init_peer_id: String,
    /// Unix timestamp of the particle start time.
    pub timestamp: u64,
    /// Time to live for this particle in milliseconds.
    pub ttl: u32,
    /// AIR script in this particle.
    pub script: String,
    /// Signature made by particle initiator -- init_peer_id.
    pub signature: Vec<u8>,
    /// Particle token.
    pub token: String,
}

/// Parameters of the current call, supplied by the host.
#[marine]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallParameters {
    /// Parameters of the particle that caused this call.
    pub particle: ParticleParameters,
    /// Id of the current service.
    pub service_id: String,
    /// Id of the service creator.
    pub service_creator_peer_id: String,
    /// PeerId of the peer who hosts worker with this service.
    pub host_id: String,
    /// PeerId of the worker who hosts this service.
    pub worker_id: String,
    /// Security tetraplets: one vector per argument of the current call.
    pub tetraplets: Vec<Vec<SecurityTetraplet>>,
}

impl std::fmt::Display for CallParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "particle: {:?}, service_id: {}, service_creator_peer_id: {}, host_id: {}, worker_id: {}, tetraplets: {:?}",
            self.particle,
            self.service_id,
            self.service_creator_peer_id,
            self.host_id,
            self.worker_id,
            self.tetraplets
        )
    }
}

/// Returns the parameters of the current call from the host (`get_call_parameters` import).
///
/// Only available inside a Marine runtime (wasm32); panics on other targets.
#[cfg(target_arch = "wasm32")]
pub fn get_call_parameters() -> CallParameters {
    #[link(wasm_import_module = "__marine_host_api_v3")]
    unsafe extern "C" {
        #[link_name = "get_call_parameters"]
        fn raw_get_call_parameters();
    }
    unsafe {
        raw_get_call_parameters();
        let ptr = crate::internal::get_result_ptr();
        CallParameters::__m_generated_deserialize(ptr as usize as *const u8)
    }
}

/// Returns the parameters of the current call from the host (`get_call_parameters` import).
///
/// Only available inside a Marine runtime (wasm32); panics on other targets.
#[cfg(not(target_arch = "wasm32"))]
pub fn get_call_parameters() -> CallParameters {
    unimplemented!(
        "get_call_parameters is only available in a wasm32 module running in a Marine runtime"
    )
}
