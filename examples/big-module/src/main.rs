//! A large Marine module (several MiB of code) for the compiled-code cache benchmark: formats
//! Rust source with syn + prettyplease, converts TOML to JSON, finds regex matches and
//! normalizes URLs.
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

/// Every match of `pattern` in `text` (or the pattern's error).
#[marine]
pub fn find_all(pattern: String, text: String) -> Vec<String> {
    match regex::Regex::new(&pattern) {
        Ok(re) => re
            .find_iter(&text)
            .map(|m| m.as_str().to_string())
            .collect(),
        Err(e) => vec![format!("error: {e}")],
    }
}

/// `input` parsed and normalized as a URL (hosts in IDNA form), or the parse error.
#[marine]
pub fn normalize_url(input: String) -> String {
    match url::Url::parse(&input) {
        Ok(url) => url.to_string(),
        Err(e) => format!("error: {e}"),
    }
}
