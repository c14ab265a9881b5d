//! Hostile guests against the runtime's bounds (issue 14): a sleep past the call timeout, a
//! module hoarding file descriptors, a mounted binary that hangs or leaves processes behind.
//! Each test checks the typed error, the bound, and that the service keeps serving.
//! Elapsed-time checks are correctness bounds (the wait was cut short), not performance
//! figures.

use std::path::Path;
use std::time::{Duration, Instant};

use marine_runtime::service::{MarineService, ServiceOptions, WasmLogFilter};
use marine_runtime::{CallOptions, CallParameters, IValue, MModuleConfig, Marine, MarineError};
use serde_json::json;

use crate::{call1, load, s};

fn with_timeout(timeout: Duration) -> CallOptions {
    CallOptions::default().timeout(timeout)
}

// ---- a guest sleeping past the call timeout ------------------------------------------------

#[test]
fn a_sleep_past_the_call_timeout_is_a_timeout_naming_the_module() {
    let mut m = load("misbehaving");
    let start = Instant::now();
    let err = m
        .call_with_options(
            "misbehaving",
            "sleep_ms",
            &[IValue::U64(60_000)],
            &with_timeout(Duration::from_secs(1)),
        )
        .unwrap_err();
    let elapsed = start.elapsed();
    eprintln!("a 60 s guest sleep under a 1 s call timeout was stopped after {elapsed:?}");
    match &err {
        MarineError::Timeout {
            module,
            function,
            timeout,
        } => {
            assert_eq!(
                (module.as_str(), function.as_str()),
                ("misbehaving", "sleep_ms")
            );
            assert_eq!(*timeout, Duration::from_secs(1));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("misbehaving"), "{err}");
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(20),
        "the sleep was not cut: {elapsed:?}"
    );

    // The next calls on the same module answer (the same sleep is stopped again); a sleep
    // within the timeout sleeps in full.
    assert_eq!(call1(&mut m, "misbehaving", "ok", vec![]), s("still fine"));
    let start = Instant::now();
    let err = m
        .call_with_options(
            "misbehaving",
            "sleep_ms",
            &[IValue::U64(u64::MAX / 1_000_000)],
            &with_timeout(Duration::from_millis(500)),
        )
        .unwrap_err();
    let elapsed = start.elapsed();
    eprintln!("a 584-year guest sleep under a 0.5 s call timeout was stopped after {elapsed:?}");
    assert!(matches!(err, MarineError::Timeout { .. }), "{err:?}");
    assert!(
        elapsed < Duration::from_secs(20),
        "the sleep was not cut: {elapsed:?}"
    );
    let start = Instant::now();
    let out = m
        .call_with_options(
            "misbehaving",
            "sleep_ms",
            &[IValue::U64(300)],
            &with_timeout(Duration::from_secs(10)),
        )
        .unwrap();
    assert_eq!(out, vec![IValue::U64(300)]);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

// ---- a guest hoarding file descriptors ------------------------------------------------------

fn hoarder(m: &mut Marine, name: &str, dir: &Path, max_open_files: Option<u32>) {
    let config = MModuleConfig {
        mapped_dirs: vec![("/data".to_string(), dir.to_path_buf())],
        max_open_files,
        ..MModuleConfig::default()
    };
    m.load_module_with_config(name, marine_e2e::example_wasm("misbehaving"), config)
        .unwrap();
}

/// `hoard_files` of `module`: (files opened, error text).
fn hoard(m: &mut Marine, module: &str, count: u32) -> (u32, String) {
    let out = call1(
        m,
        module,
        "hoard_files",
        vec![s("/data/file.txt"), IValue::U32(count)],
    );
    let IValue::String(text) = out else {
        panic!("{out:?}")
    };
    let (opened, error) = text.split_once(';').unwrap();
    (opened.parse().unwrap(), error.to_string())
}

#[test]
fn a_module_at_its_open_file_limit_gets_emfile_and_others_are_unaffected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.txt"), "x").unwrap();
    let mut m = Marine::new();
    hoarder(&mut m, "hoarder", dir.path(), Some(16));
    hoarder(&mut m, "neighbour", dir.path(), None);
    hoarder(
        &mut m,
        "default",
        dir.path(),
        MModuleConfig::default().max_open_files,
    );

    // 10,000 opens: the module gets 16 files, then EMFILE (WASI errno 33) in the guest.
    let (opened, error) = hoard(&mut m, "hoarder", 10_000);
    assert_eq!(opened, 16);
    assert!(error.contains("os error 33"), "{error}");
    // Still at its limit on the next call; the module itself keeps working.
    assert_eq!(hoard(&mut m, "hoarder", 1).0, 0);
    assert_eq!(call1(&mut m, "hoarder", "ok", vec![]), s("still fine"));

    // The host and the other modules can still open files.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("file.txt")).unwrap(),
        "x"
    );
    assert_eq!(hoard(&mut m, "neighbour", 200), (200, String::new()));
    assert_eq!(
        call1(&mut m, "neighbour", "release_files", vec![]),
        IValue::U32(200)
    );

    // The default limit.
    let (opened, error) = hoard(&mut m, "default", 10_000);
    assert_eq!(opened, marine_runtime::DEFAULT_MAX_OPEN_FILES, "{error}");

    // Closing gives the budget back; loading another module works.
    assert_eq!(
        call1(&mut m, "hoarder", "release_files", vec![]),
        IValue::U32(16)
    );
    assert_eq!(hoard(&mut m, "hoarder", 16), (16, String::new()));
    m.load_module("greeting", marine_e2e::example_wasm("greeting"))
        .unwrap();
    assert_eq!(
        call1(&mut m, "greeting", "greeting", vec![s("fd")]),
        s("Hi, fd")
    );
}

