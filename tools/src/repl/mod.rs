//! `mrepl`: an interactive shell over a Marine service.
//!
//! Pure parts, each tested on its own: [`command`] (parsing an input into a command),
//! [`input`] (multi-line input until brackets balance), [`completion`] (commands, modules,
//! functions), [`format`](mod@format) (everything printed). [`session`] executes commands on a
//! [`marine_runtime::service::MarineService`]; [`editor`] is the rustyline helper; [`run`]
//! is the main loop: rustyline when stdin is a terminal, plain line reading otherwise (so
//! scripts and tests can pipe commands in).
//!
//! Differences from the official mrepl (reference §F, §K.7): a configurable call timeout
//! (`--timeout`, `timeout` command; default 10 s, official: fixed 100 ms); calls without
//! arguments need no `[]`; whitespace inside JSON strings is kept; `load` takes the module's
//! config; `envs` and `fs` show the module's real environment and mapped folders; errors are
//! red on a terminal; an empty line does nothing; unknown commands are errors. When reading a
//! pipe, the exit code is 1 if any command failed.

pub mod command;
pub mod completion;
pub mod editor;
pub mod format;
pub mod input;
pub mod session;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::style::Style;
use input::LineAccumulator;
use session::{Reply, Session, Settings};

/// Command-line arguments of `mrepl`.
#[derive(Debug, Parser)]
#[command(
    name = "mrepl",
    version,
    about = "Marine REPL: load Wasm modules and call their functions"
)]
pub struct Args {
    /// Config.toml of the service to start with (an empty service without it).
    pub config: Option<PathBuf>,
    /// Service working dir: the working folder of mounted binaries (`service_working_dir`).
    /// Relative paths of the config resolve against the config file's folder.
    #[arg(short = 'w', long = "working-dir", value_name = "DIR")]
    pub working_dir: Option<PathBuf>,
    /// Do not print the banner and the service-creation message.
    #[arg(short, long)]
    pub quiet: bool,
    /// Per-call timeout in milliseconds (0: none).
    #[arg(short, long, value_name = "MS", default_value_t = session::DEFAULT_TIMEOUT.as_millis() as u64)]
    pub timeout: u64,
    /// History file (default `.repl_history` in the current folder).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Do not keep compiled modules on disk (also: `MARINE_NO_CACHE=1`).
    #[arg(long = "no-cache", conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Folder of the compiled-module cache (default `$MARINE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/marine/compiled`, else `~/.cache/marine/compiled`).
    #[arg(long = "cache-dir", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Load `<name>.cwasm` files next to the modules (`marine build --precompile`) instead
    /// of compiling: they are native code, only use this for files you trust.
    #[arg(long = "trust-precompiled")]
    pub trust_precompiled: bool,
}

impl Args {
    /// The disk cache settings the flags ask for (`None`: the runtime's default).
    pub fn compiled_cache(&self) -> Option<marine_runtime::DiskCacheOptions> {
        if !self.no_cache && self.cache_dir.is_none() && !self.trust_precompiled {
            return None;
        }
        let mut cache = marine_runtime::DiskCacheOptions::from_env();
        if self.no_cache {
            cache.enabled = false;
        }
        if let Some(dir) = &self.cache_dir {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            cache.enabled = true;
            cache.dir = Some(cwd.join(dir));
        }
        cache.trust_precompiled = self.trust_precompiled;
        Some(cache)
    }
}

/// Prints one reply; returns false when the session should end.
fn print_reply(reply: Reply, style: &Style, failed: &mut bool) -> bool {
    let mut out = std::io::stdout().lock();
    match reply {
        Reply::Output(text) => {
            let _ = write!(out, "{text}");
            if !text.is_empty() && !text.ends_with('\n') {
                let _ = writeln!(out);
            }
        }
        Reply::Error(text) => {
            *failed = true;
            let _ = writeln!(out, "{}", style.red(text.trim_end()));
        }
        Reply::Quit => return false,
    }
    let _ = out.flush();
    true
}

