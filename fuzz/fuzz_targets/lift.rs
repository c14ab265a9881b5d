//! Lifting a result of a type read from fuzzed metadata out of fuzzed guest memory: a value
//! or an error, never a panic or an allocation beyond the memory's size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marine_ast::lift::lift_result;
use marine_ast::ModuleInterface;

fuzz_target!(|input: (Vec<u8>, Vec<u8>, u32, u32)| {
    let (metadata, memory, ptr, size) = input;
    let mut module = wasm_encoder::Module::new();
    module.section(&wasm_encoder::CustomSection {
        name: "__m_generated_section__r".into(),
        data: metadata.as_slice().into(),
    });
    let Ok(interface) = ModuleInterface::from_wasm(&module.finish()) else {
        return;
    };
    let records = interface.records.values().map(|r| marine_ast::IType::Record(r.clone()));
    let enums = interface.enums.values().map(|e| marine_ast::IType::Enum(e.clone()));
    for ty in records.chain(enums) {
        let _ = lift_result(&memory, &ty, ptr, size);
        let array = marine_ast::IType::Array(Box::new(ty));
        let _ = lift_result(&memory, &array, ptr, size);
    }
});
