//! The shared engine and its cache of compiled modules.
//!
//! A [`MarineEngine`] wraps one `wasmtime::Engine` and caches compiled modules, together with
//! their parsed interface and call plans, by content hash. It is cheap to clone and can be
//! shared by many [`crate::Marine`] instances (services) and threads; loading the same bytes
//! twice compiles and parses them once. Files loaded by path are also remembered by their
//! stamp (size, modification time and, on Unix, device, inode and status-change time):
//! loading an unchanged file again costs one `stat`, without reading or hashing its bytes.
//!
//! Call timeouts use wasmtime's epoch interruption: the engine is always configured with
//! `epoch_interruption`, and a background thread owned by the engine increments the epoch
//! every [`EPOCH_TICK`]. A call with a timeout gets a deadline of enough ticks to cover it;
//! calls without one get a deadline that is never reached. The thread stops when the last
//! clone of the engine is dropped.
//!
//! Below the in-memory cache sits the persistent one ([`crate::disk_cache`]): a module not in
//! memory is looked up on disk (and, when the embedder trusts them, in a precompiled `.cwasm`
//! next to its file) before Cranelift runs, and a freshly compiled module is written there. A
//! file whose digest the disk cache recorded under its current stamp is not read in full when
//! its code is found: its interface comes from its interface sections alone.
//! Each compile can name its [`DiskCacheOptions`]; the engine's own (from the environment
//! when created, [`MarineEngine::set_disk_cache`]) serve the calls that do not.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine, InstancePre, Linker, Module};

use crate::abi::CallPlan;
use crate::disk_cache::{
    self, cache_key, Counters, DiskCache, DiskCacheOptions, DiskCacheStats, FileStamp,
    MAX_PRECOMPILED_SIZE,
};
use crate::errors::{MarineError, WasmtimeError};
use crate::files::{read_limited, read_open_limited, ReadFileError};
use crate::interface::{InterfaceError, ModuleInterface};
use crate::limits::{LimitExceeded, LimitKind, Limits, ModuleMetrics};
use crate::store::StoreState;

/// A compiled module with everything derived from its bytes.
pub struct CompiledModule {
    /// The wasmtime module.
    pub module: Module,
    /// Its interface.
    pub interface: Arc<ModuleInterface>,
    /// Call plan per exported `#[marine]` function.
    pub plans: HashMap<String, Arc<CallPlan>>,
    /// Its shape, checked against the [`Limits`] of every service that loads it.
    pub metrics: ModuleMetrics,
    /// The module pre-linked (imports resolved and type-checked) once per [`LinkShape`] it
    /// was loaded with, most recently used last; at most [`MAX_LINK_SHAPES`].
    linked: Mutex<Vec<(LinkShape, InstancePre<StoreState>)>>,
}

/// How many link shapes a compiled module keeps pre-linked instances for.
pub const MAX_LINK_SHAPES: usize = 16;

/// Where one import of a module is served from in a service, as far as linking sees it: the
/// functions behind [`ImportProvider::Module`] and [`ImportProvider::Host`] differ per service
/// (they find their target in the module's store), their wasm types do not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportProvider {
    /// The engine's shared definitions (WASI, built-in host imports), or nothing.
    Shared,
    /// A function of another module of the service (an import adapter).
    Module,
    /// An embedder's host function of this wasm type (a code per parameter, a separator, a
    /// code per result).
    Host(Box<[u8]>),
}

/// The providers of a module's imports, in its import order: two loads with equal shapes
/// link the same wasm definitions, so they share one `InstancePre`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkShape(pub Vec<ImportProvider>);

impl std::fmt::Debug for CompiledModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledModule")
            .field("module", &self.module)
            .field("interface", &self.interface)
            .field("plans", &self.plans)
            .field("metrics", &self.metrics)
            .field("linked_shapes", &self.linked_shapes())
            .finish()
    }
}

impl CompiledModule {
    /// The module pre-linked for `shape`: the cached `InstancePre`, or `link()`'s, then
    /// cached. A failed `link` caches nothing.
    pub(crate) fn instance_pre<E>(
        &self,
        shape: LinkShape,
        link: impl FnOnce() -> Result<InstancePre<StoreState>, E>,
    ) -> Result<InstancePre<StoreState>, E> {
        if let Some(pre) = self.cached_instance_pre(&shape) {
            return Ok(pre);
        }
        let pre = link()?;
        let mut linked = self.linked_lock();
        if !linked.iter().any(|(s, _)| *s == shape) {
            if linked.len() >= MAX_LINK_SHAPES {
                linked.remove(0);
            }
            linked.push((shape, pre.clone()));
        }
        Ok(pre)
    }

