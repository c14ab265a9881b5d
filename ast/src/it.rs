//! The `interface-types` custom section: wasm interface types with Marine's adapter
//! instructions, the form in which the official runtime (`marine-runtime` 0.37) reads a
//! module's interface (reference `marine-guest-abi.md` §6).
//!
//! - [`Interfaces::from_wasm`] generates the section's content from a module's JSON metadata,
//!   numbering types, exports and imports, and choosing the adapter instructions, as the
//!   official `marine-it-generator` 0.18 does, so [`Interfaces::to_bytes`] gives the bytes
//!   that generator embeds.
//! - [`Interfaces::from_bytes`] reads a section back (bounded: no allocation by a declared
//!   count, no recursion proportional to the input), and [`Interfaces`]'s `Display` prints it
//!   as text in the official CLI's `marine it` form.
//!
//! Our runtime does not need the section: it reads the JSON metadata. The section is what lets
//! a module built here run on the official runtime and the Fluence network.

use std::collections::HashMap;
use std::fmt;

use crate::interface::InterfaceError;
use crate::leb128::{read_unsigned, write_u64};
use crate::limits::InterfaceLimits;
use crate::section::{ExternFnType, FnSignature, ParsedType, RecordAst, RecordFields, SDKAst};

/// The custom section's name.
pub const IT_SECTION_NAME: &str = "interface-types";

/// The version written into generated sections: the `wasmer-interface-types-fl` version of the
/// official generator 0.18 (the official runtime accepts ≥ 0.20.0).
pub const IT_VERSION: &str = "0.28.0";

/// How deeply [`Interfaces::from_bytes`] accepts array types to nest (`array (array (...))`).
pub const MAX_DECODED_TYPE_DEPTH: usize = 64;

/// An ABI export: name, named arguments, outputs.
type ApiFunction = (
    &'static str,
    &'static [(&'static str, ItType)],
    &'static [ItType],
);

/// The six ABI exports every module carries, in the order of their type and export indices
/// (`call-core 0..5`), with their IT signatures (argument name and type, outputs).
const API_FUNCTIONS: [ApiFunction; 6] = [
    ("allocate", &[("size", ItType::I32)], &[ItType::I32]),
    ("release_objects", &[], &[]),
    ("get_result_size", &[], &[ItType::I32]),
    ("get_result_ptr", &[], &[ItType::I32]),
    ("set_result_size", &[("result_size", ItType::I32)], &[]),
    ("set_result_ptr", &[("result_ptr", ItType::I32)], &[]),
];
const ALLOCATE: u32 = 0;
const RELEASE_OBJECTS: u32 = 1;
const GET_RESULT_SIZE: u32 = 2;
const GET_RESULT_PTR: u32 = 3;
const SET_RESULT_SIZE: u32 = 4;
const SET_RESULT_PTR: u32 = 5;

/// Why a section could not be generated, encoded or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ItError {
    /// The module uses the ABI extensions (`Option`, `Result`, tuples, enums;
    /// `docs/abi-extensions.md`), which interface types cannot express.
    #[error(
        "it::Interfaces::from_metadata: `{0}` uses the ABI extensions (Option, Result, tuples or \
         enums; docs/abi-extensions.md), which interface types cannot express: the official \
         runtime cannot run this module"
    )]
    UsesExtensions(String),
    /// The module's metadata is not a valid interface.
    #[error("it::Interfaces::from_wasm: {0}")]
    Interface(#[from] InterfaceError),
    /// A record is used by a function but no `#[marine]` record of that name exists.
    #[error("it::Interfaces::from_wasm: record `{record}` (used by `{used_by}`) is not declared")]
    UnknownRecord {
        /// The record's name.
        record: String,
        /// The function or record that uses it.
        used_by: String,
    },
    /// A record has no fields (the format cannot carry it).
    #[error("it::Interfaces::from_wasm: record `{0}` has no fields")]
    EmptyRecord(String),
    /// A name longer than the format's 1-byte length allows.
    #[error("it::Interfaces::to_bytes: name `{name}` is {len} bytes long, the format allows 255")]
    NameTooLong {
        /// The name (cut to 64 characters).
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A section's bytes are malformed.
    #[error("it::Interfaces::from_bytes: at byte {offset}: {reason}")]
    Malformed {
        /// Where in the section.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

/// An interface type as the section encodes it (records by type index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItType {
    /// `bool`
    Boolean,
    /// `s8`
    S8,
    /// `s16`
    S16,
    /// `s32`
    S32,
    /// `s64`
    S64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `string`
    String,
    /// `Vec<u8>`
    ByteArray,
    /// `Vec<T>`
    Array(Box<ItType>),
    /// A raw wasm `i32`.
    I32,
    /// A raw wasm `i64`.
    I64,
    /// A record, by its index in the types list.
    Record(u64),
}

/// The byte code of the types without payload, and their text.
const SIMPLE_TYPES: [(ItType, u8, &str); 15] = [
    (ItType::S8, 0x00, "s8"),
    (ItType::S16, 0x01, "s16"),
    (ItType::S32, 0x02, "s32"),
    (ItType::S64, 0x03, "s64"),
    (ItType::U8, 0x04, "u8"),
    (ItType::U16, 0x05, "u16"),
    (ItType::U32, 0x06, "u32"),
    (ItType::U64, 0x07, "u64"),
    (ItType::F32, 0x08, "f32"),
    (ItType::F64, 0x09, "f64"),
    (ItType::String, 0x0a, "string"),
    (ItType::Boolean, 0x0b, "bool"),
    (ItType::I32, 0x0c, "i32"),
    (ItType::I64, 0x0d, "i64"),
    (ItType::ByteArray, 0x3c, "array (u8)"),
];
const TYPE_RECORD: u8 = 0x0e;
const TYPE_ARRAY: u8 = 0x36;

impl fmt::Display for ItType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItType::Array(inner) => write!(f, "array ({inner})"),
            ItType::Record(id) => write!(f, "record {id}"),
            simple => {
                let text = SIMPLE_TYPES
                    .iter()
                    .find(|(t, _, _)| t == simple)
                    .map_or("?", |(_, _, text)| text);
                f.write_str(text)
            }
        }
    }
}

