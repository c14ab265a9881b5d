//! End-to-end tests of load + call against a hand-written WAT guest.
//!
//! The guest has a bump `allocate` (logging every (size, tag) at 1024..4096), result slots,
//! a `release_objects` counter, and exports that echo what they receive: the layouts
//! host → guest and guest → host are the same, so echoing the pointers round-trips any value.

use std::sync::Arc;

use crate::test_utils::{append_custom_section, fn_section, record_section};
use crate::{HostImport, IType, IValue, MModuleConfig, Marine, MarineEngine, MarineError};

const GUEST: &str = r#"
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

const REC_INNER: &str = r#"[{"name":"s","ty":{"Utf8String":"ByValue"}},{"name":"b","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}}]"#;
const REC_ALL: &str = r#"[
  {"name":"f_bool","ty":{"Boolean":"ByValue"}},{"name":"f_i8","ty":{"I8":"ByValue"}},
  {"name":"f_i16","ty":{"I16":"ByValue"}},{"name":"f_i32","ty":{"I32":"ByValue"}},
  {"name":"f_i64","ty":{"I64":"ByValue"}},{"name":"f_u8","ty":{"U8":"ByValue"}},
  {"name":"f_u16","ty":{"U16":"ByValue"}},{"name":"f_u32","ty":{"U32":"ByValue"}},
  {"name":"f_u64","ty":{"U64":"ByValue"}},{"name":"f_f32","ty":{"F32":"ByValue"}},
  {"name":"f_f64","ty":{"F64":"ByValue"}},{"name":"f_str","ty":{"Utf8String":"ByValue"}},
  {"name":"f_bytes","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}},
  {"name":"f_inner","ty":{"Record":["Inner","ByValue"]}},
  {"name":"f_inners","ty":{"Vector":[{"Record":["Inner","ByValue"]},"ByValue"]}},
  {"name":"f_nested","ty":{"Vector":[{"Vector":[{"Utf8String":"ByValue"},"ByValue"]},"ByValue"]}}
]"#;

