//! `mrepl` driven through a pipe and through a pseudo-terminal over a service made of the
//! examples (built by `marine_e2e::build_examples`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use marine_guest_build::clear_outer_build_env;

/// A tempdir with a Config.toml listing example modules from the examples' build folder.
struct Service {
    dir: tempfile::TempDir,
}

impl Service {
    fn new(modules: &[&str]) -> Self {
        let wasm_dir = marine_e2e::build_examples();
        let dir = tempfile::tempdir().unwrap();
        let mut config = format!(
            "modules_dir = {}\n",
            toml_str(&wasm_dir.display().to_string())
        );
        for m in modules {
            config.push_str(&format!("\n[[module]]\nname = \"{m}\"\n"));
        }
        std::fs::write(dir.path().join("Config.toml"), config).unwrap();
        Service { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("Config.toml")
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mrepl(args: &[&str], cwd: &Path, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mrepl"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mrepl starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn wasm(name: &str) -> String {
    marine_e2e::example_wasm(name).display().to_string()
}

/// Versions of the official `marine-rs-sdk` in the lock files of `tests/compat` and
/// `tests/compat-old`, sorted by version.
fn official_sdk_versions_built_by_the_compat_tests() -> Vec<String> {
    let root = marine_e2e::repo_root();
    let mut versions = Vec::new();
    for lock in ["tests/compat/Cargo.lock", "tests/compat-old/Cargo.lock"] {
        let text = std::fs::read_to_string(root.join(lock)).unwrap();
        let lock: toml::Value = toml::from_str(&text).unwrap();
        for package in lock["package"].as_array().unwrap() {
            // Registry packages only: our own SDK would appear as a path package.
            if package["name"].as_str() == Some("marine-rs-sdk") && package.get("source").is_some()
            {
                versions.push(package["version"].as_str().unwrap().to_string());
            }
        }
    }
    let key = |v: &String| -> Vec<u32> { v.split('.').map(|n| n.parse().unwrap()).collect() };
    versions.sort_by_key(key);
    assert!(versions.len() >= 4, "{versions:?}");
    versions
}

#[test]
fn banner_service_creation_and_calls_with_every_argument_shape() {
    let svc = Service::new(&["greeting", "scalars", "records", "arrays"]);
    let config = svc.config();
    let input = r#"call greeting greeting ["Fluence"]
c greeting greeting "a   b"
call greeting greeting {"name": "by name"}
call scalars nothing
call scalars nothing []
call scalars describe [true, -1, -2, -3, -4, 1, 2, 3, 4, 1.5, 2.5]
call records echo_record0 {"r": {"field_0": 7}}
call arrays reverse_strings [
  ["one",
   "two"]
]
call greeting greeting -nr ["quiet"]
call greeting greeting ["cp"] {"service_id": "svc", "particle": {"id": "p1"}}
q
call greeting greeting ["never reached"]
"#;
    let out = mrepl(&[config.to_str().unwrap()], svc.path(), input);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("Welcome to the Marine REPL (version "),
        "{text}"
    );
    // The banner lists exactly the official SDK versions the compat workspaces build.
    let verified = official_sdk_versions_built_by_the_compat_tests().join(", ");
    assert!(
        text.starts_with(&format!(
            "Welcome to the Marine REPL (version {})\nVerified SDK versions\n  marine-rs-sdk: {verified}\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    assert!(!text.contains("interface-types"), "{text}");
    assert!(
        text.contains("\napp service was created with service id = "),
        "{text}"
    );
    assert!(text.contains("\nelapsed time "), "{text}");
    assert!(
        text.contains("result: \"Hi, Fluence\"\nelapsed time: "),
        "{text}"
    );
    assert!(
        text.contains("result: \"Hi, a   b\"\n"),
        "whitespace kept: {text}"
    );
    assert!(text.contains("result: \"Hi, by name\"\n"), "{text}");
    assert_eq!(text.matches("result: null\n").count(), 2, "{text}");
    assert!(
        text.contains("result: \"true -1 -2 -3 -4 1 2 3 4 1.5 2.5\""),
        "{text}"
    );
    assert!(
        text.contains("result: {\n  \"field_0\": 7\n}\n"),
        "pretty: {text}"
    );
    assert!(
        text.contains("result: [\n  \"two\",\n  \"one\"\n]\n"),
        "{text}"
    );
    assert!(text.contains("call succeeded, elapsed time: "), "{text}");
    assert!(!text.contains("quiet"), "{text}");
    assert!(text.contains("result: \"Hi, cp\""), "{text}");
    assert!(!text.contains("never reached"), "{text}");
}

#[test]
fn interface_and_calls_with_the_abi_extensions() {
    let svc = Service::new(&["rich_types"]);
    let config = svc.config();
    let input = r#"interface
call rich_types parse ["12"]
call rich_types parse ["x"]
call rich_types echo_shape [{"Pair": [3, "p"]}]
call rich_types echo_tuple [[1, "t", [2]]]
call rich_types echo_option [null]
"#;
    let out = mrepl(&[config.to_str().unwrap()], svc.path(), input);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for part in [
        "enum Shape:\n  Empty\n  Pair(u8, string)\n  Boxed { item: Item, weight: ?f64 }\n",
        "  func echo_tuple(v: (i32, string, []u8)) -> (i32, string, []u8)\n",
        "result: {\n  \"Ok\": 12\n}",
        "\"Err\": \"`x`: invalid digit found in string\"",
        "\"Pair\": [\n    3,\n    \"p\"\n  ]",
        "result: null",
    ] {
        assert!(text.contains(part), "{part}\nin\n{text}");
    }
}

#[test]
fn interface_stats_envs_fs_and_help() {
    let svc = Service::new(&["greeting", "records"]);
    let config = svc.config();
    let out = mrepl(
        &["-q", config.to_str().unwrap()],
        svc.path(),
        "i\ninterface\ns\nenvs greeting\nfs greeting\nh\n",
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("Welcome"), "quiet: {text}");
    assert!(!text.contains("app service was created"), "quiet: {text}");
    assert_eq!(
        text.matches("Loaded modules interface:\n").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("exported data types (combined from all modules):\n"),
        "{text}"
    );
    assert!(
        text.contains("data TestRecord0:\n  field_0: i32\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\nexported functions:\ngreeting:\n  func greeting(name: string) -> string\nrecords:\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  func wrap(inner: AllTypes, label: string) -> Wrapper\n"),
        "{text}"
    );
    assert!(
        text.contains("Loaded modules heap sizes:\ngreeting - "),
        "{text}"
    );
    assert!(text.contains("\nrecords - "), "{text}");
    assert!(
        text.contains("greeting has no environment variables\n"),
        "{text}"
    );
    assert!(text.contains("greeting has no mapped folders\n"), "{text}");
    assert!(text.contains("c/call <module_name> <func_name>"), "{text}");
}

#[test]
fn every_failing_command_reports_an_error() {
    let svc = Service::new(&["greeting"]);
    let config = svc.config();
    let input = r#"load
load g
call
call greeting
call greeting nope
call nope f
call greeting greeting [1]
call greeting greeting ["a"] {} 3
call greeting greeting ["a"] {"service_id": 5}
call greeting greeting [1,
2}
unload nope
envs nope
fs nope
frobnicate
timeout soon
new /no/such/Config.toml
load g /no/such.wasm
call greeting greeting ["still alive"]
"#;
    let out = mrepl(&["-q", config.to_str().unwrap()], svc.path(), input);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed command fails the script: {text}"
    );
    for expected in [
        "Module name should be specified\n",
        "Module path should be specified\n",
        "Function name should be specified\n",
        "call failed with: ",
        "nope",
        "trailing characters after call parameters are not supported\n",
        "invalid call parameters: ",
        "invalid args: ",
        "unloading failed with: ",
        "module `nope` is not loaded\n",
        "unknown command `frobnicate`",
        "invalid timeout `soon`",
        "failed to create a new application service: ",
        "/no/such/Config.toml",
        "loading failed with: ",
        "/no/such.wasm",
        "result: \"Hi, still alive\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // The argument error names the function, the argument, the expected type and the value.
    assert!(
        text.contains(
            "call failed with: module `greeting`, function `greeting`: invalid JSON arguments: \
             function `greeting`, argument `name`: expected string, got number 1\n"
        ),
        "{text}"
    );
}

#[test]
fn load_unload_and_new_change_the_service() {
    let svc = Service::new(&["greeting"]);
    let config = svc.config();
    let module_config = svc.path().join("scalars.toml");
    std::fs::write(
        &module_config,
        "logger_enabled = true\n[wasi]\nenvs = { LEVEL = \"debug\" }\nmapped_dirs = { \"data\" = \"./data\" }\n",
    )
    .unwrap();
    std::fs::create_dir(svc.path().join("data")).unwrap();
    let input = format!(
        "load g {greeting}\ncall g greeting [\"loaded\"]\nload s {scalars} scalars.toml\nenvs s\nfs s\ncall s nothing\nunload g\ncall g greeting [\"gone\"]\nnew {config}\ni\nnew\ni\n",
        greeting = wasm("greeting"),
        scalars = wasm("scalars"),
        config = config.display()
    );
    let out = mrepl(&["-q"], svc.path(), &input);
    let text = stdout(&out);
    assert!(
        text.contains("module successfully loaded into App service\nelapsed time: "),
        "{text}"
    );
    assert!(text.contains("result: \"Hi, loaded\""), "{text}");
    assert!(text.contains("Environment variables of s:\n"), "{text}");
    assert!(text.contains("  LEVEL=debug\n"), "{text}");
    let data = svc.path().join("data");
    assert!(
        text.contains(&format!(
            "Mapped folders of s (guest path => host path):\n  data => {}\n",
            data.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("module successfully unloaded from App service\n"),
        "{text}"
    );
    assert!(text.contains("call failed with: "), "{text}");
    assert!(!text.contains("Hi, gone"), "{text}");
    assert_eq!(
        text.matches("app service was created with service id = ")
            .count(),
        2,
        "{text}"
    );
    // After `new <config>` only greeting is loaded; after `new` nothing is.
    let after_new = text.split("Loaded modules interface:").collect::<Vec<_>>();
    assert_eq!(after_new.len(), 3, "{text}");
    assert!(
        after_new[1].contains("greeting:\n  func greeting"),
        "{text}"
    );
    assert!(!after_new[1].contains("\ns:\n"), "{text}");
    assert!(after_new[2].contains("<no exported functions>"), "{text}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the call to the unloaded module failed"
    );
}

#[test]
fn startup_errors_exit_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Bad.toml"), "modules_dir = 5\n").unwrap();
    let out = mrepl(&["Bad.toml"], dir.path(), "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains("Bad.toml"), "{err}");
}

#[test]
fn marine_repl_runs_mrepl_with_the_same_arguments() {
    let svc = Service::new(&["greeting"]);
    let config = svc.config();
    let mut child = Command::new(env!("CARGO_BIN_EXE_marine"))
        .args(["repl", "-q", config.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"call greeting greeting [\"via marine\"]\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("result: \"Hi, via marine\""), "{text}");
    assert!(!text.contains("Welcome"), "{text}");
}

#[cfg(unix)]
#[test]
fn terminal_session_with_prompt_multiline_input_and_completion() {
    let svc = Service::new(&["greeting", "scalars"]);
    let history = svc.path().join("history");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrepl"));
    cmd.arg(svc.config())
        .arg("--history")
        .arg(&history)
        .current_dir(svc.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("pty");
    p.exp_string("Welcome to the Marine REPL").unwrap();
    p.exp_string("app service was created with service id = ")
        .unwrap();
    p.exp_string("1> ").unwrap();
    p.send_line("call greeting greeting [\"pty\"]").unwrap();
    p.exp_string("result: \"Hi, pty\"").unwrap();
    p.exp_string("2> ").unwrap();
    // Brackets not balanced yet: the input continues on the next line.
    p.send_line("call greeting greeting [").unwrap();
    p.send_line("\"two lines\"]").unwrap();
    p.exp_string("result: \"Hi, two lines\"").unwrap();
    p.exp_string("3> ").unwrap();
    // Tab completes the command, the module and the function.
    p.send("inter\t").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Loaded modules interface:").unwrap();
    p.exp_string("4> ").unwrap();
    p.send("call gre\t").unwrap();
    p.send("gre\t").unwrap();
    p.send_line(" [\"tab\"]").unwrap();
    p.exp_string("result: \"Hi, tab\"").unwrap();
    p.exp_string("5> ").unwrap();
    p.send_line("call scalars nope").unwrap();
    p.exp_string("call failed with: ").unwrap();
    p.exp_string("6> ").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(
        saved.contains("call greeting greeting [\"pty\"]"),
        "{saved}"
    );
}

/// On a terminal (and without `NO_COLOR`) the prompt is bold green and errors are red; piped,
/// the same session has no escape codes at all.
#[cfg(unix)]
#[test]
fn colours_on_a_terminal_only() {
    let svc = Service::new(&["greeting"]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrepl"));
    cmd.arg("-q")
        .arg(svc.config())
        .arg("--history")
        .arg(svc.path().join("history"))
        .current_dir(svc.path())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("pty");
    p.exp_string("\x1b[1;32m1> \x1b[0m").unwrap();
    p.send_line("call greeting nope").unwrap();
    p.exp_string("\x1b[31mcall failed with: ").unwrap();
    p.exp_string("\x1b[0m").unwrap();
    p.exp_string("\x1b[1;32m2> \x1b[0m").unwrap();
    p.send_line("call greeting greeting [\"colour\"]").unwrap();
    // Results are not coloured.
    p.exp_string("result: \"Hi, colour\"").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();

    let mut piped = Command::new(env!("CARGO_BIN_EXE_mrepl"));
    piped
        .args(["-q", svc.config().to_str().unwrap()])
        .current_dir(svc.path())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = piped.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"call greeting nope\ncall greeting greeting [\"plain\"]\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("call failed with: "), "{text}");
    assert!(text.contains("result: \"Hi, plain\""), "{text}");
    assert!(!text.contains('\x1b'), "{text:?}");
}

/// The README's scripted session: `marine build` the examples into an artifacts folder next to
/// a copy of `examples/Config.toml`, then pipe `examples/session.mrepl` into mrepl.
#[test]
fn scripted_example_session_from_the_readme() {
    marine_e2e::build_examples();
    let root = marine_e2e::repo_root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("examples/Config.toml"),
        dir.path().join("Config.toml"),
    )
    .unwrap();
    let build = clear_outer_build_env(&mut Command::new(env!("CARGO_BIN_EXE_marine")))
        .arg("build")
        .arg("--manifest-path")
        .arg(root.join("examples/Cargo.toml"))
        .args(["--locked", "--release", "--quiet", "--artifacts"])
        .arg(dir.path().join("artifacts"))
        .env("CARGO_TARGET_DIR", marine_e2e::wasm_target_dir())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = stdout(&build);
    assert!(
        build.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    for module in ["greeting", "scalars", "arrays", "records"] {
        assert!(
            report.contains(&format!("module {module} (sdk ")),
            "{report}"
        );
        assert!(dir
            .path()
            .join(format!("artifacts/{module}.wasm"))
            .is_file());
    }

    let script = std::fs::read_to_string(root.join("examples/session.mrepl")).unwrap();
    let out = mrepl(&["Config.toml"], dir.path(), &script);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "app service was created with service id = ",
        "Loaded modules interface:\n",
        "result: \"Hi, Fluence\"\nelapsed time: ",
        "result: \"Hi, named   argument\"\n",
        "result: \"true -1 -2 -3 -4 1 2 3 4 1.5 2.5\"\n",
        "result: null\n",
        "result: [\n  \"third\",\n  \"second\",\n  \"first\"\n]\n",
        "result: {\n  \"field_0\": 42\n}\n",
        "result: \"Hi, call parameters\"\n",
        "Loaded modules heap sizes:\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// The seed's three-module url-downloader: mapped folder, mounted binary, module imports.
#[test]
fn url_downloader_service_with_mapped_folder_and_linked_modules() {
    let wasm_dir = marine_e2e::build_examples();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"modules_dir = {}

[[module]]
name = "local_storage"
[module.wasi]
envs = {{ STORAGE = "sites" }}
mapped_dirs = {{ "sites" = "./sites" }}

[[module]]
name = "curl_adapter"
[module.mounted_binaries]
curl = "/usr/bin/curl"

[[module]]
name = "facade"
"#,
        toml_str(&wasm_dir.display().to_string())
    );
    std::fs::write(dir.path().join("Config.toml"), config).unwrap();
    let input = r#"fs local_storage
envs local_storage
fs facade
call local_storage put ["note.txt", [104, 105]]
call facade load "note.txt"
unload local_storage
i
"#;
    let out = mrepl(&["-q", "Config.toml", "-w", "."], dir.path(), input);
    let text = stdout(&out);
    let sites = dir.path().join("sites");
    assert!(
        text.contains(&format!(
            "Mapped folders of local_storage (guest path => host path):\n  sites => {}\n",
            sites.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("Environment variables of local_storage:\n  STORAGE=sites\n"),
        "{text}"
    );
    assert!(text.contains("facade has no mapped folders\n"), "{text}");
    assert!(text.contains("result: \"Ok\"\n"), "{text}");
    assert_eq!(std::fs::read(sites.join("note.txt")).unwrap(), b"hi");
    assert!(text.contains("result: [\n  104,\n  105\n]\n"), "{text}");
    // The facade imports from local_storage: unloading it is refused, the module stays.
    assert!(text.contains("unloading failed with: "), "{text}");
    assert!(
        text.contains("local_storage:\n  func get(file_name: string) -> []u8\n"),
        "{text}"
    );
    assert!(
        text.contains("facade:\n  func get_n_save(url: string, file_name: string) -> string\n"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "the refused unload is an error");
}

/// A looping call is stopped by the timeout (`--timeout` and the `timeout` command), and the
/// service goes on answering.
#[test]
fn looping_call_is_interrupted_by_the_configurable_timeout() {
    let svc = Service::new(&["misbehaving", "greeting"]);
    let config = svc.config();
    let input = "call misbehaving spin\ntimeout 150ms\ncall misbehaving spin\ncall misbehaving ok\ncall greeting greeting [\"after\"]\ntimeout\n";
    let out = mrepl(
        &["-q", "--timeout", "300", config.to_str().unwrap()],
        svc.path(),
        input,
    );
    let text = stdout(&out);
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("call failed with: "))
        .collect();
    assert_eq!(failures.len(), 2, "{text}");
    assert!(failures[0].contains("spin"), "{text}");
    assert!(failures[0].contains("300ms"), "the --timeout value: {text}");
    assert!(
        failures[1].contains("150ms"),
        "the timeout command's value: {text}"
    );
    assert!(text.contains("call timeout: 150ms\n"), "{text}");
    assert!(text.contains("result: \"still fine\""), "{text}");
    assert!(text.contains("result: \"Hi, after\""), "{text}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_second_mrepl_finds_the_compiled_module_in_the_cache_dir() {
    let svc = Service::new(&["greeting"]);
    let config = svc.config();
    let cache = svc.path().join("cache");
    let run = |args: &[&str]| {
        let mut all = vec!["-q", config.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = mrepl(&all, svc.path(), "call greeting greeting [\"c\"]\nstats\n");
        let text = stdout(&out);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("result: \"Hi, c\""), "{text}");
        text
    };
    let first = run(&["--cache-dir", cache.to_str().unwrap()]);
    assert!(
        first.contains("Compiled-module cache: 0 hits, 1 misses, 1 written, 0 rejected"),
        "{first}"
    );
    let files_ending = |ext: &str| {
        std::fs::read_dir(&cache)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some(ext.as_ref()))
            .count()
    };
    assert_eq!(files_ending("mcache"), 1);
    // The record of the unchanged `.wasm`'s digest, once the file is 2 s old.
    assert!(files_ending("stamp") <= 1);
    let second = run(&["--cache-dir", cache.to_str().unwrap()]);
    assert!(
        second.contains("Compiled-module cache: 1 hits, 0 misses, 0 written, 0 rejected"),
        "{second}"
    );
    let off = run(&["--no-cache"]);
    assert!(off.contains("Compiled-module cache: off"), "{off}");
}
