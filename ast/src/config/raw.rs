//! The `Config.toml` file as written: serde types mirroring the TOML, before path resolution
//! and defaulting. Every table rejects unknown keys. Values whose position matters for later
//! error messages are wrapped in [`Spanned`].

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// Top level of a service `Config.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServiceConfig {
    /// Directory in which `<file_name>` of each module is looked up.
    pub modules_dir: Option<Spanned<String>>,
    /// Memory budget of the whole service; missing means unlimited.
    pub total_memory_limit: Option<Spanned<RawSize>>,
    /// The modules, in load order; the last one is the facade.
    #[serde(default)]
    pub module: Vec<Spanned<RawModule>>,
    /// Settings applied to every module that does not set them itself (the official runtime
    /// parses this table but never applies it).
    pub default: Option<Spanned<RawModule>>,
    /// AppService working directory (official: defaults to the process CWD).
    pub service_working_dir: Option<Spanned<String>>,
    /// Legacy AppService key (removed in the official 0.36.0); accepted and kept, not applied.
    pub service_base_dir: Option<Spanned<String>>,
    /// `[limits]`: resource bounds of the service's modules (new; see [`crate::Limits`]).
    pub limits: Option<RawLimits>,
    /// `[compiled_cache]`: the runtime's persistent compiled-code cache for this service (new).
    pub compiled_cache: Option<RawCompiledCache>,
}

/// `[compiled_cache]`: each key overrides the embedder's setting for this service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompiledCache {
    /// Whether compiled modules are kept on disk.
    pub enabled: Option<bool>,
    /// The cache directory (relative to the config's folder).
    pub dir: Option<Spanned<String>>,
    /// Bound of the cache directory: bytes or a size such as `"256 MiB"`.
    pub max_size: Option<Spanned<RawSize>>,
    /// Whether `<name>.cwasm` files next to the modules (`marine build --precompile`) are
    /// loaded instead of compiling.
    pub trust_precompiled: Option<bool>,
}

/// `[limits]`: each key overrides the embedder's [`crate::Limits`] for this service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// [`crate::Limits::max_type_depth`].
    pub max_type_depth: Option<u32>,
    /// [`crate::Limits::max_record_types`].
    pub max_record_types: Option<u32>,
    /// [`crate::Limits::max_module_size`]: bytes or a size such as `"16 MiB"`.
    pub max_module_size: Option<Spanned<RawSize>>,
    /// [`crate::Limits::max_functions`].
    pub max_functions: Option<u32>,
    /// [`crate::Limits::max_block_depth`].
    pub max_block_depth: Option<u32>,
    /// [`crate::Limits::max_compile_time`]: a duration such as `"30 s"` or `"500 ms"`.
    pub max_compile_time: Option<Spanned<String>>,
    /// [`crate::Limits::max_memories`].
    pub max_memories: Option<u32>,
    /// [`crate::Limits::max_tables`].
    pub max_tables: Option<u32>,
    /// [`crate::Limits::max_table_elements`].
    pub max_table_elements: Option<u64>,
    /// [`crate::Limits::max_value_size`]: bytes or a size such as `"256 MiB"`.
    pub max_value_size: Option<Spanned<RawSize>>,
    /// The runtime's `ServiceOptions::max_open_files`.
    pub max_open_files: Option<u32>,
}

/// One `[[module]]` table, or the `[default]` table (which may not set `name`, `file_name`
/// or `load_from`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    /// Import name of the module.
    pub name: Option<Spanned<String>>,
    /// Wasm file name, default `<name>.wasm`.
    pub file_name: Option<Spanned<String>>,
    /// A wasm file, or a directory containing `<file_name>`; overrides `modules_dir`.
    pub load_from: Option<Spanned<String>>,
    /// Whether the logger host import is provided (default `true`).
    pub logger_enabled: Option<bool>,
    /// Mask matched against log targets (default `i32::MAX`).
    pub logging_mask: Option<i32>,
    /// Legacy: maximum linear memory in 64 KiB pages.
    pub mem_pages_count: Option<Spanned<u64>>,
    /// Legacy: maximum linear memory as a byte size.
    pub max_heap_size: Option<Spanned<RawSize>>,
    /// Per-module memory limit (appears in official test configs, ignored there).
    pub total_memory_limit: Option<Spanned<RawSize>>,
    /// `[module.wasi]` (or the seed's `[[module.wasi]]`).
    pub wasi: Option<Spanned<OneOrMany<RawWasi>>>,
    /// `[module.mounted_binaries]` (or `[[module.mounted_binaries]]`): import name -> host path.
    pub mounted_binaries: Option<Spanned<OneOrMany<RawMountedBinaries>>>,
}

/// `[module.mounted_binaries]`: import name -> host path.
pub type RawMountedBinaries = BTreeMap<String, Spanned<String>>;

/// `[module.wasi]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWasi {
    /// Environment variables visible to the module.
    #[serde(default)]
    pub envs: BTreeMap<String, Spanned<String>>,
    /// Guest alias -> host directory.
    #[serde(default)]
    pub mapped_dirs: BTreeMap<String, Spanned<String>>,
    /// Legacy (removed in the official 0.36.0): host paths preopened under the same name.
    #[serde(default)]
    pub preopened_files: Vec<Spanned<String>>,
}

/// A size as written: a TOML integer (bytes) or a string (`"100 MiB"`, `"Infinity"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawSize {
    /// An integer number of bytes (may be negative in the file; rejected later).
    Integer(i64),
    /// A string to be parsed by [`super::size::parse_byte_limit`].
    Text(String),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = RawSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a size such as \"100 MiB\", \"Infinity\", or an integer number of bytes",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSize, E> {
                Ok(RawSize::Integer(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSize, E> {
                i64::try_from(v)
                    .map(RawSize::Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// A table written either as `[a.b]` (one table) or `[[a.b]]` (array of tables). The seed
/// configs use the array form for `wasi` and `mounted_binaries`; the official runtime only
/// accepts the table form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneOrMany<T> {
    /// `[a.b]`.
    One(T),
    /// `[[a.b]]`.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// All tables, in order.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

impl<T: Default> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::One(T::default())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}
