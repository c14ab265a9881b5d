//! Guards around a module's WASI preview1 imports, so a hostile guest can neither block the
//! host past its call's deadline nor take the host's file descriptors.
//!
//! In the engine's shared linker, four WASI functions are guarded versions ([`add_guarded`],
//! shadowing wasmtime-wasi's definitions): they find the calling module's `WasiGuard` (its
//! limit and open descriptors) in its store and call wasmtime-wasi's implementation for the
//! rest of the work:
//!
//! - `poll_oneoff` (what `std::thread::sleep` and `nanosleep` compile to): subscriptions that
//!   are all clocks are served here. The host sleeps in slices of at most [`SLEEP_SLICE`]
//!   until the earliest clock is due, checking the current call's deadline
//!   ([`crate::StoreState::call_deadline`]) between slices; when the deadline passes first,
//!   the call is interrupted exactly as by the epoch deadline: the timeout is attributed to
//!   this module and the top-level call fails with [`crate::MarineError::Timeout`]. A sleep
//!   that ends before the deadline sleeps its full time and returns normally. Relative and
//!   absolute clocks, realtime and monotonic, are supported (absolute times are read on the
//!   module's own WASI clocks, as `clock_time_get` reports them); other clock ids are
//!   `EINVAL`. A poll with any fd subscription is passed to wasmtime-wasi: the descriptors a
//!   module can have (regular files, directories, its null stdin, its stdout and stderr) are
//!   always ready, so such a poll returns at once. `nsubscriptions` must be in
//!   `1..=`[`MAX_POLL_SUBSCRIPTIONS`] (else `EINVAL`), and both arrays must lie in the
//!   module's memory (else `EFAULT`), checked before anything is read or allocated.
//! - `path_open`, `fd_close`, `fd_renumber`: the descriptors the module opened are counted
//!   (preopened directories and stdio are not). When `max_open_files` are open, `path_open`
//!   returns `EMFILE` to the guest without touching the host, so one module cannot exhaust
//!   the process's descriptors ([`DEFAULT_MAX_OPEN_FILES`] unless configured). The module sees
//!   an ordinary error (Rust's `std::fs::File::open` returns `Err`, "Too many open files");
//!   the host and the other modules are unaffected.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wasmtime::{AsContextMut, Caller, Extern, Linker, Memory};
use wasmtime_wasi::clocks::WasiClocksCtxView;
use wasmtime_wasi::p1::{wasi_snapshot_preview1 as p1, WasiP1Ctx};
use wasmtime_wasi::p2::bindings::clocks::{monotonic_clock, wall_clock};
use wasmtime_wasi::WasiView;

use crate::store::StoreState;

/// The WASI preview1 import namespace.
pub const WASI_NAMESPACE: &str = "wasi_snapshot_preview1";

/// Files (and directories) a module may have open at once through `path_open`, beyond its
/// preopened directories and stdio, unless configured otherwise
/// ([`crate::MModuleConfig::max_open_files`]). With the common soft limit of 1024
/// descriptors per process, seven modules at this limit still leave room for the host.
pub const DEFAULT_MAX_OPEN_FILES: u32 = 128;

/// Most subscriptions one `poll_oneoff` may pass (more is `EINVAL`).
pub const MAX_POLL_SUBSCRIPTIONS: u32 = 1024;

/// Longest sleep between two checks of the call's deadline in `poll_oneoff`.
pub const SLEEP_SLICE: Duration = Duration::from_millis(50);

/// WASI errno values used here (`wasi_snapshot_preview1` numbering).
mod errno {
    pub const SUCCESS: i32 = 0;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const MFILE: i32 = 33;
}

/// Byte sizes and offsets of the preview1 `subscription` and `event` structs.
mod layout {
    pub const SUBSCRIPTION_SIZE: u64 = 48;
    pub const SUB_USERDATA: usize = 0;
    pub const SUB_TAG: usize = 8;
    pub const SUB_CLOCK_ID: usize = 16;
    pub const SUB_CLOCK_TIMEOUT: usize = 24;
    pub const SUB_CLOCK_FLAGS: usize = 40;
    pub const EVENT_SIZE: u64 = 32;
    pub const EVENT_USERDATA: usize = 0;
    pub const EVENT_TYPE: usize = 10;
    /// `eventtype::clock`, also the subscription tag of a clock.
    pub const TAG_CLOCK: u8 = 0;
    pub const TAG_FD_READ: u8 = 1;
    pub const TAG_FD_WRITE: u8 = 2;
    pub const CLOCK_REALTIME: u32 = 0;
    pub const CLOCK_MONOTONIC: u32 = 1;
    pub const SUBCLOCK_ABSTIME: u16 = 1;
}

