//! Call parameters: what the caller of a service tells the modules about the current call
//! (guest ABI §5.3, reference §C.2).
//!
//! The host keeps the v3 shape (SDK 0.14). Older guests get it converted down by the
//! `get_call_parameters` host import of their namespace.

use serde::{Deserialize, Serialize};

/// Origin of one argument value: which peer, service and function produced it, and the lens
/// applied to it (v3 `SecurityTetraplet`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityTetraplet {
    /// Public key of the peer that produced the value.
    pub peer_pk: String,
    /// Service that produced the value.
    pub service_id: String,
    /// Function that produced the value.
    pub function_name: String,
    /// Lens (json path) applied to the value (`json_path` before v2, `lambda` in v2).
    pub lens: String,
}

/// Data of the particle (request) this call belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParticleParameters {
    /// Particle id.
    pub id: String,
    /// Peer that initiated the particle.
    pub init_peer_id: String,
    /// Unix time of creation, in milliseconds.
    pub timestamp: u64,
    /// Time to live in milliseconds.
    pub ttl: u32,
    /// The AIR script.
    pub script: String,
    /// Signature of the particle.
    pub signature: Vec<u8>,
    /// Authentication token.
    pub token: String,
}

/// Parameters of one call, set by the caller and visible to every module the call reaches
/// (v3 `CallParameters`). Deserializing accepts partial objects: missing fields default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallParameters {
    /// The particle.
    pub particle: ParticleParameters,
    /// Id of the called service.
    pub service_id: String,
    /// Peer that created the service.
    pub service_creator_peer_id: String,
    /// Peer hosting the service.
    pub host_id: String,
    /// Worker the service runs on.
    pub worker_id: String,
    /// One vector of tetraplets per argument of the called function.
    pub tetraplets: Vec<Vec<SecurityTetraplet>>,
}
