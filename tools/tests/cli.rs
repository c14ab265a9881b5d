//! The `marine` binary run as a child process over the examples (built by
//! `marine_e2e::build_examples`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use marine_guest_build::clear_outer_build_env;

fn marine(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_marine"));
    cmd.args(args).env("NO_COLOR", "1");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output().expect("marine runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "marine failed: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "marine unexpectedly succeeded");
    String::from_utf8(out.stderr.clone()).expect("utf-8 output")
}

fn wasm(name: &str) -> String {
    marine_e2e::example_wasm(name).display().to_string()
}

#[test]
fn aqua_of_greeting_is_the_official_format() {
    let out = ok(&marine(&["aqua", &wasm("greeting")], None));
    assert_eq!(
        out,
        "aqua Greeting declares *\n\nservice Greeting:\n  greeting(name: string) -> string\n"
    );
}

#[test]
fn aqua_with_name_id_records_and_unit_results() {
    let out = ok(&marine(
        &[
            "aqua",
            &wasm("records"),
            "-s",
            "records_effector",
            "-i",
            "svc-1",
        ],
        None,
    ));
    assert!(out.starts_with("aqua RecordsEffector declares *\n\ndata TestRecord0:\n  field_0: i32\n\ndata TestRecord1:\n  field_0: i32\n  field_1: string\n  field_2: []u8\n  test_record_0: TestRecord0\n\n"), "{out}");
    // A record comes after the records its fields use.
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s} missing in\n{out}"))
    };
    assert!(pos("data AllTypes:") < pos("data Wrapper:"));
    assert!(out.contains("  words: []string\n  nested: TestRecord1\n"));
    assert!(out
        .contains("\nservice RecordsEffector(\"svc-1\"):\n  echo_all(r: AllTypes) -> AllTypes\n"));
    assert!(out.contains("  test_record_array(test_record: []TestRecord1) -> []TestRecord1\n"));
    assert!(
        out.ends_with("  wrap(inner: AllTypes, label: string) -> Wrapper\n"),
        "{out}"
    );

    let scalars = ok(&marine(
        &["aqua", &wasm("scalars"), "--service", "num"],
        None,
    ));
    assert!(
        scalars.starts_with("aqua Num declares *\n\nservice Num:\n"),
        "{scalars}"
    );
    assert!(scalars.contains("  nothing()\n"), "{scalars}");
    assert!(
        scalars.contains("  upper_no_result(s: string)\n"),
        "{scalars}"
    );
}

#[test]
fn info_lists_version_exports_effects_and_sizes() {
    let out = ok(&marine(&["info", &wasm("greeting")], None));
    assert!(
        out.starts_with("sdk version: 0.14.0\nmodule doesn't contain module manifest\n"),
        "{out}"
    );
    assert!(
        out.contains("exports:\n  func greeting(name: string) -> string\n"),
        "{out}"
    );
    assert!(out.contains("  other modules:\n    <none>\n"), "{out}");
    assert!(out.contains("  mounted binaries:\n    <none>\n"), "{out}");
    assert!(out.contains("  wasi:\n    "), "{out}");
    assert!(out.contains("fd_write"), "{out}");
    let size = std::fs::metadata(wasm("greeting")).unwrap().len();
    assert!(out.contains(&format!("({size} bytes)")), "{out}");
    assert!(out.contains("pages initial"), "{out}");

    let records = ok(&marine(&["info", &wasm("records")], None));
    assert!(
        records.contains("exported data types:\n  data TestRecord0:\n    field_0: i32\n"),
        "{records}"
    );
    assert!(records.contains("  func wrap(inner: AllTypes, label: string) -> Wrapper\n"));
}

