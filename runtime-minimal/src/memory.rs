//! Access to one guest instance's memory and ABI exports.
//!
//! - [`GuestAbi`] holds the handles of the six ABI functions and `memory` of one instance
//!   (looked up once at load; cheap to clone, valid for the store that owns the instance).
//! - [`GuestMemoryMut`] is the small interface the lowering code ([`crate::lower`]) writes
//!   through: `allocate` + bounds-checked `write`. [`WasmGuest`] implements it for a wasmtime
//!   instance reached through any `AsContextMut` (a `Store`, a `StoreContextMut`, or the
//!   `Caller` of a host function), which is what lets the next layer lift from module A and
//!   lower into module B inside an import adapter.
//! - Lifting ([`marine_ast::lift`]) needs no guest calls and works on a plain `&[u8]` view obtained
//!   with [`GuestAbi::memory_view`].

use wasmtime::{AsContext, AsContextMut, Instance, Memory, TypedFunc};

use crate::errors::{format_wasmtime_error, AbiError};
use marine_ast::memory::checked_allocation;
pub use marine_ast::memory::GuestMemoryMut;
use marine_ast::protocol::Guest;

/// Handles of one instance's ABI exports (§1.1).
#[derive(Clone)]
pub struct GuestAbi {
    /// The exported `memory`.
    pub memory: Memory,
    /// `allocate(size_in_bytes, tag) -> ptr`.
    pub allocate: TypedFunc<(i32, i32), i32>,
    /// `release_objects()`.
    pub release_objects: TypedFunc<(), ()>,
    /// `get_result_ptr() -> ptr`.
    pub get_result_ptr: TypedFunc<(), i32>,
    /// `get_result_size() -> size`.
    pub get_result_size: TypedFunc<(), i32>,
    /// `set_result_ptr(ptr)`.
    pub set_result_ptr: TypedFunc<i32, ()>,
    /// `set_result_size(size)`.
    pub set_result_size: TypedFunc<i32, ()>,
}

impl std::fmt::Debug for GuestAbi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestAbi")
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

/// Why an ABI export could not be obtained: (export name, reason).
pub type MissingExport = (&'static str, String);

impl GuestAbi {
    /// Looks up `memory` and the six ABI functions with their exact signatures.
    pub fn from_instance(
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> Result<Self, MissingExport> {
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or(("memory", "no exported memory named `memory`".to_string()))?;
        macro_rules! func {
            ($name:literal) => {
                instance
                    .get_typed_func(&mut store, $name)
                    .map_err(|e| ($name, e.to_string()))?
            };
        }
        Ok(GuestAbi {
            memory,
            allocate: func!("allocate"),
            release_objects: func!("release_objects"),
            get_result_ptr: func!("get_result_ptr"),
            get_result_size: func!("get_result_size"),
            set_result_ptr: func!("set_result_ptr"),
            set_result_size: func!("set_result_size"),
        })
    }

    /// The current memory contents. Re-obtain after any call into the guest (memory may grow).
    pub fn memory_view<'a, T: 'static>(
        &self,
        store: impl Into<wasmtime::StoreContext<'a, T>>,
    ) -> &'a [u8] {
        self.memory.data(store)
    }

    /// Calls `get_result_ptr` and `get_result_size` (in this order), as u32.
    pub fn result_ptr_and_size(
        &self,
        mut store: impl AsContextMut,
    ) -> Result<(u32, u32), AbiError> {
        let ptr = self.result_ptr(&mut store)?;
        let size = self
            .get_result_size
            .call(&mut store, ())
            .map_err(|e| guest_call_error("get_result_size", &e))?;
        Ok((ptr, size as u32))
    }

    /// Calls `get_result_ptr`, as u32.
    pub fn result_ptr(&self, store: impl AsContextMut) -> Result<u32, AbiError> {
        self.get_result_ptr
            .call(store, ())
            .map(|p| p as u32)
            .map_err(|e| guest_call_error("get_result_ptr", &e))
    }

    /// Calls `set_result_ptr` and, if `size` is given, `set_result_size` first (the order of the
    /// official import adapter: size, then ptr).
    pub fn set_result(
        &self,
        mut store: impl AsContextMut,
        ptr: u32,
        size: Option<u32>,
    ) -> Result<(), AbiError> {
        if let Some(size) = size {
            self.set_result_size
                .call(&mut store, size as i32)
                .map_err(|e| guest_call_error("set_result_size", &e))?;
        }
        self.set_result_ptr
            .call(&mut store, ptr as i32)
            .map_err(|e| guest_call_error("set_result_ptr", &e))
    }

    /// Calls `release_objects`.
    pub fn release_objects(&self, store: impl AsContextMut) -> Result<(), AbiError> {
        self.release_objects
            .call(store, ())
            .map_err(|e| guest_call_error("release_objects", &e))
    }

    /// Memory size in bytes.
    pub fn memory_size(&self, store: impl AsContext) -> usize {
        self.memory.data_size(store)
    }
}

fn guest_call_error(function: &str, e: &wasmtime::Error) -> AbiError {
    AbiError::GuestCall {
        function: function.to_string(),
        message: format_wasmtime_error(e),
    }
}

/// A wasmtime guest instance seen through any store context.
pub struct WasmGuest<'a, S> {
    /// The store (or `Caller`, or `StoreContextMut`) owning the instance.
    pub store: S,
    /// The instance's ABI handles.
    pub abi: &'a GuestAbi,
}

