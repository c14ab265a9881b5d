//! Terminal styling: ANSI colours, used only when the stream is a terminal.

use std::io::IsTerminal;

/// Which colours a stream may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Whether ANSI escapes are written at all.
    pub enabled: bool,
}

impl Style {
    /// Colours on when stdout is a terminal and `NO_COLOR` is unset.
    pub fn for_stdout() -> Self {
        Style {
            enabled: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// Colours on when stderr is a terminal and `NO_COLOR` is unset.
    pub fn for_stderr() -> Self {
        Style {
            enabled: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// No colours.
    pub fn plain() -> Self {
        Style { enabled: false }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Red text (errors).
    pub fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }

    /// Bold green text (the prompt).
    pub fn bold_green(&self, text: &str) -> String {
        self.wrap("1;32", text)
    }

    /// Dim text (timings).
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_style_writes_no_escapes() {
        assert_eq!(Style::plain().red("x"), "x");
        assert_eq!(Style { enabled: true }.red("x"), "\x1b[31mx\x1b[0m");
    }
}
