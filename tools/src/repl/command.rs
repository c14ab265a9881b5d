//! Parsing one REPL input into a [`Command`].
//!
//! The first word selects the command (full name or one-letter alias, reference §F.2); the
//! following words are its arguments. For `call`, everything after the function name (and an
//! optional `-nr`) is kept verbatim and read as a stream of JSON values, so whitespace inside
//! JSON strings is preserved and the arguments may span several lines.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

/// A parsed REPL command.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `new [config]`: replace the service by a new one (empty without a config).
    New {
        /// Config.toml of the new service.
        config: Option<PathBuf>,
    },
    /// `load <name> <path> [module-config]`.
    Load {
        /// Module name.
        name: String,
        /// Wasm file.
        path: PathBuf,
        /// A TOML file with this module's settings (a `[[module]]` table's keys, or a whole
        /// service config holding a module of that name).
        config: Option<PathBuf>,
    },
    /// `unload <name>`.
    Unload {
        /// Module name.
        name: String,
    },
    /// `call <module> <func> [-nr] [json-args] [json-call-params]`.
    Call {
        /// Module name.
        module: String,
        /// Function name.
        function: String,
        /// `-nr`: do not print the result.
        no_result: bool,
        /// Arguments as JSON text (`null` when none were given), checked to be one JSON
        /// value; the runtime parses it straight into the module's memory.
        args: String,
        /// Call parameters, if given.
        call_parameters: Option<Value>,
    },
    /// `interface`.
    Interface,
    /// `stats`.
    Stats,
    /// `envs <module>`.
    Envs {
        /// Module name.
        module: String,
    },
    /// `fs <module>`.
    Fs {
        /// Module name.
        module: String,
    },
    /// `timeout [duration|off]`: show or set the call timeout.
    Timeout {
        /// `None`: show the current value; `Some(None)`: no timeout.
        set: Option<Option<Duration>>,
    },
    /// `help`.
    Help,
    /// `quit`.
    Quit,
    /// An empty line.
    Nothing,
}

/// Why an input line is not a valid command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A module name is missing.
    #[error("Module name should be specified")]
    NoModuleName,
    /// A module path is missing.
    #[error("Module path should be specified")]
    NoModulePath,
    /// A function name is missing.
    #[error("Function name should be specified")]
    NoFunctionName,
    /// The arguments are not JSON.
    #[error("invalid args: {0}")]
    InvalidArgs(String),
    /// The call parameters are not JSON.
    #[error("invalid call parameters: {0}")]
    InvalidCallParameters(String),
    /// More than two JSON values.
    #[error("trailing characters after call parameters are not supported")]
    TrailingCharacters,
    /// Extra words after a command's arguments.
    #[error("`{command}` takes {expected}, but `{extra}` follows")]
    ExtraArguments {
        /// The command.
        command: &'static str,
        /// What it takes.
        expected: &'static str,
        /// The surplus text.
        extra: String,
    },
    /// A timeout that cannot be read.
    #[error("invalid timeout `{0}`: expected milliseconds, a duration such as 500ms, 2s or 1m, or `off`")]
    InvalidTimeout(String),
    /// Not a command.
    #[error("unknown command `{0}`; type `help` for the list of commands")]
    UnknownCommand(String),
}

/// Every command: (name, alias, usage, description), in help order.
pub const COMMANDS: &[(&str, &str, &str, &str)] = &[
    (
        "new",
        "n",
        "new [config_path]",
        "create a new service (empty without a config)",
    ),
    (
        "load",
        "l",
        "load <module_name> <module_path> [module_config]",
        "load a new Wasm module, optionally with its settings",
    ),
    (
        "unload",
        "u",
        "unload <module_name>",
        "unload a Wasm module",
    ),
    (
        "call",
        "c",
        "call <module_name> <func_name> [-nr] [args] [call_params]",
        "call a function of a module (-nr: don't print the result)",
    ),
    (
        "interface",
        "i",
        "interface",
        "print the interface of the loaded modules",
    ),
    (
        "stats",
        "s",
        "stats",
        "print the memory size of each module",
    ),
    (
        "envs",
        "e",
        "envs <module_name>",
        "print a module's environment variables",
    ),
    (
        "fs",
        "f",
        "fs <module_name>",
        "print a module's mapped folders",
    ),
    (
        "timeout",
        "t",
        "timeout [ms|500ms|2s|off]",
        "show or set the call timeout",
    ),
    ("help", "h", "help", "print this message"),
    ("quit", "q", "quit", "exit"),
];

/// The help text.
pub fn help_text() -> String {
    let mut out = String::from("Commands:\n\n");
    let width = COMMANDS.iter().map(|c| c.2.len()).max().unwrap_or(0) + 4;
    for (_, alias, usage, desc) in COMMANDS {
        out.push_str(&format!("{alias}/{usage:<width$}{desc}\n"));
    }
    out.push_str(
        "\n<args> and [call_params] are JSON: an array (by position), an object (by name) or a single\n\
         value; args may be omitted for functions without arguments. Input continues on the next\n\
         line until brackets balance.\n",
    );
    out
}

