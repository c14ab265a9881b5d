//! `marine build`: builds the Marine modules of a cargo project for `wasm32-wasip1`.
//!
//! Runs `cargo build --target wasm32-wasip1 --message-format json-render-diagnostics <args>`
//! (compiler diagnostics still reach the terminal), reads the produced `.wasm` artifacts from
//! cargo's JSON messages, keeps those that carry Marine metadata (others are reported as
//! skipped), prints each module's interface and copies it to the artifacts folder.
//!
//! Unlike the official tool there is no post-processing: the runtime reads the interface from
//! the SDK's JSON sections directly, so the file cargo produced is the module.
//!
//! The user's environment is passed to cargo unchanged (`RUSTFLAGS`, `CARGO_TARGET_DIR`, ...
//! are the user's settings for this build), unlike the guest builds of the tests and build
//! scripts, which clear the outer build's (`marine-guest-build`); the tests that run
//! `marine build` clear it on the `marine` process.

use std::fmt::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use marine_runtime::ModuleInterface;

use super::CliError;

/// The target Marine modules are built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// One `.wasm` artifact of the build.
#[derive(Debug)]
pub struct BuiltModule {
    /// Module name (the file stem).
    pub name: String,
    /// Where cargo put it.
    pub path: PathBuf,
    /// Its interface; `None` for a wasm file without Marine metadata (skipped).
    pub interface: Option<ModuleInterface>,
    /// Where it was copied, if an artifacts folder was given.
    pub copied_to: Option<PathBuf>,
    /// The `.cwasm` files written by `--precompile` (next to `path` and `copied_to`).
    pub precompiled: Vec<PathBuf>,
    /// The size of the `interface-types` section embedded (`None` with `--no-it`).
    pub it_section: Option<usize>,
}

/// `marine build`'s own options found among the trailing cargo arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnArgs {
    /// `--artifacts DIR` / `--artifacts=DIR`.
    pub artifacts: Option<PathBuf>,
    /// `--precompile`.
    pub precompile: bool,
    /// `--no-it`.
    pub no_it: bool,
}

/// Takes our options (`--artifacts DIR` / `--artifacts=DIR`, `--precompile`, `--no-it`) out
/// of the trailing cargo arguments, up to a `--` (clap hands everything after the first cargo
/// argument over unparsed); returns them and the arguments for cargo, in order.
pub fn split_own_args(args: Vec<String>) -> Result<(OwnArgs, Vec<String>), CliError> {
    let mut own = OwnArgs::default();
    let mut rest = Vec::with_capacity(args.len());
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--" => {
                rest.push(arg);
                rest.extend(it.by_ref());
                break;
            }
            "--precompile" => own.precompile = true,
            "--no-it" => own.no_it = true,
            "--artifacts" => {
                let dir = it.next().ok_or_else(|| CliError::BadArgument {
                    arg: arg.clone(),
                    reason: "a folder must follow".to_string(),
                })?;
                own.artifacts = Some(PathBuf::from(dir));
            }
            _ => match arg.strip_prefix("--artifacts=") {
                Some(dir) => own.artifacts = Some(PathBuf::from(dir)),
                None => rest.push(arg),
            },
        }
    }
    Ok((own, rest))
}

/// Compiles every Marine module of `modules` ahead of time with the runtime's default engine
/// configuration and writes `<name>.cwasm` next to its built and copied `.wasm` (through a
/// temporary file and a rename).
pub fn precompile(modules: &mut [BuiltModule]) -> Result<(), CliError> {
    let engine = marine_runtime::MarineEngine::new().map_err(|e| CliError::Inspect {
        path: PathBuf::new(),
        reason: format!("cannot create the wasm engine: {e}"),
    })?;
    for m in modules.iter_mut().filter(|m| m.interface.is_some()) {
        let bytes = std::fs::read(&m.path).map_err(|e| CliError::Io {
            path: m.path.clone(),
            source: e,
        })?;
        let cwasm = engine
            .precompile(&m.name, &bytes)
            .map_err(|e| CliError::Inspect {
                path: m.path.clone(),
                reason: e.to_string(),
            })?;
        for wasm in std::iter::once(&m.path).chain(&m.copied_to) {
            let dest = marine_runtime::disk_cache::precompiled_path(wasm);
            let dir = dest.parent().unwrap_or(Path::new("."));
            let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CliError::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
            std::io::Write::write_all(&mut temp, &cwasm)
                .and_then(|()| temp.persist(&dest).map(drop).map_err(|e| e.error))
                .map_err(|e| CliError::Io {
                    path: dest.clone(),
                    source: e,
                })?;
            m.precompiled.push(dest);
        }
    }
    Ok(())
}

