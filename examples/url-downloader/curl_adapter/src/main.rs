//! The seed's curl adapter: the only module with the `curl` effect (a mounted binary).
use marine_rs_sdk::marine;
use marine_rs_sdk::MountedBinaryResult;

pub fn main() {}

/// Downloads `url` with the host's curl; on failure returns curl's error text.
#[marine]
pub fn download(url: String) -> String {
    let result = curl(vec![
        "--silent".into(),
        "--show-error".into(),
        "--fail".into(),
        url,
    ]);
    if result.is_success() {
        String::from_utf8_lossy(&result.stdout).into_owned()
    } else {
        format!(
            "curl failed with code {}: {}{}",
            result.ret_code,
            result.error,
            String::from_utf8_lossy(&result.stderr)
        )
    }
}

/// Runs curl with arbitrary arguments and returns the raw result record.
#[marine]
pub fn curl_raw(args: Vec<String>) -> MountedBinaryResult {
    curl(args)
}

#[marine]
#[host_import]
extern "C" {
    fn curl(cmd: Vec<String>) -> MountedBinaryResult;
}