fn ty(t: &str) -> String {
    format!(r#"{{"{t}":"ByValue"}}"#)
}
fn vec_of(inner: &str) -> String {
    format!(r#"{{"Vector":[{inner},"ByValue"]}}"#)
}
fn arg(t: &str) -> String {
    format!(r#"[{{"name":"v","ty":{t}}}]"#)
}
fn out(t: &str) -> String {
    format!("[{t}]")
}

/// (export name, wasm func, args JSON, outputs JSON)
fn exports() -> Vec<(String, &'static str, String, String)> {
    let mut e = Vec::new();
    let rec = r#"{"Record":["All","ByValue"]}"#.to_string();
    let sized: Vec<(&str, String)> = vec![
        ("echo_string", ty("Utf8String")),
        ("echo_bytes", vec_of(&ty("U8"))),
        ("echo_bools", vec_of(&ty("Boolean"))),
        ("echo_i8s", vec_of(&ty("I8"))),
        ("echo_u16s", vec_of(&ty("U16"))),
        ("echo_i32s", vec_of(&ty("I32"))),
        ("echo_u32s", vec_of(&ty("U32"))),
        ("echo_i64s", vec_of(&ty("I64"))),
        ("echo_u64s", vec_of(&ty("U64"))),
        ("echo_f32s", vec_of(&ty("F32"))),
        ("echo_f64s", vec_of(&ty("F64"))),
        ("echo_strings", vec_of(&ty("Utf8String"))),
        ("echo_byte_arrays", vec_of(&vec_of(&ty("U8")))),
        ("echo_nested", vec_of(&vec_of(&vec_of(&ty("U64"))))),
        ("echo_records", vec_of(&rec)),
    ];
    for (name, t) in sized {
        e.push((name.to_string(), "$echo_sized", arg(&t), out(&t)));
    }
    e.push(("echo_record".into(), "$echo_record", arg(&rec), out(&rec)));
    for (name, func, t) in [
        ("id_bool", "$id_i32", "Boolean"),
        ("id_i8", "$id_i32", "I8"),
        ("id_i16", "$id_i32", "I16"),
        ("id_i32", "$id_i32", "I32"),
        ("id_u8", "$id_i32", "U8"),
        ("id_u16", "$id_i32", "U16"),
        ("id_u32", "$id_i32", "U32"),
        ("id_i64", "$id_i64", "I64"),
        ("id_u64", "$id_i64", "U64"),
        ("id_f32", "$id_f32", "F32"),
        ("id_f64", "$id_f64", "F64"),
    ] {
        e.push((name.into(), func, arg(&ty(t)), out(&ty(t))));
    }
    e.push((
        "u8_as_u32".into(),
        "$id_i32",
        arg(&ty("U8")),
        out(&ty("U32")),
    ));
    e.push((
        "i8_as_i32".into(),
        "$id_i32",
        arg(&ty("I8")),
        out(&ty("I32")),
    ));
    e.push(("m1_as_u8".into(), "$const_m1", "[]".into(), out(&ty("U8"))));
    e.push((
        "m1_as_i16".into(),
        "$const_m1",
        "[]".into(),
        out(&ty("I16")),
    ));
    e.push((
        "m1_as_u32".into(),
        "$const_m1",
        "[]".into(),
        out(&ty("U32")),
    ));
    e.push((
        "releases".into(),
        "$get_releases",
        "[]".into(),
        out(&ty("U32")),
    ));
    e.push((
        "inited".into(),
        "$get_inited",
        "[]".into(),
        out(&ty("Boolean")),
    ));
    e.push((
        "set_fail_alloc".into(),
        "$set_fail_alloc",
        arg(&ty("I32")),
        "[]".into(),
    ));
    let string = ty("Utf8String");
    for (name, func, o) in [
        ("bad_ptr", "$bad_ptr", out(&string)),
        ("past_end", "$past_end", out(&vec_of(&ty("U8")))),
        ("huge_count", "$huge_count", out(&vec_of(&string))),
        ("invalid_utf8", "$invalid_utf8", out(&string)),
        ("nested_bad", "$nested_bad", out(&vec_of(&string))),
        ("bad_record", "$bad_record", out(&rec)),
        (
            "empty_dangling",
            "$empty_dangling",
            out(&vec_of(&vec_of(&string))),
        ),
        ("trap", "$trap", "[]".into()),
        ("log_hello", "$log_hello", "[]".into()),
    ] {
        e.push((name.into(), func, "[]".into(), o));
    }
    e
}

fn guest_wasm() -> Vec<u8> {
    guest_wasm_with("", "", vec![], &[])
}

/// The guest with extra imports, function definitions, exports and metadata sections.
fn guest_wasm_with(
    imports: &str,
    funcs: &str,
    extra: Vec<(String, &'static str, String, String)>,
    sections: &[(String, String)],
) -> Vec<u8> {
    let mut list = exports();
    list.extend(extra);
    let export_lines: String = list
        .iter()
        .map(|(name, func, _, _)| format!("(export \"{name}\" (func {func}))\n"))
        .collect();
    let text = GUEST
        .replace("IMPORTS", imports)
        .replace("EXPORTS", &format!("{funcs}\n{export_lines}"));
    let mut wasm = wat::parse_str(text).unwrap();
    for (s, d) in sections {
        append_custom_section(&mut wasm, s, d.as_bytes());
    }
    for (name, _, args, outs) in &list {
        let (s, d) = fn_section(name, args, outs);
        append_custom_section(&mut wasm, &s, d.as_bytes());
    }
    for (s, d) in [
        record_section("Inner", REC_INNER),
        record_section("All", REC_ALL),
    ] {
        append_custom_section(&mut wasm, &s, d.as_bytes());
    }
    append_custom_section(&mut wasm, "__fluence_sdk_version", b"0.14.0");
    wasm
}

fn marine() -> Marine {
    let mut m = Marine::new();
    m.load_module("g", guest_wasm()).unwrap();
    m
}

fn call(m: &mut Marine, f: &str, args: Vec<IValue>) -> Result<Vec<IValue>, MarineError> {
    m.call_with_ivalues("g", f, &args)
}

fn echo(m: &mut Marine, f: &str, v: IValue) {
    assert_eq!(call(m, f, vec![v.clone()]).unwrap(), vec![v], "{f}");
}

/// (size, tag) pairs logged by the guest allocator since `from`.
fn alloc_log(m: &Marine, from: u32) -> Vec<(u32, u32)> {
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

fn inner(s: &str, b: &[u8]) -> IValue {
    IValue::Record(vec![
        IValue::String(s.into()),
        IValue::ByteArray(b.to_vec()),
    ])
}

fn all_record(seed: u8) -> IValue {
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

#[test]
fn initialize_runs_and_interface_is_read() {
    let mut m = marine();
    assert_eq!(
        call(&mut m, "inited", vec![]).unwrap(),
        vec![IValue::Boolean(true)]
    );
    let iface = m.module_interface("g").unwrap();
    assert_eq!(iface.sdk_version.as_deref(), Some("0.14.0"));
    assert_eq!(
        iface.functions["echo_nested"].to_string(),
        "func echo_nested(v: [][][]u64) -> [][][]u64"
    );
    assert_eq!(
        iface.functions["echo_byte_arrays"].outputs[0],
        IType::Array(Box::new(IType::ByteArray))
    );
    assert_eq!(iface.records["All"].fields.len(), 16);
}

#[test]
fn scalars_round_trip() {
    let mut m = marine();
    for v in [IValue::Boolean(true), IValue::Boolean(false)] {
        echo(&mut m, "id_bool", v);
    }
    for v in [i8::MIN, -1, 0, i8::MAX] {
        echo(&mut m, "id_i8", IValue::S8(v));
    }
    for v in [i16::MIN, -1, i16::MAX] {
        echo(&mut m, "id_i16", IValue::S16(v));
    }
    for v in [i32::MIN, -1, i32::MAX] {
        echo(&mut m, "id_i32", IValue::S32(v));
    }
    for v in [0, 200, u8::MAX] {
        echo(&mut m, "id_u8", IValue::U8(v));
    }
    echo(&mut m, "id_u16", IValue::U16(u16::MAX));
    for v in [0, 1 << 31, u32::MAX] {
        echo(&mut m, "id_u32", IValue::U32(v));
    }
    for v in [i64::MIN, -1, i64::MAX] {
        echo(&mut m, "id_i64", IValue::S64(v));
    }
    for v in [0, 1 << 63, u64::MAX] {
        echo(&mut m, "id_u64", IValue::U64(v));
    }
    echo(&mut m, "id_f32", IValue::F32(-0.0));
    echo(&mut m, "id_f64", IValue::F64(f64::MIN_POSITIVE));
    // NaN: compare bits.
    let out = call(&mut m, "id_f64", vec![IValue::F64(f64::NAN)]).unwrap();
    assert!(matches!(out[0], IValue::F64(x) if x.is_nan()));
    let out = call(&mut m, "id_f32", vec![IValue::F32(f32::NAN)]).unwrap();
    assert!(matches!(out[0], IValue::F32(x) if x.to_bits() == f32::NAN.to_bits()));
}

#[test]
fn narrow_ints_are_extended_and_truncated() {
    let mut m = marine();
    // u8 is zero-extended into the i32 parameter, i8 sign-extended.
    assert_eq!(
        call(&mut m, "u8_as_u32", vec![IValue::U8(200)]).unwrap(),
        vec![IValue::U32(200)]
    );
    assert_eq!(
        call(&mut m, "i8_as_i32", vec![IValue::S8(-2)]).unwrap(),
        vec![IValue::S32(-2)]
    );
    // A raw -1 result is truncated to the declared type.
    assert_eq!(
        call(&mut m, "m1_as_u8", vec![]).unwrap(),
        vec![IValue::U8(255)]
    );
    assert_eq!(
        call(&mut m, "m1_as_i16", vec![]).unwrap(),
        vec![IValue::S16(-1)]
    );
    assert_eq!(
        call(&mut m, "m1_as_u32", vec![]).unwrap(),
        vec![IValue::U32(u32::MAX)]
    );
}

#[test]
fn strings_and_byte_arrays() {
    let mut m = marine();
    for s in ["", "a", "Hi, user", "ünïcödé ✓ 日本語 🎉"] {
        echo(&mut m, "echo_string", IValue::String(s.into()));
    }
    echo(&mut m, "echo_bytes", IValue::ByteArray(vec![]));
    echo(&mut m, "echo_bytes", IValue::ByteArray((0..=255).collect()));
    // 1 MiB: memory must grow inside allocate.
    let big: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    echo(&mut m, "echo_bytes", IValue::ByteArray(big));
    // An array of U8 values is accepted for a byte array (JSON path) and comes back as bytes.
    assert_eq!(
        call(
            &mut m,
            "echo_bytes",
            vec![IValue::Array(vec![IValue::U8(1), IValue::U8(2)])]
        )
        .unwrap(),
        vec![IValue::ByteArray(vec![1, 2])]
    );
}

#[test]
fn scalar_arrays() {
    let mut m = marine();
    let arr = |v: Vec<IValue>| IValue::Array(v);
    echo(
        &mut m,
        "echo_bools",
        arr(vec![IValue::Boolean(true), IValue::Boolean(false)]),
    );
    echo(
        &mut m,
        "echo_i8s",
        arr(vec![IValue::S8(i8::MIN), IValue::S8(7)]),
    );
    echo(
        &mut m,
        "echo_u16s",
        arr(vec![IValue::U16(u16::MAX), IValue::U16(1)]),
    );
    echo(&mut m, "echo_i32s", arr(vec![IValue::S32(i32::MIN)]));
    echo(
        &mut m,
        "echo_u32s",
        arr(vec![IValue::U32(u32::MAX), IValue::U32(1 << 31)]),
    );
    echo(
        &mut m,
        "echo_i64s",
        arr(vec![IValue::S64(i64::MIN), IValue::S64(i64::MAX)]),
    );
    echo(
        &mut m,
        "echo_u64s",
        arr(vec![IValue::U64(u64::MAX), IValue::U64(0)]),
    );
    echo(
        &mut m,
        "echo_f32s",
        arr(vec![IValue::F32(1.25), IValue::F32(f32::INFINITY)]),
    );
    echo(&mut m, "echo_f64s", arr(vec![IValue::F64(-2.5)]));
    for f in [
        "echo_bools",
        "echo_u64s",
        "echo_strings",
        "echo_records",
        "echo_nested",
    ] {
        echo(&mut m, f, arr(vec![]));
    }
}

#[test]
fn nested_arrays_and_records() {
    let mut m = marine();
    let s = |x: &str| IValue::String(x.into());
    echo(
        &mut m,
        "echo_strings",
        IValue::Array(vec![s("a"), s(""), s("日本")]),
    );
    echo(
        &mut m,
        "echo_byte_arrays",
        IValue::Array(vec![
            IValue::ByteArray(vec![1]),
            IValue::ByteArray(vec![]),
            IValue::ByteArray(vec![2, 3]),
        ]),
    );
    let u = |v: u64| IValue::U64(v);
    echo(
        &mut m,
        "echo_nested",
        IValue::Array(vec![
            IValue::Array(vec![
                IValue::Array(vec![u(1), u(u64::MAX)]),
                IValue::Array(vec![]),
            ]),
            IValue::Array(vec![]),
            IValue::Array(vec![IValue::Array(vec![u(3)])]),
        ]),
    );
    echo(&mut m, "echo_record", all_record(1));
    echo(
        &mut m,
        "echo_records",
        IValue::Array(vec![all_record(2), all_record(3)]),
    );
}

#[test]
fn allocation_tags_and_order() {
    let mut m = marine();
    let before = alloc_log(&m, 0).len() as u32;
    call(
        &mut m,
        "echo_u64s",
        vec![IValue::Array(vec![IValue::U64(1), IValue::U64(2)])],
    )
    .unwrap();
    call(
        &mut m,
        "echo_strings",
        vec![IValue::Array(vec![IValue::String("ab".into())])],
    )
    .unwrap();
    call(&mut m, "echo_record", vec![all_record(0)]).unwrap();
    let log = alloc_log(&m, before);
    assert_eq!(&log[..3], &[(16, 4), (8, 3), (2, 1)]);
    // Record: nested buffers first (string, bytes, inner record's string/bytes, inner record,
    // the []Inner pointer array before its elements, ...), the 79-byte record last.
    assert_eq!(log.last(), Some(&(79, 1)));
    assert_eq!(log[3], ("ünïcödé ✓ 0".len() as u32, 1), "f_str first");
}

#[test]
fn release_objects_only_after_complex_outputs() {
    let mut m = marine();
    let releases = |m: &mut Marine| match call(m, "releases", vec![]).unwrap()[0] {
        IValue::U32(n) => n,
        _ => unreachable!(),
    };
    let r0 = releases(&mut m);
    call(&mut m, "id_i32", vec![IValue::S32(1)]).unwrap();
    assert_eq!(releases(&mut m), r0);
    call(&mut m, "echo_string", vec![IValue::String("x".into())]).unwrap();
    assert_eq!(releases(&mut m), r0 + 1);
    call(&mut m, "echo_record", vec![all_record(0)]).unwrap();
    assert_eq!(releases(&mut m), r0 + 2);
    // Also after a failed lift.
    call(&mut m, "bad_ptr", vec![]).unwrap_err();
    assert_eq!(releases(&mut m), r0 + 3);
}

#[test]
fn empty_results_with_dangling_pointer() {
    let mut m = marine();
    assert_eq!(
        call(&mut m, "empty_dangling", vec![]).unwrap(),
        vec![IValue::Array(vec![])]
    );
}

fn assert_next_call_works(m: &mut Marine) {
    echo(m, "echo_string", IValue::String("still alive".into()));
}

#[test]
fn guest_garbage_gives_typed_errors() {
    let mut m = marine();
    let e = call(&mut m, "bad_ptr", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { ptr, len: 100, function, .. } if *ptr == 0xFFFF_FFF0 && function == "bad_ptr"),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "past_end", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { len: 100, .. }),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "huge_count", vec![]).unwrap_err();
    assert!(
        matches!(&e, MarineError::OutOfBounds { len, .. } if *len == u32::MAX as u64 * 8),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "invalid_utf8", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::InvalidUtf8 {
                valid_up_to: 0,
                len: 3,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "nested_bad", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::OutOfBounds {
                ptr: 0xFFFF_FF00,
                len: 10,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);

    let e = call(&mut m, "bad_record", vec![]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::OutOfBounds {
                ptr: 0xFFFF_FFFF,
                len: 79,
                ..
            }
        ),
        "{e}"
    );
    assert_next_call_works(&mut m);
}

#[test]
fn traps_are_typed_and_recoverable() {
    let mut m = marine();
    let e = call(&mut m, "trap", vec![]).unwrap_err();
    match &e {
        MarineError::Trap {
            module,
            function,
            message,
            panic_message,
            ..
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("g", "trap"));
            assert!(message.contains("unreachable"), "{message}");
            assert_eq!(panic_message, &None);
            assert_eq!(e.trap_code(), Some(wasmtime::Trap::UnreachableCodeReached));
        }
        other => panic!("{other}"),
    }
    assert_next_call_works(&mut m);
}

#[test]
fn allocation_failures() {
    let mut m = marine();
    call(&mut m, "set_fail_alloc", vec![IValue::S32(1)]).unwrap();
    let e = call(&mut m, "echo_string", vec![IValue::String("x".into())]).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::Abi {
                source: crate::AbiError::Allocation {
                    size: 1,
                    tag: 1,
                    ..
                },
                ..
            }
        ),
        "{e}"
    );
    // Empty values need no allocation.
    echo(&mut m, "echo_string", IValue::String(String::new()));
    call(&mut m, "set_fail_alloc", vec![IValue::S32(2)]).unwrap();
    let e = call(&mut m, "echo_bytes", vec![IValue::ByteArray(vec![1])]).unwrap_err();
    assert!(e.to_string().contains("unreachable"), "{e}");
    call(&mut m, "set_fail_alloc", vec![IValue::S32(0)]).unwrap();
    assert_next_call_works(&mut m);
}

#[test]
fn argument_checks() {
    let mut m = marine();
    let e = call(&mut m, "echo_string", vec![]).unwrap_err();
    assert!(
        matches!(
            e,
            MarineError::ArgumentCount {
                expected: 1,
                given: 0,
                ..
            }
        ),
        "{e}"
    );
    let e = call(&mut m, "echo_string", vec![IValue::S32(1)]).unwrap_err();
    match e {
        MarineError::ArgumentType {
            argument,
            expected,
            given,
            function,
            ..
        } => {
            assert_eq!(
                (argument.as_str(), expected.as_str(), given.as_str()),
                ("v", "string", "i32")
            );
            assert_eq!(function, "echo_string");
        }
        other => panic!("{other}"),
    }
    let e = call(
        &mut m,
        "echo_u32s",
        vec![IValue::Array(vec![IValue::U32(1), IValue::U64(2)])],
    )
    .unwrap_err();
    assert!(e.to_string().contains("array element 1: u64"), "{e}");
    let e = call(&mut m, "echo_record", vec![IValue::Record(vec![])]).unwrap_err();
    assert!(e.to_string().contains("record with 0 fields"), "{e}");
    let e = call(&mut m, "nope", vec![]).unwrap_err();
    assert!(matches!(e, MarineError::NoSuchFunction { .. }), "{e}");
    // ABI functions are not callable as marine functions.
    assert!(matches!(
        call(&mut m, "allocate", vec![]).unwrap_err(),
        MarineError::NoSuchFunction { .. }
    ));
    let e = m.call_with_ivalues("nomod", "f", &[]).unwrap_err();
    assert!(matches!(e, MarineError::NoSuchModule(_)), "{e}");
}

#[test]
fn logger_import_is_linked() {
    let mut m = marine();
    call(&mut m, "log_hello", vec![]).unwrap();
}

#[test]
fn modules_are_isolated_and_cached() {
    let engine = MarineEngine::new().unwrap();
    let mut m = Marine::with_engine(engine.clone());
    let wasm = guest_wasm();
    m.load_module("a", wasm.clone()).unwrap();
    m.load_module("b", wasm.clone()).unwrap();
    assert_eq!(engine.cached_modules(), 1);
    assert!(matches!(
        m.load_module("a", wasm.clone()),
        Err(MarineError::NonUniqueModuleName(_))
    ));
    m.call_with_ivalues("a", "echo_string", &[IValue::String("x".into())])
        .unwrap();
    let r = |m: &mut Marine, n| m.call_with_ivalues(n, "releases", &[]).unwrap();
    assert_eq!(r(&mut m, "a"), vec![IValue::U32(1)]);
    assert_eq!(r(&mut m, "b"), vec![IValue::U32(0)]);
    m.unload_module("a").unwrap();
    assert!(m.call_with_ivalues("a", "releases", &[]).is_err());
    m.load_module("a", wasm).unwrap();
    assert_eq!(r(&mut m, "a"), vec![IValue::U32(0)]);
    assert_eq!(m.module_names(), vec!["a".to_string(), "b".to_string()]);
}

#[test]
fn load_from_path_and_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.wasm");
    std::fs::write(&path, guest_wasm()).unwrap();
    let mut m = Marine::new();
    m.load_module("g", path.as_path()).unwrap();
    echo(&mut m, "echo_string", IValue::String("from file".into()));
    let e = m
        .load_module("h", dir.path().join("missing.wasm"))
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::Io { path, .. } if path.ends_with("missing.wasm")),
        "{e}"
    );
}

