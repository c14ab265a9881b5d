//! Bounds on everything a module or a config controls that is not linear memory.
//!
//! A Marine host runs modules written by strangers, so every resource a module can make the
//! host spend is bounded: the shape of its interface (type nesting, number of records), what
//! compiling it costs (file size, number of functions, block nesting, compile time) and what
//! its instance may hold besides memory pages (memories, tables and their elements). Each
//! bound has a safe default ([`Limits::default`]), can be set per service in
//! the runtime's `ServiceOptions::limits` or a `Config.toml`'s `[limits]` table, and exceeding it
//! is a [`LimitExceeded`] error naming the module and the limit, after which the service keeps
//! serving.
//!
//! The module-shape bounds are checked against [`ModuleMetrics`], measured once when a module
//! is compiled and kept with it, so a module compiled (and cached) by one service is checked
//! again against the limits of every other service that loads it.

use std::fmt;
use std::time::Duration;

/// Bytes a table element is counted as, against the module's and the service's memory limits
/// (a wasmtime table slot is one pointer).
pub const TABLE_ELEMENT_BYTES: u64 = 8;

/// Resource bounds of a service's modules (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of interface types (arrays and records) in a module's interface.
    /// Every host walk over a type (reading, lifting, lowering, checking, JSON) is bounded by
    /// it. Default 128, the nesting `serde_json` parses.
    pub max_type_depth: u32,
    /// Most record types one module may declare. Default 4,096.
    pub max_record_types: u32,
    /// Largest module file or byte buffer loaded, in bytes. Default 64 MiB.
    pub max_module_size: u64,
    /// Most functions (imported and defined) in a module. Default 100,000.
    pub max_functions: u32,
    /// Deepest block nesting (`block`, `loop`, `if`, `try`) inside one function body;
    /// compile time grows with its square. Default 10,000.
    pub max_block_depth: u32,
    /// Longest time compiling one module may take. A compile still running then is abandoned
    /// (the load fails and the service keeps serving; the compiler thread finishes on its
    /// own, its cost bounded by the shape limits above). Default 60 s.
    pub max_compile_time: Duration,
    /// Most linear memories (imported and defined) one module may have. Default 4.
    pub max_memories: u32,
    /// Most tables (imported and defined) one module may have. Default 16.
    pub max_tables: u32,
    /// Most table elements one module may hold in all its tables together. Elements are also
    /// counted against the memory limits at [`TABLE_ELEMENT_BYTES`] each. Default 1,000,000.
    pub max_table_elements: u64,
    /// Most bytes of host memory one value taken out of a module may take: a result, or an
    /// argument a module passes to another module or a host function. Counted as the host
    /// allocates them, before allocating: for lifted values an `IValue` (32 bytes) per
    /// element and field plus the bytes of strings and byte arrays; for a result written as
    /// JSON its text (or its `serde_json::Value` tree). A value over it is an error naming
    /// the module, the function and this limit, whatever the guest's memory holds (for
    /// example one string referenced a million times). Default [`DEFAULT_MAX_VALUE_SIZE`]
    /// (1 GiB).
    pub max_value_size: u64,
}

/// The default of [`Limits::max_value_size`]: 1 GiB.
pub const DEFAULT_MAX_VALUE_SIZE: u64 = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_type_depth: 128,
            max_record_types: 4096,
            max_module_size: 64 << 20,
            max_functions: 100_000,
            max_block_depth: 10_000,
            max_compile_time: Duration::from_secs(60),
            max_memories: 4,
            max_tables: 16,
            max_table_elements: 1_000_000,
            max_value_size: DEFAULT_MAX_VALUE_SIZE,
        }
    }
}

/// Which limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// [`Limits::max_type_depth`].
    TypeDepth,
    /// [`Limits::max_record_types`].
    RecordTypes,
    /// [`Limits::max_module_size`].
    ModuleSize,
    /// [`Limits::max_functions`].
    Functions,
    /// [`Limits::max_block_depth`].
    BlockDepth,
    /// [`Limits::max_compile_time`] (in milliseconds).
    CompileTime,
    /// [`Limits::max_memories`].
    Memories,
    /// [`Limits::max_tables`].
    Tables,
    /// [`Limits::max_table_elements`].
    TableElements,
    /// [`Limits::max_value_size`].
    ValueSize,
}

