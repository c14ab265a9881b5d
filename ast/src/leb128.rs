//! Unsigned LEB128, the variable-length integers of the wasm binary format: one writer and
//! one bounds-checked reader for every place that edits module bytes.

/// Appends `value` in its shortest LEB128 form.
pub fn write_u64(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Why a number could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LebError {
    /// The bytes ended inside the number.
    #[error("a number runs past the end")]
    Truncated,
    /// The number has more bytes, or a larger value, than `bits` allow.
    #[error("a number is out of range")]
    OutOfRange,
}

/// Reads an unsigned number of at most `bits` bits (32 or 64) at `*at`, advancing `*at`.
pub fn read_unsigned(bytes: &[u8], at: &mut usize, bits: u32) -> Result<u64, LebError> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let byte = *bytes.get(*at).ok_or(LebError::Truncated)?;
        *at += 1;
        if shift >= bits {
            return Err(LebError::OutOfRange);
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            if bits < 64 && value >> bits != 0 {
                return Err(LebError::OutOfRange);
            }
            return Ok(value);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_does_not_fit() {
        for value in [0, 1, 127, 128, 624_485, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, value);
            let mut at = 0;
            assert_eq!(read_unsigned(&out, &mut at, 64), Ok(value));
            assert_eq!(at, out.len());
        }
        let mut at = 0;
        assert_eq!(
            read_unsigned(&[0x80, 0x80], &mut at, 32),
            Err(LebError::Truncated)
        );
        let mut at = 0;
        let five = [0xff, 0xff, 0xff, 0xff, 0x1f];
        assert_eq!(read_unsigned(&five, &mut at, 32), Err(LebError::OutOfRange));
        let mut at = 0;
        let too_long = [0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(
            read_unsigned(&too_long, &mut at, 32),
            Err(LebError::OutOfRange)
        );
    }
}
