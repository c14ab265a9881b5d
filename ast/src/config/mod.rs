//! Service configuration: the `Config.toml` of a multi-module service.
//!
//! ```toml
//! modules_dir = "artifacts"          # relative to this file's folder
//! total_memory_limit = "100 MiB"     # optional, default unlimited; "Infinity" or bytes also work
//!
//! [[module]]
//! name = "local_storage"
//! mem_pages_count = 1                # or max_heap_size = "64 KiB": this module's memory limit
//! [module.wasi]
//! envs = { LEVEL = "debug" }
//! mapped_dirs = { "sites" = "./sites" }
//!
//! [[module]]
//! name = "curl_adapter"
//! [module.mounted_binaries]
//! curl = "/usr/bin/curl"
//!
//! [[module]]                          # the last module is the facade
//! name = "facade"
//!
//! [compiled_cache]                    # optional: the runtime's on-disk compiled-code cache
//! enabled = true                      # default: on, unless MARINE_NO_CACHE is set
//! dir = "/var/cache/marine"           # default: $MARINE_CACHE_DIR, $XDG_CACHE_HOME/marine/compiled
//! max_size = "256 MiB"                # default 512 MiB; least recently used entries go first
//! trust_precompiled = false           # load `<name>.cwasm` of `marine build --precompile`
//! ```
//!
//! Loading happens in three steps: serde parsing into [`raw`] types (unknown keys and wrong
//! types are errors with file, line and column), resolution into [`ServiceConfig`] (defaults,
//! paths, sizes, duplicate names; [`ServiceConfig::from_toml_str`] stops here), and
//! [`ServiceConfig::validate`], which checks the file system ([`ServiceConfig::from_path`] does
//! all three).
//!
//! # Differences from the official runtime (reference §A, §K.1)
//!
//! - Unknown keys are errors (official: silently ignored). Legacy keys the official runtime
//!   dropped are understood again: per-module `mem_pages_count` / `max_heap_size` (and the
//!   per-module `total_memory_limit` of its test configs) become
//!   [`ModuleConfig::mem_limit_bytes`]; `[module.wasi] preopened_files` become preopens;
//!   `service_base_dir` is accepted and kept but not applied.
//! - `total_memory_limit` and `[[module]]` are optional (official: required).
//! - `[default]` is applied to every module (official: parsed, never applied).
//! - The seed's `[[module.wasi]]` / `[[module.mounted_binaries]]` array form is accepted when
//!   it holds a single table (official: table form only).
//! - Duplicate module names are reported as such (official: a misleading "not found in
//!   provided modules" error).
//! - All paths (`modules_dir`, `load_from`, `mapped_dirs` host paths, `preopened_files`,
//!   mounted binaries, `service_working_dir`) are resolved against the config file's folder,
//!   lexically (no canonicalization, so nothing needs to exist at parse time). The official
//!   runtime canonicalizes `modules_dir`, `load_from` and relative mounted-binary paths against
//!   that folder (they must exist), leaves `mapped_dirs` to the caller (plain `Marine`: relative
//!   to the process CWD; AppService: relative to `service_working_dir`, which defaults to the
//!   CWD) and roots old `preopened_files` at the working dir.
//!
//! Not done here (runtime side): the official runtime also exports one env var per mapped dir
//! (`alias = host path`) to the module, and AppService creates missing mapped dirs.

pub mod error;
pub mod raw;
pub mod size;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml::Spanned;

pub use error::{ConfigError, Location};
use raw::{OneOrMany, RawCompiledCache, RawLimits, RawModule, RawServiceConfig, RawSize, RawWasi};
pub use size::{parse_byte_limit, parse_byte_size, ByteLimit, SizeParseError};

pub use crate::abi::WASM_PAGE_SIZE;
/// Largest linear memory of a wasm32 module (65536 pages = 4 GiB).
pub const MAX_WASM32_MEMORY: u64 = 65536 * WASM_PAGE_SIZE;
/// Default of `logging_mask`.
pub const DEFAULT_LOGGING_MASK: i32 = i32::MAX;
/// Host import names a mounted binary may not take.
pub const RESERVED_HOST_IMPORT_NAMES: &[&str] = &["log_utf8_string", "get_call_parameters"];

