//! The modules read so far, shared by every service of this engine instance (one per
//! JavaScript realm): creating a second service of the same module bytes skips reading its
//! interface, and the module's key ([`Parsed::key`]) lets JavaScript reuse its compiled
//! `WebAssembly.Module`.
//!
//! An entry is found by a hash of the bytes and then compared byte for byte, so bytes crafted
//! to collide with a cached module never get its interface. The cache is bounded in entries
//! and in the bytes it keeps; the oldest entries go first.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use marine_ast::abi::CallPlan;
use marine_ast::{InterfaceLimits, ModuleInterface};

/// The most modules kept.
pub const MAX_ENTRIES: usize = 32;
/// The most module bytes kept, in total.
pub const MAX_BYTES: usize = 64 << 20;

/// What reading a module gives: its interface, call plans and initial memory.
#[derive(Debug)]
pub struct Parsed {
    /// A key unique to these bytes among the modules this engine instance has read (a cached
    /// module keeps its key; a new one gets a new key).
    pub key: u64,
    /// The module's interface.
    pub interface: ModuleInterface,
    /// Each export's call plan.
    pub plans: BTreeMap<String, Rc<CallPlan>>,
    /// The first memory's initial size in bytes.
    pub initial_memory: u64,
}

struct Entry {
    hash: u64,
    limits: InterfaceLimits,
    bytes: Vec<u8>,
    parsed: Rc<Parsed>,
}

#[derive(Default)]
struct Cache {
    entries: Vec<Entry>,
    bytes: usize,
    next_key: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
}

fn hash_of(wasm: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    wasm.hash(&mut hasher);
    hasher.finish()
}

/// The cached reading of `wasm` under `limits`, or `read(key)`'s, which is then cached (when
/// it succeeds and fits).
pub fn parsed<E>(
    wasm: &[u8],
    limits: InterfaceLimits,
    read: impl FnOnce(u64) -> Result<Parsed, E>,
) -> Result<Rc<Parsed>, E> {
    let hash = hash_of(wasm);
    let found = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let i = cache
            .entries
            .iter()
            .position(|e| e.hash == hash && e.limits == limits && e.bytes == wasm)?;
        // Most recently used last.
        let entry = cache.entries.remove(i);
        let parsed = entry.parsed.clone();
        cache.entries.push(entry);
        Some(parsed)
    });
    if let Some(parsed) = found {
        return Ok(parsed);
    }
    let key = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.next_key += 1;
        cache.next_key
    });
    let parsed = Rc::new(read(key)?);
    if wasm.len() <= MAX_BYTES / 4 {
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            while !cache.entries.is_empty()
                && (cache.entries.len() >= MAX_ENTRIES || cache.bytes + wasm.len() > MAX_BYTES)
            {
                let old = cache.entries.remove(0);
                cache.bytes -= old.bytes.len();
            }
            cache.bytes += wasm.len();
            cache.entries.push(Entry {
                hash,
                limits,
                bytes: wasm.to_vec(),
                parsed: parsed.clone(),
            });
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(calls: &RefCell<u32>) -> impl FnOnce(u64) -> Result<Parsed, ()> + '_ {
        move |key| {
            *calls.borrow_mut() += 1;
            Ok(Parsed {
                key,
                interface: ModuleInterface::default(),
                plans: BTreeMap::new(),
                initial_memory: 0,
            })
        }
    }

    #[test]
    fn same_bytes_are_read_once_other_bytes_again() {
        let calls = RefCell::new(0);
        let limits = InterfaceLimits::default();
        let a = parsed(b"module a", limits, read(&calls)).unwrap();
        let again = parsed(b"module a", limits, read(&calls)).unwrap();
        assert_eq!(*calls.borrow(), 1);
        assert_eq!(a.key, again.key);
        let b = parsed(b"module b", limits, read(&calls)).unwrap();
        assert_eq!(*calls.borrow(), 2);
        assert_ne!(a.key, b.key);
    }

    #[test]
    fn the_cache_is_bounded() {
        let calls = RefCell::new(0);
        let limits = InterfaceLimits::default();
        for i in 0..MAX_ENTRIES + 1 {
            parsed(format!("m{i}").as_bytes(), limits, read(&calls)).unwrap();
        }
        CACHE.with(|c| assert!(c.borrow().entries.len() <= MAX_ENTRIES));
        // The oldest went first.
        let before = *calls.borrow();
        parsed(b"m0", limits, read(&calls)).unwrap();
        assert_eq!(*calls.borrow(), before + 1);
    }
}
