//! `get_call_parameters` in every host namespace, with each SDK generation's layout.

mod common;

use common::*;
use marine_runtime::{IValue, Marine};

/// A guest importing `get_call_parameters` from all four host namespaces; `cp_vN` returns
/// what the host lowered, declared (independently of the host's types) with the record of
/// that SDK generation.
fn call_params_guest() -> Vec<u8> {
    let imports = r#"
      (import "host" "get_call_parameters" (func $cp0))
      (import "__marine_host_api_v1" "get_call_parameters" (func $cp1))
      (import "__marine_host_api_v2" "get_call_parameters" (func $cp2))
      (import "__marine_host_api_v3" "get_call_parameters" (func $cp3))
    "#;
    let funcs = r#"
      (func $get_cp0 (call $cp0))
      (func $get_cp1 (call $cp1))
      (func $get_cp2 (call $cp2))
      (func $get_cp3 (call $cp3))
    "#;
    let s = string();
    let tets = vec_of(vec_of(record("Tet")));
    let cp0 = [
        ("init_peer_id", s.clone()),
        ("service_id", s.clone()),
        ("service_creator_peer_id", s.clone()),
        ("host_id", s.clone()),
        ("particle_id", s.clone()),
        ("tetraplets", tets.clone()),
    ];
    let cp1 = [
        ("init_peer_id", s.clone()),
        ("service_id", s.clone()),
        ("service_creator_peer_id", s.clone()),
        ("host_id", s.clone()),
        ("worker_id", s.clone()),
        ("particle_id", s.clone()),
        ("tetraplets", tets.clone()),
    ];
    let cp3 = [
        ("particle", record("Particle")),
        ("service_id", s.clone()),
        ("service_creator_peer_id", s.clone()),
        ("host_id", s.clone()),
        ("worker_id", s.clone()),
        ("tetraplets", tets),
    ];
    let tet = [
        ("peer_pk", s.clone()),
        ("service_id", s.clone()),
        ("function_name", s.clone()),
        ("lens", s.clone()),
    ];
    let particle = [
        ("id", s.clone()),
        ("init_peer_id", s.clone()),
        ("timestamp", U64(V)),
        ("ttl", U32(V)),
        ("script", s.clone()),
        ("signature", vec_of(U8(V))),
        ("token", s),
    ];
    let extra = vec![
        export0("cp_v0", "$get_cp0", &[record("CP0")]),
        export0("cp_v1", "$get_cp1", &[record("CP1")]),
        export0("cp_v2", "$get_cp2", &[record("CP3")]),
        export0("cp_v3", "$get_cp3", &[record("CP3")]),
    ];
    let sections = [
        record_section("Tet", &tet),
        record_section("Particle", &particle),
        record_section("CP0", &cp0),
        record_section("CP1", &cp1),
        record_section("CP3", &cp3),
    ];
    guest_wasm_with(imports, funcs, extra, &sections)
}

fn tetraplet(
    peer_pk: &str,
    service_id: &str,
    function_name: &str,
    lens: &str,
) -> marine_runtime::SecurityTetraplet {
    marine_runtime::SecurityTetraplet {
        peer_pk: peer_pk.into(),
        service_id: service_id.into(),
        function_name: function_name.into(),
        lens: lens.into(),
    }
}

fn sample_call_parameters() -> marine_runtime::CallParameters {
    use marine_runtime::{CallParameters, ParticleParameters};
    CallParameters {
        particle: ParticleParameters {
            id: "particle-1".into(),
            init_peer_id: "init-peer".into(),
            timestamp: 1_700_000_000_123,
            ttl: 7000,
            script: "(null)".into(),
            signature: vec![1, 2, 255],
            token: "tok".into(),
        },
        service_id: "svc".into(),
        service_creator_peer_id: "creator".into(),
        host_id: "host-peer".into(),
        worker_id: "worker".into(),
        tetraplets: vec![
            vec![tetraplet("p1", "s1", "f1", ".$.a")],
            vec![],
            vec![
                tetraplet("p2", "s2", "f2", ""),
                tetraplet("init-peer", "", "", ""),
            ],
        ],
    }
}

#[test]
fn call_parameters_in_every_namespace_layout() {
    use marine_runtime::CallOptions;
    let mut m = Marine::new();
    m.load_module("cp", call_params_guest()).unwrap();
    let cp = sample_call_parameters();
    let options = CallOptions::with_call_parameters(cp.clone());
    let get = |m: &mut Marine, f: &str, o: &CallOptions| {
        let mut out = m.call_with_options("cp", f, &[], o).unwrap();
        let Some(IValue::Record(fields)) = out.pop() else {
            panic!("{f}: {out:?}")
        };
        fields
    };
    let s = |x: &str| IValue::String(x.into());
    let tet = |a: &str, b: &str, c: &str, d: &str| IValue::Record(vec![s(a), s(b), s(c), s(d)]);
    let tetraplets = IValue::Array(vec![
        IValue::Array(vec![tet("p1", "s1", "f1", ".$.a")]),
        IValue::Array(vec![]),
        IValue::Array(vec![
            tet("p2", "s2", "f2", ""),
            tet("init-peer", "", "", ""),
        ]),
    ]);
    // v0 (`host`): no worker id, particle id after host id.
    assert_eq!(
        get(&mut m, "cp_v0", &options),
        vec![
            s("init-peer"),
            s("svc"),
            s("creator"),
            s("host-peer"),
            s("particle-1"),
            tetraplets.clone()
        ]
    );
    // v1: worker id before particle id.
    assert_eq!(
        get(&mut m, "cp_v1", &options),
        vec![
            s("init-peer"),
            s("svc"),
            s("creator"),
            s("host-peer"),
            s("worker"),
            s("particle-1"),
            tetraplets.clone()
        ]
    );
    // v2 and v3: the particle as a nested record.
    let particle = IValue::Record(vec![
        s("particle-1"),
        s("init-peer"),
        IValue::U64(1_700_000_000_123),
        IValue::U32(7000),
        s("(null)"),
        IValue::ByteArray(vec![1, 2, 255]),
        s("tok"),
    ]);
    let v3 = vec![
        particle,
        s("svc"),
        s("creator"),
        s("host-peer"),
        s("worker"),
        tetraplets,
    ];
    assert_eq!(get(&mut m, "cp_v2", &options), v3);
    assert_eq!(get(&mut m, "cp_v3", &options), v3);
    // A call without options sees defaults (parameters do not leak between calls).
    let fields = get(&mut m, "cp_v1", &CallOptions::default());
    assert_eq!(fields[0], s(""));
    assert_eq!(fields[6], IValue::Array(vec![]));
}
