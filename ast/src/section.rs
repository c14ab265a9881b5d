//! The metadata a `#[marine]` item leaves in its wasm module, and the other custom sections.
//!
//! Every `#[marine]` function, record and extern block embeds one JSON document in a custom
//! section named [`GENERATED_SECTION_PREFIX`]` + <name>`. The schema (field names, enum tags,
//! order) is the one of the official Marine SDK 0.14 (guest ABI reference §4.1), so modules built
//! with either SDK describe themselves identically. The macro serializes these types; the runtime
//! and `#[marine_test]` deserialize them.

use serde::{Deserialize, Serialize};

/// Prefix of every metadata custom section.
pub const GENERATED_SECTION_PREFIX: &str = "__m_generated_section__";
/// Prefix used by FCE-era modules; still accepted when reading.
pub const GENERATED_SECTION_PREFIX_FCE: &str = "__fce_generated_section__";
/// Custom section holding the bare semver of the SDK that built the module.
pub const SDK_VERSION_SECTION: &str = "__fluence_sdk_version";
/// Custom section holding the optional module manifest.
pub const MANIFEST_SECTION: &str = "__fluence_wasm_module_manifest";

/// One metadata document: the top level is internally tagged by `ast_type`.
///
/// With the `json` feature, reading it takes the documents' usual shape, the tag first as
/// every SDK writes it, straight to the variant's body; serde's derived reader for an
/// internally tagged enum first copies the whole document into a tree, which was most of
/// reading a module's interface. A document with the tag elsewhere is still read (through a
/// `serde_json::Value`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(feature = "json"), derive(Deserialize))]
#[serde(tag = "ast_type")]
pub enum SDKAst {
    /// An exported `#[marine] fn`.
    Function(FnSignatureAst),
    /// A `#[marine] extern` block of imports.
    ExternMod(ExternModAst),
    /// A `#[marine] struct`.
    Record(RecordAst),
    /// A `#[marine] enum` (extension, `docs/abi-extensions.md`; unknown to the official
    /// toolchain, which refuses the module).
    Enum(EnumAst),
}

/// The reader of [`SDKAst`] (see there).
#[cfg(feature = "json")]
mod read_tagged {
    use super::{EnumAst, ExternModAst, FnSignatureAst, RecordAst, SDKAst};
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    const TAG: &str = "ast_type";
    const VARIANTS: &[&str] = &["Function", "ExternMod", "Record", "Enum"];

    impl<'de> Deserialize<'de> for SDKAst {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_map(DocumentVisitor)
        }
    }

    /// The variant named by a tag, its body read from `body`.
    fn variant<'de, D: Deserializer<'de>>(tag: &str, body: D) -> Result<SDKAst, D::Error> {
        Ok(match tag {
            "Function" => SDKAst::Function(FnSignatureAst::deserialize(body)?),
            "ExternMod" => SDKAst::ExternMod(ExternModAst::deserialize(body)?),
            "Record" => SDKAst::Record(RecordAst::deserialize(body)?),
            "Enum" => SDKAst::Enum(EnumAst::deserialize(body)?),
            other => return Err(de::Error::unknown_variant(other, VARIANTS)),
        })
    }

    struct DocumentVisitor;

    impl<'de> Visitor<'de> for DocumentVisitor {
        type Value = SDKAst;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a metadata document (an object tagged by `{TAG}`)")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SDKAst, A::Error> {
            let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                return Err(de::Error::missing_field(TAG));
            };
            if first == TAG {
                let tag = map.next_value::<std::borrow::Cow<'de, str>>()?;
                return variant(&tag, de::value::MapAccessDeserializer::new(map));
            }
            // The tag elsewhere: the whole document as a tree, then the variant from it.
            let mut doc = serde_json::Map::new();
            doc.insert(first.into_owned(), map.next_value()?);
            while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                doc.insert(key, value);
            }
            let tag = match doc.remove(TAG) {
                Some(serde_json::Value::String(tag)) => tag,
                Some(_) => return Err(de::Error::custom(format!("`{TAG}` is not a string"))),
                None => return Err(de::Error::missing_field(TAG)),
            };
            variant(&tag, serde_json::Value::Object(doc)).map_err(de::Error::custom)
        }
    }
}

