//! Marine runtime.

pub mod config;
