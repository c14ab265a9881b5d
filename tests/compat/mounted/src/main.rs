//! A mounted binary through `#[host_import]`, as in Marine's curl examples: the host maps the
//! import name `echo` to a binary in the service config.
use marine_rs_sdk::marine;
use marine_rs_sdk::MountedBinaryResult;

pub fn main() {}

#[marine]
#[host_import]
extern "C" {
    /// Runs the mounted binary `echo` with these arguments.
    pub fn echo(cmd: Vec<String>) -> MountedBinaryResult;
}

/// The raw result record.
#[marine]
pub fn run_echo(args: Vec<String>) -> MountedBinaryResult {
    echo(args)
}

/// stdout on success, "error: <stderr or host error>" otherwise (the SDK's own helpers).
#[marine]
pub fn echo_text(args: Vec<String>) -> String {
    match echo(args).into_std() {
        Some(Ok(out)) => out,
        Some(Err(err)) => format!("error: {}", err),
        None => String::from("error: not utf-8"),
    }
}