/// Body of [`SDKAst::Enum`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumAst {
    /// The enum's short (last path segment) name.
    pub name: String,
    /// Its variants, in declaration order (the order gives the discriminants).
    pub variants: Vec<EnumVariantAst>,
}

/// One variant of an [`EnumAst`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumVariantAst {
    /// The variant's name.
    pub name: String,
    /// Its payload: `Unit`, `Unnamed` (tuple variant) or `Named` (struct variant).
    pub fields: RecordFields,
}

/// Body of [`SDKAst::Function`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnSignatureAst {
    /// The exported function.
    pub signature: FnSignature,
}

/// Body of [`SDKAst::ExternMod`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternModAst {
    /// The wasm import module name.
    pub namespace: String,
    /// The functions imported from it.
    pub imports: Vec<ExternFnType>,
}

/// Body of [`SDKAst::Record`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAst {
    /// The record's short (last path segment) name.
    pub name: String,
    /// Its fields, in declaration order.
    pub fields: RecordFields,
}

/// A function's name, arguments and (zero or one) output types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnSignature {
    /// The function's name (its wasm export or import name unless `link_name` says otherwise).
    pub name: String,
    /// Its arguments, in order.
    pub arguments: Vec<FnArgument>,
    /// Its output: empty or one type.
    pub output_types: Vec<ParsedType>,
}

/// One function argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnArgument {
    /// The argument's name.
    pub name: String,
    /// Its type.
    pub ty: ParsedType,
}

/// One imported function: `link_name` is the wasm import field when it differs from the name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternFnType {
    /// The `#[link_name]` given, if any.
    pub link_name: Option<String>,
    /// The imported function's Rust signature.
    pub signature: FnSignature,
}

impl ExternFnType {
    /// The wasm import field name: `link_name`, or else the Rust name.
    pub fn import_name(&self) -> &str {
        self.link_name.as_deref().unwrap_or(&self.signature.name)
    }
}

/// Fields of a record. The macro only produces `Named`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordFields {
    /// A struct with named fields.
    Named(Vec<RecordField>),
    /// A tuple struct (never produced by the macro; accepted when reading).
    Unnamed(Vec<RecordField>),
    /// A unit struct (never produced by the macro; accepted when reading).
    Unit,
}

impl RecordFields {
    /// The fields, whatever the form (`Unit` has none).
    pub fn fields(&self) -> &[RecordField] {
        match self {
            RecordFields::Named(f) | RecordFields::Unnamed(f) => f,
            RecordFields::Unit => &[],
        }
    }
}

/// One record field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordField {
    /// The field's name (`None` only in `Unnamed` records).
    pub name: Option<String>,
    /// Its type.
    pub ty: ParsedType,
}

/// How a value is passed: the outer type's reference kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PassingStyle {
    /// `T`.
    ByValue,
    /// `&T`.
    ByRef,
    /// `&mut T`.
    ByMutRef,
}

/// A supported Rust type, externally tagged as in the official SDK.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParsedType {
    /// `i8`.
    I8(PassingStyle),
    /// `i16`.
    I16(PassingStyle),
    /// `i32`.
    I32(PassingStyle),
    /// `i64`.
    I64(PassingStyle),
    /// `u8`.
    U8(PassingStyle),
    /// `u16`.
    U16(PassingStyle),
    /// `u32`.
    U32(PassingStyle),
    /// `u64`.
    U64(PassingStyle),
    /// `f32`.
    F32(PassingStyle),
    /// `f64`.
    F64(PassingStyle),
    /// `bool`.
    Boolean(PassingStyle),
    /// `str` (always behind a reference).
    Utf8Str(PassingStyle),
    /// `String`.
    Utf8String(PassingStyle),
    /// `Vec<T>`.
    Vector(Box<ParsedType>, PassingStyle),
    /// A record, or a `#[marine]` enum (extension), by its short (last path segment) name: the
    /// macro sees only the type's path, so the reader resolves the name among the module's
    /// records and enums.
    Record(String, PassingStyle),
    /// `Option<T>` (extension, `docs/abi-extensions.md`).
    Option(Box<ParsedType>, PassingStyle),
    /// `Result<T, E>` (extension).
    Result(Box<ParsedType>, Box<ParsedType>, PassingStyle),
    /// A tuple `(A, B, ..)` (extension).
    Tuple(Vec<ParsedType>, PassingStyle),
}

