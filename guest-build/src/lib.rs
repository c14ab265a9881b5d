//! Builds a guest cargo workspace (or crate) for `wasm32-wasip1`, for the tests and build
//! scripts of this repository.
//!
//! A test or build script runs inside an outer `cargo build`/`cargo test`, whose environment
//! describes the *host* build: its flags, target, target dir, jobserver, features and cfgs. A
//! nested cargo inherits all of it, and some of it changes or breaks the guest build. This crate
//! holds the one rule for what is removed ([`is_outer_build_var`]), applies it to any command
//! ([`clear_outer_build_env`], also used for the `marine build` and host `cargo test` children
//! of the tests), and runs the guest build itself ([`build_wasm_workspace`]).
//!
//! std only: it is a build-dependency as well as a dev-dependency.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// The wasm target every Marine module is built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// Variables removed by exact name; see [`is_outer_build_var`] for the rule.
pub const OUTER_BUILD_VARS: &[&str] = &[
    // Compiler flags of the outer build (host-only flags such as `-C target-cpu=native`,
    // `-D warnings` of CI, coverage instrumentation): not meant for the guest.
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTDOCFLAGS",
    // Target and output location of the outer build.
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    // The outer workspace's wrapper (`clippy-driver` under `cargo clippy`).
    "RUSTC_WORKSPACE_WRAPPER",
    // The outer build's jobserver.
    "CARGO_MAKEFLAGS",
    // Set by cargo for a build script, about the outer package and target.
    "TARGET",
    "HOST",
    "OUT_DIR",
    "PROFILE",
    "OPT_LEVEL",
    "DEBUG",
    "NUM_JOBS",
    "RUSTC_LINKER",
    "CARGO_MANIFEST_LINKS",
    // Set by cargo for the crate it compiles or runs (a build script, a test binary).
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
];

/// Prefixes of removed variables; see [`is_outer_build_var`] for the rule.
pub const OUTER_BUILD_PREFIXES: &[&str] = &[
    "CARGO_FEATURE_",
    "CARGO_CFG_",
    "CARGO_PKG_",
    "CARGO_BIN_EXE_",
    "DEP_",
];

/// Whether the environment variable `name` belongs to the outer (host) build and must not
/// reach a nested cargo. This is the one environment-clearing rule of the repository.
///
/// Removed (names in [`OUTER_BUILD_VARS`], prefixes in [`OUTER_BUILD_PREFIXES`]):
/// - compiler flags: `RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS`, `CARGO_BUILD_RUSTFLAGS` and the
///   `RUSTDOCFLAGS` equivalents: host flags (`-C target-cpu=native`, `-D warnings`, coverage)
///   break or change the guest build, and a change of flags rebuilds everything;
/// - target and target dir: `CARGO_BUILD_TARGET`, `CARGO_TARGET_DIR`, `CARGO_BUILD_TARGET_DIR`
///   (the guest build names its own; a shared dir would also contend for the outer build's
///   lock);
/// - `RUSTC_WORKSPACE_WRAPPER`: the outer workspace's wrapper, `clippy-driver` under
///   `cargo clippy`, would run on the guest's crates;
/// - `CARGO_MAKEFLAGS`: the outer build's jobserver;
/// - what cargo sets for a build script: `TARGET`, `HOST`, `OUT_DIR`, `PROFILE`, `OPT_LEVEL`,
///   `DEBUG`, `NUM_JOBS`, `RUSTC_LINKER`, `CARGO_MANIFEST_LINKS`, `CARGO_FEATURE_*`,
///   `CARGO_CFG_*`, `DEP_*`: the nested cargo sets its own for the guest's build scripts but
///   does not unset the outer ones, so a guest build script would see the host's cfgs
///   (`CARGO_CFG_UNIX`) and features, and a crate without a build script the outer `OUT_DIR`;
/// - what cargo sets for the crate it compiles or runs: `CARGO_MANIFEST_DIR`,
///   `CARGO_MANIFEST_PATH`, `CARGO_CRATE_NAME`, `CARGO_BIN_NAME`, `CARGO_PRIMARY_PACKAGE`,
///   `CARGO_TARGET_TMPDIR`, `CARGO_RUSTC_CURRENT_DIR`, `CARGO_PKG_*`, `CARGO_BIN_EXE_*`
///   (`CARGO_PRIMARY_PACKAGE` would mark every guest dependency primary).
///
/// Kept: `CARGO` (the cargo that is run), `RUSTC`, `RUSTDOC` and `RUSTC_WRAPPER` (the same
/// toolchain and compiler cache as the outer build), and user settings: `PATH`, `RUSTUP_*`,
/// `CARGO_HOME`, `CARGO_NET_*`, `CARGO_REGISTRIES_*`, `CARGO_PROFILE_*`,
/// `CARGO_TARGET_<TRIPLE>_*`, `CARGO_INCREMENTAL`, `CARGO_TERM_*`, `CC`, `CFLAGS`, ...
///
/// Names that are not UTF-8 are never removed.
pub fn is_outer_build_var(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    OUTER_BUILD_VARS.contains(&name)
        || OUTER_BUILD_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// The variables of an environment (given by its names) that [`is_outer_build_var`] removes,
/// in the given order.
pub fn vars_to_clear<I>(names: I) -> Vec<OsString>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    names
        .into_iter()
        .map(Into::into)
        .filter(|name| is_outer_build_var(name))
        .collect()
}

