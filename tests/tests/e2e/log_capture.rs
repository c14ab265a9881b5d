//! The process-wide `log` logger of the e2e tests: keeps every record. The runtime logs guest
//! messages with the module name as target, so tests running in parallel each read their own
//! module's lines by giving their modules unique names.

use std::sync::{Mutex, Once};

static RECORDS: Mutex<Vec<(String, log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

static CAPTURE: Capture = Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = (
            record.target().to_string(),
            record.level(),
            record.args().to_string(),
        );
        RECORDS.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once per process) with every level enabled.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("no other logger in the e2e binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Removes and returns the captured (level, message) records of `target`, in order.
pub fn take(target: &str) -> Vec<(log::Level, String)> {
    let mut all = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
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
