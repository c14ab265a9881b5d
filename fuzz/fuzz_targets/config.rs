//! `Config.toml` text: a config or an error with a location, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = marine_ast::config::ServiceConfig::from_toml_str(text, "/cfg");
});
