//! The per-service store state.
//!
//! As in the official runtime, ONE `wasmtime::Store<StoreState>` holds every module instance of
//! a service (each with its own linear memory). WASI is linked once; its accessor picks the
//! WASI context of the *current* module, an index kept here and set around every call into a
//! module ([`StoreState::enter`]), so each module has its own envs, preopened dirs and fds.
//! Index 0 is a null context (no envs, no dirs, no stdio) used whenever no module is current.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::AsContextMut;

use crate::call_parameters::CallParameters;
use crate::memory::GuestAbi;
use crate::module::MModule;
use crate::stdio::OutputTail;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;

/// Index of a module's WASI context in the store.
pub type WasiIndex = usize;

/// Per-module data kept in the store, selected by the current module index.
pub struct ModuleSlot {
    /// Module name (used as the log target of its logger import; shared, so host calls
    /// take it without allocating).
    pub name: Arc<str>,
    /// The module's WASI context.
    pub wasi: WasiP1Ctx,
    /// Logger target mask (§5.2): a message with target t is logged if t == 0 or
    /// t & mask != 0.
    pub logging_mask: i32,
    /// The module's ABI handles, registered right after instantiation (before `_initialize`),
    /// so host functions and import adapters can allocate in, and set results of, the module
    /// that is calling them.
    pub abi: Option<Arc<GuestAbi>>,
    /// Memory limit of this module in bytes (`None`: unlimited).
    pub mem_limit: Option<u64>,
    /// Bytes of linear memory this module has been granted so far.
    pub mem_used: u64,
    /// Whether `log_utf8_string` logs (false: the import is a no-op).
    pub logger_enabled: bool,
    /// Bounded tail of everything the module wrote to stderr (for panic messages).
    pub stderr_tail: Option<OutputTail>,
    /// Embedder capture of stdout and stderr, when enabled in the module config.
    pub capture: Option<(OutputTail, OutputTail)>,
}

impl ModuleSlot {
    fn null() -> Self {
        ModuleSlot {
            name: Arc::from(""),
            wasi: WasiCtxBuilder::new().build_p1(),
            logging_mask: i32::MAX,
            abi: None,
            mem_limit: None,
            mem_used: 0,
            logger_enabled: true,
            stderr_tail: None,
            capture: None,
        }
    }

    /// A slot with the given name, WASI context and default settings.
    pub fn new(name: impl Into<String>, wasi: WasiP1Ctx) -> Self {
        ModuleSlot {
            name: Arc::from(name.into()),
            wasi,
            ..Self::null()
        }
    }
}

/// Memory accounting of the whole store (reference §D): an optional limit on the sum of all
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

/// One entry of the module call stack: a module running one of its exports (or its
/// `_initialize` / `_start`).
#[derive(Clone, Debug)]
pub struct Frame {
    /// The module's slot index.
    pub module: WasiIndex,
    /// The function running.
    pub function: Arc<str>,
}

/// Which limit refused a memory growth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryLimitScope {
    /// The module's own limit.
    Module,
    /// The limit on the total memory of all modules of the service.
    Total,
}

impl std::fmt::Display for MemoryLimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MemoryLimitScope::Module => "module",
            MemoryLimitScope::Total => "total",
        })
    }
}

/// A memory growth refused during the current top-level call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryRefusal {
    /// The module whose memory could not grow.
    pub module: String,
    /// The function it was running (`None` outside any export, e.g. in a host call).
    pub function: Option<String>,
    /// Which limit refused it.
    pub scope: MemoryLimitScope,
    /// The limit in bytes.
    pub limit: u64,
    /// The size in bytes the module's memory would have grown to.
    pub requested: u64,
}

/// Something that happened during the current top-level call and decides how its failure is
/// reported (the innermost error alone would not say it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incident {
    /// The call's deadline passed while `module` was running `function`.
    Timeout {
        /// The module running when the deadline passed.
        module: String,
        /// Its function (the top frame of that module).
        function: String,
    },
    /// A call into a module that is already on the call stack was refused.
    Reentrancy {
        /// The module called again.
        module: String,
        /// The function called.
        function: String,
        /// The call stack at that point, outermost first, as `module.function`.
        stack: Vec<String>,
    },
}

