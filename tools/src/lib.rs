//! The command-line faces of the Marine runtime: the `marine` tool ([`cli`]) and the `mrepl`
//! interactive shell ([`repl`]).
//!
//! Both binaries (`src/bin/marine.rs`, `src/bin/mrepl.rs`) are thin: they parse arguments and
//! call into this library, where every piece (command parsing, JSON argument splitting,
//! completion, output formatting, wasm inspection, crate scaffolding) is a function that is
//! tested on its own.
//!
//! The tools live in their own package (`marine-tools`) rather than behind a feature of
//! `marine-runtime`: their dependencies (clap, rustyline) stay out of every embedder's build,
//! and their tests can use `marine-e2e` (which depends on the runtime) to build the guest
//! examples without a dependency cycle.

pub mod cli;
pub mod repl;
pub mod style;
