//! The shared engine and its cache of compiled modules.
//!
//! A [`MarineEngine`] wraps one `wasmtime::Engine` and caches compiled modules, together with
//! their parsed interface and call plans, by content hash. It is cheap to clone and can be
//! shared by many [`crate::Marine`] instances (services) and threads; loading the same bytes
//! twice compiles and parses them once.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::{Config, Engine, Module};

use crate::abi::CallPlan;
use crate::errors::{format_wasmtime_error, MarineError};
use crate::interface::ModuleInterface;

/// A compiled module with everything derived from its bytes.
#[derive(Debug)]
pub struct CompiledModule {
    /// The wasmtime module.
    pub module: Module,
    /// Its interface.
    pub interface: Arc<ModuleInterface>,
    /// Call plan per exported `#[marine]` function.
    pub plans: HashMap<String, Arc<CallPlan>>,
}

/// Cache key: length plus two independent 64-bit SipHash digests of the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ContentKey(usize, u64, u64);

impl ContentKey {
    fn of(bytes: &[u8]) -> Self {
        let mut a = DefaultHasher::new();
        bytes.hash(&mut a);
        let mut b = DefaultHasher::new();
        0x6d61_7269_6e65u64.hash(&mut b);
        bytes.hash(&mut b);
        ContentKey(bytes.len(), a.finish(), b.finish())
    }
}

struct EngineInner {
    engine: Engine,
    cache: Mutex<HashMap<ContentKey, Arc<CompiledModule>>>,
}

/// A wasmtime engine plus a compiled-module cache. Clone to share.
#[derive(Clone)]
pub struct MarineEngine {
    inner: Arc<EngineInner>,
}

impl std::fmt::Debug for MarineEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarineEngine")
            .field("cached_modules", &self.cached_modules())
            .finish()
    }
}

impl MarineEngine {
    /// An engine with the default wasmtime configuration.
    pub fn new() -> Result<Self, MarineError> {
        Self::with_config(&Config::new())
    }

    /// An engine with a caller-provided wasmtime configuration. Async support must be off
    /// (calls are synchronous).
    pub fn with_config(config: &Config) -> Result<Self, MarineError> {
        let engine = Engine::new(config).map_err(|e| MarineError::Engine(e.to_string()))?;
        Ok(MarineEngine {
            inner: Arc::new(EngineInner {
                engine,
                cache: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The process-wide default engine (created on first use).
    pub fn shared() -> Self {
        static SHARED: OnceLock<MarineEngine> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                MarineEngine::new().unwrap_or_else(|_| MarineEngine {
                    inner: Arc::new(EngineInner {
                        engine: Engine::default(),
                        cache: Mutex::new(HashMap::new()),
                    }),
                })
            })
            .clone()
    }

    /// The underlying wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Number of modules in the cache.
    pub fn cached_modules(&self) -> usize {
        self.lock().len()
    }

    /// Drops all cached modules (instances already created are unaffected).
    pub fn clear_cache(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ContentKey, Arc<CompiledModule>>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Parses the interface and compiles `wasm`, or returns the cached result for identical
    /// bytes. `name` is only used in error messages.
    pub fn compile(&self, name: &str, wasm: &[u8]) -> Result<Arc<CompiledModule>, MarineError> {
        let key = ContentKey::of(wasm);
        if let Some(hit) = self.lock().get(&key) {
            return Ok(hit.clone());
        }
        let interface = ModuleInterface::from_wasm(wasm).map_err(|e| MarineError::Metadata {
            module: name.to_string(),
            section: e.section,
            reason: e.reason,
        })?;
        let module = Module::new(&self.inner.engine, wasm).map_err(|e| MarineError::Compile {
            module: name.to_string(),
            message: format_wasmtime_error(&e),
        })?;
        let plans = interface
            .functions
            .iter()
            .map(|(n, sig)| (n.clone(), Arc::new(CallPlan::new(sig.clone()))))
            .collect();
        let compiled = Arc::new(CompiledModule {
            module,
            interface: Arc::new(interface),
            plans,
        });
        self.lock().insert(key, compiled.clone());
        Ok(compiled)
    }
}