#[test]
fn load_errors() {
    let mut m = Marine::new();
    // Unknown import: link error naming it.
    let wasm =
        wat::parse_str(r#"(module (import "effector" "put" (func)) (memory (export "memory") 1))"#)
            .unwrap();
    let e = m.load_module("x", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Link { .. }) && e.to_string().contains("effector::put"),
        "{e}"
    );
    // Missing ABI export.
    let wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let e = m.load_module("y", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::MissingExport { export, .. } if export == "allocate"),
        "{e}"
    );
    // Metadata function not exported.
    let mut wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let (s, d) = fn_section("ghost", "[]", "[]");
    append_custom_section(&mut wasm, &s, d.as_bytes());
    let e = m.load_module("z", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Metadata { .. }) && e.to_string().contains("ghost"),
        "{e}"
    );
    // Not wasm at all.
    let e = m.load_module("w", b"garbage".to_vec()).unwrap_err();
    assert!(
        matches!(
            &e,
            MarineError::Metadata { .. } | MarineError::Compile { .. }
        ),
        "{e}"
    );
    // A trapping start function.
    let wasm = guest_wasm_with("", r#"(func (export "_start") unreachable)"#, vec![], &[]);
    let e = m.load_module("v", wasm).unwrap_err();
    assert!(
        matches!(&e, MarineError::Instantiate { .. }) && e.to_string().contains("_start"),
        "{e}"
    );
    // Failed loads leave no module behind; the names can be reused.
    assert!(m.module_names().is_empty());
    m.load_module("x", guest_wasm()).unwrap();
    let _ = Arc::strong_count(&m.module_interface("x").unwrap());
}