/// A named function argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItArg {
    /// The argument's name.
    pub name: String,
    /// Its type.
    pub ty: ItType,
}

/// An entry of the types list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItTypeDef {
    /// A function type.
    Function {
        /// Named arguments.
        arguments: Vec<ItArg>,
        /// Output types.
        outputs: Vec<ItType>,
    },
    /// A record type.
    Record {
        /// The record's name.
        name: String,
        /// Its fields (name and type).
        fields: Vec<ItArg>,
    },
}

/// An imported function: namespace, name and function type index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItImport {
    /// The module (namespace) imported from.
    pub namespace: String,
    /// The function's name there.
    pub name: String,
    /// Its function type index.
    pub function_type: u32,
}

/// An adapter: a function type index and the instructions of its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItAdapter {
    /// The adapter's function type index.
    pub function_type: u32,
    /// Its body.
    pub instructions: Vec<Instruction>,
}

/// An exported function: name and function type index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItExport {
    /// The export's name.
    pub name: String,
    /// Its function type index.
    pub function_type: u32,
}

/// An implementation: which adapter implements which core function type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItImplementation {
    /// The core function's type index.
    pub core_function_type: u32,
    /// The adapter's type index.
    pub adapter_function_type: u32,
}

/// An adapter instruction (§6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instruction {
    /// `arg.get i`
    ArgumentGet {
        /// The argument index.
        index: u32,
    },
    /// `call-core f`: the function with this export index (or, above the exports, import).
    CallCore {
        /// The function index.
        function_index: u32,
    },
    /// A value conversion with no operand (`i32.from_s8`, `bool.from_i32`, `dup`, ...): its
    /// opcode, one of [`SIMPLE_INSTRUCTIONS`].
    Simple(u8),
    /// `array.lift_memory T`
    ArrayLiftMemory {
        /// The element type.
        value_type: ItType,
    },
    /// `array.lower_memory T`
    ArrayLowerMemory {
        /// The element type.
        value_type: ItType,
    },
    /// `record.lift_memory id`
    RecordLiftMemory {
        /// The record's type index.
        record_type_id: u32,
    },
    /// `record.lower_memory id`
    RecordLowerMemory {
        /// The record's type index.
        record_type_id: u32,
    },
    /// `i32.push v`
    PushI32 {
        /// The value.
        value: i32,
    },
    /// `i64.push v`
    PushI64 {
        /// The value.
        value: i64,
    },
}

/// The opcodes and text of the instructions without operands.
pub const SIMPLE_INSTRUCTIONS: [(u8, &str); 42] = [
    (0x02, "s8.from_i32"),
    (0x03, "s8.from_i64"),
    (0x04, "s16.from_i32"),
    (0x05, "s16.from_i64"),
    (0x06, "s32.from_i32"),
    (0x07, "s32.from_i64"),
    (0x08, "s64.from_i32"),
    (0x09, "s64.from_i64"),
    (0x0a, "i32.from_s8"),
    (0x0b, "i32.from_s16"),
    (0x0c, "i32.from_s32"),
    (0x0d, "i32.from_s64"),
    (0x0e, "i64.from_s8"),
    (0x0f, "i64.from_s16"),
    (0x10, "i64.from_s32"),
    (0x11, "i64.from_s64"),
    (0x12, "u8.from_i32"),
    (0x13, "u8.from_i64"),
    (0x14, "u16.from_i32"),
    (0x15, "u16.from_i64"),
    (0x16, "u32.from_i32"),
    (0x17, "u32.from_i64"),
    (0x18, "u64.from_i32"),
    (0x19, "u64.from_i64"),
    (0x1a, "i32.from_u8"),
    (0x1b, "i32.from_u16"),
    (0x1c, "i32.from_u32"),
    (0x1d, "i32.from_u64"),
    (0x1e, "i64.from_u8"),
    (0x1f, "i64.from_u16"),
    (0x20, "i64.from_u32"),
    (0x21, "i64.from_u64"),
    (0x22, "string.lift_memory"),
    (0x23, "string.lower_memory"),
    (0x24, "string.size"),
    (0x34, "dup"),
    (0x35, "swap2"),
    (0x3e, "bool.from_i32"),
    (0x3f, "i32.from_bool"),
    (0x43, "byte_array.lift_memory"),
    (0x44, "byte_array.lower_memory"),
    (0x45, "byte_array.size"),
];
const OP_ARG_GET: u8 = 0x00;
const OP_CALL_CORE: u8 = 0x01;
const OP_ARRAY_LIFT: u8 = 0x37;
const OP_ARRAY_LOWER: u8 = 0x38;
const OP_RECORD_LIFT: u8 = 0x3a;
const OP_RECORD_LOWER: u8 = 0x3b;
const OP_PUSH_I32: u8 = 0x40;
const OP_PUSH_I64: u8 = 0x41;

