//! What the call tests share: a hand-written WAT guest with metadata built from the ABI
//! core's section types, and helpers to load and call it.
//!
//! The guest has a bump `allocate` (logging every (size, tag) at 1024..4096), result slots,
//! a `release_objects` counter, and exports that echo what they receive: the layouts
//! host → guest and guest → host are the same, so echoing the pointers round-trips any value.

#![allow(dead_code)] // each test binary uses a part of it

use std::sync::Arc;

use marine_ast::{
    append_custom_section, ExternFnType, ExternModAst, FnArgument, FnSignature, FnSignatureAst,
    ParsedType, PassingStyle, RecordAst, RecordField, RecordFields, SDKAst,
    GENERATED_SECTION_PREFIX, SDK_VERSION_SECTION,
};
use marine_runtime::{IRecordType, IValue, Marine, MarineError};

pub use ParsedType::{
    Boolean, Record, Utf8String, Vector, F32, F64, I16, I32, I64, I8, U16, U32, U64, U8,
};

/// Passed by value (the outer type of every declared type here).
pub const V: PassingStyle = PassingStyle::ByValue;

/// `Vec<inner>`.
pub fn vec_of(inner: ParsedType) -> ParsedType {
    Vector(Box::new(inner), V)
}

/// The record type `name`.
pub fn record(name: &str) -> ParsedType {
    Record(name.to_string(), V)
}

/// `String`.
pub fn string() -> ParsedType {
    Utf8String(V)
}

/// A metadata section (name, JSON) of one document.
pub fn section(name: &str, ast: &SDKAst) -> (String, Vec<u8>) {
    (
        format!("{GENERATED_SECTION_PREFIX}{name}"),
        serde_json::to_vec(ast).expect("metadata serializes"),
    )
}

/// The signature `name(arguments) -> outputs`.
pub fn signature(
    name: &str,
    arguments: &[(&str, ParsedType)],
    outputs: &[ParsedType],
) -> FnSignature {
    FnSignature {
        name: name.to_string(),
        arguments: arguments
            .iter()
            .map(|(name, ty)| FnArgument {
                name: name.to_string(),
                ty: ty.clone(),
            })
            .collect(),
        output_types: outputs.to_vec(),
    }
}

/// The metadata section of an exported `#[marine]` function.
pub fn function_section(signature: FnSignature) -> (String, Vec<u8>) {
    let name = signature.name.clone();
    section(&name, &SDKAst::Function(FnSignatureAst { signature }))
}

/// The metadata section of a `#[marine]` record with these named fields.
pub fn record_section(name: &str, fields: &[(&str, ParsedType)]) -> (String, Vec<u8>) {
    let fields = fields
        .iter()
        .map(|(field, ty)| RecordField {
            name: Some(field.to_string()),
            ty: ty.clone(),
        })
        .collect();
    section(
        name,
        &SDKAst::Record(RecordAst {
            name: name.to_string(),
            fields: RecordFields::Named(fields),
        }),
    )
}

/// The metadata section of a `#[marine] extern` block importing `imports` (with their
/// `link_name`s) from `namespace`.
pub fn extern_section(
    namespace: &str,
    imports: Vec<(Option<&str>, FnSignature)>,
) -> (String, Vec<u8>) {
    let imports = imports
        .into_iter()
        .map(|(link_name, signature)| ExternFnType {
            link_name: link_name.map(str::to_string),
            signature,
        })
        .collect();
    section(
        namespace,
        &SDKAst::ExternMod(ExternModAst {
            namespace: namespace.to_string(),
            imports,
        }),
    )
}

/// Appends metadata sections to a module.
pub fn append_sections(wasm: &mut Vec<u8>, sections: &[(String, Vec<u8>)]) {
    for (name, data) in sections {
        append_custom_section(wasm, name, data);
    }
}