/// Splits off the first whitespace-separated word.
pub fn next_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// Reads `text` as a stream of whitespace-separated JSON values.
pub fn json_values(text: &str) -> Result<Vec<Value>, serde_json::Error> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect()
}

/// Parses the arguments part of a `call`: nothing, args, or args and call parameters. The
/// arguments are returned as their JSON text (skipped over, not parsed into a tree).
pub fn parse_call_arguments(text: &str) -> Result<(String, Option<Value>), ParseError> {
    let mut skip = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let args = match skip.next() {
        None => "null".to_string(),
        Some(v) => {
            v.map_err(|e| ParseError::InvalidArgs(e.to_string()))?;
            text[..skip.byte_offset()].trim().to_string()
        }
    };
    let rest = &text[skip.byte_offset()..];
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let call_parameters = match stream.next() {
        None => None,
        Some(v) => Some(v.map_err(|e| ParseError::InvalidCallParameters(e.to_string()))?),
    };
    if stream.next().is_some() {
        return Err(ParseError::TrailingCharacters);
    }
    Ok((args, call_parameters))
}

/// Reads a timeout: `500` (ms), `500ms`, `2s`, `1.5s`, `1m`, or `off`/`none`/`0` for none.
pub fn parse_timeout(text: &str) -> Result<Option<Duration>, ParseError> {
    let bad = || ParseError::InvalidTimeout(text.to_string());
    let t = text.trim();
    if matches!(t, "off" | "none" | "0" | "unlimited") {
        return Ok(None);
    }
    let (number, scale_ms) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let ms = value * scale_ms;
    if ms == 0.0 {
        return Ok(None);
    }
    Duration::try_from_secs_f64(ms / 1000.0)
        .map(Some)
        .map_err(|_| bad())
}

fn no_more(command: &'static str, expected: &'static str, rest: &str) -> Result<(), ParseError> {
    let rest = rest.trim();
    if rest.is_empty() {
        Ok(())
    } else {
        Err(ParseError::ExtraArguments {
            command,
            expected,
            extra: rest.to_string(),
        })
    }
}

/// The full command name for a name or alias.
pub fn command_name(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .find(|(name, alias, _, _)| *name == word || *alias == word)
        .map(|(name, ..)| *name)
}

