//! Byte-size strings as written in `Config.toml` (`"100 MiB"`, `"2Gb"`, `"512 KB"`, `"Infinity"`).
//!
//! The official runtime parses these with `bytesize` 1.2, so we accept the same spellings:
//! a decimal number (optionally with a fractional part), optional whitespace, then a
//! case-insensitive unit. Decimal units are powers of 1000 (`k`, `kb`, `m`, `mb`, ...; so
//! `"2Gb"` is 2 000 000 000 bytes, bytes not bits), binary units powers of 1024 (`ki`, `kib`,
//! `mi`, `mib`, ...). No unit or `b` means bytes. Unlike `bytesize`, overflow, negative numbers
//! and trailing garbage are errors instead of being silently saturated or truncated.

use std::fmt;

/// A size value: a number of bytes, or no limit at all (`"Infinity"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteLimit {
    /// A finite number of bytes.
    Bytes(u64),
    /// `"Infinity"` / `"infinity"` (any case): no limit.
    Unlimited,
}

impl ByteLimit {
    /// `None` for [`ByteLimit::Unlimited`], the byte count otherwise.
    pub fn as_option(self) -> Option<u64> {
        match self {
            ByteLimit::Bytes(bytes) => Some(bytes),
            ByteLimit::Unlimited => None,
        }
    }
}

/// Why a size string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeParseError {
    /// The string is empty (or only whitespace).
    Empty,
    /// The string does not start with a number.
    NoNumber,
    /// The unit after the number is not one we know.
    UnknownUnit(String),
    /// The value does not fit into 64 bits.
    Overflow,
}

impl fmt::Display for SizeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeParseError::Empty => write!(f, "the size is empty"),
            SizeParseError::NoNumber => write!(f, "a size must start with a non-negative number"),
            SizeParseError::UnknownUnit(unit) => write!(
                f,
                "unknown unit `{unit}` (expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB)"
            ),
            SizeParseError::Overflow => write!(f, "the size does not fit into 64 bits"),
        }
    }
}

impl std::error::Error for SizeParseError {}

/// Parses a size with a unit; `"Infinity"` (any case) is accepted and gives
/// [`ByteLimit::Unlimited`].
pub fn parse_byte_limit(text: &str) -> Result<ByteLimit, SizeParseError> {
    if text.trim().eq_ignore_ascii_case("infinity") {
        return Ok(ByteLimit::Unlimited);
    }
    parse_byte_size(text).map(ByteLimit::Bytes)
}

/// Parses a finite size with a unit, e.g. `"100 MiB"` -> 104 857 600.
pub fn parse_byte_size(text: &str) -> Result<u64, SizeParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SizeParseError::Empty);
    }
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(number_len);
    if number.is_empty() || !number.chars().any(|c| c.is_ascii_digit()) {
        return Err(SizeParseError::NoNumber);
    }
    let unit = rest.trim_start();
    let multiplier =
        unit_multiplier(unit).ok_or_else(|| SizeParseError::UnknownUnit(unit.into()))?;

    match number.split_once('.') {
        None => {
            let value: u128 = number.parse().map_err(|_| SizeParseError::Overflow)?;
            let bytes = value
                .checked_mul(multiplier as u128)
                .ok_or(SizeParseError::Overflow)?;
            u64::try_from(bytes).map_err(|_| SizeParseError::Overflow)
        }
        Some((_, fraction)) if fraction.contains('.') => Err(SizeParseError::NoNumber),
        Some(_) => {
            let value: f64 = number.parse().map_err(|_| SizeParseError::NoNumber)?;
            let bytes = value * multiplier as f64;
            if !bytes.is_finite() || bytes >= u64::MAX as f64 {
                return Err(SizeParseError::Overflow);
            }
            Ok(bytes as u64)
        }
    }
}

fn unit_multiplier(unit: &str) -> Option<u64> {
    const K: u64 = 1000;
    const KI: u64 = 1024;
    let multiplier = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => K,
        "m" | "mb" => K.pow(2),
        "g" | "gb" => K.pow(3),
        "t" | "tb" => K.pow(4),
        "p" | "pb" => K.pow(5),
        "ki" | "kib" => KI,
        "mi" | "mib" => KI.pow(2),
        "gi" | "gib" => KI.pow(3),
        "ti" | "tib" => KI.pow(4),
        "pi" | "pib" => KI.pow(5),
        _ => return None,
    };
    Some(multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_spellings() {
        assert_eq!(parse_byte_size("100 MiB"), Ok(100 * 1024 * 1024));
        assert_eq!(parse_byte_size("64 MiB"), Ok(64 << 20));
        assert_eq!(parse_byte_size("2Gb"), Ok(2_000_000_000));
        assert_eq!(parse_byte_size("512 KB"), Ok(512_000));
        assert_eq!(parse_byte_size("512 kib"), Ok(512 * 1024));
        assert_eq!(parse_byte_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_byte_size("2000000"), Ok(2_000_000));
        assert_eq!(parse_byte_size("10 B"), Ok(10));
        assert_eq!(parse_byte_size("  7k "), Ok(7000));
        assert_eq!(parse_byte_size("1 PiB"), Ok(1 << 50));
    }

    #[test]
    fn infinity() {
        assert_eq!(parse_byte_limit("Infinity"), Ok(ByteLimit::Unlimited));
        assert_eq!(parse_byte_limit("infinity"), Ok(ByteLimit::Unlimited));
        assert_eq!(parse_byte_limit("INFINITY").unwrap().as_option(), None);
        assert_eq!(
            parse_byte_limit("3 MB").unwrap().as_option(),
            Some(3_000_000)
        );
    }

    #[test]
    fn rejects_bad_sizes() {
        assert_eq!(parse_byte_size(""), Err(SizeParseError::Empty));
        assert_eq!(parse_byte_size("lots"), Err(SizeParseError::NoNumber));
        assert_eq!(parse_byte_size("-5 MB"), Err(SizeParseError::NoNumber));
        assert_eq!(parse_byte_size(". MB"), Err(SizeParseError::NoNumber));
        assert_eq!(parse_byte_size("1.2.3 MB"), Err(SizeParseError::NoNumber));
        assert_eq!(
            parse_byte_size("10 parsecs"),
            Err(SizeParseError::UnknownUnit("parsecs".into()))
        );
        assert_eq!(
            parse_byte_size("10 MiB extra"),
            Err(SizeParseError::UnknownUnit("MiB extra".into()))
        );
        assert_eq!(parse_byte_size("20000 PiB"), Err(SizeParseError::Overflow));
        assert_eq!(
            parse_byte_size("99999999999999999999999999999999999999999"),
            Err(SizeParseError::Overflow)
        );
        assert_eq!(parse_byte_limit("Infinityy"), Err(SizeParseError::NoNumber));
        assert!(SizeParseError::UnknownUnit("x".into())
            .to_string()
            .contains("unknown unit `x`"));
    }
}