    fn cached_instance_pre(&self, shape: &LinkShape) -> Option<InstancePre<StoreState>> {
        let mut linked = self.linked_lock();
        let at = linked.iter().position(|(s, _)| s == shape)?;
        let entry = linked.remove(at);
        let pre = entry.1.clone();
        linked.push(entry);
        Some(pre)
    }

    fn linked_lock(&self) -> std::sync::MutexGuard<'_, Vec<(LinkShape, InstancePre<StoreState>)>> {
        self.linked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of link shapes this module is pre-linked for.
    pub fn linked_shapes(&self) -> usize {
        self.linked_lock().len()
    }
}

/// In-memory cache key: the SHA-256 of the wasm bytes, the digest the disk cache's key is
/// derived from (one pass over the bytes serves both caches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ContentKey([u8; 32]);

/// One module to compile: its name (for errors), bytes, limits and disk cache settings, and
/// the file it was read from, if any (a precompiled `.cwasm` may lie beside it).
struct CompileRequest<'a> {
    name: &'a str,
    wasm: &'a [u8],
    limits: &'a Limits,
    cache: &'a DiskCacheOptions,
    wasm_path: Option<&'a Path>,
    /// The SHA-256 of `wasm`, as far as it is known before compiling.
    digest: WasmDigest,
}

/// The SHA-256 of a [`CompileRequest`]'s bytes, as far as it is known before compiling, and
/// so whether stored compiled code is still to be looked up for it.
#[derive(Clone, Copy)]
enum WasmDigest {
    /// Not known: the bytes are hashed, then stored compiled code is looked up.
    Unknown,
    /// Taken of the bytes by the caller: stored compiled code is looked up.
    Hashed([u8; 32]),
    /// Recalled from the disk cache's record of an unchanged file, after stored compiled code
    /// for it was looked up (a miss counted) and none was usable: it is not looked up again.
    RecalledWithoutCode([u8; 32]),
}

impl WasmDigest {
    /// The digest of `wasm`, these bytes: hashed now when not known.
    fn of(self, wasm: &[u8]) -> [u8; 32] {
        match self {
            WasmDigest::Unknown => disk_cache::digest(wasm),
            WasmDigest::Hashed(digest) | WasmDigest::RecalledWithoutCode(digest) => digest,
        }
    }
}

/// What stored compiled code gives for a file whose digest the disk cache recorded.
enum FromStored {
    /// The module, with its interface read from the file's interface sections.
    Compiled(Arc<CompiledModule>),
    /// No stored code is usable for the recalled digest (a miss counted): the file, open and
    /// still the one stamped, is read in full and compiled.
    NoCode(StampedFile),
    /// The recalled digest is not used: the file is no longer the one stamped, or is larger
    /// than the limits allow (its read refuses it, naming the file). It is read from its path
    /// and hashed.
    DigestUnusable,
}

/// A module file opened once its digest was recalled, with the metadata showing it still had
/// the recalled stamp: its bytes are those the digest was taken of while the stamp holds.
struct StampedFile {
    file: std::fs::File,
    metadata: std::fs::Metadata,
}

impl StampedFile {
    /// The file at `path`, if it opens and still has `stamp`.
    fn open(path: &Path, stamp: &FileStamp) -> Option<Self> {
        let file = std::fs::File::open(path).ok()?;
        let metadata = stamp.metadata_if_unchanged(&file)?;
        Some(StampedFile { file, metadata })
    }
}

/// A module file whose digest the disk cache recorded under its current stamp.
struct StoredRequest<'a> {
    name: &'a str,
    path: &'a Path,
    stamp: &'a FileStamp,
    digest: &'a [u8; 32],
    limits: &'a Limits,
    cache: &'a DiskCacheOptions,
}

/// Limits that refuse no module shape: [`MarineEngine::precompile`] measures a module for
/// its `.cwasm` trailer, and each service loading the file checks the figures against its
/// own limits. The interface limits stay (they bound the walk over its types).
fn measuring_limits() -> Limits {
    Limits {
        max_module_size: u64::MAX,
        max_functions: u32::MAX,
        max_block_depth: u32::MAX,
        max_memories: u32::MAX,
        max_tables: u32::MAX,
        max_table_elements: u64::MAX,
        ..Limits::default()
    }
}

/// Period of the epoch ticker, the resolution of call timeouts.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Epoch deadline (in ticks from now) of calls without a timeout: never reached.
pub const NO_DEADLINE: u64 = u64::MAX / 4;