/// Removes from `cmd`'s environment every variable of this process that
/// [`is_outer_build_var`] names. Call it before setting the variables the child should have
/// (e.g. a `CARGO_TARGET_DIR` of its own): a later `env` wins over the removal.
pub fn clear_outer_build_env(cmd: &mut Command) -> &mut Command {
    for name in vars_to_clear(std::env::vars_os().map(|(name, _)| name)) {
        cmd.env_remove(name);
    }
    cmd
}

/// Why a guest build failed.
#[derive(Debug)]
pub enum GuestBuildError {
    /// cargo could not be started.
    Spawn {
        /// The program that was run (`$CARGO`, or `cargo`).
        cargo: OsString,
        /// The guest manifest that was to be built.
        manifest: PathBuf,
        /// The error of starting the process.
        source: std::io::Error,
    },
    /// cargo ran and failed.
    Failed {
        /// The guest manifest that was built.
        manifest: PathBuf,
        /// cargo's exit status.
        status: ExitStatus,
        /// cargo's stderr (its diagnostics), lossily decoded.
        stderr: String,
    },
}

impl GuestBuildError {
    /// The guest manifest whose build failed.
    pub fn manifest(&self) -> &Path {
        match self {
            GuestBuildError::Spawn { manifest, .. } | GuestBuildError::Failed { manifest, .. } => {
                manifest
            }
        }
    }
}

impl fmt::Display for GuestBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestBuildError::Spawn {
                cargo,
                manifest,
                source,
            } => write!(
                f,
                "cannot run {} to build {} for {WASM_TARGET}: {source}",
                Path::new(cargo).display(),
                manifest.display()
            ),
            GuestBuildError::Failed {
                manifest,
                status,
                stderr,
            } => write!(
                f,
                "building {} for {WASM_TARGET} failed ({status}):\n{stderr}",
                manifest.display()
            ),
        }
    }
}

impl std::error::Error for GuestBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GuestBuildError::Spawn { source, .. } => Some(source),
            GuestBuildError::Failed { .. } => None,
        }
    }
}

/// The cargo to run: `$CARGO` (the one running the outer build), else `cargo` from `PATH`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo build --locked --release --quiet --target wasm32-wasip1 --manifest-path <manifest>
/// --target-dir <target_dir>`, without the variables of `env_names` that the rule removes.
fn guest_build_command<I>(
    cargo: &OsStr,
    manifest: &Path,
    target_dir: &Path,
    env_names: I,
) -> Command
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--locked",
        "--release",
        "--quiet",
        "--target",
        WASM_TARGET,
    ])
    .arg("--manifest-path")
    .arg(manifest)
    .arg("--target-dir")
    .arg(target_dir);
    for name in vars_to_clear(env_names) {
        cmd.env_remove(name);
    }
    cmd
}

/// Builds the guest cargo workspace (or crate) of `manifest` for `wasm32-wasip1` in release
/// mode into `target_dir`, and returns the folder holding the produced `.wasm` files
/// (`<target_dir>/wasm32-wasip1/release`).
///
/// Runs `$CARGO` (or `cargo`) `build --locked --release --quiet --target wasm32-wasip1
/// --manifest-path <manifest> --target-dir <target_dir>` without the outer build's
/// environment ([`is_outer_build_var`]). A guest build in its own target dir never contends
/// with the outer build's lock, so this also works from a build script.
pub fn build_wasm_workspace(
    manifest: &Path,
    target_dir: &Path,
) -> Result<PathBuf, GuestBuildError> {
    build_with(cargo_program(), manifest, target_dir)
}

