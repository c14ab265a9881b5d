//! The built examples carry exactly the metadata and wasm signatures of the official SDK.
use marine_e2e::{custom_sections, example_wasm};
use wasmparser::{Parser, Payload, ValType};

fn section(module: &str, name: &str) -> Vec<u8> {
    let wasm = std::fs::read(example_wasm(module)).unwrap();
    let found: Vec<_> = custom_sections(&wasm)
        .into_iter()
        .filter(|(n, _)| n == name)
        .collect();
    assert_eq!(found.len(), 1, "{module}.wasm has one section {name}");
    found.into_iter().next().unwrap().1
}

/// `name -> (params, results)` of every exported function.
fn export_signatures(module: &str) -> Vec<(String, Vec<ValType>, Vec<ValType>)> {
    let wasm = std::fs::read(example_wasm(module)).unwrap();
    let mut types = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut imported = 0u32;
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(&wasm) {
        match payload.unwrap() {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    let f = ty.unwrap();
                    types.push((f.params().to_vec(), f.results().to_vec()));
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.unwrap().ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::FunctionSection(r) => funcs = r.into_iter().map(|t| t.unwrap()).collect(),
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    if e.kind == wasmparser::ExternalKind::Func {
                        exports.push((e.name.to_string(), e.index));
                    }
                }
            }
            _ => {}
        }
    }
    exports
        .into_iter()
        .map(|(name, index)| {
            let ty = &types[funcs[(index - imported) as usize] as usize];
            (name, ty.0.clone(), ty.1.clone())
        })
        .collect()
}

fn signature(module: &str, func: &str) -> (Vec<ValType>, Vec<ValType>) {
    export_signatures(module)
        .into_iter()
        .find(|(n, _, _)| n == func)
        .map(|(_, p, r)| (p, r))
        .unwrap_or_else(|| panic!("{module}.wasm exports {func}"))
}

#[test]
fn greeting_section_is_byte_exact_with_the_official_sdk() {
    // Reference §4.1: the verified content of greeting.wasm built with the official SDK 0.14.
    let expected = r#"{"ast_type":"Function","signature":{"name":"greeting","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}"#;
    assert_eq!(
        String::from_utf8(section("greeting", "__m_generated_section__greeting")).unwrap(),
        expected
    );
    assert_eq!(section("greeting", "__fluence_sdk_version"), b"0.14.0");
}

#[test]
fn record_sections_follow_the_reference_schema() {
    let expected = r#"{"ast_type":"Record","name":"TestRecord1","fields":{"Named":[{"name":"field_0","ty":{"I32":"ByValue"}},{"name":"field_1","ty":{"Utf8String":"ByValue"}},{"name":"field_2","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}},{"name":"test_record_0","ty":{"Record":["TestRecord0","ByValue"]}}]}}"#;
    assert_eq!(
        String::from_utf8(section("records", "__m_generated_section__TestRecord1")).unwrap(),
        expected
    );
    let by_ref = r#"{"ast_type":"Function","signature":{"name":"test_record_array","arguments":[{"name":"test_record","ty":{"Vector":[{"Record":["TestRecord1","ByValue"]},"ByRef"]}}],"output_types":[{"Vector":[{"Record":["TestRecord1","ByValue"]},"ByValue"]}]}}"#;
    assert_eq!(
        String::from_utf8(section(
            "records",
            "__m_generated_section__test_record_array"
        ))
        .unwrap(),
        by_ref
    );
}

#[test]
fn sdk_records_are_in_every_module() {
    for module in ["greeting", "scalars", "records", "arrays"] {
        for record in [
            "CallParameters",
            "ParticleParameters",
            "SecurityTetraplet",
            "MountedBinaryResult",
            "MountedBinaryStringResult",
        ] {
            section(module, &format!("__m_generated_section__{record}"));
        }
    }
}

#[test]
fn abi_exports_have_the_official_signatures() {
    use ValType::{F32, F64, I32, I64};
    for module in ["greeting", "records", "arrays", "scalars"] {
        assert_eq!(signature(module, "allocate"), (vec![I32, I32], vec![I32]));
        assert_eq!(signature(module, "release_objects"), (vec![], vec![]));
        assert_eq!(signature(module, "get_result_ptr"), (vec![], vec![I32]));
        assert_eq!(signature(module, "get_result_size"), (vec![], vec![I32]));
        assert_eq!(signature(module, "set_result_ptr"), (vec![I32], vec![]));
        assert_eq!(signature(module, "set_result_size"), (vec![I32], vec![]));
        assert_eq!(signature(module, "_initialize"), (vec![], vec![]));
    }
    // §2.7: greeting(String) -> String is (i32, i32) -> ().
    assert_eq!(signature("greeting", "greeting"), (vec![I32, I32], vec![]));
    // §2.1/§2.2 flattening of every scalar.
    assert_eq!(
        signature("scalars", "describe"),
        (
            vec![I32, I32, I32, I32, I64, I32, I32, I32, I64, F32, F64],
            vec![]
        )
    );
    assert_eq!(signature("scalars", "echo_u64"), (vec![I64], vec![I64]));
    assert_eq!(signature("scalars", "echo_bool"), (vec![I32], vec![I32]));
    // Records are one pointer in, nothing out.
    assert_eq!(signature("records", "echo_record1"), (vec![I32], vec![]));
    // Vectors are (ptr, count), results through the result slots.
    assert_eq!(signature("arrays", "echo_bytes3"), (vec![I32, I32], vec![]));
    assert_eq!(
        signature("arrays", "shift_points"),
        (vec![I32, I32, I32], vec![])
    );
}