const INLINE_LABEL: &str = "<inline config>";

/// A parsed, resolved service config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The file it was loaded from (`None` for [`ServiceConfig::from_toml_str`]).
    pub config_path: Option<PathBuf>,
    /// The folder relative paths were resolved against.
    pub base_dir: PathBuf,
    /// Resolved `modules_dir`.
    pub modules_dir: Option<PathBuf>,
    /// Memory budget of the whole service in bytes; `None` = unlimited.
    pub total_memory_limit: Option<u64>,
    /// Resolved `service_working_dir` (AppService), if set.
    pub service_working_dir: Option<PathBuf>,
    /// Resolved legacy `service_base_dir`, if set (kept, not applied).
    pub service_base_dir: Option<PathBuf>,
    /// The modules in load order; the last is the facade.
    pub modules: Vec<ModuleConfig>,
    /// The `[limits]` table: the keys it sets, each overriding the embedder's
    /// [`crate::Limits`] ([`LimitsConfig::apply`]).
    pub limits: LimitsConfig,
    /// The `[compiled_cache]` table: the keys it sets, each overriding the embedder's
    /// setting of the runtime's disk cache for this service.
    pub compiled_cache: CompiledCacheConfig,
}

/// The keys of a `[compiled_cache]` table that are set (the runtime's `DiskCacheOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledCacheConfig {
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `dir`, resolved against the config's folder.
    pub dir: Option<PathBuf>,
    /// `max_size` in bytes.
    pub max_size: Option<u64>,
    /// `trust_precompiled`.
    pub trust_precompiled: Option<bool>,
}

/// The keys of a `[limits]` table that are set (see [`crate::Limits`] for each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitsConfig {
    /// `max_type_depth`.
    pub max_type_depth: Option<u32>,
    /// `max_record_types`.
    pub max_record_types: Option<u32>,
    /// `max_module_size` in bytes.
    pub max_module_size: Option<u64>,
    /// `max_functions`.
    pub max_functions: Option<u32>,
    /// `max_block_depth`.
    pub max_block_depth: Option<u32>,
    /// `max_compile_time`.
    pub max_compile_time: Option<std::time::Duration>,
    /// `max_memories`.
    pub max_memories: Option<u32>,
    /// `max_tables`.
    pub max_tables: Option<u32>,
    /// `max_table_elements`.
    pub max_table_elements: Option<u64>,
    /// `max_value_size` in bytes.
    pub max_value_size: Option<u64>,
    /// `max_open_files`: overrides the runtime's `ServiceOptions::max_open_files`.
    pub max_open_files: Option<u32>,
}

impl LimitsConfig {
    /// `base` with every key set here replacing its field.
    pub fn apply(&self, base: &crate::Limits) -> crate::Limits {
        let mut limits = base.clone();
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(value) = self.$field {
                    limits.$field = value;
                }
            )*};
        }
        set!(
            max_type_depth,
            max_record_types,
            max_module_size,
            max_functions,
            max_block_depth,
            max_compile_time,
            max_memories,
            max_tables,
            max_table_elements,
            max_value_size
        );
        limits
    }
}

/// One resolved `[[module]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleConfig {
    /// Import name (the name other modules link against and calls use).
    pub name: String,
    /// The wasm file to load.
    pub wasm_path: PathBuf,
    /// Whether the `log_utf8_string` host import is provided.
    pub logger_enabled: bool,
    /// Mask matched against the SDK log target.
    pub logging_mask: i32,
    /// Limit of this module's linear memory in bytes (`mem_pages_count` x 64 KiB,
    /// `max_heap_size`, or the per-module `total_memory_limit`); `None` = no own limit.
    /// (The old official runtime added `max_heap_size` on top of the pages taken by the
    /// module's data and stack; here it is the whole linear memory.)
    pub mem_limit_bytes: Option<u64>,
    /// WASI settings.
    pub wasi: WasiConfig,
    /// Host import name -> resolved host path of the binary.
    pub mounted_binaries: BTreeMap<String, PathBuf>,
}

