//! `mrepl`: the Marine REPL. See [`marine_tools::repl`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    marine_tools::repl::run(marine_tools::repl::Args::parse())
}
