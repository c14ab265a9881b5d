//! `get_call_parameters()` of official SDKs 0.14.0 (v3 layout), 0.13.0 (v2), 0.12.0 (v1) and
//! 0.10.3 (v0, namespace `host`) reads the record our runtime lowers.
//!
//! The tests in this module serve the record through an embedder-defined [`HostImport`]
//! (`get_call_parameters` in the guest's namespace, §5.3 shape per version, shadowing the
//! built-in one), so they check that each official SDK deserializes exactly what our lowering
//! writes. The runtime's own built-in `get_call_parameters`, which converts the host's v3 value
//! down for older namespaces, is checked by `builtin`.

use std::sync::Arc;

use marine_runtime::IValue::{self, *};
use marine_runtime::{HostImport, IRecordField, IRecordType, IType, MModuleConfig, Marine};

use crate::compat_official::BOTH;
use crate::{call1, s};

fn string_record(name: &str, fields: &[&str]) -> Arc<IRecordType> {
    Arc::new(IRecordType {
        name: name.to_string(),
        fields: fields
            .iter()
            .map(|f| IRecordField {
                name: f.to_string(),
                ty: IType::String,
            })
            .collect(),
    })
}

fn field(name: &str, ty: IType) -> IRecordField {
    IRecordField {
        name: name.to_string(),
        ty,
    }
}

/// The `CallParameters` record type of one host-API version (§5.3), and a sample value.
fn call_parameters(version: u8) -> (Arc<IRecordType>, IValue) {
    let lens = if version < 2 { "json_path" } else { "lambda" };
    let tetraplet = string_record(
        "SecurityTetraplet",
        &["peer_pk", "service_id", "function_name", lens],
    );
    let tetraplets_ty = IType::Array(Box::new(IType::Array(Box::new(IType::Record(tetraplet)))));
    let tetraplets = Array(vec![
        Array(vec![
            Record(vec![s("pk1"), s("srv1"), s("fn1"), s("$.a")]),
            Record(vec![s("pk2"), s(""), s("fn2"), s("")]),
        ]),
        Array(vec![]),
    ]);
    let strings = |names: &[&str]| -> Vec<IRecordField> {
        names.iter().map(|n| field(n, IType::String)).collect()
    };
    match version {
        0 | 1 => {
            let mut names = vec![
                "init_peer_id",
                "service_id",
                "service_creator_peer_id",
                "host_id",
            ];
            let mut values = vec![s("init"), s("service"), s("creator"), s("host")];
            if version == 1 {
                names.push("worker_id");
                values.push(s("worker"));
            }
            names.push("particle_id");
            values.push(s("particle"));
            let mut fields = strings(&names);
            fields.push(field("tetraplets", tetraplets_ty));
            values.push(tetraplets);
            let ty = IRecordType {
                name: "CallParameters".into(),
                fields,
            };
            (Arc::new(ty), Record(values))
        }
        _ => {
            let particle = Arc::new(IRecordType {
                name: "ParticleParameters".into(),
                fields: vec![
                    field("id", IType::String),
                    field("init_peer_id", IType::String),
                    field("timestamp", IType::U64),
                    field("ttl", IType::U32),
                    field("script", IType::String),
                    field("signature", IType::ByteArray),
                    field("token", IType::String),
                ],
            });
            let mut fields = vec![field("particle", IType::Record(particle))];
            fields.extend(strings(&[
                "service_id",
                "service_creator_peer_id",
                "host_id",
                "worker_id",
            ]));
            fields.push(field("tetraplets", tetraplets_ty));
            let value = Record(vec![
                Record(vec![
                    s("particle"),
                    s("init"),
                    U64(u64::MAX),
                    U32(60_000),
                    s("(null)"),
                    ByteArray(vec![0, 1, 255]),
                    s("token"),
                ]),
                s("service"),
                s("creator"),
                s("host"),
                s("worker"),
                tetraplets,
            ]);
            let ty = IRecordType {
                name: "CallParameters".into(),
                fields,
            };
            (Arc::new(ty), value)
        }
    }
}

/// The Debug text of the sample tetraplets, with this version's name of the fourth field.
fn tetraplets_debug(lens: &str) -> std::string::String {
    format!(
        "[[SecurityTetraplet {{ peer_pk: \"pk1\", service_id: \"srv1\", function_name: \"fn1\", {lens}: \"$.a\" }}, \
         SecurityTetraplet {{ peer_pk: \"pk2\", service_id: \"\", function_name: \"fn2\", {lens}: \"\" }}], []]"
    )
}

/// What the guests' `call_parameters()` returns for the sample value of each version.
fn expected_text(version: u8) -> std::string::String {
    match version {
        0 => format!(
            "init\nservice\ncreator\nhost\nparticle\n{}",
            tetraplets_debug("json_path")
        ),
        1 => format!(
            "init\nservice\ncreator\nhost\nworker\nparticle\n{}",
            tetraplets_debug("json_path")
        ),
        _ => format!(
            "particle\ninit\n{}\n60000\n(null)\ntoken\nservice\ncreator\nhost\nworker\n[0, 1, 255]\n{}",
            u64::MAX,
            tetraplets_debug(if version == 2 { "lambda" } else { "lens" })
        ),
    }
}