/// Parses one (possibly multi-line) input.
pub fn parse(input: &str) -> Result<Command, ParseError> {
    let Some((word, rest)) = next_word(input) else {
        return Ok(Command::Nothing);
    };
    let Some(name) = command_name(word) else {
        return Err(ParseError::UnknownCommand(word.to_string()));
    };
    match name {
        "new" => {
            let config = next_word(rest).map(|(p, r)| (PathBuf::from(p), r));
            if let Some((_, r)) = &config {
                no_more("new", "at most a config path", r)?;
            }
            Ok(Command::New {
                config: config.map(|(p, _)| p),
            })
        }
        "load" => {
            let (name, rest) = next_word(rest).ok_or(ParseError::NoModuleName)?;
            let (path, rest) = next_word(rest).ok_or(ParseError::NoModulePath)?;
            let config = next_word(rest);
            if let Some((_, r)) = config {
                no_more("load", "a name, a path and a module config", r)?;
            }
            Ok(Command::Load {
                name: name.to_string(),
                path: PathBuf::from(path),
                config: config.map(|(c, _)| PathBuf::from(c)),
            })
        }
        "unload" | "envs" | "fs" => {
            let (module, r) = next_word(rest).ok_or(ParseError::NoModuleName)?;
            let module = module.to_string();
            match name {
                "unload" => {
                    no_more("unload", "a module name", r)?;
                    Ok(Command::Unload { name: module })
                }
                "envs" => {
                    no_more("envs", "a module name", r)?;
                    Ok(Command::Envs { module })
                }
                _ => {
                    no_more("fs", "a module name", r)?;
                    Ok(Command::Fs { module })
                }
            }
        }
        "call" => {
            let (module, rest) = next_word(rest).ok_or(ParseError::NoModuleName)?;
            let (function, mut rest) = next_word(rest).ok_or(ParseError::NoFunctionName)?;
            let mut no_result = false;
            if let Some(("-nr", r)) = next_word(rest) {
                no_result = true;
                rest = r;
            }
            let (args, call_parameters) = parse_call_arguments(rest)?;
            Ok(Command::Call {
                module: module.to_string(),
                function: function.to_string(),
                no_result,
                args,
                call_parameters,
            })
        }
        "timeout" => match next_word(rest) {
            None => Ok(Command::Timeout { set: None }),
            Some((value, r)) => {
                no_more("timeout", "one duration", r)?;
                Ok(Command::Timeout {
                    set: Some(parse_timeout(value)?),
                })
            }
        },
        "interface" => no_more("interface", "no arguments", rest).map(|_| Command::Interface),
        "stats" => no_more("stats", "no arguments", rest).map(|_| Command::Stats),
        "help" => Ok(Command::Help),
        _ => Ok(Command::Quit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(input: &str) -> (Value, Option<Value>, bool) {
        match parse(input).unwrap() {
            Command::Call {
                args,
                call_parameters,
                no_result,
                ..
            } => (
                serde_json::from_str(&args).unwrap(),
                call_parameters,
                no_result,
            ),
            other => panic!("not a call: {other:?}"),
        }
    }

    #[test]
    fn aliases_and_names() {
        assert_eq!(parse("i").unwrap(), Command::Interface);
        assert_eq!(parse("  interface  ").unwrap(), Command::Interface);
        assert_eq!(parse("s").unwrap(), Command::Stats);
        assert_eq!(parse("q").unwrap(), Command::Quit);
        assert_eq!(parse("h").unwrap(), Command::Help);
        assert_eq!(parse("").unwrap(), Command::Nothing);
        assert_eq!(parse("n").unwrap(), Command::New { config: None });
        assert_eq!(
            parse("new Config.toml").unwrap(),
            Command::New {
                config: Some("Config.toml".into())
            }
        );
        assert_eq!(
            parse("u greeting").unwrap(),
            Command::Unload {
                name: "greeting".into()
            }
        );
        assert_eq!(parse("e m").unwrap(), Command::Envs { module: "m".into() });
        assert_eq!(parse("f m").unwrap(), Command::Fs { module: "m".into() });
        assert_eq!(
            parse("frobnicate").unwrap_err(),
            ParseError::UnknownCommand("frobnicate".into())
        );
    }

    #[test]
    fn load_with_and_without_config() {
        assert_eq!(
            parse("load g ./g.wasm").unwrap(),
            Command::Load {
                name: "g".into(),
                path: "./g.wasm".into(),
                config: None
            }
        );
        assert_eq!(
            parse("l g g.wasm g.toml").unwrap(),
            Command::Load {
                name: "g".into(),
                path: "g.wasm".into(),
                config: Some("g.toml".into())
            }
        );
        assert_eq!(parse("load").unwrap_err(), ParseError::NoModuleName);
        assert_eq!(parse("load g").unwrap_err(), ParseError::NoModulePath);
        assert!(matches!(
            parse("load g a b c").unwrap_err(),
            ParseError::ExtraArguments { .. }
        ));
    }

    #[test]
    fn call_argument_shapes() {
        assert_eq!(call("call g greeting"), (Value::Null, None, false));
        assert_eq!(call(r#"call g greeting ["a"]"#).0, json!(["a"]));
        assert_eq!(call(r#"c g greeting "bare""#).0, json!("bare"));
        assert_eq!(call(r#"call g f {"name": "x"}"#).0, json!({"name": "x"}));
        assert_eq!(call("call g f 42").0, json!(42));
        let (args, cp, nr) = call(r#"call g f -nr [1] {"service_id": "s"}"#);
        assert_eq!(args, json!([1]));
        assert_eq!(cp, Some(json!({"service_id": "s"})));
        assert!(nr);
    }

    #[test]
    fn whitespace_inside_json_strings_is_preserved() {
        assert_eq!(call("call g greeting [\"a   b\"]").0, json!(["a   b"]));
        assert_eq!(call("call   g  greeting  \"  x  \"").0, json!("  x  "));
        assert_eq!(
            call("call g f [\n  \"multi\",\n  \"line\"\n]").0,
            json!(["multi", "line"])
        );
    }

    #[test]
    fn call_errors() {
        assert_eq!(parse("call").unwrap_err(), ParseError::NoModuleName);
        assert_eq!(parse("call g").unwrap_err(), ParseError::NoFunctionName);
        assert!(matches!(
            parse("call g f [1,").unwrap_err(),
            ParseError::InvalidArgs(_)
        ));
        assert!(matches!(
            parse("call g f [1] {").unwrap_err(),
            ParseError::InvalidCallParameters(_)
        ));
        assert_eq!(
            parse("call g f [1] {} 3").unwrap_err(),
            ParseError::TrailingCharacters
        );
    }

    #[test]
    fn timeouts() {
        assert_eq!(
            parse_timeout("500").unwrap(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_timeout("500ms").unwrap(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_timeout("2s").unwrap(), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_timeout("1.5s").unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_timeout("1m").unwrap(), Some(Duration::from_secs(60)));
        assert_eq!(parse_timeout("off").unwrap(), None);
        assert_eq!(parse_timeout("0").unwrap(), None);
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("-1").is_err());
        assert_eq!(parse("timeout").unwrap(), Command::Timeout { set: None });
        assert_eq!(
            parse("t 2s").unwrap(),
            Command::Timeout {
                set: Some(Some(Duration::from_secs(2)))
            }
        );
    }

    #[test]
    fn help_lists_every_command_once() {
        let help = help_text();
        for (name, alias, ..) in COMMANDS {
            let needle = format!("{alias}/{name}");
            assert_eq!(help.matches(&needle).count(), 1, "{needle} in\n{help}");
        }
    }
}
