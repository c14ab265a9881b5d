//! A mounted binary through `#[host_import]` with marine-rs-sdk 0.10.3, which wants the import
//! namespace spelled out: `host`, as in that version's curl examples. The host maps the name
//! `echo` to a binary in the service config.
use marine_rs_sdk::marine;
use marine_rs_sdk::MountedBinaryResult;

pub fn main() {}

#[marine]
#[host_import]
#[link(wasm_import_module = "host")]
extern "C" {
    /// Runs the mounted binary `echo` with these arguments.
    pub fn echo(cmd: Vec<String>) -> MountedBinaryResult;
}

/// The raw result record.
#[marine]
pub fn run_echo(args: Vec<String>) -> MountedBinaryResult {
    echo(args)
}
