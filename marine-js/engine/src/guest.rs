//! One guest instance as the engine reaches it: through the platform's `WebAssembly` objects.
//!
//! [`JsInstance`] holds the instance's `memory` and its six ABI functions, looked up once when
//! the module is registered. [`JsGuest`] implements the core's [`Guest`] over it, so lifting,
//! lowering and the call protocol are the core's own code: the engine never sees the guest's
//! memory as a slice, it copies in and out exactly the ranges the core asks for.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect, Uint8Array, WebAssembly};
use marine_ast::memory::checked_allocation;
use marine_ast::{AbiError, Guest, GuestMemory, GuestMemoryMut, WasmType, WasmValue};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{js_error_text, EngineError};

#[wasm_bindgen]
extern "C" {
    /// A function called with wasm numbers as its arguments (any `Function`).
    type TypedFn;

    /// `Function.prototype.call` with no arguments, its result as a number (`NaN` for
    /// anything that is not one).
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_to_f64(this: &TypedFn, context: &JsValue) -> Result<f64, JsValue>;
    /// `Function.prototype.call` with one `i32` argument, its result as a number.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32_to_f64(this: &TypedFn, context: &JsValue, a: i32) -> Result<f64, JsValue>;
    /// `Function.prototype.call` with two `i32` arguments, its result as a number.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x2_to_f64(this: &TypedFn, context: &JsValue, a: i32, b: i32)
        -> Result<f64, JsValue>;
    /// `Function.prototype.call` with three `i32` arguments, its result as a number.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x3_to_f64(
        this: &TypedFn,
        context: &JsValue,
        a: i32,
        b: i32,
        c: i32,
    ) -> Result<f64, JsValue>;
    /// `Function.prototype.call` with four `i32` arguments, its result as a number.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x4_to_f64(
        this: &TypedFn,
        context: &JsValue,
        a: i32,
        b: i32,
        c: i32,
        d: i32,
    ) -> Result<f64, JsValue>;
    /// `Function.prototype.call` with no arguments, its result dropped in JavaScript (no
    /// handle on it crosses into the engine).
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_void(this: &TypedFn, context: &JsValue) -> Result<(), JsValue>;
    /// `Function.prototype.call` with one `i32` argument, its result dropped in JavaScript.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32_void(this: &TypedFn, context: &JsValue, a: i32) -> Result<(), JsValue>;
    /// `Function.prototype.call` with one `i32` argument (passed as a wasm number: no
    /// JavaScript value made for it).
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32(this: &TypedFn, context: &JsValue, a: i32) -> Result<JsValue, JsValue>;
    /// `Function.prototype.call` with two `i32` arguments.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x2(this: &TypedFn, context: &JsValue, a: i32, b: i32) -> Result<JsValue, JsValue>;
    /// `Function.prototype.call` with three `i32` arguments.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x3(
        this: &TypedFn,
        context: &JsValue,
        a: i32,
        b: i32,
        c: i32,
    ) -> Result<JsValue, JsValue>;
    /// `Function.prototype.call` with four `i32` arguments.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_i32x4(
        this: &TypedFn,
        context: &JsValue,
        a: i32,
        b: i32,
        c: i32,
        d: i32,
    ) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(inline_js = "
export function copy_out_of(view, ptr, dst) { dst.set(view.subarray(ptr, ptr + dst.length)); }
export function copy_into(view, ptr, src) { view.set(src, ptr); }
let ownMemory, ownView;
export function memory_holder(memory) {
  return { memory, view: new Uint8Array(memory.buffer) };
}
function viewOf(holder) {
  let view = holder.view;
  if (view.length === 0) view = holder.view = new Uint8Array(holder.memory.buffer);
  return view;
}
export function alloc_write(allocate, holder, own, src, len, tag) {
  const ptr = allocate(len, tag);
  if (typeof ptr !== 'number') return NaN;
  const at = ptr >>> 0;
  const view = viewOf(holder);
  if (at === 0 || at + len > view.length) return -1 - at;
  if (own !== ownMemory || ownView.length === 0) {
    ownMemory = own;
    ownView = new Uint8Array(own.buffer);
  }
  if (len <= 16) {
    for (let i = 0; i < len; i++) view[at + i] = ownView[src + i];
  } else {
    view.set(ownView.subarray(src, src + len), at);
  }
  return at;
}
export function call_slots(f, n, a, b, c, d, getPtr, getSize) {
  if (n === 0) f();
  else if (n === 1) f(a);
  else if (n === 2) f(a, b);
  else if (n === 3) f(a, b, c);
  else f(a, b, c, d);
  let ptr, size;
  try {
    ptr = getPtr();
    size = getSize();
  } catch {
    return -1;
  }
  if (typeof ptr !== 'number' || typeof size !== 'number') return -1;
  const len = size >>> 0;
  return len < 2097152 ? (ptr >>> 0) + len * 4294967296 : -1;
}
const encoder = new TextEncoder();
export function alloc_write_text(allocate, holder, text, tag) {
  const n = text.length;
  if (n >= 2097152) return -2;
  let ascii = n <= 64;
  for (let i = 0; ascii && i < n; i++) if (text.charCodeAt(i) > 127) ascii = false;
  let bytes;
  const len = ascii ? n : (bytes = encoder.encode(text)).length;
  if (len === 0) return 0;
  if (len >= 2097152) return -2;
  const ptr = allocate(len, tag);
  if (typeof ptr !== 'number') return NaN;
  const at = ptr >>> 0;
  const view = viewOf(holder);
  if (at === 0 || at + len > view.length) return -3 - at;
  if (ascii) {
    for (let i = 0; i < n; i++) view[at + i] = text.charCodeAt(i);
  } else {
    view.set(bytes, at);
  }
  return at + len * 4294967296;
}
const shortCodes = Array.from({ length: 33 }, (_, n) => new Array(n).fill(0));
const MAX_DECODED = 2146435072;
let decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
let decoded = 0;
export function decode_at(holder, ptr, len) {
  const view = viewOf(holder);
  if (ptr + len > view.length) return undefined;
  if (len <= 32) {
    const codes = shortCodes[len];
    let all = 0;
    for (let i = 0; i < len; i++) all |= codes[i] = view[ptr + i];
    if (all < 128) return String.fromCharCode.apply(null, codes);
  }
  decoded += len;
  if (decoded >= MAX_DECODED) {
    decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    decoded = len;
  }
  try {
    return decoder.decode(view.subarray(ptr, ptr + len));
  } catch {
    return undefined;
  }
}
")]
extern "C" {
    /// Calls a guest's `allocate(len, tag)`, then, when the block it returned is not null and
    /// lies inside the memory of `holder` ([`memory_holder`]), copies the `len` bytes at `src`
    /// of the engine's own memory `own` into it (the views of both memories are checked after
    /// the call, so a growth cannot leave a detached one). Short copies go byte by byte.
    /// Returns the block's address; `-1 - ptr` when the block was refused (nothing written),
    /// `NaN` when `allocate` returned no number. One call into JavaScript for what was three
    /// (the call, the memory's length, the copy).
    #[wasm_bindgen(catch)]
    fn alloc_write(
        allocate: &Function,
        holder: &JsValue,
        own: &JsValue,
        src: u32,
        len: u32,
        tag: u8,
    ) -> Result<f64, JsValue>;
    /// Writes the UTF-8 of `text` (a well-formed JavaScript string) into a fresh block of
    /// the guest's `allocate(len, tag)`, not through the engine's memory (short ASCII char
    /// by char, else through a `TextEncoder`). Returns `ptr + len * 2^32`; `0` for an empty
    /// text (nothing allocated); `-2` for a text of 2 MiB or more (nothing allocated: the
    /// caller copies it through its memory); `-3 - ptr` when the block was refused (nothing
    /// written); `NaN` when `allocate` returned no number.
    #[wasm_bindgen(catch)]
    fn alloc_write_text(
        allocate: &Function,
        holder: &JsValue,
        text: &js_sys::JsString,
        tag: u8,
    ) -> Result<f64, JsValue>;
    /// The `len` bytes at `ptr` of the memory of `holder` decoded as UTF-8 (a byte order mark kept, as
    /// Rust keeps it), straight from the guest's memory: `undefined` when they do not lie
    /// inside it or are not UTF-8 (the caller then lifts them for the error). Up to 32 bytes
    /// of ASCII are made a string from their char codes, faster than a `TextDecoder` then.
    fn decode_at(holder: &JsValue, ptr: u32, len: u32) -> Option<JsValue>;
    /// A holder of `memory` and a view of it (`{ memory, view }`), which the helpers above
    /// take for the memory: the view is made again once the memory grew (which detaches the
    /// old one), and goes with the holder.
    fn memory_holder(memory: &WebAssembly::Memory) -> JsValue;
    /// Calls `f` with its first `n` (at most four) of `a`, `b`, `c`, `d`, then `getPtr()`
    /// and `getSize()`: their results as `ptr + size * 2^32` (exact for a size below 2 MiB),
    /// or `-1` when either threw or did not return a number, or the size is 2 MiB or more
    /// (the caller then calls them itself). What `f` throws is thrown.
    #[wasm_bindgen(catch)]
    #[allow(clippy::too_many_arguments)]
    fn call_slots(
        f: &Function,
        n: u32,
        a: i32,
        b: i32,
        c: i32,
        d: i32,
        get_ptr: &Function,
        get_size: &Function,
    ) -> Result<f64, JsValue>;
    /// Copies the `dst.len()` bytes at `ptr` of `view` (a guest's memory, the range checked)
    /// into `dst`: one call into JavaScript, where a subarray, its length check and its
    /// handle's drop would be three more.
    fn copy_out_of(view: &Uint8Array, ptr: u32, dst: &mut [u8]);
    /// Copies `src` to `ptr` of `view` (a guest's memory, the range checked): one call into
    /// JavaScript, as [`copy_out_of`].
    #[wasm_bindgen(catch)]
    fn copy_into(view: &Uint8Array, ptr: u32, src: &[u8]) -> Result<(), JsValue>;
}

/// How a call of a guest function failed.
#[derive(Debug)]
pub enum CallError {
    /// It threw this.
    Thrown(JsValue),
    /// It returned something that is not a value of its declared wasm result (the text says
    /// what).
    Unexpected(String),
}

/// `args` in four `i32` slots (the unused ones 0) when they are at most four `i32`s, the
/// arguments that go to JavaScript as plain numbers.
fn small_i32_args(args: &[WasmValue]) -> Option<[i32; 4]> {
    let mut ints = [0i32; 4];
    let all_i32 = args.len() <= 4
        && args.iter().zip(&mut ints).all(|(v, slot)| match v {
            WasmValue::I32(v) => {
                *slot = *v;
                true
            }
            _ => false,
        });
    all_i32.then_some(ints)
}

/// Calls `f` with wasm arguments and returns its result as the wasm type of `results`' first
/// (`None` without one). Up to four `i32` arguments go directly (anything else through an
/// array of JavaScript values); with no result or an `i32` one, the result comes back as a
/// wasm number too (no handle on it crosses into the engine).
pub fn call_wasm(
    f: &Function,
    args: &[WasmValue],
    results: &[WasmType],
) -> Result<Option<WasmValue>, CallError> {
    let this = &JsValue::UNDEFINED;
    let small = small_i32_args(args);
    let all_i32 = small.is_some();
    let [a, b, c, d] = small.unwrap_or_default();
    let typed = f.unchecked_ref::<TypedFn>();
    let result = results.first().copied();
    if all_i32 && matches!(result, None | Some(WasmType::I32)) {
        let returned = match args.len() {
            0 => typed.call_to_f64(this),
            1 => typed.call_i32_to_f64(this, a),
            2 => typed.call_i32x2_to_f64(this, a, b),
            3 => typed.call_i32x3_to_f64(this, a, b, c),
            _ => typed.call_i32x4_to_f64(this, a, b, c, d),
        }
        .map_err(CallError::Thrown)?;
        return match result {
            None => Ok(None),
            // A function of an `i32` result returns a number, never `NaN`.
            Some(_) if returned.is_nan() => {
                Err(CallError::Unexpected("it did not return a number".into()))
            }
            Some(_) => Ok(Some(WasmValue::I32(returned as i32))),
        };
    }
    let returned = if all_i32 {
        match args.len() {
            0 => f.call0(this),
            1 => typed.call_i32(this, a),
            2 => typed.call_i32x2(this, a, b),
            3 => typed.call_i32x3(this, a, b, c),
            _ => typed.call_i32x4(this, a, b, c, d),
        }
    } else {
        let array = js_sys::Array::new();
        for v in args {
            array.push(&to_js(*v));
        }
        f.apply(this, &array)
    }
    .map_err(CallError::Thrown)?;
    match result {
        None => Ok(None),
        Some(ty) => from_js(ty, &returned).map(Some).ok_or_else(|| {
            CallError::Unexpected(format!("{} is not a {ty}", js_error_text(&returned)))
        }),
    }
}

/// [`call_wasm`] of an export that has no wasm result and takes up to four `i32`s, with
/// `get_result_ptr()` and `get_result_size()` called right after it in the same call into
/// JavaScript: kept in `instance` for the [`Guest`] reads that follow (until
/// [`JsInstance::forget_slots`]). Any other export, or slots that could not be fetched so,
/// goes through [`call_wasm`] and the reads call the guest.
pub fn call_with_slots(
    instance: &JsInstance,
    export: &Function,
    args: &[WasmValue],
    results: &[WasmType],
) -> Result<Option<WasmValue>, CallError> {
    let Some([a, b, c, d]) = small_i32_args(args).filter(|_| results.is_empty()) else {
        return call_wasm(export, args, results);
    };
    let slots = call_slots(
        export,
        args.len() as u32,
        a,
        b,
        c,
        d,
        &instance.get_result_ptr,
        &instance.get_result_size,
    )
    .map_err(CallError::Thrown)?;
    if slots >= 0.0 {
        let ptr = (slots % 4_294_967_296.0) as u32;
        let size = (slots / 4_294_967_296.0) as u32;
        instance.slots.set(Some((ptr, size)));
    }
    Ok(None)
}

/// The `memory` and ABI functions of one instantiated guest module.
#[derive(Clone, Debug)]
pub struct JsInstance {
    exports: Object,
    memory: WebAssembly::Memory,
    /// The memory as the JavaScript helpers take it, with their own view of it
    /// ([`memory_holder`]).
    holder: JsValue,
    /// A view of the memory's buffer, replaced when the memory grows (growing detaches the
    /// old buffer, whose views then have length 0).
    /// Its length is kept with it (a live buffer of a `WebAssembly.Memory` never changes
    /// length), so only the liveness check asks JavaScript.
    view: RefCell<Option<(Uint8Array, u32)>>,
    /// The [`STAMP`] at which `view` was last checked against the memory: while it is later
    /// than `ran_at` and [`ALL_STALE`], no code of this instance has run since, so its memory
    /// cannot have grown (only an instance's own code grows its memory).
    checked_at: Cell<u64>,
    /// The [`STAMP`] at which code of this instance last may have run.
    ran_at: Cell<u64>,
    /// `get_result_ptr()` and `get_result_size()` as fetched with the export call before them
    /// ([`call_with_slots`]), until the output is taken.
    slots: Cell<Option<(u32, u32)>>,
    /// Exported functions looked up so far, by name (shared without cloning their handles,
    /// which would be a call into JavaScript and a drop).
    functions: RefCell<BTreeMap<String, Rc<Function>>>,
    allocate: Function,
    release_objects: Function,
    get_result_ptr: Function,
    get_result_size: Function,
    set_result_ptr: Function,
    set_result_size: Function,
}

fn export(exports: &Object, module: &str, name: &str) -> Result<JsValue, EngineError> {
    Reflect::get(exports, &JsValue::from_str(name)).map_err(|e| EngineError::MissingExport {
        module: module.into(),
        export: name.into(),
        reason: js_error_text(&e),
    })
}

fn function(exports: &Object, module: &str, name: &str) -> Result<Function, EngineError> {
    export(exports, module, name)?
        .dyn_into::<Function>()
        .map_err(|_| EngineError::MissingExport {
            module: module.into(),
            export: name.into(),
            reason: "not an exported function".into(),
        })
}

impl JsInstance {
    /// Looks up `memory` and the six ABI functions in an instance's `exports`.
    pub fn new(module: &str, exports: JsValue) -> Result<Self, EngineError> {
        // An instance's `exports` has a null prototype: it is an object, not an `instanceof
        // Object`.
        if !exports.is_object() {
            return Err(EngineError::MissingExport {
                module: module.into(),
                export: "memory".into(),
                reason: "the exports are not an object".into(),
            });
        }
        let exports: Object = exports.unchecked_into();
        let memory = export(&exports, module, "memory")?
            .dyn_into::<WebAssembly::Memory>()
            .map_err(|_| EngineError::MissingExport {
                module: module.into(),
                export: "memory".into(),
                reason: "no exported memory named `memory`".into(),
            })?;
        Ok(JsInstance {
            allocate: function(&exports, module, "allocate")?,
            release_objects: function(&exports, module, "release_objects")?,
            get_result_ptr: function(&exports, module, "get_result_ptr")?,
            get_result_size: function(&exports, module, "get_result_size")?,
            set_result_ptr: function(&exports, module, "set_result_ptr")?,
            set_result_size: function(&exports, module, "set_result_size")?,
            holder: memory_holder(&memory),
            memory,
            view: RefCell::new(None),
            checked_at: Cell::new(0),
            ran_at: Cell::new(0),
            slots: Cell::new(None),
            functions: RefCell::new(BTreeMap::new()),
            exports,
        })
    }

    /// An exported function by name (looked up once).
    pub fn function(&self, module: &str, name: &str) -> Result<Rc<Function>, EngineError> {
        if let Some(f) = self.functions.borrow().get(name) {
            return Ok(f.clone());
        }
        let f = Rc::new(function(&self.exports, module, name)?);
        self.functions.borrow_mut().insert(name.into(), f.clone());
        Ok(f)
    }

    /// Runs `f` over the memory's current bytes and their length: the kept view while its
    /// buffer is live, else a new one. Checked (one `length` call) only when guest code may
    /// have run since the last check. The view is lent, not cloned (a clone and its drop are
    /// two calls into JavaScript); `f` must not call into a guest.
    fn with_bytes<T>(&self, f: impl FnOnce(&Uint8Array, u32) -> T) -> T {
        let stale_after = self.ran_at.get().max(ALL_STALE.with(Cell::get));
        {
            let view = self.view.borrow();
            if let Some((v, len)) = &*view {
                // A detached buffer's views have length 0 (a memory of no pages is looked
                // at again each time).
                if self.checked_at.get() > stale_after {
                    return f(v, *len);
                }
                if *len > 0 && v.length() > 0 {
                    self.checked_at.set(next_stamp());
                    return f(v, *len);
                }
            }
        }
        let fresh = Uint8Array::new(&self.memory.buffer());
        let len = fresh.length();
        self.checked_at.set(next_stamp());
        let result = f(&fresh, len);
        *self.view.borrow_mut() = Some((fresh, len));
        result
    }

    /// Forgets the result slots fetched with the last export call ([`call_with_slots`]).
    pub fn forget_slots(&self) {
        self.slots.set(None);
    }

    /// Marks this instance's memory view to be checked again: its code may have run (it
    /// called into the engine), or is about to run.
    pub fn may_run(&self) {
        self.ran_at.set(next_stamp());
    }

    /// Runs `call` (a call into this instance) with its memory view marked to be checked
    /// again during and after it.
    pub fn in_guest<T>(&self, call: impl FnOnce() -> T) -> T {
        self.may_run();
        let result = call();
        self.may_run();
        result
    }

    /// The memory size in bytes.
    pub fn memory_size(&self) -> u64 {
        self.with_bytes(|_, len| len as u64)
    }

    /// The `len` bytes at `ptr` as a view of this memory (valid until the guest runs again).
    /// The caller has checked the range.
    pub fn subarray(&self, ptr: u32, len: u32) -> Uint8Array {
        self.with_bytes(|m, _| m.subarray(ptr, ptr + len))
    }

    /// Copies the `dst.len()` bytes at `ptr` into `dst`. The caller has checked the range.
    pub fn read_into(&self, ptr: u32, dst: &mut [u8]) {
        self.with_bytes(|m, _| copy_out_of(m, ptr, dst));
    }

    /// A copy of the `len` bytes at `ptr`, as a new `Uint8Array` (one `slice`). The caller
    /// has checked the range.
    pub fn copy_out(&self, ptr: u32, len: u32) -> Uint8Array {
        self.with_bytes(|m, _| m.slice(ptr, ptr + len))
    }

    /// A string result's `len` bytes at `ptr` as a JavaScript string decoded straight from
    /// this memory (no copy into the engine): `None` when they are empty, past `budget`, out
    /// of bounds or not UTF-8, which the caller's lifting then reports (or, for empty ones,
    /// gives).
    pub fn decode_text(&self, ptr: u32, len: u32, budget: u64) -> Option<JsValue> {
        if len == 0 || len as u64 > budget {
            return None;
        }
        decode_at(&self.holder, ptr, len)
    }

    /// Copies `src` (a view of another memory, or any JavaScript bytes), of `len` bytes, to
    /// `ptr`, with one `Uint8Array.set`: the bytes do not pass through the engine's memory.
    pub fn set_at(&self, ptr: u32, src: &Uint8Array, len: u32) -> Result<(), AbiError> {
        self.with_bytes(|memory, memory_size| {
            if ptr as u64 + len as u64 > memory_size as u64 {
                return Err(AbiError::OutOfBounds {
                    what: "write".into(),
                    ptr: ptr as u64,
                    len: len as u64,
                    memory_size: memory_size as u64,
                });
            }
            memory.set(src, ptr);
            Ok(())
        })
    }
}

thread_local! {
    /// The engine's own memory (`wasm_bindgen::memory()`), fetched once.
    static OWN_MEMORY: JsValue = wasm_bindgen::memory();
    /// A counter giving each memory-view check and each possible run of guest code its own
    /// stamp, in order.
    static STAMP: Cell<u64> = const { Cell::new(1) };
    /// The stamp of the last time any guest's code may have run without the engine knowing
    /// which ([`guest_may_run`]): every view checked before it is checked again.
    static ALL_STALE: Cell<u64> = const { Cell::new(0) };
}

fn next_stamp() -> u64 {
    STAMP.with(|s| {
        let next = s.get() + 1;
        s.set(next);
        next
    })
}

/// Marks every kept memory view as to be checked again: guest code may run, or has run.
pub fn guest_may_run() {
    ALL_STALE.with(|a| a.set(next_stamp()));
}

/// A guest call that threw, as the core reports a failed ABI call.
fn guest_call_error(function: &str, thrown: &JsValue) -> AbiError {
    AbiError::GuestCall {
        function: function.into(),
        message: js_error_text(thrown),
    }
}

/// An `i32` a guest function returned, given as a JavaScript number (`NaN` when it returned
/// something else, as a function declared without a result does).
fn returned_i32(function: &str, value: f64) -> Result<u32, AbiError> {
    if value.is_nan() {
        return Err(AbiError::GuestCall {
            function: function.into(),
            message: "did not return a number".into(),
        });
    }
    Ok(value as i32 as u32)
}

/// The error of a guest's `allocate(size, tag)` that failed for `reason`.
fn allocation_error(size: u64, tag: u8) -> impl Fn(String) -> AbiError {
    move |reason| AbiError::Allocation { size, tag, reason }
}

/// The core's [`Guest`] over a [`JsInstance`].
pub struct JsGuest<'a>(pub &'a JsInstance);

