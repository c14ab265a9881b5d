//! Store data: one wasmtime store per module, and the state all stores of a service share.
//!
//! Every module of a service lives in its own `wasmtime::Store<StoreState>`, owned by its
//! [`MModule`]. Dropping the module drops the store, and with it the instance, its linear
//! memory (pages and address-space reservation) and its WASI context: unloading a module
//! releases everything it held. A store's [`StoreState`] is that module's data (name, WASI
//! context, ABI handles, memory limit and use, and the context of the call it runs for, lent
//! by that call); the service's memory total lives in one [`Shared`] behind a mutex that every
//! store of the service points to. The mutex is only held for short bookkeeping, never while
//! wasm runs.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Instant;

use crate::call_context::CallContext;
use crate::call_parameters::CallParameters;
use crate::errors::MarineError;
pub use crate::errors::MemoryLimitScope;
use crate::limits::{Limits, TABLE_ELEMENT_BYTES};
use crate::memory::GuestAbi;
use wasmtime_wasi::p1::WasiP1Ctx;

/// Memory accounting of the whole service (reference §D): an optional limit on the sum of all
/// modules' linear memories, and the number of refused growths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Limit on the total linear memory of all modules in bytes (`None`: unlimited).
    pub total_limit: Option<u64>,
    /// Total linear memory granted so far in bytes.
    pub total_used: u64,
    /// Number of memory growths refused by a limit since the last reset.
    pub allocation_rejects: u32,
}

/// What all module stores of one service share.
#[derive(Default)]
pub struct Shared {
    /// The service's memory total and limit.
    pub(crate) memory: MemoryStats,
    extensions: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl Shared {
    /// Stores a value of type `T` for host functions; returns the previous one.
    pub fn set_extension<T: Any + Send>(&mut self, value: T) -> Option<T> {
        self.extensions
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// The stored value of type `T`, mutably.
    pub fn extension_mut<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.extensions
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut::<T>())
    }
}

/// A handle on the state shared by a service's stores.
#[derive(Clone, Default)]
pub struct SharedState(Arc<Mutex<Shared>>);

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedState")
    }
}

impl SharedState {
    /// Locks the shared state. A panic while it was held (only possible in an embedder's
    /// host function) does not make it unusable: the bookkeeping inside stays consistent
    /// field by field.
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What one module's instance may hold besides its memory pages (the instance side of
/// [`Limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLimits {
    /// [`Limits::max_memories`].
    pub max_memories: u32,
    /// [`Limits::max_tables`].
    pub max_tables: u32,
    /// [`Limits::max_table_elements`].
    pub max_table_elements: u64,
    /// [`Limits::max_value_size`]: the budget of host memory for one value taken out of the
    /// module (a result, or an argument it passes to another module or a host function).
    pub max_value_size: u64,
}

impl From<&Limits> for InstanceLimits {
    fn from(limits: &Limits) -> Self {
        InstanceLimits {
            max_memories: limits.max_memories,
            max_tables: limits.max_tables,
            max_table_elements: limits.max_table_elements,
            max_value_size: limits.max_value_size,
        }
    }
}

impl Default for InstanceLimits {
    fn default() -> Self {
        InstanceLimits::from(&Limits::default())
    }
}

/// The data of one module's store.
pub struct StoreState {
    /// Module name (the log target of its logger import; shared, so host calls take it
    /// without allocating).
    pub name: Arc<str>,
    /// The module's WASI context.
    pub(crate) wasi: WasiP1Ctx,
    /// Logger target mask (§5.2): a message with target t is logged if t == 0 or
    /// t & mask != 0.
    pub logging_mask: i32,
    /// Whether `log_utf8_string` logs (false: the import is a no-op).
    pub logger_enabled: bool,
    /// The module's ABI handles, registered right after instantiation (before `_initialize`),
    /// so host functions and import adapters can allocate in, and set results of, the module
    /// calling them.
    pub abi: Option<Arc<GuestAbi>>,
    /// Memory limit of this module in bytes (`None`: unlimited): all its linear memories and
    /// tables together.
    pub mem_limit: Option<u64>,
    /// How many memories, tables and table elements the module may have.
    pub instance_limits: InstanceLimits,
    /// Bytes this module has been granted so far: the sizes of all its linear memories plus
    /// its table elements at [`TABLE_ELEMENT_BYTES`] each (shared with its [`MModule`], which
    /// reads it without locking the store).
    mem_used: Arc<AtomicU64>,
    /// Table elements this module holds in all its tables.
    table_elements: u64,
    /// Growth granted by the last `memory_growing` / `table_growing` (bytes, elements),
    /// undone if the growth then fails.
    pending_growth: Option<(u64, u64)>,
    /// The context of the call running in this module (`None` between calls).
    call: Option<Arc<CallContext>>,
    shared: SharedState,
    /// What the layers above keep per module for the host functions of its imports (for
    /// example what its module imports and embedder host functions resolve to in its
    /// service): the definitions of a pre-linked instance are shared by every service, so
    /// what differs per service lives here. One value per type.
    extensions: Vec<Box<dyn Any + Send>>,
}

