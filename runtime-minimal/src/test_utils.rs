//! Helpers for tests: metadata sections as raw JSON (the core's hand-written metadata).

pub use marine_ast::custom_section::{append_custom_section, function_metadata as fn_section};
