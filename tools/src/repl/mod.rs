//! `mrepl`: an interactive shell over a Marine service.
//!
//! Pure parts, each tested on its own: [`command`] (parsing a line into a command),
//! [`input`] (multi-line input until brackets balance), [`completion`] (commands, modules,
//! functions), [`format`] (everything printed).

pub mod command;
pub mod completion;
pub mod format;
pub mod input;
