//! The persistent compiled-code cache: wasmtime's serialized modules on disk, so a second
//! process (or a second [`crate::MarineEngine`]) loading the same bytes deserializes the
//! machine code instead of running Cranelift again.
//!
//! - **Key**: SHA-256 over a domain tag (with this runtime's version, which also versions the
//!   stored metrics), the engine's
//!   [`wasmtime::Engine::precompile_compatibility_hash`] (its whole configuration, including
//!   epoch interruption, fuel and memory settings, and the wasmtime version) and the SHA-256 of
//!   the wasm bytes. The runtime's [`crate::Limits`] are checked before compiling and do not
//!   change the machine code, so they are not part of the key. SHA-256 (the `sha2` crate, a
//!   RustCrypto crate already in the dependency tree through wasmtime) is cryptographic, so
//!   two different modules never share an entry, and uses the CPU's SHA instructions when it
//!   has them (a few ms for several MiB).
//! - **Unchanged files are not hashed again**: when a module is loaded from a file, the
//!   digest of its bytes is recorded next to the entries (`<dir>/<hex of the path's
//!   SHA-256>.stamp`: the path, the file's size, modification time, device, inode and
//!   status-change time, and the digest), and a later process finding the file with the same
//!   stamp takes the digest from the record instead of hashing several MiB again. The
//!   status-change time cannot be set back by any tool, and a file is recorded only once its
//!   times are [`STAMP_MIN_AGE`] old, so a write landing within the filesystem's timestamp
//!   granularity of the look cannot leave the stamp unchanged (git's "racily clean" files).
//!   When the entry for that digest is found, only the file's interface sections are read
//!   (the interface comes from them; its code and data are stepped over, see
//!   `ModuleInterface::from_file_with_limits`); a record that does not check out is ignored
//!   and the bytes read and hashed.
//! - **File**: `<dir>/<hex key>.mcache`: wasmtime's serialized module, then a 128-byte
//!   trailer (magic `MARINEC\0`, format version, the payload's CRC-32, the key, the SHA-256
//!   of the wasm bytes, the payload's length, and the module's [`ModuleMetrics`], so a hit
//!   checks the [`crate::Limits`] without the pass over all the code that measured them).
//!   The trailer comes last so that a verified file is handed to wasmtime as it is
//!   ([`Module::deserialize_open_file`], which maps it, as `Module::deserialize_file` does,
//!   instead of copying the code into new memory: for a module of several MiB the copy took
//!   most of a hit). `marine build --precompile` writes the same format next to the `.wasm`
//!   as `<name>.cwasm` ([`precompiled_path`]).
//! - **Never trusted blindly**: the directory is created owner-only (0700) and is used only
//!   when it is owned by the current user and not writable by group or others; each file must
//!   be a regular file owned by the user, no larger than the bound, with the expected magic,
//!   version and key and a payload whose length and CRC-32 match the trailer, before wasmtime
//!   sees it; wasmtime then checks it was produced by a compatible engine. A file failing any
//!   of this is logged (warn), deleted and the module compiled again: never an error of the
//!   call. (The checksum protects against corruption, and CRC-32 runs at memory speed with
//!   the CPU's carry-less multiply; against other users the ownership and permission checks
//!   do: whoever can write into the directory can run code as the user.)
//! - **Atomic, concurrent**: an entry is written to a temporary file in the same directory
//!   and renamed into place; racing processes write the same content and the last rename
//!   wins. Readers never see a partial file.
//! - **Bounded**: at most `max_size` bytes (default [`DEFAULT_DISK_CACHE_MAX_SIZE`]): when
//!   a write takes the (per-process) running total past it, the directory is scanned and the
//!   least recently used entries (by modification time, refreshed on every hit) are deleted
//!   down to 90% of the bound. Files vanishing meanwhile (another process evicting) are fine.
//! - **Location**: `$MARINE_CACHE_DIR` if set, else `$XDG_CACHE_HOME/marine/compiled`, else
//!   `$HOME/.cache/marine/compiled`; with none of them (or a directory failing the checks)
//!   the disk cache is off, which is not an error. `MARINE_NO_CACHE=1` switches it off.

use std::fs::File;
use std::hash::Hasher;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

use crate::limits::ModuleMetrics;

/// Default bound of the disk cache (512 MiB).
pub const DEFAULT_DISK_CACHE_MAX_SIZE: u64 = 512 << 20;

/// Environment variable naming the cache directory (overrides the XDG location).
pub const CACHE_DIR_ENV: &str = "MARINE_CACHE_DIR";

/// Environment variable switching the disk cache off when set to anything but `0`, `false`
/// or the empty string.
pub const NO_CACHE_ENV: &str = "MARINE_NO_CACHE";

/// Largest precompiled `.cwasm` read next to a `.wasm` (1 GiB).
pub const MAX_PRECOMPILED_SIZE: u64 = 1 << 30;