/// Loads `wasm` as `name` with `get_call_parameters` in `namespace` serving the sample value.
fn load_with_call_parameters(
    name: &str,
    wasm: std::path::PathBuf,
    namespace: &str,
    version: u8,
) -> Marine {
    let (ty, value) = call_parameters(version);
    let import = HostImport::new(vec![], Some(IType::Record(ty)), move |_ctx, _args| {
        Ok(Some(value.clone()))
    });
    let mut config = MModuleConfig::default();
    config
        .host_imports
        .push((namespace.into(), "get_call_parameters".into(), import));
    let mut m = Marine::new();
    m.load_module_with_config(name, wasm, config)
        .unwrap_or_else(|e| panic!("loading {name}: {e}"));
    m
}

#[test]
fn official_v3_call_parameters_layout() {
    for sdk in BOTH {
        let mut m = load_with_call_parameters(
            "call_parameters",
            sdk.wasm("call_parameters"),
            "__marine_host_api_v3",
            3,
        );
        let expected = expected_text(3);
        assert_eq!(
            call1(&mut m, "call_parameters", "call_parameters", vec![]),
            s(&expected),
            "{sdk:?}"
        );
        // The whole record, round-tripped through the guest's own CallParameters type.
        let (_, value) = call_parameters(3);
        assert_eq!(
            call1(&mut m, "call_parameters", "call_parameters_record", vec![]),
            value,
            "{sdk:?}"
        );
    }
}

#[test]
fn older_sdk_call_parameters_layouts() {
    let cases = [
        ("0_10", "host", 0u8),
        ("0_12", "__marine_host_api_v1", 1),
        ("0_13", "__marine_host_api_v2", 2),
    ];
    for (suffix, namespace, version) in cases {
        let name = format!("call_parameters_{suffix}");
        let mut m = load_with_call_parameters(
            &name,
            marine_e2e::compat_old_wasm(&name),
            namespace,
            version,
        );
        let expected = expected_text(version);
        assert_eq!(
            call1(&mut m, &name, "call_parameters", vec![]),
            s(&expected),
            "{name}"
        );
    }
}

/// The runtime's built-in `get_call_parameters`, served from the call's `CallOptions` in every
/// namespace with the layout of each SDK generation.
mod builtin {
    use marine_runtime::{
        CallOptions, CallParameters, Marine, ParticleParameters, SecurityTetraplet,
    };

    use super::expected_text;
    use crate::compat_official::BOTH;
    use crate::s;

    fn tetraplet(
        peer_pk: &str,
        service_id: &str,
        function_name: &str,
        lens: &str,
    ) -> SecurityTetraplet {
        SecurityTetraplet {
            peer_pk: peer_pk.into(),
            service_id: service_id.into(),
            function_name: function_name.into(),
            lens: lens.into(),
        }
    }

    /// The same sample as the embedder-served tests, in the host's v3 shape.
    fn sample() -> CallParameters {
        CallParameters {
            particle: ParticleParameters {
                id: "particle".into(),
                init_peer_id: "init".into(),
                timestamp: u64::MAX,
                ttl: 60_000,
                script: "(null)".into(),
                signature: vec![0, 1, 255],
                token: "token".into(),
            },
            service_id: "service".into(),
            service_creator_peer_id: "creator".into(),
            host_id: "host".into(),
            worker_id: "worker".into(),
            tetraplets: vec![
                vec![
                    tetraplet("pk1", "srv1", "fn1", "$.a"),
                    tetraplet("pk2", "", "fn2", ""),
                ],
                vec![],
            ],
        }
    }

    fn call(m: &mut Marine, module: &str) -> marine_runtime::IValue {
        let options = CallOptions {
            call_parameters: sample(),
            ..Default::default()
        };
        let mut out = m
            .call_with_options(module, "call_parameters", &[], &options)
            .unwrap_or_else(|e| panic!("{module}: {e}"));
        assert_eq!(out.len(), 1, "{module}");
        out.remove(0)
    }

    #[test]
    fn builtin_call_parameters_for_every_sdk_generation() {
        for sdk in BOTH {
            let mut m = Marine::new();
            m.load_module("call_parameters", sdk.wasm("call_parameters"))
                .unwrap();
            assert_eq!(
                call(&mut m, "call_parameters"),
                s(&expected_text(3)),
                "{sdk:?}"
            );
        }
        for (suffix, version) in [("0_10", 0u8), ("0_12", 1), ("0_13", 2)] {
            let name = format!("call_parameters_{suffix}");
            let mut m = Marine::new();
            m.load_module(&name, marine_e2e::compat_old_wasm(&name))
                .unwrap();
            assert_eq!(call(&mut m, &name), s(&expected_text(version)), "{name}");
        }
    }
}
