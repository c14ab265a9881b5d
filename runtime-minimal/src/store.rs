//! The per-service store state.
//!
//! As in the official runtime, ONE `wasmtime::Store<StoreState>` holds every module instance of
//! a service (each with its own linear memory). WASI is linked once; its accessor picks the
//! WASI context of the *current* module, an index kept here and set around every call into a
//! module ([`StoreState::enter`]), so each module has its own envs, preopened dirs and fds.
//! Index 0 is a null context (no envs, no dirs, no stdio) used whenever no module is current.

use wasmtime::AsContextMut;

use crate::memory::GuestAbi;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;

/// Index of a module's WASI context in the store.
pub type WasiIndex = usize;

/// Per-module data kept in the store, selected by the current module index.
pub struct ModuleSlot {
    /// Module name (used as the log target of its logger import).
    pub name: String,
    /// The module's WASI context.
    pub wasi: WasiP1Ctx,
    /// Logger target mask (§5.2): a message with target t is logged if t == 0 or
    /// t & mask != 0.
    pub logging_mask: i32,
    /// The module's ABI handles, registered right after instantiation (before `_initialize`),
    /// so host functions and import adapters can allocate in, and set results of, the module
    /// that is calling them.
    pub abi: Option<GuestAbi>,
}

impl ModuleSlot {
    fn null() -> Self {
        ModuleSlot {
            name: String::new(),
            wasi: WasiCtxBuilder::new().build_p1(),
            logging_mask: i32::MAX,
            abi: None,
        }
    }
}

/// Data of the service's store.
pub struct StoreState {
    slots: Vec<ModuleSlot>,
    current: WasiIndex,
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
        }
    }

    /// Adds a module's slot and returns its index.
    pub fn add_slot(&mut self, slot: ModuleSlot) -> WasiIndex {
        self.slots.push(slot);
        self.slots.len() - 1
    }

    /// Replaces a slot by a null one (module unloaded: closes its fds and dirs).
    pub fn drop_slot(&mut self, index: WasiIndex) {
        if index != 0 && index < self.slots.len() {
            self.slots[index] = ModuleSlot::null();
        }
    }

    /// Registers a module's ABI handles in its slot.
    pub fn set_abi(&mut self, index: WasiIndex, abi: GuestAbi) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.abi = Some(abi);
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