/// Resolved `[module.wasi]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiConfig {
    /// Environment variables visible to the module.
    pub envs: BTreeMap<String, String>,
    /// Guest alias (preopen name) -> resolved host directory.
    pub mapped_dirs: BTreeMap<String, PathBuf>,
    /// Legacy `preopened_files`: guest path as written -> resolved host path.
    pub preopened_files: BTreeMap<String, PathBuf>,
}

impl WasiConfig {
    /// The environment the official runtime gives a module: `envs` plus one variable per
    /// mapped dir (`alias = host path`, overriding an env of the same name), so modules can
    /// translate guest paths into host paths for mounted binaries (reference §C.4). This
    /// exposes host paths to the guest; use [`WasiConfig::envs`] alone to avoid that.
    pub fn effective_envs(&self) -> BTreeMap<String, String> {
        let mut envs = self.envs.clone();
        for (alias, host) in &self.mapped_dirs {
            envs.insert(alias.clone(), host.display().to_string());
        }
        envs
    }
}

impl ServiceConfig {
    /// Reads, parses, resolves (against the file's folder) and validates a config file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::load(path.as_ref(), None)
    }

    /// Like [`ServiceConfig::from_path`], with `modules_dir` replaced by `modules_dir`
    /// (resolved against the current directory when relative), as `#[marine_test]`'s
    /// `modules_dir` argument and mrepl do. Modules with `load_from` are unaffected.
    pub fn from_path_with_modules_dir(
        path: impl AsRef<Path>,
        modules_dir: impl AsRef<Path>,
    ) -> Result<Self, ConfigError> {
        Self::load(path.as_ref(), Some(modules_dir.as_ref()))
    }

    fn load(path: &Path, modules_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let read_error = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let text = crate::files::read_text_limited(path, crate::files::CONFIG_FILE_LIMIT).map_err(
            |e| match e {
                crate::files::ReadFileError::Io(source) => read_error(source),
                too_large => read_error(std::io::Error::other(too_large)),
            },
        )?;
        let absolute = std::path::absolute(path).map_err(read_error)?;
        let base_dir = absolute
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let modules_dir = modules_dir
            .map(std::path::absolute)
            .transpose()
            .map_err(read_error)?;
        let config = Self::parse(&text, &base_dir, Some(path), modules_dir.as_deref())?;
        config.validate()?;
        Ok(config)
    }

    /// Parses and resolves config text, with relative paths resolved against `base_dir`.
    /// Does not check that files exist (see [`ServiceConfig::validate`]). The one file-system
    /// look-up is `load_from`: as in the official runtime, an existing file is used as-is and
    /// anything else is a directory holding `<file_name>`; a path that does not exist but ends
    /// in `.wasm` is taken as a file.
    pub fn from_toml_str(text: &str, base_dir: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::parse(text, base_dir.as_ref(), None, None)
    }

    /// Parses and resolves config text that came from `config_path` without reading it (a
    /// host with no file system, such as a browser, is given the text): errors name that
    /// path, relative paths are resolved against its directory.
    pub fn from_toml_str_at(
        text: &str,
        config_path: impl AsRef<Path>,
    ) -> Result<Self, ConfigError> {
        let path = config_path.as_ref();
        let base_dir = path.parent().unwrap_or(Path::new(""));
        Self::parse(text, base_dir, Some(path), None)
    }

    /// Checks the file system: every module's wasm file must exist. Missing mounted binaries
    /// are only logged (the call reports a spawn error, as in the official runtime).
    pub fn validate(&self) -> Result<(), ConfigError> {
        for module in &self.modules {
            if !module.wasm_path.is_file() {
                return Err(ConfigError::MissingWasmFile {
                    file: self.source_label(),
                    module: module.name.clone(),
                    path: module.wasm_path.clone(),
                });
            }
            for (name, path) in &module.mounted_binaries {
                if !path.is_file() {
                    log::warn!(
                        "{}: mounted binary `{name}` of module {:?} not found at {}",
                        self.source_label(),
                        module.name,
                        path.display()
                    );
                }
            }
        }
        Ok(())
    }

    /// The facade module (the last one), if any.
    pub fn facade(&self) -> Option<&ModuleConfig> {
        self.modules.last()
    }

    /// The module named `name`.
    pub fn module(&self, name: &str) -> Option<&ModuleConfig> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The config file's path for messages, or `<inline config>`.
    pub fn source_label(&self) -> String {
        self.config_path
            .as_ref()
            .map_or_else(|| INLINE_LABEL.to_owned(), |p| p.display().to_string())
    }

    fn parse(
        text: &str,
        base_dir: &Path,
        config_path: Option<&Path>,
        modules_dir: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let file = config_path.map_or_else(|| INLINE_LABEL.to_owned(), |p| p.display().to_string());
        if let Err(error) = toml::from_str::<toml::Table>(text) {
            let offset = error.span().map_or(0, |s| s.start);
            return Err(ConfigError::Syntax {
                location: Location::from_offset(&file, text, offset),
                message: error.message().trim().to_owned(),
            });
        }
        let raw: RawServiceConfig =
            toml::from_str(text).map_err(|error| classify(&error, text, &file))?;
        let ctx = Ctx {
            text,
            file: &file,
            base: base_dir,
            modules_dir,
        };
        let mut config = ctx.resolve(raw)?;
        config.config_path = config_path.map(Path::to_path_buf);
        Ok(config)
    }
}

