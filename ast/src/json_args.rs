//! JSON arguments lowered straight into a guest, without a value tree in between.
//!
//! [`crate::json::json_to_ivalues`] builds `IValue`s from a parsed `serde_json::Value`; this
//! module instead drives the JSON parser with the function's signature (a serde
//! [`DeserializeSeed`] per interface type) and keeps, as it parses, only what goes into the
//! guest: the bytes of its buffers (a string from the parser's buffer, a byte array byte by
//! byte, an array's or record's packed wire bytes), one after the other in one host arena.
//! The input is JSON text or an already parsed `serde_json::Value` ([`JsonInput`]); both
//! follow the rules of [`crate::json`] and give the same answers and error texts, with three
//! differences: inside one argument the first problem in the text's order is reported, a key
//! given twice in an object is an error (the tree form kept the last one), and a record given
//! as an array of the wrong length is described by its length (`got array of 3 element(s)`).
//!
//! The text is parsed once. [`prepare`] checks the whole input against the signature without
//! touching the guest (types, integer ranges, arity, names), picks the form the arguments
//! take (positional array, object by name, a bare value; a one-argument function may take a
//! whole array or object) and keeps the buffers of arguments that fit. Only then does
//! [`PreparedArguments::lower`] allocate and write them in the guest (pointers between
//! buffers are placeholders until then), so a wrong argument never leaves buffers allocated
//! in the guest. A tree ([`JsonInput::Value`]) whose arguments all fit their types is written
//! by one walk over the tree instead (its lengths are known without a pass): only a tree that
//! does not fit goes through the checking pass, which gives the error.
//!
//! Which JSON each type takes is defined once, in `crate::json_forms`, for every walk over a
//! tree: `crate::json`'s conversion, `fits` and the recording of a fitting tree. The
//! streaming text path shares what it can of it: the scalar rules (the strings of non-finite
//! floats, `f32`'s range), the texts of its messages, and, for the ABI extension types,
//! everything (it reads such a value into a bounded tree and checks it with those walks). Its
//! strings, numbers, byte arrays, arrays and records are visited token by token as the parser
//! meets them (so they are never built as a tree): their forms are written again here, as
//! serde visitors, and the tests hold both paths to the same answers.
//!
//! Hostile input is bounded: the parser's nesting limit (128) applies to text; the seeds
//! recurse only as deep as the argument's type (bounded by `Limits::max_type_depth`), and
//! the rendering of a mismatched value for an error message stops after 40 characters.
//! Every allocation in the guest goes through its `allocate`, which enforces its memory
//! limits; the host arena holds the lowered arguments, which grow only with the bytes
//! actually parsed (at most 8 bytes of inline wire bytes and one buffer record per value
//! given).

use std::fmt::{self, Write as _};

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::abi::{
    case_fields, element_tag, record_size, tuple_size, wire_size, BYTES_TAG, DISCRIMINANT_SIZE,
};
use crate::error::AbiError;
use crate::json::JsonArgsError;
use crate::json_forms::{self as forms, truncated, Fields, Payload, PREVIEW_LEN};
use crate::memory::GuestMemoryMut;
use crate::types::{FunctionSignature, IRecordField, IRecordType, IType};
use crate::WasmValue;

/// How deep a value of an ABI extension type is read into a tree from a tree input (from
/// text, the parser's nesting limit of 128 bounds it already).
const TREE_DEPTH: usize = 128;

/// JSON arguments: text, or an already parsed tree.
#[derive(Clone, Copy, Debug)]
pub enum JsonInput<'a> {
    /// JSON text.
    Text(&'a str),
    /// A parsed JSON value.
    Value(&'a Value),
}

/// Why JSON arguments could not be lowered into a guest.
#[derive(Debug, thiserror::Error)]
pub enum JsonLowerError {
    /// The JSON does not fit the signature (or is not JSON).
    #[error(transparent)]
    Arguments(#[from] JsonArgsError),
    /// The guest failed (allocation, bounds, a size beyond 32 bits).
    #[error(transparent)]
    Abi(#[from] AbiError),
}

/// The form the arguments took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// No arguments: `null`, `[]` or `{}`.
    Nothing,
    /// An array, by position.
    Positional,
    /// An object, by argument name.
    Named,
    /// The whole input is the only argument.
    Single,
}

/// Arguments checked against a signature, ready to be written into a guest.
#[derive(Debug)]
pub struct PreparedArguments<'a> {
    signature: &'a FunctionSignature,
    /// What goes into the guest: kept by the checking pass, or by one walk over a tree
    /// whose arguments all [`fits`] their types.
    recording: Recording<'a>,
}

/// What the checking pass keeps of arguments that fit: the guest buffers, in the order they
/// were completed (an array's or record's buffer after the buffers its elements point to),
/// with placeholders for the pointers (buffer index + 1; 0 stays null), and each argument's
/// inline bytes. Its size is that of the lowered arguments, which the input's text bounds.
#[derive(Debug, Default)]
struct Recording<'t> {
    /// Every buffer's bytes, one after the other.
    arena: Vec<u8>,
    buffers: Vec<Buffer<'t>>,
    /// Per argument: its inline wire bytes.
    inline: Vec<Vec<u8>>,
    /// A failure found while checking (a length beyond 32 bits), reported when writing.
    abi: Option<AbiError>,
}

/// One guest buffer of a [`Recording`].
#[derive(Debug)]
struct Buffer<'t> {
    start: usize,
    len: u32,
    tag: u8,
    layout: Layout<'t>,
}

/// Where a buffer's pointers are (to patch their placeholders).
#[derive(Clone, Copy, Debug)]
enum Layout<'t> {
    /// Bytes (a string, a byte array, an array of scalars).
    Flat,
    /// Elements of this type, packed.
    Elems(&'t IType),
    /// A record's fields, packed.
    Record(&'t IRecordType),
    /// A tuple's elements, packed.
    Tuple(&'t [IType]),
    /// An `Option`, `Result` or enum block of this type and case: the discriminant, then
    /// the case's fields packed.
    Case(&'t IType, u32),
}

/// The kind of the input's top-level value, read without parsing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopKind {
    Null,
    EmptyArray,
    Array,
    EmptyObject,
    Object,
    Other,
}

fn top_kind(input: JsonInput<'_>) -> TopKind {
    match input {
        JsonInput::Value(Value::Null) => TopKind::Null,
        JsonInput::Value(Value::Array(items)) if items.is_empty() => TopKind::EmptyArray,
        JsonInput::Value(Value::Array(_)) => TopKind::Array,
        JsonInput::Value(Value::Object(map)) if map.is_empty() => TopKind::EmptyObject,
        JsonInput::Value(Value::Object(_)) => TopKind::Object,
        JsonInput::Value(_) => TopKind::Other,
        JsonInput::Text(text) => {
            let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
            let mut bytes = text.as_bytes().iter().skip_while(|b| is_ws(b));
            let first = bytes.next().copied();
            let next = bytes.find(|b| !is_ws(b)).copied();
            match (first, next) {
                (Some(b'n'), _) => TopKind::Null,
                (Some(b'['), Some(b']')) => TopKind::EmptyArray,
                (Some(b'['), _) => TopKind::Array,
                (Some(b'{'), Some(b'}')) => TopKind::EmptyObject,
                (Some(b'{'), _) => TopKind::Object,
                _ => TopKind::Other,
            }
        }
    }
}

/// Checks JSON arguments against `signature` (nothing is written anywhere) and picks their
/// form, following the rules of [`crate::json::json_to_ivalues`].
pub fn prepare<'a>(
    input: JsonInput<'a>,
    signature: &'a FunctionSignature,
) -> Result<PreparedArguments<'a>, JsonArgsError> {
    let arity = signature.arguments.len();
    let prepared = |_form, recording| PreparedArguments {
        signature,
        recording,
    };
    let kind = top_kind(input);
    if let JsonInput::Value(value) = input {
        if let Some(form) = tree_form(value, signature, kind) {
            return Ok(PreparedArguments {
                signature,
                recording: record_tree(value, signature, form),
            });
        }
    }
    let first = match kind {
        TopKind::Null | TopKind::EmptyArray | TopKind::EmptyObject if arity == 0 => {
            // Still parsed: `null` followed by garbage is not JSON.
            check(input, signature, Form::Nothing)
        }
        TopKind::EmptyArray | TopKind::Array => check(input, signature, Form::Positional),
        TopKind::EmptyObject | TopKind::Object => check(input, signature, Form::Named),
        TopKind::Null => match check(input, signature, Form::Nothing) {
            Ok(_) => Err(arity_error(signature, 0)),
            Err(e) => Err(e),
        },
        TopKind::Other => {
            return check(input, signature, Form::Single).map(|r| prepared(Form::Single, r))
        }
    };
    match first {
        Ok(recording) => Ok(prepared(form_of(kind, arity), recording)),
        Err(e @ JsonArgsError::Syntax { .. }) => Err(e),
        // A one-argument function may take the whole array/object as its argument.
        Err(e) if arity == 1 => match check(input, signature, Form::Single) {
            Ok(recording) => Ok(prepared(Form::Single, recording)),
            Err(_) => Err(e),
        },
        Err(e) => Err(e),
    }
}

fn form_of(kind: TopKind, arity: usize) -> Form {
    match kind {
        TopKind::Null | TopKind::EmptyArray | TopKind::EmptyObject if arity == 0 => Form::Nothing,
        TopKind::EmptyArray | TopKind::Array => Form::Positional,
        TopKind::EmptyObject | TopKind::Object => Form::Named,
        TopKind::Null | TopKind::Other => Form::Single,
    }
}

impl PreparedArguments<'_> {
    /// Writes the arguments into `guest` and hands their wasm parameters to `out`, in the
    /// signature's order (§2.1: scalars as one value, strings and arrays as (ptr, len),
    /// records as one pointer).
    pub fn lower(
        &self,
        guest: &mut dyn GuestMemoryMut,
        out: &mut dyn FnMut(WasmValue),
    ) -> Result<(), JsonLowerError> {
        replay(&self.recording, self.signature, guest, out).map_err(Into::into)
    }
}

