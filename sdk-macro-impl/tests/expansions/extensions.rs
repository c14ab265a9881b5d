/// An enum with every variant shape (docs/abi-extensions.md).
#[derive(Clone, Debug)]
pub enum StorageError {
    NotFound,
    Io(String),
    TooBig { limit: u64, given: Option<u64> },
}

/// Extension types as argument, by reference and as result.
pub fn get(name: Option<String>, key: &(u8, Vec<StorageError>)) -> Result<Vec<u8>, StorageError> {
    Err(StorageError::NotFound)
}

#[module_import("storage")]
extern "C" {
    pub fn fetch(names: Vec<Option<String>>) -> Option<Result<(), StorageError>>;
}
