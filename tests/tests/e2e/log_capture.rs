//! Per-module access to the e2e binary's capturing logger ([`crate::logged`]). The runtime
//! logs guest messages with the module name as target, so tests running in parallel each read
//! their own module's lines by giving their modules unique names.

/// Installs the capturing logger (once per process).
pub fn install() {
    crate::logged();
}

/// Removes and returns the captured (level, message) records of `target`, in order.
pub fn take(target: &str) -> Vec<(log::Level, String)> {
    let mut all = crate::logged().lock().unwrap_or_else(|e| e.into_inner());
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
