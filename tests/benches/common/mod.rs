//! Shared setup of the benches: built example modules, service configs in temp dirs, and a
//! raw wasmtime linker for the baselines.

#![allow(dead_code)] // each bench binary uses a part of it

use std::path::{Path, PathBuf};

use marine_runtime::config::ServiceConfig;
use marine_runtime::service::{MarineService, ServiceOptions, WasmLogFilter};
use marine_runtime::MarineEngine;
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;

/// The url-downloader service of the seed: three modules, the facade importing the other two,
/// a mapped dir and a mounted binary (so creation does everything a real service does).
pub const URL_DOWNLOADER: &str = r#"
[[module]]
name = "local_storage"
[module.wasi]
mapped_dirs = { "sites" = "./sites" }

[[module]]
name = "curl_adapter"
[module.mounted_binaries]
curl = "/usr/bin/curl"

[[module]]
name = "facade"
"#;

/// The modules of [`URL_DOWNLOADER`], in load order.
pub const URL_DOWNLOADER_MODULES: [&str; 3] = ["local_storage", "curl_adapter", "facade"];

/// The cross-module benchmark: `bench_facade` imports `bench_storage.put_get`.
pub const CROSS_MODULE: &str = r#"
[[module]]
name = "bench_storage"

[[module]]
name = "bench_facade"
"#;

/// One module: `greeting`.
pub const GREETING: &str = r#"
[[module]]
name = "greeting"
"#;

/// The folder of the built example modules (built once per process).
pub fn modules_dir() -> &'static Path {
    marine_e2e::build_examples()
}

/// A parsed service config: `body` written as `Config.toml` into `dir` with `modules_dir` set
/// to the built examples.
pub fn service_config(dir: &Path, body: &str) -> ServiceConfig {
    let path = dir.join("Config.toml");
    let text = format!(
        "modules_dir = {:?}\n{body}",
        modules_dir().display().to_string()
    );
    std::fs::write(&path, text).expect("cannot write the bench Config.toml");
    ServiceConfig::from_path(&path).expect("the bench config is valid")
}

/// Options for benches: the given engine, no guest logging, guest stdio not inherited.
pub fn options(engine: &MarineEngine) -> ServiceOptions {
    ServiceOptions {
        engine: engine.clone(),
        wasm_log: WasmLogFilter::default(),
        inherit_stdio: false,
        ..ServiceOptions::default()
    }
}

/// A service from `body` on `engine`.
pub fn service(dir: &Path, body: &str, engine: &MarineEngine) -> MarineService {
    MarineService::with_options(service_config(dir, body), options(engine))
        .expect("the bench service starts")
}

/// Path of a built example module.
pub fn wasm_path(name: &str) -> PathBuf {
    marine_e2e::example_wasm(name)
}

/// The raw-wasmtime baseline's store: one WASI preview1 context, no deadline reached.
pub fn raw_store(engine: &Engine) -> Store<WasiP1Ctx> {
    let mut store = Store::new(engine, WasiCtxBuilder::new().build_p1());
    // The Marine engine has epoch interruption on; never interrupt the baseline.
    store.set_epoch_deadline(u64::MAX / 4);
    store
}

/// A linker with WASI preview1 and every other import of `modules` defined as a trap (host
/// functions and other modules' exports are not what the baselines measure).
pub fn raw_linker(engine: &Engine, modules: &[&Module]) -> Linker<WasiP1Ctx> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).expect("WASI links");
    for module in modules {
        linker
            .define_unknown_imports_as_traps(module)
            .expect("stub imports link");
    }
    linker
}

/// Runs `_initialize` and `_start` when exported, as the runtime does at load.
pub fn run_start(store: &mut Store<WasiP1Ctx>, instance: &wasmtime::Instance) {
    for start in ["_initialize", "_start"] {
        if let Some(f) = instance.get_func(&mut *store, start) {
            let f = f.typed::<(), ()>(&mut *store).expect("start has no params");
            match f.call(&mut *store, ()) {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.downcast_ref::<wasmtime_wasi::I32Exit>(),
                        Some(wasmtime_wasi::I32Exit(0))
                    ) => {}
                Err(e) => panic!("`{start}` failed: {e:?}"),
            }
        }
    }
}

/// The raw-wasmtime baseline of a service: the url-downloader's three modules pre-linked as
/// `InstancePre`s (WASI, trap stubs for the other imports).
pub struct RawUrlDownloader {
    engine: Engine,
    pres: Vec<wasmtime::InstancePre<WasiP1Ctx>>,
}

impl RawUrlDownloader {
    /// Compiles and pre-links the three modules on `engine`.
    pub fn new(engine: &Engine) -> Self {
        let modules: Vec<Module> = URL_DOWNLOADER_MODULES
            .iter()
            .map(|name| Module::from_file(engine, wasm_path(name)).unwrap())
            .collect();
        let linker = raw_linker(engine, &modules.iter().collect::<Vec<_>>());
        let pres = modules
            .iter()
            .map(|m| linker.instantiate_pre(m).unwrap())
            .collect();
        RawUrlDownloader {
            engine: engine.clone(),
            pres,
        }
    }

    /// A fresh store with the three instances, each started (`_initialize` / `_start`).
    pub fn instantiate(&self) -> Store<WasiP1Ctx> {
        let mut store = raw_store(&self.engine);
        for pre in &self.pres {
            let instance = pre.instantiate(&mut store).unwrap();
            run_start(&mut store, &instance);
        }
        store
    }
}