/// State of the current top-level call: what every module it reaches sees (call parameters)
/// and what the runtime learned out of band (timeouts, refused growths, re-entrancy).
#[derive(Debug, Default)]
pub struct CallState {
    /// Call parameters of the current top-level call, served by `get_call_parameters`.
    pub call_parameters: CallParameters,
    /// The effective timeout of the current top-level call.
    pub timeout: Option<Duration>,
    /// Modules running, outermost first.
    pub stack: Vec<Frame>,
    /// The first timeout or re-entrancy of this call.
    pub incident: Option<Incident>,
    /// The first memory growth refused during this call.
    pub refused_growth: Option<MemoryRefusal>,
}

/// Data of the service's store.
pub struct StoreState {
    slots: Vec<ModuleSlot>,
    current: WasiIndex,
    memory: MemoryStats,
    /// Growth granted by the last `memory_growing`, undone if the growth then fails.
    pending_growth: Option<(WasiIndex, u64)>,
    extensions: HashMap<TypeId, Box<dyn Any + Send>>,
    /// The current top-level call.
    pub(crate) call: CallState,
    /// Loaded modules by name (for host functions that call back into the service).
    pub(crate) modules: HashMap<String, Arc<MModule>>,
}

impl Default for StoreState {
    fn default() -> Self {
        Self::new()
    }
}

impl StoreState {
    /// A state with only the null WASI context.
    pub fn new() -> Self {
        StoreState {
            slots: vec![ModuleSlot::null()],
            current: 0,
            memory: MemoryStats::default(),
            pending_growth: None,
            extensions: HashMap::new(),
            call: CallState::default(),
            modules: HashMap::new(),
        }
    }

    /// The call parameters of the current top-level call (defaults outside calls).
    pub fn call_parameters(&self) -> &CallParameters {
        &self.call.call_parameters
    }

    /// The current call's state.
    pub fn call_state(&self) -> &CallState {
        &self.call
    }

    /// The slot at `index` (the null slot for an unknown index).
    pub fn slot(&self, index: WasiIndex) -> &ModuleSlot {
        self.slots.get(index).unwrap_or(&self.slots[0])
    }

    /// The call stack as `module.function` strings, outermost first.
    pub fn stack_names(&self) -> Vec<String> {
        self.call
            .stack
            .iter()
            .map(|f| format!("{}.{}", self.slot(f.module).name, f.function))
            .collect()
    }

    /// The function `index` is running: its innermost frame.
    fn running_function(&self, index: WasiIndex) -> Option<String> {
        self.call
            .stack
            .iter()
            .rev()
            .find(|f| f.module == index)
            .map(|f| f.function.to_string())
    }

    /// Records that the call deadline passed while the current module was running (first
    /// incident wins).
    pub(crate) fn record_timeout(&mut self) {
        if self.call.incident.is_some() {
            return;
        }
        // The innermost frame is the module running wasm (host functions run on behalf of the
        // current module, whose frame is on top).
        let (module, function) = match self.call.stack.last() {
            Some(f) => (self.slot(f.module).name.clone(), f.function.to_string()),
            None => (self.current_slot().name.clone(), String::new()),
        };
        self.call.incident = Some(Incident::Timeout {
            module: module.to_string(),
            function,
        });
    }

    /// Records a refused re-entrant call (first incident wins).
    pub(crate) fn record_reentrancy(&mut self, module: &str, function: &str, stack: Vec<String>) {
        if self.call.incident.is_none() {
            self.call.incident = Some(Incident::Reentrancy {
                module: module.to_string(),
                function: function.to_string(),
                stack,
            });
        }
    }

    /// Adds a module's slot and returns its index.
    pub fn add_slot(&mut self, slot: ModuleSlot) -> WasiIndex {
        self.slots.push(slot);
        self.slots.len() - 1
    }

    /// Replaces a slot by a null one (module unloaded, or failed to load): closes its fds and
    /// dirs, and gives its linear memory back to the total memory limit.
    pub fn drop_slot(&mut self, index: WasiIndex) {
        if index != 0 && index < self.slots.len() {
            let dropped = std::mem::replace(&mut self.slots[index], ModuleSlot::null());
            self.memory.total_used = self.memory.total_used.saturating_sub(dropped.mem_used);
        }
    }

