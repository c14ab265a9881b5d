//! The criterion suite of BENCHMARKS.md: every figure next to a raw-wasmtime or host baseline
//! measured in the same run.
//!
//! `cargo bench -p marine-e2e --bench marine` (full), or with
//! `-- --warm-up-time 0.1 --measurement-time 0.2` (quick); `cargo test -p marine-e2e --benches`
//! runs every benchmark once as a smoke test.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::*;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use marine_runtime::config::ServiceConfig;
use marine_runtime::service::MarineService;
use marine_runtime::{CallParameters, DiskCacheOptions, IValue, Marine, MarineEngine};
use serde_json::json;
use wasmtime::{Module, TypedFunc};

/// Figure 1: host -> module `greeting("world")`.
fn greeting(c: &mut Criterion) {
    let engine = MarineEngine::shared();
    let mut group = c.benchmark_group("greeting");

    // Baseline: raw wasmtime typed calls on the same module, in a plain WASI store.
    let module = Module::from_file(engine.engine(), wasm_path("greeting")).unwrap();
    let linker = raw_linker(engine.engine(), &[&module]);
    let mut store = raw_store(engine.engine());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    run_start(&mut store, &instance);
    let allocate: TypedFunc<(i32, i32), i32> =
        instance.get_typed_func(&mut store, "allocate").unwrap();
    let greeting: TypedFunc<(i32, i32), ()> =
        instance.get_typed_func(&mut store, "greeting").unwrap();
    let release: TypedFunc<(), ()> = instance
        .get_typed_func(&mut store, "release_objects")
        .unwrap();
    let result_ptr: TypedFunc<(), i32> = instance
        .get_typed_func(&mut store, "get_result_ptr")
        .unwrap();
    let result_size: TypedFunc<(), i32> = instance
        .get_typed_func(&mut store, "get_result_size")
        .unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let name = b"world";

    // The baseline: one typed call of the module's `(i32, i32) -> ()` export, the raw
    // `greeting(ptr, len)`. Its argument buffer is consumed by the call, so buffers are
    // allocated (and earlier results released) in untimed chunks of 1000.
    group.bench_function("raw typed call greeting(ptr, len)", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let chunk = left.min(1000);
                left -= chunk;
                release.call(&mut store, ()).unwrap();
                let ptrs: Vec<i32> = (0..chunk)
                    .map(|_| {
                        let ptr = allocate.call(&mut store, (name.len() as i32, 1)).unwrap();
                        memory.write(&mut store, ptr as usize, name).unwrap();
                        ptr
                    })
                    .collect();
                let start = Instant::now();
                for ptr in ptrs {
                    greeting.call(&mut store, (ptr, name.len() as i32)).unwrap();
                }
                timed += start.elapsed();
            }
            release.call(&mut store, ()).unwrap();
            timed
        })
    });
    // The whole Marine protocol by hand with raw typed calls: the floor for any runtime.
    group.bench_function("raw protocol (allocate..release_objects)", |b| {
        b.iter(|| {
            let ptr = allocate.call(&mut store, (name.len() as i32, 1)).unwrap();
            memory.write(&mut store, ptr as usize, name).unwrap();
            greeting.call(&mut store, (ptr, name.len() as i32)).unwrap();
            let ptr = result_ptr.call(&mut store, ()).unwrap() as usize;
            let size = result_size.call(&mut store, ()).unwrap() as usize;
            let out = String::from_utf8(memory.data(&store)[ptr..ptr + size].to_vec()).unwrap();
            release.call(&mut store, ()).unwrap();
            black_box(out)
        })
    });
    drop(store);

    let mut marine = Marine::with_engine(engine.clone());
    marine
        .load_module("greeting", wasm_path("greeting"))
        .unwrap();
    let args = [IValue::String("world".into())];
    assert_eq!(
        marine
            .call_with_ivalues("greeting", "greeting", &args)
            .unwrap(),
        vec![IValue::String("Hi, world".into())]
    );
    group.bench_function("Marine::call_with_ivalues", |b| {
        b.iter(|| {
            marine
                .call_with_ivalues("greeting", "greeting", black_box(&args))
                .unwrap()
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let mut service = service(dir.path(), GREETING, &engine);
    assert_eq!(
        service
            .call_with_json(
                "greeting",
                "greeting",
                json!(["world"]),
                CallParameters::default()
            )
            .unwrap(),
        json!("Hi, world")
    );
    group.bench_function("MarineService::call_with_json", |b| {
        b.iter_batched(
            || json!(["world"]),
            |args| {
                service
                    .call_with_json("greeting", "greeting", args, CallParameters::default())
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// Payload sizes of the cross-module benchmark.
const PAYLOADS: [usize; 4] = [16, 1024, 64 * 1024, 1024 * 1024];

/// Cross-module calls per host call for a payload: enough that the host boundary is noise.
fn rounds(size: usize) -> usize {
    ((4 << 20) / size).clamp(4, 1000)
}

/// Figure 2: module -> module `bench_facade` -> `bench_storage.put_get(name, bytes) -> bytes`.
fn cross_module(c: &mut Criterion) {
    let engine = MarineEngine::shared();
    let dir = tempfile::tempdir().unwrap();
    let mut service = service(dir.path(), CROSS_MODULE, &engine);
    let mut group = c.benchmark_group("cross_module");
    for size in PAYLOADS {
        let rounds = rounds(size);
        // Figures are per cross-module call (one host call runs `rounds` of them).
        group.throughput(Throughput::Bytes((size * rounds) as u64));
        let args = [IValue::U32(size as u32), IValue::U32(rounds as u32)];
        let expected = vec![IValue::U64((size * rounds) as u64)];
        for func in ["relay_rounds", "copy_rounds"] {
            let got = service
                .call_with_ivalues("bench_facade", func, &args, CallParameters::default())
                .unwrap();
            assert_eq!(got, expected, "{func}({size}, {rounds})");
            group.bench_with_input(BenchmarkId::new(func, size), &args, |b, args| {
                b.iter(|| {
                    service
                        .call_with_ivalues("bench_facade", func, args, CallParameters::default())
                        .unwrap()
                })
            });
        }
        // Baseline: the two copies the call cannot avoid, done by the host.
        let src = vec![0x5au8; size];
        let (mut a, mut b) = (vec![0u8; size], vec![0u8; size]);
        group.bench_function(BenchmarkId::new("host memcpy x2", size), |bench| {
            bench.iter(|| {
                for _ in 0..rounds {
                    a.copy_from_slice(black_box(&src));
                    b.copy_from_slice(black_box(&a));
                    black_box(&mut b);
                }
            })
        });
    }
    group.finish();

    // End to end: host -> facade.relay -> storage -> facade -> host (four copies).
    let mut group = c.benchmark_group("cross_module_from_host");
    for size in PAYLOADS {
        group.throughput(Throughput::Bytes(size as u64));
        let args = [
            IValue::String("k".into()),
            IValue::ByteArray(vec![0x5a; size]),
        ];
        group.bench_with_input(BenchmarkId::new("relay", size), &args, |b, args| {
            b.iter(|| {
                service
                    .call_with_ivalues("bench_facade", "relay", args, CallParameters::default())
                    .unwrap()
            })
        });
    }
    group.finish();
}

/// The 1 MiB payload of figure 7: bytes of every value, so numbers have 1-3 digits.
fn json_payload() -> Vec<u8> {
    (0..1usize << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect()
}

/// Figure 7: `bench_storage.put_get(name, bytes) -> bytes` with 1 MiB through the JSON API,
/// the argument as text and as a `serde_json::Value`; floor: `serde_json` parsing the same
/// bytes from text into a `Vec<u8>` and writing them back (what any JSON round trip costs).
fn json_put_get(c: &mut Criterion) {
    let engine = MarineEngine::shared();
    let dir = tempfile::tempdir().unwrap();
    let mut service = service(dir.path(), CROSS_MODULE, &engine);
    let bytes = json_payload();
    let bytes_text = serde_json::to_string(&bytes).unwrap();
    let args_text = format!("[\"k\", {bytes_text}]");
    let args_value: serde_json::Value = serde_json::from_str(&args_text).unwrap();
    let cp = CallParameters::default;
    // Every path gives the floor's text back.
    let out = service
        .call_with_json_str("bench_storage", "put_get", &args_text, cp())
        .unwrap();
    assert_eq!(out, bytes_text);
    let out = service
        .call_with_json("bench_storage", "put_get", args_value.clone(), cp())
        .unwrap();
    assert_eq!(out.to_string(), bytes_text);

    let mut group = c.benchmark_group("json_put_get");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("floor: serde_json from_str::<Vec<u8>> + to_string", |b| {
        b.iter(|| {
            let parsed: Vec<u8> = serde_json::from_str(black_box(&bytes_text)).unwrap();
            black_box(serde_json::to_string(&parsed).unwrap())
        })
    });
    group.bench_function("MarineService::call_with_json_str (text)", |b| {
        b.iter(|| {
            service
                .call_with_json_str("bench_storage", "put_get", black_box(&args_text), cp())
                .unwrap()
        })
    });
    // The floor of any API taking and giving `serde_json::Value`s: serde_json alone reading the
    // argument tree into its Rust values (consuming it, as the call does) and building the
    // result's tree of the same bytes. As for the call below, the result is dropped outside the
    // timing.
    group.bench_function("Value floor: serde_json from_value + to_value", |b| {
        b.iter_batched(
            || args_value.clone(),
            |args| {
                let (_, parsed): (String, Vec<u8>) = serde_json::from_value(args).unwrap();
                serde_json::to_value(&parsed).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    // The argument is consumed by the call (its drop is part of the call's cost).
    group.bench_function("MarineService::call_with_json (Value)", |b| {
        b.iter_batched(
            || args_value.clone(),
            |args| {
                service
                    .call_with_json("bench_storage", "put_get", args, cp())
                    .unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    // What `call_with_json` did before: the tree converted to `IValue`s and back.
    let signature = service
        .module_interface("bench_storage")
        .unwrap()
        .function("put_get")
        .cloned()
        .unwrap();
    group.bench_function(
        "before: json_to_ivalues + call_with_ivalues + ivalues_to_json",
        |b| {
            b.iter_batched(
                || args_value.clone(),
                |args| {
                    let values = marine_runtime::json::json_to_ivalues(&args, &signature).unwrap();
                    drop(args);
                    let out = service
                        .call_with_ivalues("bench_storage", "put_get", &values, cp())
                        .unwrap();
                    marine_runtime::json::ivalues_to_json(&out, &signature.outputs)
                },
                BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

fn test_record1(i: i32) -> IValue {
    IValue::Record(vec![
        IValue::S32(i),
        IValue::String(format!("record {i}")),
        IValue::ByteArray(vec![1, 2, 3, 4]),
        IValue::Record(vec![IValue::S32(-i)]),
    ])
}

/// Figure 3: records and arrays through `Marine::call_with_ivalues`; baseline: two deep clones of
/// the argument on the host (the runtime lowers it once and lifts it once).
fn records_and_arrays(c: &mut Criterion) {
    let engine = MarineEngine::shared();
    let mut marine = Marine::with_engine(engine);
    marine.load_module("records", wasm_path("records")).unwrap();
    marine.load_module("arrays", wasm_path("arrays")).unwrap();

    let record = test_record1(7);
    let records = IValue::Array((0..1000).map(test_record1).collect());
    let strings = IValue::Array(
        (0..10_000)
            .map(|i| IValue::String(format!("s{i}")))
            .collect(),
    );
    let cases = [
        ("TestRecord1", "records", "echo_record1", record),
        (
            "1000 x TestRecord1",
            "records",
            "test_record_array",
            records,
        ),
        ("10000 strings", "arrays", "echo_strings", strings),
    ];

    let mut group = c.benchmark_group("records");
    for (label, module, func, arg) in cases {
        let args = [arg];
        let out = marine.call_with_ivalues(module, func, &args).unwrap();
        assert_eq!(out.len(), 1, "{func} returns one value");
        if func != "test_record_array" {
            assert_eq!(out[0], args[0], "{func} echoes its argument");
        }
        group.bench_with_input(
            BenchmarkId::new("call_with_ivalues", label),
            &args,
            |b, args| b.iter(|| marine.call_with_ivalues(module, func, args).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("host clone x2", label),
            &args,
            |b, args| {
                b.iter(|| {
                    let once = black_box(&args[0]).clone();
                    black_box(once.clone())
                })
            },
        );
    }
    group.finish();
}

/// Figure 8: the ABI extensions (docs/abi-extensions.md) against their plain counterparts in
/// the same module and run: `Option<String>` vs `String` and vs a record holding the string
/// (the same blocks without the discriminant), `Result<Item, String>` vs `Item` and vs a
/// record holding the item.
fn extensions(c: &mut Criterion) {
    let engine = MarineEngine::shared();
    let mut marine = Marine::with_engine(engine);
    marine
        .load_module("rich_types", wasm_path("rich_types"))
        .unwrap();
    let text = IValue::String("a string of 32 bytes, more or le".into());
    let item = IValue::Record(vec![
        IValue::String("item".into()),
        IValue::Option(Some(Box::new(IValue::Array(vec![
            IValue::String("a".into()),
            IValue::String("b".into()),
        ])))),
    ]);
    // The plain ABI moving the same blocks: a record holding the string, a record holding
    // the item (`Some(..)` and `Ok(..)` without their 4-byte discriminants).
    let text_record = IValue::Record(vec![text.clone()]);
    let item_box = IValue::Record(vec![item.clone()]);
    let cases = [
        ("String", "echo_string", text.clone()),
        ("Text { value: String }", "echo_text", text_record),
        (
            "Option<String> Some",
            "echo_option",
            IValue::Option(Some(Box::new(text))),
        ),
        ("Option<String> None", "echo_option", IValue::Option(None)),
        ("Item", "echo_item", item.clone()),
        ("ItemBox { item: Item }", "echo_item_box", item_box),
        (
            "Result<Item, String> Ok",
            "echo_result",
            IValue::Result(Ok(Box::new(item))),
        ),
    ];
    let mut group = c.benchmark_group("extensions");
    for (label, func, arg) in &cases {
        let args = [arg.clone()];
        let out = marine.call_with_ivalues("rich_types", func, &args).unwrap();
        assert_eq!(out, args, "{func} echoes its argument");
        group.bench_with_input(
            BenchmarkId::new("call_with_ivalues", label),
            &args,
            |b, args| b.iter(|| marine.call_with_ivalues("rich_types", func, args).unwrap()),
        );
    }

    // Each extension against the record of the same blocks at the same moments: the rows
    // above are measured one after the other, and this machine's speed moves between them
    // by more than the difference. The samples of these ids run chunks of record calls and
    // of extension calls in turn (the order swapped every chunk), each chunk timed; the ratio
    // is the extension's median chunk time over the record's, so a chunk slowed down by
    // another process moves neither. It goes to stdout and, after a measuring run, to
    // `criterion/extensions/interleaved.json`, which render_benchmarks.py reads for figure
    // 8's "vs the same blocks" ratios. Criterion's own figure for these ids is the time of
    // one record call plus one extension call.
    let case = |label: &str| {
        let (_, func, arg) = cases.iter().find(|(l, ..)| *l == label).unwrap();
        (*func, [arg.clone()])
    };
    let mut interleaved = Vec::new();
    for (record, extension) in [
        ("Text { value: String }", "Option<String> Some"),
        ("ItemBox { item: Item }", "Result<Item, String> Ok"),
    ] {
        let (record_func, record_args) = case(record);
        let (extension_func, extension_args) = case(extension);
        // Nanoseconds per call of each chunk: (record, extension).
        let mut chunks: (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        group.bench_function(
            BenchmarkId::new("interleaved", format!("{record} + {extension}")),
            |b| {
                b.iter_custom(|iters| {
                    const CHUNK: u64 = 20;
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    let mut record_first = true;
                    while left > 0 {
                        let chunk = left.min(CHUNK);
                        left -= chunk;
                        for record_turn in [record_first, !record_first] {
                            let (func, args, times) = if record_turn {
                                (record_func, &record_args, &mut chunks.0)
                            } else {
                                (extension_func, &extension_args, &mut chunks.1)
                            };
                            let start = Instant::now();
                            for _ in 0..chunk {
                                black_box(marine.call_with_ivalues("rich_types", func, args))
                                    .unwrap();
                            }
                            let elapsed = start.elapsed();
                            total += elapsed;
                            times.push(elapsed.as_nanos() as f64 / chunk as f64);
                        }
                        record_first = !record_first;
                    }
                    total
                })
            },
        );
        if !chunks.0.is_empty() {
            interleaved.push((record, extension, chunks));
        }
    }
    group.finish();
    report_interleaved(&mut interleaved);
}

/// After a measuring run (more than a test run's one chunk each), prints the interleaved
/// ratios of [`extensions`] (the extension's median chunk time over the record's) and writes
/// them to `criterion/extensions/interleaved.json` under the target dir.
#[allow(clippy::type_complexity)]
fn report_interleaved(pairs: &mut [(&str, &str, (Vec<f64>, Vec<f64>))]) {
    fn median(times: &mut [f64]) -> f64 {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
    // A test run (`cargo test --benches`) times one chunk of each: nothing to report.
    let measured = pairs
        .iter()
        .all(|(_, _, (record, extension))| record.len().min(extension.len()) > 1);
    if pairs.is_empty() || !measured {
        return;
    }
    let mut doc = serde_json::Map::new();
    for (record, extension, (record_times, extension_times)) in pairs.iter_mut() {
        let chunks = record_times.len().min(extension_times.len());
        let (record_ns, extension_ns) = (median(record_times), median(extension_times));
        let ratio = extension_ns / record_ns;
        println!(
            "extensions/interleaved: {extension} {extension_ns:.0} ns / {record} \
             {record_ns:.0} ns = {ratio:.3}x (medians of {chunks} chunks each)"
        );
        doc.insert(
            extension.to_string(),
            json!({
                "vs": record,
                "median": ratio,
                "extension_ns": extension_ns,
                "record_ns": record_ns,
                "chunks": chunks,
            }),
        );
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| marine_e2e::repo_root().join("target"));
    let dir = target.join("criterion").join("extensions");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap();
    std::fs::write(dir.join("interleaved.json"), text + "\n").unwrap();
}

/// Figure 4: creating the 3-module url-downloader service.
fn service_creation(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = service_config(dir.path(), URL_DOWNLOADER);
    let mut group = c.benchmark_group("service_creation");

    // Cold: a new engine and no disk cache, so the three modules are compiled.
    group.sample_size(10);
    group.bench_function("cold (new MarineEngine)", |b| {
        b.iter_batched(
            || config.clone(),
            |config| {
                let engine = MarineEngine::new().unwrap();
                let options = options(&engine).with_compiled_cache(DiskCacheOptions::disabled());
                MarineService::with_options(config, options).unwrap()
            },
            BatchSize::PerIteration,
        )
    });

    // Warm: shared engine, compiled modules cached.
    group.sample_size(100);
    let engine = MarineEngine::shared();
    let warmup = MarineService::with_options(config.clone(), options(&engine)).unwrap();
    assert_eq!(warmup.module_names().len(), 3);
    drop(warmup);
    group.bench_function("warm (cached modules)", |b| {
        b.iter_batched(
            || config.clone(),
            |config| MarineService::with_options(config, options(&engine)).unwrap(),
            BatchSize::SmallInput,
        )
    });

    // Baseline: pre-linked InstancePres of the same three modules (WASI and trap stubs for
    // the other imports), instantiated with `_initialize`/`_start` in a fresh store.
    let raw = RawUrlDownloader::new(engine.engine());
    group.bench_function("baseline: wasmtime InstancePre x3", |b| {
        b.iter_batched(|| (), |()| raw.instantiate(), BatchSize::SmallInput)
    });
    group.finish();
}

/// The large module of figure 5: `examples/big-module` (syn + prettyplease + toml +
/// serde_json), its own workspace, built here in release.
fn big_module_path() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = marine_e2e::build_wasm_workspace(
        &root.join("examples/big-module/Cargo.toml"),
        &marine_e2e::wasm_target_dir(),
    );
    dir.join("big_module.wasm")
}

/// Figure 5: cold start with the persistent compiled-code cache, each "process" simulated
/// in-process by a fresh `MarineEngine` (empty in-memory cache) per iteration.
fn compiled_cache(c: &mut Criterion) {
    let mut group = c.benchmark_group("compiled_cache");
    group.sample_size(10);
    let url_dir = tempfile::tempdir().unwrap();
    let mut cases = vec![(
        "url-downloader",
        service_config(url_dir.path(), URL_DOWNLOADER),
    )];
    // The large module takes minutes to build and seconds per compile: only under
    // `cargo bench`, not in the smoke run of `cargo test --benches`.
    let big_dir = tempfile::tempdir().unwrap();
    if std::env::args().any(|a| a == "--bench") {
        let big_wasm = big_module_path();
        let body = format!(
            "[[module]]\nname = \"big_module\"\nload_from = {:?}\n",
            big_wasm.display().to_string()
        );
        cases.push(("big module", service_config(big_dir.path(), &body)));
    }
    for (label, config) in cases {
        cold_starts(&mut group, label, &config);
    }
    group.finish();
}

fn cold_starts(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    label: &str,
    config: &ServiceConfig,
) {
    let create = |cache: DiskCacheOptions| {
        let engine = MarineEngine::new().unwrap();
        MarineService::with_options(config.clone(), options(&engine).with_compiled_cache(cache))
            .unwrap()
    };
    group.bench_function(format!("{label}: compiled, no disk cache"), |b| {
        b.iter_batched(
            || (),
            |()| create(DiskCacheOptions::disabled()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function(format!("{label}: first process (empty cache dir)"), |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let service = create(DiskCacheOptions::in_dir(dir.path()));
                (service, dir)
            },
            BatchSize::PerIteration,
        )
    });
    let warm = tempfile::tempdir().unwrap();
    drop(create(DiskCacheOptions::in_dir(warm.path())));
    group.bench_function(format!("{label}: second process (warm cache dir)"), |b| {
        b.iter_batched(
            || (),
            |()| create(DiskCacheOptions::in_dir(warm.path())),
            BatchSize::PerIteration,
        )
    });
    // The floor: wasmtime alone, a fresh engine of the same configuration loading the same
    // modules precompiled in its own format (`Engine::precompile_module`) with
    // `Module::deserialize_file`, no verification, no instantiation.
    let engine = MarineEngine::new().unwrap();
    let raw_dir = tempfile::tempdir().unwrap();
    let cwasm: Vec<_> = config
        .modules
        .iter()
        .map(|m| {
            let path = raw_dir.path().join(format!("{}.cwasm", m.name));
            let wasm = std::fs::read(&m.wasm_path).unwrap();
            std::fs::write(&path, engine.engine().precompile_module(&wasm).unwrap()).unwrap();
            path
        })
        .collect();
    // A fresh wasmtime engine of the same configuration and the modules deserialized on it.
    let deserialized = || {
        let mut wasmtime_config = wasmtime::Config::new();
        wasmtime_config.epoch_interruption(true);
        let engine = wasmtime::Engine::new(&wasmtime_config).unwrap();
        let modules: Vec<Module> = cwasm
            .iter()
            // SAFETY: written just above by an engine of the same configuration.
            .map(|p| unsafe { Module::deserialize_file(&engine, p) }.unwrap())
            .collect();
        (engine, modules)
    };
    group.bench_function(
        format!("{label}: floor: new Engine + Module::deserialize_file"),
        |b| b.iter_batched(|| (), |()| deserialized(), BatchSize::PerIteration),
    );
    // What wasmtime alone needs to create the same instances from those files: the floor,
    // then a WASI linker (trap stubs for the other imports), instantiation and `_initialize`
    // in one store with an empty WASI context (figure 4's raw baseline, unlinked).
    group.bench_function(
        format!("{label}: floor with instantiation: deserialize_file + instantiate"),
        |b| {
            b.iter_batched(
                || (),
                |()| {
                    let (engine, modules) = deserialized();
                    let linker = raw_linker(&engine, &modules.iter().collect::<Vec<_>>());
                    let mut store = raw_store(&engine);
                    for module in &modules {
                        let instance = linker.instantiate(&mut store, module).unwrap();
                        run_start(&mut store, &instance);
                    }
                    (store, modules, engine)
                },
                BatchSize::PerIteration,
            )
        },
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = greeting, cross_module, records_and_arrays, service_creation, compiled_cache,
        extensions, json_put_get
}
criterion_main!(benches);