/// The checking pass: the arguments in `form` checked against `signature`, and what goes
/// into the guest when they fit.
fn check<'t>(
    input: JsonInput<'_>,
    signature: &'t FunctionSignature,
    form: Form,
) -> Result<Recording<'t>, JsonArgsError> {
    let mut recording = Recording::default();
    let mut run = Run::new(signature, &mut recording);
    let parsed = parse(input, &mut run, form);
    if let Some(e) = run.abi.take() {
        drop(run);
        return Ok(Recording {
            abi: Some(e),
            ..Recording::default()
        });
    }
    parsed.map_err(|e| syntax_error(signature, e))?;
    run.verdict(form)?;
    let inline = std::mem::take(&mut run.inline);
    drop(run);
    recording.inline = inline;
    Ok(recording)
}

/// Writes recorded arguments into `guest`: each buffer in order, its placeholders replaced
/// by the guest pointers of the buffers before it, then each argument's parameters.
fn replay(
    recording: &Recording<'_>,
    signature: &FunctionSignature,
    guest: &mut dyn GuestMemoryMut,
    out: &mut dyn FnMut(WasmValue),
) -> Result<(), AbiError> {
    if let Some(e) = &recording.abi {
        return Err(e.clone());
    }
    let mut ptrs: Vec<u32> = Vec::with_capacity(recording.buffers.len());
    let mut scratch = Vec::new();
    for buffer in &recording.buffers {
        let bytes = recording
            .arena
            .get(buffer.start..buffer.start + buffer.len as usize)
            .ok_or_else(|| internal("a recorded buffer"))?;
        let ptr = guest.allocate(buffer.len, buffer.tag)?;
        match buffer.layout {
            Layout::Flat => guest.write(ptr, bytes)?,
            layout => {
                scratch.clear();
                scratch.extend_from_slice(bytes);
                patch(&mut scratch, layout, &ptrs)?;
                guest.write(ptr, &scratch)?;
            }
        }
        ptrs.push(ptr);
    }
    for (arg, inline) in signature.arguments.iter().zip(&recording.inline) {
        scratch.clear();
        scratch.extend_from_slice(inline);
        if holds_pointer(&arg.ty) {
            patch_slot(&mut scratch, &ptrs)?;
        }
        inline_to_wasm(&arg.ty, &scratch, out);
    }
    Ok(())
}

/// Whether a value of `ty` starts with a pointer to a buffer of its own.
fn holds_pointer(ty: &IType) -> bool {
    matches!(
        ty,
        IType::String
            | IType::ByteArray
            | IType::Array(_)
            | IType::Record(_)
            | IType::Tuple(_)
            | IType::Option(_)
            | IType::Result(..)
            | IType::Enum(_)
    )
}

/// Patches the pointers of fields of `types` packed from `at`.
fn patch_fields<'a>(
    bytes: &mut [u8],
    mut at: usize,
    types: impl Iterator<Item = &'a IType>,
    ptrs: &[u32],
) -> Result<(), AbiError> {
    for ty in types {
        let width = wire_size(ty) as usize;
        if holds_pointer(ty) {
            let slot = bytes
                .get_mut(at..at + width)
                .ok_or_else(|| internal("a recorded block"))?;
            patch_slot(slot, ptrs)?;
        }
        at += width;
    }
    Ok(())
}

/// Replaces the placeholders of a recorded buffer with the pointers of `layout`.
fn patch(bytes: &mut [u8], layout: Layout<'_>, ptrs: &[u32]) -> Result<(), AbiError> {
    match layout {
        Layout::Flat => Ok(()),
        Layout::Elems(elem) if holds_pointer(elem) => bytes
            .chunks_exact_mut(wire_size(elem) as usize)
            .try_for_each(|chunk| patch_slot(chunk, ptrs)),
        Layout::Elems(_) => Ok(()),
        Layout::Record(record) => patch_fields(bytes, 0, record.fields.iter().map(|f| &f.ty), ptrs),
        Layout::Tuple(items) => patch_fields(bytes, 0, items.iter(), ptrs),
        Layout::Case(ty, discriminant) => {
            let fields = case_fields(ty, discriminant).ok_or_else(|| internal("a case"))?;
            patch_fields(bytes, DISCRIMINANT_SIZE as usize, fields.iter(), ptrs)
        }
    }
}

/// The placeholder in the first 4 bytes of `slot` (0, or a buffer index + 1) replaced by the
/// buffer's guest pointer.
fn patch_slot(slot: &mut [u8], ptrs: &[u32]) -> Result<(), AbiError> {
    let word = slot
        .get_mut(..4)
        .ok_or_else(|| internal("a pointer slot"))?;
    let mark = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
    if mark != 0 {
        let ptr = ptrs
            .get(mark as usize - 1)
            .ok_or_else(|| internal("a buffer recorded before its pointer"))?;
        word.copy_from_slice(&ptr.to_le_bytes());
    }
    Ok(())
}

fn internal(what: &str) -> AbiError {
    AbiError::ValueMismatch {
        expected: format!("{what} (internal: recorded by the checking pass)"),
        given: "an inconsistent recording".into(),
    }
}

fn syntax_error(signature: &FunctionSignature, e: serde_json::Error) -> JsonArgsError {
    JsonArgsError::Syntax {
        function: signature.name.clone(),
        message: e.to_string(),
    }
}

/// One pass of `run` over the input in `form`.
fn parse(input: JsonInput<'_>, run: &mut Run<'_, '_>, form: Form) -> Result<(), serde_json::Error> {
    match input {
        JsonInput::Text(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            run.text = true;
            TopSeed { run, form }.deserialize(&mut de)?;
            de.end()
        }
        JsonInput::Value(value) => TopSeed { run, form }.deserialize(value),
    }
}

fn arity_error(signature: &FunctionSignature, given: usize) -> JsonArgsError {
    JsonArgsError::Arity {
        function: signature.name.clone(),
        signature: crate::json::signature_text(signature),
        expected: signature.arguments.len(),
        given,
    }
}

/// One segment of the path to a value inside an argument.
#[derive(Clone, Copy, Debug)]
enum Segment<'t> {
    Index(usize),
    Field(&'t str),
}

/// A mismatch inside one argument: its path (text), the expected type and what was given.
#[derive(Debug)]
struct Mismatch {
    path: String,
    expected: String,
    given: String,
}

/// The checking pass over the arguments, keeping what goes into the guest.
struct Run<'t, 'g> {
    signature: &'t FunctionSignature,
    /// Where the arguments' buffers are kept.
    recording: &'g mut Recording<'t>,
    /// Path from the current argument to the value being parsed.
    path: Vec<Segment<'t>>,
    /// The first mismatch inside the current argument.
    mismatch: Option<Mismatch>,
    /// A length beyond 32 bits, which stops parsing.
    abi: Option<AbiError>,
    /// Per argument: the first mismatch inside it.
    arg_mismatch: Vec<Option<Mismatch>>,
    /// Per argument: whether it was given.
    given: Vec<bool>,
    /// Per argument: its inline wire bytes (placeholders for pointers).
    inline: Vec<Vec<u8>>,
    /// Values given in a positional array.
    count: usize,
    /// The first key of a named object that is no argument.
    unknown: Option<String>,
    /// The first argument given twice in a named object.
    duplicate: Option<String>,
    /// The input is JSON text parsed from a string, whose values can be borrowed as text
    /// (see [`ValueSeed::text_bytes`]).
    text: bool,
}

impl<'t, 'g> Run<'t, 'g> {
    fn new(signature: &'t FunctionSignature, recording: &'g mut Recording<'t>) -> Self {
        let arity = signature.arguments.len();
        Run {
            signature,
            recording,
            path: Vec::new(),
            mismatch: None,
            abi: None,
            arg_mismatch: (0..arity).map(|_| None).collect(),
            given: vec![false; arity],
            inline: vec![Vec::new(); arity],
            count: 0,
            unknown: None,
            duplicate: None,
            text: false,
        }
    }

    /// True once this argument has a mismatch or the guest failed: the rest is only skipped.
    fn skipping(&self) -> bool {
        self.mismatch.is_some() || self.abi.is_some()
    }

    fn path_text(&self) -> String {
        let mut text = String::new();
        for segment in &self.path {
            match segment {
                Segment::Index(i) => {
                    let _ = write!(text, "[{i}]");
                }
                Segment::Field(name) => {
                    let _ = write!(text, ".{name}");
                }
            }
        }
        text
    }

    /// Records a mismatch at the current path (the first one of the argument wins).
    fn mismatch(&mut self, expected: String, given: String) {
        if self.mismatch.is_none() {
            self.mismatch = Some(Mismatch {
                path: self.path_text(),
                expected,
                given,
            });
        }
    }

    fn type_error(&self, index: usize, m: &Mismatch) -> JsonArgsError {
        JsonArgsError::Type {
            function: self.signature.name.clone(),
            path: format!("{}{}", self.signature.arguments[index].name, m.path),
            expected: m.expected.clone(),
            given: m.given.clone(),
        }
    }

    /// The error of this pass, in the order [`crate::json::json_to_ivalues`] reports them.
    fn verdict(&self, form: Form) -> Result<(), JsonArgsError> {
        let arity = self.signature.arguments.len();
        match form {
            Form::Nothing => Ok(()),
            Form::Positional => {
                if self.count != arity {
                    return Err(arity_error(self.signature, self.count));
                }
                match self
                    .arg_mismatch
                    .iter()
                    .enumerate()
                    .find_map(|(i, m)| Some((i, m.as_ref()?)))
                {
                    Some((i, m)) => Err(self.type_error(i, m)),
                    None => Ok(()),
                }
            }
            Form::Named => {
                if let Some(unknown) = &self.unknown {
                    return Err(JsonArgsError::UnknownArgument {
                        function: self.signature.name.clone(),
                        argument: unknown.clone(),
                        signature: crate::json::signature_text(self.signature),
                    });
                }
                for (i, arg) in self.signature.arguments.iter().enumerate() {
                    if !self.given[i] {
                        return Err(JsonArgsError::MissingArgument {
                            function: self.signature.name.clone(),
                            argument: arg.name.clone(),
                        });
                    }
                    if let Some(m) = &self.arg_mismatch[i] {
                        return Err(self.type_error(i, m));
                    }
                }
                match &self.duplicate {
                    Some(name) => Err(JsonArgsError::Type {
                        function: self.signature.name.clone(),
                        path: name.clone(),
                        expected: "one value".into(),
                        given: "a second value for the same argument".into(),
                    }),
                    None => Ok(()),
                }
            }
            Form::Single => {
                if arity != 1 {
                    return Err(arity_error(self.signature, 1));
                }
                match &self.arg_mismatch[0] {
                    Some(m) => Err(self.type_error(0, m)),
                    None => Ok(()),
                }
            }
        }
    }

