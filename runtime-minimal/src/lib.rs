//! Marine runtime.