#[test]
fn it_and_set_embed_the_section_and_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let original = wasm("records");
    let copy = dir.path().join("records.wasm");
    let copy = copy.to_str().unwrap();
    std::fs::copy(&original, copy).unwrap();

    // Built by cargo alone: no section; our runtime does not need one.
    let info = ok(&marine(&["info", copy], None));
    assert!(
        info.contains("\nmodule doesn't contain interface-types (the official runtime needs it: `marine set it`)\n"),
        "{info}"
    );
    let err = failed(&marine(&["it", copy], None));
    assert!(
        err.contains("records.wasm: no `interface-types` section"),
        "{err}"
    );

    // Embedded in place.
    let out = ok(&marine(&["set", "it", copy], None));
    assert_eq!(out, format!("written {copy}\n"));
    let info = ok(&marine(&["info", copy], None));
    assert!(
        info.contains("\ninterface-types (it version 0.28.0): matches the JSON metadata\n"),
        "{info}"
    );
    let it = ok(&marine(&["it", copy], None));
    assert!(
        it.contains("(@interface type (record $TestRecord0 (\n field $field_0: s32\n)))"),
        "{it}"
    );
    assert!(it.contains("\n(@interface export \"wrap\" (func "), "{it}");

    // Into another file; embedding again gives the same bytes.
    let again = dir.path().join("again.wasm");
    ok(&marine(
        &["set", "it", copy, "-o", again.to_str().unwrap()],
        None,
    ));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(copy).unwrap());

    // The SDK version, replaced.
    ok(&marine(&["set", "version", copy, "0.15.2"], None));
    let info = ok(&marine(&["info", copy], None));
    assert!(info.starts_with("sdk version: 0.15.2\n"), "{info}");
    let err = failed(&marine(&["set", "version", copy, "latest"], None));
    assert!(
        err.contains("version `latest` is not MAJOR.MINOR.PATCH"),
        "{err}"
    );

    // A section that no longer matches the metadata is reported.
    let greeting = std::fs::read(wasm("greeting")).unwrap();
    let section = marine_ast::it::Interfaces::from_wasm(&greeting)
        .unwrap()
        .to_bytes()
        .unwrap();
    let stale = marine_ast::custom_section::replace_custom_section(
        &std::fs::read(copy).unwrap(),
        marine_ast::it::IT_SECTION_NAME,
        &section,
    )
    .unwrap();
    std::fs::write(copy, stale).unwrap();
    let info = ok(&marine(&["info", copy], None));
    assert!(info.contains("DIFFERS from the JSON metadata"), "{info}");
}

