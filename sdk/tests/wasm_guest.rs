//! Builds the tiny guest in `tests/guest` for wasm32-wasip1 and checks what it exports, imports
//! and embeds (guest ABI §1.1, §2.1, §2.2, §3.2, §4).

mod support;

use marine_ast::{parse_section, SDKAst};
use std::path::{Path, PathBuf};
use support::{inspect, sig, ModuleInfo};

fn build_guest() -> Vec<u8> {
    let sdk_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = sdk_dir.parent().unwrap();
    let target_dir: PathBuf = repo.join("target/sdk-guest-test");
    let wasm_dir = marine_guest_build::build_wasm_workspace(
        &sdk_dir.join("tests/guest/Cargo.toml"),
        &target_dir,
    )
    .unwrap_or_else(|e| panic!("building the wasm guest failed: {e}"));
    std::fs::read(wasm_dir.join("sdk_test_guest.wasm")).unwrap()
}

fn guest() -> &'static ModuleInfo {
    static INFO: std::sync::OnceLock<ModuleInfo> = std::sync::OnceLock::new();
    INFO.get_or_init(|| inspect(&build_guest()))
}

#[test]
fn abi_exports_have_the_official_signatures() {
    let info = guest();
    let i32_ = "i32";
    assert_eq!(info.export("allocate"), Some(&sig(&[i32_, i32_], &[i32_])));
    assert_eq!(info.export("release_objects"), Some(&sig(&[], &[])));
    assert_eq!(info.export("get_result_ptr"), Some(&sig(&[], &[i32_])));
    assert_eq!(info.export("get_result_size"), Some(&sig(&[], &[i32_])));
    assert_eq!(info.export("set_result_ptr"), Some(&sig(&[i32_], &[])));
    assert_eq!(info.export("set_result_size"), Some(&sig(&[i32_], &[])));
    assert_eq!(info.export("_initialize"), Some(&sig(&[], &[])));
    assert!(info.other_exports.contains(&"memory".to_string()));
}

#[test]
fn user_exports_are_flattened() {
    let info = guest();
    assert_eq!(info.export("greeting"), Some(&sig(&["i32", "i32"], &[])));
    assert_eq!(
        info.export("scalars"),
        Some(&sig(
            &["i32", "i32", "i32", "i32", "i64", "i32", "i32", "i32", "i64", "f32", "f64"],
            &["i64"]
        ))
    );
    assert_eq!(info.export("is_even"), Some(&sig(&["i32"], &["i32"])));
    assert_eq!(info.export("unit"), Some(&sig(&["i32"; 4], &[])));
    assert_eq!(info.export("by_ref"), Some(&sig(&["i32"; 7], &[])));
    assert_eq!(info.export("vectors"), Some(&sig(&["i32"; 10], &[])));
    assert_eq!(info.export("records"), Some(&sig(&["i32"], &[])));
    assert_eq!(info.export("call_imports"), Some(&sig(&[], &["i64"])));
}

#[test]
fn imports_use_namespaces_and_link_names() {
    let info = guest();
    assert_eq!(
        info.import("records_effector", "mutate_struct"),
        Some(&sig(&["i32"], &[]))
    );
    assert_eq!(
        info.import("records_effector", "get_bytes"),
        Some(&sig(&["i32"; 4], &[]))
    );
    assert_eq!(
        info.import("records_effector", "flag"),
        Some(&sig(&["i32", "i64"], &["i32"]))
    );
    assert_eq!(
        info.import("__marine_host_api_v3", "curl"),
        Some(&sig(&["i32", "i32"], &[]))
    );
    assert_eq!(
        info.import("old_style", "put"),
        Some(&sig(&["i32"; 4], &[]))
    );
    assert_eq!(
        info.import("__marine_host_api_v3", "get_call_parameters"),
        Some(&sig(&[], &[]))
    );
    assert_eq!(
        info.import("__marine_host_api_v3", "log_utf8_string"),
        Some(&sig(&["i32"; 4], &[]))
    );
}

#[test]
fn metadata_sections_are_present_and_parse() {
    let info = guest();
    for name in [
        "greeting",
        "scalars",
        "is_even",
        "unit",
        "by_ref",
        "vectors",
        "records",
        "call_imports",
        "Inner",
        "Outer",
        "records_effector",
        "__marine_host_api_v3",
        "old_style",
        // The SDK's own records are in every module.
        "CallParameters",
        "ParticleParameters",
        "SecurityTetraplet",
        "MountedBinaryResult",
        "MountedBinaryStringResult",
    ] {
        let section = format!("__m_generated_section__{name}");
        let found = info.sections(&section);
        assert_eq!(found.len(), 1, "section {section}");
        let items = parse_section(found[0]).unwrap();
        assert_eq!(items.len(), 1, "section {section}");
    }
    let greeting = info.sections("__m_generated_section__greeting")[0];
    assert_eq!(
        std::str::from_utf8(greeting).unwrap(),
        r#"{"ast_type":"Function","signature":{"name":"greeting","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}"#
    );
    let outer = parse_section(info.sections("__m_generated_section__Outer")[0]).unwrap();
    assert!(matches!(&outer[0], SDKAst::Record(r) if r.fields.fields().len() == 6));
}

#[test]
fn version_and_manifest_sections() {
    let info = guest();
    assert_eq!(
        info.sections("__fluence_sdk_version"),
        vec![b"0.14.0".as_slice()]
    );
    let manifest = info.sections("__fluence_wasm_module_manifest");
    assert_eq!(manifest.len(), 1);
    // Five (u64 LE length, bytes) fields, nothing left over.
    let mut rest = manifest[0];
    let mut fields = Vec::new();
    for _ in 0..5 {
        let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
        fields.push(std::str::from_utf8(&rest[8..8 + len]).unwrap().to_string());
        rest = &rest[8 + len..];
    }
    assert!(rest.is_empty());
    assert_eq!(fields[1], "0.1.0");
    assert!(fields[4].ends_with("+00:00"));
}
