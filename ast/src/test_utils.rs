//! Helpers for tests: metadata sections as raw JSON.

pub use crate::custom_section::{
    append_custom_section, function_metadata as fn_section, record_metadata as record_section,
};