impl ParsedType {
    /// The passing style of the outer type.
    pub fn passing_style(&self) -> PassingStyle {
        use ParsedType::*;
        match self {
            I8(p) | I16(p) | I32(p) | I64(p) | U8(p) | U16(p) | U32(p) | U64(p) | F32(p)
            | F64(p) | Boolean(p) | Utf8Str(p) | Utf8String(p) => *p,
            Vector(_, p) | Record(_, p) | Option(_, p) | Result(_, _, p) | Tuple(_, p) => *p,
        }
    }

    /// True when this type is or contains `Option`, `Result` or a tuple, which the official
    /// toolchain cannot read. Named types are not looked into: a `Record` tag may name an enum,
    /// whose own document is what the official toolchain refuses.
    pub fn uses_extensions(&self) -> bool {
        use ParsedType::*;
        match self {
            I8(_) | I16(_) | I32(_) | I64(_) | U8(_) | U16(_) | U32(_) | U64(_) | F32(_)
            | F64(_) | Boolean(_) | Utf8Str(_) | Utf8String(_) | Record(..) => false,
            Vector(elem, _) => elem.uses_extensions(),
            Option(..) | Result(..) | Tuple(..) => true,
        }
    }
}

impl SDKAst {
    /// True when this document uses the ABI extensions (`docs/abi-extensions.md`): it is an
    /// enum, or a type it names is or contains `Option`, `Result` or a tuple. The official
    /// toolchain refuses such a document ([`OFFICIAL_REFUSAL_PREFIX`]); a document that only
    /// names an enum is refused with the enum's own document, in the same module.
    pub fn uses_extensions(&self) -> bool {
        let fields_use =
            |fields: &RecordFields| fields.fields().iter().any(|f| f.ty.uses_extensions());
        let signature_uses = |s: &FnSignature| {
            s.arguments.iter().any(|a| a.ty.uses_extensions())
                || s.output_types.iter().any(ParsedType::uses_extensions)
        };
        match self {
            SDKAst::Function(f) => signature_uses(&f.signature),
            SDKAst::ExternMod(m) => m.imports.iter().any(|i| signature_uses(&i.signature)),
            SDKAst::Record(r) => fields_use(&r.fields),
            SDKAst::Enum(_) => true,
        }
    }
}

/// How the official toolchain's error begins when it reads a document that uses the ABI
/// extensions: `marine build` (its `marine-it-generator`) deserializes every metadata section
/// into its own schema, which lacks the new tags, and stops with
/// ``Embedded by rust-sdk metadata couldn't be parsed by serde: Error("unknown variant `Option`,
/// expected one of `I8`, ..., `Record`", line: 0, column: 0)`` (or ``unknown variant `Enum`,
/// expected one of `Function`, `ExternMod`, `Record` `` for an enum's own section). Without
/// `marine build` there is no `interface-types` section, and the official runtime refuses to
/// load the module at all (`NoITSection`).
pub const OFFICIAL_REFUSAL_PREFIX: &str =
    "Embedded by rust-sdk metadata couldn't be parsed by serde";

/// Error from [`parse_section`].
#[cfg(feature = "json")]
#[derive(Debug)]
pub struct SectionParseError {
    /// Byte offset in the section where parsing failed.
    pub offset: usize,
    /// What serde_json reported there.
    pub source: serde_json::Error,
}