/// A WASI call of `module` was still blocked when the call's deadline passed. It traps the
/// module; the top-level call reports it as [`crate::MarineError::Timeout`].
#[derive(Debug, thiserror::Error)]
#[error("module `{module}`: the call deadline passed during the blocking WASI call `{function}`")]
pub struct DeadlineInHostCall {
    /// The module whose call was interrupted.
    pub module: String,
    /// The WASI function it was blocked in.
    pub function: &'static str,
}

/// The descriptors one module opened, and its limit.
#[derive(Debug)]
struct OpenFiles {
    fds: HashSet<u32>,
    limit: Option<u32>,
}

/// The guards of one module's WASI imports (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct WasiGuard {
    module: Arc<str>,
    open: Arc<Mutex<OpenFiles>>,
}

impl WasiGuard {
    /// Guards for `module`, allowing `max_open_files` descriptors opened with `path_open`
    /// (`None`: unlimited).
    pub(crate) fn new(module: &str, max_open_files: Option<u32>) -> Self {
        WasiGuard {
            module: Arc::from(module),
            open: Arc::new(Mutex::new(OpenFiles {
                fds: HashSet::new(),
                limit: max_open_files,
            })),
        }
    }

    fn open_files(&self) -> MutexGuard<'_, OpenFiles> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The guard of the module whose store `caller` is (`None`: a store the runtime did not
    /// set up, whose WASI calls are not limited).
    fn of(caller: &Caller<'_, StoreState>) -> Option<WasiGuard> {
        caller.data().extension::<WasiGuard>().cloned()
    }
}

