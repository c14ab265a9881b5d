//! Call parameters: what the caller of a service tells the modules about the current call
//! (guest ABI §5.3, reference §C.2).
//!
//! The host keeps the v3 shape (SDK 0.14). Older guests get it converted down by the
//! `get_call_parameters` host import of their namespace, to the record of its
//! [`CallParametersLayout`]:
//!
//! | namespace | record (fields in wire order) | size |
//! |---|---|---|
//! | `host` (v0) | init_peer_id, service_id, service_creator_peer_id, host_id, particle_id, tetraplets | 48 |
//! | `__marine_host_api_v1` | init_peer_id, service_id, service_creator_peer_id, host_id, worker_id, particle_id, tetraplets | 56 |
//! | `__marine_host_api_v2`, `_v3` | particle (record), service_id, service_creator_peer_id, host_id, worker_id, tetraplets | 44 |
//!
//! Tetraplets are `Vec<Vec<SecurityTetraplet>>` of four strings each in every version (the
//! fourth is named `json_path` before v2, `lambda` in v2, `lens` in v3; names are not on the
//! wire). The record types are built once.
//!
//! Tetraplets are `Vec<Vec<SecurityTetraplet>>` of four strings each in every version (the
//! fourth is named `json_path` before v2, `lambda` in v2, `lens` in v3; names are not on the
//! wire). The record types are built once.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::abi::HostApi;
use crate::types::{IRecordType, IType, IValue};

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

/// Which call-parameters layout a host namespace serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallParametersLayout {
    /// `host` (SDK ≤ 0.11): 48 bytes, no worker id.
    V0,
    /// `__marine_host_api_v1` (SDK 0.12): 56 bytes, flat particle fields.
    V1,
    /// `__marine_host_api_v2` / `_v3` (SDK 0.13, 0.14): particle as a nested record.
    V3,
}

impl CallParametersLayout {
    /// The layout a host API generation serves.
    pub fn of_host_api(api: HostApi) -> Self {
        match api {
            HostApi::V0 => Self::V0,
            HostApi::V1 => Self::V1,
            HostApi::V2 | HostApi::V3 => Self::V3,
        }
    }

    /// The record type of this layout.
    pub fn record_type(self) -> &'static Arc<IRecordType> {
        let types = types();
        match self {
            Self::V0 => &types.v0,
            Self::V1 => &types.v1,
            Self::V3 => &types.v3,
        }
    }

    /// The record value of this layout for `cp` (fields of [`Self::record_type`]).
    pub fn value(self, cp: &CallParameters) -> Vec<IValue> {
        let s = |v: &str| IValue::String(v.to_string());
        let p = &cp.particle;
        let tetraplets = tetraplets_value(&cp.tetraplets);
        match self {
            Self::V0 => vec![
                s(&p.init_peer_id),
                s(&cp.service_id),
                s(&cp.service_creator_peer_id),
                s(&cp.host_id),
                s(&p.id),
                tetraplets,
            ],
            Self::V1 => vec![
                s(&p.init_peer_id),
                s(&cp.service_id),
                s(&cp.service_creator_peer_id),
                s(&cp.host_id),
                s(&cp.worker_id),
                s(&p.id),
                tetraplets,
            ],
            Self::V3 => vec![
                particle_value(p),
                s(&cp.service_id),
                s(&cp.service_creator_peer_id),
                s(&cp.host_id),
                s(&cp.worker_id),
                tetraplets,
            ],
        }
    }
}

fn particle_value(p: &ParticleParameters) -> IValue {
    IValue::Record(vec![
        IValue::String(p.id.clone()),
        IValue::String(p.init_peer_id.clone()),
        IValue::U64(p.timestamp),
        IValue::U32(p.ttl),
        IValue::String(p.script.clone()),
        IValue::ByteArray(p.signature.clone()),
        IValue::String(p.token.clone()),
    ])
}

fn tetraplets_value(tetraplets: &[Vec<SecurityTetraplet>]) -> IValue {
    IValue::Array(
        tetraplets
            .iter()
            .map(|per_arg| {
                IValue::Array(
                    per_arg
                        .iter()
                        .map(|t| {
                            IValue::Record(vec![
                                IValue::String(t.peer_pk.clone()),
                                IValue::String(t.service_id.clone()),
                                IValue::String(t.function_name.clone()),
                                IValue::String(t.lens.clone()),
                            ])
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

struct LayoutTypes {
    v0: Arc<IRecordType>,
    v1: Arc<IRecordType>,
    v3: Arc<IRecordType>,
}

fn record(name: &str, fields: &[(&str, IType)]) -> Arc<IRecordType> {
    Arc::new(IRecordType::with_fields(name, fields))
}

fn types() -> &'static LayoutTypes {
    static TYPES: OnceLock<LayoutTypes> = OnceLock::new();
    TYPES.get_or_init(|| {
        use IType::String as S;
        let tetraplet = |lens: &str| {
            let t = record(
                "SecurityTetraplet",
                &[
                    ("peer_pk", S),
                    ("service_id", S),
                    ("function_name", S),
                    (lens, S),
                ],
            );
            IType::Array(Box::new(IType::Array(Box::new(IType::Record(t)))))
        };
        let particle = record(
            "ParticleParameters",
            &[
                ("id", S),
                ("init_peer_id", S),
                ("timestamp", IType::U64),
                ("ttl", IType::U32),
                ("script", S),
                ("signature", IType::ByteArray),
                ("token", S),
            ],
        );
        LayoutTypes {
            v0: record(
                "CallParameters",
                &[
                    ("init_peer_id", S),
                    ("service_id", S),
                    ("service_creator_peer_id", S),
                    ("host_id", S),
                    ("particle_id", S),
                    ("tetraplets", tetraplet("json_path")),
                ],
            ),
            v1: record(
                "CallParameters",
                &[
                    ("init_peer_id", S),
                    ("service_id", S),
                    ("service_creator_peer_id", S),
                    ("host_id", S),
                    ("worker_id", S),
                    ("particle_id", S),
                    ("tetraplets", tetraplet("json_path")),
                ],
            ),
            v3: record(
                "CallParameters",
                &[
                    ("particle", IType::Record(particle)),
                    ("service_id", S),
                    ("service_creator_peer_id", S),
                    ("host_id", S),
                    ("worker_id", S),
                    ("tetraplets", tetraplet("lens")),
                ],
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::record_size;
    use crate::types::check_value;

    #[test]
    fn layout_sizes_match_the_guest_abi() {
        assert_eq!(record_size(CallParametersLayout::V0.record_type()), 48);
        assert_eq!(record_size(CallParametersLayout::V1.record_type()), 56);
        assert_eq!(record_size(CallParametersLayout::V3.record_type()), 44);
        assert_eq!(
            CallParametersLayout::of_host_api(HostApi::V0),
            CallParametersLayout::V0
        );
        assert_eq!(
            CallParametersLayout::of_host_api(HostApi::V2),
            CallParametersLayout::V3
        );
    }

    #[test]
    fn values_type_check_against_their_layouts() {
        let cp = CallParameters {
            tetraplets: vec![vec![SecurityTetraplet::default()], vec![]],
            ..Default::default()
        };
        for layout in [
            CallParametersLayout::V0,
            CallParametersLayout::V1,
            CallParametersLayout::V3,
        ] {
            let ty = IType::Record(layout.record_type().clone());
            check_value(&IValue::Record(layout.value(&cp)), &ty)
                .unwrap_or_else(|e| panic!("{layout:?}: {e}"));
        }
    }
}
