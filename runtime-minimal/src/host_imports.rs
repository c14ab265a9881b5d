//! Host imports provided to every module.
//!
//! For now only the logger, `log_utf8_string(level, target, msg_ptr, msg_len)` (§5.2), in all
//! four host namespaces (`host`, `__marine_host_api_v1..v3`). It logs through the `log` crate
//! with the module name as target, honouring the module's logging mask.
//!
//! Any other import (`get_call_parameters`, mounted binaries, imports from other modules) is
//! left undefined, so a module needing one fails to load with a `Link` error naming the import
//! (`unknown import: `ns::name` has not been defined`). The next layer adds them.

use wasmtime::{Caller, Extern, Linker};

use crate::store::StoreState;

/// The host namespaces of all SDK generations (§5.1).
pub const HOST_NAMESPACES: [&str; 4] = [
    "host",
    "__marine_host_api_v1",
    "__marine_host_api_v2",
    "__marine_host_api_v3",
];

/// True for host-import namespaces.
pub fn is_host_namespace(ns: &str) -> bool {
    ns == "host" || ns.starts_with("__marine_host_api_v")
}

/// Maps the guest's level number to a `log::Level` (unknown → Trace, as the official host).
pub fn log_level(level: i32) -> log::Level {
    match level {
        1 => log::Level::Error,
        2 => log::Level::Warn,
        3 => log::Level::Info,
        4 => log::Level::Debug,
        _ => log::Level::Trace,
    }
}

fn log_utf8_string(
    mut caller: Caller<'_, StoreState>,
    level: i32,
    target: i32,
    msg_ptr: i32,
    msg_len: i32,
) {
    let mask = caller.data().current_slot().logging_mask;
    if target != 0 && target & mask == 0 {
        return;
    }
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        log::warn!("log_utf8_string: the calling module has no `memory` export");
        return;
    };
    let (start, len) = (msg_ptr as u32 as usize, msg_len as u32 as usize);
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let module = &state.current_slot().name;
    let Some(bytes) = start.checked_add(len).and_then(|end| data.get(start..end)) else {
        log::warn!("module `{module}`: log message of {len} bytes at {start:#x} is out of bounds");
        return;
    };
    match std::str::from_utf8(bytes) {
        Ok(msg) => log::log!(target: module, log_level(level), "{msg}"),
        Err(e) => log::warn!("module `{module}`: log message is not valid UTF-8: {e}"),
    }
}

/// Registers the host imports in `linker`.
pub fn add_host_imports(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    for ns in HOST_NAMESPACES {
        linker.func_wrap(ns, "log_utf8_string", log_utf8_string)?;
    }
    Ok(())
}