    /// Parses argument `index` from `de` and keeps its inline bytes and mismatch.
    fn argument<'de, D: Deserializer<'de>>(&mut self, index: usize, de: D) -> Result<(), D::Error> {
        let ty = &self.signature.arguments[index].ty;
        self.path.clear();
        self.mismatch = None;
        let mut inline = Vec::with_capacity(8);
        ValueSeed {
            run: self,
            ty,
            out: &mut inline,
        }
        .deserialize(de)?;
        self.given[index] = true;
        self.inline[index] = inline;
        self.arg_mismatch[index] = self.mismatch.take();
        Ok(())
    }

    /// Records `bytes` as a guest buffer: (placeholder, length), (0, 0) when empty.
    fn write_buffer<E: de::Error>(
        &mut self,
        bytes: &[u8],
        tag: u8,
        layout: Layout<'t>,
    ) -> Result<(u32, u32), E> {
        let recorded = self.recording.buffer(bytes, tag, layout);
        recorded.map_err(|e| self.fail(e))
    }

    /// Records the arena's bytes from `start` as a guest buffer.
    fn end_buffer<E: de::Error>(
        &mut self,
        start: usize,
        tag: u8,
        layout: Layout<'t>,
    ) -> Result<(u32, u32), E> {
        let recorded = self.recording.end_buffer(start, tag, layout);
        recorded.map_err(|e| self.fail(e))
    }

    /// Checks and records `value`, of the ABI extension type `ty`: a mismatch is the one
    /// `crate::json` reports.
    fn extension<E: de::Error>(
        &mut self,
        value: &Value,
        ty: &'t IType,
        out: &mut Vec<u8>,
    ) -> Result<(), E> {
        if fits(value, ty) {
            return self
                .recording
                .value(value, ty, out)
                .map_err(|e| self.fail(e));
        }
        let (suffix, expected, given) = match crate::json::json_to_ivalue(value, ty) {
            Err(m) => (m.path, m.expected, m.given),
            Ok(_) => (
                String::new(),
                ty.to_string(),
                "a value the streamed check refused (internal)".into(),
            ),
        };
        if self.mismatch.is_none() {
            self.mismatch = Some(Mismatch {
                path: format!("{}{suffix}", self.path_text()),
                expected,
                given,
            });
        }
        out.resize(out.len() + wire_size(ty) as usize, 0);
        Ok(())
    }

    /// Records a failure; parsing stops with an error serde carries up.
    fn fail<E: de::Error>(&mut self, e: AbiError) -> E {
        self.abi.get_or_insert(e);
        E::custom("the arguments are too large")
    }
}

/// The form of a tree's arguments when every one of them [`fits`] its type; `None` sends
/// the tree through the checking pass (which reports what is wrong, or takes a form this
/// quick look does not: a one-argument function given its whole array or object).
fn tree_form(value: &Value, signature: &FunctionSignature, kind: TopKind) -> Option<Form> {
    let args = &signature.arguments;
    let form = match (kind, value) {
        (TopKind::Null | TopKind::EmptyArray | TopKind::EmptyObject, _) if args.is_empty() => {
            Form::Nothing
        }
        (_, Value::Array(items)) => {
            let fit = items.len() == args.len()
                && items
                    .iter()
                    .zip(args)
                    .all(|(item, arg)| fits(item, &arg.ty));
            fit.then_some(Form::Positional)?
        }
        (_, Value::Object(map)) => {
            let fit = map.len() == args.len()
                && args
                    .iter()
                    .all(|arg| map.get(&arg.name).is_some_and(|v| fits(v, &arg.ty)));
            fit.then_some(Form::Named)?
        }
        (_, Value::Null) => return None,
        (_, value) => match args.as_slice() {
            [arg] if fits(value, &arg.ty) => Form::Single,
            _ => return None,
        },
    };
    Some(form)
}

/// Whether `value` is a `ty` in the forms of [`crate::json_forms`] (exactly when
/// `crate::json::json_to_ivalue` takes it; the checking pass takes it too). Recurses as deep
/// as `ty`, whatever the tree's depth.
fn fits(value: &Value, ty: &IType) -> bool {
    match ty {
        IType::Boolean => value.is_boolean(),
        IType::S8 => int_fits::<i8>(value),
        IType::U8 => int_fits::<u8>(value),
        IType::S16 => int_fits::<i16>(value),
        IType::U16 => int_fits::<u16>(value),
        IType::S32 => int_fits::<i32>(value),
        IType::U32 => int_fits::<u32>(value),
        IType::S64 => int_fits::<i64>(value),
        IType::U64 => int_fits::<u64>(value),
        IType::F32 => forms::float(value).is_some_and(forms::f32_holds),
        IType::F64 => forms::float(value).is_some(),
        IType::String => value.is_string(),
        IType::ByteArray => value
            .as_array()
            .is_some_and(|items| items.iter().all(int_fits::<u8>)),
        IType::Array(elem) => value
            .as_array()
            .is_some_and(|items| items.iter().all(|v| fits(v, elem))),
        IType::Record(record) => forms::fields(value, &record.fields)
            .is_ok_and(|given| fields_fit(given, &record.fields)),
        IType::Tuple(items) => forms::tuple(value, items.len())
            .is_some_and(|values| values.iter().zip(items).all(|(v, t)| fits(v, t))),
        IType::Option(_) | IType::Result(..) | IType::Enum(_) => match forms::case_of(value, ty) {
            Ok((_, Payload::None)) => true,
            Ok((_, Payload::One(v, t))) => fits(v, t),
            Ok((_, Payload::Fields(given, fields))) => fields_fit(given, fields),
            Err(_) => false,
        },
    }
}

/// Whether every one of `fields` is given and fits its type.
fn fields_fit(given: Fields<'_>, fields: &[IRecordField]) -> bool {
    fields
        .iter()
        .enumerate()
        .all(|(i, f)| given.get(i, f).is_some_and(|v| fits(v, &f.ty)))
}

/// Whether the value is an integer (not a float) that fits `T`.
#[inline]
fn int_fits<T: TryFrom<u64> + TryFrom<i64>>(value: &Value) -> bool {
    value.as_number().and_then(forms::int::<T>).is_some()
}

/// Records a tree's arguments (each [`fits`] its type) in `form`.
fn record_tree<'t>(value: &Value, signature: &'t FunctionSignature, form: Form) -> Recording<'t> {
    let mut recording = Recording::default();
    for (i, arg) in signature.arguments.iter().enumerate() {
        let item = match (form, value) {
            (Form::Positional, Value::Array(items)) => items.get(i),
            (Form::Named, Value::Object(map)) => map.get(&arg.name),
            (Form::Single, value) => Some(value),
            _ => None,
        };
        let mut inline = Vec::with_capacity(8);
        let recorded = match item {
            Some(item) => recording.value(item, &arg.ty, &mut inline),
            None => Err(not_checked(&arg.ty)),
        };
        if let Err(e) = recorded {
            return Recording {
                abi: Some(e),
                ..Recording::default()
            };
        }
        recording.inline.push(inline);
    }
    recording
}

fn not_checked(ty: &IType) -> AbiError {
    AbiError::ValueMismatch {
        expected: format!("{ty} (internal: checked before it is written)"),
        given: "a value the check did not take".into(),
    }
}

impl<'t> Recording<'t> {
    /// Records `bytes` as a guest buffer: (placeholder, length), (0, 0) when empty.
    fn buffer(
        &mut self,
        bytes: &[u8],
        tag: u8,
        layout: Layout<'t>,
    ) -> Result<(u32, u32), AbiError> {
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        self.end_buffer(start, tag, layout)
    }

    /// Records the arena's bytes from `start` as a guest buffer (see [`Recording::buffer`]).
    fn end_buffer(
        &mut self,
        start: usize,
        tag: u8,
        layout: Layout<'t>,
    ) -> Result<(u32, u32), AbiError> {
        let len = self.arena.len() - start;
        if len == 0 {
            return Ok((0, 0));
        }
        let too_large = |what: &str, len: usize| AbiError::TooLarge {
            what: what.into(),
            len: len as u64,
        };
        let len32 = u32::try_from(len).map_err(|_| too_large("byte buffer", len))?;
        let index = self.buffers.len() + 1;
        let mark = u32::try_from(index).map_err(|_| too_large("buffers", index))?;
        self.buffers.push(Buffer {
            start,
            len: len32,
            tag,
            layout,
        });
        Ok((mark, len32))
    }