/// Module "relay" imports `g.echo_string`, `g.id_u64` (Rust name `u64_of_g`, `link_name`
/// `id_u64`: the import field and the callee's export are the link name), `g.echo_record` and
/// `g.trap`, and exports relays that just call them: the runtime sets the relay's own result
/// slots, so the relay's wasm body has nothing else to do.
fn relay_wasm(extern_json: &str) -> Vec<u8> {
    let imports = r#"
      (import "g" "echo_string" (func $g_echo_string (param i32 i32)))
      (import "g" "id_u64" (func $g_id_u64 (param i64) (result i64)))
      (import "g" "echo_record" (func $g_echo_record (param i32)))
      (import "g" "trap" (func $g_trap))
    "#;
    let funcs = r#"
      (func $relay_string (param i32 i32) (call $g_echo_string (local.get 0) (local.get 1)))
      (func $relay_u64 (param i64) (result i64) (call $g_id_u64 (local.get 0)))
      (func $relay_record (param i32) (call $g_echo_record (local.get 0)))
      (func $relay_trap (call $g_trap))
      ;; passes the invalid UTF-8 bytes at 16 as a string
      (func $relay_bad_string (call $g_echo_string (i32.const 16) (i32.const 3)))
      ;; passes a string running past the end of memory
      (func $relay_oob_string (call $g_echo_string (i32.const -256) (i32.const 100)))
    "#;
    let string = ty("Utf8String");
    let rec = r#"{"Record":["All","ByValue"]}"#.to_string();
    let extra = vec![
        (
            "relay_string".to_string(),
            "$relay_string",
            arg(&string),
            out(&string),
        ),
        (
            "relay_u64".to_string(),
            "$relay_u64",
            arg(&ty("U64")),
            out(&ty("U64")),
        ),
        (
            "relay_record".to_string(),
            "$relay_record",
            arg(&rec),
            out(&rec),
        ),
        (
            "relay_trap".to_string(),
            "$relay_trap",
            "[]".into(),
            "[]".into(),
        ),
        (
            "relay_bad_string".to_string(),
            "$relay_bad_string",
            "[]".into(),
            "[]".into(),
        ),
        (
            "relay_oob_string".to_string(),
            "$relay_oob_string",
            "[]".into(),
            "[]".into(),
        ),
    ];
    let section = (
        "__m_generated_section__g".to_string(),
        extern_json.to_string(),
    );
    guest_wasm_with(imports, funcs, extra, &[section])
}