// ---- mounted binaries past the call's deadline, and what they leave behind ------------------

/// A service of `curl_adapter` whose `curl` is `/bin/sh`, so `curl_raw(["-c", script])` runs
/// a shell script.
fn shell_service(dir: &Path, call_timeout: Duration) -> MarineService {
    let modules = marine_e2e::build_examples();
    let text = format!(
        "modules_dir = {:?}\n[[module]]\nname = \"curl_adapter\"\n\
         [module.mounted_binaries]\ncurl = \"/bin/sh\"\n",
        modules.display().to_string()
    );
    let path = dir.join("Config.toml");
    std::fs::write(&path, text).unwrap();
    let config = marine_runtime::config::ServiceConfig::from_path(&path).unwrap();
    let options = ServiceOptions {
        call_timeout: Some(call_timeout),
        capture_output: Some(64 * 1024),
        inherit_stdio: false,
        wasm_log: WasmLogFilter::default(),
        ..ServiceOptions::default()
    };
    MarineService::with_options(config, options).unwrap()
}

fn run_script(service: &mut MarineService, script: &str) -> Result<serde_json::Value, MarineError> {
    service.call_with_json(
        "curl_adapter",
        "curl_raw",
        json!([["-c", script]]),
        CallParameters::default(),
    )
}

/// Waits (up to 10 s) until the process whose pid `file` holds is gone (or a zombie).
fn assert_gone(file: &Path) {
    let pid = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .trim()
        .to_string();
    let stat = format!("/proc/{pid}/stat");
    let start = Instant::now();
    loop {
        let alive = std::fs::read_to_string(&stat).is_ok_and(|text| {
            let state = text.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            !state.is_some_and(|st| st.starts_with('Z') || st.starts_with('X'))
        });
        if !alive {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "process {pid} ({}) outlived the call",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_hanging_mounted_binary_ends_at_the_call_deadline_and_keeps_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = shell_service(dir.path(), Duration::from_secs(1));
    let pid_file = dir.path().join("sid.pid");
    // Prints, starts a detached (setsid) child, then hangs far past the 1 s call timeout
    // (and short of the binary's own 60 s timeout).
    let script = format!(
        "echo before; echo oops >&2; \
         setsid sh -c 'echo $$ > {}; exec sleep 60' </dev/null >/dev/null 2>&1 & \
         sleep 60",
        pid_file.display()
    );
    let start = Instant::now();
    let err = run_script(&mut service, &script).unwrap_err();
    let elapsed = start.elapsed();
    eprintln!("a 60 s mounted binary under a 1 s call timeout was stopped after {elapsed:?}");
    match &err {
        MarineError::Timeout {
            module, function, ..
        } => assert_eq!(
            (module.as_str(), function.as_str()),
            ("curl_adapter", "curl_raw")
        ),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(20),
        "the binary was not cut: {elapsed:?}"
    );

    // What it printed is in the module's captured output.
    let output = service.take_module_output("curl_adapter").unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "before\n");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "oops\n");
    // Its detached child did not outlive the call.
    assert_gone(&pid_file);

    // The next call answers.
    let out = run_script(&mut service, "echo again").unwrap();
    assert_eq!(out["ret_code"], json!(0));
    assert_eq!(out["stdout"], json!(b"again\n".to_vec()));
}

#[test]
fn children_of_a_mounted_binary_do_not_outlive_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut service = shell_service(dir.path(), Duration::from_secs(30));
    let (bg, sid, holder) = (
        dir.path().join("bg.pid"),
        dir.path().join("sid.pid"),
        dir.path().join("holder.pid"),
    );
    // The shell exits at once, leaving: a background child in its process group, a child
    // detached with setsid and its output redirected, and a detached child still holding
    // stdout.
    let script = format!(
        "sleep 60 & echo $! > {bg}; \
         setsid sh -c 'echo $$ > {sid}; exec sleep 60' </dev/null >/dev/null 2>&1 & \
         setsid sh -c 'echo $$ > {holder}; exec sleep 60' & \
         sleep 0.3; echo done",
        bg = bg.display(),
        sid = sid.display(),
        holder = holder.display(),
    );
    let start = Instant::now();
    let out = run_script(&mut service, &script).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out["ret_code"], json!(0), "{out}");
    assert_eq!(out["stdout"], json!(b"done\n".to_vec()));
    for file in [&bg, &sid, &holder] {
        assert_gone(file);
    }
}
