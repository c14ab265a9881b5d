//! Errors of the `marine` tool.

use std::path::PathBuf;

/// Why a `marine` command failed. Every message names the file, program or argument at fault.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A wasm file is not a readable Marine module.
    #[error("{}: {reason}", path.display())]
    Inspect {
        /// The wasm file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The path has no file name to derive a service name from.
    #[error("{}: not a path to a file", .0.display())]
    NotAFile(PathBuf),
    /// A program could not be started.
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cargo build` failed.
    #[error("`{command}` exited with {status}")]
    CargoFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// A command-line argument is wrong.
    #[error("argument `{arg}`: {reason}")]
    BadArgument {
        /// The argument.
        arg: String,
        /// What is wrong.
        reason: String,
    },
    /// `marine new` would overwrite something.
    #[error("{}: already exists", .0.display())]
    AlreadyExists(PathBuf),
}
