//! Completion of command names, module names and function names.

use super::command::{command_name, COMMANDS};

/// The names completion can offer: each module with its function names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// (module name, its function names), sorted by module name.
    pub modules: Vec<(String, Vec<String>)>,
}

/// What kind of word is being completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordKind {
    /// The command itself.
    Command,
    /// A module name.
    Module,
    /// A function of the given module.
    Function(String),
    /// A file path (for `new` and `load`).
    Path,
    /// Nothing to complete (JSON arguments and the like).
    None,
}

/// Classifies the word ending at `pos` in `line`; returns its start and kind.
pub fn word_at(line: &str, pos: usize) -> (usize, WordKind) {
    let before = &line[..pos];
    let start = before
        .rfind(char::is_whitespace)
        .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let previous: Vec<&str> = before[..start].split_whitespace().collect();
    let kind = match previous.as_slice() {
        [] => WordKind::Command,
        [cmd, rest @ ..] => match (command_name(cmd), rest) {
            (Some("call"), []) => WordKind::Module,
            (Some("call"), [module]) => WordKind::Function(module.to_string()),
            (Some("unload" | "envs" | "fs"), []) => WordKind::Module,
            (Some("new"), []) => WordKind::Path,
            (Some("load"), [_]) | (Some("load"), [_, _]) => WordKind::Path,
            _ => WordKind::None,
        },
    };
    (start, kind)
}

/// Candidates for the word ending at `pos` (paths are left to the caller): its start and the
/// sorted candidates.
pub fn complete(line: &str, pos: usize, catalog: &Catalog) -> (usize, Vec<String>) {
    let (start, kind) = word_at(line, pos);
    let prefix = &line[start..pos];
    let mut out: Vec<String> = match kind {
        WordKind::Command => COMMANDS
            .iter()
            .map(|(name, ..)| name.to_string())
            .filter(|n| n.starts_with(prefix))
            .collect(),
        WordKind::Module => catalog
            .modules
            .iter()
            .map(|(m, _)| m.clone())
            .filter(|m| m.starts_with(prefix))
            .collect(),
        WordKind::Function(module) => catalog
            .modules
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, fs)| {
                fs.iter()
                    .filter(|f| f.starts_with(prefix))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        WordKind::Path | WordKind::None => Vec::new(),
    };
    out.sort();
    (start, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog {
            modules: vec![
                ("greeting".into(), vec!["greeting".into()]),
                (
                    "scalars".into(),
                    vec!["echo_i32".into(), "echo_u8".into(), "not".into()],
                ),
            ],
        }
    }

    #[test]
    fn completes_commands() {
        assert_eq!(
            complete("in", 2, &catalog()),
            (0, vec!["interface".to_string()])
        );
        assert_eq!(complete("", 0, &catalog()).1.len(), COMMANDS.len());
    }

    #[test]
    fn completes_modules_and_functions() {
        assert_eq!(
            complete("call s", 6, &catalog()),
            (5, vec!["scalars".to_string()])
        );
        assert_eq!(
            complete("c scalars echo", 14, &catalog()),
            (10, vec!["echo_i32".to_string(), "echo_u8".to_string()])
        );
        assert_eq!(complete("call scalars ", 13, &catalog()).1.len(), 3);
        assert_eq!(
            complete("call nope e", 11, &catalog()).1,
            Vec::<String>::new()
        );
        assert_eq!(
            complete("envs g", 6, &catalog()).1,
            vec!["greeting".to_string()]
        );
        assert!(complete("call scalars not [1", 19, &catalog()).1.is_empty());
    }

    #[test]
    fn classifies_path_words() {
        assert_eq!(word_at("load g ./x", 10), (7, WordKind::Path));
        assert_eq!(word_at("new Con", 7), (4, WordKind::Path));
        assert_eq!(word_at("stats x", 7), (6, WordKind::None));
    }
}