const MAGIC: [u8; 8] = *b"MARINEC\0";
const FORMAT_VERSION: u32 = 3;
/// Trailer length: magic (0..8), version (8..12), payload CRC-32 (12..16), key (16..48), wasm
/// digest (48..80), payload length (80..88), module metrics (88..128).
pub(crate) const TRAILER_LEN: usize = 128;
const METRICS_AT: usize = 88;
const EXTENSION: &str = "mcache";
/// Extension of the records of unchanged files' digests.
const STAMP_EXTENSION: &str = "stamp";
const STAMP_MAGIC: [u8; 8] = *b"MARINEF\0";
const STAMP_VERSION: u32 = 1;
/// Largest stamp record read (a path of a few KiB fits many times over).
const MAX_STAMP_RECORD: u64 = 64 << 10;
/// How old a file's modification and status-change times must be before its digest is
/// recorded: far above any filesystem's timestamp granularity.
pub const STAMP_MIN_AGE: Duration = Duration::from_secs(2);
/// Temporary files older than this are leftovers of a crashed writer.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Where and whether compiled modules are kept on disk (and whether precompiled `.cwasm`
/// files next to `.wasm` files are used).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskCacheOptions {
    /// Whether the disk cache is used at all.
    pub enabled: bool,
    /// The directory; `None`: the default location ([`DiskCacheOptions::default_dir`]).
    pub dir: Option<PathBuf>,
    /// Bound of the directory's total size in bytes.
    pub max_size: u64,
    /// Whether a `<name>.cwasm` next to a loaded `<name>.wasm` (`marine build --precompile`)
    /// is loaded instead of compiling. It is native code run as is: only turn this on for
    /// files you trust. Even then it is used only when it is owned by the current user or
    /// root, not writable by others, and its trailer names the same wasm bytes and the same
    /// engine; otherwise it is ignored with a log line. Default off.
    pub trust_precompiled: bool,
}

impl Default for DiskCacheOptions {
    /// [`DiskCacheOptions::from_env`].
    fn default() -> Self {
        Self::from_env()
    }
}

impl DiskCacheOptions {
    /// Enabled at the default location, unless `MARINE_NO_CACHE` is set; the directory from
    /// `MARINE_CACHE_DIR` when set.
    pub fn from_env() -> Self {
        let disabled = std::env::var_os(NO_CACHE_ENV)
            .is_some_and(|v| !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false")));
        DiskCacheOptions {
            enabled: !disabled,
            dir: None,
            max_size: DEFAULT_DISK_CACHE_MAX_SIZE,
            trust_precompiled: false,
        }
    }

    /// No disk cache, no precompiled files.
    pub fn disabled() -> Self {
        DiskCacheOptions {
            enabled: false,
            dir: None,
            max_size: DEFAULT_DISK_CACHE_MAX_SIZE,
            trust_precompiled: false,
        }
    }

    /// Enabled, in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        DiskCacheOptions {
            enabled: true,
            dir: Some(dir.into()),
            max_size: DEFAULT_DISK_CACHE_MAX_SIZE,
            trust_precompiled: false,
        }
    }

    /// `$MARINE_CACHE_DIR`, else `$XDG_CACHE_HOME/marine/compiled`, else
    /// `$HOME/.cache/marine/compiled` (absolute paths only); `None` when none is set.
    pub fn default_dir() -> Option<PathBuf> {
        let absolute = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        if let Some(dir) = absolute(CACHE_DIR_ENV) {
            return Some(dir);
        }
        let base =
            absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
        Some(base.join("marine").join("compiled"))
    }

    /// The directory used, or `None` when the cache is off or has no location.
    pub fn resolved_dir(&self) -> Option<PathBuf> {
        if !self.enabled {
            return None;
        }
        self.dir.clone().or_else(Self::default_dir)
    }
}

/// What the disk cache of an engine did so far (all counters since the engine was created).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskCacheStats {
    /// Modules deserialized from the cache.
    pub hits: u64,
    /// Lookups that found no entry (the module was compiled).
    pub misses: u64,
    /// Entries written.
    pub stores: u64,
    /// Entries that failed verification or deserialization (deleted and compiled again).
    pub rejected: u64,
    /// Entries deleted to keep the cache under its bound.
    pub evicted: u64,
    /// Modules loaded from a trusted precompiled `.cwasm`.
    pub precompiled_loaded: u64,
    /// Precompiled `.cwasm` files present but not used (untrusted, or not matching).
    pub precompiled_ignored: u64,
    /// Module files found unchanged since their digest was recorded, so not hashed again.
    pub digests_recalled: u64,
}

/// The counters behind [`DiskCacheStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub stores: AtomicU64,
    pub rejected: AtomicU64,
    pub evicted: AtomicU64,
    pub precompiled_loaded: AtomicU64,
    pub precompiled_ignored: AtomicU64,
    pub digests_recalled: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> DiskCacheStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        DiskCacheStats {
            hits: get(&self.hits),
            misses: get(&self.misses),
            stores: get(&self.stores),
            rejected: get(&self.rejected),
            evicted: get(&self.evicted),
            precompiled_loaded: get(&self.precompiled_loaded),
            precompiled_ignored: get(&self.precompiled_ignored),
            digests_recalled: get(&self.digests_recalled),
        }
    }
}

/// Why a cache directory or file is not used. Each names the path.
#[derive(Debug, thiserror::Error)]
pub enum CacheFileError {
    /// Reading, writing or creating failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Owned by another user, writable by others, or not a regular file / directory.
    #[error("{path}: not trusted: {reason}")]
    Insecure {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Larger than the bound (not read).
    #[error("{path}: {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The bound.
        limit: u64,
    },
    /// The trailer or payload does not check out (truncated, flipped bytes, wrong magic).
    #[error("{path}: corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What does not check out.
        reason: String,
    },
    /// Intact, but for other wasm bytes or another engine configuration.
    #[error("{path}: made from other wasm bytes or for another engine")]
    Mismatch {
        /// The file.
        path: PathBuf,
    },
    /// wasmtime refused the payload (for example from another wasmtime version or target).
    #[error("{path}: wasmtime refuses it: {message}")]
    Deserialize {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason.
        message: String,
    },
}