#[test]
fn errors_name_the_file() {
    let err = failed(&marine(&["info", "/no/such/module.wasm"], None));
    assert!(err.contains("/no/such/module.wasm"), "{err}");
    assert!(err.contains("No such file"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let not_wasm = dir.path().join("x.wasm");
    std::fs::write(&not_wasm, "hello").unwrap();
    let err = failed(&marine(&["aqua", not_wasm.to_str().unwrap()], None));
    assert!(err.contains("x.wasm: not a Wasm binary"), "{err}");

    let err = failed(&marine(&["new", "9lives", "--registry"], Some(dir.path())));
    assert!(err.contains("argument `9lives`"), "{err}");
    let err = failed(&marine(&["frobnicate"], None));
    assert!(err.contains("frobnicate"), "{err}");
}

/// The folder that holds the guest build of the examples, shared with `marine build` below
/// so the SDK's dependencies are not compiled twice.
fn shared_wasm_target() -> PathBuf {
    marine_e2e::wasm_target_dir()
}

#[test]
fn new_then_build_then_info_and_aqua() {
    marine_e2e::build_examples();
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&marine(
        &["new", "hello-mod", "--path", dir.path().to_str().unwrap()],
        None,
    ));
    let krate = dir.path().join("hello-mod");
    assert!(out.contains(&format!(
        "created module crate `hello-mod` in {}",
        krate.display()
    )));
    for f in ["Cargo.toml", "Config.toml", "src/main.rs", ".gitignore"] {
        assert!(krate.join(f).is_file(), "{f} missing");
    }
    // Same dependency versions as the examples, so their build cache is reused.
    std::fs::copy(
        marine_e2e::repo_root().join("examples/Cargo.lock"),
        krate.join("Cargo.lock"),
    )
    .unwrap();

    let artifacts = krate.join("artifacts");
    let output = clear_outer_build_env(&mut Command::new(env!("CARGO_BIN_EXE_marine")))
        .args(["build", "--release", "--quiet", "--artifacts"])
        .arg(&artifacts)
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", shared_wasm_target())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = ok(&output);
    assert!(
        report.contains("module hello-mod (sdk 0.14.0): "),
        "{report}"
    );
    assert!(
        report.contains("  func greeting(name: string) -> string\n"),
        "{report}"
    );
    let built = artifacts.join("hello-mod.wasm");
    assert!(
        report.contains(&format!("  copied to {}", built.display())),
        "{report}"
    );
    assert!(built.is_file());
    // Deployable as built: the interface-types section the official runtime reads.
    assert!(report.contains("  interface-types embedded ("), "{report}");
    let it = ok(&marine(&["it", built.to_str().unwrap()], None));
    assert!(
        it.starts_with("(@interface it_version \"0.28.0\")\n\n;; Types\n"),
        "{it}"
    );
    assert!(
        it.contains("\n(@interface export \"greeting\" (func "),
        "{it}"
    );

    // The new module carries a manifest (module_manifest!()).
    let info = ok(&marine(&["info", built.to_str().unwrap()], None));
    assert!(
        info.contains("\ninterface-types (it version 0.28.0): matches the JSON metadata\n"),
        "{info}"
    );
    assert!(
        info.contains("module manifest:\n  authors:     \n  version:     0.1.0\n"),
        "{info}"
    );
    let aqua = ok(&marine(&["aqua", built.to_str().unwrap()], None));
    assert_eq!(
        aqua,
        "aqua HelloMod declares *\n\nservice HelloMod:\n  greeting(name: string) -> string\n"
    );

    // The crate's own #[marine_test] tests run on the host against the module just built.
    // They share this workspace's target dir: same dependency versions (the lock file copied
    // above) and the same dev profile, so only the new crate and our path crates compile.
    let host_target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The first `marine build` completed the copied lock file with the new crate; from here
    // on it must not change.
    let output = clear_outer_build_env(&mut Command::new(cargo))
        .args(["test", "--locked", "--quiet"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", host_target)
        .output()
        .unwrap();
    let tests = ok(&output);
    assert!(
        tests.contains("test result: ok. 2 passed; 0 failed"),
        "{tests}"
    );

    // A failing build reports cargo's failure.
    std::fs::write(krate.join("src/main.rs"), "this is not rust").unwrap();
    let output = clear_outer_build_env(&mut Command::new(env!("CARGO_BIN_EXE_marine")))
        .args(["build", "--release", "--quiet"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", shared_wasm_target())
        .output()
        .unwrap();
    let err = failed(&output);
    assert!(err.contains("exited with"), "{err}");
}

/// `marine build` then `cargo test` on a crate made by `marine new`, with the examples' lock
/// file (same dependency versions) and the target dirs of `new_then_build_then_info_and_aqua`:
/// only our packages and the new crate compile. Returns the completed lock file.
fn build_and_test_new_crate(krate: &Path, name: &str) -> toml::Table {
    std::fs::copy(
        marine_e2e::repo_root().join("examples/Cargo.lock"),
        krate.join("Cargo.lock"),
    )
    .unwrap();
    let output = clear_outer_build_env(&mut Command::new(env!("CARGO_BIN_EXE_marine")))
        .args(["build", "--release", "--quiet", "--artifacts", "artifacts"])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", shared_wasm_target())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = ok(&output);
    assert!(
        report.contains(&format!("module {name} (sdk 0.14.0): ")),
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("was not used in the crate graph"),
        "{stderr}"
    );
    assert!(krate
        .join("artifacts")
        .join(format!("{name}.wasm"))
        .is_file());

    let host_target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = clear_outer_build_env(&mut Command::new(cargo))
        .args(["test", "--locked", "--quiet"])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", host_target)
        .output()
        .unwrap();
    let tests = ok(&output);
    assert!(
        tests.contains("test result: ok. 2 passed; 0 failed"),
        "{tests}"
    );
    toml::from_str(&std::fs::read_to_string(krate.join("Cargo.lock")).unwrap()).unwrap()
}

/// The `source` of each of our two packages in a lock file (`None`: a path package).
fn sources_of_our_packages(lock: &toml::Table) -> Vec<(String, Option<String>)> {
    let mut found: Vec<_> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            ["marine-native-rs-sdk", "marine-native-rs-sdk-test"]
                .contains(&name)
                .then(|| {
                    (
                        name.to_string(),
                        p.get("source").and_then(|s| s.as_str()).map(str::to_string),
                    )
                })
        })
        .collect();
    found.sort();
    found
}

/// The registry and git forms of `marine new` (the path form is
/// `new_then_build_then_info_and_aqua`): each writes the official dependency keys with this
/// project's package names, and the crate builds and passes its `#[marine_test]` tests.
#[test]
fn new_registry_and_git_forms_build_and_test() {
    marine_e2e::build_examples();
    let repo = marine_e2e::repo_root();
    let dir = tempfile::tempdir().unwrap();
    let new = |name: &str, form: &[&str]| {
        let mut args = vec!["new", name, "--path", dir.path().to_str().unwrap()];
        args.extend_from_slice(form);
        ok(&marine(&args, None));
        let krate = dir.path().join(name);
        let cargo_toml = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
        (krate, cargo_toml)
    };

    // Registry: the packages are not on crates.io yet, so `[patch.crates-io]` points the two
    // names the crate asks crates.io for at this checkout. Cargo resolves the written
    // dependencies through the patch only if their spelling (package name, version) matches
    // ours, and warns of an unused patch otherwise (checked above).
    let (krate, cargo_toml) = new("reg-mod", &["--registry"]);
    assert!(
        cargo_toml.contains(
            "marine-rs-sdk = { package = \"marine-native-rs-sdk\", version = \"0.14.0\" }\n"
        ),
        "{cargo_toml}"
    );
    assert!(
        cargo_toml.contains(
            "marine-rs-sdk-test = { package = \"marine-native-rs-sdk-test\", version = \"0.14.0\" }\n"
        ),
        "{cargo_toml}"
    );
    let patch = format!(
        "\n[patch.crates-io]\nmarine-native-rs-sdk = {{ path = {:?} }}\nmarine-native-rs-sdk-test = {{ path = {:?} }}\n",
        repo.join("sdk").to_str().unwrap(),
        repo.join("test-env").to_str().unwrap(),
    );
    std::fs::write(krate.join("Cargo.toml"), cargo_toml + &patch).unwrap();
    let lock = build_and_test_new_crate(&krate, "reg-mod");
    assert_eq!(
        sources_of_our_packages(&lock),
        [
            ("marine-native-rs-sdk".to_string(), None),
            ("marine-native-rs-sdk-test".to_string(), None)
        ]
    );

    // Git: a repository holding this checkout's files (tracked and untracked, not ignored) in
    // one commit, so the working tree is what is tested. A fixed place and fixed dates: the
    // same files give the same URL and commit, so a rerun reuses cargo's checkout and build.
    let git_repo = Path::new(env!("CARGO_TARGET_TMPDIR")).join("marine-new-git-form");
    if git_repo.exists() {
        std::fs::remove_dir_all(&git_repo).unwrap();
    }
    let git = |args: &[&str], cwd: &Path| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=marine",
                "-c",
                "user.email=marine@localhost",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
            .current_dir(cwd)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let files = git(
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
        &repo,
    );
    for rel in files.split('\0').filter(|f| !f.is_empty()) {
        let (from, to) = (repo.join(rel), git_repo.join(rel));
        if from.is_file() {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
    }
    git(&["init", "-q"], &git_repo);
    git(&["add", "-A"], &git_repo);
    git(&["commit", "-q", "-m", "snapshot"], &git_repo);
    let rev = git(&["rev-parse", "HEAD"], &git_repo).trim().to_string();
    let url = format!("file://{}", git_repo.display());
    let (krate, cargo_toml) = new("git-mod", &["--git", &url, "--rev", &rev]);
    assert!(
        cargo_toml.contains(&format!(
            "marine-rs-sdk = {{ package = \"marine-native-rs-sdk\", git = \"{url}\", rev = \"{rev}\" }}\n"
        )),
        "{cargo_toml}"
    );
    let lock = build_and_test_new_crate(&krate, "git-mod");
    let source = format!("git+{url}?rev={rev}#{rev}");
    assert_eq!(
        sources_of_our_packages(&lock),
        [
            ("marine-native-rs-sdk".to_string(), Some(source.clone())),
            ("marine-native-rs-sdk-test".to_string(), Some(source))
        ]
    );
}

#[test]
fn new_refuses_an_existing_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    let err = failed(&marine(&["new", "taken"], Some(dir.path())));
    assert!(err.contains("taken: already exists"), "{err}");
}

#[test]
fn info_shows_the_effects_of_linked_modules() {
    let facade = ok(&marine(&["info", &wasm("facade")], None));
    assert!(
        facade.contains(
            "  other modules:\n    curl_adapter.download: func download(url: string) -> string\n    local_storage.put: func file_put(name: string, file_content: []u8) -> string\n"
        ),
        "{facade}"
    );
    let curl = ok(&marine(&["info", &wasm("curl_adapter")], None));
    assert!(
        curl.contains("  mounted binaries:\n    __marine_host_api_v3.curl: func curl(cmd: []string) -> MountedBinaryResult\n"),
        "{curl}"
    );
    let storage = ok(&marine(&["info", &wasm("local_storage")], None));
    assert!(
        storage.contains("  host functions:\n    __marine_host_api_v3.log_utf8_string (logger)\n"),
        "{storage}"
    );
    assert!(storage.contains("path_open"), "{storage}");
}

#[test]
fn build_reports_wasm_without_marine_metadata_as_skipped() {
    // A plain Rust binary (no SDK): cargo produces a .wasm, which is not a Marine module.
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("plain");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"plain\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(krate.join("src/main.rs"), "fn main() {}\n").unwrap();
    let artifacts = dir.path().join("artifacts");
    let target = dir.path().join("target");
    let output = clear_outer_build_env(&mut Command::new(env!("CARGO_BIN_EXE_marine")))
        .args(["build", "--locked", "--release", "--quiet", "--artifacts"])
        .arg(&artifacts)
        .arg("--target-dir")
        .arg(&target)
        .current_dir(&krate)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = ok(&output);
    let built = target.join("wasm32-wasip1/release/plain.wasm");
    assert!(built.is_file(), "cargo built {}", built.display());
    assert_eq!(
        report,
        format!(
            "no Marine modules were built\nskipped {}: no Marine metadata (not built with marine-rs-sdk)\n",
            built.display()
        )
    );
    // Nothing was copied.
    let copied: Vec<_> = std::fs::read_dir(&artifacts)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(copied.is_empty(), "{copied:?}");
}

#[test]
fn info_and_aqua_of_the_abi_extensions() {
    let info = ok(&marine(&["info", &wasm("rich_types")], None));
    for part in [
        "  func parse(text: string) -> result<?u32, string>\n",
        "  enum Shape:\n    Empty\n    Pair(u8, string)\n    Boxed { item: Item, weight: ?f64 }\n",
        "\nABI extensions: uses Option, Result, tuples or enums (docs/abi-extensions.md);\n",
        "Embedded by rust-sdk metadata couldn't be parsed by serde",
    ] {
        assert!(info.contains(part), "{part}\nin\n{info}");
    }
    // A module without extensions says nothing about them.
    assert!(!ok(&marine(&["info", &wasm("records")], None)).contains("ABI extensions"));

    let aqua = ok(&marine(&["aqua", &wasm("rich_types")], None));
    for part in [
        // `Option<T>` is `?T`.
        "  echo_option(v: ?string) -> ?string\n",
        "  echo_nested(v: ??u64) -> ??u64\n",
        "data Item:\n  name: string\n  tags: ?[]string\n",
        // What Aqua cannot express is kept, commented, with the reason.
        "-- not expressible in Aqua (no sum types or tuples); call it with JSON: a variant is \"Name\" or {\"Name\": payload}\n-- enum Shape:\n--   Empty\n",
        "  -- not expressible in Aqua (no sum types or tuples); call it with JSON:\n  -- parse(text: string) -> result<?u32, string>\n",
        "  -- outcome: result<[]u8, string>\n",
    ] {
        assert!(aqua.contains(part), "{part}\nin\n{aqua}");
    }
}