/// [`build_wasm_workspace`] with the cargo to run.
fn build_with(
    cargo: OsString,
    manifest: &Path,
    target_dir: &Path,
) -> Result<PathBuf, GuestBuildError> {
    let output = guest_build_command(
        &cargo,
        manifest,
        target_dir,
        std::env::vars_os().map(|(name, _)| name),
    )
    .output();
    let output = match output {
        Ok(output) => output,
        Err(source) => {
            return Err(GuestBuildError::Spawn {
                cargo,
                manifest: manifest.to_path_buf(),
                source,
            })
        }
    };
    if !output.status.success() {
        return Err(GuestBuildError::Failed {
            manifest: manifest.to_path_buf(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(target_dir.join(WASM_TARGET).join("release"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_removes_the_outer_build_and_keeps_the_user_settings() {
        let env = [
            "PATH",
            "HOME",
            "CARGO",
            "CARGO_HOME",
            "CARGO_NET_OFFLINE",
            "CARGO_REGISTRIES_CRATES_IO_PROTOCOL",
            "CARGO_PROFILE_RELEASE_LTO",
            "CARGO_TARGET_WASM32_WASIP1_RUNNER",
            "CARGO_INCREMENTAL",
            "CARGO_TERM_COLOR",
            "RUSTC",
            "RUSTDOC",
            "RUSTC_WRAPPER",
            "RUSTUP_TOOLCHAIN",
            "RUSTUP_HOME",
            "CC",
            "CFLAGS",
            "MAKEFLAGS",
            "CARGO_TARGET",
            "TARGETS",
            "DEPTH",
            // Removed:
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTDOCFLAGS",
            "CARGO_BUILD_TARGET",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET_DIR",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_MAKEFLAGS",
            "TARGET",
            "HOST",
            "OUT_DIR",
            "PROFILE",
            "OPT_LEVEL",
            "DEBUG",
            "NUM_JOBS",
            "RUSTC_LINKER",
            "CARGO_FEATURE_STD",
            "CARGO_CFG_UNIX",
            "CARGO_CFG_TARGET_ARCH",
            "DEP_Z_INCLUDE",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_LINKS",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION",
            "CARGO_CRATE_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_BIN_EXE_marine",
        ];
        let removed = vars_to_clear(env);
        let first_removed = env.iter().position(|n| *n == "RUSTFLAGS").unwrap();
        let expected: Vec<OsString> = env[first_removed..].iter().map(OsString::from).collect();
        assert_eq!(removed, expected);
    }

    #[test]
    fn every_listed_name_and_prefix_is_removed() {
        for name in OUTER_BUILD_VARS {
            assert!(is_outer_build_var(OsStr::new(name)), "{name}");
        }
        for prefix in OUTER_BUILD_PREFIXES {
            assert!(
                is_outer_build_var(OsStr::new(&format!("{prefix}X"))),
                "{prefix}"
            );
            assert!(
                !is_outer_build_var(OsStr::new(prefix.trim_end_matches('_'))),
                "{prefix}"
            );
        }
        // Case matters, as for cargo.
        assert!(!is_outer_build_var(OsStr::new("rustflags")));
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_kept() {
        use std::os::unix::ffi::OsStrExt;
        assert!(!is_outer_build_var(OsStr::from_bytes(b"CARGO_CFG_\xff")));
    }

    #[test]
    fn the_command_line_and_its_environment() {
        let cmd = guest_build_command(
            OsStr::new("my-cargo"),
            Path::new("/g/Cargo.toml"),
            Path::new("/t"),
            ["PATH", "RUSTFLAGS", "CARGO_CFG_UNIX"],
        );
        assert_eq!(cmd.get_program(), "my-cargo");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(
            args,
            [
                "build",
                "--locked",
                "--release",
                "--quiet",
                "--target",
                "wasm32-wasip1",
                "--manifest-path",
                "/g/Cargo.toml",
                "--target-dir",
                "/t"
            ]
        );
        let envs: Vec<_> = cmd.get_envs().collect();
        assert_eq!(
            envs,
            [
                (OsStr::new("CARGO_CFG_UNIX"), None),
                (OsStr::new("RUSTFLAGS"), None)
            ]
        );
    }

    #[test]
    fn clear_outer_build_env_removes_what_this_process_has() {
        // Under `cargo test`, cargo sets CARGO_MANIFEST_DIR and CARGO_PKG_NAME for this binary.
        let mut cmd = Command::new("true");
        clear_outer_build_env(&mut cmd);
        let removed: Vec<_> = cmd.get_envs().map(|(name, _)| name.to_owned()).collect();
        assert!(
            removed.contains(&"CARGO_MANIFEST_DIR".into()),
            "{removed:?}"
        );
        assert!(removed.contains(&"CARGO_PKG_NAME".into()), "{removed:?}");
        assert!(!removed.contains(&"PATH".into()), "{removed:?}");
        assert!(cmd.get_envs().all(|(_, value)| value.is_none()));
    }

    #[test]
    fn a_failed_build_names_the_manifest_and_carries_cargos_stderr() {
        let dir = std::env::temp_dir().join(format!("marine-guest-build-{}", std::process::id()));
        let manifest = dir.join("no-such-guest/Cargo.toml");
        let err = build_wasm_workspace(&manifest, &dir.join("target")).unwrap_err();
        assert_eq!(err.manifest(), manifest);
        let GuestBuildError::Failed { stderr, .. } = &err else {
            panic!("expected a failed build, got {err:?}");
        };
        assert!(stderr.contains("no-such-guest"), "{stderr}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "building {} for wasm32-wasip1 failed (",
                manifest.display()
            )),
            "{text}"
        );
        assert!(text.ends_with(stderr.as_str()), "{text}");
    }

    #[test]
    fn a_missing_cargo_is_a_spawn_error() {
        let err = build_with(
            "/no/such/cargo".into(),
            Path::new("/g/Cargo.toml"),
            Path::new("/t"),
        )
        .unwrap_err();
        assert!(matches!(err, GuestBuildError::Spawn { .. }), "{err:?}");
        assert_eq!(err.manifest(), Path::new("/g/Cargo.toml"));
        assert!(
            err.to_string().starts_with(
                "cannot run /no/such/cargo to build /g/Cargo.toml for wasm32-wasip1: "
            ),
            "{err}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