    /// Stores a value of type `T` for host functions (for example the current call
    /// parameters); returns the previous one.
    pub fn set_extension<T: Any + Send>(&mut self, value: T) -> Option<T> {
        self.extensions
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// The stored value of type `T`.
    pub fn extension<T: Any + Send>(&self) -> Option<&T> {
        self.extensions
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
    }

    /// The stored value of type `T`, mutably.
    pub fn extension_mut<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.extensions
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut::<T>())
    }

    /// Memory accounting.
    pub fn memory_stats(&self) -> MemoryStats {
        self.memory
    }

    /// Sets the limit on the total linear memory of all modules.
    pub fn set_total_memory_limit(&mut self, limit: Option<u64>) {
        self.memory.total_limit = limit;
    }

    /// Resets the refused-growth counter.
    pub fn clear_allocation_rejects(&mut self) {
        self.memory.allocation_rejects = 0;
    }

    /// Registers a module's ABI handles in its slot.
    pub fn set_abi(&mut self, index: WasiIndex, abi: GuestAbi) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.abi = Some(Arc::new(abi));
        }
    }

    /// The current module's slot (index 0, the null slot, when none is current).
    pub fn current_slot(&self) -> &ModuleSlot {
        self.slots.get(self.current).unwrap_or(&self.slots[0])
    }

    /// The WASI context of the current module (the WASI linker accessor).
    pub fn current_wasi(&mut self) -> &mut WasiP1Ctx {
        let idx = if self.current < self.slots.len() {
            self.current
        } else {
            0
        };
        &mut self.slots[idx].wasi
    }

    /// Makes `index` the current module and returns the previous one (restore it with
    /// another `enter` when the call returns; calls nest for module-to-module imports).
    pub fn enter(&mut self, index: WasiIndex) -> WasiIndex {
        std::mem::replace(&mut self.current, index)
    }

    /// The current module's WASI index.
    pub fn current(&self) -> WasiIndex {
        self.current
    }
}

/// Runs `f` with `index` as the current module, restoring the previous one afterwards.
pub fn with_module<S, R>(mut store: S, index: WasiIndex, f: impl FnOnce(&mut S) -> R) -> R
where
    S: AsContextMut<Data = StoreState>,
{
    let prev = store.as_context_mut().data_mut().enter(index);
    let r = f(&mut store);
    store.as_context_mut().data_mut().enter(prev);
    r
}

impl wasmtime::ResourceLimiter for StoreState {
    /// Linear memory growth of the current module (growth only happens while a module runs or
    /// is instantiated, and that module is current): refused, making `memory.grow` return -1
    /// (or instantiation fail), if it exceeds the module's limit or the store's total limit.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let index = if self.current < self.slots.len() {
            self.current
        } else {
            0
        };
        let delta = desired.saturating_sub(current) as u64;
        let slot = &self.slots[index];
        let over_module = slot.mem_limit.is_some_and(|l| desired as u64 > l);
        let over_total = self
            .memory
            .total_limit
            .is_some_and(|l| self.memory.total_used.saturating_add(delta) > l);
        if over_module || over_total {
            self.memory.allocation_rejects = self.memory.allocation_rejects.saturating_add(1);
            if self.call.refused_growth.is_none() {
                let (scope, limit) = if over_module {
                    (MemoryLimitScope::Module, slot.mem_limit.unwrap_or(0))
                } else {
                    (
                        MemoryLimitScope::Total,
                        self.memory.total_limit.unwrap_or(0),
                    )
                };
                self.call.refused_growth = Some(MemoryRefusal {
                    module: slot.name.to_string(),
                    function: self.running_function(index),
                    scope,
                    limit,
                    requested: desired as u64,
                });
            }
            log::debug!(
                "module `{}`: memory growth {current} -> {desired} refused ({})",
                slot.name,
                if over_module {
                    "module limit"
                } else {
                    "total limit"
                }
            );
            return Ok(false);
        }
        self.memory.total_used += delta;
        self.slots[index].mem_used = desired as u64;
        self.pending_growth = Some((index, delta));
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        if let Some((index, delta)) = self.pending_growth.take() {
            self.memory.total_used = self.memory.total_used.saturating_sub(delta);
            let slot = &mut self.slots[index];
            slot.mem_used = slot.mem_used.saturating_sub(delta);
        }
        log::debug!("memory growth failed: {error}");
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}