/// Turns a serde error from a syntactically valid file into a typed error.
fn classify(error: &toml::de::Error, text: &str, file: &str) -> ConfigError {
    let offset = error.span().map_or(0, |s| s.start);
    let location = Location::from_offset(file, text, offset);
    let table = enclosing_table(text, offset);
    let message = error.message().trim().to_owned();
    if let Some((key, rest)) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
    {
        return ConfigError::UnknownKey {
            location,
            key: key.to_owned(),
            table,
            expected: rest.trim_start_matches(',').trim().to_owned(),
        };
    }
    if let Some((key, _)) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
    {
        return ConfigError::MissingKey {
            location,
            key: key.to_owned(),
            table,
        };
    }
    ConfigError::InvalidValue {
        location,
        key: key_before(text, offset)
            .or_else(|| header_key(text, offset))
            .unwrap_or_else(|| "?".to_owned()),
        table,
        message,
    }
}

/// The last table header (`[x]` / `[[x]]`) at or before `offset`, as written; empty for the
/// top level.
fn enclosing_table(text: &str, offset: usize) -> String {
    let offset = floor_char_boundary(text, offset);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[..line_end]
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('['))
        .map(|line| {
            let end = line.rfind(']').map_or(line.len(), |i| i + 1);
            line[..end].to_owned()
        })
        .unwrap_or_default()
}

/// The key of the `key = value` assignment on the line of `offset`, before `offset`.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let before_eq = prefix[..prefix.rfind('=')?].trim_end();
    let key = if let Some(quoted) = before_eq.strip_suffix('"') {
        &quoted[quoted.rfind('"')? + 1..]
    } else {
        // Past the last character that cannot be in a bare key, which may be wider than one
        // byte (a byte-order mark before the first key).
        let start = before_eq
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        &before_eq[start..]
    };
    (!key.is_empty()).then(|| key.to_owned())
}