/// Defines the guarded WASI functions in `linker`, shadowing wasmtime-wasi's definitions
/// of them. They serve every module: each finds its module's [`WasiGuard`] in the calling
/// store ([`StoreState::extension`]), so one pre-linked instance serves every service.
/// They run wasmtime-wasi's own implementation for what they do not serve themselves
/// ([`wasi_parts`]).
pub(crate) fn add_guarded(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap(
        WASI_NAMESPACE,
        "poll_oneoff",
        |mut caller: Caller<'_, StoreState>,
         subs: i32,
         events: i32,
         count: i32,
         nevents: i32|
         -> wasmtime::Result<i32> {
            let args = PollArgs {
                subs: subs as u32,
                events: events as u32,
                count: count as u32,
                nevents: nevents as u32,
            };
            let module = caller.data().name.clone();
            match poll_clocks(&mut caller, &module, args)? {
                Polled::Done(errno) => Ok(errno),
                Polled::Delegate => {
                    let (ctx, mut memory) = wasi_parts(&mut caller)?;
                    block_on(p1::poll_oneoff(
                        ctx,
                        &mut memory,
                        subs,
                        events,
                        count,
                        nevents,
                    ))
                }
            }
        },
    )?;
    linker.func_wrap(
        WASI_NAMESPACE,
        "path_open",
        |mut caller: Caller<'_, StoreState>,
         dirfd: i32,
         dirflags: i32,
         path: i32,
         path_len: i32,
         oflags: i32,
         rights: i64,
         inheriting: i64,
         fdflags: i32,
         fd_out: i32|
         -> wasmtime::Result<i32> {
            let guard = WasiGuard::of(&caller);
            if let Some(guard) = &guard {
                let open = guard.open_files();
                if let Some(limit) = open.limit {
                    if open.fds.len() >= limit as usize {
                        log::warn!(
                            "module `{}`: path_open refused with EMFILE: the module has \
                             {limit} files open, its limit (max_open_files)",
                            guard.module
                        );
                        return Ok(errno::MFILE);
                    }
                }
            }
            let result = {
                let (ctx, mut memory) = wasi_parts(&mut caller)?;
                block_on(p1::path_open(
                    ctx,
                    &mut memory,
                    dirfd,
                    dirflags,
                    path,
                    path_len,
                    oflags,
                    rights,
                    inheriting,
                    fdflags,
                    fd_out,
                ))?
            };
            if let (Some(guard), errno::SUCCESS) = (&guard, result) {
                // wasmtime-wasi has just written the new descriptor there: in bounds.
                if let Some(fd) = memory(&mut caller)
                    .and_then(|m| read_u32(m.data(&caller), u64::from(fd_out as u32)))
                {
                    guard.open_files().fds.insert(fd);
                }
            }
            Ok(result)
        },
    )?;
    linker.func_wrap(
        WASI_NAMESPACE,
        "fd_close",
        |mut caller: Caller<'_, StoreState>, fd: i32| -> wasmtime::Result<i32> {
            let result = {
                let (ctx, mut memory) = wasi_parts(&mut caller)?;
                block_on(p1::fd_close(ctx, &mut memory, fd))?
            };
            if let (Some(guard), errno::SUCCESS) = (WasiGuard::of(&caller), result) {
                guard.open_files().fds.remove(&(fd as u32));
            }
            Ok(result)
        },
    )?;
    linker.func_wrap(
        WASI_NAMESPACE,
        "fd_renumber",
        |mut caller: Caller<'_, StoreState>, from: i32, to: i32| -> wasmtime::Result<i32> {
            let result = {
                let (ctx, mut memory) = wasi_parts(&mut caller)?;
                block_on(p1::fd_renumber(ctx, &mut memory, from, to))?
            };
            match WasiGuard::of(&caller) {
                Some(guard) if result == errno::SUCCESS && from != to => {
                    // `to` was closed and `from` now lives under `to`.
                    let mut open = guard.open_files();
                    open.fds.remove(&(to as u32));
                    if open.fds.remove(&(from as u32)) {
                        open.fds.insert(to as u32);
                    }
                }
                _ => {}
            }
            Ok(result)
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// What wasmtime-wasi's implementation of a WASI preview1 function (one of the ABI-level
/// functions of [`p1`]) runs on for the calling module, prepared as wasmtime-wasi's own
/// linker entry does: the module's WASI context, with the store's host-call fuel, and its
/// `memory` export. Run the function's future with [`block_on`].
fn wasi_parts<'a>(
    caller: &'a mut Caller<'_, StoreState>,
) -> wasmtime::Result<(&'a mut WasiP1Ctx, wiggle::GuestMemory<'a>)> {
    let Some(memory) = memory(caller) else {
        wasmtime::bail!("missing required memory export");
    };
    let fuel = caller.as_context_mut().hostcall_fuel();
    let (data, state) = memory.data_and_store_mut(caller);
    let ctx = &mut state.wasi;
    p1::WasiSnapshotPreview1::set_hostcall_fuel(ctx, fuel);
    Ok((ctx, wiggle::GuestMemory::Unshared(data)))
}

/// Runs a wasmtime-wasi future to completion, as its synchronous linker entries do.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    wasmtime_wasi::runtime::in_tokio(future)
}

/// The arguments of a `poll_oneoff` call, as guest addresses.
#[derive(Clone, Copy, Debug)]
struct PollArgs {
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
}

/// What `poll_clocks` did.
enum Polled {
    /// Served here; the errno to return.
    Done(i32),
    /// Not only clocks: wasmtime-wasi serves it (it cannot block, see the module docs).
    Delegate,
}

/// One clock subscription.
struct ClockSub {
    userdata: u64,
    /// When it is due (`None`: beyond any representable instant).
    due: Option<Instant>,
}

fn memory(caller: &mut Caller<'_, StoreState>) -> Option<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Some(memory),
        _ => None,
    }
}

/// `len` bytes at `addr` of `data`, if they are all inside it.
fn range(data: &[u8], addr: u64, len: u64) -> Option<std::ops::Range<usize>> {
    let end = addr.checked_add(len)?;
    if end > data.len() as u64 {
        return None;
    }
    Some(usize::try_from(addr).ok()?..usize::try_from(end).ok()?)
}

