//! The seed's local storage: files in the mapped dir `sites` (the only module with file
//! system access).
use std::fs;
use std::path::PathBuf;

use marine_rs_sdk::marine;
use marine_rs_sdk::WasmLoggerBuilder;

const SITES_DIR: &str = "/sites/";

pub fn main() {
    // Target "audit" has mask bit 1: `logging_mask` in the config decides whether it shows.
    WasmLoggerBuilder::new()
        .with_target_map(std::collections::HashMap::from([("audit", 1)]))
        .build()
        .unwrap();
}

/// Writes `file_content` to `sites/<name>`; returns "Ok" or the error text.
#[marine]
pub fn put(name: String, file_content: Vec<u8>) -> String {
    log::info!("put {name}: {} bytes", file_content.len());
    log::info!(target: "audit", "audit: put {name}");
    let rpc_tmp_filepath = format!("{}{}", SITES_DIR, name);
    let result = fs::write(PathBuf::from(rpc_tmp_filepath.clone()), file_content);
    if let Err(e) = result {
        log::warn!("put {name} failed: {e}");
        return format!("file can't be written: {}", e);
    }
    String::from("Ok")
}

/// Reads `sites/<file_name>`; empty when it cannot be read.
#[marine]
pub fn get(file_name: String) -> Vec<u8> {
    log::debug!("get {file_name}");
    fs::read(format!("{}{}", SITES_DIR, file_name)).unwrap_or_default()
}

/// Tries to read any path (to show that only mapped dirs are visible); returns the content
/// or the error text.
#[marine]
pub fn read_any(path: String) -> String {
    match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => format!("error: {e}"),
    }
}
