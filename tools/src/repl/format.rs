//! The text mrepl prints (banner, service creation, results, interface, stats, envs, fs).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

/// The official `marine-rs-sdk` versions whose modules the e2e tests build and run in this
/// runtime (`tests/compat`, `tests/compat-old`; `tools/tests/mrepl.rs` checks the list against
/// their lock files). Modules built with our own SDK are verified too.
pub const VERIFIED_SDK_VERSIONS: &[&str] = &["0.10.3", "0.12.0", "0.13.0", "0.14.0"];

/// The start-up banner: this tool's version and the SDK versions verified with it. There is no
/// `interface-types` version to show: interfaces are read from the SDK's JSON sections.
pub fn banner() -> String {
    format!(
        "Welcome to the Marine REPL (version {})\n\
         Verified SDK versions\n  marine-rs-sdk: {}\n",
        env!("CARGO_PKG_VERSION"),
        VERIFIED_SDK_VERSIONS.join(", ")
    )
}

/// `app service was created with service id = <id>` and `elapsed time <duration>`.
pub fn service_created(service_id: &str, elapsed: Duration) -> String {
    format!("app service was created with service id = {service_id}\nelapsed time {elapsed:?}\n")
}

/// `elapsed time: <duration>`.
pub fn elapsed(elapsed: Duration) -> String {
    format!("elapsed time: {elapsed:?}")
}

/// `result: <pretty JSON>`.
pub fn call_result(value: &Value) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    format!("result: {pretty}")
}

/// A random (version 4) UUID, for service ids.
pub fn uuid_v4() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A byte size as the official REPL prints it (decimal units: `1.1 MB`).
pub fn decimal_size(bytes: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The `stats` line about the compiled-module disk cache.
pub fn cache_stats_text(
    cache: &marine_runtime::DiskCacheOptions,
    stats: &marine_runtime::DiskCacheStats,
) -> String {
    let Some(dir) = cache.resolved_dir() else {
        return "Compiled-module cache: off\n".to_string();
    };
    let mut out = format!(
        "Compiled-module cache: {} hits, {} misses, {} written, {} rejected, {} evicted ({})\n",
        stats.hits,
        stats.misses,
        stats.stores,
        stats.rejected,
        stats.evicted,
        dir.display()
    );
    if stats.precompiled_loaded + stats.precompiled_ignored > 0 {
        out.push_str(&format!(
            "Precompiled files: {} loaded, {} ignored\n",
            stats.precompiled_loaded, stats.precompiled_ignored
        ));
    }
    if stats.digests_recalled > 0 {
        out.push_str(&format!(
            "Module files found unchanged (not hashed again): {}\n",
            stats.digests_recalled
        ));
    }
    out
}

/// The `stats` text.
pub fn stats_text(sizes: &[(String, usize)]) -> String {
    let mut out = String::from("Loaded modules heap sizes:\n");
    if sizes.is_empty() {
        out.push_str("<no modules loaded>\n");
    }
    for (name, size) in sizes {
        let _ = writeln!(out, "{name} - {}", decimal_size(*size));
    }
    out
}

/// The `envs` text for a module.
pub fn envs_text(module: &str, envs: &BTreeMap<String, String>) -> String {
    if envs.is_empty() {
        return format!("{module} has no environment variables\n");
    }
    let mut out = format!("Environment variables of {module}:\n");
    for (k, v) in envs {
        let _ = writeln!(out, "  {k}={v}");
    }
    out
}

/// The `fs` text for a module: its mapped folders (and legacy preopens).
pub fn fs_text(
    module: &str,
    mapped_dirs: &BTreeMap<String, PathBuf>,
    preopened: &BTreeMap<String, PathBuf>,
) -> String {
    if mapped_dirs.is_empty() && preopened.is_empty() {
        return format!("{module} has no mapped folders\n");
    }
    let mut out = format!("Mapped folders of {module} (guest path => host path):\n");
    for (alias, host) in mapped_dirs.iter().chain(preopened.iter()) {
        let _ = writeln!(out, "  {alias} => {}", host.display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_are_pretty_printed() {
        assert_eq!(call_result(&json!("Hi")), "result: \"Hi\"");
        assert_eq!(
            call_result(&json!({"a": [1, 2]})),
            "result: {\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(uuid_v4(), id);
    }

    #[test]
    fn sizes_and_empty_texts() {
        assert_eq!(decimal_size(1_114_112), "1.1 MB");
        assert_eq!(decimal_size(12), "12 B");
        assert_eq!(
            stats_text(&[("g".into(), 1_114_112)]),
            "Loaded modules heap sizes:\ng - 1.1 MB\n"
        );
        assert_eq!(
            envs_text("m", &BTreeMap::new()),
            "m has no environment variables\n"
        );
        let mut envs = BTreeMap::new();
        envs.insert("A".to_string(), "1".to_string());
        assert_eq!(
            envs_text("m", &envs),
            "Environment variables of m:\n  A=1\n"
        );
        let mut dirs = BTreeMap::new();
        dirs.insert("sites".to_string(), PathBuf::from("/h/sites"));
        assert_eq!(
            fs_text("m", &dirs, &BTreeMap::new()),
            "Mapped folders of m (guest path => host path):\n  sites => /h/sites\n"
        );
    }
}