impl CacheFileError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| CacheFileError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// SHA-256 of `bytes`.
pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Feeds a `Hash` value into SHA-256 (for the engine's compatibility hash).
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0 // unused: the digest is taken with `finalize`
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// SHA-256 of the engine's compatibility hash (configuration and wasmtime version).
pub(crate) fn engine_digest(engine: &Engine) -> [u8; 32] {
    let mut hasher = ShaHasher(Sha256::new());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    hasher.0.finalize().into()
}

/// The cache key of wasm bytes (by their digest) on an engine (by its digest).
pub(crate) fn cache_key(engine_digest: &[u8; 32], wasm_digest: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"marine-compiled-cache/v3\0");
    // The runtime's version: the stored metrics are measured by its rules.
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(b"\0");
    h.update(engine_digest);
    h.update(wasm_digest);
    h.finalize().into()
}

/// What identifies an unchanged file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device, inode and status-change time (which no tool can set back, unlike mtime).
    unix: (u64, u64, i64, i64),
}

/// Length of [`FileStamp::encode`].
const STAMP_LEN: usize = 8 + 1 + 8 + 4 + 8 + 8 + 8 + 8;

impl FileStamp {
    /// The file's length when stamped.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// The stamp of a file's metadata.
    pub fn of(metadata: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let unix = {
            use std::os::unix::fs::MetadataExt;
            (
                metadata.dev(),
                metadata.ino(),
                metadata.ctime(),
                metadata.ctime_nsec(),
            )
        };
        #[cfg(not(unix))]
        let unix = (0, 0, 0, 0);
        FileStamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            unix,
        }
    }

    /// The metadata of the open `file` if it still has this stamp: it is the file stamped,
    /// unchanged since (a file replaced or written since has another inode or status-change
    /// time). `None` when it has another stamp or its metadata cannot be read.
    pub fn metadata_if_unchanged(&self, file: &std::fs::File) -> Option<std::fs::Metadata> {
        file.metadata().ok().filter(|m| Self::of(m) == *self)
    }

    /// Whether both the modification and the status-change time are at least `min_age`
    /// before `now` (a file without them never is).
    fn settled(&self, now: SystemTime, min_age: Duration) -> bool {
        let Some(modified) = self.modified else {
            return false;
        };
        let Some(limit) = now.checked_sub(min_age) else {
            return false;
        };
        let changed = if cfg!(unix) {
            let (secs, nanos) = (self.unix.2, self.unix.3);
            match (u64::try_from(secs), u32::try_from(nanos)) {
                (Ok(secs), Ok(nanos)) => {
                    SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
                }
                _ => None,
            }
        } else {
            Some(modified)
        };
        changed.is_some_and(|changed| changed <= limit) && modified <= limit
    }

    fn encode(&self) -> [u8; STAMP_LEN] {
        let mut out = [0u8; STAMP_LEN];
        out[0..8].copy_from_slice(&self.len.to_le_bytes());
        if let Some(since) = self
            .modified
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        {
            out[8] = 1;
            out[9..17].copy_from_slice(&since.as_secs().to_le_bytes());
            out[17..21].copy_from_slice(&since.subsec_nanos().to_le_bytes());
        }
        out[21..29].copy_from_slice(&self.unix.0.to_le_bytes());
        out[29..37].copy_from_slice(&self.unix.1.to_le_bytes());
        out[37..45].copy_from_slice(&self.unix.2.to_le_bytes());
        out[45..53].copy_from_slice(&self.unix.3.to_le_bytes());
        out
    }
}

/// The bytes naming a path in a stamp record.
fn path_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The precompiled file `marine build --precompile` writes for `wasm_path`: the same path
/// with the extension `cwasm`.
pub fn precompiled_path(wasm_path: &Path) -> PathBuf {
    wasm_path.with_extension("cwasm")
}

/// An artifact file: `payload` (wasmtime's serialized module), then the trailer.
pub(crate) fn artifact_bytes(
    key: &[u8; 32],
    wasm_digest: &[u8; 32],
    metrics: &ModuleMetrics,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + TRAILER_LEN);
    out.extend_from_slice(payload);
    let trailer_at = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(wasm_digest);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    debug_assert_eq!(out.len() - trailer_at, METRICS_AT);
    out.extend_from_slice(&encode_metrics(metrics));
    debug_assert_eq!(out.len() - trailer_at, TRAILER_LEN);
    out
}

/// The metrics' 40 trailer bytes: size, type depth, record types, functions, block depth,
/// memories, tables (little-endian `u32`s after the `u64` size), table elements (`u64`).
fn encode_metrics(m: &ModuleMetrics) -> [u8; TRAILER_LEN - METRICS_AT] {
    let mut out = [0u8; TRAILER_LEN - METRICS_AT];
    out[0..8].copy_from_slice(&m.size.to_le_bytes());
    let words = [
        m.type_depth,
        m.record_types,
        m.functions,
        m.block_depth,
        m.memories,
        m.tables,
    ];
    for (i, w) in words.iter().enumerate() {
        out[8 + 4 * i..12 + 4 * i].copy_from_slice(&w.to_le_bytes());
    }
    out[32..40].copy_from_slice(&m.table_elements.to_le_bytes());
    out
}

/// Inverse of [`encode_metrics`].
fn decode_metrics(bytes: &[u8; TRAILER_LEN - METRICS_AT]) -> ModuleMetrics {
    let u64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let u32_at = |i: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[8 + 4 * i..12 + 4 * i]);
        u32::from_le_bytes(b)
    };
    ModuleMetrics {
        size: u64_at(0),
        type_depth: u32_at(0),
        record_types: u32_at(1),
        functions: u32_at(2),
        block_depth: u32_at(3),
        memories: u32_at(4),
        tables: u32_at(5),
        table_elements: u64_at(32),
    }
}

