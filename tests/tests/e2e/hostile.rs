//! Hostile modules and configs: each one is refused, or bounded, with a typed error naming
//! the module and the limit, and the service keeps serving afterwards.
//!
//! The modules are written as WAT with their Marine metadata in `@custom` sections, so each
//! test shows exactly what the attacker controls.

use std::time::Duration;

use marine_ast::custom_section::{function_metadata, record_metadata};
use marine_runtime::config::ServiceConfig;
use marine_runtime::service::{MarineService, ServiceOptions};
use marine_runtime::{
    IValue, LimitExceeded, LimitKind, Limits, MModuleConfig, Marine, MarineEngine, MarineError,
    ModuleInterface,
};

/// The Marine ABI exports every module needs (a fixed `allocate`; no function here takes
/// complex arguments).
const ABI: &str = r#"
  (global $rptr (mut i32) (i32.const 0))
  (global $rsize (mut i32) (i32.const 0))
  (func (export "allocate") (param i32 i32) (result i32) (i32.const 1024))
  (func (export "release_objects"))
  (func (export "get_result_ptr") (result i32) (global.get $rptr))
  (func (export "get_result_size") (result i32) (global.get $rsize))
  (func (export "set_result_ptr") (param i32) (global.set $rptr (local.get 0)))
  (func (export "set_result_size") (param i32) (global.set $rsize (local.get 0)))
"#;

/// A module of `body` (which declares its memories) plus the ABI, carrying `metadata`
/// (`__m_generated_section__` JSON documents, one section each).
fn module(body: &str, metadata: &[String]) -> Vec<u8> {
    let sections: String = metadata
        .iter()
        .enumerate()
        .map(|(i, json)| {
            let escaped = json.replace('\\', "\\\\").replace('"', "\\\"");
            format!("(@custom \"__m_generated_section__{i}\" \"{escaped}\")\n")
        })
        .collect();
    wat::parse_str(format!("(module {body} {ABI} {sections})"))
        .unwrap_or_else(|e| panic!("test module does not assemble: {e}"))
}

/// Metadata of `#[marine] fn name(args) -> output`, types in the metadata's JSON form.
fn function(name: &str, args: &[(&str, &str)], output: Option<&str>) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|(n, ty)| format!(r#"{{"name":"{n}","ty":{ty}}}"#))
        .collect();
    let outputs = format!("[{}]", output.unwrap_or(""));
    function_metadata(name, &format!("[{}]", args.join(",")), &outputs).1
}

