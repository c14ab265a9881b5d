//! Interface reading from arbitrary metadata sections: an interface or an error, never a
//! panic, a stack overflow or unbounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|sections: Vec<(bool, Vec<u8>)>| {
    let mut module = wasm_encoder::Module::new();
    for (i, (versioned, data)) in sections.iter().enumerate() {
        let name = if *versioned {
            "__fluence_sdk_version".to_string()
        } else {
            format!("__m_generated_section__{i}")
        };
        module.section(&wasm_encoder::CustomSection {
            name: name.into(),
            data: data.as_slice().into(),
        });
    }
    let _ = marine_ast::ModuleInterface::from_wasm(&module.finish());
});
