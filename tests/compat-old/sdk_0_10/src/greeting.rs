//! A greeting with logging built with marine-rs-sdk 0.10.3 (host namespace
//! `host`).
use marine_rs_sdk::marine;
use marine_rs_sdk::WasmLoggerBuilder;

pub fn main() {
    WasmLoggerBuilder::new().build().unwrap();
}

#[marine]
pub fn greeting(name: String) -> String {
    log::info!("greeting {}", name);
    format!("Hi, {}", name)
}