/// Opcodes of the simple instructions the generator emits.
mod op {
    pub const S8_FROM_I32: u8 = 0x02;
    pub const S16_FROM_I32: u8 = 0x04;
    pub const S32_FROM_I32: u8 = 0x06;
    pub const S64_FROM_I64: u8 = 0x09;
    pub const I32_FROM_S8: u8 = 0x0a;
    pub const I32_FROM_S16: u8 = 0x0b;
    pub const I32_FROM_S32: u8 = 0x0c;
    pub const I64_FROM_S64: u8 = 0x11;
    pub const U8_FROM_I32: u8 = 0x12;
    pub const U16_FROM_I32: u8 = 0x14;
    pub const U32_FROM_I32: u8 = 0x16;
    pub const U64_FROM_I64: u8 = 0x19;
    pub const I32_FROM_U8: u8 = 0x1a;
    pub const I32_FROM_U16: u8 = 0x1b;
    pub const I32_FROM_U32: u8 = 0x1c;
    pub const I64_FROM_U64: u8 = 0x21;
    pub const STRING_LIFT: u8 = 0x22;
    pub const STRING_LOWER: u8 = 0x23;
    pub const STRING_SIZE: u8 = 0x24;
    pub const DUP: u8 = 0x34;
    pub const SWAP2: u8 = 0x35;
    pub const BOOL_FROM_I32: u8 = 0x3e;
    pub const I32_FROM_BOOL: u8 = 0x3f;
    pub const BYTE_ARRAY_LIFT: u8 = 0x43;
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Instruction::ArgumentGet { index } => write!(f, "arg.get {index}"),
            Instruction::CallCore { function_index } => write!(f, "call-core {function_index}"),
            Instruction::Simple(code) => {
                let text = SIMPLE_INSTRUCTIONS
                    .iter()
                    .find(|(c, _)| c == code)
                    .map_or("?", |(_, text)| text);
                f.write_str(text)
            }
            Instruction::ArrayLiftMemory { value_type } => {
                write!(f, "array.lift_memory {value_type}")
            }
            Instruction::ArrayLowerMemory { value_type } => {
                write!(f, "array.lower_memory {value_type}")
            }
            Instruction::RecordLiftMemory { record_type_id } => {
                write!(f, "record.lift_memory {record_type_id}")
            }
            Instruction::RecordLowerMemory { record_type_id } => {
                write!(f, "record.lower_memory {record_type_id}")
            }
            Instruction::PushI32 { value } => write!(f, "i32.push {value}"),
            Instruction::PushI64 { value } => write!(f, "i64.push {value}"),
        }
    }
}

/// The content of an `interface-types` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interfaces {
    /// The IT version (semver text).
    pub version: String,
    /// Function and record types; records are referred to by their index here.
    pub types: Vec<ItTypeDef>,
    /// Imported functions (two entries per adapted module import).
    pub imports: Vec<ItImport>,
    /// Adapters.
    pub adapters: Vec<ItAdapter>,
    /// Exported functions (the six ABI functions first).
    pub exports: Vec<ItExport>,
    /// Implementations.
    pub implementations: Vec<ItImplementation>,
}

/// Section kinds, in the order they are written.
const KIND_TYPES: u8 = 0x00;
const KIND_IMPORTS: u8 = 0x01;
const KIND_ADAPTERS: u8 = 0x02;
const KIND_EXPORTS: u8 = 0x03;
const KIND_IMPLEMENTATIONS: u8 = 0x04;
const KIND_VERSION: u8 = 0x05;
const TYPE_KIND_FUNCTION: u8 = 0x00;
const TYPE_KIND_RECORD: u8 = 0x01;

impl Interfaces {
    /// Generates the section for a module from its JSON metadata, as the official generator
    /// does: the six ABI functions, then the records, the `#[marine]` functions and the module
    /// imports in the order their metadata sections appear in the file. The interface is
    /// checked first as [`crate::ModuleInterface::from_wasm`] checks it (so types nest at most
    /// [`InterfaceLimits::max_type_depth`] deep).
    pub fn from_wasm(wasm: &[u8]) -> Result<Interfaces, ItError> {
        let (_, items) = crate::interface::ordered_metadata(wasm, InterfaceLimits::default())?;
        Self::from_metadata(&items)
    }

    /// Generates the section from metadata items in file order (see [`Interfaces::from_wasm`],
    /// which checks them first; unchecked items may nest types as deep as they are written).
    pub fn from_metadata(items: &[SDKAst]) -> Result<Interfaces, ItError> {
        if let Some(item) = items.iter().find(|item| item.uses_extensions()) {
            let name = match item {
                SDKAst::Function(f) => f.signature.name.clone(),
                SDKAst::ExternMod(m) => m.namespace.clone(),
                SDKAst::Record(r) => r.name.clone(),
                SDKAst::Enum(e) => e.name.clone(),
            };
            return Err(ItError::UsesExtensions(name));
        }
        let mut g = Generator {
            it: Interfaces {
                version: IT_VERSION.to_string(),
                types: Vec::new(),
                imports: Vec::new(),
                adapters: Vec::new(),
                exports: Vec::new(),
                implementations: Vec::new(),
            },
            records: HashMap::new(),
            unresolved: Vec::new(),
        };
        for (index, (name, arguments, outputs)) in API_FUNCTIONS.iter().enumerate() {
            g.it.types.push(ItTypeDef::Function {
                arguments: arguments
                    .iter()
                    .map(|(name, ty)| ItArg {
                        name: name.to_string(),
                        ty: ty.clone(),
                    })
                    .collect(),
                outputs: outputs.to_vec(),
            });
            g.it.exports.push(ItExport {
                name: name.to_string(),
                function_type: index as u32,
            });
        }
        for item in items {
            if let SDKAst::Record(record) = item {
                g.record(record)?;
            }
        }
        if let Some((record, used_by)) = g.unresolved.first() {
            return Err(ItError::UnknownRecord {
                record: record.clone(),
                used_by: used_by.clone(),
            });
        }
        let mut seen_functions: Vec<&FnSignature> = Vec::new();
        for item in items {
            if let SDKAst::Function(f) = item {
                if seen_functions.contains(&&f.signature) {
                    continue;
                }
                seen_functions.push(&f.signature);
                g.export(&f.signature)?;
            }
        }
        let mut seen_imports: Vec<(&str, &ExternFnType)> = Vec::new();
        for item in items {
            let SDKAst::ExternMod(m) = item else { continue };
            // Host imports are served by the runtime as they are, with no adapter.
            if crate::abi::is_host_namespace(&m.namespace) {
                continue;
            }
            for import in &m.imports {
                if seen_imports.contains(&(m.namespace.as_str(), import)) {
                    continue;
                }
                seen_imports.push((&m.namespace, import));
                g.import(&m.namespace, import)?;
            }
        }
        Ok(g.it)
    }

