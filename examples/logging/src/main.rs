//! Logs through the host's `log_utf8_string` (SDK feature `logger`).
use marine_rs_sdk::marine;

pub fn main() {
    marine_rs_sdk::WasmLoggerBuilder::new()
        .build()
        .expect("the logger is set once");
}

/// Logs `message` at info level and returns its length.
#[marine]
pub fn log_info(message: String) -> u32 {
    log::info!("{message}");
    message.len() as u32
}
