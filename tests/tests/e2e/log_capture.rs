//! The e2e binary's capturing logger. The runtime logs guest messages with the module name as
//! target, so tests running in parallel each read their own module's lines by giving their
//! modules unique names and watching those names.
//!
//! Only watched targets are kept. The logger runs at `Trace` for the whole process, and
//! wasmtime and cranelift log every compiled function at that level: keeping (or even
//! formatting) their records made this binary grow by gigabytes and run several times slower.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, Once, OnceLock};

/// A captured record: (target, level, message).
type Record = (String, log::Level, String);

struct Capture {
    watched: Mutex<BTreeSet<String>>,
    records: Mutex<Vec<Record>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        lock(&self.watched).contains(metadata.target())
    }

    fn log(&self, record: &log::Record) {
        // `log!` calls `log` without asking `enabled` first.
        if self.enabled(record.metadata()) {
            lock(&self.records).push((
                record.target().to_string(),
                record.level(),
                record.args().to_string(),
            ));
        }
    }

    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    static INSTALL: Once = Once::new();
    let capture = CAPTURE.get_or_init(|| Capture {
        watched: Mutex::new(BTreeSet::new()),
        records: Mutex::new(Vec::new()),
    });
    // Every caller waits until the logger is in place.
    INSTALL.call_once(|| {
        if log::set_logger(capture).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
    capture
}

/// Starts keeping the records of `target` (installing the logger on first use).
pub fn watch(target: &str) {
    lock(&capture().watched).insert(target.to_string());
}

/// Removes and returns the captured (level, message) records of `target`, in order.
pub fn take(target: &str) -> Vec<(log::Level, String)> {
    let mut all = lock(&capture().records);
    let mut mine = Vec::new();
    all.retain(|(t, level, msg)| {
        if t == target {
            mine.push((*level, msg.clone()));
            false
        } else {
            true
        }
    });
    mine
}
