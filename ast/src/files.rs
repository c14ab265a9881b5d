//! Reading files named by a config or a command without trusting them: only regular files
//! are read (no `/dev/zero`, FIFOs or sockets), and never more than a limit, checked against
//! the file's size before anything is allocated and again while reading (a file under `/proc`
//! reports size 0 but can be endless; a file can grow while it is read).

use std::io::Read;
use std::path::Path;

/// Most bytes read from a `Config.toml` (or a module config file named in a command).
pub const CONFIG_FILE_LIMIT: u64 = 1 << 20;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// The file could not be opened or read, or is not a regular file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is larger than the limit.
    #[error("the file is larger than the limit of {limit} bytes{}", .size.map(|s| format!(" ({s} bytes)")).unwrap_or_default())]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The file's size, when its metadata tells it.
        size: Option<u64>,
    },
}

/// Reads the regular file at `path` whole, refusing files over `limit` bytes before reading.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadFileError> {
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    read_open_limited(&file, &metadata, limit)
}

/// Reads the open `file` whole as [`read_limited`] does, from where it stands, for a caller
/// that has already taken its `metadata` (the open file's own, from
/// [`std::fs::File::metadata`]).
pub fn read_open_limited(
    file: &std::fs::File,
    metadata: &std::fs::Metadata,
    limit: u64,
) -> Result<Vec<u8>, ReadFileError> {
    if !metadata.is_file() {
        let kind = metadata.file_type();
        let what = if kind.is_dir() {
            "a directory"
        } else {
            special_kind(&kind)
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not a regular file ({what})"),
        )
        .into());
    }
    if metadata.len() > limit {
        return Err(ReadFileError::TooLarge {
            limit,
            size: Some(metadata.len()),
        });
    }
    // The reported size is only a hint: read at most one byte past the limit.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadFileError::TooLarge { limit, size: None });
    }
    Ok(bytes)
}

/// Reads the regular UTF-8 text file at `path`, as [`read_limited`].
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, ReadFileError> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {}", e.utf8_error()),
        )
        .into()
    })
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused() {
        let e = read_limited(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = read_limited(dir.path(), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn sizes_are_checked_before_and_while_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        // A sparse 12 GiB file: refused from its metadata, nothing read.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(12 << 30)
            .unwrap();
        match read_limited(&path, 1 << 20) {
            Err(ReadFileError::TooLarge { limit, size }) => {
                assert_eq!(limit, 1 << 20);
                assert_eq!(size, Some(12 << 30));
            }
            other => panic!("{other:?}"),
        }
        // /proc files report size 0 (this one maps the whole address space): the read itself
        // stops past the limit, with `TooLarge` or, as this file takes reads of 8 bytes only,
        // the kernel's refusal of the one-byte read past it.
        match read_limited(Path::new("/proc/self/pagemap"), 4096) {
            Err(ReadFileError::TooLarge { size: None, .. }) => {}
            Err(ReadFileError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidInput => {}
            other => panic!("{other:?}"),
        }
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(read_limited(&path, 3).unwrap(), b"abc");
        assert!(read_limited(&path, 2).is_err());
    }
}