impl StoreState {
    /// The data of a new module store named `name` with this WASI context, in the service
    /// whose shared state is `shared`.
    pub fn new(name: impl Into<String>, wasi: WasiP1Ctx, shared: SharedState) -> Self {
        StoreState {
            name: Arc::from(name.into()),
            wasi,
            logging_mask: i32::MAX,
            logger_enabled: true,
            abi: None,
            mem_limit: None,
            instance_limits: InstanceLimits::default(),
            mem_used: Arc::default(),
            table_elements: 0,
            pending_growth: None,
            call: None,
            shared,
            extensions: Vec::new(),
        }
    }

    /// Keeps `value` in this store for its host functions ([`StoreState::extension`]),
    /// replacing a value of the same type.
    pub(crate) fn set_extension<T: Any + Send>(&mut self, value: T) {
        self.extensions.retain(|e| !e.is::<T>());
        self.extensions.push(Box::new(value));
    }

    /// The value of type `T` kept with [`StoreState::set_extension`], if any.
    pub(crate) fn extension<T: Any + Send>(&self) -> Option<&T> {
        self.extensions.iter().find_map(|e| e.downcast_ref::<T>())
    }

    /// The module's ABI handles, for the host functions it calls (registered before its
    /// `_initialize` runs, so this fails only for a call made while it is instantiated).
    pub fn registered_abi(&self) -> Result<Arc<GuestAbi>, MarineError> {
        self.abi
            .clone()
            .ok_or_else(|| MarineError::Engine("the calling module's ABI is not registered".into()))
    }

    /// The call parameters of the call running in this module (defaults outside calls).
    pub fn call_parameters(&self) -> &CallParameters {
        static OUTSIDE_CALLS: LazyLock<CallParameters> = LazyLock::new(CallParameters::default);
        match &self.call {
            Some(call) => call.call_parameters(),
            None => &OUTSIDE_CALLS,
        }
    }

    /// The deadline of the call running in this module (`None`: no timeout, or no call).
    pub fn call_deadline(&self) -> Option<Instant> {
        self.call.as_ref().and_then(|call| call.deadline())
    }

    /// The context of the call running in this module.
    pub(crate) fn call_context(&self) -> Option<&Arc<CallContext>> {
        self.call.as_ref()
    }

    /// Bytes of linear memory this module has been granted.
    pub fn memory_used(&self) -> u64 {
        self.mem_used.load(Ordering::Relaxed)
    }

    /// The counter behind [`StoreState::memory_used`].
    pub(crate) fn memory_used_handle(&self) -> Arc<AtomicU64> {
        self.mem_used.clone()
    }

    /// The state shared with the service's other stores.
    pub fn shared(&self) -> &SharedState {
        &self.shared
    }

    /// Lends `call` to this store while the module runs for it; returns the call's deadline.
    pub(crate) fn enter_call(&mut self, call: &Arc<CallContext>) -> Option<Instant> {
        if !self.call.as_ref().is_some_and(|c| Arc::ptr_eq(c, call)) {
            self.call = Some(call.clone());
        }
        call.deadline()
    }

    /// Ends the loan of [`StoreState::enter_call`]: the module runs for no call now.
    pub(crate) fn leave_call(&mut self) {
        self.call = None;
    }

    /// Records that the call deadline passed while this module was running.
    pub(crate) fn record_timeout(&self) {
        if let Some(call) = &self.call {
            call.record_timeout(&self.name);
        }
    }
}

