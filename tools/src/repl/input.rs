//! Multi-line input: an input is complete when its JSON brackets balance.
//!
//! Brackets inside JSON strings (with `\"` escapes) do not count. A closing bracket that does
//! not match makes the input complete (and then a parse error), so a typo never traps the user
//! in continuation lines.

/// Whether an input may be executed or needs more lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// Brackets balance (or cannot balance any more): execute it.
    Complete,
    /// Open brackets or an open string remain: read another line.
    Incomplete,
}

/// Checks the bracket balance of `text`.
pub fn completeness(text: &str) -> Completeness {
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => stack.push(c),
            ']' | '}' => {
                let open = if c == ']' { '[' } else { '{' };
                if stack.pop() != Some(open) {
                    return Completeness::Complete;
                }
            }
            _ => {}
        }
    }
    if stack.is_empty() && !in_string {
        Completeness::Complete
    } else {
        Completeness::Incomplete
    }
}

/// Accumulates lines until the input is complete.
#[derive(Debug, Default)]
pub struct LineAccumulator {
    buffer: String,
}

impl LineAccumulator {
    /// Adds a line; returns the whole input when it is complete.
    pub fn push(&mut self, line: &str) -> Option<String> {
        if !self.buffer.is_empty() {
            self.buffer.push('\n');
        }
        self.buffer.push_str(line);
        match completeness(&self.buffer) {
            Completeness::Complete => Some(std::mem::take(&mut self.buffer)),
            Completeness::Incomplete => None,
        }
    }

    /// Whether a partial input is pending.
    pub fn is_pending(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Takes whatever is pending (at end of input).
    pub fn take(&mut self) -> Option<String> {
        (!self.buffer.is_empty()).then(|| std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_ignores_brackets_in_strings() {
        assert_eq!(completeness("call a b [1, 2]"), Completeness::Complete);
        assert_eq!(completeness("call a b [1,"), Completeness::Incomplete);
        assert_eq!(
            completeness(r#"call a b ["[", "{"]"#),
            Completeness::Complete
        );
        assert_eq!(completeness(r#"call a b ["\"]"#), Completeness::Incomplete);
        assert_eq!(
            completeness(r#"call a b ["unterminated"#),
            Completeness::Incomplete
        );
        assert_eq!(completeness("call a b [1}"), Completeness::Complete);
        assert_eq!(completeness("call a b ]"), Completeness::Complete);
    }

    #[test]
    fn accumulator_joins_lines() {
        let mut acc = LineAccumulator::default();
        assert_eq!(acc.push("call g f ["), None);
        assert!(acc.is_pending());
        assert_eq!(acc.push("  \"x\","), None);
        assert_eq!(
            acc.push("  \"y\"]").as_deref(),
            Some("call g f [\n  \"x\",\n  \"y\"]")
        );
        assert!(!acc.is_pending());
        assert_eq!(acc.push("i").as_deref(), Some("i"));
        acc.push("call g f {");
        assert_eq!(acc.take().as_deref(), Some("call g f {"));
    }
}
