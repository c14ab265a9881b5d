//! The `#[marine]` attribute.