    /// The section's bytes (§6.2).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ItError> {
        let mut out = Vec::new();
        out.push(KIND_VERSION);
        write_str(&mut out, &self.version)?;
        if !self.types.is_empty() {
            out.push(KIND_TYPES);
            write_u64(&mut out, self.types.len() as u64);
            for ty in &self.types {
                match ty {
                    ItTypeDef::Function { arguments, outputs } => {
                        out.push(TYPE_KIND_FUNCTION);
                        write_args(&mut out, arguments)?;
                        write_u64(&mut out, outputs.len() as u64);
                        for output in outputs {
                            write_type(&mut out, output);
                        }
                    }
                    ItTypeDef::Record { name, fields } => {
                        out.push(TYPE_KIND_RECORD);
                        write_str(&mut out, name)?;
                        write_args(&mut out, fields)?;
                    }
                }
            }
        }
        if !self.imports.is_empty() {
            out.push(KIND_IMPORTS);
            write_u64(&mut out, self.imports.len() as u64);
            for import in &self.imports {
                write_str(&mut out, &import.namespace)?;
                write_str(&mut out, &import.name)?;
                write_u64(&mut out, import.function_type.into());
            }
        }
        if !self.adapters.is_empty() {
            out.push(KIND_ADAPTERS);
            write_u64(&mut out, self.adapters.len() as u64);
            for adapter in &self.adapters {
                write_u64(&mut out, adapter.function_type.into());
                write_u64(&mut out, adapter.instructions.len() as u64);
                for instruction in &adapter.instructions {
                    write_instruction(&mut out, instruction);
                }
            }
        }
        if !self.exports.is_empty() {
            out.push(KIND_EXPORTS);
            write_u64(&mut out, self.exports.len() as u64);
            for export in &self.exports {
                write_str(&mut out, &export.name)?;
                write_u64(&mut out, export.function_type.into());
            }
        }
        if !self.implementations.is_empty() {
            out.push(KIND_IMPLEMENTATIONS);
            write_u64(&mut out, self.implementations.len() as u64);
            for implementation in &self.implementations {
                write_u64(&mut out, implementation.core_function_type.into());
                write_u64(&mut out, implementation.adapter_function_type.into());
            }
        }
        Ok(out)
    }

    /// Reads a section's bytes. Every list is read item by item (a declared count allocates
    /// nothing), array types nest at most [`MAX_DECODED_TYPE_DEPTH`] deep, and the whole
    /// input must be consumed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Interfaces, ItError> {
        let mut r = Reader { bytes, at: 0 };
        let mut it = Interfaces {
            version: String::new(),
            types: Vec::new(),
            imports: Vec::new(),
            adapters: Vec::new(),
            exports: Vec::new(),
            implementations: Vec::new(),
        };
        let mut has_version = false;
        while r.at < bytes.len() {
            let kind_at = r.at;
            match r.byte()? {
                KIND_VERSION => {
                    it.version = r.string()?;
                    has_version = true;
                }
                KIND_TYPES => {
                    for _ in 0..r.count()? {
                        let ty = match r.byte()? {
                            TYPE_KIND_FUNCTION => {
                                let arguments = r.args()?;
                                let mut outputs = Vec::new();
                                for _ in 0..r.count()? {
                                    outputs.push(r.ty()?);
                                }
                                ItTypeDef::Function { arguments, outputs }
                            }
                            TYPE_KIND_RECORD => ItTypeDef::Record {
                                name: r.string()?,
                                fields: r.args()?,
                            },
                            other => return Err(r.error(format!("unknown type kind {other:#04x}"))),
                        };
                        it.types.push(ty);
                    }
                }
                KIND_IMPORTS => {
                    for _ in 0..r.count()? {
                        it.imports.push(ItImport {
                            namespace: r.string()?,
                            name: r.string()?,
                            function_type: r.u32()?,
                        });
                    }
                }
                KIND_ADAPTERS => {
                    for _ in 0..r.count()? {
                        let function_type = r.u32()?;
                        let mut instructions = Vec::new();
                        for _ in 0..r.count()? {
                            instructions.push(r.instruction()?);
                        }
                        it.adapters.push(ItAdapter {
                            function_type,
                            instructions,
                        });
                    }
                }
                KIND_EXPORTS => {
                    for _ in 0..r.count()? {
                        it.exports.push(ItExport {
                            name: r.string()?,
                            function_type: r.u32()?,
                        });
                    }
                }
                KIND_IMPLEMENTATIONS => {
                    for _ in 0..r.count()? {
                        it.implementations.push(ItImplementation {
                            core_function_type: r.u32()?,
                            adapter_function_type: r.u32()?,
                        });
                    }
                }
                other => {
                    return Err(ItError::Malformed {
                        offset: kind_at,
                        reason: format!("unknown interface kind {other:#04x}"),
                    })
                }
            }
        }
        if !has_version {
            return Err(r.error("no version".to_string()));
        }
        Ok(it)
    }

    /// The same interfaces under another version, for comparing sections written by
    /// different generator versions.
    pub fn with_version(mut self, version: &str) -> Interfaces {
        self.version = version.to_string();
        self
    }
}

