use super::*;
use crate::test_utils::{append_custom_section, fn_section, record_section};

/// A module exporting the six ABI functions and `greeting`, `pair` and `take`, with their
/// metadata; `extra` adds more custom sections.
fn module(extra: &[(String, String)]) -> Vec<u8> {
    let mut wasm = wat::parse_str(
        r#"(module
        (memory (export "memory") 1)
        (func (export "allocate") (param i32 i32) (result i32) i32.const 0)
        (func (export "release_objects"))
        (func (export "get_result_size") (result i32) i32.const 0)
        (func (export "get_result_ptr") (result i32) i32.const 0)
        (func (export "set_result_size") (param i32))
        (func (export "set_result_ptr") (param i32))
        (func (export "greeting") (param i32 i32))
        (func (export "pair") (param i64 f64 i32) (result i32) i32.const 0)
        (func (export "take") (param i32 i32 i32))
    )"#,
    )
    .unwrap();
    let mut sections = vec![
        fn_section(
            "greeting",
            r#"[{"name":"name","ty":{"Utf8String":"ByValue"}}]"#,
            r#"[{"Utf8String":"ByValue"}]"#,
        ),
        record_section(
            "Outer",
            r#"[{"name":"inner","ty":{"Record":["Inner","ByValue"]}},{"name":"bytes","ty":{"Vector":[{"Vector":[{"U8":"ByValue"},"ByValue"]},"ByValue"]}}]"#,
        ),
        record_section("Inner", r#"[{"name":"x","ty":{"I32":"ByValue"}}]"#),
        fn_section(
            "pair",
            r#"[{"name":"a","ty":{"U64":"ByValue"}},{"name":"b","ty":{"F64":"ByValue"}},{"name":"c","ty":{"Boolean":"ByValue"}}]"#,
            r#"[{"I8":"ByValue"}]"#,
        ),
        fn_section(
            "take",
            r#"[{"name":"outer","ty":{"Record":["Outer","ByRef"]}},{"name":"list","ty":{"Vector":[{"Record":["Inner","ByValue"]},"ByValue"]}}]"#,
            "[]",
        ),
    ];
    sections.extend_from_slice(extra);
    for (name, data) in &sections {
        append_custom_section(&mut wasm, name, data.as_bytes());
    }
    wasm
}

fn texts(instructions: &[Instruction]) -> Vec<String> {
    instructions.iter().map(|i| i.to_string()).collect()
}

#[test]
fn api_functions_come_first_then_records_in_file_order() {
    let it = Interfaces::from_wasm(&module(&[])).unwrap();
    assert_eq!(it.version, IT_VERSION);
    let export_names: Vec<_> = it.exports.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        export_names,
        [
            "allocate",
            "release_objects",
            "get_result_size",
            "get_result_ptr",
            "set_result_size",
            "set_result_ptr",
            "greeting",
            "pair",
            "take"
        ]
    );
    // `Outer` refers to `Inner` before its declaration: `Inner` takes index 6 while `Outer`'s
    // fields are read, `Outer` the next one.
    assert_eq!(
        it.types[7],
        ItTypeDef::Record {
            name: "Outer".into(),
            fields: vec![
                ItArg {
                    name: "inner".into(),
                    ty: ItType::Record(6)
                },
                ItArg {
                    name: "bytes".into(),
                    ty: ItType::Array(Box::new(ItType::ByteArray))
                },
            ]
        }
    );
    assert!(matches!(&it.types[6], ItTypeDef::Record { name, .. } if name == "Inner"));
    // greeting: types 8 (adapter) and 9 (export).
    assert_eq!(it.exports[6].function_type, 9);
    assert_eq!(
        it.implementations[0],
        ItImplementation {
            core_function_type: 9,
            adapter_function_type: 8
        }
    );
}