/// A verified artifact: the open file (wasmtime's serialized module, then the trailer) and
/// the metrics measured when it was compiled.
#[derive(Debug)]
pub(crate) struct Artifact {
    /// The file, verified: handed to wasmtime as it is.
    pub file: File,
    /// The module's shape, as [`marine_ast::metrics::measure`] found it.
    pub metrics: ModuleMetrics,
}

/// Checks a file's owner and permissions (Unix): owned by the current user (or by root, when
/// `allow_root`: an installed precompiled file), not writable by group or others.
fn check_owner(
    path: &Path,
    metadata: &std::fs::Metadata,
    allow_root: bool,
) -> Result<(), CacheFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if metadata.uid() != uid && !(allow_root && metadata.uid() == 0) {
            return Err(CacheFileError::Insecure {
                path: path.to_path_buf(),
                reason: format!(
                    "owned by uid {}, not by the current user ({uid})",
                    metadata.uid()
                ),
            });
        }
        if metadata.mode() & 0o022 != 0 {
            return Err(CacheFileError::Insecure {
                path: path.to_path_buf(),
                reason: format!(
                    "writable by group or others (mode {:o})",
                    metadata.mode() & 0o7777
                ),
            });
        }
    }
    let _ = (path, metadata, allow_root);
    Ok(())
}

/// Opens a file of the cache and its size, when it is a regular file owned by the user (or
/// root, when `allow_root`) that others cannot write, of at most `limit` bytes (nothing is
/// read). `Ok(None)`: no such file.
fn open_trusted(
    path: &Path,
    limit: u64,
    allow_root: bool,
) -> Result<Option<(File, u64)>, CacheFileError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CacheFileError::io(path)(e)),
    };
    let metadata = file.metadata().map_err(CacheFileError::io(path))?;
    if !metadata.is_file() {
        return Err(CacheFileError::Insecure {
            path: path.to_path_buf(),
            reason: "not a regular file".to_string(),
        });
    }
    check_owner(path, &metadata, allow_root)?;
    let size = metadata.len();
    if size > limit {
        return Err(CacheFileError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    Ok(Some((file, size)))
}

/// Reads and verifies an artifact file: a regular file owned by the user (or root, when
/// `allow_root`) that others cannot write, at most `limit` bytes (checked before reading),
/// with our magic and version, the expected key and an intact payload (its CRC-32 computed
/// while it is read in pieces, so the check allocates nothing of the payload's size).
/// `Ok(None)`: no such file.
pub(crate) fn read_artifact(
    path: &Path,
    key: &[u8; 32],
    limit: u64,
    allow_root: bool,
) -> Result<Option<Artifact>, CacheFileError> {
    use std::io::{Seek, SeekFrom};
    let Some((mut file, size)) = open_trusted(path, limit, allow_root)? else {
        return Ok(None);
    };
    let corrupt = |reason: &str| CacheFileError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if size < TRAILER_LEN as u64 {
        return Err(corrupt("shorter than its trailer"));
    }
    let payload_len = size - TRAILER_LEN as u64;
    let mut trailer = [0u8; TRAILER_LEN];
    file.seek(SeekFrom::Start(payload_len))
        .and_then(|_| file.read_exact(&mut trailer))
        .map_err(CacheFileError::io(path))?;
    if trailer[0..8] != MAGIC {
        return Err(corrupt("not a Marine compiled-module file (wrong magic)"));
    }
    let version = u32::from_le_bytes(trailer[8..12].try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        return Err(corrupt(&format!(
            "format version {version}, expected {FORMAT_VERSION}"
        )));
    }
    if trailer[16..48] != key[..] {
        return Err(CacheFileError::Mismatch {
            path: path.to_path_buf(),
        });
    }
    let announced = u64::from_le_bytes(trailer[80..88].try_into().unwrap_or_default());
    if announced != payload_len {
        return Err(corrupt(&format!(
            "the trailer announces {announced} bytes of code, the file holds {payload_len}"
        )));
    }
    let payload = usize::try_from(payload_len).map_err(|_| corrupt("larger than memory"))?;
    let crc = if payload == 0 {
        crc32fast::hash(&[])
    } else {
        // The checksum is taken over a read-only map of the file, its pages mapped at once:
        // the page cache's pages are read in place, where reading them into a buffer first
        // took about a third of a large module's warm start (a flat profile: the kernel's
        // copy).
        // SAFETY: as for `deserialize`, which maps the same file: it lives in a directory only
        // the current user can write (or is a precompiled file the embedder declared
        // trusted), and entries are only ever replaced by a rename, never rewritten or cut in
        // place. The map is read once, here, and dropped.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .len(payload)
                .populate()
                .map(&file)
        }
        .map_err(CacheFileError::io(path))?;
        crc32fast::hash(&map)
    };
    if crc.to_le_bytes()[..] != trailer[12..16] {
        return Err(corrupt("the code does not match its checksum"));
    }
    let mut metrics = [0u8; TRAILER_LEN - METRICS_AT];
    metrics.copy_from_slice(&trailer[METRICS_AT..]);
    Ok(Some(Artifact {
        file,
        metrics: decode_metrics(&metrics),
    }))
}