    /// Records `value` (which [`fits`] `ty`): its inline wire bytes are appended to `out`,
    /// its buffers recorded. Recurses as deep as `ty`.
    fn value(&mut self, value: &Value, ty: &'t IType, out: &mut Vec<u8>) -> Result<(), AbiError> {
        macro_rules! integer {
            ($t:ty) => {{
                let v: $t = value
                    .as_number()
                    .and_then(forms::int)
                    .ok_or_else(|| not_checked(ty))?;
                out.extend_from_slice(&v.to_le_bytes());
            }};
        }
        match ty {
            IType::Boolean => match value {
                Value::Bool(b) => out.push(u8::from(*b)),
                _ => return Err(not_checked(ty)),
            },
            IType::S8 => integer!(i8),
            IType::U8 => integer!(u8),
            IType::S16 => integer!(i16),
            IType::U16 => integer!(u16),
            IType::S32 => integer!(i32),
            IType::U32 => integer!(u32),
            IType::S64 => integer!(i64),
            IType::U64 => integer!(u64),
            IType::F32 => {
                let v = forms::float(value).ok_or_else(|| not_checked(ty))?;
                out.extend_from_slice(&(v as f32).to_le_bytes());
            }
            IType::F64 => {
                let v = forms::float(value).ok_or_else(|| not_checked(ty))?;
                out.extend_from_slice(&v.to_le_bytes());
            }
            IType::String => {
                let Value::String(s) = value else {
                    return Err(not_checked(ty));
                };
                let (ptr, len) = self.buffer(s.as_bytes(), BYTES_TAG, Layout::Flat)?;
                push_pair(out, ptr, len);
            }
            IType::ByteArray => {
                let Value::Array(items) = value else {
                    return Err(not_checked(ty));
                };
                let start = self.arena.len();
                self.arena.reserve(items.len());
                for item in items {
                    match item.as_number().and_then(forms::int::<u8>) {
                        Some(b) => self.arena.push(b),
                        None => return Err(not_checked(ty)),
                    }
                }
                let (ptr, len) = self.end_buffer(start, BYTES_TAG, Layout::Flat)?;
                push_pair(out, ptr, len);
            }
            IType::Array(elem) => {
                let Value::Array(items) = value else {
                    return Err(not_checked(ty));
                };
                let mut packed =
                    Vec::with_capacity(items.len().saturating_mul(wire_size(elem) as usize));
                for item in items {
                    self.value(item, elem, &mut packed)?;
                }
                let (ptr, _) = self.buffer(&packed, element_tag(elem), Layout::Elems(elem))?;
                let count = u32::try_from(items.len()).map_err(|_| AbiError::TooLarge {
                    what: format!("array of {elem}"),
                    len: items.len() as u64,
                })?;
                push_pair(out, ptr, count);
            }
            IType::Record(record) => {
                let given = forms::fields(value, &record.fields).map_err(|_| not_checked(ty))?;
                let mut packed = Vec::with_capacity(record_size(record) as usize);
                self.fields(given, &record.fields, ty, &mut packed)?;
                let (ptr, _) = self.buffer(&packed, BYTES_TAG, Layout::Record(record))?;
                out.extend_from_slice(&ptr.to_le_bytes());
            }
            IType::Tuple(items) => {
                let values = forms::tuple(value, items.len()).ok_or_else(|| not_checked(ty))?;
                let mut packed = Vec::with_capacity(tuple_size(items) as usize);
                for (v, item) in values.iter().zip(items.iter()) {
                    self.value(v, item, &mut packed)?;
                }
                let (ptr, _) = self.buffer(&packed, BYTES_TAG, Layout::Tuple(items))?;
                out.extend_from_slice(&ptr.to_le_bytes());
            }
            IType::Option(_) | IType::Result(..) | IType::Enum(_) => {
                let (discriminant, payload) =
                    forms::case_of(value, ty).map_err(|_| not_checked(ty))?;
                let mut packed = discriminant.to_le_bytes().to_vec();
                match payload {
                    Payload::None => {}
                    Payload::One(v, t) => self.value(v, t, &mut packed)?,
                    Payload::Fields(given, fields) => {
                        self.fields(given, fields, ty, &mut packed)?
                    }
                }
                let (ptr, _) = self.buffer(&packed, BYTES_TAG, Layout::Case(ty, discriminant))?;
                out.extend_from_slice(&ptr.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Records named fields as given (each [`fits`] its type), packed into `out`; `ty` is the
    /// type they belong to (for the internal error).
    fn fields(
        &mut self,
        given: Fields<'_>,
        fields: &'t [IRecordField],
        ty: &IType,
        out: &mut Vec<u8>,
    ) -> Result<(), AbiError> {
        for (i, field) in fields.iter().enumerate() {
            let item = given.get(i, field).ok_or_else(|| not_checked(ty))?;
            self.value(item, &field.ty, out)?;
        }
        Ok(())
    }
}

/// The top-level value: the argument list in its form.
struct TopSeed<'r, 't, 'g> {
    run: &'r mut Run<'t, 'g>,
    form: Form,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        match self.form {
            Form::Nothing => de.deserialize_any(NothingVisitor),
            Form::Positional => de.deserialize_seq(PositionalVisitor(self.run)),
            Form::Named => de.deserialize_map(NamedVisitor(self.run)),
            Form::Single if self.run.signature.arguments.len() == 1 => self.run.argument(0, de),
            // The verdict is an arity error; the value is only parsed.
            Form::Single => de.deserialize_ignored_any(IgnoredAny).map(drop),
        }
    }
}

/// `null`, `[]` or `{}`.
struct NothingVisitor;

impl<'de> Visitor<'de> for NothingVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, [] or {}")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(de::Error::custom("expected no arguments")),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match map.next_key::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(de::Error::custom("expected no arguments")),
        }
    }
}

/// Arguments by position.
struct PositionalVisitor<'r, 't, 'g>(&'r mut Run<'t, 'g>);

impl<'de> Visitor<'de> for PositionalVisitor<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of arguments")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let run = self.0;
        let arity = run.signature.arguments.len();
        loop {
            if run.count < arity {
                let index = run.count;
                if seq
                    .next_element_seed(ArgSeed {
                        run: &mut *run,
                        index,
                    })?
                    .is_none()
                {
                    return Ok(());
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            run.count += 1;
        }
    }
}

/// Argument `index`, as an element of the positional array or a value of the named object.
struct ArgSeed<'r, 't, 'g> {
    run: &'r mut Run<'t, 'g>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for ArgSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        self.run.argument(self.index, de)
    }
}

/// Arguments by name.
struct NamedVisitor<'r, 't, 'g>(&'r mut Run<'t, 'g>);

impl<'de> Visitor<'de> for NamedVisitor<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of arguments by name")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let run = self.0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let index = run.signature.arguments.iter().position(|a| a.name == key);
            match index {
                Some(i) if run.given[i] => {
                    run.duplicate.get_or_insert(key);
                    map.next_value::<IgnoredAny>()?;
                }
                Some(i) => map.next_value_seed(ArgSeed {
                    run: &mut *run,
                    index: i,
                })?,
                None => {
                    run.unknown.get_or_insert(key);
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object key, owned only when the input has escapes or is a tree.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<String, D::Error> {
        de.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

/// One value of type `ty`: its inline wire bytes (§2.5, §2.6) are appended to `out`, its
/// pointed-to buffers written into the guest.
struct ValueSeed<'r, 't, 'g, 'o> {
    run: &'r mut Run<'t, 'g>,
    ty: &'t IType,
    out: &'o mut Vec<u8>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        if self.run.skipping() {
            // Keep the layout of the inline bytes; the values no longer matter.
            self.out
                .resize(self.out.len() + wire_size(self.ty) as usize, 0);
            return de.deserialize_ignored_any(IgnoredAny).map(drop);
        }
        let ty = self.ty;
        match ty {
            // A value of an ABI extension type is read into a (bounded) tree, then checked and
            // recorded as `crate::json` reads it: same forms, same error texts.
            IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
                let value = TreeSeed(TREE_DEPTH).deserialize(de)?;
                self.run.extension(&value, ty, self.out)
            }
            IType::Boolean
            | IType::S8
            | IType::S16
            | IType::S32
            | IType::S64
            | IType::U8
            | IType::U16
            | IType::U32
            | IType::U64
            | IType::F32
            | IType::F64 => de.deserialize_any(ScalarVisitor(self)),
            IType::String => de.deserialize_any(StringVisitor(self)),
            IType::ByteArray if self.run.text => self.text_bytes(de),
            IType::ByteArray => de.deserialize_any(BytesVisitor(self)),
            IType::Array(elem) => de.deserialize_any(ArrayVisitor(self, elem)),
            IType::Record(record) => de.deserialize_any(RecordVisitor(self, record)),
        }
    }
}

impl ValueSeed<'_, '_, '_, '_> {
    /// Records that `given` is not a value of this seed's type; the inline bytes keep their
    /// size.
    fn wrong(self, given: String) {
        self.run.mismatch(self.ty.to_string(), given);
        self.out
            .resize(self.out.len() + wire_size(self.ty) as usize, 0);
    }

    /// Records that a sequence or map is not a value of this seed's type (its text, up to
    /// 40 characters, is the `given` of the message).
    fn wrong_seq<'de, A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let text = preview_seq(seq)?;
        self.wrong(format!("array {text}"));
        Ok(())
    }

    fn wrong_map<'de, A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let text = preview_map(map)?;
        self.wrong(format!("object {text}"));
        Ok(())
    }
}

/// The visitor methods every value visitor shares for the JSON kinds it does not take.
macro_rules! reject_kinds {
    ($($kind:ident),*) => {
        $(reject_kinds!(@one $kind);)*
    };
    (@one bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
            self.0.wrong(format!("boolean {v}"));
            Ok(())
        }
    };
    (@one numbers) => {
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
            self.0.wrong(format!("number {v}"));
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
            self.0.wrong(format!("number {v}"));
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
            self.0.wrong(format!("number {}", float_text(v)));
            Ok(())
        }
    };
    (@one str) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
            self.0.wrong(format!("string {}", string_preview(v)));
            Ok(())
        }
    };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            self.0.wrong_seq(seq)
        }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
            self.0.wrong_map(map)
        }
    };
    (@one unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.0.wrong("null null".into());
            Ok(())
        }
    };
}

/// Booleans and numbers.
struct ScalarVisitor<'r, 't, 'g, 'o>(ValueSeed<'r, 't, 'g, 'o>);

impl ScalarVisitor<'_, '_, '_, '_> {
    /// An integer `v` (as i128, which holds every JSON integer serde gives) as `ty`.
    fn integer(self, v: i128, given: impl FnOnce() -> String) {
        let out = &mut *self.0.out;
        let ok = match self.0.ty {
            IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => false,
            IType::S8 => i8::try_from(v).map(|v| out.push(v as u8)).is_ok(),
            IType::U8 => u8::try_from(v).map(|v| out.push(v)).is_ok(),
            IType::S16 => i16::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            IType::U16 => u16::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            IType::S32 => i32::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            IType::U32 => u32::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            IType::S64 => i64::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            IType::U64 => u64::try_from(v)
                .map(|v| out.extend_from_slice(&v.to_le_bytes()))
                .is_ok(),
            // Integers are exact in f64 up to 2^53 and rounded beyond, as `as_f64` does.
            IType::F32 | IType::F64 => return self.float(v as f64, given),
            IType::Boolean
            | IType::String
            | IType::ByteArray
            | IType::Array(_)
            | IType::Record(_) => false,
        };
        if !ok {
            self.0.wrong(given());
        }
    }

