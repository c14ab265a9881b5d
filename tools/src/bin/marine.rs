//! `marine`: build, inspect and scaffold Marine modules. See [`marine_tools::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = marine_tools::cli::Cli::parse();
    match marine_tools::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let style = marine_tools::style::Style::for_stderr();
            eprintln!("{} {e}", style.red("error:"));
            ExitCode::FAILURE
        }
    }
}
