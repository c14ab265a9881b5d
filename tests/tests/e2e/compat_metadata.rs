//! Same source, same metadata: every guest of `tests/compat` is built once against the official
//! `marine-rs-sdk` 0.14.0 and once against ours (`tests/compat-ours` compiles the very same
//! files). Each `__m_generated_section__*` (parsed JSON), the exports' wasm signatures and the
//! non-WASI imports must be identical.

use std::collections::BTreeMap;

use marine_e2e::{compat_ours_wasm, compat_wasm, generated_sections, wasm_shape};

/// Every guest of `tests/compat`.
const MODULES: [&str; 11] = [
    "greeting",
    "records",
    "arrays",
    "call_parameters",
    "trap",
    "logging",
    "effector",
    "pure",
    "mounted",
    "host_calls",
    "shapes",
];

/// The SDK's own call-parameter records. Our SDK keeps their sections in every module, as the
/// official modules decoded in the reference do (guest ABI §4.1, quirk 10); the official SDK
/// built with current rustc drops them from modules that never call `get_call_parameters`.
const SDK_CALL_PARAMETER_SECTIONS: [&str; 3] = [
    "__m_generated_section__CallParameters",
    "__m_generated_section__ParticleParameters",
    "__m_generated_section__SecurityTetraplet",
];

fn read(path: std::path::PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn same_source_same_generated_sections() {
    let official_cp = generated_sections(&read(compat_wasm("call_parameters")));
    for module in MODULES {
        let official = generated_sections(&read(compat_wasm(module)));
        let ours = generated_sections(&read(compat_ours_wasm(module)));
        assert!(
            !official.is_empty(),
            "{module}: no sections in the official build"
        );
        for (name, docs) in &official {
            assert_eq!(
                ours.get(name),
                Some(docs),
                "{module}: section {name} differs (left: ours, right: official)"
            );
        }
        for (name, docs) in &ours {
            if official.contains_key(name) {
                continue;
            }
            assert!(
                SDK_CALL_PARAMETER_SECTIONS.contains(&name.as_str()),
                "{module}: our build has an extra section {name}: {docs:?}"
            );
            assert_eq!(
                Some(docs),
                official_cp.get(name),
                "{module}: our {name} differs from the official one"
            );
        }
    }
}

#[test]
fn same_source_same_wasm_signatures() {
    for module in MODULES {
        let official = wasm_shape(&read(compat_wasm(module)));
        let ours = wasm_shape(&read(compat_ours_wasm(module)));
        assert_eq!(
            ours.func_exports, official.func_exports,
            "{module}: exported functions differ (left: ours, right: official)"
        );
        assert_eq!(
            ours.other_exports, official.other_exports,
            "{module}: other exports differ (left: ours, right: official)"
        );
        let marine_imports = |shape: &marine_e2e::WasmShape| -> BTreeMap<_, _> {
            shape
                .func_imports
                .iter()
                .filter(|((ns, _), _)| ns != "wasi_snapshot_preview1")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        assert_eq!(
            marine_imports(&ours),
            marine_imports(&official),
            "{module}: host and module imports differ (left: ours, right: official)"
        );
    }
}

#[test]
fn same_source_same_sdk_version_section() {
    for module in MODULES {
        for wasm in [compat_wasm(module), compat_ours_wasm(module)] {
            let versions: Vec<_> = marine_e2e::custom_sections(&read(wasm.clone()))
                .into_iter()
                .filter(|(name, _)| name == "__fluence_sdk_version")
                .map(|(_, data)| data)
                .collect();
            assert_eq!(versions, [b"0.14.0".to_vec()], "{}", wasm.display());
        }
    }
}

/// The five length-prefixed fields of a `__fluence_wasm_module_manifest` section (§4.3):
/// authors, version, description, repository, build_time. `None` if malformed.
fn manifest_fields(data: &[u8]) -> Option<Vec<String>> {
    let mut rest = data;
    let mut fields = Vec::new();
    for _ in 0..5 {
        let (len, tail) = rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let (text, tail) = (tail.get(..len)?, tail.get(len..)?);
        fields.push(String::from_utf8(text.to_vec()).ok()?);
        rest = tail;
    }
    rest.is_empty().then_some(fields)
}

#[test]
fn module_manifest_is_emitted_by_our_sdk_only() {
    let manifests = |wasm: std::path::PathBuf| -> Vec<Vec<u8>> {
        marine_e2e::custom_sections(&read(wasm))
            .into_iter()
            .filter(|(name, _)| name == "__fluence_wasm_module_manifest")
            .map(|(_, data)| data)
            .collect()
    };
    // Official 0.14.0: `module_manifest!()` expands to a static under
    // `#[cfg(feature = "marine-abi")]`, evaluated in the user crate, so no section (§4.3).
    assert_eq!(manifests(compat_wasm("greeting")), Vec::<Vec<u8>>::new());
    // Ours emits the section the macro promises.
    let ours = manifests(compat_ours_wasm("greeting"));
    assert_eq!(ours.len(), 1);
    let fields = manifest_fields(&ours[0]).expect("a well-formed manifest");
    assert_eq!(fields[..4], ["", "0.1.0", "", ""]);
    let time = &fields[4];
    assert!(
        time.len() >= 20 && time.as_bytes()[4] == b'-' && time.as_bytes()[10] == b'T',
        "build_time is RFC 3339: {time}"
    );
}