impl<'a, S: AsContextMut> WasmGuest<'a, S> {
    /// Wraps a store context and an instance's ABI.
    pub fn new(store: S, abi: &'a GuestAbi) -> Self {
        WasmGuest { store, abi }
    }
}

impl<S: AsContextMut> GuestMemoryMut for WasmGuest<'_, S> {
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError> {
        let ptr = self
            .abi
            .allocate
            .call(&mut self.store, (size as i32, tag as i32))
            .map_err(|e| AbiError::Allocation {
                size: size as u64,
                tag,
                reason: format_wasmtime_error(&e),
            })? as u32;
        // Memory may have grown: re-read its size.
        let memory_size = self.abi.memory.data_size(&self.store) as u64;
        checked_allocation(ptr, size, tag, memory_size)
    }

    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        let data = self.abi.memory.data_mut(&mut self.store);
        let memory_size = data.len() as u64;
        let start = ptr as usize;
        match start
            .checked_add(bytes.len())
            .and_then(|end| data.get_mut(start..end))
        {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(AbiError::OutOfBounds {
                what: "write".into(),
                ptr: ptr as u64,
                len: bytes.len() as u64,
                memory_size,
            }),
        }
    }
}

impl<S: AsContextMut> Guest for WasmGuest<'_, S> {
    type View<'v>
        = &'v [u8]
    where
        Self: 'v;

    fn view(&self) -> &[u8] {
        self.abi.memory.data(self.store.as_context())
    }

    fn result_ptr(&mut self) -> Result<u32, AbiError> {
        self.abi.result_ptr(&mut self.store)
    }

    fn result_size(&mut self) -> Result<u32, AbiError> {
        self.abi
            .get_result_size
            .call(&mut self.store, ())
            .map(|size| size as u32)
            .map_err(|e| guest_call_error("get_result_size", &e))
    }

    fn set_result_ptr(&mut self, ptr: u32) -> Result<(), AbiError> {
        self.abi.set_result(&mut self.store, ptr, None)
    }

    fn set_result_size(&mut self, size: u32) -> Result<(), AbiError> {
        self.abi
            .set_result_size
            .call(&mut self.store, size as i32)
            .map_err(|e| guest_call_error("set_result_size", &e))
    }

    fn release_objects(&mut self) -> Result<(), AbiError> {
        self.abi.release_objects(&mut self.store)
    }
}

pub use marine_ast::abi::is_bytes_type;

/// A string or byte array in a module's memory (the core's, shared with Marine in
/// JavaScript): [`GuestBytes::view`] checks it against the memory.
pub use marine_ast::forward::GuestBytes;

/// Copies `bytes` (read from another module's memory) into a fresh buffer of the module `dst`,
/// allocated with its `allocate` and `tag`; returns (ptr, len). Empty input gives (0, 0)
/// without allocating. The two modules live in different stores, so the source stays
/// borrowed while the destination runs its allocator: one copy, no intermediate buffer.
pub fn copy_bytes_into<S: AsContextMut>(
    store: S,
    bytes: &[u8],
    dst: &GuestAbi,
    tag: u8,
) -> Result<(u32, u32), AbiError> {
    marine_ast::forward::copy_bytes_to(&mut WasmGuest::new(store, dst), bytes, tag)
}
