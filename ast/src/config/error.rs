//! Errors of config parsing, resolution and validation.

use std::fmt;
use std::path::PathBuf;

use super::size::SizeParseError;

/// A position in a config file: `file:line:column` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The config file (its path, or a label such as `<inline config>`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl Location {
    /// The location of byte offset `offset` of `text`.
    pub fn from_offset(file: &str, text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        Location {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Which table a key sits in, for messages: `top level`, `[[module]] "name"`, ...
fn in_table(table: &str) -> String {
    if table.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("in {table}")
    }
}

/// Everything that can go wrong while loading a `Config.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The text is not valid TOML.
    #[error("{location}: invalid TOML: {message}")]
    Syntax {
        /// Where.
        location: Location,
        /// The TOML parser's message.
        message: String,
    },

    /// A key we do not know (typo, or a key of another tool).
    #[error("{location}: unknown key `{key}` {}; {expected}", in_table(table))]
    UnknownKey {
        /// Where the key is.
        location: Location,
        /// The key.
        key: String,
        /// The enclosing table header as written (empty at the top level).
        table: String,
        /// `expected one of ...`.
        expected: String,
    },

    /// A required key is absent.
    #[error("{location}: missing key `{key}` {}", in_table(table))]
    MissingKey {
        /// Where the table is.
        location: Location,
        /// The key.
        key: String,
        /// The enclosing table header as written.
        table: String,
    },

    /// A value of the wrong type or out of range.
    #[error("{location}: invalid value for `{key}` {}: {message}", in_table(table))]
    InvalidValue {
        /// Where the value is.
        location: Location,
        /// The key, as far as it can be recovered from the line (`?` otherwise).
        key: String,
        /// The enclosing table header as written.
        table: String,
        /// What is wrong.
        message: String,
    },

    /// A size string that does not parse.
    #[error("{location}: invalid size {value:?} for `{key}`: {reason}")]
    InvalidSize {
        /// Where the value is.
        location: Location,
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// Why it was rejected.
        reason: SizeParseError,
    },

    /// Two `[[module]]` tables with the same `name`.
    #[error("{location}: duplicate module name {name:?} (first defined at line {first_line})")]
    DuplicateModule {
        /// The second definition.
        location: Location,
        /// The name.
        name: String,
        /// Line of the first definition.
        first_line: usize,
    },

    /// A module has neither `load_from` nor a top-level `modules_dir`.
    #[error(
        "{location}: module {module:?} has no `load_from` and the config has no `modules_dir`, \
         so its wasm file cannot be located"
    )]
    NoModulesDir {
        /// The module's table.
        location: Location,
        /// The module.
        module: String,
    },

    /// A key that is not allowed where it appears (e.g. `name` in `[default]`, a repeated
    /// `[[module.wasi]]`, two memory limits for one module).
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },

    /// The resolved wasm file of a module does not exist.
    #[error("{file}: wasm file of module {module:?} not found: {}", path.display())]
    MissingWasmFile {
        /// The config file.
        file: String,
        /// The module.
        module: String,
        /// The resolved path.
        path: PathBuf,
    },
}