impl fmt::Display for Interfaces {
    /// The text form printed by the official `marine it` (`wasmer-interface-types-fl`'s
    /// encoder): the version, then types (numbered), imports, adapters, exports and
    /// implementations, blank lines between the groups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, r#"(@interface it_version "{}")"#, self.version)?;
        f.write_str("\n\n")?;
        if !self.types.is_empty() {
            f.write_str(";; Types")?;
            for (id, ty) in self.types.iter().enumerate() {
                match ty {
                    ItTypeDef::Function { arguments, outputs } => {
                        f.write_str("\n(@interface type (func ")?;
                        if !arguments.is_empty() {
                            f.write_str("\n  (param")?;
                            for arg in arguments {
                                write!(f, " ${}: {}", arg.name, arg.ty)?;
                            }
                            f.write_str(")")?;
                        }
                        f.write_str(" ")?;
                        if !outputs.is_empty() {
                            f.write_str("\n  (result")?;
                            for output in outputs {
                                write!(f, " {output}")?;
                            }
                            f.write_str(")")?;
                        }
                        f.write_str("))")?;
                    }
                    ItTypeDef::Record { name, fields } => {
                        write!(f, "\n(@interface type (record ${name} (\n")?;
                        for field in fields {
                            writeln!(f, " field ${}: {}", field.name, field.ty)?;
                        }
                        f.write_str(")))")?;
                    }
                }
                write!(f, "   ;; {id}")?;
            }
        }
        f.write_str("\n\n")?;
        if !self.imports.is_empty() {
            f.write_str(";; Imports")?;
            for import in &self.imports {
                write!(
                    f,
                    "\n(@interface import \"{}\" \"{}\" (func (type {})))",
                    import.namespace, import.name, import.function_type
                )?;
            }
        }
        f.write_str("\n\n")?;
        if !self.adapters.is_empty() {
            f.write_str(";; Adapters")?;
            for adapter in &self.adapters {
                write!(f, "\n(@interface func (type {})", adapter.function_type)?;
                for instruction in &adapter.instructions {
                    write!(f, "\n  {instruction}")?;
                }
                f.write_str(")")?;
            }
        }
        f.write_str("\n\n")?;
        if !self.exports.is_empty() {
            f.write_str(";; Exports")?;
            for export in &self.exports {
                write!(
                    f,
                    "\n(@interface export \"{}\" (func {}))",
                    export.name, export.function_type
                )?;
            }
        }
        f.write_str("\n\n")?;
        if !self.implementations.is_empty() {
            f.write_str(";; Implementations")?;
            for implementation in &self.implementations {
                write!(
                    f,
                    "\n(@interface implement (func {}) (func {}))",
                    implementation.core_function_type, implementation.adapter_function_type
                )?;
            }
        }
        Ok(())
    }
}

struct Generator {
    it: Interfaces,
    /// Record name -> type index (declared, or referred to before its declaration).
    records: HashMap<String, usize>,
    /// Records referred to by a field but not (yet) declared, with the record using them.
    unresolved: Vec<(String, String)>,
}

impl Generator {
    fn push_type(&mut self, ty: ItTypeDef) -> u32 {
        self.it.types.push(ty);
        (self.it.types.len() - 1) as u32
    }

    /// A record declaration: fills the index a forward reference reserved, or takes the next.
    fn record(&mut self, record: &RecordAst) -> Result<(), ItError> {
        let fields = match &record.fields {
            RecordFields::Named(fields) | RecordFields::Unnamed(fields) => fields,
            // Unit records have no representation in the format; the official generator
            // leaves them out too.
            RecordFields::Unit => return Ok(()),
        };
        if fields.is_empty() {
            return Err(ItError::EmptyRecord(record.name.clone()));
        }
        let fields = fields
            .iter()
            .map(|field| ItArg {
                name: field.name.clone().unwrap_or_default(),
                ty: self.field_type(&field.ty, &record.name),
            })
            .collect();
        let def = ItTypeDef::Record {
            name: record.name.clone(),
            fields,
        };
        match self.records.get(&record.name) {
            Some(&index) => {
                self.it.types[index] = def;
                self.unresolved.retain(|(name, _)| name != &record.name);
            }
            None => {
                let index = self.push_type(def);
                self.records.insert(record.name.clone(), index as usize);
            }
        }
        Ok(())
    }

    /// A record field's type: a record not declared yet gets its index now (a placeholder
    /// filled by its declaration).
    fn field_type(&mut self, ty: &ParsedType, record: &str) -> ItType {
        match ty {
            ParsedType::Vector(inner, _) => match self.field_type(inner, record) {
                ItType::U8 => ItType::ByteArray,
                inner => ItType::Array(Box::new(inner)),
            },
            ParsedType::Record(name, _) => {
                if let Some(&index) = self.records.get(name) {
                    return ItType::Record(index as u64);
                }
                let index = self.push_type(ItTypeDef::Record {
                    name: String::new(),
                    fields: Vec::new(),
                });
                self.records.insert(name.clone(), index as usize);
                self.unresolved.push((name.clone(), record.to_string()));
                ItType::Record(index.into())
            }
            scalar => scalar_type(scalar).unwrap_or(ItType::I32),
        }
    }

    /// A function's argument or output type; every record must be declared.
    fn ty(&self, ty: &ParsedType, used_by: &str) -> Result<ItType, ItError> {
        Ok(match ty {
            ParsedType::Vector(inner, _) => match self.ty(inner, used_by)? {
                ItType::U8 => ItType::ByteArray,
                inner => ItType::Array(Box::new(inner)),
            },
            ParsedType::Record(name, _) => ItType::Record(self.record_id(name, used_by)?.into()),
            scalar => scalar_type(scalar).unwrap_or(ItType::I32),
        })
    }

    fn record_id(&self, name: &str, used_by: &str) -> Result<u32, ItError> {
        self.records
            .get(name)
            .map(|&index| index as u32)
            .ok_or_else(|| ItError::UnknownRecord {
                record: name.to_string(),
                used_by: used_by.to_string(),
            })
    }

    fn signature_types(&self, sig: &FnSignature) -> Result<(Vec<ItArg>, Vec<ItType>), ItError> {
        let arguments = sig
            .arguments
            .iter()
            .map(|arg| {
                Ok(ItArg {
                    name: arg.name.clone(),
                    ty: self.ty(&arg.ty, &sig.name)?,
                })
            })
            .collect::<Result<Vec<_>, ItError>>()?;
        let outputs = sig
            .output_types
            .iter()
            .map(|ty| self.ty(ty, &sig.name))
            .collect::<Result<Vec<_>, ItError>>()?;
        Ok((arguments, outputs))
    }

