//! Logging at every level through the official `WasmLoggerBuilder` (feature `logger`), as in
//! Marine's examples: the logger is set up in `main` (run by the host through `_start`), its
//! level comes from the module's `WASM_LOG` environment variable (default info), and two log
//! targets are mapped to host-side mask bits.
use marine_rs_sdk::marine;
use marine_rs_sdk::WasmLoggerBuilder;

/// Target bit of `audit` records (host `logging_mask` bit 1).
pub const AUDIT_TARGET: i32 = 1;
/// Target bit of `noisy` records (host `logging_mask` bit 2).
pub const NOISY_TARGET: i32 = 2;

pub fn main() {
    let mut targets = std::collections::HashMap::new();
    targets.insert("audit", AUDIT_TARGET);
    targets.insert("noisy", NOISY_TARGET);
    WasmLoggerBuilder::new()
        .with_target_map(targets)
        .build()
        .unwrap();
}

/// One record at every level, each naming its level.
#[marine]
pub fn log_all(message: String) {
    log::error!("error: {}", message);
    log::warn!("warn: {}", message);
    log::info!("info: {}", message);
    log::debug!("debug: {}", message);
    log::trace!("trace: {}", message);
}

/// One info record per mapped target, plus one with an unmapped target (target 0).
#[marine]
pub fn log_targets(message: String) -> u32 {
    log::info!(target: "audit", "audit: {}", message);
    log::info!(target: "noisy", "noisy: {}", message);
    log::info!(target: "other", "other: {}", message);
    3
}

/// The level the guest logger ended up with (from `WASM_LOG`).
#[marine]
pub fn max_level() -> String {
    log::max_level().to_string()
}
