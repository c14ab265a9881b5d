//! Marine runtime.

pub mod config;
pub mod mounted_binary;
