//! A mounted binary through `#[host_import]`, built by the 0.12.0 and 0.13.0 crates of this
//! workspace (`mounted_0_12`, `mounted_0_13`) in the namespace their macro chooses; 0.10.3
//! needs the namespace spelled out (`sdk_0_10/src/mounted.rs`). The host maps the name `echo`
//! to a binary in the service config.
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