/// The `cargo build` command line for `cargo_args`.
pub fn cargo_command(cargo_args: &[String]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build");
    let has_target = cargo_args
        .iter()
        .any(|a| a == "--target" || a.starts_with("--target="));
    if !has_target {
        cmd.args(["--target", WASM_TARGET]);
    }
    cmd.args(["--message-format", "json-render-diagnostics"]);
    cmd.args(cargo_args);
    cmd
}

/// `.wasm` files named by one line of cargo's JSON output.
pub fn wasm_artifacts_of_message(line: &str) -> Vec<PathBuf> {
    let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
        return Vec::new();
    };
    if msg.get("reason").and_then(|r| r.as_str()) != Some("compiler-artifact") {
        return Vec::new();
    }
    msg.get("filenames")
        .and_then(|f| f.as_array())
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.as_str())
                .filter(|f| f.ends_with(".wasm"))
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the build, embeds the `interface-types` section into every Marine module cargo
/// produced (unless `embed_it` is false; any previous section is replaced, so a rebuild
/// with nothing to compile gives the same file), and copies the modules to `artifacts`
/// (created if missing).
pub fn build(
    cargo_args: &[String],
    artifacts: Option<&Path>,
    embed_it: bool,
) -> Result<Vec<BuiltModule>, CliError> {
    let mut cmd = cargo_command(cargo_args);
    let command_line = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| CliError::Spawn {
            program: "cargo".to_string(),
            source: e,
        })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut wasm_files: Vec<PathBuf> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| CliError::Spawn {
            program: "cargo".to_string(),
            source: e,
        })?;
        for path in wasm_artifacts_of_message(&line) {
            if !wasm_files.contains(&path) {
                wasm_files.push(path);
            }
        }
    }
    let status = child.wait().map_err(|e| CliError::Spawn {
        program: "cargo".to_string(),
        source: e,
    })?;
    if !status.success() {
        return Err(CliError::CargoFailed {
            command: command_line,
            status,
        });
    }

    if let Some(dir) = artifacts {
        std::fs::create_dir_all(dir).map_err(|e| CliError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    let mut modules = Vec::new();
    for path in wasm_files {
        let bytes = std::fs::read(&path).map_err(|e| CliError::Io {
            path: path.clone(),
            source: e,
        })?;
        let interface = ModuleInterface::from_wasm(&bytes).map_err(|e| CliError::Inspect {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let is_marine = interface.sdk_version.is_some() || !interface.functions.is_empty();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut it_section = None;
        // A module using the ABI extensions gets no section: interface types cannot express
        // them, and the official runtime, which needs the section, cannot run the module.
        if is_marine && embed_it && !interface.uses_extensions() {
            let (module, size) = super::it::embed(&bytes).map_err(|e| CliError::Inspect {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            std::fs::write(&path, module).map_err(|e| CliError::Io {
                path: path.clone(),
                source: e,
            })?;
            it_section = Some(size);
        }
        let mut copied_to = None;
        if let (true, Some(dir)) = (is_marine, artifacts) {
            let dest = dir.join(format!("{name}.wasm"));
            std::fs::copy(&path, &dest).map_err(|e| CliError::Io {
                path: dest.clone(),
                source: e,
            })?;
            copied_to = Some(dest);
        }
        modules.push(BuiltModule {
            name,
            path,
            interface: is_marine.then_some(interface),
            copied_to,
            precompiled: Vec::new(),
            it_section,
        });
    }
    Ok(modules)
}

/// The text `marine build` prints after a successful build.
pub fn report(modules: &[BuiltModule], artifacts: Option<&Path>) -> String {
    let mut out = String::new();
    let marine: Vec<&BuiltModule> = modules.iter().filter(|m| m.interface.is_some()).collect();
    if marine.is_empty() {
        let _ = writeln!(out, "no Marine modules were built");
    }
    for m in modules {
        let Some(iface) = &m.interface else {
            let _ = writeln!(
                out,
                "skipped {}: no Marine metadata (not built with marine-rs-sdk)",
                m.path.display()
            );
            continue;
        };
        let sdk = iface.sdk_version.as_deref().unwrap_or("unknown");
        let _ = writeln!(out, "module {} (sdk {sdk}): {}", m.name, m.path.display());
        for rec in super::aqua::exported_records(iface) {
            for line in rec.to_string().lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        if iface.functions.is_empty() {
            let _ = writeln!(out, "  <no exported functions>");
        }
        for sig in iface.functions.values() {
            let _ = writeln!(out, "  {sig}");
        }
        match m.it_section {
            Some(size) => {
                let _ = writeln!(out, "  interface-types embedded ({size} bytes)");
            }
            None if iface.uses_extensions() => {
                let _ = writeln!(
                    out,
                    "  no interface-types: the module uses the ABI extensions \
                     (docs/abi-extensions.md), which only this runtime runs"
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  no interface-types (--no-it): the official runtime will refuse it"
                );
            }
        }
        if let Some(dest) = &m.copied_to {
            let _ = writeln!(out, "  copied to {}", dest.display());
        }
        for cwasm in &m.precompiled {
            let _ = writeln!(out, "  precompiled to {}", cwasm.display());
        }
    }
    if let (Some(dir), false) = (artifacts, marine.is_empty()) {
        let _ = writeln!(
            out,
            "{} module(s) copied to {}",
            marine.len(),
            dir.display()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn own_args_are_taken_out_of_cargo_args() {
        let (own, rest) = split_own_args(strings(&[
            "--release",
            "--precompile",
            "-p",
            "x",
            "--artifacts",
            "out",
            "--no-it",
            "--features=f",
        ]))
        .unwrap();
        assert_eq!(
            own,
            OwnArgs {
                artifacts: Some(PathBuf::from("out")),
                precompile: true,
                no_it: true,
            }
        );
        assert_eq!(rest, strings(&["--release", "-p", "x", "--features=f"]));
        // After `--`, everything is cargo's (or the program's).
        let (own, rest) = split_own_args(strings(&[
            "--artifacts=a",
            "--",
            "--artifacts",
            "--precompile",
            "--no-it",
        ]))
        .unwrap();
        assert_eq!(
            own,
            OwnArgs {
                artifacts: Some(PathBuf::from("a")),
                ..OwnArgs::default()
            }
        );
        assert_eq!(
            rest,
            strings(&["--", "--artifacts", "--precompile", "--no-it"])
        );
        let (own, rest) = split_own_args(strings(&["--release"])).unwrap();
        assert_eq!((own, rest), (OwnArgs::default(), strings(&["--release"])));
        let e = split_own_args(strings(&["--release", "--artifacts"])).unwrap_err();
        assert!(e.to_string().contains("a folder must follow"), "{e}");
    }

    #[test]
    fn precompiled_modules_load_when_trusted_and_are_ignored_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wasm");
        let copy = dir.path().join("artifacts-m.wasm");
        let wasm =
            wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "f")))"#).unwrap();
        std::fs::write(&path, &wasm).unwrap();
        std::fs::write(&copy, &wasm).unwrap();
        let mut modules = vec![BuiltModule {
            name: "m".to_string(),
            path: path.clone(),
            interface: Some(ModuleInterface::from_wasm(&wasm).unwrap()),
            copied_to: Some(copy.clone()),
            precompiled: Vec::new(),
            it_section: None,
        }];
        precompile(&mut modules).unwrap();
        assert_eq!(
            modules[0].precompiled,
            vec![
                dir.path().join("m.cwasm"),
                dir.path().join("artifacts-m.cwasm")
            ]
        );
        for trust in [false, true] {
            let engine = marine_runtime::MarineEngine::new().unwrap();
            let options = marine_runtime::DiskCacheOptions {
                trust_precompiled: trust,
                ..marine_runtime::DiskCacheOptions::disabled()
            };
            engine
                .compile_file_with_cache("m", &copy, &marine_runtime::Limits::default(), &options)
                .unwrap();
            let stats = engine.disk_cache_stats();
            assert_eq!(
                (stats.precompiled_loaded, stats.precompiled_ignored),
                if trust { (1, 0) } else { (0, 1) }
            );
        }
    }

    #[test]
    fn cargo_command_adds_the_wasm_target_once() {
        let cmd = cargo_command(&strings(&["--release"]));
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            strings(&[
                "build",
                "--target",
                "wasm32-wasip1",
                "--message-format",
                "json-render-diagnostics",
                "--release"
            ])
        );
        let cmd = cargo_command(&strings(&["--target=wasm32-wasip2"]));
        assert_eq!(cmd.get_args().filter(|a| *a == "--target").count(), 0);
    }

    #[test]
    fn wasm_files_come_from_compiler_artifact_messages() {
        let line = r#"{"reason":"compiler-artifact","filenames":["/t/a.wasm","/t/a.d"]}"#;
        assert_eq!(
            wasm_artifacts_of_message(line),
            vec![PathBuf::from("/t/a.wasm")]
        );
        assert!(wasm_artifacts_of_message(r#"{"reason":"build-finished"}"#).is_empty());
        assert!(wasm_artifacts_of_message("not json").is_empty());
    }
}