/// Metadata of a record with one field `x` of type `ty`.
fn record(name: &str, ty: &str) -> String {
    record_metadata(name, &format!(r#"[{{"name":"x","ty":{ty}}}]"#)).1
}

const U32: &str = r#"{"U32":"ByValue"}"#;
const I32: &str = r#"{"I32":"ByValue"}"#;

/// A well-behaved module: `id(x: u32) -> u32`.
fn healthy() -> Vec<u8> {
    module(
        r#"(memory (export "memory") 1)
           (func (export "id") (param i32) (result i32) (local.get 0))"#,
        &[function("id", &[("x", U32)], Some(U32))],
    )
}

/// The service still serves: a healthy module loads next to what failed and answers.
fn still_serves(marine: &mut Marine) {
    let name = format!("healthy_{}", marine.module_memory_stats().len());
    marine
        .load_module(&name, healthy())
        .expect("a healthy module loads after the hostile one");
    let out = marine
        .call_with_ivalues(&name, "id", &[IValue::U32(7)])
        .unwrap();
    assert_eq!(out, vec![IValue::U32(7)]);
}

fn limit_error(result: Result<(), MarineError>) -> LimitExceeded {
    match result {
        Err(MarineError::Limit(e)) => e,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

/// `R0 { x: R1 }`, `R1 { x: R2 }`, ... `R{n-1} { x: i32 }`, and `f(r: R0)`.
fn record_chain(n: usize) -> Vec<u8> {
    let mut metadata: Vec<String> = (0..n)
        .map(|i| {
            if i + 1 == n {
                record(&format!("R{i}"), I32)
            } else {
                record(
                    &format!("R{i}"),
                    &format!(r#"{{"Record":["R{}","ByValue"]}}"#, i + 1),
                )
            }
        })
        .collect();
    metadata.push(function(
        "f",
        &[("r", r#"{"Record":["R0","ByValue"]}"#)],
        None,
    ));
    module(
        r#"(memory (export "memory") 1) (func (export "f") (param i32))"#,
        &metadata,
    )
}

#[test]
fn a_long_chain_of_records_is_refused_without_deep_host_recursion() {
    // 3,000 records: within `max_record_types`, far beyond `max_type_depth`.
    let wasm = record_chain(3000);
    // Read on a 1 MiB stack: reading recurses at most `max_type_depth` levels (about 400 KiB
    // in a debug build), not once per record (3,000 levels would need about 9 MiB; it used to
    // abort the process).
    let reader = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn({
            let wasm = wasm.clone();
            move || ModuleInterface::from_wasm(&wasm).map(|_| ())
        })
        .unwrap();
    let e = reader.join().expect("no stack overflow").unwrap_err();
    assert_eq!(e.limit, Some(LimitKind::TypeDepth), "{e}");

    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    let e = limit_error(marine.load_module("chain", wasm));
    assert_eq!((e.kind, e.limit), (LimitKind::TypeDepth, 128));
    assert_eq!(e.module, "chain");
    assert!(
        e.what
            .contains("record `R0`, field `x`: record `R1`, field `x`: "),
        "the path into the chain is named: {e}"
    );
    assert!(
        e.what.contains("types nested more than 128 levels deep"),
        "{e}"
    );
    still_serves(&mut marine);

    // A chain within the limit loads and is callable; the limit is the service's to set.
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    marine.load_module("short", record_chain(100)).unwrap();
    marine.set_limits(Limits {
        max_type_depth: 99,
        ..Limits::default()
    });
    let e = limit_error(marine.load_module("short_again", record_chain(100)));
    assert_eq!((e.kind, e.limit), (LimitKind::TypeDepth, 99));
    assert_eq!(e.module, "short_again");
}

#[test]
fn too_many_record_types_are_refused() {
    let metadata: Vec<String> = (0..5000).map(|i| record(&format!("R{i}"), I32)).collect();
    let wasm = module(r#"(memory (export "memory") 1)"#, &metadata);
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    let e = limit_error(marine.load_module("records", wasm));
    assert_eq!(
        (e.kind, e.limit, e.module.as_str()),
        (LimitKind::RecordTypes, 4096, "records")
    );
    still_serves(&mut marine);
}

/// `grow(n: u32) -> i32`: `table.grow` by `n` null entries, returning the old size or -1.
fn table_grower() -> Vec<u8> {
    module(
        r#"(memory (export "memory") 1)
           (table $t 10 funcref)
           (func (export "grow") (param i32) (result i32)
             (table.grow $t (ref.null func) (local.get 0)))"#,
        &[function("grow", &[("n", U32)], Some(I32))],
    )
}

fn grow(marine: &mut Marine, module: &str, n: u32) -> i32 {
    match marine
        .call_with_ivalues(module, "grow", &[IValue::U32(n)])
        .unwrap()
        .as_slice()
    {
        [IValue::S32(old)] => *old,
        other => panic!("{other:?}"),
    }
}

#[test]
fn table_growth_is_bounded_and_counted() {
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    marine.load_module("tables", table_grower()).unwrap();
    let base = marine.module_memory_stats()[0].1;
    assert_eq!(
        base,
        65536 + 10 * 8,
        "one page and ten table slots are counted"
    );

    // A billion entries (it took 8 GB before): refused by `max_table_elements`.
    assert_eq!(grow(&mut marine, "tables", 1_000_000_000), -1);
    assert_eq!(grow(&mut marine, "tables", 1000), 10);
    assert_eq!(marine.module_memory_stats()[0].1, base + 1000 * 8);

    // Under a total memory limit, table elements count against it.
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    marine.set_limits(Limits {
        max_table_elements: u64::MAX,
        ..Limits::default()
    });
    marine.set_total_memory_limit(Some(10 << 20));
    marine.load_module("tables", table_grower()).unwrap();
    assert_eq!(grow(&mut marine, "tables", 2_000_000), -1, "16 MB of slots");
    assert_eq!(marine.memory_stats().allocation_rejects, 1);
    assert_eq!(grow(&mut marine, "tables", 100_000), 10, "800 KB fit");
    assert_eq!(
        marine.memory_stats().total_used,
        65536 + 100_010 * 8,
        "stats show the table"
    );
    still_serves(&mut marine);
}

#[test]
fn memories_count_together_against_the_module_limit() {
    // 50 memories: refused before instantiation.
    let many: String = (0..50).map(|i| format!("(memory $m{i} 1)")).collect();
    let wasm = module(&format!(r#"(memory (export "memory") 1) {many}"#), &[]);
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    let e = limit_error(marine.load_module("many", wasm));
    assert_eq!((e.kind, e.limit), (LimitKind::Memories, 4));
    assert_eq!(
        e.to_string(),
        "module `many`: the number of memories (51) exceeds the limit `max_memories` = 4"
    );

    // Two memories grown by 100 pages each under a 7 MiB module limit: the first growth
    // fits (6.3 MiB in all), the second does not (12.6 MiB), although each memory alone
    // would.
    let wasm = module(
        r#"(memory (export "memory") 1)
           (memory $second 1)
           (func (export "grow_first") (param i32) (result i32)
             (memory.grow (local.get 0)))
           (func (export "grow_second") (param i32) (result i32)
             (memory.grow $second (local.get 0)))"#,
        &[
            function("grow_first", &[("pages", U32)], Some(I32)),
            function("grow_second", &[("pages", U32)], Some(I32)),
        ],
    );
    let config = MModuleConfig {
        mem_limit_bytes: Some(7 << 20),
        ..MModuleConfig::default()
    };
    marine.load_module_with_config("two", wasm, config).unwrap();
    let call = |marine: &mut Marine, f: &str| {
        marine
            .call_with_ivalues("two", f, &[IValue::U32(100)])
            .unwrap()
    };
    assert_eq!(call(&mut marine, "grow_first"), vec![IValue::S32(1)]);
    assert_eq!(call(&mut marine, "grow_second"), vec![IValue::S32(-1)]);
    assert_eq!(
        marine.module_memory_stats()[0],
        ("two".to_string(), 102 * 65536),
        "stats count both memories"
    );
    still_serves(&mut marine);
}

fn nested_blocks(depth: usize) -> Vec<u8> {
    let body = format!(
        r#"(memory (export "memory") 1) (func {} {})"#,
        "(block ".repeat(depth),
        ")".repeat(depth)
    );
    module(&body, &[])
}

#[test]
fn modules_that_would_compile_for_minutes_are_refused_up_front() {
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    // Compile time is quadratic in block nesting: 500,000 levels took 9 minutes.
    let e = limit_error(marine.load_module("deep", nested_blocks(50_000)));
    assert_eq!((e.kind, e.limit), (LimitKind::BlockDepth, 10_000));
    assert_eq!(e.module, "deep");

    let funcs = "(func)".repeat(150_000);
    let wasm = module(&format!(r#"(memory (export "memory") 1) {funcs}"#), &[]);
    let e = limit_error(marine.load_module("wide", wasm));
    assert_eq!((e.kind, e.limit), (LimitKind::Functions, 100_000));
    still_serves(&mut marine);
}

#[test]
fn a_compile_past_its_time_limit_is_abandoned() {
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    marine.set_limits(Limits {
        max_compile_time: Duration::from_millis(1),
        ..Limits::default()
    });
    // Thousands of functions with some code each take far longer than 1 ms to compile.
    let funcs = "(func (param i32) (result i32) (i32.mul (i32.add (local.get 0) (i32.const 3)) (local.get 0)))"
        .repeat(20_000);
    let wasm = module(&format!(r#"(memory (export "memory") 1) {funcs}"#), &[]);
    let e = limit_error(marine.load_module("slow", wasm));
    assert_eq!((e.kind, e.limit), (LimitKind::CompileTime, 1));
    assert_eq!(
        e.to_string(),
        "module `slow`: compiling the module exceeds the limit `max_compile_time` = 1 ms"
    );
    marine.set_limits(Limits::default());
    still_serves(&mut marine);
}

#[test]
fn files_named_by_a_config_are_read_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let healthy_path = dir.path().join("healthy.wasm");
    std::fs::write(&healthy_path, healthy()).unwrap();
    // A 12 GiB sparse file (the host read it whole before).
    let sparse = dir.path().join("huge.wasm");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(12 << 30)
        .unwrap();
    let config_text = |load_from: &str| {
        format!(
            "[[module]]\nname = \"hostile\"\nload_from = \"{load_from}\"\n\n[[module]]\nname = \"healthy\"\nload_from = \"healthy.wasm\"\n"
        )
    };
    let config_path = dir.path().join("Config.toml");

    std::fs::write(&config_path, config_text("huge.wasm")).unwrap();
    let config = ServiceConfig::from_path(&config_path).unwrap();
    match MarineService::with_options(config, ServiceOptions::default()) {
        Err(MarineError::Limit(e)) => {
            assert_eq!(
                (e.kind, e.module.as_str()),
                (LimitKind::ModuleSize, "hostile")
            );
            assert!(e.what.contains("12884901888 bytes"), "{e}");
        }
        other => panic!("expected a size limit error, got {other:?}"),
    }

    // Not a regular file: refused before anything is read.
    for special in ["/dev/zero", "/proc/self/pagemap"] {
        std::fs::write(&config_path, config_text(special)).unwrap();
        let result = ServiceConfig::from_path(&config_path)
            .map_err(MarineError::from)
            .and_then(|config| MarineService::with_options(config, ServiceOptions::default()));
        match result {
            Err(MarineError::Config(e)) => assert!(e.to_string().contains(special), "{e}"),
            Err(MarineError::Limit(e)) => assert_eq!(e.kind, LimitKind::ModuleSize),
            Err(MarineError::Io { path, source }) => {
                assert_eq!(path, std::path::Path::new(special));
                // `/dev/zero` is not a regular file; `/proc/self/pagemap` says it is (of size
                // 0), and the kernel refuses the read that would go past the limit.
                assert!(
                    source.to_string().contains("not a regular file")
                        || source.kind() == std::io::ErrorKind::InvalidInput,
                    "{source}"
                );
            }
            other => panic!("{special}: expected a refusal, got {other:?}"),
        }
    }

    // A config file that is a device is refused, not read forever.
    match ServiceConfig::from_path("/dev/zero") {
        Err(e) => assert!(
            e.to_string()
                .contains("not a regular file (a character device)"),
            "{e}"
        ),
        Ok(_) => panic!("/dev/zero parsed as a config"),
    }

    // The same folder with a sane config still serves.
    std::fs::write(
        &config_path,
        config_text("healthy.wasm").replace("hostile", "other"),
    )
    .unwrap();
    let mut service = MarineService::from_config_path(&config_path).unwrap();
    let out = service
        .call_with_ivalues("healthy", "id", &[IValue::U32(3)], Default::default())
        .unwrap();
    assert_eq!(out, vec![IValue::U32(3)]);
}

#[test]
fn config_limits_table_overrides_the_options() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.wasm"), record_chain(10)).unwrap();
    let path = dir.path().join("Config.toml");
    std::fs::write(
        &path,
        "[limits]\nmax_type_depth = 5\nmax_compile_time = \"30 s\"\n\n[[module]]\nname = \"chain\"\nload_from = \"chain.wasm\"\n",
    )
    .unwrap();
    let config = ServiceConfig::from_path(&path).unwrap();
    assert_eq!(config.limits.max_type_depth, Some(5));
    assert_eq!(
        config.limits.max_compile_time,
        Some(Duration::from_secs(30))
    );
    match MarineService::with_options(config, ServiceOptions::default()) {
        Err(MarineError::Limit(e)) => assert_eq!((e.kind, e.limit), (LimitKind::TypeDepth, 5)),
        other => panic!("expected the config's limit, got {other:?}"),
    }

    std::fs::write(&path, "[limits]\nmax_compile_time = \"soon\"\n").unwrap();
    let e = ServiceConfig::from_path(&path).unwrap_err().to_string();
    assert!(e.contains("Config.toml:2:"), "{e}");
    assert!(e.contains("max_compile_time"), "{e}");
    std::fs::write(&path, "[limits]\nmax_tablez = 1\n").unwrap();
    let e = ServiceConfig::from_path(&path).unwrap_err().to_string();
    assert!(e.contains("max_tablez"), "{e}");
}

/// `opt() -> ?u32` and `res() -> result<u32, u32>` whose result blocks hold discriminants
/// out of their types' cases (9 and 2), and `far() -> ?u64` whose `Some` payload runs past
/// the end of memory.
fn bad_discriminants() -> Vec<u8> {
    let option = format!(r#"{{"Option":[{U32},"ByValue"]}}"#);
    let result = format!(r#"{{"Result":[{U32},{U32},"ByValue"]}}"#);
    let far = r#"{"Option":[{"U64":"ByValue"},"ByValue"]}"#;
    module(
        r#"(memory (export "memory") 1)
           (data (i32.const 16) "\09\00\00\00\05\00\00\00")
           (data (i32.const 32) "\02\00\00\00\05\00\00\00")
           (data (i32.const 65532) "\01\00\00\00")
           (func (export "opt") (global.set $rptr (i32.const 16)))
           (func (export "res") (global.set $rptr (i32.const 32)))
           (func (export "far") (global.set $rptr (i32.const 65532)))"#,
        &[
            function("opt", &[], Some(&option)),
            function("res", &[], Some(&result)),
            function("far", &[], Some(far)),
        ],
    )
}

#[test]
fn bad_discriminants_from_a_guest_are_errors_on_every_json_path() {
    let mut marine = Marine::new();
    marine.load_module("bad", bad_discriminants()).unwrap();
    let options = marine_runtime::CallOptions::default();
    for (f, discriminant) in [("opt", Some(9)), ("res", Some(2)), ("far", None)] {
        let expected = marine.call_with_ivalues("bad", f, &[]).unwrap_err();
        let text = marine
            .call_with_json_str("bad", f, "[]", &options)
            .unwrap_err();
        let tree = marine
            .call_with_json_to(
                "bad",
                f,
                marine_runtime::JsonInput::Value(&serde_json::Value::Null),
                &options,
                marine_runtime::JsonSink::Tree,
            )
            .unwrap_err();
        let mut written = Vec::new();
        let to_writer = marine
            .call_with_json_to(
                "bad",
                f,
                marine_runtime::JsonInput::Text("null"),
                &options,
                marine_runtime::JsonSink::Writer {
                    out: &mut written,
                    pretty: true,
                },
            )
            .unwrap_err();
        assert!(written.is_empty(), "{f}: nothing is written");
        for e in [&text, &tree, &to_writer] {
            assert_eq!(e.to_string(), expected.to_string(), "{f}");
        }
        let message = expected.to_string();
        assert!(message.contains("bad"), "{message}");
        match discriminant {
            Some(d) => assert!(message.contains(&format!("discriminant {d} ")), "{message}"),
            None => assert!(
                matches!(expected, MarineError::OutOfBounds { .. }),
                "{expected:?}"
            ),
        }
    }
    still_serves(&mut marine);
}

#[test]
fn a_looping_start_function_is_named_in_the_timeout() {
    let wasm = module(
        r#"(memory (export "memory") 1)
           (func $spin (loop $l (br $l)))
           (start $spin)"#,
        &[],
    );
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    marine.set_default_call_timeout(Some(Duration::from_millis(200)));
    match marine.load_module("spinner", wasm) {
        Err(MarineError::Timeout {
            module, function, ..
        }) => {
            assert_eq!(module, "spinner");
            assert_eq!(function, marine_runtime::WASM_START_FRAME);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    still_serves(&mut marine);
}

#[test]
fn errors_read_as_text_not_debug_dumps() {
    // An import whose type differs from the host's definition.
    let wasm = module(
        r#"(import "__marine_host_api_v3" "log_utf8_string" (func (param i32)))
           (memory (export "memory") 1)"#,
        &[],
    );
    let mut marine = Marine::with_engine(MarineEngine::new().unwrap());
    match marine.load_module("mismatch", wasm) {
        Err(MarineError::Link {
            module,
            message,
            source: None,
            ..
        }) => {
            assert_eq!(module, "mismatch");
            assert_eq!(
                message,
                "incompatible import type for `__marine_host_api_v3::log_utf8_string`: the \
                 module expects (i32) -> (), the definition is (i32, i32, i32, i32) -> ()"
            );
        }
        other => panic!("expected a link error, got {other:?}"),
    }

    // A trap carries the wasm backtrace and the trap, never the host's Rust backtrace (which
    // `RUST_BACKTRACE=1` used to add).
    let wasm = module(
        r#"(memory (export "memory") 1)
           (func (export "boom") unreachable)"#,
        &[function("boom", &[], None)],
    );
    marine.load_module("trapper", wasm).unwrap();
    match marine.call_with_ivalues("trapper", "boom", &[]) {
        Err(MarineError::Trap { source, .. }) => {
            let message = source.to_string();
            assert!(message.contains("wasm backtrace"), "{message}");
            assert!(message.contains("unreachable"), "{message}");
            assert!(!message.contains("Stack backtrace"), "{message}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    still_serves(&mut marine);
}

#[test]
fn unknown_call_parameter_keys_are_errors() {
    let known: Result<marine_runtime::CallParameters, _> =
        serde_json::from_str(r#"{"particle": {"id": "p"}, "service_id": "s"}"#);
    assert_eq!(known.unwrap().service_id, "s");
    let unknown: Result<marine_runtime::CallParameters, _> =
        serde_json::from_str(r#"{"servce_id": "s"}"#);
    let e = unknown.unwrap_err().to_string();
    assert!(e.contains("unknown field `servce_id`"), "{e}");
}
