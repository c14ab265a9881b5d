//! The rustyline helper: completion of commands, modules, functions and file paths;
//! multi-line input until brackets balance; bracket highlighting; hints from history.

use std::borrow::Cow;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter, MatchingBracketHighlighter};
use rustyline::hint::HistoryHinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper, Hinter};

use super::completion::{self, Catalog, WordKind};
use super::input::{completeness, Completeness};

/// The line-editor helper of mrepl.
#[derive(Helper, Hinter)]
pub struct ReplHelper {
    /// Names offered by completion; refreshed after every command.
    pub catalog: Catalog,
    files: FilenameCompleter,
    brackets: MatchingBracketHighlighter,
    #[rustyline(Hinter)]
    hinter: HistoryHinter,
}

impl ReplHelper {
    /// A helper with an empty catalog.
    pub fn new() -> Self {
        ReplHelper {
            catalog: Catalog::default(),
            files: FilenameCompleter::new(),
            brackets: MatchingBracketHighlighter::new(),
            hinter: HistoryHinter::new(),
        }
    }
}

impl Default for ReplHelper {
    fn default() -> Self {
        Self::new()
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if completion::word_at(line, pos).1 == WordKind::Path {
            return self.files.complete(line, pos, ctx);
        }
        let (start, names) = completion::complete(line, pos, &self.catalog);
        Ok((
            start,
            names
                .into_iter()
                .map(|n| Pair {
                    // A space after a completed word, so the next one can be typed at once.
                    replacement: format!("{n} "),
                    display: n,
                })
                .collect(),
        ))
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(match completeness(ctx.input()) {
            Completeness::Complete => ValidationResult::Valid(None),
            Completeness::Incomplete => ValidationResult::Incomplete,
        })
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.brackets.highlight(line, pos)
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.brackets.highlight_char(line, pos, kind)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }
}