impl LimitKind {
    /// The key of this limit in `Config.toml`'s `[limits]` table (and the field of
    /// [`Limits`]).
    pub fn key(self) -> &'static str {
        match self {
            LimitKind::TypeDepth => "max_type_depth",
            LimitKind::RecordTypes => "max_record_types",
            LimitKind::ModuleSize => "max_module_size",
            LimitKind::Functions => "max_functions",
            LimitKind::BlockDepth => "max_block_depth",
            LimitKind::CompileTime => "max_compile_time",
            LimitKind::Memories => "max_memories",
            LimitKind::Tables => "max_tables",
            LimitKind::TableElements => "max_table_elements",
            LimitKind::ValueSize => "max_value_size",
        }
    }

    /// The unit the figures of a [`LimitExceeded`] of this kind are in.
    fn unit(self) -> &'static str {
        match self {
            LimitKind::ModuleSize | LimitKind::ValueSize => " bytes",
            LimitKind::CompileTime => " ms",
            _ => "",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A module exceeded one of its service's [`Limits`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "module `{module}`: {what} exceeds the limit `{kind}` = {limit}{unit}",
    unit = .kind.unit()
)]
pub struct LimitExceeded {
    /// The module.
    pub module: String,
    /// The limit.
    pub kind: LimitKind,
    /// The limit's value (bytes for sizes, milliseconds for times).
    pub limit: u64,
    /// What exceeded it, e.g. `record `R130` nests 129 types deep` or `54 memories`.
    pub what: String,
}

/// The shape of a compiled module, measured once and checked against the limits of every
/// service that loads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleMetrics {
    /// Size of the wasm bytes.
    pub size: u64,
    /// Deepest interface type nesting (a scalar is 0, `[]u8` 1, a record of scalars 1).
    pub type_depth: u32,
    /// Record types declared.
    pub record_types: u32,
    /// Functions, imported and defined.
    pub functions: u32,
    /// Deepest block nesting in one function body.
    pub block_depth: u32,
    /// Linear memories, imported and defined.
    pub memories: u32,
    /// Tables, imported and defined.
    pub tables: u32,
    /// Sum of the tables' initial sizes.
    pub table_elements: u64,
}

impl Limits {
    /// The first limit `metrics` exceeds, named for `module`.
    pub fn check(&self, module: &str, metrics: &ModuleMetrics) -> Result<(), LimitExceeded> {
        let exceeded = |kind: LimitKind, limit: u64, what: String| LimitExceeded {
            module: module.to_string(),
            kind,
            limit,
            what,
        };
        let checks = [
            (
                LimitKind::ModuleSize,
                self.max_module_size,
                metrics.size,
                "the module's size",
            ),
            (
                LimitKind::TypeDepth,
                self.max_type_depth.into(),
                metrics.type_depth.into(),
                "the interface's type nesting",
            ),
            (
                LimitKind::RecordTypes,
                self.max_record_types.into(),
                metrics.record_types.into(),
                "the number of record types",
            ),
            (
                LimitKind::Functions,
                self.max_functions.into(),
                metrics.functions.into(),
                "the number of functions",
            ),
            (
                LimitKind::BlockDepth,
                self.max_block_depth.into(),
                metrics.block_depth.into(),
                "the block nesting of a function",
            ),
            (
                LimitKind::Memories,
                self.max_memories.into(),
                metrics.memories.into(),
                "the number of memories",
            ),
            (
                LimitKind::Tables,
                self.max_tables.into(),
                metrics.tables.into(),
                "the number of tables",
            ),
            (
                LimitKind::TableElements,
                self.max_table_elements,
                metrics.table_elements,
                "the tables' initial elements",
            ),
        ];
        for (kind, limit, value, what) in checks {
            if value > limit {
                return Err(exceeded(kind, limit, format!("{what} ({value})")));
            }
        }
        Ok(())
    }

    /// The bounds interface reading works under.
    pub fn interface(&self) -> InterfaceLimits {
        InterfaceLimits {
            max_type_depth: self.max_type_depth,
            max_record_types: self.max_record_types,
        }
    }
}

/// The part of [`Limits`] that bounds reading an interface (used by
/// [`crate::ModuleInterface::from_wasm_with_limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterfaceLimits {
    /// [`Limits::max_type_depth`].
    pub max_type_depth: u32,
    /// [`Limits::max_record_types`].
    pub max_record_types: u32,
}

impl Default for InterfaceLimits {
    fn default() -> Self {
        Limits::default().interface()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_an_ordinary_module_and_each_limit_is_named() {
        let limits = Limits::default();
        let ordinary = ModuleMetrics {
            size: 2 << 20,
            type_depth: 4,
            record_types: 20,
            functions: 3000,
            block_depth: 40,
            memories: 1,
            tables: 1,
            table_elements: 500,
        };
        limits.check("m", &ordinary).unwrap();

        let over = ModuleMetrics {
            memories: 50,
            ..ordinary
        };
        let e = limits.check("m", &over).unwrap_err();
        assert_eq!(e.kind, LimitKind::Memories);
        assert_eq!(e.limit, 4);
        assert_eq!(
            e.to_string(),
            "module `m`: the number of memories (50) exceeds the limit `max_memories` = 4"
        );

        let big = ModuleMetrics {
            size: 65 << 20,
            ..ordinary
        };
        assert_eq!(
            limits.check("big", &big).unwrap_err().to_string(),
            "module `big`: the module's size (68157440) exceeds the limit `max_module_size` = 67108864 bytes"
        );
    }
}