/// The background thread incrementing the engine's epoch; stopped and joined on drop.
struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("marine-epoch-ticker".into())
            .spawn(move || {
                // Ends on a stop message or when the sender (the engine) is gone.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                }
            });
        match thread {
            Ok(thread) => EpochTicker {
                stop: Some(stop),
                thread: Some(thread),
            },
            Err(e) => {
                // Without the thread, timeouts cannot fire; calls still work.
                log::error!(
                    "cannot start the epoch ticker thread, call timeouts are disabled: {e}"
                );
                EpochTicker {
                    stop: None,
                    thread: None,
                }
            }
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many compiled modules an engine keeps by default (each holds its machine code, a few
/// MiB for a typical module); the least recently used goes first.
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// A map that keeps at most `capacity` entries, dropping the least recently used (a linear
/// scan on eviction: capacities are small).
struct LruMap<K, V> {
    capacity: usize,
    clock: u64,
    entries: HashMap<K, (V, u64)>,
}

impl<K: Hash + Eq + Clone, V: Clone> LruMap<K, V> {
    fn new(capacity: usize) -> Self {
        LruMap {
            capacity,
            clock: 0,
            entries: HashMap::new(),
        }
    }

    fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(value, used)| {
            *used = clock;
            value.clone()
        })
    }

    fn insert(&mut self, key: K, value: V) {
        self.clock += 1;
        self.entries.insert(key, (value, self.clock));
        self.shrink();
    }

    fn shrink(&mut self) {
        while self.entries.len() > self.capacity {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }
}

/// Cache directories opened by an engine, by (directory, bound); `None`: unusable.
type OpenedCaches = HashMap<(PathBuf, u64), Option<Arc<DiskCache>>>;

struct EngineInner {
    engine: Engine,
    cache: Mutex<LruMap<ContentKey, Arc<CompiledModule>>>,
    /// Files compiled by path, with the stamp they had when read.
    files: Mutex<LruMap<PathBuf, (FileStamp, Arc<CompiledModule>)>>,
    /// The linker every service starts from (WASI, built-in host imports), built once.
    base_linker: OnceLock<Linker<StoreState>>,
    /// SHA-256 of the engine's compatibility hash (configuration, wasmtime version).
    engine_digest: [u8; 32],
    /// The disk cache settings of compiles that do not name their own.
    disk_options: Mutex<DiskCacheOptions>,
    /// Cache directories opened so far, by (directory, bound); `None`: unusable (logged once).
    disk_caches: Mutex<OpenedCaches>,
    disk_counters: Counters,
    _ticker: EpochTicker,
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
    /// An engine with the default wasmtime configuration (plus epoch interruption).
    pub fn new() -> Result<Self, MarineError> {
        Self::with_config(&Config::new())
    }

    /// An engine with a caller-provided wasmtime configuration. Async support must be off
    /// (calls are synchronous); epoch interruption is switched on (call timeouts need it).
    pub fn with_config(config: &Config) -> Result<Self, MarineError> {
        let mut config = config.clone();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| MarineError::Engine(e.to_string()))?;
        Ok(Self::from_engine(engine))
    }

    fn from_engine(engine: Engine) -> Self {
        MarineEngine {
            inner: Arc::new(EngineInner {
                _ticker: EpochTicker::start(engine.clone()),
                engine_digest: disk_cache::engine_digest(&engine),
                engine,
                cache: Mutex::new(LruMap::new(DEFAULT_CACHE_CAPACITY)),
                files: Mutex::new(LruMap::new(DEFAULT_CACHE_CAPACITY)),
                base_linker: OnceLock::new(),
                disk_options: Mutex::new(DiskCacheOptions::from_env()),
                disk_caches: Mutex::new(HashMap::new()),
                disk_counters: Counters::default(),
            }),
        }
    }

    /// The process-wide default engine (created on first use).
    pub fn shared() -> Self {
        static SHARED: OnceLock<MarineEngine> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                MarineEngine::new().unwrap_or_else(|e| {
                    panic!("the default wasmtime configuration is rejected by this host: {e}")
                })
            })
            .clone()
    }

    /// The epoch deadline, in ticks from now, of a call with this timeout: enough ticks for
    /// at least `timeout` to pass ([`NO_DEADLINE`] for `None`).
    pub(crate) fn deadline_ticks(timeout: Option<Duration>) -> u64 {
        match timeout {
            None => NO_DEADLINE,
            Some(t) => {
                let tick = EPOCH_TICK.as_nanos();
                let ticks = t.as_nanos().div_ceil(tick);
                // +1: the first tick may come right away.
                u64::try_from(ticks)
                    .unwrap_or(NO_DEADLINE)
                    .saturating_add(1)
                    .min(NO_DEADLINE)
            }
        }
    }

    /// The underlying wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The definitions every module may import (WASI preview1 and the built-in host imports),
    /// registered by `define` into a fresh linker on first use and shared afterwards, so
    /// creating a service neither registers nor copies them. The layer above the engine
    /// (linking) knows what they are; the engine only keeps them.
    pub(crate) fn base_linker(
        &self,
        define: impl FnOnce(&mut Linker<StoreState>),
    ) -> &Linker<StoreState> {
        self.inner.base_linker.get_or_init(|| {
            let mut linker = Linker::new(&self.inner.engine);
            define(&mut linker);
            linker
        })
    }

    /// Number of modules in the cache.
    pub fn cached_modules(&self) -> usize {
        self.lock().entries.len()
    }

    /// Drops all cached modules (instances already created are unaffected).
    pub fn clear_cache(&self) {
        self.lock().entries.clear();
        self.files().entries.clear();
    }

    /// Keeps at most `capacity` compiled modules (default [`DEFAULT_CACHE_CAPACITY`]),
    /// dropping the least recently used ones now and whenever the cache grows past it.
    /// Modules in use by a service stay alive with it; only the cache lets go of them.
    pub fn set_cache_capacity(&self, capacity: usize) {
        let mut cache = self.lock();
        cache.capacity = capacity;
        cache.shrink();
        drop(cache);
        let mut files = self.files();
        files.capacity = capacity;
        files.shrink();
    }

    fn files(
        &self,
    ) -> std::sync::MutexGuard<'_, LruMap<PathBuf, (FileStamp, Arc<CompiledModule>)>> {
        self.inner
            .files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The disk cache settings used by the compiles that do not name their own (by default
    /// [`DiskCacheOptions::from_env`]: on, at the default location, unless `MARINE_NO_CACHE`
    /// is set).
    pub fn disk_cache(&self) -> DiskCacheOptions {
        self.inner
            .disk_options
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the disk cache settings of the compiles that do not name their own.
    pub fn set_disk_cache(&self, options: DiskCacheOptions) {
        *self
            .inner
            .disk_options
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = options;
    }

    /// What the disk cache did for this engine so far (hits, misses, writes, rejected and
    /// evicted entries, precompiled files used or ignored).
    pub fn disk_cache_stats(&self) -> DiskCacheStats {
        self.inner.disk_counters.snapshot()
    }

    /// Compiles `wasm` ahead of time for this engine: the bytes of a `.cwasm` file (the disk
    /// cache's format: wasmtime's serialized module, then a trailer naming the wasm bytes and
    /// this engine's configuration) that a runtime with the same engine configuration loads
    /// instead of compiling when it trusts precompiled files
    /// ([`DiskCacheOptions::trust_precompiled`]).
    pub fn precompile(&self, name: &str, wasm: &[u8]) -> Result<Vec<u8>, MarineError> {
        let limits = measuring_limits();
        let interface = parse_interface(name, wasm, &limits)?;
        let metrics = crate::metrics::measure(name, wasm, &interface, &limits)?;
        let payload =
            self.inner
                .engine
                .precompile_module(wasm)
                .map_err(|e| MarineError::Compile {
                    module: name.to_string(),
                    message: String::new(),
                    source: Some(WasmtimeError::new(e)),
                })?;
        let wasm_digest = disk_cache::digest(wasm);
        let key = self.disk_key(&wasm_digest);
        Ok(disk_cache::artifact_bytes(
            &key,
            &wasm_digest,
            &metrics,
            &payload,
        ))
    }

    /// The opened cache directory for `options`, if it is on and usable.
    fn disk_cache_for(&self, options: &DiskCacheOptions) -> Option<Arc<DiskCache>> {
        let dir = options.resolved_dir()?;
        let mut caches = self
            .inner
            .disk_caches
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        caches
            .entry((dir.clone(), options.max_size))
            .or_insert_with(|| {
                match DiskCache::open(&dir, options.max_size, &self.inner.disk_counters) {
                    Ok(cache) => Some(Arc::new(cache)),
                    Err(e) => {
                        log::warn!("compiled-module cache off: {e}");
                        None
                    }
                }
            })
            .clone()
    }

    /// Compiles the `.wasm` file at `path` as [`MarineEngine::compile`] does, under the
    /// default [`Limits`].
    pub fn compile_file(
        &self,
        name: &str,
        path: &Path,
    ) -> Result<Arc<CompiledModule>, MarineError> {
        self.compile_file_with_limits(name, path, &Limits::default())
    }

    /// Compiles the `.wasm` file at `path` as [`MarineEngine::compile_with_limits`] does. A
    /// file whose stamp (size, modification time, device, inode, status-change time) is
    /// unchanged since it was last compiled here is not read again. Only regular files are
    /// read, and none larger than `limits.max_module_size`.
    pub fn compile_file_with_limits(
        &self,
        name: &str,
        path: &Path,
        limits: &Limits,
    ) -> Result<Arc<CompiledModule>, MarineError> {
        self.compile_file_with_cache(name, path, limits, &self.disk_cache())
    }

    /// [`MarineEngine::compile_file_with_limits`] with these disk cache settings; a trusted
    /// precompiled `<path>.cwasm` ([`DiskCacheOptions::trust_precompiled`]) is used when it
    /// was built from the same bytes for the same engine configuration.
    pub fn compile_file_with_cache(
        &self,
        name: &str,
        path: &Path,
        limits: &Limits,
        cache: &DiskCacheOptions,
    ) -> Result<Arc<CompiledModule>, MarineError> {
        let io_err = |source| MarineError::Io {
            path: path.to_path_buf(),
            source,
        };
        let stamp = FileStamp::of(&std::fs::metadata(path).map_err(io_err)?);
        if let Some((seen, compiled)) = self.files().get(&path.to_path_buf()) {
            if seen == stamp {
                limits.check(name, &compiled.metrics)?;
                return Ok(compiled.clone());
            }
        }
        let disk = self.disk_cache_for(cache);
        let recalled = disk.as_ref().and_then(|d| d.recall_digest(path, &stamp));
        // The file with its recalled digest, when no stored code was usable for it.
        let mut without_code = None;
        if let Some(digest) = recalled {
            Counters::bump(&self.inner.disk_counters.digests_recalled, 1);
            let request = StoredRequest {
                name,
                path,
                stamp: &stamp,
                digest: &digest,
                limits,
                cache,
            };
            match self.compile_from_stored(&request, disk.as_deref())? {
                FromStored::Compiled(compiled) => {
                    self.files()
                        .insert(path.to_path_buf(), (stamp, compiled.clone()));
                    return Ok(compiled);
                }
                FromStored::NoCode(file) => without_code = Some((file, digest)),
                FromStored::DigestUnusable => {}
            }
        }
        let read = match &without_code {
            Some((stamped, _)) => {
                read_open_limited(&stamped.file, &stamped.metadata, limits.max_module_size)
            }
            None => read_limited(path, limits.max_module_size),
        };
        let wasm = read.map_err(|e| match e {
            ReadFileError::Io(source) => io_err(source),
            ReadFileError::TooLarge { limit, size } => MarineError::Limit(LimitExceeded {
                module: name.to_string(),
                kind: LimitKind::ModuleSize,
                limit,
                what: match size {
                    Some(size) => format!("the file {} ({size} bytes)", path.display()),
                    None => format!("the file {}", path.display()),
                },
            }),
        })?;
        // Stamp taken before the read: a write in between makes the next load read again,
        // here and in the disk cache's record of the file. The recalled digest is that of the
        // stamped file: used only if the file read is still the one stamped after the read.
        let digest = match without_code {
            Some((stamped, recalled)) if stamp.metadata_if_unchanged(&stamped.file).is_some() => {
                WasmDigest::RecalledWithoutCode(recalled)
            }
            _ => WasmDigest::Hashed(disk_cache::digest(&wasm)),
        };
        let compiled = self.compile_inner(&CompileRequest {
            name,
            wasm: &wasm,
            limits,
            cache,
            wasm_path: Some(path),
            digest,
        })?;
        if let (Some(disk), WasmDigest::Hashed(hashed)) = (&disk, digest) {
            disk.remember_digest(path, &stamp, &hashed);
        }
        self.files()
            .insert(path.to_path_buf(), (stamp, compiled.clone()));
        Ok(compiled)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruMap<ContentKey, Arc<CompiledModule>>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// [`MarineEngine::compile_with_limits`] under the default [`Limits`].
    pub fn compile(&self, name: &str, wasm: &[u8]) -> Result<Arc<CompiledModule>, MarineError> {
        self.compile_with_limits(name, wasm, &Limits::default())
    }

    /// Parses the interface and compiles `wasm`, or returns the cached result for identical
    /// bytes. `name` is only used in error messages. The module must keep within `limits`:
    /// its size, interface and shape are checked before the compiler runs (a cached module
    /// is checked again), and a compile running past `limits.max_compile_time` is abandoned
    /// with a [`MarineError::Limit`] error.
    pub fn compile_with_limits(
        &self,
        name: &str,
        wasm: &[u8],
        limits: &Limits,
    ) -> Result<Arc<CompiledModule>, MarineError> {
        self.compile_inner(&CompileRequest {
            name,
            wasm,
            limits,
            cache: &self.disk_cache(),
            wasm_path: None,
            digest: WasmDigest::Unknown,
        })
    }

    /// [`MarineEngine::compile_with_limits`] with these disk cache settings.
    pub fn compile_with_cache(
        &self,
        name: &str,
        wasm: &[u8],
        limits: &Limits,
        cache: &DiskCacheOptions,
    ) -> Result<Arc<CompiledModule>, MarineError> {
        self.compile_inner(&CompileRequest {
            name,
            wasm,
            limits,
            cache,
            wasm_path: None,
            digest: WasmDigest::Unknown,
        })
    }

    fn compile_inner(&self, req: &CompileRequest<'_>) -> Result<Arc<CompiledModule>, MarineError> {
        let (name, wasm, limits) = (req.name, req.wasm, req.limits);
        let size_metrics = ModuleMetrics {
            size: wasm.len() as u64,
            ..ModuleMetrics::default()
        };
        limits.check(name, &size_metrics)?;
        let wasm_digest = req.digest.of(wasm);
        let key = ContentKey(wasm_digest);
        if let Some(hit) = self.cached(name, &key, limits)? {
            return Ok(hit);
        }
        let interface = parse_interface(name, wasm, limits)?;
        let (module, metrics) = self.machine_code(req, &wasm_digest, &interface)?;
        Ok(self.remember(key, interface, module, metrics))
    }

    /// The module in the in-memory cache under `key`, checked against `limits`.
    fn cached(
        &self,
        name: &str,
        key: &ContentKey,
        limits: &Limits,
    ) -> Result<Option<Arc<CompiledModule>>, MarineError> {
        let hit = self.lock().get(key);
        if let Some(hit) = &hit {
            limits.check(name, &hit.metrics)?;
        }
        Ok(hit)
    }

    /// The disk cache's key of the code this engine compiles from bytes with `wasm_digest`.
    fn disk_key(&self, wasm_digest: &[u8; 32]) -> [u8; 32] {
        cache_key(&self.inner.engine_digest, wasm_digest)
    }

    /// The compiled module of these parts, kept in the in-memory cache under `key`.
    fn remember(
        &self,
        key: ContentKey,
        interface: ModuleInterface,
        module: Module,
        metrics: ModuleMetrics,
    ) -> Arc<CompiledModule> {
        let plans = interface
            .functions
            .iter()
            .map(|(n, sig)| (n.clone(), Arc::new(CallPlan::new(sig.clone()))))
            .collect();
        let compiled = Arc::new(CompiledModule {
            module,
            interface: Arc::new(interface),
            plans,
            metrics,
            linked: Mutex::new(Vec::new()),
        });
        self.lock().insert(key, compiled.clone());
        compiled
    }

    /// The module of an unchanged file whose digest the disk cache recorded, without reading
    /// all of the file: from the in-memory cache, or from stored compiled code (a trusted
    /// `.cwasm` or the disk cache's entry) with the interface read from the file's interface
    /// sections alone (its code and data are stepped over). Otherwise the caller reads the
    /// file in full and compiles it ([`FromStored`] says how).
    fn compile_from_stored(
        &self,
        req: &StoredRequest<'_>,
        disk: Option<&DiskCache>,
    ) -> Result<FromStored, MarineError> {
        let (name, limits) = (req.name, req.limits);
        let size = req.stamp.size();
        if size > limits.max_module_size {
            return Ok(FromStored::DigestUnusable); // refused by the read, with the file named
        }
        let key = ContentKey(*req.digest);
        if let Some(hit) = self.cached(name, &key, limits)? {
            return Ok(FromStored::Compiled(hit));
        }
        // The interface (or, without stored code, all of it) is read from the file stamped,
        // checked again once read.
        let Some(stamped) = StampedFile::open(req.path, req.stamp) else {
            return Ok(FromStored::DigestUnusable);
        };
        let disk_key = self.disk_key(req.digest);
        let stored = self.stored_code(name, Some(req.path), req.cache, &disk_key, disk);
        let Some((module, metrics)) = usable_stored_code(name, limits, size, stored)? else {
            return Ok(FromStored::NoCode(stamped));
        };
        let mut reader = std::io::BufReader::new(&stamped.file);
        let interface =
            ModuleInterface::from_file_with_limits(&mut reader, size, limits.interface());
        if req.stamp.metadata_if_unchanged(&stamped.file).is_none() {
            return Ok(FromStored::DigestUnusable);
        }
        let interface = interface.map_err(|e| interface_error(name, limits, e))?;
        Ok(FromStored::Compiled(
            self.remember(key, interface, module, metrics),
        ))
    }

    /// The module's machine code and shape: from a trusted precompiled file next to the
    /// `.wasm`, from the disk cache (both keep the shape measured when they were compiled, so
    /// a hit skips the pass over all the code), or measured and compiled here (and then
    /// written to the disk cache). The shape is checked against the limits either way.
    fn machine_code(
        &self,
        req: &CompileRequest<'_>,
        wasm_digest: &[u8; 32],
        interface: &ModuleInterface,
    ) -> Result<(Module, ModuleMetrics), MarineError> {
        let (name, wasm, limits) = (req.name, req.wasm, req.limits);
        let disk = self.disk_cache_for(req.cache);
        let key = self.disk_key(wasm_digest);
        let stored = match req.digest {
            WasmDigest::RecalledWithoutCode(_) => None,
            WasmDigest::Unknown | WasmDigest::Hashed(_) => {
                self.stored_code(name, req.wasm_path, req.cache, &key, disk.as_deref())
            }
        };
        if let Some(found) = usable_stored_code(name, limits, wasm.len() as u64, stored)? {
            return Ok(found);
        }
        let metrics = crate::metrics::measure(name, wasm, interface, limits)?;
        let module = self.compile_in_time(name, wasm, limits.max_compile_time)?;
        if let Some(disk) = &disk {
            let counters = &self.inner.disk_counters;
            if let Err(e) = disk.store(&key, wasm_digest, &metrics, &module, counters) {
                log::warn!("module `{name}`: not written to the compiled-module cache: {e}");
            }
        }
        Ok((module, metrics))
    }

    /// Compiled code stored for `key`: a trusted precompiled file next to the `.wasm`, else
    /// the disk cache's entry. Problems with either file are logged and counted, never an
    /// error: the caller compiles instead.
    fn stored_code(
        &self,
        name: &str,
        wasm_path: Option<&Path>,
        cache: &DiskCacheOptions,
        key: &[u8; 32],
        disk: Option<&DiskCache>,
    ) -> Option<(Module, ModuleMetrics)> {
        let engine = &self.inner.engine;
        let counters = &self.inner.disk_counters;
        let precompiled = wasm_path
            .map(disk_cache::precompiled_path)
            .filter(|p| p.exists());
        if let Some(cwasm) = precompiled {
            if !cache.trust_precompiled {
                Counters::bump(&counters.precompiled_ignored, 1);
                log::debug!(
                    "module `{name}`: ignoring {} (precompiled files are not trusted)",
                    cwasm.display()
                );
            } else {
                let loaded = disk_cache::read_artifact(&cwasm, key, MAX_PRECOMPILED_SIZE, true)
                    .and_then(|artifact| {
                        artifact
                            .map(|a| {
                                Ok((disk_cache::deserialize(engine, &cwasm, a.file)?, a.metrics))
                            })
                            .transpose()
                    });
                match loaded {
                    Ok(Some(found)) => {
                        Counters::bump(&counters.precompiled_loaded, 1);
                        log::debug!("module `{name}`: loaded {}", cwasm.display());
                        return Some(found);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        Counters::bump(&counters.precompiled_ignored, 1);
                        log::warn!("module `{name}`: ignoring a precompiled file: {e}");
                    }
                }
            }
        }
        let disk = disk?;
        match disk.load(engine, key) {
            Ok(Some(found)) => {
                Counters::bump(&counters.hits, 1);
                log::debug!(
                    "module `{name}`: compiled code found in {}",
                    disk.dir().display()
                );
                Some(found)
            }
            Ok(None) => {
                Counters::bump(&counters.misses, 1);
                None
            }
            Err(e) => {
                Counters::bump(&counters.rejected, 1);
                log::warn!("module `{name}`: compiled-module cache entry dropped: {e}");
                None
            }
        }
    }

    /// Compiles on a thread of its own and waits at most `limit` for it. Cranelift cannot be
    /// interrupted, so a compile past the limit is abandoned: the load fails now, and the
    /// thread finishes in the background (its work bounded by the shape limits checked
    /// before) and drops its result.
    fn compile_in_time(
        &self,
        name: &str,
        wasm: &[u8],
        limit: Duration,
    ) -> Result<Module, MarineError> {
        let compile_error = |e: wasmtime::Error| MarineError::Compile {
            module: name.to_string(),
            message: String::new(),
            source: Some(WasmtimeError::new(e)),
        };
        let (done, result) = mpsc::sync_channel(1);
        let engine = self.inner.engine.clone();
        let bytes = wasm.to_vec();
        let spawned = std::thread::Builder::new()
            .name("marine-compile".into())
            // Cranelift's stack use grows with the code's nesting (bounded by the limits).
            .stack_size(COMPILER_STACK_BYTES)
            .spawn(move || {
                let _ = done.send(Module::new(&engine, &bytes));
            });
        if let Err(e) = spawned {
            log::warn!("cannot start a compiler thread ({e}); compiling without a time limit");
            return Module::new(&self.inner.engine, wasm).map_err(compile_error);
        }
        match result.recv_timeout(limit) {
            Ok(compiled) => compiled.map_err(compile_error),
            Err(RecvTimeoutError::Timeout) => Err(MarineError::Limit(LimitExceeded {
                module: name.to_string(),
                kind: LimitKind::CompileTime,
                limit: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
                what: "compiling the module".to_string(),
            })),
            Err(RecvTimeoutError::Disconnected) => Err(MarineError::Compile {
                module: name.to_string(),
                message: "the compiler thread failed".to_string(),
                source: None,
            }),
        }
    }
}

/// Stack size of the compiler threads.
const COMPILER_STACK_BYTES: usize = 16 << 20;

/// `stored` compiled code if it was measured on bytes of `size` (code measured on other bytes
/// is ignored, with a warning), checked against `limits`.
fn usable_stored_code(
    name: &str,
    limits: &Limits,
    size: u64,
    stored: Option<(Module, ModuleMetrics)>,
) -> Result<Option<(Module, ModuleMetrics)>, MarineError> {
    let Some((module, metrics)) = stored else {
        return Ok(None);
    };
    if metrics.size != size {
        log::warn!("module `{name}`: stored compiled code ignored: it measured other bytes");
        return Ok(None);
    }
    limits.check(name, &metrics)?;
    Ok(Some((module, metrics)))
}

/// The module's interface, read from its custom sections within `limits` (a limit's breach
/// is a [`MarineError::Limit`], anything else wrong a [`MarineError::Metadata`]).
fn parse_interface(
    name: &str,
    wasm: &[u8],
    limits: &Limits,
) -> Result<ModuleInterface, MarineError> {
    ModuleInterface::from_wasm_with_limits(wasm, limits.interface())
        .map_err(|e| interface_error(name, limits, e))
}

/// The error of module `name` whose interface could not be read under `limits`.
fn interface_error(name: &str, limits: &Limits, e: InterfaceError) -> MarineError {
    match e.limit {
        Some(kind) => MarineError::Limit(LimitExceeded {
            module: name.to_string(),
            kind,
            limit: match kind {
                LimitKind::RecordTypes => limits.max_record_types.into(),
                _ => limits.max_type_depth.into(),
            },
            what: format!("section `{}`: {}", e.section, e.reason),
        }),
        None => MarineError::Metadata {
            module: name.to_string(),
            section: e.section,
            reason: e.reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_most_recently_used_modules() {
        let engine = MarineEngine::new().unwrap();
        engine.set_cache_capacity(2);
        let wasm = |pages: u32| {
            wat::parse_str(format!(r#"(module (memory (export "memory") {pages}))"#)).unwrap()
        };
        let one = engine.compile("one", &wasm(1)).unwrap();
        engine.compile("two", &wasm(2)).unwrap();
        // `one` is used again, so `two` is the least recently used when `three` comes.
        assert!(Arc::ptr_eq(&one, &engine.compile("one", &wasm(1)).unwrap()));
        engine.compile("three", &wasm(3)).unwrap();
        assert_eq!(engine.cached_modules(), 2);
        assert!(Arc::ptr_eq(&one, &engine.compile("one", &wasm(1)).unwrap()));
        engine.set_cache_capacity(0);
        assert_eq!(engine.cached_modules(), 0);
    }

    #[test]
    fn deadline_ticks_cover_the_timeout() {
        assert_eq!(MarineEngine::deadline_ticks(None), NO_DEADLINE);
        assert_eq!(MarineEngine::deadline_ticks(Some(Duration::ZERO)), 1);
        assert_eq!(MarineEngine::deadline_ticks(Some(EPOCH_TICK)), 2);
        assert_eq!(
            MarineEngine::deadline_ticks(Some(EPOCH_TICK + Duration::from_nanos(1))),
            3
        );
        assert_eq!(
            MarineEngine::deadline_ticks(Some(Duration::MAX)),
            NO_DEADLINE
        );
    }

    #[test]
    fn user_configs_get_epoch_interruption() {
        // Without it, setting a store's epoch deadline would panic in wasmtime.
        let engine = MarineEngine::with_config(&Config::new()).unwrap();
        let mut store = wasmtime::Store::new(engine.engine(), ());
        store.set_epoch_deadline(1);
    }

    #[test]
    fn files_are_compiled_again_only_when_changed() {
        let engine = MarineEngine::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wasm");
        let one = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
        std::fs::write(&path, &one).unwrap();
        let first = engine.compile_file("m", &path).unwrap();
        let again = engine.compile_file("m", &path).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "an unchanged file is served from the cache"
        );

        // Same size, and the modification time set back: the status-change time still tells.
        let two = wat::parse_str(r#"(module (memory (export "memory") 2))"#).unwrap();
        assert_eq!(one.len(), two.len());
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50)); // file clocks are coarse
        std::fs::write(&path, &two).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        let changed = engine.compile_file("m", &path).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &changed),
            "a rewritten file is compiled again"
        );
        assert_eq!(engine.cached_modules(), 2);

        std::fs::remove_file(&path).unwrap();
        match engine.compile_file("m", &path) {
            Err(MarineError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("expected an I/O error naming the file, got {other:?}"),
        }
    }
}