    /// A `#[marine]` function: two identical types (adapter k, export k+1), the export, the
    /// adapter (lower the arguments, call the export, lift the output, release) and the
    /// implementation (§6.3, §6.4).
    fn export(&mut self, sig: &FnSignature) -> Result<(), ItError> {
        let (arguments, outputs) = self.signature_types(sig)?;
        let def = ItTypeDef::Function { arguments, outputs };
        let adapter_type = self.push_type(def.clone());
        let export_type = self.push_type(def);
        self.it.exports.push(ItExport {
            name: sig.name.clone(),
            function_type: export_type,
        });
        let export_index = (self.it.exports.len() - 1) as u32;

        let mut code = Vec::new();
        for (index, arg) in sig.arguments.iter().enumerate() {
            let index = index as u32;
            code.push(Instruction::ArgumentGet { index });
            match &arg.ty {
                ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => code.extend([
                    Instruction::Simple(op::STRING_SIZE),
                    Instruction::PushI32 { value: 1 },
                    Instruction::CallCore {
                        function_index: ALLOCATE,
                    },
                    Instruction::ArgumentGet { index },
                    Instruction::Simple(op::STRING_LOWER),
                ]),
                ParsedType::Vector(inner, _) => code.push(Instruction::ArrayLowerMemory {
                    value_type: self.ty(inner, &sig.name)?,
                }),
                ParsedType::Record(name, _) => code.push(Instruction::RecordLowerMemory {
                    record_type_id: self.record_id(name, &sig.name)?,
                }),
                scalar => code.extend(to_wasm_conversion(scalar).map(Instruction::Simple)),
            }
        }
        code.push(Instruction::CallCore {
            function_index: export_index,
        });
        let mut complex_output = false;
        for output in &sig.output_types {
            match output {
                ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => code.extend([
                    Instruction::CallCore {
                        function_index: GET_RESULT_PTR,
                    },
                    Instruction::CallCore {
                        function_index: GET_RESULT_SIZE,
                    },
                    Instruction::Simple(op::STRING_LIFT),
                ]),
                ParsedType::Vector(inner, _) => {
                    code.extend([
                        Instruction::CallCore {
                            function_index: GET_RESULT_PTR,
                        },
                        Instruction::CallCore {
                            function_index: GET_RESULT_SIZE,
                        },
                    ]);
                    code.push(match self.ty(inner, &sig.name)? {
                        ItType::U8 => Instruction::Simple(op::BYTE_ARRAY_LIFT),
                        value_type => Instruction::ArrayLiftMemory { value_type },
                    });
                }
                ParsedType::Record(name, _) => code.extend([
                    Instruction::CallCore {
                        function_index: GET_RESULT_PTR,
                    },
                    Instruction::RecordLiftMemory {
                        record_type_id: self.record_id(name, &sig.name)?,
                    },
                ]),
                scalar => code.extend(from_wasm_conversion(scalar).map(Instruction::Simple)),
            }
            complex_output |= is_complex(output);
        }
        if complex_output {
            code.push(Instruction::CallCore {
                function_index: RELEASE_OBJECTS,
            });
        }
        self.it.adapters.push(ItAdapter {
            function_type: adapter_type,
            instructions: code,
        });
        self.it.implementations.push(ItImplementation {
            core_function_type: export_type,
            adapter_function_type: adapter_type,
        });
        Ok(())
    }

    /// A function imported from another module: its IT type k, the raw wasm type twice (k+1
    /// for the adapter, k+2 for the core import), two import entries (types k and k+2), the
    /// adapter (lift the caller's arguments, release, call, lower the result into the caller)
    /// and the implementation (§6.3, §6.4).
    fn import(&mut self, namespace: &str, import: &ExternFnType) -> Result<(), ItError> {
        let sig = &import.signature;
        let (arguments, outputs) = self.signature_types(sig)?;
        let it_type = self.push_type(ItTypeDef::Function { arguments, outputs });
        let mut raw_arguments = Vec::new();
        for arg in &sig.arguments {
            let ty = match &arg.ty {
                ParsedType::I64(_) | ParsedType::U64(_) => vec![ItType::I64],
                ParsedType::F32(_) => vec![ItType::F32],
                ParsedType::F64(_) => vec![ItType::F64],
                // Both halves of a (pointer, length) pair carry the same name, as in the
                // official generator.
                ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) | ParsedType::Vector(..) => {
                    vec![ItType::I32, ItType::I32]
                }
                _ => vec![ItType::I32],
            };
            let name = if ty.len() == 2 {
                format!("{}_ptr", arg.name)
            } else {
                arg.name.clone()
            };
            raw_arguments.extend(ty.into_iter().map(|ty| ItArg {
                name: name.clone(),
                ty,
            }));
        }
        // Raw outputs are written with the signed types (s32, s64), as the official
        // generator does; complex outputs return nothing (they go through set_result_*).
        let raw_outputs: Vec<ItType> = sig
            .output_types
            .iter()
            .filter_map(|ty| match ty {
                ParsedType::I64(_) | ParsedType::U64(_) => Some(ItType::S64),
                ParsedType::F32(_) => Some(ItType::F32),
                ParsedType::F64(_) => Some(ItType::F64),
                t if is_complex(t) => None,
                _ => Some(ItType::S32),
            })
            .collect();
        let raw = ItTypeDef::Function {
            arguments: raw_arguments,
            outputs: raw_outputs,
        };
        let adapter_type = self.push_type(raw.clone());
        let core_type = self.push_type(raw);
        for function_type in [it_type, core_type] {
            self.it.imports.push(ItImport {
                namespace: namespace.to_string(),
                name: import.import_name().to_string(),
                function_type,
            });
        }

