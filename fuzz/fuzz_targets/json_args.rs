//! JSON arguments against signatures read from fuzzed metadata: values that pass the type
//! check, or an error; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marine_ast::json::json_to_ivalues;
use marine_ast::types::check_value;
use marine_ast::{FunctionSignature, IFunctionArg, IType, ModuleInterface};

fuzz_target!(|input: (Vec<u8>, String)| {
    let (metadata, args) = input;
    let Ok(args) = serde_json::from_str::<serde_json::Value>(&args) else {
        return;
    };
    let mut module = wasm_encoder::Module::new();
    module.section(&wasm_encoder::CustomSection {
        name: "__m_generated_section__r".into(),
        data: metadata.as_slice().into(),
    });
    let Ok(interface) = ModuleInterface::from_wasm(&module.finish()) else {
        return;
    };
    let mut types = vec![IType::String, IType::F32, IType::Array(Box::new(IType::U64))];
    types.extend(interface.records.values().map(|r| IType::Record(r.clone())));
    types.extend(interface.enums.values().map(|e| IType::Enum(e.clone())));
    for ty in types {
        let signature = FunctionSignature {
            name: "f".into(),
            arguments: vec![IFunctionArg { name: "a".into(), ty: ty.clone() }],
            outputs: vec![],
        };
        if let Ok(values) = json_to_ivalues(&args, &signature) {
            assert_eq!(values.len(), 1);
            assert!(check_value(&values[0], &ty).is_ok());
        }
    }
});