/// The bytes of a stamp record: a regular file of the user that others cannot write, at most
/// [`MAX_STAMP_RECORD`] bytes (checked before reading). `Ok(None)`: no such file.
fn read_stamp_record(path: &Path) -> Result<Option<Vec<u8>>, CacheFileError> {
    let Some((file, size)) = open_trusted(path, MAX_STAMP_RECORD, false)? else {
        return Ok(None);
    };
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_STAMP_RECORD)
        .read_to_end(&mut bytes)
        .map_err(CacheFileError::io(path))?;
    Ok(Some(bytes))
}

/// Deserializes a verified artifact file in place: wasmtime maps it (the code is not copied)
/// and ignores the trailer after its own data.
pub(crate) fn deserialize(
    engine: &Engine,
    path: &Path,
    file: File,
) -> Result<Module, CacheFileError> {
    // SAFETY: `file` passed `read_artifact`: it lives in a directory only the current user
    // can write (or is a precompiled file the embedder declared trusted), carries the key of
    // these wasm bytes on an engine with this configuration, and its checksum matches.
    // Files are only ever replaced by a rename, never rewritten in place, so the mapping
    // keeps the verified bytes. wasmtime additionally checks that the code was produced by a
    // compatible engine.
    unsafe { Module::deserialize_open_file(engine, file) }.map_err(|e| {
        CacheFileError::Deserialize {
            path: path.to_path_buf(),
            message: format!("{e:#}"),
        }
    })
}

/// One cache directory, opened (created, checked) once per engine.
#[derive(Debug)]
pub(crate) struct DiskCache {
    dir: PathBuf,
    max_size: u64,
    /// This process's idea of the directory's total size: scanned when opened and after an
    /// eviction, increased by every write.
    size: Mutex<u64>,
}

impl DiskCache {
    /// Creates `dir` (owner-only) if missing, checks it is the user's and not writable by
    /// others, and evicts down to `max_size` if it is over.
    pub fn open(dir: &Path, max_size: u64, counters: &Counters) -> Result<Self, CacheFileError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(CacheFileError::io(dir))?;
        }
        #[cfg(not(unix))]
        std::fs::create_dir_all(dir).map_err(CacheFileError::io(dir))?;
        let metadata = std::fs::metadata(dir).map_err(CacheFileError::io(dir))?;
        if !metadata.is_dir() {
            return Err(CacheFileError::Insecure {
                path: dir.to_path_buf(),
                reason: "not a directory".to_string(),
            });
        }
        check_owner(dir, &metadata, false)?;
        let cache = DiskCache {
            dir: dir.to_path_buf(),
            max_size,
            size: Mutex::new(0),
        };
        cache.evict(counters);
        Ok(cache)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, key: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.{EXTENSION}", hex(key)))
    }

    fn stamp_record_of(&self, wasm_path: &Path) -> PathBuf {
        let mut h = Sha256::new();
        h.update(b"marine-file-stamp/v1\0");
        h.update(path_bytes(wasm_path));
        let name: [u8; 32] = h.finalize().into();
        self.dir.join(format!("{}.{STAMP_EXTENSION}", hex(&name)))
    }

    /// The digest recorded for the file at `wasm_path` when it had this `stamp`, if the
    /// record exists and checks out (ours, intact, for this path and stamp).
    pub fn recall_digest(&self, wasm_path: &Path, stamp: &FileStamp) -> Option<[u8; 32]> {
        let record = self.stamp_record_of(wasm_path);
        let bytes = match read_stamp_record(&record) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(e) => {
                log::debug!("compiled-module cache: ignoring a file record: {e}");
                if !matches!(e, CacheFileError::Insecure { .. }) {
                    let _ = std::fs::remove_file(&record);
                }
                return None;
            }
        };
        // Layout: magic, version, CRC-32 of what follows, digest, stamp, path.
        let body = bytes.get(16..)?;
        let intact = bytes.get(0..8) == Some(&STAMP_MAGIC[..])
            && bytes.get(8..12) == Some(&STAMP_VERSION.to_le_bytes()[..])
            && bytes.get(12..16) == Some(&crc32fast::hash(body).to_le_bytes()[..]);
        if !intact {
            log::debug!("compiled-module cache: {} is damaged", record.display());
            let _ = std::fs::remove_file(&record);
            return None;
        }
        let (digest, rest) = body.split_at_checked(32)?;
        let (recorded, recorded_path) = rest.split_at_checked(STAMP_LEN)?;
        if recorded != stamp.encode() || recorded_path != path_bytes(wasm_path) {
            return None; // the file changed since (or another path with the same name hash)
        }
        digest.try_into().ok()
    }

    /// Records `digest` as the digest of the file at `wasm_path` while it has `stamp`,
    /// unless the file changed too recently for its stamp to be reliable
    /// ([`STAMP_MIN_AGE`]). Best effort: a failure is logged, never an error.
    pub fn remember_digest(&self, wasm_path: &Path, stamp: &FileStamp, digest: &[u8; 32]) {
        if !stamp.settled(SystemTime::now(), STAMP_MIN_AGE) {
            return;
        }
        let path = path_bytes(wasm_path);
        let mut body = Vec::with_capacity(32 + STAMP_LEN + path.len());
        body.extend_from_slice(digest);
        body.extend_from_slice(&stamp.encode());
        body.extend_from_slice(path);
        let mut bytes = Vec::with_capacity(16 + body.len());
        bytes.extend_from_slice(&STAMP_MAGIC);
        bytes.extend_from_slice(&STAMP_VERSION.to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        if bytes.len() as u64 > MAX_STAMP_RECORD {
            return;
        }
        let record = self.stamp_record_of(wasm_path);
        if let Err(e) = write_atomically(&self.dir, &record, &bytes) {
            log::warn!("compiled-module cache: cannot record a file's digest: {e}");
        }
    }

    /// The module cached under `key` and its metrics: `Ok(None)` when there is none; an entry
    /// that fails verification or deserialization is deleted and reported as the error.
    pub fn load(
        &self,
        engine: &Engine,
        key: &[u8; 32],
    ) -> Result<Option<(Module, ModuleMetrics)>, CacheFileError> {
        let path = self.path_of(key);
        let result = read_artifact(&path, key, self.max_size, false).and_then(|artifact| {
            artifact
                .map(|a| Ok((deserialize(engine, &path, a.file)?, a.metrics)))
                .transpose()
        });
        match &result {
            Ok(Some(_)) => {
                // Refresh the entry's age for eviction (best effort).
                if let Ok(file) = File::open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
            }
            Ok(None) => {}
            Err(CacheFileError::Insecure { .. }) => {
                // Someone else's file in our directory: do not touch it beyond not using it.
            }
            Err(_) => {
                let _ = std::fs::remove_file(&path);
            }
        }
        result
    }

    /// Writes `module` under `key` (temp file + rename), then evicts if over the bound.
    pub fn store(
        &self,
        key: &[u8; 32],
        wasm_digest: &[u8; 32],
        metrics: &ModuleMetrics,
        module: &Module,
        counters: &Counters,
    ) -> Result<(), CacheFileError> {
        let path = self.path_of(key);
        let payload = module
            .serialize()
            .map_err(|e| CacheFileError::Deserialize {
                path: path.clone(),
                message: format!("serializing: {e:#}"),
            })?;
        let bytes = artifact_bytes(key, wasm_digest, metrics, &payload);
        let len = bytes.len() as u64;
        if len > self.max_size {
            return Err(CacheFileError::TooLarge {
                path,
                size: len,
                limit: self.max_size,
            });
        }
        write_atomically(&self.dir, &path, &bytes)?;
        Counters::bump(&counters.stores, 1);
        let over = {
            let mut size = self.size.lock().unwrap_or_else(|p| p.into_inner());
            *size = size.saturating_add(len);
            *size > self.max_size
        };
        if over {
            self.evict(counters);
        }
        Ok(())
    }

    /// Scans the directory; when over the bound, deletes the least recently used entries
    /// down to 90% of it. Also deletes temporary files left by crashed writers.
    fn evict(&self, counters: &Counters) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = entry.metadata() else {
                continue; // vanished meanwhile
            };
            if !metadata.is_file() {
                continue;
            }
            let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp") {
                if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if path
                .extension()
                .is_some_and(|e| e == EXTENSION || e == STAMP_EXTENSION)
            {
                total += metadata.len();
                files.push((modified, metadata.len(), path));
            }
        }
        if total > self.max_size {
            files.sort();
            let target = self.max_size / 10 * 9;
            for (_, len, path) in files {
                if total <= target {
                    break;
                }
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        Counters::bump(&counters.evicted, 1);
                        log::debug!("compiled-module cache: evicted {}", path.display());
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        log::warn!(
                            "compiled-module cache: cannot evict {}: {e}",
                            path.display()
                        );
                        continue;
                    }
                }
                total = total.saturating_sub(len);
            }
        }
        *self.size.lock().unwrap_or_else(|p| p.into_inner()) = total;
    }
}