impl Drop for StoreState {
    /// The module's memory goes back to the service total when its store is dropped.
    fn drop(&mut self) {
        let mut shared = self.shared.lock();
        shared.memory.total_used = shared.memory.total_used.saturating_sub(self.memory_used());
    }
}

impl StoreState {
    /// Grants `bytes` more to this module if its own limit and the service's total allow it;
    /// otherwise records the refusal (scope and limit, attributed to the running function)
    /// and returns false. `requested` is the size reported in the refusal.
    fn grant(&mut self, bytes: u64, elements: u64, requested: u64, what: &str) -> bool {
        let mut shared = self.shared.lock();
        let used = self.memory_used();
        let over_module = self
            .mem_limit
            .is_some_and(|l| used.saturating_add(bytes) > l);
        let over_total = shared
            .memory
            .total_limit
            .is_some_and(|l| shared.memory.total_used.saturating_add(bytes) > l);
        if over_module || over_total {
            shared.memory.allocation_rejects = shared.memory.allocation_rejects.saturating_add(1);
            if let Some(call) = &self.call {
                let (scope, limit) = if over_module {
                    (MemoryLimitScope::Module, self.mem_limit.unwrap_or(0))
                } else {
                    (
                        MemoryLimitScope::Total,
                        shared.memory.total_limit.unwrap_or(0),
                    )
                };
                call.record_refused_growth(&self.name, scope, limit, requested);
            }
            log::debug!(
                "module `{}`: {what} refused ({} limit)",
                self.name,
                if over_module { "module" } else { "total" }
            );
            return false;
        }
        shared.memory.total_used = shared.memory.total_used.saturating_add(bytes);
        self.mem_used
            .store(used.saturating_add(bytes), Ordering::Relaxed);
        self.table_elements = self.table_elements.saturating_add(elements);
        self.pending_growth = Some((bytes, elements));
        true
    }

    /// Takes back the last grant (its growth failed after all).
    fn ungrant(&mut self) {
        if let Some((bytes, elements)) = self.pending_growth.take() {
            let mut shared = self.shared.lock();
            shared.memory.total_used = shared.memory.total_used.saturating_sub(bytes);
            let used = self.memory_used().saturating_sub(bytes);
            self.mem_used.store(used, Ordering::Relaxed);
            self.table_elements = self.table_elements.saturating_sub(elements);
        }
    }
}

impl wasmtime::ResourceLimiter for StoreState {
    /// Growth of one of this module's linear memories (or its initial size at
    /// instantiation): refused, making `memory.grow` return -1 (or instantiation fail), if
    /// the module's memories and tables together would exceed its limit, or the service's
    /// total would exceed the total limit.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let delta = desired.saturating_sub(current) as u64;
        let what = format!("memory growth {current} -> {desired}");
        let requested = self.memory_used().saturating_add(delta);
        Ok(self.grant(delta, 0, requested, &what))
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.ungrant();
        log::debug!("module `{}`: memory growth failed: {error}", self.name);
        Ok(())
    }

    /// Growth of one of this module's tables (or its initial size at instantiation): refused,
    /// making `table.grow` return -1 (or instantiation fail), beyond
    /// `InstanceLimits::max_table_elements` in all tables, or when the elements (counted at
    /// [`TABLE_ELEMENT_BYTES`] each) exceed the module's or the service's memory limit.
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let elements = desired.saturating_sub(current) as u64;
        let total_elements = self.table_elements.saturating_add(elements);
        if total_elements > self.instance_limits.max_table_elements {
            log::debug!(
                "module `{}`: table growth {current} -> {desired} refused (max_table_elements = {})",
                self.name,
                self.instance_limits.max_table_elements
            );
            let mut shared = self.shared.lock();
            shared.memory.allocation_rejects = shared.memory.allocation_rejects.saturating_add(1);
            return Ok(false);
        }
        let bytes = elements.saturating_mul(TABLE_ELEMENT_BYTES);
        let what = format!("table growth {current} -> {desired}");
        let requested = self.memory_used().saturating_add(bytes);
        Ok(self.grant(bytes, elements, requested, &what))
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.ungrant();
        log::debug!("module `{}`: table growth failed: {error}", self.name);
        Ok(())
    }

    fn memories(&self) -> usize {
        self.instance_limits.max_memories as usize
    }

    fn tables(&self) -> usize {
        self.instance_limits.max_tables as usize
    }
}
