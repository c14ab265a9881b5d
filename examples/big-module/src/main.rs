//! A large Marine module (several MiB of code) for the compiled-code cache benchmark: formats
//! Rust source with syn + prettyplease, and converts TOML to JSON.
use marine_rs_sdk::marine;

pub fn main() {}

/// Parses `source` as a Rust file and prints it back formatted (or the parse error).
#[marine]
pub fn format_rust(source: String) -> String {
    match syn::parse_file(&source) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => format!("error: {e}"),
    }
}

/// The TOML document `text` as JSON (or the parse error).
#[marine]
pub fn toml_to_json(text: String) -> String {
    match toml::from_str::<serde_json::Value>(&text) {
        Ok(value) => value.to_string(),
        Err(e) => format!("error: {e}"),
    }
}