        let mut code = Vec::new();
        let mut index = 0u32;
        let mut complex_argument = false;
        for arg in &sig.arguments {
            code.push(Instruction::ArgumentGet { index });
            index += 1;
            match &arg.ty {
                ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => {
                    code.push(Instruction::ArgumentGet { index });
                    code.push(Instruction::Simple(op::STRING_LIFT));
                    index += 1;
                }
                ParsedType::Vector(inner, _) => {
                    code.push(Instruction::ArgumentGet { index });
                    code.push(match self.ty(inner, &sig.name)? {
                        ItType::U8 => Instruction::Simple(op::BYTE_ARRAY_LIFT),
                        value_type => Instruction::ArrayLiftMemory { value_type },
                    });
                    index += 1;
                }
                ParsedType::Record(name, _) => code.push(Instruction::RecordLiftMemory {
                    record_type_id: self.record_id(name, &sig.name)?,
                }),
                scalar => code.extend(from_wasm_conversion(scalar).map(Instruction::Simple)),
            }
            complex_argument |= is_complex(&arg.ty);
        }
        if complex_argument {
            code.push(Instruction::CallCore {
                function_index: RELEASE_OBJECTS,
            });
        }
        // The runtime numbers the adapted imports after the exports.
        let import_index = (self.it.exports.len() + self.it.imports.len() / 2 - 1) as u32;
        code.push(Instruction::CallCore {
            function_index: import_index,
        });
        for output in &sig.output_types {
            match output {
                ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => code.extend([
                    Instruction::Simple(op::DUP),
                    Instruction::Simple(op::STRING_SIZE),
                    Instruction::PushI32 { value: 1 },
                    Instruction::CallCore {
                        function_index: ALLOCATE,
                    },
                    Instruction::Simple(op::SWAP2),
                    Instruction::Simple(op::STRING_LOWER),
                    Instruction::CallCore {
                        function_index: SET_RESULT_SIZE,
                    },
                    Instruction::CallCore {
                        function_index: SET_RESULT_PTR,
                    },
                ]),
                ParsedType::Vector(inner, _) => code.extend([
                    Instruction::ArrayLowerMemory {
                        value_type: self.ty(inner, &sig.name)?,
                    },
                    Instruction::CallCore {
                        function_index: SET_RESULT_SIZE,
                    },
                    Instruction::CallCore {
                        function_index: SET_RESULT_PTR,
                    },
                ]),
                ParsedType::Record(name, _) => code.extend([
                    Instruction::RecordLowerMemory {
                        record_type_id: self.record_id(name, &sig.name)?,
                    },
                    Instruction::CallCore {
                        function_index: SET_RESULT_PTR,
                    },
                ]),
                scalar => code.extend(to_wasm_conversion(scalar).map(Instruction::Simple)),
            }
        }
        self.it.adapters.push(ItAdapter {
            function_type: adapter_type,
            instructions: code,
        });
        self.it.implementations.push(ItImplementation {
            core_function_type: core_type,
            adapter_function_type: adapter_type,
        });
        Ok(())
    }
}

fn is_complex(ty: &ParsedType) -> bool {
    matches!(
        ty,
        ParsedType::Utf8Str(_)
            | ParsedType::Utf8String(_)
            | ParsedType::Vector(..)
            | ParsedType::Record(..)
    )
}

/// The IT type of a scalar (`None` for strings, vectors and records).
fn scalar_type(ty: &ParsedType) -> Option<ItType> {
    Some(match ty {
        ParsedType::Boolean(_) => ItType::Boolean,
        ParsedType::I8(_) => ItType::S8,
        ParsedType::I16(_) => ItType::S16,
        ParsedType::I32(_) => ItType::S32,
        ParsedType::I64(_) => ItType::S64,
        ParsedType::U8(_) => ItType::U8,
        ParsedType::U16(_) => ItType::U16,
        ParsedType::U32(_) => ItType::U32,
        ParsedType::U64(_) => ItType::U64,
        ParsedType::F32(_) => ItType::F32,
        ParsedType::F64(_) => ItType::F64,
        ParsedType::Utf8Str(_) | ParsedType::Utf8String(_) => ItType::String,
        ParsedType::Vector(..) | ParsedType::Record(..) => return None,
        // Refused by `Interfaces::from_metadata` before any type is looked at.
        ParsedType::Option(..) | ParsedType::Result(..) | ParsedType::Tuple(..) => return None,
    })
}

/// The conversion of a scalar IT value to its wasm value (`None` for floats, which need none).
fn to_wasm_conversion(ty: &ParsedType) -> Option<u8> {
    match ty {
        ParsedType::Boolean(_) => Some(op::I32_FROM_BOOL),
        ParsedType::I8(_) => Some(op::I32_FROM_S8),
        ParsedType::I16(_) => Some(op::I32_FROM_S16),
        ParsedType::I32(_) => Some(op::I32_FROM_S32),
        ParsedType::I64(_) => Some(op::I64_FROM_S64),
        ParsedType::U8(_) => Some(op::I32_FROM_U8),
        ParsedType::U16(_) => Some(op::I32_FROM_U16),
        ParsedType::U32(_) => Some(op::I32_FROM_U32),
        ParsedType::U64(_) => Some(op::I64_FROM_U64),
        _ => None,
    }
}

