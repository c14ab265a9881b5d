//! The `marine` command-line tool: `info`, `aqua`, `new`, `build`, `it`, `set`, `repl`.
//!
//! Each subcommand has its own module with a pure core (wasm bytes or a crate description in,
//! text or files out) and a thin runner used by [`run`].

pub mod aqua;
pub mod build;
pub mod error;
pub mod info;
pub mod it;
pub mod new;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use error::CliError;

/// Command-line arguments of `marine`.
#[derive(Debug, Parser)]
#[command(
    name = "marine",
    version,
    about = "Build, inspect and scaffold Marine Wasm modules",
    arg_required_else_help = true
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `marine`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a module's SDK version, manifest, exports, imports (effects) and sizes.
    Info {
        /// Path to the .wasm file.
        wasm: PathBuf,
    },
    /// Print the Aqua service declaration of a module.
    Aqua {
        /// Path to the .wasm file.
        wasm: PathBuf,
        /// Service name (default: the file stem).
        #[arg(short = 's', long = "service")]
        service: Option<String>,
        /// Service id: `service Name("id"):`.
        #[arg(short = 'i', long = "id")]
        id: Option<String>,
    },
    /// Create a ready-to-build module crate with a Config.toml and a `#[marine_test]` test.
    New {
        /// Crate (and module) name.
        name: String,
        /// Folder to create the crate in (default: the current folder).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Depend on the SDK and the test crate at this checkout of the Marine repository
        /// instead of the one this tool was built from.
        #[arg(long)]
        repo: Option<PathBuf>,
        /// Depend on the published crates (version of this tool) instead of local paths.
        /// They are published as `marine-native-rs-sdk` and `marine-native-rs-sdk-test` and
        /// depended on under the official names (`marine-rs-sdk = { package = ... }`).
        #[arg(long, conflicts_with_all = ["repo", "git"])]
        registry: bool,
        /// Depend on the SDK and the test crate in this git repository (a copy of this
        /// project's), instead of local paths.
        #[arg(long, value_name = "URL", conflicts_with = "repo")]
        git: Option<String>,
        /// With --git: the commit to use.
        #[arg(long, requires = "git", conflicts_with_all = ["branch", "tag"])]
        rev: Option<String>,
        /// With --git: the branch to use.
        #[arg(long, requires = "git", conflicts_with = "tag")]
        branch: Option<String>,
        /// With --git: the tag to use.
        #[arg(long, requires = "git")]
        tag: Option<String>,
    },
    /// Build the Marine modules of the current cargo project for wasm32-wasip1.
    ///
    /// Runs `cargo build --target wasm32-wasip1` with the given cargo arguments, prints the
    /// interface of every module built, and copies the .wasm files to `--artifacts DIR`.
    /// With `--precompile`, also writes `<name>.cwasm` (native code for this machine, loaded
    /// by runtimes with the same engine configuration that trust precompiled files) next to
    /// each `.wasm`.
    Build {
        /// Copy the built modules into this folder.
        #[arg(long, value_name = "DIR")]
        artifacts: Option<PathBuf>,
        /// Also compile each module ahead of time into `<name>.cwasm` next to its `.wasm`.
        #[arg(long)]
        precompile: bool,
        /// Do not embed the `interface-types` section the official runtime (and the Fluence
        /// network) needs; our runtime reads the JSON metadata and runs the module either way.
        #[arg(long)]
        no_it: bool,
        /// Arguments passed to `cargo build` (for example `--release`, `-p NAME`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
    /// Print a module's `interface-types` section as text (as the official `marine it`).
    It {
        /// Path to the .wasm file.
        wasm: PathBuf,
    },
    /// Embed or replace a section of an existing module.
    Set {
        /// What to set.
        #[command(subcommand)]
        what: SetCommand,
    },
    /// Run `mrepl` with the given arguments.
    Repl {
        /// Arguments passed to mrepl.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// The sections `marine set` embeds.
#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Generate the `interface-types` section from the module's JSON metadata and embed it,
    /// replacing any previous one.
    It {
        /// Path to the .wasm file.
        wasm: PathBuf,
        /// Write the result here instead of over the input.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Set the `__fluence_sdk_version` section (the official runtime requires one, ≥ 0.6.0).
    Version {
        /// Path to the .wasm file.
        wasm: PathBuf,
        /// The version, `MAJOR.MINOR.PATCH`.
        version: String,
        /// Write the result here instead of over the input.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// Runs one `marine` command, printing to stdout.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Info { wasm } => {
            let bytes = read_wasm(&wasm)?;
            let info = info::ModuleInfo::from_wasm(&bytes).map_err(|e| CliError::Inspect {
                path: wasm.clone(),
                reason: e.to_string(),
            })?;
            print!("{info}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Aqua { wasm, service, id } => {
            let bytes = read_wasm(&wasm)?;
            let iface = marine_runtime::ModuleInterface::from_wasm(&bytes).map_err(|e| {
                CliError::Inspect {
                    path: wasm.clone(),
                    reason: e.to_string(),
                }
            })?;
            let name = match service {
                Some(name) => name,
                None => wasm
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .ok_or_else(|| CliError::NotAFile(wasm.clone()))?,
            };
            print!("{}", aqua::declaration(&iface, &name, id.as_deref()));
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            name,
            path,
            repo,
            registry,
            git,
            rev,
            branch,
            tag,
        } => {
            let parent = match path {
                Some(p) => p,
                None => std::env::current_dir().map_err(|e| CliError::Io {
                    path: PathBuf::from("."),
                    source: e,
                })?,
            };
            let registry_deps =
                || new::SdkDependency::Registry(env!("CARGO_PKG_VERSION").to_string());
            let deps = if registry {
                registry_deps()
            } else if let Some(url) = git {
                let reference = rev
                    .map(new::GitReference::Rev)
                    .or(branch.map(new::GitReference::Branch))
                    .or(tag.map(new::GitReference::Tag));
                new::SdkDependency::Git { url, reference }
            } else if let Some(repo) = repo {
                new::SdkDependency::Path(repo)
            } else if new::default_repo_root()
                .join("sdk")
                .join("Cargo.toml")
                .is_file()
            {
                new::SdkDependency::Path(new::default_repo_root())
            } else {
                // Installed from a package (crates.io), not built in a checkout: there is no
                // `sdk/` beside the tool, so the crate depends on the published packages.
                registry_deps()
            };
            let dir = new::create(&parent, &name, &deps)?;
            println!("created module crate `{name}` in {}", dir.display());
            println!(
                "build it with `marine build --release --artifacts artifacts`, then run `cargo test`"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            artifacts,
            precompile,
            no_it,
            cargo_args,
        } => {
            let (own, cargo_args) = build::split_own_args(cargo_args)?;
            let artifacts = artifacts.or(own.artifacts);
            let embed_it = !(no_it || own.no_it);
            let mut modules = build::build(&cargo_args, artifacts.as_deref(), embed_it)?;
            if precompile || own.precompile {
                build::precompile(&mut modules)?;
            }
            print!("{}", build::report(&modules, artifacts.as_deref()));
            Ok(ExitCode::SUCCESS)
        }
        Command::It { wasm } => {
            let bytes = read_wasm(&wasm)?;
            let it = it::read(&bytes).map_err(|e| CliError::Inspect {
                path: wasm.clone(),
                reason: e.to_string(),
            })?;
            println!("{it}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Set { what } => {
            let (wasm, output, result) = match what {
                SetCommand::It { wasm, output } => {
                    let bytes = read_wasm(&wasm)?;
                    let result = it::embed(&bytes).map(|(module, _)| module);
                    (wasm, output, result)
                }
                SetCommand::Version {
                    wasm,
                    version,
                    output,
                } => {
                    let bytes = read_wasm(&wasm)?;
                    let result = it::set_version(&bytes, &version);
                    (wasm, output, result)
                }
            };
            let module = result.map_err(|e| CliError::Inspect {
                path: wasm.clone(),
                reason: e.to_string(),
            })?;
            let output = output.unwrap_or(wasm);
            std::fs::write(&output, module).map_err(|e| CliError::Io {
                path: output.clone(),
                source: e,
            })?;
            println!("written {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Repl { args } => repl_exec(&args),
    }
}

/// Reads a file and checks that it starts like a wasm binary.
fn read_wasm(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !bytes.starts_with(b"\0asm") {
        return Err(CliError::Inspect {
            path: path.to_path_buf(),
            reason: "not a Wasm binary (no `\\0asm` header)".to_string(),
        });
    }
    Ok(bytes)
}

/// Finds `mrepl`: next to this executable first, then on `PATH`.
pub fn mrepl_path() -> PathBuf {
    let name = format!("mrepl{}", std::env::consts::EXE_SUFFIX);
    if let Ok(exe) = std::env::current_exe() {
        let sibling = exe.with_file_name(&name);
        if sibling.is_file() {
            return sibling;
        }
    }
    PathBuf::from(name)
}

fn repl_exec(args: &[String]) -> Result<ExitCode, CliError> {
    let mrepl = mrepl_path();
    let mut cmd = std::process::Command::new(&mrepl);
    cmd.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns on failure.
        let e = cmd.exec();
        Err(CliError::Spawn {
            program: mrepl.display().to_string(),
            source: e,
        })
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().map_err(|e| CliError::Spawn {
            program: mrepl.display().to_string(),
            source: e,
        })?;
        Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
    }
}