#[cfg(feature = "json")]
impl std::fmt::Display for SectionParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid metadata JSON at byte {}: {}",
            self.offset, self.source
        )
    }
}

#[cfg(feature = "json")]
impl std::error::Error for SectionParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(feature = "json")]
/// Parses one metadata section's bytes.
///
/// The linker concatenates sections with the same name (two extern blocks importing from the same
/// module), so a section may hold several JSON documents back to back; all are returned.
pub fn parse_section(bytes: &[u8]) -> Result<Vec<SDKAst>, SectionParseError> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<SDKAst>();
    let mut items = Vec::new();
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => return Ok(items),
            Some(Ok(item)) => items.push(item),
            Some(Err(source)) => return Err(SectionParseError { offset, source }),
        }
    }
}

/// True when a custom section name is a metadata section of either prefix.
pub fn is_generated_section(name: &str) -> bool {
    name.starts_with(GENERATED_SECTION_PREFIX) || name.starts_with(GENERATED_SECTION_PREFIX_FCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: &str = r#"{"ast_type":"Function","signature":{"name":"greeting","arguments":[{"name":"name","ty":{"Utf8String":"ByValue"}}],"output_types":[{"Utf8String":"ByValue"}]}}"#;
    const OUTER: &str = r#"{"ast_type":"Record","name":"Outer","fields":{"Named":[{"name":"a","ty":{"I32":"ByValue"}},{"name":"s","ty":{"Utf8String":"ByValue"}},{"name":"bytes","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}},{"name":"inner","ty":{"Record":["Inner","ByValue"]}}]}}"#;
    const EXTERN: &str = r#"{"ast_type":"ExternMod","namespace":"records_effector","imports":[{"link_name":null,"signature":{"name":"mutate_struct","arguments":[{"name":"test_record","ty":{"Record":["TestRecord","ByValue"]}}],"output_types":[{"Record":["TestRecord","ByValue"]}]}}]}"#;

    #[test]
    fn reference_examples_round_trip_byte_exact() {
        for doc in [GREETING, OUTER, EXTERN] {
            let parsed: SDKAst = serde_json::from_str(doc).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), doc);
        }
    }

    #[test]
    fn the_tag_is_found_anywhere_and_a_wrong_one_is_refused() {
        let moved = r#"{"name":"Outer","ast_type":"Record","fields":{"Named":[]}}"#;
        let parsed: SDKAst = serde_json::from_str(moved).unwrap();
        assert!(matches!(&parsed, SDKAst::Record(r) if r.name == "Outer"));
        let last =
            r#"{"signature":{"name":"f","arguments":[],"output_types":[]},"ast_type":"Function"}"#;
        assert!(matches!(
            serde_json::from_str::<SDKAst>(last).unwrap(),
            SDKAst::Function(_)
        ));
        for (doc, says) in [
            (
                r#"{"ast_type":"Nope","name":"x"}"#,
                "unknown variant `Nope`",
            ),
            (
                r#"{"name":"x","ast_type":"Nope"}"#,
                "unknown variant `Nope`",
            ),
            (r#"{"name":"x"}"#, "missing field `ast_type`"),
            (r#"{}"#, "missing field `ast_type`"),
            (r#"{"name":"x","ast_type":7}"#, "`ast_type` is not a string"),
            (
                r#"{"ast_type":"Record","name":"x"}"#,
                "missing field `fields`",
            ),
            (r#"[1]"#, "a metadata document"),
        ] {
            let e = serde_json::from_str::<SDKAst>(doc).unwrap_err().to_string();
            assert!(e.contains(says), "{doc}: {e}");
        }
    }

    #[test]
    fn concatenated_documents_are_all_read() {
        let joined = format!("{EXTERN}{EXTERN}");
        let items = parse_section(joined.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn garbage_reports_offset() {
        let joined = format!("{GREETING}{{oops");
        let err = parse_section(joined.as_bytes()).unwrap_err();
        assert_eq!(err.offset, GREETING.len());
    }
}
