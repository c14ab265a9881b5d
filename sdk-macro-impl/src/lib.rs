//! Parsing and code generation behind `#[marine]`.