/// A read view that copies out the ranges asked for (the instance's kept memory view, lent
/// for each read).
pub struct JsView<'a>(&'a JsInstance);

impl<'m> GuestMemory<'m> for JsView<'_> {
    fn size(&self) -> u64 {
        self.0.memory_size()
    }

    fn read(&self, ptr: u32, len: usize) -> Cow<'m, [u8]> {
        let mut bytes = vec![0; len];
        self.0.read_into(ptr, &mut bytes);
        Cow::Owned(bytes)
    }
}

impl GuestMemoryMut for JsGuest<'_> {
    fn allocate(&mut self, size: u32, tag: u8) -> Result<u32, AbiError> {
        let failed = allocation_error(size as u64, tag);
        let ptr = self
            .0
            .in_guest(|| {
                self.0
                    .allocate
                    .unchecked_ref::<TypedFn>()
                    .call_i32x2_to_f64(&JsValue::UNDEFINED, size as i32, tag as i32)
            })
            .map_err(|e| failed(js_error_text(&e)))?;
        let ptr = returned_i32("allocate", ptr).map_err(|e| failed(e.to_string()))?;
        checked_allocation(ptr, size, tag, self.0.memory_size())
    }

    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), AbiError> {
        self.0.with_bytes(|memory, memory_size| {
            let end = ptr as u64 + bytes.len() as u64;
            if end > memory_size as u64 {
                return Err(AbiError::OutOfBounds {
                    what: "write".into(),
                    ptr: ptr as u64,
                    len: bytes.len() as u64,
                    memory_size: memory_size as u64,
                });
            }
            copy_into(memory, ptr, bytes).map_err(|e| AbiError::OutOfBounds {
                what: format!("write ({})", js_error_text(&e)),
                ptr: ptr as u64,
                len: bytes.len() as u64,
                memory_size: memory_size as u64,
            })
        })
    }
}

