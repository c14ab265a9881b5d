//! The `__fluence_wasm_module_manifest` section (guest ABI §4.3, [`crate::MANIFEST_SECTION`]):
//! five fields (authors, version, description, repository, build time), each a u64
//! little-endian byte length followed by that many UTF-8 bytes, with nothing left over.
//! `module_manifest!()` encodes it, `marine info` decodes it.

use std::fmt;

/// A decoded module manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleManifest {
    /// `authors` field.
    pub authors: String,
    /// `version` field.
    pub version: String,
    /// `description` field.
    pub description: String,
    /// `repository` field.
    pub repository: String,
    /// `build_time` field (RFC 3339).
    pub build_time: String,
}

/// Why a manifest section could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The section ends inside a field.
    #[error("manifest field `{field}` is truncated: {needed} bytes needed, {left} left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: u64,
        /// Bytes left in the section.
        left: usize,
    },
    /// A field is not UTF-8.
    #[error("manifest field `{0}` is not UTF-8")]
    NotUtf8(&'static str),
    /// Bytes are left after the five fields.
    #[error("{0} unexpected bytes after the manifest's last field")]
    TrailingBytes(usize),
}

const FIELDS: [&str; 5] = [
    "authors",
    "version",
    "description",
    "repository",
    "build_time",
];

impl ModuleManifest {
    /// Encodes the section's bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode_fields([
            &self.authors,
            &self.version,
            &self.description,
            &self.repository,
            &self.build_time,
        ])
    }

    /// Decodes the section's bytes.
    pub fn decode(mut bytes: &[u8]) -> Result<Self, ManifestError> {
        let mut values = Vec::with_capacity(FIELDS.len());
        for field in FIELDS {
            if bytes.len() < 8 {
                return Err(ManifestError::Truncated {
                    field,
                    needed: 8,
                    left: bytes.len(),
                });
            }
            let (len, rest) = bytes.split_at(8);
            let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
            if len > rest.len() as u64 {
                return Err(ManifestError::Truncated {
                    field,
                    needed: len,
                    left: rest.len(),
                });
            }
            let (value, rest) = rest.split_at(len as usize);
            let value = std::str::from_utf8(value).map_err(|_| ManifestError::NotUtf8(field))?;
            values.push(value.to_string());
            bytes = rest;
        }
        if !bytes.is_empty() {
            return Err(ManifestError::TrailingBytes(bytes.len()));
        }
        let mut it = values.into_iter();
        let mut next = || it.next().unwrap_or_default();
        Ok(ModuleManifest {
            authors: next(),
            version: next(),
            description: next(),
            repository: next(),
            build_time: next(),
        })
    }
}

impl fmt::Display for ModuleManifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  authors:     {}", self.authors)?;
        writeln!(f, "  version:     {}", self.version)?;
        writeln!(f, "  description: {}", self.description)?;
        writeln!(f, "  repository:  {}", self.repository)?;
        writeln!(f, "  build time:  {}", self.build_time)
    }
}

/// Encodes five manifest fields in section order (authors, version, description, repository,
/// build time).
pub fn encode_fields(fields: [&str; 5]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.iter().map(|f| 8 + f.len()).sum());
    for f in fields {
        out.extend_from_slice(&(f.len() as u64).to_le_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(fields: [&str; 5]) -> Vec<u8> {
        encode_fields(fields)
    }

    #[test]
    fn encode_and_decode_are_inverse() {
        let m = ModuleManifest {
            authors: "a, b".into(),
            version: "0.1.0".into(),
            description: "ünï".into(),
            repository: String::new(),
            build_time: "2026-12-06T00:00:00+00:00".into(),
        };
        assert_eq!(ModuleManifest::decode(&m.encode()), Ok(m));
    }

    #[test]
    fn decodes_five_fields() {
        let bytes = encode([
            "me",
            "1.2.3",
            "a module",
            "https://x",
            "2024-01-01T00:00:00+00:00",
        ]);
        let m = ModuleManifest::decode(&bytes).unwrap();
        assert_eq!(m.authors, "me");
        assert_eq!(m.version, "1.2.3");
        assert_eq!(m.description, "a module");
        assert_eq!(m.repository, "https://x");
        assert_eq!(m.build_time, "2024-01-01T00:00:00+00:00");
        assert!(m.to_string().contains("  description: a module\n"));
    }

    #[test]
    fn rejects_truncated_and_trailing_bytes() {
        let bytes = encode(["a", "b", "c", "d", "e"]);
        assert_eq!(
            ModuleManifest::decode(&bytes[..bytes.len() - 1]),
            Err(ManifestError::Truncated {
                field: "build_time",
                needed: 1,
                left: 0
            })
        );
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            ModuleManifest::decode(&long),
            Err(ManifestError::TrailingBytes(1))
        );
        let mut huge = u64::MAX.to_le_bytes().to_vec();
        huge.push(1);
        assert!(matches!(
            ModuleManifest::decode(&huge),
            Err(ManifestError::Truncated {
                field: "authors",
                ..
            })
        ));
    }
}