fn read_u32(data: &[u8], addr: u64) -> Option<u32> {
    let bytes = data.get(range(data, addr, 4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn field<const N: usize>(sub: &[u8], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(bytes) = sub.get(offset..offset + N) {
        out.copy_from_slice(bytes);
    }
    out
}

/// The module's WASI clocks (what its `clock_time_get` reads).
fn wasi_clocks(state: &mut StoreState) -> WasiClocksCtxView<'_> {
    let view = state.wasi.ctx();
    WasiClocksCtxView {
        ctx: view.ctx.clocks(),
        table: view.table,
    }
}

/// Serves a `poll_oneoff` whose subscriptions are all clocks; see the module docs.
fn poll_clocks(
    caller: &mut Caller<'_, StoreState>,
    module: &str,
    args: PollArgs,
) -> wasmtime::Result<Polled> {
    if args.count == 0 || args.count > MAX_POLL_SUBSCRIPTIONS {
        return Ok(Polled::Done(errno::INVAL));
    }
    let Some(memory) = memory(caller) else {
        // wasmtime-wasi reports the missing memory export.
        return Ok(Polled::Delegate);
    };
    let count = u64::from(args.count);
    let start = Instant::now();
    let mut clocks = Vec::new();
    {
        let data = memory.data(&*caller);
        let subs_len = count * layout::SUBSCRIPTION_SIZE;
        let (Some(subs), Some(_), Some(_)) = (
            range(data, u64::from(args.subs), subs_len),
            range(data, u64::from(args.events), count * layout::EVENT_SIZE),
            range(data, u64::from(args.nevents), 4),
        ) else {
            return Ok(Polled::Done(errno::FAULT));
        };
        let subs = &data[subs];
        if subs
            .chunks_exact(layout::SUBSCRIPTION_SIZE as usize)
            .any(|sub| {
                matches!(
                    sub[layout::SUB_TAG],
                    layout::TAG_FD_READ | layout::TAG_FD_WRITE
                )
            })
        {
            return Ok(Polled::Delegate);
        }
        // Bounded by MAX_POLL_SUBSCRIPTIONS and by the memory the subscriptions occupy.
        clocks.reserve_exact(args.count as usize);
        for sub in subs.chunks_exact(layout::SUBSCRIPTION_SIZE as usize) {
            if sub[layout::SUB_TAG] != layout::TAG_CLOCK {
                return Ok(Polled::Done(errno::INVAL));
            }
            let id = u32::from_le_bytes(field(sub, layout::SUB_CLOCK_ID));
            let timeout = u64::from_le_bytes(field(sub, layout::SUB_CLOCK_TIMEOUT));
            let flags = u16::from_le_bytes(field(sub, layout::SUB_CLOCK_FLAGS));
            let absolute = flags & layout::SUBCLOCK_ABSTIME != 0;
            if id != layout::CLOCK_REALTIME && id != layout::CLOCK_MONOTONIC {
                return Ok(Polled::Done(errno::INVAL));
            }
            clocks.push((
                u64::from_le_bytes(field(sub, layout::SUB_USERDATA)),
                id,
                timeout,
                absolute,
            ));
        }
    }

    // When each clock is due, on the host's monotonic clock.
    let mut subs = Vec::with_capacity(clocks.len());
    for (userdata, id, timeout, absolute) in clocks {
        let wait = if !absolute {
            timeout
        } else if id == layout::CLOCK_MONOTONIC {
            let now = monotonic_clock::Host::now(&mut wasi_clocks(caller.data_mut()))?;
            timeout.saturating_sub(now)
        } else {
            let now = wall_clock::Host::now(&mut wasi_clocks(caller.data_mut()))?;
            let now = now
                .seconds
                .saturating_mul(1_000_000_000)
                .saturating_add(u64::from(now.nanoseconds));
            timeout.saturating_sub(now)
        };
        subs.push(ClockSub {
            userdata,
            due: start.checked_add(Duration::from_nanos(wait)),
        });
    }
    let first_due = subs.iter().filter_map(|s| s.due).min();

    // Sleep in slices until the first clock is due, or fail at the call's deadline.
    let now = loop {
        let now = Instant::now();
        if first_due.is_some_and(|due| now >= due) {
            break now;
        }
        let deadline = caller.data().call_deadline();
        if deadline.is_some_and(|deadline| now >= deadline) {
            caller.data().record_timeout();
            return Err(wasmtime::Error::new(DeadlineInHostCall {
                module: module.to_string(),
                function: "poll_oneoff",
            }));
        }
        let nap = [first_due, deadline]
            .into_iter()
            .flatten()
            .map(|until| until.saturating_duration_since(now))
            .fold(SLEEP_SLICE, Duration::min);
        std::thread::sleep(nap);
    };

    // One clock event per due subscription, in subscription order.
    let data = memory.data_mut(&mut *caller);
    let mut written: u32 = 0;
    for sub in subs.iter().filter(|s| s.due.is_some_and(|due| due <= now)) {
        let at = u64::from(args.events) + u64::from(written) * layout::EVENT_SIZE;
        let Some(event) = range(data, at, layout::EVENT_SIZE).and_then(|r| data.get_mut(r)) else {
            return Ok(Polled::Done(errno::FAULT));
        };
        event.fill(0);
        event[layout::EVENT_USERDATA..layout::EVENT_USERDATA + 8]
            .copy_from_slice(&sub.userdata.to_le_bytes());
        // error (offset 8) stays 0: success; fd_readwrite stays zero for a clock.
        event[layout::EVENT_TYPE] = layout::TAG_CLOCK;
        written += 1;
    }
    let Some(out) = range(data, u64::from(args.nevents), 4).and_then(|r| data.get_mut(r)) else {
        return Ok(Polled::Done(errno::FAULT));
    };
    out.copy_from_slice(&written.to_le_bytes());
    Ok(Polled::Done(errno::SUCCESS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{append_custom_section, fn_section};
    use crate::{CallOptions, IValue, MModuleConfig, Marine, MarineError};

    #[test]
    fn ranges_are_checked_without_overflow() {
        let data = [0u8; 16];
        assert_eq!(range(&data, 0, 16), Some(0..16));
        assert_eq!(range(&data, 12, 4), Some(12..16));
        assert_eq!(range(&data, 13, 4), None);
        assert_eq!(range(&data, u64::MAX, 2), None);
        assert_eq!(read_u32(&[1, 0, 0, 0, 9], 0), Some(1));
        assert_eq!(read_u32(&[1, 0, 0], 0), None);
    }

    /// A guest calling `poll_oneoff` directly. `clocks(id, timeout, flags, n)` polls `n`
    /// clock subscriptions (userdata 100 + i; the last one waits `timeout`, the others
    /// twice as long) and returns `errno * 1000 + nevents`, `userdata of event 0` in the
    /// global read by `first_userdata`; `raw` passes its arguments as they are;
    /// `clock_and_stdout(timeout)` polls a clock and a write on fd 1; `now_ns` reads the
    /// monotonic clock.
    const GUEST: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "poll_oneoff"
        (func $poll (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "clock_time_get"
        (func $clock_time_get (param i32 i64 i32) (result i32)))
      (memory (export "memory") 1)
      (global $first (mut i64) (i64.const 0))
      (func (export "allocate") (param i32 i32) (result i32) (i32.const 0))
      (func (export "release_objects"))
      (func (export "get_result_ptr") (result i32) (i32.const 0))
      (func (export "get_result_size") (result i32) (i32.const 0))
      (func (export "set_result_ptr") (param i32))
      (func (export "set_result_size") (param i32))
      (func $sub (param $at i32) (param $userdata i64) (param $tag i32) (param $id i32)
                 (param $timeout i64) (param $flags i32)
        (i64.store (local.get $at) (local.get $userdata))
        (i32.store8 offset=8 (local.get $at) (local.get $tag))
        (i32.store offset=16 (local.get $at) (local.get $id))
        (i64.store offset=24 (local.get $at) (local.get $timeout))
        (i64.store offset=32 (local.get $at) (i64.const 0))
        (i32.store16 offset=40 (local.get $at) (local.get $flags)))
      (func $result (param $errno i32) (result i32)
        (global.set $first (i64.load (i32.const 8192)))
        (i32.add (i32.mul (local.get $errno) (i32.const 1000)) (i32.load (i32.const 16))))
      (func (export "clocks") (param $id i32) (param $timeout i64) (param $flags i32)
                              (param $n i32) (result i32)
        (local $i i32)
        (i32.store (i32.const 16) (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (call $sub
              (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 48)))
              (i64.extend_i32_u (i32.add (local.get $i) (i32.const 100)))
              (i32.const 0) (local.get $id)
              (if (result i64) (i32.eq (local.get $i) (i32.sub (local.get $n) (i32.const 1)))
                (then (local.get $timeout))
                (else (i64.mul (local.get $timeout) (i64.const 2))))
              (local.get $flags))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (call $result
          (call $poll (i32.const 1024) (i32.const 8192) (local.get $n) (i32.const 16))))
      (func (export "raw") (param i32 i32 i32 i32) (result i32)
        (call $poll (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func (export "clock_and_stdout") (param $timeout i64) (result i32)
        (i32.store (i32.const 16) (i32.const 0))
        (call $sub (i32.const 1024) (i64.const 1) (i32.const 0) (i32.const 1)
                   (local.get $timeout) (i32.const 0))
        (call $sub (i32.const 1072) (i64.const 2) (i32.const 2) (i32.const 1)
                   (i64.const 0) (i32.const 0))
        (call $result (call $poll (i32.const 1024) (i32.const 8192) (i32.const 2) (i32.const 16))))
      (func (export "first_userdata") (result i64) (global.get $first))
      (func (export "now_ns") (result i64)
        (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 32)))
        (i64.load (i32.const 32))))
    "#;

    fn guest() -> Vec<u8> {
        let mut wasm = wat::parse_str(GUEST).unwrap();
        let arg = |name: &str, t: &str| format!(r#"{{"name":"{name}","ty":{{"{t}":"ByValue"}}}}"#);
        let i32s = |names: &[&str]| {
            let list: Vec<String> = names.iter().map(|n| arg(n, "I32")).collect();
            format!("[{}]", list.join(","))
        };
        let sections = [
            fn_section(
                "clocks",
                &format!(
                    "[{},{},{},{}]",
                    arg("id", "I32"),
                    arg("timeout", "I64"),
                    arg("flags", "I32"),
                    arg("n", "I32")
                ),
                r#"[{"I32":"ByValue"}]"#,
            ),
            fn_section(
                "raw",
                &i32s(&["subs", "events", "n", "nevents"]),
                r#"[{"I32":"ByValue"}]"#,
            ),
            fn_section(
                "clock_and_stdout",
                &format!("[{}]", arg("timeout", "I64")),
                r#"[{"I32":"ByValue"}]"#,
            ),
            fn_section("first_userdata", "[]", r#"[{"I64":"ByValue"}]"#),
            fn_section("now_ns", "[]", r#"[{"I64":"ByValue"}]"#),
        ];
        for (name, data) in sections {
            append_custom_section(&mut wasm, &name, data.as_bytes());
        }
        wasm
    }

    fn marine() -> Marine {
        let mut m = Marine::new();
        let config = MModuleConfig {
            inherit_stdio: false,
            ..MModuleConfig::default()
        };
        m.load_module_with_config("poller", guest(), config)
            .unwrap();
        m
    }

    const MS: i64 = 1_000_000;

    fn clocks(
        m: &mut Marine,
        id: i32,
        timeout_ns: i64,
        flags: i32,
        n: i32,
        timeout: Option<Duration>,
    ) -> Result<i32, MarineError> {
        let args = [
            IValue::S32(id),
            IValue::S64(timeout_ns),
            IValue::S32(flags),
            IValue::S32(n),
        ];
        let options = CallOptions {
            timeout,
            ..CallOptions::default()
        };
        match m
            .call_with_options("poller", "clocks", &args, &options)?
            .as_slice()
        {
            [IValue::S32(v)] => Ok(*v),
            other => panic!("{other:?}"),
        }
    }

    fn scalar(m: &mut Marine, f: &str, args: &[IValue]) -> i64 {
        match m.call_with_ivalues("poller", f, args).unwrap().as_slice() {
            [IValue::S32(v)] => i64::from(*v),
            [IValue::S64(v)] => *v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sleeps_shorter_than_the_deadline_sleep_their_full_time() {
        let mut m = marine();
        for id in [0, 1] {
            let start = Instant::now();
            let r = clocks(&mut m, id, 150 * MS, 0, 1, Some(Duration::from_secs(10)));
            assert_eq!(r.unwrap(), 1, "clock {id}: no error, one event");
            assert!(start.elapsed() >= Duration::from_millis(150));
            assert_eq!(scalar(&mut m, "first_userdata", &[]), 100);
        }
        // Without a timeout too; and of three clocks only the earliest is reported.
        let start = Instant::now();
        assert_eq!(clocks(&mut m, 1, 60 * MS, 0, 3, None).unwrap(), 1);
        assert!(start.elapsed() >= Duration::from_millis(60));
        assert_eq!(scalar(&mut m, "first_userdata", &[]), 102);
    }

    #[test]
    fn absolute_clocks_wait_until_their_time() {
        let mut m = marine();
        // Monotonic, on the module's own clock.
        let now = scalar(&mut m, "now_ns", &[]);
        let start = Instant::now();
        let r = clocks(
            &mut m,
            1,
            now + 100 * MS,
            1,
            1,
            Some(Duration::from_secs(10)),
        );
        assert_eq!(r.unwrap(), 1);
        assert!(
            start.elapsed() >= Duration::from_millis(80),
            "{:?}",
            start.elapsed()
        );
        // Realtime, in the past: at once.
        let start = Instant::now();
        assert_eq!(clocks(&mut m, 0, 1, 1, 1, None).unwrap(), 1);
        assert!(start.elapsed() < Duration::from_secs(5));
        // Realtime, 100 ms from now.
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        let start = Instant::now();
        assert_eq!(clocks(&mut m, 0, wall + 100 * MS, 1, 1, None).unwrap(), 1);
        assert!(start.elapsed() >= Duration::from_millis(80));
    }

    #[test]
    fn a_sleep_past_the_deadline_is_a_timeout_of_the_module() {
        let mut m = marine();
        // u64::MAX nanoseconds (the guest's i64 -1): practically forever.
        for (id, flags) in [(0, 0), (1, 0), (1, 1)] {
            let start = Instant::now();
            let err =
                clocks(&mut m, id, -1, flags, 1, Some(Duration::from_millis(200))).unwrap_err();
            let elapsed = start.elapsed();
            match &err {
                MarineError::Timeout {
                    module,
                    function,
                    timeout,
                } => {
                    assert_eq!((module.as_str(), function.as_str()), ("poller", "clocks"));
                    assert_eq!(*timeout, Duration::from_millis(200));
                }
                other => panic!("expected a timeout, got {other:?}"),
            }
            assert!(elapsed >= Duration::from_millis(200));
            // A correctness bound (the sleep was cut), not a performance figure.
            assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
        }
        // The module answers the next call.
        assert_eq!(
            clocks(&mut m, 1, 0, 0, 1, Some(Duration::from_secs(10))).unwrap(),
            1
        );
    }

    #[test]
    fn bad_polls_get_errnos_not_host_panics() {
        let mut m = marine();
        let raw = |m: &mut Marine, subs: i32, events: i32, n: i32, nevents: i32| {
            let args = [subs, events, n, nevents].map(IValue::S32);
            scalar(m, "raw", &args)
        };
        assert_eq!(raw(&mut m, 1024, 8192, 0, 16), i64::from(errno::INVAL));
        let too_many = MAX_POLL_SUBSCRIPTIONS as i32 + 1;
        assert_eq!(
            raw(&mut m, 1024, 8192, too_many, 16),
            i64::from(errno::INVAL)
        );
        // Past the end of the 64 KiB memory, and a count whose byte size overflows u32.
        assert_eq!(raw(&mut m, 65_530, 8192, 1, 16), i64::from(errno::FAULT));
        assert_eq!(raw(&mut m, 1024, 65_530, 1, 16), i64::from(errno::FAULT));
        assert_eq!(raw(&mut m, 1024, 8192, 1, 65_534), i64::from(errno::FAULT));
        assert_eq!(raw(&mut m, -1, 8192, 1000, 16), i64::from(errno::FAULT));
        // An unknown clock id.
        assert_eq!(
            clocks(&mut m, 7, MS, 0, 1, None).unwrap(),
            errno::INVAL * 1000
        );
    }

    #[test]
    fn fd_subscriptions_are_ready_at_once() {
        let mut m = marine();
        let start = Instant::now();
        // A 60 s clock next to a write on stdout: stdout is ready, the poll returns.
        let r = scalar(&mut m, "clock_and_stdout", &[IValue::S64(60_000 * MS)]);
        assert_eq!(r, 1, "one event (the fd), no error");
        assert_eq!(scalar(&mut m, "first_userdata", &[]), 2);
        assert!(start.elapsed() < Duration::from_secs(20));
    }

    /// A guest opening `f.txt` in its first preopened dir, closing and renumbering fds.
    const FILES_GUEST: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_renumber"
        (func $renumber (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 64) "f.txt")
      (func (export "allocate") (param i32 i32) (result i32) (i32.const 0))
      (func (export "release_objects"))
      (func (export "get_result_ptr") (result i32) (i32.const 0))
      (func (export "get_result_size") (result i32) (i32.const 0))
      (func (export "set_result_ptr") (param i32))
      (func (export "set_result_size") (param i32))
      ;; The new fd, or minus the errno.
      (func (export "open") (result i32)
        (local $errno i32)
        (local.set $errno
          (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 5) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
        (if (result i32) (local.get $errno)
          (then (i32.sub (i32.const 0) (local.get $errno)))
          (else (i32.load (i32.const 32)))))
      (func (export "close") (param i32) (result i32) (call $close (local.get 0)))
      (func (export "renumber") (param i32 i32) (result i32)
        (call $renumber (local.get 0) (local.get 1))))
    "#;

    #[test]
    fn open_files_are_counted_through_close_and_renumber() {
        let mut wasm = wat::parse_str(FILES_GUEST).unwrap();
        let i32_arg = |n: &str| format!(r#"{{"name":"{n}","ty":{{"I32":"ByValue"}}}}"#);
        let out = r#"[{"I32":"ByValue"}]"#;
        for (name, args) in [
            ("open", "[]".to_string()),
            ("close", format!("[{}]", i32_arg("fd"))),
            (
                "renumber",
                format!("[{},{}]", i32_arg("from"), i32_arg("to")),
            ),
        ] {
            let (section, data) = fn_section(name, &args, out);
            append_custom_section(&mut wasm, &section, data.as_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), "x").unwrap();
        let mut m = Marine::new();
        let config = MModuleConfig {
            mapped_dirs: vec![("/d".to_string(), dir.path().to_path_buf())],
            max_open_files: Some(2),
            ..MModuleConfig::default()
        };
        m.load_module_with_config("files", wasm, config).unwrap();
        let mut call = |f: &str, args: &[i32]| -> i32 {
            let args: Vec<IValue> = args.iter().map(|&a| IValue::S32(a)).collect();
            match m.call_with_ivalues("files", f, &args).unwrap().as_slice() {
                [IValue::S32(v)] => *v,
                other => panic!("{other:?}"),
            }
        };
        let emfile = -errno::MFILE;
        let a = call("open", &[]);
        let b = call("open", &[]);
        assert!(a > 3 && b > 3 && a != b, "{a} {b}");
        assert_eq!(call("open", &[]), emfile);
        // `b` is closed and `a` moves to its number: one file open.
        assert_eq!(call("renumber", &[a, b]), 0);
        let c = call("open", &[]);
        assert!(c > 3, "{c}");
        assert_eq!(call("open", &[]), emfile);
        // Failed closes and renumbers change nothing.
        assert_ne!(call("close", &[1000]), 0);
        assert_ne!(call("renumber", &[1000, b]), 0);
        assert_eq!(call("open", &[]), emfile);
        assert_eq!(call("close", &[b]), 0);
        assert_eq!(call("close", &[c]), 0);
        assert!(call("open", &[]) > 3);
        assert!(call("open", &[]) > 3);
        assert_eq!(call("open", &[]), emfile);
    }
}