    fn float(self, v: f64, given: impl FnOnce() -> String) {
        match self.0.ty {
            IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
                self.0.wrong(given())
            }
            IType::F64 => self.0.out.extend_from_slice(&v.to_le_bytes()),
            // A finite number beyond f32's range is rejected like an out-of-range integer.
            IType::F32 if !forms::f32_holds(v) => self.0.wrong(given()),
            IType::F32 => self.0.out.extend_from_slice(&(v as f32).to_le_bytes()),
            IType::Boolean
            | IType::S8
            | IType::S16
            | IType::S32
            | IType::S64
            | IType::U8
            | IType::U16
            | IType::U32
            | IType::U64
            | IType::String
            | IType::ByteArray
            | IType::Array(_)
            | IType::Record(_) => self.0.wrong(given()),
        }
    }
}

impl<'de> Visitor<'de> for ScalarVisitor<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.ty)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        if self.0.ty == &IType::Boolean {
            self.0.out.push(v as u8);
        } else {
            self.0.wrong(format!("boolean {v}"));
        }
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.integer(v.into(), || format!("number {v}"));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.integer(v.into(), || format!("number {v}"));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.float(v, || format!("number {}", float_text(v)));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let given = || format!("string {}", string_preview(v));
        match forms::non_finite(v) {
            Some(f) => self.float(f, given),
            None => self.0.wrong(given()),
        }
        Ok(())
    }
    reject_kinds!(seq, map, unit);
}

/// A string: from the parser's buffer straight into a guest buffer.
struct StringVisitor<'r, 't, 'g, 'o>(ValueSeed<'r, 't, 'g, 'o>);

impl<'de> Visitor<'de> for StringVisitor<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let (ptr, len) = self
            .0
            .run
            .write_buffer(v.as_bytes(), BYTES_TAG, Layout::Flat)?;
        push_pair(self.0.out, ptr, len);
        Ok(())
    }
    reject_kinds!(bool, numbers, seq, map, unit);
}

fn push_pair(out: &mut Vec<u8>, ptr: u32, len: u32) {
    out.extend_from_slice(&ptr.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
}

/// A byte array: pushed byte by byte into the recording's arena as parsed (the guest's
/// `allocate` needs the length first), then copied into the guest once.
struct BytesVisitor<'r, 't, 'g, 'o>(ValueSeed<'r, 't, 'g, 'o>);

impl<'de> Visitor<'de> for BytesVisitor<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of bytes")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let seed = self.0;
        // Straight into the recording's arena, as parsed.
        let start = seed.run.recording.arena.len();
        if let Some(hint) = seq.size_hint() {
            seed.run.recording.arena.reserve(hint);
        }
        let mut index = 0;
        while let Some(byte) = seq.next_element_seed(ByteSeed)? {
            match byte {
                Ok(b) => seed.run.recording.arena.push(b),
                Err(given) => {
                    seed.run.recording.arena.truncate(start);
                    seed.run.path.push(Segment::Index(index));
                    seed.run.mismatch(IType::U8.to_string(), given);
                    seed.run.path.pop();
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    push_pair(seed.out, 0, 0);
                    return Ok(());
                }
            }
            index += 1;
        }
        let (ptr, len) = seed.run.end_buffer(start, BYTES_TAG, Layout::Flat)?;
        push_pair(seed.out, ptr, len);
        Ok(())
    }
    reject_kinds!(bool, numbers, str, map, unit);
}

impl ValueSeed<'_, '_, '_, '_> {
    /// A byte array given in JSON text. The parser hands over the value's text (checking its
    /// syntax and nesting as it steps over it), and the usual form, an array of plain
    /// integers 0-255, is read from that text straight into the arena: serde's machinery per
    /// element made this argument cost twice a whole JSON round trip of the same bytes. Any
    /// other text (a negative number, a fraction, an exponent, a string, ...) is parsed
    /// again by [`BytesVisitor`], which gives the answer and message of the tree path.
    fn text_bytes<'de, D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        let raw = <&RawValue>::deserialize(de)?;
        let start = self.run.recording.arena.len();
        if scan_byte_array(raw.get().as_bytes(), &mut self.run.recording.arena) {
            let (ptr, len) = self.run.end_buffer(start, BYTES_TAG, Layout::Flat)?;
            push_pair(self.out, ptr, len);
            return Ok(());
        }
        self.run.recording.arena.truncate(start);
        let mut value = serde_json::Deserializer::from_str(raw.get());
        value
            .deserialize_any(BytesVisitor(self))
            .map_err(de::Error::custom)
    }
}

/// Appends to `out` the bytes of `text`, one JSON value checked by the parser, when it is an
/// array of integers 0-255 written with digits alone (no sign, fraction or exponent), and
/// says whether it was; when it was not, `out` may hold some of them.
fn scan_byte_array(text: &[u8], out: &mut Vec<u8>) -> bool {
    let mut at = skip_json_space(text, 0);
    if text.get(at) != Some(&b'[') {
        return false;
    }
    at = skip_json_space(text, at + 1);
    if text.get(at) == Some(&b']') {
        return true;
    }
    // Every element takes at least two characters of the text ("0,").
    out.reserve(text.len() / 2 + 1);
    loop {
        let mut value = match text.get(at) {
            Some(digit @ b'0'..=b'9') => u32::from(digit - b'0'),
            _ => return false,
        };
        let first = at;
        at += 1;
        while let Some(digit @ b'0'..=b'9') = text.get(at) {
            value = value * 10 + u32::from(digit - b'0');
            at += 1;
            if at - first > 3 {
                return false;
            }
        }
        let Ok(byte) = u8::try_from(value) else {
            return false;
        };
        out.push(byte);
        // The common case first: a comma right after the digits.
        if text.get(at) != Some(&b',') {
            at = skip_json_space(text, at);
        }
        match text.get(at) {
            Some(b',') => at = skip_json_space(text, at + 1),
            Some(b']') => return true,
            _ => return false,
        }
    }
}

/// The index of the first character at or after `at` in `text` that is not JSON whitespace.
fn skip_json_space(text: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = text.get(at) {
        at += 1;
    }
    at
}

/// One byte of a byte array, or what was given instead.
struct ByteSeed;

impl<'de> DeserializeSeed<'de> for ByteSeed {
    type Value = Result<u8, String>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(ByteVisitor)
    }
}

struct ByteVisitor;

