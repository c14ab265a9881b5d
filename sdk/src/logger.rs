//! A `log` backend that forwards records to the host's `log_utf8_string` (§5.2).
//!
//! ```ignore
//! use marine_rs_sdk::WasmLoggerBuilder;
//! WasmLoggerBuilder::new().with_log_level(log::LevelFilter::Info).build().unwrap();
//! ```

use log::{LevelFilter, Log, Metadata, Record};
use std::collections::HashMap;
use std::str::FromStr;

/// Maps log targets to the bit masks the host filters on (`logging_mask`).
pub type TargetMap = HashMap<&'static str, i32>;

/// Level used when `WASM_LOG` is absent or invalid.
pub const WASM_DEFAULT_LOG_LEVEL: LevelFilter = LevelFilter::Info;

/// The logger installed by [`WasmLoggerBuilder::build`].
struct WasmLogger {
    target_map: TargetMap,
    /// (module prefix, level), most specific match wins.
    directives: Vec<(String, LevelFilter)>,
    default_level: LevelFilter,
}

impl WasmLogger {
    fn level_for(&self, target: &str) -> LevelFilter {
        self.directives
            .iter()
            .filter(|(prefix, _)| target.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, level)| *level)
            .unwrap_or(self.default_level)
    }
}

/// Builds and installs the wasm logger.
pub struct WasmLoggerBuilder {
    logger: WasmLogger,
}

impl Default for WasmLoggerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasmLoggerBuilder {
    /// A builder whose level comes from the `WASM_LOG` environment variable (default Info).
    pub fn new() -> Self {
        let default_level = std::env::var("WASM_LOG")
            .ok()
            .and_then(|v| LevelFilter::from_str(v.trim()).ok())
            .unwrap_or(WASM_DEFAULT_LOG_LEVEL);
        Self {
            logger: WasmLogger {
                target_map: HashMap::new(),
                directives: Vec::new(),
                default_level,
            },
        }
    }

    /// Sets the default level.
    pub fn with_log_level(mut self, level: LevelFilter) -> Self {
        self.logger.default_level = level;
        self
    }

    /// Sets the target → mask map used for host-side filtering.
    pub fn with_target_map(mut self, map: TargetMap) -> Self {
        self.logger.target_map = map;
        self
    }

    /// Sets the level for targets starting with `module_prefix`.
    pub fn filter(mut self, module_prefix: impl Into<String>, level: LevelFilter) -> Self {
        self.logger.directives.push((module_prefix.into(), level));
        self
    }

    /// Installs the logger; fails if a logger is already installed.
    pub fn build(self) -> Result<(), log::SetLoggerError> {
        let max = self
            .logger
            .directives
            .iter()
            .map(|(_, l)| *l)
            .fold(self.logger.default_level, Ord::max);
        log::set_boxed_logger(Box::new(self.logger))?;
        log::set_max_level(max);
        Ok(())
    }
}

impl Log for WasmLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level_for(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        let target = self.target_map.get(record.target()).copied().unwrap_or(0);
        let level = record.level() as i32;
        emit(level, target, &message);
    }

    fn flush(&self) {}
}

#[cfg(target_arch = "wasm32")]
fn emit(level: i32, target: i32, message: &str) {
    #[link(wasm_import_module = "__marine_host_api_v3")]
    unsafe extern "C" {
        #[link_name = "log_utf8_string"]
        fn log_utf8_string(level: i32, target: i32, msg_ptr: i32, msg_len: i32);
    }
    unsafe {
        log_utf8_string(
            level,
            target,
            message.as_ptr() as usize as i32,
            message.len() as i32,
        )
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn emit(level: i32, _target: i32, message: &str) {
    eprintln!("[level {level}] {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_directive_wins() {
        let b = WasmLoggerBuilder::new()
            .with_log_level(LevelFilter::Warn)
            .filter("a", LevelFilter::Debug)
            .filter("a::b", LevelFilter::Error);
        assert_eq!(b.logger.level_for("a::c"), LevelFilter::Debug);
        assert_eq!(b.logger.level_for("a::b::c"), LevelFilter::Error);
        assert_eq!(b.logger.level_for("z"), LevelFilter::Warn);
    }
}