#[test]
fn export_adapters_are_the_official_sequences() {
    let it = Interfaces::from_wasm(&module(&[])).unwrap();
    // The greeting adapter decoded from an official build (reference §6.4).
    assert_eq!(
        texts(&it.adapters[0].instructions),
        [
            "arg.get 0",
            "string.size",
            "i32.push 1",
            "call-core 0",
            "arg.get 0",
            "string.lower_memory",
            "call-core 6",
            "call-core 3",
            "call-core 2",
            "string.lift_memory",
            "call-core 1"
        ]
    );
    assert_eq!(
        texts(&it.adapters[1].instructions),
        [
            "arg.get 0",
            "i64.from_u64",
            "arg.get 1",
            "arg.get 2",
            "i32.from_bool",
            "call-core 7",
            "s8.from_i32"
        ]
    );
    assert_eq!(
        texts(&it.adapters[2].instructions),
        [
            "arg.get 0",
            "record.lower_memory 7",
            "arg.get 1",
            "array.lower_memory record 6",
            "call-core 8"
        ]
    );
}

#[test]
fn module_imports_get_three_types_two_imports_and_an_adapter() {
    let import = (
        format!("{}records_effector", crate::GENERATED_SECTION_PREFIX),
        r#"{"ast_type":"ExternMod","namespace":"effector","imports":[{"link_name":"mutate","signature":{"name":"mutate_struct","arguments":[{"name":"r","ty":{"Record":["Inner","ByValue"]}},{"name":"s","ty":{"Utf8String":"ByValue"}},{"name":"n","ty":{"U32":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}]}"#.to_string(),
    );
    let host = (
        format!("{}host", crate::GENERATED_SECTION_PREFIX),
        r#"{"ast_type":"ExternMod","namespace":"__marine_host_api_v3","imports":[{"link_name":null,"signature":{"name":"get_call_parameters","arguments":[],"output_types":[]}}]}"#.to_string(),
    );
    let it = Interfaces::from_wasm(&module(&[import, host])).unwrap();
    // Host imports have no adapter: one import only.
    assert_eq!(it.imports.len(), 2);
    let k = it.imports[0].function_type;
    assert_eq!(it.imports[1].function_type, k + 2);
    assert_eq!(it.imports[0].namespace, "effector");
    assert_eq!(it.imports[0].name, "mutate");
    assert_eq!(
        it.types[k as usize + 1],
        ItTypeDef::Function {
            arguments: vec![
                ItArg {
                    name: "r".into(),
                    ty: ItType::I32
                },
                ItArg {
                    name: "s_ptr".into(),
                    ty: ItType::I32
                },
                ItArg {
                    name: "s_ptr".into(),
                    ty: ItType::I32
                },
                ItArg {
                    name: "n".into(),
                    ty: ItType::I32
                },
            ],
            outputs: vec![],
        }
    );
    let adapter = it.adapters.last().unwrap();
    assert_eq!(adapter.function_type, k + 1);
    // 9 exports, first adapted import: call-core 9.
    assert_eq!(
        texts(&adapter.instructions),
        [
            "arg.get 0",
            "record.lift_memory 6",
            "arg.get 1",
            "arg.get 2",
            "string.lift_memory",
            "arg.get 3",
            "u32.from_i32",
            "call-core 1",
            "call-core 9",
            "dup",
            "string.size",
            "i32.push 1",
            "call-core 0",
            "swap2",
            "string.lower_memory",
            "call-core 4",
            "call-core 5"
        ]
    );
    assert_eq!(
        it.implementations.last().unwrap(),
        &ItImplementation {
            core_function_type: k + 2,
            adapter_function_type: k + 1
        }
    );
}

