//! `ServicePool` under load: many threads, mixed calls (some trapping, some timing out, some
//! over the memory limit), every answer checked against its caller's own request.

use std::sync::Arc;
use std::time::Duration;

use marine_runtime::config::ServiceConfig;
use marine_runtime::service::{ServiceOptions, ServicePool};
use marine_runtime::{CallOptions, CallParameters, MarineError};
use serde_json::json;

const THREADS: usize = 8;
const CALLS_PER_THREAD: usize = 10_000;
const CALL_TIMEOUT: Duration = Duration::from_millis(100);

/// What call number `k` of thread `t` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Greeting,
    Trap,
    Timeout,
    OverMemory,
}

fn kind(k: usize) -> Kind {
    if k % 2000 == 1999 {
        Kind::Timeout
    } else if k % 97 == 1 {
        Kind::Trap
    } else if k % 89 == 2 {
        Kind::OverMemory
    } else {
        Kind::Greeting
    }
}

fn pool(dir: &std::path::Path) -> ServicePool {
    let config = format!(
        "[[module]]\nname = \"misbehaving\"\nload_from = \"{}\"\nmax_heap_size = \"8 MiB\"\n\n\
         [[module]]\nname = \"greeting\"\nload_from = \"{}\"\n",
        marine_e2e::example_wasm("misbehaving").display(),
        marine_e2e::example_wasm("greeting").display(),
    );
    let path = dir.join("Config.toml");
    std::fs::write(&path, config).unwrap();
    let options = ServiceOptions {
        // No default timeout: only the spinning calls have one (below), so a greeting never
        // times out however loaded the machine is.
        call_timeout: None,
        inherit_stdio: false,
        ..ServiceOptions::default()
    };
    ServicePool::new(
        ServiceConfig::from_path(&path).unwrap(),
        options,
        4,
        Duration::from_secs(60),
    )
    .unwrap()
}

#[test]
fn eight_threads_of_mixed_calls_get_their_own_answers() {
    let dir = tempfile::tempdir().unwrap();
    let pool = Arc::new(pool(dir.path()));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut poisoning = 0u64;
                for k in 0..CALLS_PER_THREAD {
                    let cp = CallParameters {
                        service_id: format!("{t}/{k}"),
                        ..CallParameters::default()
                    };
                    match kind(k) {
                        Kind::Greeting => {
                            let name = format!("caller {t} call {k}");
                            let out = pool
                                .call_with_json("greeting", "greeting", json!([name]), cp)
                                .unwrap_or_else(|e| panic!("thread {t} call {k}: {e}"));
                            assert_eq!(out, json!(format!("Hi, {name}")), "thread {t} call {k}");
                        }
                        Kind::Trap => {
                            match pool.call_with_json("misbehaving", "unreachable_trap", json!([]), cp) {
                                Err(MarineError::Trap { module, function, .. }) => {
                                    assert_eq!((module.as_str(), function.as_str()), ("misbehaving", "unreachable_trap"));
                                }
                                other => panic!("thread {t} call {k}: expected a trap, got {other:?}"),
                            }
                            poisoning += 1;
                        }
                        Kind::Timeout => {
                            let options = CallOptions {
                                call_parameters: cp,
                                timeout: Some(CALL_TIMEOUT),
                            };
                            let spun = pool.with_service(|service| {
                                service.call_with_options("misbehaving", "spin", &[], &options)
                            });
                            match spun {
                                Err(MarineError::Timeout { module, function, timeout }) => {
                                    assert_eq!((module.as_str(), function.as_str()), ("misbehaving", "spin"));
                                    assert_eq!(timeout, CALL_TIMEOUT);
                                }
                                other => panic!("thread {t} call {k}: expected a timeout, got {other:?}"),
                            }
                            poisoning += 1;
                        }
                        Kind::OverMemory => {
                            match pool.call_with_json("misbehaving", "allocate_mib", json!([64]), cp) {
                                Err(MarineError::MemoryLimit { module, limit, .. }) => {
                                    assert_eq!(module, "misbehaving");
                                    assert!(limit > 8 << 20, "initial memory plus 8 MiB: {limit}");
                                }
                                other => panic!("thread {t} call {k}: expected a memory limit error, got {other:?}"),
                            }
                            poisoning += 1;
                        }
                    }
                }
                poisoning
            })
        })
        .collect();
    let poisoning: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();

    let stats = pool.stats();
    assert_eq!(
        stats.calls,
        (THREADS * CALLS_PER_THREAD) as u64,
        "no call lost"
    );
    assert_eq!(
        stats.replaced, poisoning,
        "every failed instance was replaced"
    );
    assert_eq!(stats.checkout_timeouts, 0);
    let expected_poisoning = (0..CALLS_PER_THREAD)
        .filter(|k| kind(*k) != Kind::Greeting)
        .count()
        * THREADS;
    assert_eq!(poisoning, expected_poisoning as u64);

    // After all that, the pool is whole and serves.
    let out = pool
        .call_with_json("misbehaving", "ok", json!([]), CallParameters::default())
        .unwrap();
    assert_eq!(out, json!("still fine"));
}

#[test]
fn a_checkout_waits_at_most_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[[module]]\nname = \"misbehaving\"\nload_from = \"{}\"\n",
        marine_e2e::example_wasm("misbehaving").display()
    );
    let path = dir.path().join("Config.toml");
    std::fs::write(&path, config).unwrap();
    let options = ServiceOptions {
        call_timeout: Some(Duration::from_secs(2)),
        inherit_stdio: false,
        ..ServiceOptions::default()
    };
    let pool = Arc::new(
        ServicePool::new(
            ServiceConfig::from_path(&path).unwrap(),
            options,
            1,
            Duration::from_millis(100),
        )
        .unwrap(),
    );
    // One caller holds the only instance (spinning until its 2 s call timeout).
    let busy = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            pool.call_with_json("misbehaving", "spin", json!([]), CallParameters::default())
        })
    };
    // Wait until the spinning call has the instance.
    while pool.stats().calls == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    match pool.call_with_json("misbehaving", "ok", json!([]), CallParameters::default()) {
        Err(MarineError::PoolBusy { size, waited }) => {
            assert_eq!((size, waited), (1, Duration::from_millis(100)));
        }
        other => panic!("expected the pool to be busy, got {other:?}"),
    }
    assert!(matches!(
        busy.join().unwrap(),
        Err(MarineError::Timeout { .. })
    ));
    assert_eq!(pool.stats().checkout_timeouts, 1);
    let out = pool
        .call_with_json("misbehaving", "ok", json!([]), CallParameters::default())
        .unwrap();
    assert_eq!(out, json!("still fine"));
}
