//! Imports `storage.get`/`storage.put` and matches on the callee's `StorageError` as a value:
//! a missing key is not a trap, it is a case the facade handles.

use marine_rs_sdk::marine;

pub fn main() {}

/// The storage module's error, declared again here (the link-time check compares shapes and
/// variant names).
#[marine]
#[derive(Clone, Debug, PartialEq)]
pub enum StorageError {
    NotFound { name: String },
    TooBig { limit: u64, given: u64 },
    InvalidName(String),
}

#[marine]
#[module_import("storage")]
extern "C" {
    pub fn put(name: String, value: Vec<u8>) -> Result<(), StorageError>;
    pub fn get(name: String) -> Result<Vec<u8>, StorageError>;
}

/// Stores `value` and tells what happened, in words.
#[marine]
pub fn save(name: String, value: String) -> String {
    match put(name.clone(), value.into_bytes()) {
        Ok(()) => format!("saved {name}"),
        Err(StorageError::TooBig { limit, given }) => {
            format!("{name} is {given} bytes, the limit is {limit}")
        }
        Err(StorageError::InvalidName(n)) => format!("`{n}` is not a valid name"),
        Err(other) => format!("unexpected: {other:?}"),
    }
}

/// The value, or a default when the key is missing; other errors are passed on.
#[marine]
pub fn load_or(name: String, default: String) -> Result<String, StorageError> {
    match get(name) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(StorageError::NotFound { .. }) => Ok(default),
        Err(e) => Err(e),
    }
}

/// The raw result of `get`, as the facade received it.
#[marine]
pub fn get_raw(name: String) -> Result<Vec<u8>, StorageError> {
    get(name)
}