/// Writes `bytes` to `path` through a temporary file in `dir` and a rename.
pub(crate) fn write_atomically(
    dir: &Path,
    path: &Path,
    bytes: &[u8],
) -> Result<(), CacheFileError> {
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(CacheFileError::io(dir))?;
    temp.write_all(bytes)
        .map_err(CacheFileError::io(temp.path()))?;
    // No fsync: a file torn by a crash fails its checksum and is compiled again.
    temp.persist(path).map_err(|e| CacheFileError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MarineEngine;
    use crate::limits::Limits;

    /// A module with an `add` export; `n` makes the bytes (and so the key) differ.
    fn wasm(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module (memory (export "memory") 1)
                 (func (export "add") (param i32) (result i32) (i32.add (local.get 0) (i32.const {n}))))"#
        ))
        .unwrap()
    }

    /// Compiles `wasm(n)` on a fresh engine (a new process, as far as caches go) and checks
    /// the result runs.
    fn compile_fresh(options: &DiskCacheOptions, n: u32) -> (MarineEngine, DiskCacheStats) {
        let engine = MarineEngine::new().unwrap();
        let compiled = engine
            .compile_with_cache("m", &wasm(n), &Limits::default(), options)
            .unwrap();
        assert_adds(&engine, &compiled, n);
        let stats = engine.disk_cache_stats();
        (engine, stats)
    }

    /// Checks the compiled `wasm(n)` runs: its `add` adds `n`.
    fn assert_adds(engine: &MarineEngine, compiled: &crate::engine::CompiledModule, n: u32) {
        let mut store = wasmtime::Store::new(engine.engine(), ());
        store.set_epoch_deadline(crate::engine::NO_DEADLINE);
        let instance = wasmtime::Instance::new(&mut store, &compiled.module, &[]).unwrap();
        let add = instance
            .get_typed_func::<i32, i32>(&mut store, "add")
            .unwrap();
        assert_eq!(add.call(&mut store, 1).unwrap(), 1 + n as i32);
    }

    /// The files of `dir` with this extension, sorted.
    fn files_with(dir: &Path, extension: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        out.retain(|p| p.extension().is_some_and(|e| e == extension));
        out.sort();
        out
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        files_with(dir, EXTENSION)
    }

    /// Compiles the file at `path` on a fresh engine and checks it adds `n`.
    fn compile_file_fresh(options: &DiskCacheOptions, path: &Path, n: u32) -> DiskCacheStats {
        let engine = MarineEngine::new().unwrap();
        let compiled = engine
            .compile_file_with_cache("m", path, &Limits::default(), options)
            .unwrap();
        assert_adds(&engine, &compiled, n);
        engine.disk_cache_stats()
    }

    fn stamp_records(dir: &Path) -> Vec<PathBuf> {
        files_with(dir, STAMP_EXTENSION)
    }

    #[test]
    fn unchanged_files_are_not_hashed_again_and_changed_ones_are() {
        let dir = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join("c");
        let options = DiskCacheOptions::in_dir(&cache_dir);
        let wasm_path = dir.path().join("m.wasm");
        std::fs::write(&wasm_path, wasm(4)).unwrap();

        // Just written: its stamp could still change within the timestamp granularity, so
        // nothing is recorded yet.
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!((stats.stores, stats.digests_recalled), (1, 0));
        assert!(stamp_records(&cache_dir).is_empty());

        std::thread::sleep(STAMP_MIN_AGE + Duration::from_millis(200));
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!(
            (stats.hits, stats.digests_recalled),
            (1, 0),
            "hashed, then recorded"
        );
        let [record] = stamp_records(&cache_dir).try_into().unwrap();
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!(
            (stats.hits, stats.digests_recalled),
            (1, 1),
            "the record is used"
        );

        // The code gone from the cache, the record kept: looked up once (one miss), then
        // read, compiled and stored again.
        for entry in entries(&cache_dir) {
            std::fs::remove_file(entry).unwrap();
        }
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!(
            (
                stats.hits,
                stats.misses,
                stats.stores,
                stats.digests_recalled
            ),
            (0, 1, 1, 1)
        );
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!((stats.hits, stats.digests_recalled), (1, 1));

        // A damaged record is ignored (the bytes are hashed) and written again.
        let mut damaged = std::fs::read(&record).unwrap();
        damaged[20] ^= 1;
        std::fs::write(&record, &damaged).unwrap();
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!((stats.hits, stats.digests_recalled), (1, 0));
        let stats = compile_file_fresh(&options, &wasm_path, 4);
        assert_eq!((stats.hits, stats.digests_recalled), (1, 1));

        // New bytes in the same file: the stamp differs, so they are hashed and compiled.
        std::fs::write(&wasm_path, wasm(9)).unwrap();
        let stats = compile_file_fresh(&options, &wasm_path, 9);
        assert_eq!(
            (stats.misses, stats.stores, stats.digests_recalled),
            (1, 1, 0)
        );
        let stats = compile_file_fresh(&options, &wasm_path, 9);
        assert_eq!((stats.hits, stats.digests_recalled), (1, 0));
    }

    #[test]
    fn a_second_engine_finds_the_first_ones_code() {
        let dir = tempfile::tempdir().unwrap();
        let options = DiskCacheOptions::in_dir(dir.path().join("c"));
        let (_, first) = compile_fresh(&options, 1);
        assert_eq!((first.hits, first.misses, first.stores), (0, 1, 1));
        assert_eq!(entries(&dir.path().join("c")).len(), 1);
        let (_, second) = compile_fresh(&options, 1);
        assert_eq!((second.hits, second.misses, second.stores), (1, 0, 0));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("c"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "the cache directory is owner-only");
        }
    }

    #[test]
    fn damaged_or_foreign_entries_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let options = DiskCacheOptions::in_dir(dir.path());
        compile_fresh(&options, 2);
        let [path] = entries(dir.path()).try_into().unwrap();
        let good = std::fs::read(&path).unwrap();

        // A foreign engine's code under the right key, with a correct checksum: wasmtime
        // refuses it.
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true).consume_fuel(true);
        let foreign = Engine::new(&config).unwrap();
        let foreign_payload = foreign.precompile_module(&wasm(2)).unwrap();
        let t = good.len() - TRAILER_LEN; // where the trailer starts
        let key: [u8; 32] = good[t + 16..t + 48].try_into().unwrap();
        let wasm_digest: [u8; 32] = good[t + 48..t + 80].try_into().unwrap();
        let metrics = decode_metrics(good[t + METRICS_AT..].try_into().unwrap());
        let foreign_file = artifact_bytes(&key, &wasm_digest, &metrics, &foreign_payload);

        let mut flipped = good.clone();
        let middle = t / 2;
        flipped[middle] ^= 0x40;
        let mut wrong_magic = good.clone();
        wrong_magic[t] = b'X';
        let mut bad_length = good.clone();
        bad_length[t + 80] ^= 1;
        let damaged: [(&str, Vec<u8>); 7] = [
            ("truncated", good[..good.len() - 100].to_vec()),
            ("trailer only, cut", good[t + 40..].to_vec()),
            ("code only, no trailer", good[..t].to_vec()),
            ("flipped byte", flipped),
            ("wrong magic", wrong_magic),
            ("wrong length", bad_length),
            ("foreign engine", foreign_file),
        ];
        for (what, bytes) in damaged {
            std::fs::write(&path, &bytes).unwrap();
            let (_, stats) = compile_fresh(&options, 2);
            assert_eq!(
                (stats.hits, stats.rejected, stats.stores),
                (0, 1, 1),
                "{what}: rejected and written again"
            );
            assert_eq!(std::fs::read(&path).unwrap(), good, "{what}: replaced");
            let (_, stats) = compile_fresh(&options, 2);
            assert_eq!(stats.hits, 1, "{what}: the replacement is used");
        }
    }

    #[test]
    fn a_hit_checks_the_stored_shape_against_the_limits() {
        let dir = tempfile::tempdir().unwrap();
        let options = DiskCacheOptions::in_dir(dir.path());
        let (first, _) = compile_fresh(&options, 3);
        let measured = first
            .compile_with_cache("m", &wasm(3), &Limits::default(), &options)
            .unwrap()
            .metrics;
        assert_eq!(measured.functions, 1);
        let [path] = entries(dir.path()).try_into().unwrap();
        let good = std::fs::read(&path).unwrap();
        let t = good.len() - TRAILER_LEN;
        let stored = decode_metrics(good[t + METRICS_AT..].try_into().unwrap());
        assert_eq!(stored, measured, "the trailer keeps the measured shape");

        // A second process with a tighter limit refuses the module from the stored figures.
        let engine = MarineEngine::new().unwrap();
        let tight = Limits {
            max_functions: 0,
            ..Limits::default()
        };
        let e = engine
            .compile_with_cache("m", &wasm(3), &tight, &options)
            .unwrap_err();
        assert!(
            matches!(&e, crate::MarineError::Limit(l) if l.kind == crate::LimitKind::Functions),
            "{e}"
        );
        let stats = engine.disk_cache_stats();
        assert_eq!((stats.hits, stats.stores), (1, 0));

        // Stored figures of other bytes (a size that is not this module's) are not believed:
        // the module is measured and compiled again, and the entry rewritten.
        let mut other_size = good.clone();
        other_size[t + METRICS_AT] ^= 1;
        std::fs::write(&path, &other_size).unwrap();
        let (_, stats) = compile_fresh(&options, 3);
        assert_eq!((stats.hits, stats.stores), (1, 1));
        assert_eq!(std::fs::read(&path).unwrap(), good);
    }

    #[test]
    fn errors_name_the_file_and_huge_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.mcache");
        let huge = File::create(&path).unwrap();
        huge.set_len(8 << 30).unwrap(); // sparse
        let e = read_artifact(&path, &[0; 32], 1 << 20, false).unwrap_err();
        assert!(
            matches!(e, CacheFileError::TooLarge { size, .. } if size == 8 << 30),
            "{e:?}"
        );
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(
            read_artifact(&dir.path().join("none"), &[0; 32], 1 << 20, false)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn threads_filling_one_cache_agree() {
        let dir = tempfile::tempdir().unwrap();
        let options = DiskCacheOptions::in_dir(dir.path());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for n in 0..4 {
                        compile_fresh(&options, 10 + n);
                    }
                });
            }
        });
        let files = entries(dir.path());
        assert_eq!(files.len(), 4);
        for n in 0..4 {
            let (_, stats) = compile_fresh(&options, 10 + n);
            assert_eq!((stats.hits, stats.rejected), (1, 0));
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn eviction_keeps_the_cache_under_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = DiskCacheOptions::in_dir(dir.path());
        compile_fresh(&options, 100);
        let one = std::fs::metadata(&entries(dir.path())[0]).unwrap().len();
        std::fs::remove_file(&entries(dir.path())[0]).unwrap();
        options.max_size = one * 3 + one / 2;
        let engine = MarineEngine::new().unwrap();
        for n in 0..8 {
            engine
                .compile_with_cache("m", &wasm(100 + n), &Limits::default(), &options)
                .unwrap();
            let total: u64 = entries(dir.path())
                .iter()
                .map(|p| std::fs::metadata(p).unwrap().len())
                .sum();
            assert!(total <= options.max_size, "{total} > {}", options.max_size);
        }
        assert!(engine.disk_cache_stats().evicted >= 4);
        // The most recent module survived.
        let (_, stats) = compile_fresh(&options, 107);
        assert_eq!(stats.hits, 1);
    }

    #[test]
    fn a_disabled_cache_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let options = DiskCacheOptions {
            enabled: false,
            ..DiskCacheOptions::in_dir(dir.path().join("c"))
        };
        let (_, stats) = compile_fresh(&options, 3);
        assert_eq!(stats, DiskCacheStats::default());
        assert!(!dir.path().join("c").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let (_, stats) = compile_fresh(&DiskCacheOptions::in_dir(dir.path()), 4);
        assert_eq!(stats, DiskCacheStats::default());
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn precompiled_files_are_used_only_when_trusted_and_matching() {
        let dir = tempfile::tempdir().unwrap();
        let wasm_path = dir.path().join("m.wasm");
        std::fs::write(&wasm_path, wasm(5)).unwrap();
        let cwasm = precompiled_path(&wasm_path);
        let engine = MarineEngine::new().unwrap();
        std::fs::write(&cwasm, engine.precompile("m", &wasm(5)).unwrap()).unwrap();
        let load = |trust: bool| {
            let engine = MarineEngine::new().unwrap();
            let options = DiskCacheOptions {
                trust_precompiled: trust,
                ..DiskCacheOptions::disabled()
            };
            engine
                .compile_file_with_cache("m", &wasm_path, &Limits::default(), &options)
                .unwrap();
            engine.disk_cache_stats()
        };
        let untrusted = load(false);
        assert_eq!(
            (untrusted.precompiled_loaded, untrusted.precompiled_ignored),
            (0, 1)
        );
        let trusted = load(true);
        assert_eq!(
            (trusted.precompiled_loaded, trusted.precompiled_ignored),
            (1, 0)
        );
        // Built from other bytes: ignored even when trusted.
        std::fs::write(&cwasm, engine.precompile("m", &wasm(6)).unwrap()).unwrap();
        let other = load(true);
        assert_eq!(
            (other.precompiled_loaded, other.precompiled_ignored),
            (0, 1)
        );
    }
}