#[test]
fn bytes_round_trip_and_text_has_the_official_shape() {
    let it = Interfaces::from_wasm(&module(&[])).unwrap();
    let bytes = it.to_bytes().unwrap();
    assert_eq!(&bytes[..8], b"\x05\x060.28.0");
    assert_eq!(bytes[8], 0x00, "types follow the version");
    assert_eq!(Interfaces::from_bytes(&bytes).unwrap(), it);
    let text = it.to_string();
    assert!(text.starts_with("(@interface it_version \"0.28.0\")\n\n;; Types\n(@interface type (func \n  (param $size: i32) \n  (result i32)))   ;; 0\n"), "{text}");
    assert!(
        text.contains("(@interface type (func  ))   ;; 1\n"),
        "{text}"
    );
    assert!(text.contains("(@interface type (record $Outer (\n field $inner: record 6\n field $bytes: array (array (u8))\n)))   ;; 7"), "{text}");
    assert!(
        text.contains("\n\n;; Adapters\n(@interface func (type 8)\n  arg.get 0\n"),
        "{text}"
    );
    assert!(
        text.contains("\n(@interface export \"greeting\" (func 9))"),
        "{text}"
    );
    assert!(
        text.ends_with("(@interface implement (func 13) (func 12))"),
        "{text}"
    );
    // No imports: the group is empty but its separator stays.
    assert!(text.contains("   ;; 13\n\n\n\n;; Adapters"), "{text}");
}

#[test]
fn unknown_records_and_long_names_are_errors() {
    let bad = fn_section(
        "greeting",
        r#"[{"name":"name","ty":{"Record":["Missing","ByValue"]}}]"#,
        "[]",
    );
    let mut wasm = module(&[]);
    // Replace the metadata: only the bad greeting.
    wasm = crate::custom_section::sections(&wasm)
        .unwrap()
        .iter()
        .filter(|s| s.custom_name.is_none())
        .fold(wasm[..8].to_vec(), |mut out, s| {
            out.extend_from_slice(&wasm[s.range.clone()]);
            out
        });
    append_custom_section(&mut wasm, &bad.0, bad.1.as_bytes());
    assert!(Interfaces::from_wasm(&wasm).is_err());

    let items = crate::section::parse_section(
        br#"{"ast_type":"Function","signature":{"name":"f","arguments":[{"name":"r","ty":{"Record":["Missing","ByValue"]}}],"output_types":[]}}"#,
    )
    .unwrap();
    assert_eq!(
        Interfaces::from_metadata(&items),
        Err(ItError::UnknownRecord {
            record: "Missing".into(),
            used_by: "f".into()
        })
    );
    let long = "x".repeat(256);
    let items = crate::section::parse_section(
        format!(r#"{{"ast_type":"Function","signature":{{"name":"{long}","arguments":[],"output_types":[]}}}}"#).as_bytes(),
    )
    .unwrap();
    let it = Interfaces::from_metadata(&items).unwrap();
    assert!(matches!(
        it.to_bytes(),
        Err(ItError::NameTooLong { len: 256, .. })
    ));
}

#[test]
fn hostile_sections_are_errors_not_panics() {
    let bytes = Interfaces::from_wasm(&module(&[]))
        .unwrap()
        .to_bytes()
        .unwrap();
    // Every truncation is refused or reads as less (a cut between two groups is a valid,
    // smaller section); none panics.
    let full = Interfaces::from_bytes(&bytes).unwrap();
    for len in 0..bytes.len() {
        assert_ne!(
            Interfaces::from_bytes(&bytes[..len]).ok(),
            Some(full.clone()),
            "prefix {len}"
        );
    }
    // A list declaring 2^40 items in a few bytes.
    let mut huge = b"\x05\x010\x00".to_vec();
    write_u64(&mut huge, 1 << 40);
    assert!(matches!(
        Interfaces::from_bytes(&huge),
        Err(ItError::Malformed { .. })
    ));
    // Array types nested a million deep.
    let mut deep = b"\x05\x010\x00\x01\x00\x00\x01".to_vec();
    deep.extend(std::iter::repeat_n(TYPE_ARRAY, 1_000_000));
    deep.push(0x0a);
    let err = Interfaces::from_bytes(&deep).unwrap_err();
    assert!(err.to_string().contains("nested more than 64"), "{err}");
    // Unknown kinds, instructions and type codes.
    assert!(Interfaces::from_bytes(b"\x05\x010\x09").is_err());
    assert!(Interfaces::from_bytes(b"\x05\x010\x02\x01\x00\x01\x99").is_err());
    assert!(Interfaces::from_bytes(b"\x05\x010\x00\x01\x00\x00\x01\x77").is_err());
    // No version.
    assert!(Interfaces::from_bytes(b"").is_err());
}
