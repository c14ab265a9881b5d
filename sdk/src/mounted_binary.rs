//! Results of mounted binaries (host commands) (§5.4).

use crate::marine;
use serde::{Deserialize, Serialize};

/// `ret_code` of a successful run.
pub const SUCCESS_CODE: i32 = 0;

/// The result of running a mounted binary, as the host returns it.
#[marine]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountedBinaryResult {
    /// Process exit code, or a host error code; [`SUCCESS_CODE`] on success.
    pub ret_code: i32,
    /// Description of the error when `ret_code` is not [`SUCCESS_CODE`].
    pub error: String,
    /// What the process wrote to stdout.
    pub stdout: Vec<u8>,
    /// What the process wrote to stderr.
    pub stderr: Vec<u8>,
}

/// [`MountedBinaryResult`] with UTF-8 stdout and stderr.
#[marine]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountedBinaryStringResult {
    /// Process exit code, or a host error code; [`SUCCESS_CODE`] on success.
    pub ret_code: i32,
    /// Description of the error when `ret_code` is not [`SUCCESS_CODE`].
    pub error: String,
    /// What the process wrote to stdout.
    pub stdout: String,
    /// What the process wrote to stderr.
    pub stderr: String,
}

impl MountedBinaryResult {
    /// A failed result with the given code and error.
    pub fn from_error(ret_code: i32, error: impl Into<String>) -> Self {
        Self {
            ret_code,
            error: error.into(),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// True when `ret_code` is [`SUCCESS_CODE`].
    pub fn is_success(&self) -> bool {
        self.ret_code == SUCCESS_CODE
    }

    /// `Some(Ok(stdout))` on success, `Some(Err(error and stderr))` otherwise; `None` when the
    /// relevant output is not UTF-8.
    pub fn into_std(self) -> Option<Result<String, String>> {
        if self.is_success() {
            String::from_utf8(self.stdout).ok().map(Ok)
        } else {
            let stderr = String::from_utf8(self.stderr).ok()?;
            Some(Err(format!("error: {}, stderr: {}", self.error, stderr)))
        }
    }

    /// As [`into_std`](Self::into_std), by reference.
    pub fn as_std(&self) -> Option<Result<String, String>> {
        self.clone().into_std()
    }

    /// The same result with UTF-8 outputs, or `None` if stdout or stderr is not UTF-8.
    pub fn stringify(&self) -> Option<MountedBinaryStringResult> {
        Some(MountedBinaryStringResult {
            ret_code: self.ret_code,
            error: self.error.clone(),
            stdout: String::from_utf8(self.stdout.clone()).ok()?,
            stderr: String::from_utf8(self.stderr.clone()).ok()?,
        })
    }
}

impl MountedBinaryStringResult {
    /// A failed result with the given code and error.
    pub fn from_error(ret_code: i32, error: impl Into<String>) -> Self {
        Self {
            ret_code,
            error: error.into(),
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    /// True when `ret_code` is [`SUCCESS_CODE`].
    pub fn is_success(&self) -> bool {
        self.ret_code == SUCCESS_CODE
    }

    /// `Ok(stdout)` on success, `Err(error and stderr)` otherwise.
    pub fn into_std(self) -> Result<String, String> {
        if self.is_success() {
            Ok(self.stdout)
        } else {
            Err(format!("error: {}, stderr: {}", self.error, self.stderr))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let ok = MountedBinaryResult {
            stdout: b"out".to_vec(),
            ..Default::default()
        };
        assert!(ok.is_success());
        assert_eq!(ok.clone().into_std(), Some(Ok("out".to_string())));
        assert_eq!(ok.stringify().unwrap().stdout, "out");
        let err = MountedBinaryResult::from_error(100001, "spawn");
        assert!(!err.is_success());
        assert_eq!(
            err.as_std(),
            Some(Err("error: spawn, stderr: ".to_string()))
        );
        let bad = MountedBinaryResult {
            stdout: vec![0xff],
            ..Default::default()
        };
        assert_eq!(bad.into_std(), None);
    }
}