/// The key a table header names when `offset` is on a header line: `module` for `[module]`,
/// `wasi` for `[[module.wasi]]`.
fn header_key(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let inner = line.strip_prefix('[')?.trim_start_matches('[');
    let inner = inner[..inner.find(']')?].trim();
    let key = inner.rsplit('.').next()?.trim().trim_matches('"');
    (!key.is_empty()).then(|| key.to_owned())
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Joins a relative path onto `base` and drops `.` components; absolute paths are kept.
fn resolve_path(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for component in joined.components() {
        if component != Component::CurDir {
            out.push(component);
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
    base: &'a Path,
    /// Replaces the config's `modules_dir` when set.
    modules_dir: Option<&'a Path>,
}

/// Per-module settings after merging `[default]`.
struct Settings {
    logger_enabled: bool,
    logging_mask: i32,
    mem_limit_bytes: Option<u64>,
    wasi: WasiConfig,
    mounted_binaries: BTreeMap<String, PathBuf>,
}

impl Ctx<'_> {
    fn loc(&self, span: Range<usize>) -> Location {
        Location::from_offset(self.file, self.text, span.start)
    }

    fn path(&self, value: &Spanned<String>) -> PathBuf {
        resolve_path(self.base, value.get_ref())
    }

    fn invalid(&self, span: Range<usize>, message: String) -> ConfigError {
        ConfigError::Invalid {
            location: self.loc(span),
            message,
        }
    }

    fn size(&self, key: &str, value: &Spanned<RawSize>) -> Result<ByteLimit, ConfigError> {
        match value.get_ref() {
            RawSize::Integer(bytes) => u64::try_from(*bytes).map(ByteLimit::Bytes).map_err(|_| {
                self.invalid(
                    value.span(),
                    format!("`{key}` must not be negative (got {bytes})"),
                )
            }),
            RawSize::Text(text) => {
                parse_byte_limit(text).map_err(|reason| ConfigError::InvalidSize {
                    location: self.loc(value.span()),
                    key: key.to_owned(),
                    value: text.clone(),
                    reason,
                })
            }
        }
    }

    fn resolve(&self, raw: RawServiceConfig) -> Result<ServiceConfig, ConfigError> {
        let total_memory_limit = match &raw.total_memory_limit {
            Some(limit) => self.size("total_memory_limit", limit)?.as_option(),
            None => None,
        };
        let modules_dir = match self.modules_dir {
            Some(dir) => Some(dir.to_path_buf()),
            None => raw.modules_dir.as_ref().map(|dir| self.path(dir)),
        };

        let defaults = match raw.default {
            Some(default) => {
                let span = default.span();
                let default = default.into_inner();
                for (key, present) in [
                    ("name", default.name.is_some()),
                    ("file_name", default.file_name.is_some()),
                    ("load_from", default.load_from.is_some()),
                ] {
                    if present {
                        return Err(self.invalid(
                            span,
                            format!("`{key}` is not allowed in [default], only in [[module]]"),
                        ));
                    }
                }
                Some(default)
            }
            None => None,
        };
        let default_settings = match &defaults {
            Some(default) => Some(self.settings("[default]", default, None)?),
            None => None,
        };

        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut modules = Vec::with_capacity(raw.module.len());
        for module in &raw.module {
            let span = module.span();
            let module = module.get_ref();
            let Some(name) = &module.name else {
                return Err(ConfigError::MissingKey {
                    location: self.loc(span),
                    key: "name".to_owned(),
                    table: "[[module]]".to_owned(),
                });
            };
            let name_location = self.loc(name.span());
            let name_str = name.get_ref().clone();
            if name_str.trim().is_empty() {
                return Err(self.invalid(name.span(), "module name must not be empty".into()));
            }
            if let Some(first_line) = seen.get(&name_str) {
                return Err(ConfigError::DuplicateModule {
                    location: name_location,
                    name: name_str,
                    first_line: *first_line,
                });
            }
            seen.insert(name_str.clone(), name_location.line);

            let file_name = module
                .file_name
                .as_ref()
                .map_or_else(|| format!("{name_str}.wasm"), |f| f.get_ref().clone());
            let wasm_path = match (&module.load_from, &modules_dir) {
                (Some(load_from), _) => {
                    let path = self.path(load_from);
                    let is_file = path.is_file()
                        || (!path.is_dir() && path.extension().is_some_and(|e| e == "wasm"));
                    if is_file {
                        path
                    } else {
                        path.join(&file_name)
                    }
                }
                (None, Some(dir)) => dir.join(&file_name),
                (None, None) => {
                    return Err(ConfigError::NoModulesDir {
                        location: self.loc(span),
                        module: name_str,
                    })
                }
            };

            let settings = self.settings(
                &format!("module {name_str:?}"),
                module,
                default_settings.as_ref(),
            )?;
            modules.push(ModuleConfig {
                name: name_str,
                wasm_path,
                logger_enabled: settings.logger_enabled,
                logging_mask: settings.logging_mask,
                mem_limit_bytes: settings.mem_limit_bytes,
                wasi: settings.wasi,
                mounted_binaries: settings.mounted_binaries,
            });
        }

        Ok(ServiceConfig {
            config_path: None,
            base_dir: self.base.to_path_buf(),
            modules_dir,
            total_memory_limit,
            service_working_dir: raw.service_working_dir.as_ref().map(|d| self.path(d)),
            service_base_dir: raw.service_base_dir.as_ref().map(|d| self.path(d)),
            modules,
            limits: match &raw.limits {
                Some(limits) => self.limits(limits)?,
                None => LimitsConfig::default(),
            },
            compiled_cache: match &raw.compiled_cache {
                Some(cache) => self.compiled_cache(cache)?,
                None => CompiledCacheConfig::default(),
            },
        })
    }

    /// Resolves `[compiled_cache]`: the directory against the config's folder, the size
    /// parsed (finite), each error at its key.
    fn compiled_cache(&self, raw: &RawCompiledCache) -> Result<CompiledCacheConfig, ConfigError> {
        let max_size = match &raw.max_size {
            Some(size) => match self.size("max_size", size)?.as_option() {
                Some(bytes) => Some(bytes),
                None => {
                    return Err(
                        self.invalid(size.span(), "`max_size` must be a finite size".to_owned())
                    )
                }
            },
            None => None,
        };
        let dir = match &raw.dir {
            Some(dir) if dir.get_ref().is_empty() => {
                return Err(self.invalid(dir.span(), "`dir` must not be empty".to_owned()))
            }
            Some(dir) => Some(self.path(dir)),
            None => None,
        };
        Ok(CompiledCacheConfig {
            enabled: raw.enabled,
            dir,
            max_size,
            trust_precompiled: raw.trust_precompiled,
        })
    }

    /// Resolves `[limits]`: sizes and durations parsed, each error at its key.
    fn limits(&self, raw: &RawLimits) -> Result<LimitsConfig, ConfigError> {
        let finite_size = |key: &str, size: &Option<Spanned<RawSize>>| match size {
            Some(size) => match self.size(key, size)?.as_option() {
                Some(bytes) => Ok(Some(bytes)),
                None => Err(self.invalid(size.span(), format!("`{key}` must be a finite size"))),
            },
            None => Ok(None),
        };
        let max_module_size = finite_size("max_module_size", &raw.max_module_size)?;
        let max_value_size = finite_size("max_value_size", &raw.max_value_size)?;
        let max_compile_time = match &raw.max_compile_time {
            Some(text) => Some(parse_duration(text.get_ref()).map_err(|reason| {
                self.invalid(text.span(), format!("`max_compile_time`: {reason}"))
            })?),
            None => None,
        };
        Ok(LimitsConfig {
            max_type_depth: raw.max_type_depth,
            max_record_types: raw.max_record_types,
            max_module_size,
            max_functions: raw.max_functions,
            max_block_depth: raw.max_block_depth,
            max_compile_time,
            max_memories: raw.max_memories,
            max_tables: raw.max_tables,
            max_table_elements: raw.max_table_elements,
            max_value_size,
            max_open_files: raw.max_open_files,
        })
    }

    /// Resolves the settings of one module table, on top of the `[default]` ones.
    fn settings(
        &self,
        what: &str,
        module: &RawModule,
        defaults: Option<&Settings>,
    ) -> Result<Settings, ConfigError> {
        let own_limit = self.mem_limit(what, module)?;
        let mut wasi = defaults.map(|d| d.wasi.clone()).unwrap_or_default();
        if let Some(raw_wasi) = self.single(what, "wasi", &module.wasi)? {
            let RawWasi {
                envs,
                mapped_dirs,
                preopened_files,
            } = raw_wasi;
            for (key, value) in envs {
                if let Some(reason) = env_problem(&key, value.get_ref()) {
                    return Err(self.invalid(value.span(), format!("{what}: envs: {reason}")));
                }
                wasi.envs.insert(key, value.into_inner());
            }
            for (alias, host) in mapped_dirs {
                if alias.is_empty() || alias.contains('\0') {
                    return Err(self.invalid(
                        host.span(),
                        format!("{what}: mapped_dirs alias {alias:?} is empty or holds a NUL"),
                    ));
                }
                wasi.mapped_dirs.insert(alias, self.path(&host));
            }
            for file in preopened_files {
                wasi.preopened_files
                    .insert(file.get_ref().clone(), self.path(&file));
            }
        }
        let mut mounted_binaries = defaults
            .map(|d| d.mounted_binaries.clone())
            .unwrap_or_default();
        if let Some(binaries) = self.single(what, "mounted_binaries", &module.mounted_binaries)? {
            for (name, path) in binaries {
                if name.is_empty() || RESERVED_HOST_IMPORT_NAMES.contains(&name.as_str()) {
                    return Err(self.invalid(
                        path.span(),
                        format!(
                            "{what}: `{name}` cannot be used as a mounted binary name \
                             (empty or taken by a host import)"
                        ),
                    ));
                }
                mounted_binaries.insert(name, self.path(&path));
            }
        }
        Ok(Settings {
            logger_enabled: module
                .logger_enabled
                .or(defaults.map(|d| d.logger_enabled))
                .unwrap_or(true),
            logging_mask: module
                .logging_mask
                .or(defaults.map(|d| d.logging_mask))
                .unwrap_or(DEFAULT_LOGGING_MASK),
            mem_limit_bytes: match own_limit {
                Some(limit) => limit,
                None => defaults.and_then(|d| d.mem_limit_bytes),
            },
            wasi,
            mounted_binaries,
        })
    }

    /// The module's own memory limit: `None` if it sets none, `Some(None)` for "Infinity".
    fn mem_limit(
        &self,
        what: &str,
        module: &RawModule,
    ) -> Result<Option<Option<u64>>, ConfigError> {
        let mut set: Vec<(&str, Range<usize>, Option<u64>)> = Vec::new();
        if let Some(pages) = &module.mem_pages_count {
            let bytes = pages
                .get_ref()
                .checked_mul(WASM_PAGE_SIZE)
                .filter(|b| *b <= MAX_WASM32_MEMORY)
                .ok_or_else(|| {
                    self.invalid(
                        pages.span(),
                        format!(
                            "{what}: mem_pages_count {} exceeds 65536 pages (4 GiB), the wasm32 maximum",
                            pages.get_ref()
                        ),
                    )
                })?;
            set.push(("mem_pages_count", pages.span(), Some(bytes)));
        }
        for (key, value) in [
            ("max_heap_size", &module.max_heap_size),
            ("total_memory_limit", &module.total_memory_limit),
        ] {
            if let Some(value) = value {
                let bytes = self.size(key, value)?.as_option();
                if bytes.is_some_and(|b| b > MAX_WASM32_MEMORY) {
                    return Err(self.invalid(
                        value.span(),
                        format!("{what}: {key} exceeds 4 GiB, the wasm32 maximum"),
                    ));
                }
                set.push((key, value.span(), bytes));
            }
        }
        match set.as_slice() {
            [] => Ok(None),
            [(_, _, bytes)] => Ok(Some(*bytes)),
            [(first, _, _), (second, span, _), ..] => Err(self.invalid(
                span.clone(),
                format!("{what} sets both `{first}` and `{second}`; use one memory limit"),
            )),
        }
    }

    /// A `[x]` table or a one-element `[[x]]` array.
    fn single<T: Clone>(
        &self,
        what: &str,
        key: &str,
        value: &Option<Spanned<OneOrMany<T>>>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let mut tables = value.get_ref().clone().into_vec();
        if tables.len() > 1 {
            return Err(self.invalid(
                value.span(),
                format!(
                    "{what}: `{key}` is given {} times; write a single [module.{key}] table",
                    tables.len()
                ),
            ));
        }
        Ok(tables.pop())
    }
}

/// What is wrong with an environment variable a module would get, if anything: a key that
/// is empty or holds `=` or NUL, or a value holding NUL, cannot be passed on faithfully.
/// Config `envs` are checked with it here, and the runtime checks the envs an embedder gives
/// a module with it too.
pub fn env_problem(key: &str, value: &str) -> Option<String> {
    if key.is_empty() {
        Some("an environment variable name is empty".to_string())
    } else if key.contains(['=', '\0']) {
        Some(format!(
            "the environment variable name {key:?} holds `=` or NUL"
        ))
    } else if value.contains('\0') {
        Some(format!(
            "the value of environment variable `{key}` holds NUL"
        ))
    } else {
        None
    }
}

/// Parses a duration written as a number and a unit: `ms`, `s`, `min` (`"30 s"`, `"500ms"`).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as \"30 s\" or \"500 ms\""))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (use ms, s or min)"
            ))
        }
    };
    std::time::Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
}