/// Runs mrepl; returns the process exit code.
pub fn run(args: Args) -> ExitCode {
    let style = Style::for_stdout();
    let settings = Settings {
        working_dir: args.working_dir.clone(),
        timeout: (args.timeout > 0).then(|| std::time::Duration::from_millis(args.timeout)),
        compiled_cache: args.compiled_cache(),
    };
    if !args.quiet {
        println!("{}", format::banner());
    }
    let start = std::time::Instant::now();
    let service = match session::create_service(args.config.as_deref(), &settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{} {e}", Style::for_stderr().red("Error:"));
            return ExitCode::FAILURE;
        }
    };
    if !args.quiet {
        print!(
            "{}",
            format::service_created(&format::uuid_v4(), start.elapsed())
        );
    }
    let session = Session::new(service, settings);
    if std::io::stdin().is_terminal() {
        interactive(session, &args, &style)
    } else {
        piped(session, &style)
    }
}

/// Reads commands from a non-terminal stdin, line by line (multi-line until brackets balance).
fn piped(mut session: Session, style: &Style) -> ExitCode {
    let mut failed = false;
    let mut acc = LineAccumulator::default();
    let stdin = std::io::stdin().lock();
    for line in stdin.lines() {
        let Ok(line) = line else { break };
        // An unbalanced bracket must not swallow the rest of a script: a line that starts
        // with a command name (or a blank line) ends the pending input, which then fails
        // on its own.
        if acc.is_pending() && (line.trim().is_empty() || starts_with_command(&line)) {
            if let Some(stale) = acc.take() {
                if !print_reply(session.execute_line(&stale), style, &mut failed) {
                    return exit_code(failed);
                }
            }
            if line.trim().is_empty() {
                continue;
            }
        }
        let Some(input) = acc.push(&line) else {
            continue;
        };
        if !print_reply(session.execute_line(&input), style, &mut failed) {
            return exit_code(failed);
        }
    }
    if let Some(rest) = acc.take() {
        print_reply(session.execute_line(&rest), style, &mut failed);
    }
    exit_code(failed)
}

/// Whether `line` starts with the full name of a REPL command followed by a space or nothing.
fn starts_with_command(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    !line.starts_with(char::is_whitespace)
        && command::COMMANDS.iter().any(|(name, ..)| *name == first)
}

fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The rustyline loop.
fn interactive(mut session: Session, args: &Args, style: &Style) -> ExitCode {
    use rustyline::error::ReadlineError;
    use rustyline::{Cmd, Config, EditMode, Editor, KeyEvent};

    let config = Config::builder()
        .history_ignore_space(true)
        .auto_add_history(false)
        .edit_mode(EditMode::Emacs)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: Editor<editor::ReplHelper, rustyline::history::FileHistory> =
        match Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("{} cannot start the line editor: {e}", style.red("Error:"));
                return ExitCode::FAILURE;
            }
        };
    editor.bind_sequence(KeyEvent::alt('n'), Cmd::HistorySearchForward);
    editor.bind_sequence(KeyEvent::alt('p'), Cmd::HistorySearchBackward);
    let mut helper = editor::ReplHelper::new();
    helper.catalog = session.catalog();
    editor.set_helper(Some(helper));
    let history = args
        .history
        .clone()
        .unwrap_or_else(|| PathBuf::from(".repl_history"));
    let _ = editor.load_history(&history);

    // Failed commands do not change the exit code of an interactive session; an editor
    // (terminal) error does.
    let mut command_failed = false;
    let mut editor_failed = false;
    let mut count = 1usize;
    loop {
        let plain = format!("\n{count}> ");
        let colored = format!("\n{}", style.bold_green(&format!("{count}> ")));
        match editor.readline(&(plain.as_str(), colored.as_str())) {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                let go_on = print_reply(session.execute_line(&line), style, &mut command_failed);
                if let Some(h) = editor.helper_mut() {
                    h.catalog = session.catalog();
                }
                if !go_on {
                    break;
                }
                count += 1;
            }
            Err(ReadlineError::Interrupted) => {
                println!("CTRL-C");
                break;
            }
            Err(ReadlineError::Eof) => {
                println!("CTRL-D");
                break;
            }
            Err(e) => {
                eprintln!("{} {e}", style.red("Error:"));
                editor_failed = true;
                break;
            }
        }
    }
    if let Err(e) = editor.save_history(&history) {
        eprintln!("failed to save history to {}: {e}", history.display());
    }
    exit_code(editor_failed)
}
