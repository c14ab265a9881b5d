//! The metadata JSON matches the reference examples (§4.1) byte for byte.

use marine_macro_impl::metadata_json;
use quote::quote;

#[test]
fn greeting_function() {
    let json = metadata_json(quote! {
        pub fn greeting(name: String) -> String {
            format!("Hi, {}", name)
        }
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"ast_type":"Function","signature":{"name":"greeting","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}"#
    );
}

#[test]
fn outer_record() {
    let json = metadata_json(quote! {
        pub struct Outer {
            a: i32,
            s: String,
            bytes: Vec<u8>,
            inner: Inner,
        }
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"ast_type":"Record","name":"Outer","fields":{"Named":[{"name":"a","ty":{"I32":"ByValue"}},{"name":"s","ty":{"Utf8String":"ByValue"}},{"name":"bytes","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}},{"name":"inner","ty":{"Record":["Inner","ByValue"]}}]}}"#
    );
}

#[test]
fn records_effector_extern_block() {
    let expected = r#"{"ast_type":"ExternMod","namespace":"records_effector","imports":[{"link_name":null,"signature":{"name":"mutate_struct","arguments":[{"name":"test_record","ty":{"Record":["TestRecord","ByValue"]}}],"output_types":[{"Record":["TestRecord","ByValue"]}]}}]}"#;
    let new_form = metadata_json(quote! {
        #[module_import("records_effector")]
        extern "C" {
            pub fn mutate_struct(test_record: TestRecord) -> TestRecord;
        }
    })
    .unwrap();
    assert_eq!(new_form, expected);
    let old_form = metadata_json(quote! {
        #[link(wasm_import_module = "records_effector")]
        extern "C" {
            pub fn mutate_struct(test_record: crate::TestRecord) -> TestRecord;
        }
    })
    .unwrap();
    assert_eq!(old_form, expected);
}

#[test]
fn argument_name_is_last_ident_and_styles_follow_references() {
    let json = metadata_json(quote! {
        fn f(mut x: &Vec<String>, _: &mut String) {}
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"ast_type":"Function","signature":{"name":"f","arguments":[{"name":"x","ty":{"Vector":[{"Utf8String":"ByValue"},"ByRef"]}},{"name":"_","ty":{"Utf8String":"ByMutRef"}}],"output_types":[]}}"#
    );
}

#[test]
fn host_import_namespace_and_link_name() {
    let json = metadata_json(quote! {
        #[host_import]
        extern "C" {
            #[link_name = "curl"]
            fn run_curl(cmd: Vec<String>) -> MountedBinaryResult;
        }
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"ast_type":"ExternMod","namespace":"__marine_host_api_v3","imports":[{"link_name":"curl","signature":{"name":"run_curl","arguments":[{"name":"cmd","ty":{"Vector":[{"Utf8String":"ByValue"},"ByValue"]}}],"output_types":[{"Record":["MountedBinaryResult","ByValue"]}]}}]}"#
    );
}

#[test]
fn section_names() {
    assert_eq!(
        marine_macro_impl::section::section_name("a.b"),
        "__m_generated_section__a_b"
    );
}