impl<'de> Visitor<'de> for ByteVisitor {
    type Value = Result<u8, String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(u8::try_from(v).map_err(|_| format!("number {v}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u8::try_from(v).map_err(|_| format!("number {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(format!("number {}", float_text(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(format!("boolean {v}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(format!("string {}", string_preview(v))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null null".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(Err(format!("array {}", preview_seq(seq)?)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(Err(format!("object {}", preview_map(map)?)))
    }
}

/// An array of `elem` (not bytes): the elements' inline bytes are collected on the host,
/// then written into one guest buffer allocated with the element's tag.
struct ArrayVisitor<'r, 't, 'g, 'o>(ValueSeed<'r, 't, 'g, 'o>, &'t IType);

impl<'de> Visitor<'de> for ArrayVisitor<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {}", self.1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let elem = self.1;
        let ValueSeed { run, out, .. } = self.0;
        let mut items = Vec::new();
        let mut count: usize = 0;
        loop {
            run.path.push(Segment::Index(count));
            let next = seq.next_element_seed(ValueSeed {
                run: &mut *run,
                ty: elem,
                out: &mut items,
            });
            run.path.pop();
            if next?.is_none() {
                break;
            }
            count += 1;
        }
        if run.skipping() {
            push_pair(out, 0, 0);
            return Ok(());
        }
        let (ptr, _) = run.write_buffer(&items, element_tag(elem), Layout::Elems(elem))?;
        let count = u32::try_from(count).map_err(|_| {
            run.fail::<A::Error>(AbiError::TooLarge {
                what: format!("array of {elem}"),
                len: count as u64,
            })
        })?;
        push_pair(out, ptr, count);
        Ok(())
    }
    reject_kinds!(bool, numbers, str, map, unit);
}

/// A record, as an object by field name or an array by position: its packed bytes are
/// assembled on the host, then written into a guest buffer (tag 1).
struct RecordVisitor<'r, 't, 'g, 'o>(ValueSeed<'r, 't, 'g, 'o>, &'t IRecordType);

impl RecordVisitor<'_, '_, '_, '_> {
    /// Writes the packed bytes and appends the record's pointer.
    fn finish<E: de::Error>(self, packed: &[u8]) -> Result<(), E> {
        let ValueSeed { run, out, .. } = self.0;
        let ptr = if run.skipping() || packed.is_empty() {
            0
        } else {
            run.write_buffer::<E>(packed, BYTES_TAG, Layout::Record(self.1))?
                .0
        };
        out.extend_from_slice(&ptr.to_le_bytes());
        Ok(())
    }
}

impl<'de> Visitor<'de> for RecordVisitor<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}", self.1.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.1;
        let run = &mut *self.0.run;
        let offsets: Vec<usize> = record
            .fields
            .iter()
            .scan(0usize, |at, f| {
                let here = *at;
                *at += wire_size(&f.ty) as usize;
                Some(here)
            })
            .collect();
        let mut packed = vec![0u8; record_size(record) as usize];
        let mut given = vec![false; record.fields.len()];
        let mut field_bytes = Vec::with_capacity(8);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let Some(i) = record.fields.iter().position(|f| f.name == key) else {
                let value = map.next_value_seed(PreviewSeed)?;
                let path = format!("{}.{key}", run.path_text());
                if run.mismatch.is_none() {
                    run.mismatch = Some(Mismatch {
                        path,
                        expected: format!(
                            "no such field in {}",
                            forms::fields_text(&format!("record {}", record.name), &record.fields)
                        ),
                        given: value,
                    });
                }
                continue;
            };
            let field = &record.fields[i];
            if given[i] {
                map.next_value::<IgnoredAny>()?;
                run.path.push(Segment::Field(&field.name));
                run.mismatch(
                    format!("one value for field `{}`", field.name),
                    "a second value".into(),
                );
                run.path.pop();
                continue;
            }
            given[i] = true;
            field_bytes.clear();
            run.path.push(Segment::Field(&field.name));
            let parsed = map.next_value_seed(ValueSeed {
                run: &mut *run,
                ty: &field.ty,
                out: &mut field_bytes,
            });
            run.path.pop();
            parsed?;
            let at = offsets[i];
            packed[at..at + field_bytes.len()].copy_from_slice(&field_bytes);
        }
        if let Some(i) = given.iter().position(|g| !g) {
            let field = &record.fields[i];
            run.path.push(Segment::Field(&field.name));
            run.mismatch(field.ty.to_string(), "nothing (field missing)".into());
            run.path.pop();
        }
        self.finish(&packed)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let record = self.1;
        let run = &mut *self.0.run;
        let mut packed = Vec::with_capacity(record_size(record) as usize);
        let mut count = 0usize;
        for field in &record.fields {
            run.path.push(Segment::Field(&field.name));
            let next = seq.next_element_seed(ValueSeed {
                run: &mut *run,
                ty: &field.ty,
                out: &mut packed,
            });
            run.path.pop();
            if next?.is_none() {
                break;
            }
            count += 1;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        if count != record.fields.len() {
            // The elements were parsed as fields: what was given is described by its length.
            run.mismatch = None;
            run.mismatch(record.name.clone(), format!("array of {count} element(s)"));
            packed.resize(record_size(record) as usize, 0);
        }
        self.finish(&packed)
    }

    reject_kinds!(bool, numbers, str, unit);
}

/// The wasm parameters of one argument from its inline bytes (§2.1).
fn inline_to_wasm(ty: &IType, b: &[u8], out: &mut dyn FnMut(WasmValue)) {
    fn word(b: &[u8], at: usize) -> [u8; 4] {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[at..at + 4]);
        w
    }
    fn dword(b: &[u8]) -> [u8; 8] {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[..8]);
        w
    }
    match ty {
        IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
            out(WasmValue::I32(i32::from_le_bytes(word(b, 0))))
        }
        IType::Boolean | IType::U8 => out(WasmValue::I32(b[0] as i32)),
        IType::S8 => out(WasmValue::I32(b[0] as i8 as i32)),
        IType::S16 => out(WasmValue::I32(i16::from_le_bytes([b[0], b[1]]) as i32)),
        IType::U16 => out(WasmValue::I32(u16::from_le_bytes([b[0], b[1]]) as i32)),
        IType::S32 | IType::U32 => out(WasmValue::I32(i32::from_le_bytes(word(b, 0)))),
        IType::S64 | IType::U64 => out(WasmValue::I64(i64::from_le_bytes(dword(b)))),
        IType::F32 => out(WasmValue::F32(u32::from_le_bytes(word(b, 0)))),
        IType::F64 => out(WasmValue::F64(u64::from_le_bytes(dword(b)))),
        IType::String | IType::ByteArray | IType::Array(_) => {
            out(WasmValue::I32(i32::from_le_bytes(word(b, 0))));
            out(WasmValue::I32(i32::from_le_bytes(word(b, 4))));
        }
        IType::Record(_) => out(WasmValue::I32(i32::from_le_bytes(word(b, 0)))),
    }
}

/// How `serde_json` prints a float (as `Value` does).
fn float_text(v: f64) -> String {
    match serde_json::Number::from_f64(v) {
        Some(n) => n.to_string(),
        None => "null".into(),
    }
}

fn string_text(v: &str) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A string's JSON text for an error message (its start only).
fn string_preview(v: &str) -> String {
    let head: String = v.chars().take(PREVIEW_LEN + 1).collect();
    truncated(string_text(&head))
}

/// Renders a value as compact JSON text for an error message, keeping just over
/// [`PREVIEW_LEN`] bytes; the rest is parsed and dropped. Recursion stops when the text is
/// long enough, so it is at most [`PREVIEW_LEN`] levels deep.
struct Preview<'a>(&'a mut String);

struct PreviewSeed;

impl<'de> DeserializeSeed<'de> for PreviewSeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<String, D::Error> {
        let mut text = String::new();
        let kind = de.deserialize_any(PreviewVisitor(Preview(&mut text)))?;
        Ok(format!("{kind} {}", truncated(text)))
    }
}

fn preview_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<String, A::Error> {
    let mut text = String::new();
    PreviewVisitor(Preview(&mut text)).visit_seq(seq)?;
    Ok(truncated(text))
}

fn preview_map<'de, A: MapAccess<'de>>(map: A) -> Result<String, A::Error> {
    let mut text = String::new();
    PreviewVisitor(Preview(&mut text)).visit_map(map)?;
    Ok(truncated(text))
}

/// One element (or map value) of a preview, after a comma when `comma`.
struct PreviewInto<'a> {
    text: &'a mut String,
    comma: bool,
}

impl<'de> DeserializeSeed<'de> for PreviewInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        if self.text.len() > PREVIEW_LEN {
            return de.deserialize_ignored_any(IgnoredAny).map(drop);
        }
        if self.comma {
            self.text.push(',');
        }
        de.deserialize_any(PreviewVisitor(Preview(self.text)))
            .map(drop)
    }
}

/// Writes the visited value into the preview; the value is the kind's name.
struct PreviewVisitor<'a>(Preview<'a>);

impl<'de> Visitor<'de> for PreviewVisitor<'_> {
    type Value = &'static str;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<&'static str, E> {
        let _ = write!(self.0 .0, "{v}");
        Ok("boolean")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<&'static str, E> {
        let _ = write!(self.0 .0, "{v}");
        Ok("number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<&'static str, E> {
        let _ = write!(self.0 .0, "{v}");
        Ok("number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<&'static str, E> {
        self.0 .0.push_str(&float_text(v));
        Ok("number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<&'static str, E> {
        // Long strings only need their start.
        let head: String = v.chars().take(PREVIEW_LEN + 1).collect();
        self.0 .0.push_str(&string_text(&head));
        Ok("string")
    }
    fn visit_unit<E: de::Error>(self) -> Result<&'static str, E> {
        self.0 .0.push_str("null");
        Ok("null")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<&'static str, A::Error> {
        let text = self.0 .0;
        text.push('[');
        let mut comma = false;
        while seq
            .next_element_seed(PreviewInto {
                text: &mut *text,
                comma,
            })?
            .is_some()
        {
            comma = true;
        }
        if text.len() <= PREVIEW_LEN {
            text.push(']');
        }
        Ok("array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<&'static str, A::Error> {
        let text = self.0 .0;
        text.push('{');
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let open = text.len() <= PREVIEW_LEN;
            if open {
                if !first {
                    text.push(',');
                }
                text.push_str(&string_text(
                    &key.chars().take(PREVIEW_LEN + 1).collect::<String>(),
                ));
                text.push(':');
            }
            map.next_value_seed(PreviewInto {
                text: &mut *text,
                comma: false,
            })?;
            first = false;
        }
        if text.len() <= PREVIEW_LEN {
            text.push('}');
        }
        Ok("object")
    }
}

/// Reads any value into a tree, at most `.0` arrays or objects deep.
struct TreeSeed(usize);

impl<'de> DeserializeSeed<'de> for TreeSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(TreeVisitor(self.0))
    }
}

struct TreeVisitor(usize);