impl Guest for JsGuest<'_> {
    type View<'v>
        = JsView<'v>
    where
        Self: 'v;

    fn view(&self) -> JsView<'_> {
        JsView(self.0)
    }

    fn result_ptr(&mut self) -> Result<u32, AbiError> {
        if let Some((ptr, _)) = self.0.slots.get() {
            return Ok(ptr);
        }
        self.abi_call_to_i32("get_result_ptr", &self.0.get_result_ptr)
    }

    fn result_size(&mut self) -> Result<u32, AbiError> {
        if let Some((_, size)) = self.0.slots.take() {
            return Ok(size);
        }
        self.abi_call_to_i32("get_result_size", &self.0.get_result_size)
    }

    fn set_result_ptr(&mut self, ptr: u32) -> Result<(), AbiError> {
        self.abi_call("set_result_ptr", &self.0.set_result_ptr, |f, this| {
            f.call_i32_void(this, ptr as i32)
        })
    }

    fn set_result_size(&mut self, size: u32) -> Result<(), AbiError> {
        self.abi_call("set_result_size", &self.0.set_result_size, |f, this| {
            f.call_i32_void(this, size as i32)
        })
    }

    fn release_objects(&mut self) -> Result<(), AbiError> {
        self.abi_call("release_objects", &self.0.release_objects, |f, this| {
            f.call_void(this)
        })
    }
}