const RELAY_EXTERN: &str = r#"{"ast_type":"ExternMod","namespace":"g","imports":[
  {"link_name":null,"signature":{"name":"echo_string","arguments":[{"name":"s","ty":{"Utf8String":"ByRef"}}],"output_types":[{"Utf8String":"ByValue"}]}},
  {"link_name":"id_u64","signature":{"name":"u64_of_g","arguments":[{"name":"v","ty":{"U64":"ByValue"}}],"output_types":[{"U64":"ByValue"}]}},
  {"link_name":null,"signature":{"name":"echo_record","arguments":[{"name":"r","ty":{"Record":["All","ByValue"]}}],"output_types":[{"Record":["All","ByValue"]}]}},
  {"link_name":null,"signature":{"name":"trap","arguments":[],"output_types":[]}}
]}"#;

#[test]
fn module_to_module_imports() {
    let mut m = marine();
    m.load_module("relay", relay_wasm(RELAY_EXTERN)).unwrap();
    let mut relay = |f: &str, v: Vec<IValue>| m.call_with_ivalues("relay", f, &v);
    let s = IValue::String("через модуль".into());
    assert_eq!(relay("relay_string", vec![s.clone()]).unwrap(), vec![s]);
    assert_eq!(
        relay("relay_string", vec![IValue::String(String::new())]).unwrap(),
        vec![IValue::String(String::new())]
    );
    assert_eq!(
        relay("relay_u64", vec![IValue::U64(u64::MAX)]).unwrap(),
        vec![IValue::U64(u64::MAX)]
    );
    assert_eq!(
        relay("relay_record", vec![all_record(5)]).unwrap(),
        vec![all_record(5)]
    );
    // The callee's trap surfaces as a typed import error naming both sides.
    let e = relay("relay_trap", vec![]).unwrap_err();
    match &e {
        MarineError::Import {
            module,
            function,
            source,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("relay", "relay_trap")
            );
            assert_eq!(
                (source.caller.as_str(), source.namespace.as_str()),
                ("relay", "g")
            );
            assert!(matches!(*source.source, MarineError::Trap { .. }), "{e}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        relay("relay_u64", vec![IValue::U64(1)]).unwrap(),
        vec![IValue::U64(1)]
    );
    // Releases: the callee released after each complex output (string x2, record).
    assert_eq!(
        m.call_with_ivalues("g", "releases", &[]).unwrap(),
        vec![IValue::U32(3)]
    );
}

#[test]
fn module_import_link_errors() {
    // Dependency not loaded: unknown import.
    let mut m = Marine::new();
    let e = m
        .load_module("relay", relay_wasm(RELAY_EXTERN))
        .unwrap_err();
    assert!(
        matches!(&e, MarineError::Link { .. }) && e.to_string().contains("g::"),
        "{e}"
    );
    // Declared signature differs from the export.
    m.load_module("g", guest_wasm()).unwrap();
    let wrong = RELAY_EXTERN.replace(
        r#"{"name":"v","ty":{"U64":"ByValue"}}],"output_types":[{"U64":"ByValue"}]"#,
        r#"{"name":"v","ty":{"I64":"ByValue"}}],"output_types":[{"I64":"ByValue"}]"#,
    );
    let e = m.load_module("relay", relay_wasm(&wrong)).unwrap_err();
    match &e {
        MarineError::ImportSignatureMismatch {
            module,
            imported,
            function,
            diff,
        } => {
            assert_eq!(
                (module.as_str(), imported.as_str(), function.as_str()),
                ("relay", "g", "id_u64")
            );
            assert!(
                diff.ends_with(
                    "argument 0 `v`: declared `i64`, the export has `u64`; result: declared \
                     `i64`, the export has `u64`"
                ),
                "{e}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with("module `relay`: import `g.id_u64` does not match the export: "),
        "{e}"
    );
    // A function the callee does not have.
    let missing = RELAY_EXTERN.replace(r#""name":"trap""#, r#""name":"nothere""#);
    let e = m.load_module("relay", relay_wasm(&missing)).unwrap_err();
    assert!(e.to_string().contains("has no such function"), "{e}");
}

#[test]
fn memory_limits() {
    let mut m = Marine::new();
    let config = MModuleConfig {
        mem_limit_bytes: Some(2 * 65536),
        ..Default::default()
    };
    m.load_module_with_config("g", guest_wasm(), config)
        .unwrap();
    // Fits in the second page.
    echo(&mut m, "echo_bytes", IValue::ByteArray(vec![1; 70000]));
    // Needs a third page: memory.grow fails in allocate, which returns 0; the failure is
    // reported as the memory limit, wrapping the allocation failure.
    let e = call(
        &mut m,
        "echo_bytes",
        vec![IValue::ByteArray(vec![1; 1 << 17])],
    )
    .unwrap_err();
    match &e {
        MarineError::MemoryLimit {
            module,
            function,
            scope,
            limit,
            requested,
            source,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("g", "echo_bytes"));
            assert_eq!(*scope, crate::MemoryLimitScope::Module);
            assert_eq!(*limit, 2 * 65536);
            assert!(*requested > *limit, "{requested}");
            assert!(
                matches!(
                    &**source,
                    MarineError::Abi {
                        source: crate::AbiError::Allocation { .. },
                        ..
                    }
                ),
                "{source}"
            );
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .contains("refused by the module limit of 131072 bytes"),
        "{e}"
    );
    assert_eq!(m.memory_stats().allocation_rejects, 1);
    assert_eq!(m.memory_stats().total_used, 2 * 65536);
    echo(
        &mut m,
        "echo_string",
        IValue::String("small still works".into()),
    );
    m.clear_allocation_stats();
    assert_eq!(m.memory_stats().allocation_rejects, 0);

    // Total limit: a second module does not fit.
    m.set_total_memory_limit(Some(2 * 65536 + 65535));
    let e = m.load_module("h", guest_wasm()).unwrap_err();
    assert!(matches!(&e, MarineError::Instantiate { .. }), "{e}");
    m.set_total_memory_limit(Some(3 * 65536));
    m.load_module("h", guest_wasm()).unwrap();
    // A module limit below the initial memory fails loading.
    let config = MModuleConfig {
        mem_limit_bytes: Some(1000),
        ..Default::default()
    };
    m.set_total_memory_limit(None);
    assert!(m
        .load_module_with_config("tiny", guest_wasm(), config)
        .is_err());
}

const ENV_GUEST_IMPORT: &str = r#"(import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))"#;

fn env_guest() -> Vec<u8> {
    let funcs = r#"(func $env_count (result i32)
        (drop (call $env_sizes (i32.const 64) (i32.const 68)))
        (i32.load (i32.const 64)))"#;
    guest_wasm_with(
        ENV_GUEST_IMPORT,
        funcs,
        vec![(
            "env_count".into(),
            "$env_count",
            "[]".into(),
            out(&ty("U32")),
        )],
        &[],
    )
}

#[test]
fn per_module_wasi_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Marine::new();
    let a = MModuleConfig {
        envs: vec![("A".into(), "1".into())],
        ..Default::default()
    };
    let b = MModuleConfig {
        envs: vec![("B".into(), "1".into()), ("C".into(), "2".into())],
        mapped_dirs: vec![("data".into(), dir.path().to_path_buf())],
        ..Default::default()
    };
    m.load_module_with_config("a", env_guest(), a).unwrap();
    m.load_module_with_config("b", env_guest(), b).unwrap();
    m.load_module("c", env_guest()).unwrap();
    let count = |m: &mut Marine, n: &str| m.call_with_ivalues(n, "env_count", &[]).unwrap();
    assert_eq!(count(&mut m, "a"), vec![IValue::U32(1)]);
    // Two envs plus one for the mapped dir.
    assert_eq!(count(&mut m, "b"), vec![IValue::U32(3)]);
    assert_eq!(count(&mut m, "c"), vec![IValue::U32(0)]);
    // A missing host dir is a load error naming it.
    let bad = MModuleConfig {
        mapped_dirs: vec![("x".into(), dir.path().join("missing"))],
        ..Default::default()
    };
    let e = m
        .load_module_with_config("d", env_guest(), bad)
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
}

/// A counter kept in the service for host functions.
struct Calls(u32);

/// The config of [`host_guest`]: its three host imports.
fn host_guest_config(split: HostImport, add: HostImport, params: HostImport) -> MModuleConfig {
    let ns = "__marine_host_api_v3";
    MModuleConfig {
        host_imports: vec![
            (ns.into(), "split".into(), split),
            (ns.into(), "add".into(), add),
            (ns.into(), "params".into(), params),
        ],
        ..Default::default()
    }
}

fn host_guest() -> Vec<u8> {
    let imports = r#"
      (import "__marine_host_api_v3" "split" (func $split (param i32 i32 i32 i32)))
      (import "__marine_host_api_v3" "add" (func $add (param i64 i32) (result i64)))
      (import "__marine_host_api_v3" "params" (func $params))
    "#;
    let funcs = r#"
      (func $call_split (param i32 i32 i32 i32)
        (call $split (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func $call_add (param i64 i32) (result i64) (call $add (local.get 0) (local.get 1)))
      (func $call_params (call $params))
    "#;
    let string = ty("Utf8String");
    let bytes = vec_of(&ty("U8"));
    let extra = vec![
        (
            "call_split".to_string(),
            "$call_split",
            format!(r#"[{{"name":"s","ty":{string}}},{{"name":"sep","ty":{bytes}}}]"#),
            out(&vec_of(&string)),
        ),
        (
            "call_add".to_string(),
            "$call_add",
            r#"[{"name":"a","ty":{"U64":"ByValue"}},{"name":"b","ty":{"U32":"ByValue"}}]"#.into(),
            out(&ty("U64")),
        ),
        (
            "call_params".to_string(),
            "$call_params",
            "[]".into(),
            out(r#"{"Record":["Inner","ByValue"]}"#),
        ),
    ];
    guest_wasm_with(imports, funcs, extra, &[])
}

/// A module's store cannot be taken while the module runs a call (here from one of its own
/// host functions); afterwards it can, and the module's memory is readable through it.
#[test]
fn a_running_module_store_is_busy() {
    type Handle = Arc<std::sync::Mutex<std::sync::Weak<crate::MModule>>>;
    let handle: Handle = Arc::default();
    let seen = handle.clone();
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        move |_, _| {
            let module = seen.lock().unwrap().upgrade().ok_or("module gone")?;
            match module.with_store(|_| ()) {
                Err(MarineError::ModuleBusy { module }) => {
                    Ok(Some(IValue::U64(module.len() as u64)))
                }
                other => Err(format!("expected ModuleBusy, got {other:?}")),
            }
        },
    );
    // Not called here: only their types matter (for linking).
    let unused = |args, output| HostImport::new(args, Some(output), |_, _| Ok(None));
    let split = unused(
        vec![IType::String, IType::ByteArray],
        IType::Array(Box::new(IType::String)),
    );
    let params = unused(vec![], IType::Record(guest_inner_type()));
    let config = host_guest_config(split, add, params);
    let mut m = Marine::new();
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    let module = m.module("h").unwrap().clone();
    *handle.lock().unwrap() = Arc::downgrade(&module);
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(1), IValue::U32(2)])
            .unwrap(),
        vec![IValue::U64(1)],
        "the host function saw ModuleBusy for `h`"
    );
    let size = module
        .with_store(|store| module.abi().memory_view(&*store).len())
        .unwrap();
    assert_eq!(size, module.memory_size());
    assert!(size > 0);
}

#[test]
fn host_imports_lift_and_lower() {
    let split = HostImport::new(
        vec![IType::String, IType::ByteArray],
        Some(IType::Array(Box::new(IType::String))),
        |ctx, args| {
            ctx.with_extension(|calls: &mut Calls| calls.0 += 1)
                .unwrap();
            let (IValue::String(s), IValue::ByteArray(sep)) = (&args[0], &args[1]) else {
                return Err("bad args".into());
            };
            if sep.is_empty() {
                return Err(format!("empty separator from {}", ctx.module));
            }
            let sep = std::str::from_utf8(sep).unwrap();
            Ok(Some(IValue::Array(
                s.split(sep).map(|p| IValue::String(p.into())).collect(),
            )))
        },
    );
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        |_, args| match (&args[0], &args[1]) {
            (IValue::U64(a), IValue::U32(b)) => Ok(Some(IValue::U64(a.wrapping_add(*b as u64)))),
            _ => Err("bad args".into()),
        },
    );
    let inner_rec = guest_inner_type();
    let params = HostImport::new(vec![], Some(IType::Record(inner_rec)), |ctx, _| {
        let n = ctx.with_extension(|calls: &mut Calls| calls.0).unwrap_or(0);
        Ok(Some(inner(&format!("calls={n}"), &[1, 2])))
    });
    let config = host_guest_config(split, add, params);
    let mut m = Marine::new();
    m.set_extension(Calls(0));
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    let s = |x: &str| IValue::String(x.into());
    let out = m
        .call_with_ivalues(
            "h",
            "call_split",
            &[s("a,b,,ü"), IValue::ByteArray(b",".to_vec())],
        )
        .unwrap();
    assert_eq!(
        out,
        vec![IValue::Array(vec![s("a"), s("b"), s(""), s("ü")])]
    );
    assert_eq!(
        m.call_with_ivalues(
            "h",
            "call_add",
            &[IValue::U64(u64::MAX - 1), IValue::U32(1)]
        )
        .unwrap(),
        vec![IValue::U64(u64::MAX)]
    );
    assert_eq!(
        m.call_with_ivalues("h", "call_params", &[]).unwrap(),
        vec![inner("calls=1", &[1, 2])]
    );
    let e = m
        .call_with_ivalues("h", "call_split", &[s("x"), IValue::ByteArray(vec![])])
        .unwrap_err();
    match &e {
        MarineError::Import { source, .. } => {
            assert!(
                matches!(&*source.source, MarineError::HostFunction { message, .. } if message.contains("empty separator from h")),
                "{e}"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(1), IValue::U32(1)])
            .unwrap(),
        vec![IValue::U64(2)]
    );
}

fn guest_inner_type() -> Arc<crate::IRecordType> {
    let m = marine();
    m.module_interface("g").unwrap().records["Inner"].clone()
}

#[test]
fn proc_exit_zero_in_start_is_fine() {
    let imports = r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#;
    let ok = guest_wasm_with(
        imports,
        r#"(func (export "_start") (call $exit (i32.const 0)))"#,
        vec![],
        &[],
    );
    let mut m = Marine::new();
    m.load_module("ok", ok).unwrap();
    let bad = guest_wasm_with(
        imports,
        r#"(func (export "_start") (call $exit (i32.const 3)))"#,
        vec![],
        &[],
    );
    let e = m.load_module("bad", bad).unwrap_err();
    assert!(matches!(&e, MarineError::Instantiate { .. }), "{e}");
}

const CP_TET: &str = r#"[{"name":"peer_pk","ty":{"Utf8String":"ByValue"}},{"name":"service_id","ty":{"Utf8String":"ByValue"}},{"name":"function_name","ty":{"Utf8String":"ByValue"}},{"name":"lens","ty":{"Utf8String":"ByValue"}}]"#;
const CP_PARTICLE: &str = r#"[{"name":"id","ty":{"Utf8String":"ByValue"}},{"name":"init_peer_id","ty":{"Utf8String":"ByValue"}},{"name":"timestamp","ty":{"U64":"ByValue"}},{"name":"ttl","ty":{"U32":"ByValue"}},{"name":"script","ty":{"Utf8String":"ByValue"}},{"name":"signature","ty":{"Vector":[{"U8":"ByValue"},"ByValue"]}},{"name":"token","ty":{"Utf8String":"ByValue"}}]"#;

/// A guest importing `get_call_parameters` from all four host namespaces; `cp_vN` returns
/// what the host lowered, declared (independently of the host's types) with the record of
/// that SDK generation.
fn call_params_guest() -> Vec<u8> {
    let imports = r#"
      (import "host" "get_call_parameters" (func $cp0))
      (import "__marine_host_api_v1" "get_call_parameters" (func $cp1))
      (import "__marine_host_api_v2" "get_call_parameters" (func $cp2))
      (import "__marine_host_api_v3" "get_call_parameters" (func $cp3))
    "#;
    let funcs = r#"
      (func $get_cp0 (call $cp0))
      (func $get_cp1 (call $cp1))
      (func $get_cp2 (call $cp2))
      (func $get_cp3 (call $cp3))
    "#;
    let s = r#"{"Utf8String":"ByValue"}"#;
    let tets = r#"{"Vector":[{"Vector":[{"Record":["Tet","ByValue"]},"ByValue"]},"ByValue"]}"#;
    let field = |n: &str, t: &str| format!(r#"{{"name":"{n}","ty":{t}}}"#);
    let cp0 = format!(
        "[{}]",
        [
            field("init_peer_id", s),
            field("service_id", s),
            field("service_creator_peer_id", s),
            field("host_id", s),
            field("particle_id", s),
            field("tetraplets", tets),
        ]
        .join(",")
    );
    let cp1 = format!(
        "[{}]",
        [
            field("init_peer_id", s),
            field("service_id", s),
            field("service_creator_peer_id", s),
            field("host_id", s),
            field("worker_id", s),
            field("particle_id", s),
            field("tetraplets", tets),
        ]
        .join(",")
    );
    let cp3 = format!(
        "[{}]",
        [
            field("particle", r#"{"Record":["Particle","ByValue"]}"#),
            field("service_id", s),
            field("service_creator_peer_id", s),
            field("host_id", s),
            field("worker_id", s),
            field("tetraplets", tets),
        ]
        .join(",")
    );
    let rec = |n: &str| format!(r#"[{{"Record":["{n}","ByValue"]}}]"#);
    let extra = vec![
        (
            "cp_v0".to_string(),
            "$get_cp0",
            "[]".to_string(),
            rec("CP0"),
        ),
        (
            "cp_v1".to_string(),
            "$get_cp1",
            "[]".to_string(),
            rec("CP1"),
        ),
        (
            "cp_v2".to_string(),
            "$get_cp2",
            "[]".to_string(),
            rec("CP3"),
        ),
        (
            "cp_v3".to_string(),
            "$get_cp3",
            "[]".to_string(),
            rec("CP3"),
        ),
    ];
    let sections = [
        record_section("Tet", CP_TET),
        record_section("Particle", CP_PARTICLE),
        record_section("CP0", &cp0),
        record_section("CP1", &cp1),
        record_section("CP3", &cp3),
    ];
    guest_wasm_with(imports, funcs, extra, &sections)
}

fn tetraplet(
    peer_pk: &str,
    service_id: &str,
    function_name: &str,
    lens: &str,
) -> crate::SecurityTetraplet {
    crate::SecurityTetraplet {
        peer_pk: peer_pk.into(),
        service_id: service_id.into(),
        function_name: function_name.into(),
        lens: lens.into(),
    }
}

fn sample_call_parameters() -> crate::CallParameters {
    use crate::{CallParameters, ParticleParameters};
    CallParameters {
        particle: ParticleParameters {
            id: "particle-1".into(),
            init_peer_id: "init-peer".into(),
            timestamp: 1_700_000_000_123,
            ttl: 7000,
            script: "(null)".into(),
            signature: vec![1, 2, 255],
            token: "tok".into(),
        },
        service_id: "svc".into(),
        service_creator_peer_id: "creator".into(),
        host_id: "host-peer".into(),
        worker_id: "worker".into(),
        tetraplets: vec![
            vec![tetraplet("p1", "s1", "f1", ".$.a")],
            vec![],
            vec![
                tetraplet("p2", "s2", "f2", ""),
                tetraplet("init-peer", "", "", ""),
            ],
        ],
    }
}

#[test]
fn call_parameters_in_every_namespace_layout() {
    use crate::CallOptions;
    let mut m = Marine::new();
    m.load_module("cp", call_params_guest()).unwrap();
    let cp = sample_call_parameters();
    let options = CallOptions::with_call_parameters(cp.clone());
    let get = |m: &mut Marine, f: &str, o: &CallOptions| {
        let mut out = m.call_with_options("cp", f, &[], o).unwrap();
        let Some(IValue::Record(fields)) = out.pop() else {
            panic!("{f}: {out:?}")
        };
        fields
    };
    let s = |x: &str| IValue::String(x.into());
    let tet = |a: &str, b: &str, c: &str, d: &str| IValue::Record(vec![s(a), s(b), s(c), s(d)]);
    let tetraplets = IValue::Array(vec![
        IValue::Array(vec![tet("p1", "s1", "f1", ".$.a")]),
        IValue::Array(vec![]),
        IValue::Array(vec![
            tet("p2", "s2", "f2", ""),
            tet("init-peer", "", "", ""),
        ]),
    ]);
    // v0 (`host`): no worker id, particle id after host id.
    assert_eq!(
        get(&mut m, "cp_v0", &options),
        vec![
            s("init-peer"),
            s("svc"),
            s("creator"),
            s("host-peer"),
            s("particle-1"),
            tetraplets.clone()
        ]
    );
    // v1: worker id before particle id.
    assert_eq!(
        get(&mut m, "cp_v1", &options),
        vec![
            s("init-peer"),
            s("svc"),
            s("creator"),
            s("host-peer"),
            s("worker"),
            s("particle-1"),
            tetraplets.clone()
        ]
    );
    // v2 and v3: the particle as a nested record.
    let particle = IValue::Record(vec![
        s("particle-1"),
        s("init-peer"),
        IValue::U64(1_700_000_000_123),
        IValue::U32(7000),
        s("(null)"),
        IValue::ByteArray(vec![1, 2, 255]),
        s("tok"),
    ]);
    let v3 = vec![
        particle,
        s("svc"),
        s("creator"),
        s("host-peer"),
        s("worker"),
        tetraplets,
    ];
    assert_eq!(get(&mut m, "cp_v2", &options), v3);
    assert_eq!(get(&mut m, "cp_v3", &options), v3);
    // A call without options sees defaults (parameters do not leak between calls).
    let fields = get(&mut m, "cp_v1", &CallOptions::default());
    assert_eq!(fields[0], s(""));
    assert_eq!(fields[6], IValue::Array(vec![]));
}

#[test]
fn strings_move_memory_to_memory_and_are_checked() {
    let mut m = marine();
    m.load_module("relay", relay_wasm(RELAY_EXTERN)).unwrap();
    // Spans several copy chunks; the callee gets one allocation of the exact size.
    let text: String = (0..40_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let before = alloc_log(&m, 0).len() as u32;
    let out = m
        .call_with_ivalues("relay", "relay_string", &[IValue::String(text.clone())])
        .unwrap();
    assert_eq!(out, vec![IValue::String(text)]);
    assert_eq!(alloc_log(&m, before), vec![(40_000, 1)]);

    // The caller's bytes are checked before anything reaches the callee.
    let import_source = |e: &MarineError| match e {
        MarineError::Import { source, .. } => (*source.source).to_string(),
        other => panic!("{other}"),
    };
    let e = m
        .call_with_ivalues("relay", "relay_bad_string", &[])
        .unwrap_err();
    let inner = import_source(&e);
    assert!(
        inner.contains("module `relay`") && inner.contains("invalid UTF-8 at byte 0 of 3"),
        "{inner}"
    );
    let e = m
        .call_with_ivalues("relay", "relay_oob_string", &[])
        .unwrap_err();
    let inner = import_source(&e);
    assert!(inner.contains("out of bounds"), "{inner}");
    assert_eq!(alloc_log(&m, before + 1), vec![]);
}

/// A minimal module (ABI exports only) whose `_start` never returns.
fn looping_start_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (func (export "allocate") (param i32 i32) (result i32) (i32.const 0))
          (func (export "release_objects"))
          (func (export "get_result_ptr") (result i32) (i32.const 0))
          (func (export "get_result_size") (result i32) (i32.const 0))
          (func (export "set_result_ptr") (param i32))
          (func (export "set_result_size") (param i32))
          (func (export "_start") (loop $l (br $l))))"#,
    )
    .unwrap()
}

#[test]
fn default_timeout_also_bounds_start() {
    let mut m = marine();
    m.set_default_call_timeout(Some(std::time::Duration::from_millis(20)));
    assert_eq!(
        m.default_call_timeout(),
        Some(std::time::Duration::from_millis(20))
    );
    let e = m.load_module("looper", looping_start_wasm()).unwrap_err();
    match &e {
        MarineError::Timeout {
            module,
            function,
            timeout,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("looper", "_start"));
            assert_eq!(*timeout, std::time::Duration::from_millis(20));
        }
        other => panic!("{other:?}"),
    }
    assert!(!m.has_module("looper"));
    // The rest of the service is unaffected.
    assert_next_call_works(&mut m);
}

#[test]
fn host_functions_call_back_into_the_service() {
    // `split` calls back into the calling module (re-entrancy), `add` into another module,
    // `params` into a module that does not exist.
    let split = HostImport::new(
        vec![IType::String, IType::ByteArray],
        Some(IType::Array(Box::new(IType::String))),
        |ctx, _| {
            let module = ctx.module.to_string();
            ctx.call_module(&module, "id_i32", &[IValue::S32(1)])
                .map(|_| None)
                .map_err(|e| e.to_string())
        },
    );
    let add = HostImport::new(
        vec![IType::U64, IType::U32],
        Some(IType::U64),
        |ctx, args| {
            let mut out = ctx
                .call_module("g", "id_u64", &args[..1])
                .map_err(|e| e.to_string())?;
            Ok(out.pop())
        },
    );
    let params = HostImport::new(
        vec![],
        Some(IType::Record(guest_inner_type())),
        |ctx, _| match ctx.call_module("nope", "f", &[]) {
            Err(MarineError::NoSuchModule(name)) => Err(format!("no module {name}")),
            other => Err(format!("unexpected {other:?}")),
        },
    );
    let config = host_guest_config(split, add, params);
    let mut m = marine();
    m.load_module_with_config("h", host_guest(), config)
        .unwrap();
    assert_eq!(
        m.call_with_ivalues("h", "call_add", &[IValue::U64(42), IValue::U32(0)])
            .unwrap(),
        vec![IValue::U64(42)]
    );
    let e = m
        .call_with_ivalues(
            "h",
            "call_split",
            &[IValue::String("a".into()), IValue::ByteArray(vec![b','])],
        )
        .unwrap_err();
    match &e {
        MarineError::Reentrancy {
            module,
            function,
            stack,
        } => {
            assert_eq!((module.as_str(), function.as_str()), ("h", "id_i32"));
            assert_eq!(stack, &["h.call_split".to_string(), "h.id_i32".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let e = m.call_with_ivalues("h", "call_params", &[]).unwrap_err();
    assert!(e.to_string().contains("no module nope"), "{e}");
    // The stack unwound: the module serves the next call.
    assert_eq!(
        m.call_with_ivalues("h", "id_i32", &[IValue::S32(7)])
            .unwrap(),
        vec![IValue::S32(7)]
    );
}
