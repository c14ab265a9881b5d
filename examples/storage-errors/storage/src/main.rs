//! A key-value store whose `get` returns `Result<Vec<u8>, StorageError>`: errors travel to the
//! caller as values (docs/abi-extensions.md).

use std::cell::RefCell;
use std::collections::BTreeMap;

use marine_rs_sdk::marine;

pub fn main() {}

thread_local! {
    static STORE: RefCell<BTreeMap<String, Vec<u8>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The largest value `put` accepts.
const LIMIT: u64 = 16;

#[marine]
#[derive(Clone, Debug, PartialEq)]
pub enum StorageError {
    NotFound { name: String },
    TooBig { limit: u64, given: u64 },
    InvalidName(String),
}

#[marine]
pub fn put(name: String, value: Vec<u8>) -> Result<(), StorageError> {
    if name.is_empty() || name.contains('/') {
        return Err(StorageError::InvalidName(name));
    }
    if value.len() as u64 > LIMIT {
        return Err(StorageError::TooBig {
            limit: LIMIT,
            given: value.len() as u64,
        });
    }
    STORE.with(|s| s.borrow_mut().insert(name, value));
    Ok(())
}

#[marine]
pub fn get(name: String) -> Result<Vec<u8>, StorageError> {
    STORE.with(|s| {
        s.borrow()
            .get(&name)
            .cloned()
            .ok_or(StorageError::NotFound { name })
    })
}