impl JsGuest<'_> {
    /// A fresh block of `allocate(len, tag)` holding `bytes` (of the engine's memory): the
    /// core's `allocate` then `write`, with the same checks and errors, in one call into
    /// JavaScript. `(0, 0)` for no bytes; else `(ptr, len)`.
    pub fn allocate_write(&mut self, bytes: &[u8], tag: u8) -> Result<(u32, u32), AbiError> {
        if bytes.is_empty() {
            return Ok((0, 0));
        }
        let len = u32::try_from(bytes.len())
            .map_err(|_| allocation_error(bytes.len() as u64, tag)("more than 4 GiB".into()))?;
        let failed = allocation_error(len as u64, tag);
        let returned = self
            .0
            .in_guest(|| {
                OWN_MEMORY.with(|own| {
                    alloc_write(
                        &self.0.allocate,
                        &self.0.holder,
                        own,
                        bytes.as_ptr() as u32,
                        len,
                        tag,
                    )
                })
            })
            .map_err(|e| failed(js_error_text(&e)))?;
        if returned >= 0.0 {
            return Ok((returned as u32, len));
        }
        // Refused in JavaScript (`-1 - ptr`).
        self.write_refused(returned, -1.0, bytes, tag)
    }

    /// [`JsGuest::allocate_write`] of the UTF-8 of a JavaScript string (well-formed), written
    /// straight into the block (the engine never holds the bytes, unless the text is of 2 MiB
    /// or more, or the block is refused: then for the core's error).
    pub fn allocate_write_text(
        &mut self,
        text: &js_sys::JsString,
        tag: u8,
    ) -> Result<(u32, u32), AbiError> {
        let returned = self
            .0
            .in_guest(|| alloc_write_text(&self.0.allocate, &self.0.holder, text, tag))
            .map_err(|e| {
                allocation_error(String::from(text).len() as u64, tag)(js_error_text(&e))
            })?;
        if returned >= 0.0 {
            let ptr = (returned % 4_294_967_296.0) as u32;
            let len = (returned / 4_294_967_296.0) as u32;
            return Ok((ptr, len));
        }
        let bytes = String::from(text);
        if returned == -2.0 {
            return self.allocate_write(bytes.as_bytes(), tag);
        }
        // Refused in JavaScript (`-3 - ptr`).
        self.write_refused(returned, -3.0, bytes.as_bytes(), tag)
    }

    /// The end of [`JsGuest::allocate_write`] (and `_text`) when JavaScript wrote nothing:
    /// `returned` is not a number (`allocate` returned none), or `offset - ptr` for a block
    /// it refused. The core's checks give the error, as [`GuestMemoryMut::allocate`] and
    /// `write` give it for the same block.
    fn write_refused(
        &mut self,
        returned: f64,
        offset: f64,
        bytes: &[u8],
        tag: u8,
    ) -> Result<(u32, u32), AbiError> {
        let len = bytes.len() as u32;
        returned_i32("allocate", returned)
            .map_err(|e| allocation_error(len as u64, tag)(e.to_string()))?;
        let ptr = checked_allocation((offset - returned) as u32, len, tag, self.0.memory_size())?;
        self.write(ptr, bytes)?;
        Ok((ptr, len))
    }

    /// Calls the guest's ABI function `f` (`name` in errors) through `call`, given it as a
    /// [`TypedFn`] and the `this` to pass, with the memory view marked to be checked again.
    fn abi_call<T>(
        &self,
        name: &str,
        f: &Function,
        call: impl FnOnce(&TypedFn, &JsValue) -> Result<T, JsValue>,
    ) -> Result<T, AbiError> {
        self.0
            .in_guest(|| call(f.unchecked_ref::<TypedFn>(), &JsValue::UNDEFINED))
            .map_err(|e| guest_call_error(name, &e))
    }

    /// Calls the guest's ABI function `f` (`name` in errors) without arguments, for its
    /// `i32` result.
    fn abi_call_to_i32(&self, name: &str, f: &Function) -> Result<u32, AbiError> {
        let value = self.abi_call(name, f, |f, this| f.call_to_f64(this))?;
        returned_i32(name, value)
    }
}

/// A wasm value as JavaScript passes it: a number, or a `BigInt` for `i64`.
pub fn to_js(value: WasmValue) -> JsValue {
    match value {
        WasmValue::I32(v) => JsValue::from(v),
        WasmValue::I64(v) => JsValue::from(v),
        WasmValue::F32(bits) => JsValue::from(f32::from_bits(bits) as f64),
        WasmValue::F64(bits) => JsValue::from(f64::from_bits(bits)),
    }
}

/// A JavaScript value as the wasm value of type `ty`; `None` when it is not one.
pub fn from_js(ty: WasmType, value: &JsValue) -> Option<WasmValue> {
    Some(match ty {
        WasmType::I32 | WasmType::Other => WasmValue::I32(value.as_f64()? as i32),
        WasmType::I64 => WasmValue::I64(i64::try_from(value.clone()).ok()?),
        WasmType::F32 => WasmValue::F32((value.as_f64()? as f32).to_bits()),
        WasmType::F64 => WasmValue::F64(value.as_f64()?.to_bits()),
    })
}