/// The guest's text: `IMPORTS` and `EXPORTS` are replaced.
pub const GUEST: &str = r#"
(module
  (import "__marine_host_api_v3" "log_utf8_string" (func $log (param i32 i32 i32 i32)))
  IMPORTS
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $rptr (mut i32) (i32.const 0))
  (global $rsize (mut i32) (i32.const 0))
  (global $releases (mut i32) (i32.const 0))
  (global $allocs (mut i32) (i32.const 0))
  (global $inited (mut i32) (i32.const 0))
  (global $fail_alloc (mut i32) (i32.const 0))
  (data (i32.const 16) "\ff\fe\fd")
  ;; a (ptr, len) pair pointing far out of bounds, at 32
  (data (i32.const 32) "\00\ff\ff\ff\0a\00\00\00")
  (data (i32.const 48) "hello from guest")

  (func (export "_initialize") (global.set $inited (i32.const 1)))

  (func $allocate (export "allocate") (param $size i32) (param $tag i32) (result i32)
    (local $ptr i32) (local $end i32) (local $need i32) (local $slot i32)
    (if (i32.eq (global.get $fail_alloc) (i32.const 1)) (then (return (i32.const 0))))
    (if (i32.eq (global.get $fail_alloc) (i32.const 2)) (then unreachable))
    (local.set $slot (i32.add (i32.const 1024)
      (i32.mul (i32.rem_u (global.get $allocs) (i32.const 384)) (i32.const 8))))
    (i32.store (local.get $slot) (local.get $size))
    (i32.store offset=4 (local.get $slot) (local.get $tag))
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
    (if (i32.eqz (local.get $size)) (then (return (i32.const 0))))
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (local.set $need (i32.sub
          (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
          (memory.size)))
        (if (i32.eq (memory.grow (local.get $need)) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  (func (export "release_objects") (global.set $releases (i32.add (global.get $releases) (i32.const 1))))
  (func (export "get_result_ptr") (result i32) (global.get $rptr))
  (func (export "get_result_size") (result i32) (global.get $rsize))
  (func (export "set_result_ptr") (param i32) (global.set $rptr (local.get 0)))
  (func (export "set_result_size") (param i32) (global.set $rsize (local.get 0)))

  (func $echo_sized (param i32 i32) (global.set $rptr (local.get 0)) (global.set $rsize (local.get 1)))
  (func $echo_record (param i32) (global.set $rptr (local.get 0)))
  (func $id_i32 (param i32) (result i32) (local.get 0))
  (func $id_i64 (param i64) (result i64) (local.get 0))
  (func $id_f32 (param f32) (result f32) (local.get 0))
  (func $id_f64 (param f64) (result f64) (local.get 0))
  (func $const_m1 (result i32) (i32.const -1))
  (func $get_releases (result i32) (global.get $releases))
  (func $get_inited (result i32) (global.get $inited))
  (func $set_fail_alloc (param i32) (global.set $fail_alloc (local.get 0)))
  (func $bad_ptr (global.set $rptr (i32.const -16)) (global.set $rsize (i32.const 100)))
  (func $past_end
    (global.set $rptr (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
    (global.set $rsize (i32.const 100)))
  (func $huge_count (global.set $rptr (i32.const 0)) (global.set $rsize (i32.const -1)))
  (func $invalid_utf8 (global.set $rptr (i32.const 16)) (global.set $rsize (i32.const 3)))
  (func $nested_bad (global.set $rptr (i32.const 32)) (global.set $rsize (i32.const 1)))
  (func $bad_record (global.set $rptr (i32.const -1)))
  (func $empty_dangling (global.set $rptr (i32.const -8)) (global.set $rsize (i32.const 0)))
  (func $trap unreachable)
  (func $log_hello (call $log (i32.const 3) (i32.const 0) (i32.const 48) (i32.const 16)))
  EXPORTS
)
"#;

/// The fields of the record `Inner`.
pub fn inner_fields() -> Vec<(&'static str, ParsedType)> {
    vec![("s", string()), ("b", vec_of(U8(V)))]
}

/// The fields of the record `All`: every scalar, a string, bytes, records and nested arrays.
pub fn all_fields() -> Vec<(&'static str, ParsedType)> {
    vec![
        ("f_bool", Boolean(V)),
        ("f_i8", I8(V)),
        ("f_i16", I16(V)),
        ("f_i32", I32(V)),
        ("f_i64", I64(V)),
        ("f_u8", U8(V)),
        ("f_u16", U16(V)),
        ("f_u32", U32(V)),
        ("f_u64", U64(V)),
        ("f_f32", F32(V)),
        ("f_f64", F64(V)),
        ("f_str", string()),
        ("f_bytes", vec_of(U8(V))),
        ("f_inner", record("Inner")),
        ("f_inners", vec_of(record("Inner"))),
        ("f_nested", vec_of(vec_of(string()))),
    ]
}

/// An export of the guest: (export name, wasm func, signature).
pub type Export = (String, &'static str, FnSignature);

/// An export taking one argument `v` of type `arg` and returning `out`.
pub fn export1(name: &str, func: &'static str, arg: ParsedType, out: ParsedType) -> Export {
    (
        name.to_string(),
        func,
        signature(name, &[("v", arg)], &[out]),
    )
}

/// An export without arguments returning `outputs`.
pub fn export0(name: &str, func: &'static str, outputs: &[ParsedType]) -> Export {
    (name.to_string(), func, signature(name, &[], outputs))
}

/// The guest's exports.
fn exports() -> Vec<Export> {
    let mut e = Vec::new();
    let rec = record("All");
    let sized: Vec<(&str, ParsedType)> = vec![
        ("echo_string", string()),
        ("echo_bytes", vec_of(U8(V))),
        ("echo_bools", vec_of(Boolean(V))),
        ("echo_i8s", vec_of(I8(V))),
        ("echo_u16s", vec_of(U16(V))),
        ("echo_i32s", vec_of(I32(V))),
        ("echo_u32s", vec_of(U32(V))),
        ("echo_i64s", vec_of(I64(V))),
        ("echo_u64s", vec_of(U64(V))),
        ("echo_f32s", vec_of(F32(V))),
        ("echo_f64s", vec_of(F64(V))),
        ("echo_strings", vec_of(string())),
        ("echo_byte_arrays", vec_of(vec_of(U8(V)))),
        ("echo_nested", vec_of(vec_of(vec_of(U64(V))))),
        ("echo_records", vec_of(rec.clone())),
    ];
    for (name, t) in sized {
        e.push(export1(name, "$echo_sized", t.clone(), t));
    }
    e.push(export1(
        "echo_record",
        "$echo_record",
        rec.clone(),
        rec.clone(),
    ));
    for (name, func, t) in [
        ("id_bool", "$id_i32", Boolean(V)),
        ("id_i8", "$id_i32", I8(V)),
        ("id_i16", "$id_i32", I16(V)),
        ("id_i32", "$id_i32", I32(V)),
        ("id_u8", "$id_i32", U8(V)),
        ("id_u16", "$id_i32", U16(V)),
        ("id_u32", "$id_i32", U32(V)),
        ("id_i64", "$id_i64", I64(V)),
        ("id_u64", "$id_i64", U64(V)),
        ("id_f32", "$id_f32", F32(V)),
        ("id_f64", "$id_f64", F64(V)),
    ] {
        e.push(export1(name, func, t.clone(), t));
    }
    e.push(export1("u8_as_u32", "$id_i32", U8(V), U32(V)));
    e.push(export1("i8_as_i32", "$id_i32", I8(V), I32(V)));
    e.push(export0("m1_as_u8", "$const_m1", &[U8(V)]));
    e.push(export0("m1_as_i16", "$const_m1", &[I16(V)]));
    e.push(export0("m1_as_u32", "$const_m1", &[U32(V)]));
    e.push(export0("releases", "$get_releases", &[U32(V)]));
    e.push(export0("inited", "$get_inited", &[Boolean(V)]));
    e.push((
        "set_fail_alloc".to_string(),
        "$set_fail_alloc",
        signature("set_fail_alloc", &[("v", I32(V))], &[]),
    ));
    for (name, func, o) in [
        ("bad_ptr", "$bad_ptr", vec![string()]),
        ("past_end", "$past_end", vec![vec_of(U8(V))]),
        ("huge_count", "$huge_count", vec![vec_of(string())]),
        ("invalid_utf8", "$invalid_utf8", vec![string()]),
        ("nested_bad", "$nested_bad", vec![vec_of(string())]),
        ("bad_record", "$bad_record", vec![rec.clone()]),
        (
            "empty_dangling",
            "$empty_dangling",
            vec![vec_of(vec_of(string()))],
        ),
        ("trap", "$trap", vec![]),
        ("log_hello", "$log_hello", vec![]),
    ] {
        e.push(export0(name, func, &o));
    }
    e
}

/// The guest.
pub fn guest_wasm() -> Vec<u8> {
    guest_wasm_with("", "", vec![], &[])
}

/// The guest with extra imports, function definitions, exports and metadata sections.
pub fn guest_wasm_with(
    imports: &str,
    funcs: &str,
    extra: Vec<Export>,
    sections: &[(String, Vec<u8>)],
) -> Vec<u8> {
    let mut list = exports();
    list.extend(extra);
    let export_lines: String = list
        .iter()
        .map(|(name, func, _)| format!("(export \"{name}\" (func {func}))\n"))
        .collect();
    let text = GUEST
        .replace("IMPORTS", imports)
        .replace("EXPORTS", &format!("{funcs}\n{export_lines}"));
    let mut wasm = wat::parse_str(text).unwrap();
    append_sections(&mut wasm, sections);
    for (_, _, signature) in list {
        append_sections(&mut wasm, &[function_section(signature)]);
    }
    append_sections(
        &mut wasm,
        &[
            record_section("Inner", &inner_fields()),
            record_section("All", &all_fields()),
        ],
    );
    append_custom_section(&mut wasm, SDK_VERSION_SECTION, b"0.14.0");
    wasm
}

/// A service with the guest loaded as `g`.
pub fn marine() -> Marine {
    let mut m = Marine::new();
    m.load_module("g", guest_wasm()).unwrap();
    m
}

/// Calls `f` of `g`.
pub fn call(m: &mut Marine, f: &str, args: Vec<IValue>) -> Result<Vec<IValue>, MarineError> {
    m.call_with_ivalues("g", f, &args)
}

/// Calls the echo `f` of `g` with `v` and checks that `v` comes back.
pub fn echo(m: &mut Marine, f: &str, v: IValue) {
    assert_eq!(call(m, f, vec![v.clone()]).unwrap(), vec![v], "{f}");
}

/// `g` still serves calls.
pub fn assert_next_call_works(m: &mut Marine) {
    echo(m, "echo_string", IValue::String("still alive".into()));
}

/// (size, tag) pairs logged by the guest allocator since `from`.
pub fn alloc_log(m: &Marine, from: u32) -> Vec<(u32, u32)> {
    let module = m.module("g").unwrap();
    let mem = module
        .with_store(|store| module.abi().memory_view(&*store).to_vec())
        .unwrap();
    // Scan the guest's log until an empty slot.
    let mut v = Vec::new();
    for i in from..384 {
        let at = 1024 + 8 * i as usize;
        let size = u32::from_le_bytes(mem[at..at + 4].try_into().unwrap());
        let tag = u32::from_le_bytes(mem[at + 4..at + 8].try_into().unwrap());
        if size == 0 && tag == 0 {
            break;
        }
        v.push((size, tag));
    }
    v
}

/// A value of the record `Inner`.
pub fn inner(s: &str, b: &[u8]) -> IValue {
    IValue::Record(vec![
        IValue::String(s.into()),
        IValue::ByteArray(b.to_vec()),
    ])
}

/// A value of the record `All`.
pub fn all_record(seed: u8) -> IValue {
    IValue::Record(vec![
        IValue::Boolean(seed.is_multiple_of(2)),
        IValue::S8(i8::MIN),
        IValue::S16(-12345),
        IValue::S32(i32::MIN),
        IValue::S64(i64::MIN),
        IValue::U8(u8::MAX),
        IValue::U16(u16::MAX),
        IValue::U32(u32::MAX),
        IValue::U64(u64::MAX),
        IValue::F32(-1.5),
        IValue::F64(f64::MAX),
        IValue::String(format!("ünïcödé ✓ {seed}")),
        IValue::ByteArray(vec![seed, 0, 255]),
        inner("inner", &[1, 2, 3]),
        IValue::Array(vec![inner("", &[]), inner("x", &[9])]),
        IValue::Array(vec![
            IValue::Array(vec![IValue::String("a".into()), IValue::String("".into())]),
            IValue::Array(vec![]),
        ]),
    ])
}

/// The interface type of the guest's record `Inner`.
pub fn guest_inner_type() -> Arc<IRecordType> {
    let m = marine();
    m.module_interface("g").unwrap().records["Inner"].clone()
}
