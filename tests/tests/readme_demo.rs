//! The `demo` commands of `runtime-minimal/README.md`, run as written there: the README's first
//! `sh` block is read, `cargo run -p marine-e2e --bin demo --` is replaced by this package's
//! `demo` binary, and each command runs through `sh` from the repository root.

use std::process::Command;

const CARGO_RUN_DEMO: &str = "cargo run -p marine-e2e --bin demo --";

/// The commands of the README's first `sh` block, continuation lines joined, comments kept
/// (the shell drops them).
fn readme_demo_commands() -> Vec<String> {
    let readme =
        std::fs::read_to_string(marine_e2e::repo_root().join("runtime-minimal/README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("runtime-minimal/README.md has a sh block");
    let joined = block.replace("\\\n", " ");
    let commands: Vec<String> = joined
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    assert!(
        commands.iter().all(|c| c.starts_with(CARGO_RUN_DEMO)),
        "every command runs the demo: {commands:?}"
    );
    commands
}

/// Runs one README command with the demo binary; returns its stdout. Panics on failure.
fn run(command: &str) -> String {
    marine_e2e::build_examples();
    let command = command.replacen(
        CARGO_RUN_DEMO,
        &format!("'{}'", env!("CARGO_BIN_EXE_demo")),
        1,
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(marine_e2e::repo_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{command}\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The part of the demo's output after the timing lines: the call and its result.
fn call_and_result(stdout: &str) -> String {
    let start = stdout.find("\nservice with modules ").expect(stdout);
    let call = stdout[start + 1..]
        .split_once('\n')
        .expect("a line follows")
        .1;
    let end = call.find("elapsed time: ").expect(call);
    call[..end].to_string()
}

#[test]
fn the_runtime_readme_has_two_demo_commands() {
    assert_eq!(readme_demo_commands().len(), 2);
}

#[test]
fn records_passing_demo_from_the_readme() {
    let command = &readme_demo_commands()[0];
    assert!(command.contains("records-passing/Config.toml"), "{command}");
    let out = run(command);
    assert!(
        out.contains(
            "service with modules [\"records_passing_effector\", \"records_passing_pure\"] created in "
        ),
        "{out}"
    );
    // field_0 + nested field_0 + len("ab") + len([1]) = 1 + 5 + 2 + 1, computed by the
    // effector and returned through the pure module (the facade).
    assert_eq!(
        call_and_result(&out),
        "records_passing_pure.invoke_ref\nresult: {\n  \"field_0\": 9\n}\n",
        "{out}"
    );
}

#[test]
fn url_downloader_demo_from_the_readme() {
    let command = &readme_demo_commands()[1];
    assert!(command.contains("url-downloader/Config.toml"), "{command}");
    let saved = marine_e2e::repo_root().join("examples/url-downloader/sites/hostname.txt");
    let _ = std::fs::remove_file(&saved);
    let out = run(command);
    assert_eq!(
        call_and_result(&out),
        "facade.get_n_save\nresult: \"Ok\"\n",
        "{out}"
    );
    // The page went through curl (mounted binary) and local_storage (mapped dir) to the file.
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read("/etc/hostname").unwrap()
    );
}