impl TreeVisitor {
    /// The depth left for the elements of an array or object.
    fn inner<E: de::Error>(&self) -> Result<usize, E> {
        self.0
            .checked_sub(1)
            .ok_or_else(|| E::custom(format!("nesting deeper than {TREE_DEPTH}")))
    }
}

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        TreeSeed(self.0).deserialize(de)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.inner()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(TreeSeed(depth))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.inner()?;
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(TreeSeed(depth))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::json_to_ivalues;
    use crate::lift::Lifter;
    use crate::lower::wasm_to_scalar;
    use crate::types::{IFunctionArg, IValue, VariantKind};
    use serde_json::json;
    use std::sync::Arc;

    use crate::memory::VecGuest;

    fn sig(args: &[(&str, IType)]) -> FunctionSignature {
        FunctionSignature {
            name: "f".into(),
            arguments: args
                .iter()
                .map(|(n, t)| IFunctionArg {
                    name: (*n).into(),
                    ty: t.clone(),
                })
                .collect(),
            outputs: vec![],
        }
    }

    /// Lowers `input` into a fresh guest and lifts the arguments back.
    fn lowered(input: JsonInput<'_>, signature: &FunctionSignature) -> Result<Vec<IValue>, String> {
        let prepared = prepare(input, signature).map_err(|e| e.to_string())?;
        let mut guest = VecGuest::default();
        let mut params = Vec::new();
        prepared
            .lower(&mut guest, &mut |v| params.push(v))
            .map_err(|e| e.to_string())?;
        let mut params = params.into_iter();
        let i32_param = |params: &mut std::vec::IntoIter<WasmValue>| match params.next() {
            Some(WasmValue::I32(v)) => v as u32,
            other => panic!("expected an i32 parameter, got {other:?}"),
        };
        let mut values = Vec::new();
        for arg in &signature.arguments {
            let mut lifter = Lifter::new(&guest.mem);
            let value = match &arg.ty {
                IType::String | IType::ByteArray | IType::Array(_) => {
                    let (ptr, len) = (i32_param(&mut params), i32_param(&mut params));
                    lifter.sized(&arg.ty, ptr, len).unwrap()
                }
                IType::Record(r) => lifter.record(r, i32_param(&mut params)).unwrap(),
                IType::Option(_) | IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => {
                    lifter.boxed(&arg.ty, i32_param(&mut params)).unwrap()
                }
                scalar => wasm_to_scalar(scalar, params.next().unwrap()).unwrap(),
            };
            values.push(value);
        }
        Ok(values)
    }

    /// The streaming path (from text and from the tree) answers as `json_to_ivalues` does.
    fn same(value: Value, signature: &FunctionSignature) {
        let expected = json_to_ivalues(&value, signature).map_err(|e| e.to_string());
        let text = value.to_string();
        let from_text = lowered(JsonInput::Text(&text), signature);
        assert!(
            values_eq(&from_text, &expected),
            "text {text}: {from_text:?} != {expected:?}"
        );
        let from_tree = lowered(JsonInput::Value(&value), signature);
        assert!(
            values_eq(&from_tree, &expected),
            "tree {text}: {from_tree:?} != {expected:?}"
        );
        // Both write the same guest memory, allocations and parameters, whichever way the
        // tree was written.
        assert_eq!(
            written(JsonInput::Text(&text), signature),
            written(JsonInput::Value(&value), signature),
            "{text}"
        );
    }

    /// The guest memory, allocations and parameters `input` is lowered into, and whether the
    /// tree was written by walking it.
    fn written(input: JsonInput<'_>, signature: &FunctionSignature) -> Option<String> {
        let prepared = prepare(input, signature).ok()?;
        let mut guest = VecGuest::default();
        let mut params = Vec::new();
        prepared.lower(&mut guest, &mut |v| params.push(v)).unwrap();
        Some(format!(
            "{:?} {:?} {params:?}",
            guest.mem, guest.allocations
        ))
    }

    #[test]
    fn fitting_trees_are_written_by_walking_them() {
        let records = sig(&[("p", point()), ("n", IType::Boolean)]);
        let nested_sig = sig(&[("n", nested())]);
        let bytes = sig(&[("data", IType::ByteArray)]);
        let walked = |value: &Value, signature: &FunctionSignature| {
            prepare(JsonInput::Value(value), signature).unwrap();
            tree_form(value, signature, top_kind(JsonInput::Value(value))).is_some()
        };
        assert!(walked(&json!([{"x": 2, "y": -1}, true]), &records));
        assert!(walked(&json!({"n": true, "p": [-1, 2]}), &records));
        assert!(walked(&json!([[1, 2, 255]]), &bytes));
        assert!(walked(&json!({"data": []}), &bytes));
        let full = json!({"name": "n", "points": [{"x": 1, "y": 2}, [3, 4]], "data": [9],
                          "flag": false, "f": 1, "d": "-Infinity", "small": -128,
                          "u16": 65535, "i16": -32768});
        assert!(walked(&json!([full]), &nested_sig));
        assert!(walked(&json!({ "n": full }), &nested_sig));
        // A one-argument function given its whole array or object, and wrong values, take the
        // checking pass (and its answers).
        assert!(!walked(&json!([1, 2, 255]), &bytes));
        assert!(!walked(&full, &nested_sig));
        for wrong in [
            json!([[1, 256]]),
            json!([[1.0]]),
            json!({"data": [1], "x": 1}),
        ] {
            assert!(
                prepare(JsonInput::Value(&wrong), &bytes).is_err(),
                "{wrong}"
            );
        }
        let err = prepare(JsonInput::Value(&json!([[1e39, 0], true])), &records).unwrap_err();
        assert!(err.to_string().contains("p.y"), "{err}");
    }

    /// Equality that treats NaN as equal to NaN.
    fn values_eq(a: &Result<Vec<IValue>, String>, b: &Result<Vec<IValue>, String>) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    fn point() -> IType {
        IType::Record(Arc::new(IRecordType::with_fields(
            "Point",
            &[("y", IType::S32), ("x", IType::U64)],
        )))
    }

    fn nested() -> IType {
        IType::Record(Arc::new(IRecordType::with_fields(
            "Nested",
            &[
                ("name", IType::String),
                ("points", IType::Array(Box::new(point()))),
                ("data", IType::ByteArray),
                ("flag", IType::Boolean),
                ("f", IType::F32),
                ("d", IType::F64),
                ("small", IType::S8),
                ("u16", IType::U16),
                ("i16", IType::S16),
            ],
        )))
    }

    #[test]
    fn answers_and_errors_match_the_tree_conversion() {
        let one_string = sig(&[("name", IType::String)]);
        let strings = sig(&[("v", IType::Array(Box::new(IType::String)))]);
        let bytes = sig(&[("data", IType::ByteArray)]);
        let deep = sig(&[
            ("v", IType::Array(Box::new(IType::ByteArray))),
            ("w", IType::U8),
        ]);
        let ints = sig(&[("a", IType::U8), ("b", IType::U64), ("c", IType::S64)]);
        let floats = sig(&[("a", IType::F32), ("b", IType::F64)]);
        let records = sig(&[("p", point()), ("n", IType::Boolean)]);
        let nested_sig = sig(&[("n", nested())]);
        let none = sig(&[]);
        let one_u32 = sig(&[("n", IType::U32)]);
        let long: Vec<u32> = (0..100).collect();
        let cases: Vec<(Value, &FunctionSignature)> = vec![
            (json!(null), &none),
            (json!([]), &none),
            (json!({}), &none),
            (json!([1]), &none),
            (json!({"a": 1}), &none),
            (json!(7), &none),
            (json!(["Fluence"]), &one_string),
            (json!({"name": "Fluence"}), &one_string),
            (json!("Fluence"), &one_string),
            (json!("esc\"aped\n\u{1F600}"), &one_string),
            (json!(null), &one_string),
            (json!([["x"]]), &one_string),
            (json!({"name": "a", "other": 1}), &one_string),
            (json!({"nome": "a"}), &one_string),
            (json!([long]), &one_string),
            (json!("x".repeat(100)), &one_u32),
            (json!(["a", "b"]), &strings),
            (json!([["a", "b"]]), &strings),
            (json!(["a"]), &strings),
            (json!([]), &strings),
            (json!([[]]), &strings),
            (json!([[1, 2, 255]]), &bytes),
            (json!([1, 2, 255]), &bytes),
            (json!([[1, 2, 256]]), &bytes),
            (json!({"data": [0, 1]}), &bytes),
            (json!([[[1, 2], [3, 300]], 1]), &deep),
            (json!([[[1, 2], [], [3]], 1]), &deep),
            (json!([255, u64::MAX, i64::MIN]), &ints),
            (json!([256, 0, 0]), &ints),
            (json!([1, -1, 0]), &ints),
            (json!([1.0, 0, 0]), &ints),
            (json!([1, 2]), &ints),
            (json!([3.5, "-Infinity"]), &floats),
            (json!([1e39, 0]), &floats),
            (json!(["Infinity", "nan"]), &floats),
            (json!([7, u64::MAX]), &floats),
            (json!([{"x": 2, "y": -1}, true]), &records),
            (json!([[-1, 2], true]), &records),
            (json!({"n": true, "p": {"y": -1, "x": 2}}), &records),
            (json!([{"x": "2", "y": -1}, true]), &records),
            (json!([{"x": 2, "y": -1, "z": 0}, true]), &records),
            (json!([{"x": 2}, true]), &records),
            (json!([7, true]), &records),
            (json!({"p": [-1, 2]}), &records),
            (json!({"p": [-1, 2], "n": true, "q": 1}), &records),
            (
                json!([{"name": "n", "points": [{"x": 1, "y": 2}, [3, 4]], "data": [9],
                        "flag": false, "f": 0.5, "d": "NaN", "small": -128, "u16": 65535,
                        "i16": -32768}]),
                &nested_sig,
            ),
            (
                json!({"name": "n", "points": [], "data": [], "flag": true, "f": 1,
                       "d": 2, "small": 0, "u16": 0, "i16": 0}),
                &nested_sig,
            ),
            (
                json!({"name": "n", "points": [{"x": 1, "y": 2}, {"x": -1, "y": 0}],
                       "data": [], "flag": true, "f": 1, "d": 2, "small": 0, "u16": 0,
                       "i16": 0}),
                &nested_sig,
            ),
        ];
        for (value, signature) in cases {
            same(value, signature);
        }
    }

    fn shape() -> IType {
        use crate::types::{IEnumType, IEnumVariant};
        let field = |name: &str, ty: IType| IRecordField {
            name: name.into(),
            ty,
        };
        IType::Enum(Arc::new(IEnumType {
            name: "Shape".into(),
            variants: vec![
                IEnumVariant {
                    name: "Empty".into(),
                    kind: VariantKind::Unit,
                    fields: vec![],
                },
                IEnumVariant {
                    name: "Circle".into(),
                    kind: VariantKind::Tuple,
                    fields: vec![field("0", IType::F64)],
                },
                IEnumVariant {
                    name: "Line".into(),
                    kind: VariantKind::Tuple,
                    fields: vec![field("0", point()), field("1", point())],
                },
                IEnumVariant {
                    name: "Named".into(),
                    kind: VariantKind::Struct,
                    fields: vec![
                        field("label", IType::String),
                        field("data", IType::ByteArray),
                    ],
                },
            ],
        }))
    }

    #[test]
    fn extension_types_answer_as_the_tree_conversion() {
        let opt = |t: IType| IType::Option(Box::new(t));
        let options = sig(&[
            ("a", opt(IType::String)),
            ("b", opt(opt(IType::U8))),
            ("c", opt(point())),
        ]);
        let results = sig(&[(
            "r",
            IType::Result(
                Box::new(IType::Array(Box::new(IType::String))),
                Box::new(IType::String),
            ),
        )]);
        let tuples = sig(&[
            ("t", IType::Tuple(vec![IType::U8, IType::String, point()])),
            ("u", IType::Tuple(vec![])),
        ]);
        let shapes = sig(&[("s", shape()), ("v", IType::Array(Box::new(shape())))]);
        let one_shape = sig(&[("s", shape())]);
        let cases: Vec<(Value, &FunctionSignature)> = vec![
            (json!(["x", 7, {"x": 1, "y": 2}]), &options),
            (json!([null, null, null]), &options),
            (json!({"a": "s", "b": 255, "c": [1, 2]}), &options),
            (json!([1, null, null]), &options),
            (json!([null, 256, null]), &options),
            (json!([null, null, {"x": 1}]), &options),
            (json!([{"Ok": ["a", "b"]}]), &results),
            (json!({"Err": "bad"}), &results),
            (json!([{"Ok": ["a", 1]}]), &results),
            (json!([{"Ok": [], "Err": "x"}]), &results),
            (json!([{"ok": []}]), &results),
            (json!(["Ok"]), &results),
            (json!([[1, "s", [1, 2]], null]), &tuples),
            (json!([[1, "s", {"x": 1, "y": -1}], []]), &tuples),
            (json!([[1, "s"], null]), &tuples),
            (json!([[1, "s", [1, 2]], [1]]), &tuples),
            (json!([[1, 2, [1, 2]], null]), &tuples),
            (json!(["Empty", []]), &shapes),
            (
                json!([{"Empty": null}, ["Empty", {"Circle": 1.5}]]),
                &shapes,
            ),
            (
                json!([{"Line": [[1, 2], {"x": 3, "y": 4}]}, [{"Named": {"label": "l", "data": [1]}}]]),
                &shapes,
            ),
            (json!([{"Named": ["l", [255]]}, []]), &shapes),
            (json!(["Circle", []]), &shapes),
            (json!([{"Circle": "x"}, []]), &shapes),
            (json!([{"Line": [[1, 2]]}, []]), &shapes),
            (json!([{"Named": {"label": "l"}}, []]), &shapes),
            (
                json!([{"Named": {"label": "l", "data": [1], "x": 1}}, []]),
                &shapes,
            ),
            (
                json!([{"Named": {"label": "l", "data": [256]}}, []]),
                &shapes,
            ),
            (json!(["Square", []]), &shapes),
            (json!([{"Empty": null, "Circle": 1}, []]), &shapes),
            (json!(["Empty", ["Empty", 7]]), &shapes),
            (json!("Empty"), &one_shape),
            (json!({"Circle": 2}), &one_shape),
            (json!({"s": {"Circle": 2}}), &one_shape),
        ];
        for (value, signature) in cases {
            same(value, signature);
        }
    }

    #[test]
    fn extension_values_from_a_tree_are_read_to_a_bounded_depth() {
        let s = sig(&[("o", IType::Option(Box::new(IType::U8)))]);
        let mut deep = json!(1);
        for _ in 0..300 {
            deep = json!([deep]);
        }
        // Not a fitting tree: the checking pass reads it, to its depth limit.
        let err = prepare(JsonInput::Value(&json!([deep])), &s).unwrap_err();
        assert!(err.to_string().contains("nesting deeper than 128"), "{err}");
        let text = json!([deep]).to_string();
        let err = prepare(JsonInput::Text(&text), &s).unwrap_err();
        assert!(matches!(err, JsonArgsError::Syntax { .. }), "{err}");
    }

    /// Byte arrays in text are read from their text when they are plain integers 0-255
    /// (`scan_byte_array`) and by the parser otherwise: written in any spacing or form, the
    /// answer, error and guest memory are those of the same value given as a tree.
    #[test]
    fn byte_arrays_in_text_answer_as_trees_in_every_form() {
        let bytes = sig(&[("data", IType::ByteArray)]);
        let nested_sig = sig(&[("n", nested())]);
        let texts = [
            "[[]]",
            "[ [ ] ]",
            "[[0]]",
            "[[ 1 ,2,\n\t3\r, 255 ]]",
            "{\"data\": [0,10,100,200,255]}",
            "[1, 2, 3]",
            "[[256]]",
            "[[1000]]",
            "[[1, 99999999999999999999]]",
            "[[-0]]",
            "[[-1]]",
            "[[0.0]]",
            "[[1.5]]",
            "[[1e2]]",
            "[[2E0]]",
            "[[1, \"2\"]]",
            "[[1, null]]",
            "[[true]]",
            "[[[1]]]",
            "[[{}]]",
            "[\"AQI=\"]",
            "[{\"name\": \"n\", \"points\": [], \"data\": [ 9 , 8 ], \"flag\": true, \"f\": 1, \"d\": 2, \"small\": 0, \"u16\": 0, \"i16\": 0}]",
            "[{\"name\": \"n\", \"points\": [], \"data\": [9, -8], \"flag\": true, \"f\": 1, \"d\": 2, \"small\": 0, \"u16\": 0, \"i16\": 0}]",
        ];
        for text in texts {
            let signature = if text.contains("points") {
                &nested_sig
            } else {
                &bytes
            };
            let value: Value = serde_json::from_str(text).unwrap();
            let expected = json_to_ivalues(&value, signature).map_err(|e| e.to_string());
            let from_text = lowered(JsonInput::Text(text), signature);
            assert!(
                values_eq(&from_text, &expected),
                "text {text}: {from_text:?} != {expected:?}"
            );
            assert_eq!(
                written(JsonInput::Text(text), signature),
                written(JsonInput::Value(&value), signature),
                "{text}"
            );
        }
        // A syntax error inside a byte array is the parser's, with its position.
        for text in ["[[1,]]", "[[01]]", "[[1 2]]", "[[1, 2]"] {
            let err = prepare(JsonInput::Text(text), &bytes).unwrap_err();
            assert!(matches!(err, JsonArgsError::Syntax { .. }), "{text}: {err}");
            assert!(err.to_string().contains("line 1 column"), "{text}: {err}");
        }
    }

    /// One element of a generated byte array's text: mostly plain bytes, sometimes anything
    /// else JSON can hold there.
    fn element_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            8 => (0u32..=255).prop_map(|b| b.to_string()),
            1 => (256u64..=u64::MAX).prop_map(|n| n.to_string()),
            1 => (i64::MIN..0).prop_map(|n| n.to_string()),
            1 => prop::sample::select(vec![
                "-0", "0.0", "1.5", "1e2", "2E0", "255.0", "1e-2", "\"7\"", "null", "true",
                "[]", "[1]", "{}", "\"\"",
            ])
            .prop_map(str::to_string),
        ]
    }

    /// JSON whitespace, mostly none.
    fn space() -> impl proptest::strategy::Strategy<Value = &'static str> {
        use proptest::prelude::*;
        prop_oneof![4 => Just(""), 1 => prop::sample::select(vec![" ", "\n", "\t", "\r", " \n "])]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any byte array text, in any spacing, gives what the same value given as a tree
        /// gives: the same values or error, and the same guest memory.
        #[test]
        fn byte_array_texts_answer_as_their_trees(
            elements in proptest::collection::vec((element_text(), space(), space()), 0..40),
            outer in (space(), space(), space(), space()),
        ) {
            let bytes = sig(&[("data", IType::ByteArray)]);
            let mut text = format!("{}[{}[", outer.0, outer.1);
            for (i, (element, before, after)) in elements.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(before);
                text.push_str(element);
                text.push_str(after);
            }
            text.push_str(&format!("]{}]{}", outer.2, outer.3));
            let value: Value = serde_json::from_str(&text).unwrap();
            let expected = json_to_ivalues(&value, &bytes).map_err(|e| e.to_string());
            let from_text = lowered(JsonInput::Text(&text), &bytes);
            proptest::prop_assert!(
                values_eq(&from_text, &expected),
                "text {}: {:?} != {:?}", text, from_text, expected
            );
            proptest::prop_assert_eq!(
                written(JsonInput::Text(&text), &bytes),
                written(JsonInput::Value(&value), &bytes)
            );
        }
    }

    #[test]
    fn scanning_takes_only_plain_bytes() {
        let scan = |text: &str| {
            let mut out = Vec::new();
            scan_byte_array(text.as_bytes(), &mut out).then_some(out)
        };
        assert_eq!(scan("[]"), Some(vec![]));
        assert_eq!(scan(" [ 0 , 7,255 ] "), Some(vec![0, 7, 255]));
        for text in [
            "[256]", "[1000]", "[-1]", "[1.0]", "[1e1]", "[\"1\"]", "{}", "1", "[1",
        ] {
            assert_eq!(scan(text), None, "{text}");
        }
    }

    #[test]
    fn text_only_errors() {
        let s = sig(&[("name", IType::String)]);
        let err = prepare(JsonInput::Text("[\"a\""), &s).unwrap_err();
        assert!(matches!(err, JsonArgsError::Syntax { .. }), "{err}");
        assert!(err.to_string().contains("line 1 column 4"), "{err}");
        let err = prepare(JsonInput::Text("null x"), &sig(&[])).unwrap_err();
        assert!(matches!(err, JsonArgsError::Syntax { .. }), "{err}");
        // A key given twice is refused (the tree kept the last one).
        let err = prepare(JsonInput::Text(r#"{"name": "a", "name": "b"}"#), &s).unwrap_err();
        assert!(err.to_string().contains("argument `name`"), "{err}");
        let r = sig(&[("p", point())]);
        let err = prepare(JsonInput::Text(r#"[{"x": 1, "y": 2, "x": 3}]"#), &r).unwrap_err();
        assert!(
            err.to_string()
                .contains("argument `p.x`: expected one value"),
            "{err}"
        );
        // A record given as an array of the wrong length is described by its length (the
        // tree form showed the array's text).
        let err = prepare(JsonInput::Text("[[1]]"), &r).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f`, argument `p`: expected Point, got array of 1 element(s)"
        );
    }

    #[test]
    fn nesting_is_bounded_by_the_parser_and_the_type() {
        let s = sig(&[("n", IType::U32)]);
        // Deeper than the parser's limit where a value is parsed, skipped beyond the preview.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = prepare(JsonInput::Text(&deep), &s).unwrap_err();
        assert!(
            err.to_string().contains("expected u32, got array [[[["),
            "{err}"
        );
        let deep = format!(
            "[{{\"a\": {}{}}}]",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let r = sig(&[("p", point())]);
        let err = prepare(JsonInput::Text(&deep), &r).unwrap_err();
        assert!(err.to_string().contains("p.a"), "{err}");
        let ok = format!("[{}1{}]", "[".repeat(50), "]".repeat(50));
        let err = prepare(JsonInput::Text(&ok), &s).unwrap_err();
        assert!(
            err.to_string().contains("expected u32, got array [[[["),
            "{err}"
        );
    }

    #[test]
    fn nothing_is_allocated_for_wrong_arguments_and_buffers_have_their_tags() {
        let s = sig(&[
            ("v", IType::Array(Box::new(IType::U64))),
            ("s", IType::String),
        ]);
        assert!(prepare(JsonInput::Text(r#"[[1, 2], 3]"#), &s).is_err());
        let prepared = prepare(JsonInput::Text(r#"[[1, 2], "hé"]"#), &s).unwrap();
        let mut guest = VecGuest::default();
        let mut params = Vec::new();
        prepared.lower(&mut guest, &mut |v| params.push(v)).unwrap();
        assert_eq!(guest.allocations, [(16, 4), (3, 1)]);
        assert_eq!(params.len(), 4);
    }
}