/// The conversion of a scalar wasm value to its IT value (`None` for floats).
fn from_wasm_conversion(ty: &ParsedType) -> Option<u8> {
    match ty {
        ParsedType::Boolean(_) => Some(op::BOOL_FROM_I32),
        ParsedType::I8(_) => Some(op::S8_FROM_I32),
        ParsedType::I16(_) => Some(op::S16_FROM_I32),
        ParsedType::I32(_) => Some(op::S32_FROM_I32),
        ParsedType::I64(_) => Some(op::S64_FROM_I64),
        ParsedType::U8(_) => Some(op::U8_FROM_I32),
        ParsedType::U16(_) => Some(op::U16_FROM_I32),
        ParsedType::U32(_) => Some(op::U32_FROM_I32),
        ParsedType::U64(_) => Some(op::U64_FROM_I64),
        _ => None,
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), ItError> {
    let len = u8::try_from(s.len()).map_err(|_| ItError::NameTooLong {
        name: s.chars().take(64).collect(),
        len: s.len(),
    })?;
    out.push(len);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn write_args(out: &mut Vec<u8>, args: &[ItArg]) -> Result<(), ItError> {
    write_u64(out, args.len() as u64);
    for arg in args {
        write_str(out, &arg.name)?;
        write_type(out, &arg.ty);
    }
    Ok(())
}

/// Writes a type; array nesting is written in a loop.
fn write_type(out: &mut Vec<u8>, ty: &ItType) {
    let mut ty = ty;
    while let ItType::Array(inner) = ty {
        out.push(TYPE_ARRAY);
        ty = inner;
    }
    match ty {
        ItType::Record(id) => {
            out.push(TYPE_RECORD);
            write_u64(out, *id);
        }
        simple => {
            let code = SIMPLE_TYPES
                .iter()
                .find(|(t, _, _)| t == simple)
                .map_or(0, |(_, code, _)| *code);
            out.push(code);
        }
    }
}

fn write_instruction(out: &mut Vec<u8>, instruction: &Instruction) {
    match instruction {
        Instruction::ArgumentGet { index } => {
            out.push(OP_ARG_GET);
            write_u64(out, (*index).into());
        }
        Instruction::CallCore { function_index } => {
            out.push(OP_CALL_CORE);
            write_u64(out, (*function_index).into());
        }
        Instruction::Simple(code) => out.push(*code),
        Instruction::ArrayLiftMemory { value_type } => {
            out.push(OP_ARRAY_LIFT);
            write_type(out, value_type);
        }
        Instruction::ArrayLowerMemory { value_type } => {
            out.push(OP_ARRAY_LOWER);
            write_type(out, value_type);
        }
        Instruction::RecordLiftMemory { record_type_id } => {
            out.push(OP_RECORD_LIFT);
            write_u64(out, (*record_type_id).into());
        }
        Instruction::RecordLowerMemory { record_type_id } => {
            out.push(OP_RECORD_LOWER);
            write_u64(out, (*record_type_id).into());
        }
        // The official encoder writes the pushed values as unsigned LEB128 of their 64-bit
        // two's complement.
        Instruction::PushI32 { value } => {
            out.push(OP_PUSH_I32);
            write_u64(out, i64::from(*value) as u64);
        }
        Instruction::PushI64 { value } => {
            out.push(OP_PUSH_I64);
            write_u64(out, *value as u64);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, reason: String) -> ItError {
        ItError::Malformed {
            offset: self.at,
            reason,
        }
    }

    fn byte(&mut self) -> Result<u8, ItError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.error("unexpected end".to_string()))?;
        self.at += 1;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, ItError> {
        let start = self.at;
        read_unsigned(self.bytes, &mut self.at, 64).map_err(|e| ItError::Malformed {
            offset: start,
            reason: e.to_string(),
        })
    }

    fn u32(&mut self) -> Result<u32, ItError> {
        let start = self.at;
        read_unsigned(self.bytes, &mut self.at, 32)
            .map(|v| v as u32)
            .map_err(|e| ItError::Malformed {
                offset: start,
                reason: e.to_string(),
            })
    }

    /// A list's item count: every item takes at least one byte, so a count above the bytes
    /// left is refused before reading any item.
    fn count(&mut self) -> Result<u64, ItError> {
        let start = self.at;
        let count = self.u64()?;
        if count > (self.bytes.len() - self.at) as u64 {
            return Err(ItError::Malformed {
                offset: start,
                reason: format!("a list of {count} items in a shorter input"),
            });
        }
        Ok(count)
    }

    fn string(&mut self) -> Result<String, ItError> {
        let len = usize::from(self.byte()?);
        let end = self.at + len;
        let bytes = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| self.error("a string runs past the end".to_string()))?;
        let s = std::str::from_utf8(bytes)
            .map_err(|_| self.error("a string is not UTF-8".to_string()))?
            .to_string();
        self.at = end;
        Ok(s)
    }

    fn ty(&mut self) -> Result<ItType, ItError> {
        let mut depth = 0;
        let mut code = self.byte()?;
        while code == TYPE_ARRAY {
            depth += 1;
            if depth > MAX_DECODED_TYPE_DEPTH {
                return Err(self.error(format!(
                    "array types nested more than {MAX_DECODED_TYPE_DEPTH} deep"
                )));
            }
            code = self.byte()?;
        }
        let mut ty = if code == TYPE_RECORD {
            ItType::Record(self.u64()?)
        } else {
            SIMPLE_TYPES
                .iter()
                .find(|(_, c, _)| *c == code)
                .map(|(t, _, _)| t.clone())
                .ok_or_else(|| self.error(format!("unknown type code {code:#04x}")))?
        };
        for _ in 0..depth {
            ty = ItType::Array(Box::new(ty));
        }
        Ok(ty)
    }

    fn args(&mut self) -> Result<Vec<ItArg>, ItError> {
        let mut args = Vec::new();
        for _ in 0..self.count()? {
            args.push(ItArg {
                name: self.string()?,
                ty: self.ty()?,
            });
        }
        Ok(args)
    }

    fn instruction(&mut self) -> Result<Instruction, ItError> {
        let code = self.byte()?;
        Ok(match code {
            OP_ARG_GET => Instruction::ArgumentGet { index: self.u32()? },
            OP_CALL_CORE => Instruction::CallCore {
                function_index: self.u32()?,
            },
            OP_ARRAY_LIFT => Instruction::ArrayLiftMemory {
                value_type: self.ty()?,
            },
            OP_ARRAY_LOWER => Instruction::ArrayLowerMemory {
                value_type: self.ty()?,
            },
            OP_RECORD_LIFT => Instruction::RecordLiftMemory {
                record_type_id: self.u32()?,
            },
            OP_RECORD_LOWER => Instruction::RecordLowerMemory {
                record_type_id: self.u32()?,
            },
            OP_PUSH_I32 => Instruction::PushI32 {
                value: self.u64()? as i32,
            },
            OP_PUSH_I64 => Instruction::PushI64 {
                value: self.u64()? as i64,
            },
            code if SIMPLE_INSTRUCTIONS.iter().any(|(c, _)| *c == code) => {
                Instruction::Simple(code)
            }
            other => return Err(self.error(format!("unknown instruction {other:#04x}"))),
        })
    }
}

#[cfg(test)]
mod tests;
