//! The host's `WASM_LOG` filter: `default_level,module=level,...` (reference §C.1, guest ABI
//! §5.2). A module's level is handed to the guest logger as its own `WASM_LOG` env var.

/// A parsed `WASM_LOG` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmLogFilter {
    default: Option<String>,
    per_module: Vec<(String, String)>,
}

const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

impl WasmLogFilter {
    /// Parses a filter string. Unknown levels and empty items are ignored (with a warning),
    /// as `env_logger` does.
    pub fn parse(text: &str) -> Self {
        let mut filter = WasmLogFilter::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (module, level) = match item.split_once('=') {
                Some((module, level)) => (Some(module.trim()), level.trim()),
                None => (None, item),
            };
            let level = level.to_ascii_lowercase();
            if !LEVELS.contains(&level.as_str()) {
                log::warn!("WASM_LOG: ignoring `{item}`: unknown level `{level}`");
                continue;
            }
            match module {
                Some(module) => filter.per_module.push((module.to_string(), level)),
                None => filter.default = Some(level),
            }
        }
        filter
    }

    /// The filter of the host process's `WASM_LOG` variable (empty when unset).
    pub fn from_env() -> Self {
        std::env::var("WASM_LOG")
            .map(|v| Self::parse(&v))
            .unwrap_or_default()
    }

    /// The level for `module`: its own directive (the last one wins), else the default.
    pub fn level_for(&self, module: &str) -> Option<&str> {
        self.per_module
            .iter()
            .rev()
            .find(|(m, _)| m == module)
            .map(|(_, level)| level.as_str())
            .or(self.default.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_directive_wins_over_default() {
        let f = WasmLogFilter::parse("warn, greeting=trace,facade=OFF");
        assert_eq!(f.level_for("greeting"), Some("trace"));
        assert_eq!(f.level_for("facade"), Some("off"));
        assert_eq!(f.level_for("other"), Some("warn"));
    }

    #[test]
    fn empty_and_invalid_items_are_ignored() {
        let f = WasmLogFilter::parse(",greeting=loud,,");
        assert_eq!(f.level_for("greeting"), None);
        assert_eq!(WasmLogFilter::parse("").level_for("x"), None);
    }
}
