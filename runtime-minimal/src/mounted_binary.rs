//! Running a mounted binary: the host side of a `[module.mounted_binaries]` import
//! (reference §C.3, guest ABI §5.4).
//!
//! The official runtime calls `Command::new(path).args(args).output()`: no shell (kept here),
//! but the environment and working directory of the host process are inherited, there is no
//! timeout and no output limit. This implementation fixes those defects (reference §K.5):
//!
//! - no shell: the arguments reach the binary verbatim (`$HOME`, `;`, spaces are not special);
//! - the environment is cleared; only [`RunOptions::envs`] is passed;
//! - stdin is `/dev/null`; stdout and stderr are read concurrently by two threads, each kept
//!   up to [`RunOptions::output_cap_bytes`] (the rest is read and discarded, so the child never
//!   blocks on a full pipe; truncation is noted in [`MountedBinaryResult::error`]);
//! - the run ends at [`RunOptions::timeout`] or at the call's deadline
//!   ([`RunOptions::deadline`]), whichever is first: the child is killed with `SIGKILL` and
//!   the result carries [`TIMEOUT_CODE`] (and [`RunReport::timed_out`] or
//!   [`RunReport::call_deadline_passed`] says which);
//! - nothing the binary started outlives the run: the binary runs in its own process group,
//!   killed when the run ends (also when the binary exited normally, so `sh -c "x &"` takes
//!   `x` with it); on Linux, descendants that left the group (`setsid`) are tracked through
//!   `/proc` and killed too, as are processes still holding the output pipes (only a
//!   process that detaches, loses its parent and closes its stdout and stderr within one
//!   10 ms poll can escape);
//! - the child is always reaped (no zombies) and nothing here panics.
//!
//! The call blocks the current thread for up to the timeout (plus a short grace period); an
//! async host should run it on a blocking thread (e.g. `tokio::task::spawn_blocking`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `ret_code` of a process that exited with status 0.
pub const SUCCESS_CODE: i32 = 0;
/// `ret_code` when the process was terminated by a signal (official code).
pub const KILLED_BY_SIGNAL_CODE: i32 = 100000;
/// `ret_code` when the process could not be started; `error` holds the OS error text,
/// e.g. `No such file or directory (os error 2)` (official code and text).
pub const SPAWN_ERROR_CODE: i32 = 100001;
/// `ret_code` when the import received a number of arguments other than one (official).
pub const ARGS_COUNT_ERROR_CODE: i32 = 100002;
/// `ret_code` when the argument is not an array (official).
pub const ARGS_NOT_ARRAY_ERROR_CODE: i32 = 100003;
/// `ret_code` when an array element is not a string (official).
pub const ARG_NOT_STRING_ERROR_CODE: i32 = 100004;
/// `error` text of the three argument-shape codes (official text).
pub const ARGS_ERROR_MESSAGE: &str = "internal error is encountered while passing arguments to a \
     mounted binary closure, probably you use a not suitable version of rust-sdk";
/// `ret_code` when the call exceeded [`RunOptions::timeout`] and the process was killed
/// (new; the official runtime has no timeout).
pub const TIMEOUT_CODE: i32 = 100005;
/// `ret_code` when waiting for the process failed (new; practically never happens).
pub const WAIT_ERROR_CODE: i32 = 100006;

/// The result record returned to the guest. The field order is the record's layout
/// (`ret_code` i32 @0, `error` string @4, `stdout` bytes @12, `stderr` bytes @20) and must not
/// change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountedBinaryResult {
    /// The exit code of the process, or one of the host codes above (`100000..`).
    pub ret_code: i32,
    /// Why the call failed or what was lost (timeout, truncation); empty on a clean run.
    pub error: String,
    /// What the process wrote to stdout (at most [`RunOptions::output_cap_bytes`]).
    pub stdout: Vec<u8>,
    /// What the process wrote to stderr (at most [`RunOptions::output_cap_bytes`]).
    pub stderr: Vec<u8>,
}

impl MountedBinaryResult {
    /// A result with no output.
    pub fn from_error(ret_code: i32, error: impl Into<String>) -> Self {
        MountedBinaryResult {
            ret_code,
            error: error.into(),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// Whether `ret_code` is [`SUCCESS_CODE`].
    pub fn is_success(&self) -> bool {
        self.ret_code == SUCCESS_CODE
    }
}

/// How to run a mounted binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Wall-clock limit of the whole call.
    pub timeout: Duration,
    /// Maximum bytes kept of stdout, and separately of stderr.
    pub output_cap_bytes: usize,
    /// The complete environment of the process.
    pub envs: BTreeMap<String, String>,
    /// Working directory of the process; `None` inherits the host's.
    pub working_dir: Option<PathBuf>,
    /// The deadline of the call the binary runs for: the run also ends there, if that is
    /// before [`RunOptions::timeout`] (then [`RunReport::call_deadline_passed`]).
    pub deadline: Option<Instant>,
}

impl Default for RunOptions {
    /// 60 s timeout, 10 MiB per stream, empty environment, inherited working directory.
    fn default() -> Self {
        RunOptions {
            timeout: Duration::from_secs(60),
            output_cap_bytes: 10 * 1024 * 1024,
            envs: BTreeMap::new(),
            working_dir: None,
            deadline: None,
        }
    }
}

/// [`MountedBinaryResult`] plus what the host may want to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// What the guest receives.
    pub result: MountedBinaryResult,
    /// Process id of the child (`None` if it was never started). It has been reaped.
    pub pid: Option<u32>,
    /// Whether [`RunOptions::timeout`] fired and the process was killed.
    pub timed_out: bool,
    /// Whether the call's deadline ([`RunOptions::deadline`]) came first and the process
    /// was killed there.
    pub call_deadline_passed: bool,
    /// Bytes of stdout read and discarded beyond the cap.
    pub stdout_discarded: u64,
    /// Bytes of stderr read and discarded beyond the cap.
    pub stderr_discarded: u64,
    /// Whether a stream was still open when we stopped reading (a background process
    /// outside our control kept it open), so output may be missing.
    pub output_incomplete: bool,
    /// Processes left behind by the binary outside its process group (detached with
    /// `setsid`) that were killed at the end of the run.
    pub leftovers_killed: usize,
    /// Wall-clock duration of the call.
    pub elapsed: Duration,
}

/// Runs `path` with `args` (no shell) under `opts`; see the module docs.
pub fn run_mounted_binary(
    path: impl AsRef<Path>,
    args: Vec<String>,
    opts: &RunOptions,
) -> MountedBinaryResult {
    run_mounted_binary_detailed(path.as_ref(), &args, opts).result
}

// ---- interface values: what the host import receives and returns -------------------------

/// Name of the result record type, as the guest SDK declares it.
pub const RESULT_RECORD_NAME: &str = "MountedBinaryResult";

/// The guest-visible record type of [`MountedBinaryResult`]:
/// `{ ret_code: i32, error: string, stdout: []u8, stderr: []u8 }`.
pub fn result_record_type() -> crate::types::IRecordType {
    use crate::types::{IRecordField, IRecordType, IType};
    let field = |name: &str, ty: IType| IRecordField {
        name: name.to_owned(),
        ty,
    };
    IRecordType {
        name: RESULT_RECORD_NAME.to_owned(),
        fields: vec![
            field("ret_code", IType::S32),
            field("error", IType::String),
            field("stdout", IType::ByteArray),
            field("stderr", IType::ByteArray),
        ],
    }
}

impl MountedBinaryResult {
    /// The record value lowered into the guest (fields in declaration order).
    pub fn into_ivalue(self) -> crate::types::IValue {
        use crate::types::IValue;
        IValue::Record(vec![
            IValue::S32(self.ret_code),
            IValue::String(self.error),
            IValue::ByteArray(self.stdout),
            IValue::ByteArray(self.stderr),
        ])
    }
}

/// Extracts the `Vec<String>` argument of a mounted-binary import. Shape errors give the
/// official codes 100002 (not exactly one argument), 100003 (not an array), 100004 (an element
/// is not a string) with the official message.
pub fn args_from_ivalues(
    mut args: Vec<crate::types::IValue>,
) -> Result<Vec<String>, MountedBinaryResult> {
    use crate::types::IValue;
    let shape_error = |code| MountedBinaryResult::from_error(code, ARGS_ERROR_MESSAGE);
    if args.len() != 1 {
        return Err(shape_error(ARGS_COUNT_ERROR_CODE));
    }
    match args.remove(0) {
        IValue::Array(values) => values
            .into_iter()
            .map(|value| match value {
                IValue::String(text) => Ok(text),
                _ => Err(shape_error(ARG_NOT_STRING_ERROR_CODE)),
            })
            .collect(),
        _ => Err(shape_error(ARGS_NOT_ARRAY_ERROR_CODE)),
    }
}

/// Time left to the readers after the process was killed.
const KILL_GRACE: Duration = Duration::from_millis(200);
/// Longest sleep between two checks of the child's state.
const MAX_POLL: Duration = Duration::from_millis(10);

/// Like [`run_mounted_binary`], with details for logging.
pub fn run_mounted_binary_detailed(path: &Path, args: &[String], opts: &RunOptions) -> RunReport {
    let start = Instant::now();
    // The run ends at its own timeout or at the call's deadline, whichever comes first.
    let own_end = start.checked_add(opts.timeout);
    let (end, end_is_call_deadline) = match (own_end, opts.deadline) {
        (Some(own), Some(call)) if call < own => (Some(call), true),
        (None, Some(call)) => (Some(call), true),
        (own, _) => (own, false),
    };
    let mut report = RunReport {
        result: MountedBinaryResult::default(),
        pid: None,
        timed_out: false,
        call_deadline_passed: false,
        stdout_discarded: 0,
        stderr_discarded: 0,
        output_incomplete: false,
        leftovers_killed: 0,
        elapsed: Duration::ZERO,
    };

    let mut command = Command::new(path);
    command
        .args(args)
        .env_clear()
        .envs(&opts.envs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = &opts.working_dir {
        command.current_dir(dir);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Own process group, so the end of the run kills the binary's children too.
        command.process_group(0);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the hook makes one system call (prctl), async-signal-safe, and allocates
        // nothing.
        unsafe {
            command.pre_exec(crate::descendants::become_subreaper);
        }
    }

    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            log::error!("cannot start mounted binary `{}`: {error}", path.display());
            report.result = MountedBinaryResult::from_error(SPAWN_ERROR_CODE, error.to_string());
            report.elapsed = start.elapsed();
            return report;
        }
    };
    report.pid = Some(child.id());
    let mut leftovers = Leftovers::new(&child);

    let (done_tx, done_rx) = mpsc::channel::<()>();
    let stdout = start_reader(child.stdout.take(), opts.output_cap_bytes, &done_tx);
    let stderr = start_reader(child.stderr.take(), opts.output_cap_bytes, &done_tx);
    drop(done_tx);
    let (stdout, stderr) = match (stdout, stderr) {
        (Ok(stdout), Ok(stderr)) => (stdout, stderr),
        (Err(error), _) | (_, Err(error)) => {
            leftovers.kill(&mut child);
            let _ = child.wait();
            report.result = MountedBinaryResult::from_error(
                SPAWN_ERROR_CODE,
                format!("cannot start an output reader thread: {error}"),
            );
            report.elapsed = start.elapsed();
            return report;
        }
    };

    // Wait for the process to exit (without reaping it yet: its pid and process group stay
    // ours until everything it left behind is killed), or for the end of the run.
    let exited = {
        let mut poll = Duration::from_millis(1);
        loop {
            match has_exited(&mut child) {
                Ok(true) => break true,
                Ok(false) => {}
                Err(error) => {
                    leftovers.kill(&mut child);
                    let _ = child.wait();
                    report.result = MountedBinaryResult::from_error(
                        WAIT_ERROR_CODE,
                        format!("cannot wait for the process: {error}"),
                    );
                    report.elapsed = start.elapsed();
                    return report;
                }
            }
            leftovers.scan();
            let now = Instant::now();
            match end {
                Some(end) if now >= end => break false,
                Some(end) => std::thread::sleep(poll.min(end - now)),
                None => std::thread::sleep(poll),
            }
            poll = (poll * 2).min(MAX_POLL);
        }
    };
    if !exited {
        report.timed_out = !end_is_call_deadline;
        report.call_deadline_passed = end_is_call_deadline;
    }
    // The run is over for the binary's whole family: its process group and every
    // descendant seen, whether the binary exited or not.
    report.leftovers_killed += leftovers.kill(&mut child);
    let status = match child.wait() {
        Ok(status) if exited => Some(status),
        _ => None,
    };

    // Wait for both streams to reach EOF. Only a process outside the family can still hold
    // them: after a grace period, kill the holders of the pipes; after another, give up.
    let mut open_streams = 2;
    let mut holders_killed = false;
    while open_streams > 0 {
        match done_rx.recv_timeout(KILL_GRACE) {
            Ok(()) => open_streams -= 1,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if holders_killed => {
                report.output_incomplete = true;
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                report.leftovers_killed += leftovers.kill_pipe_holders();
                holders_killed = true;
            }
        }
    }

    let (stdout, stdout_discarded) = stdout.take();
    let (stderr, stderr_discarded) = stderr.take();
    report.stdout_discarded = stdout_discarded;
    report.stderr_discarded = stderr_discarded;

    let mut notes = Vec::new();
    let ret_code = match status {
        None if report.call_deadline_passed => {
            notes.push(format!(
                "the call's deadline passed after {} ms; the process was killed",
                start.elapsed().as_millis()
            ));
            TIMEOUT_CODE
        }
        None => {
            notes.push(format!(
                "timed out after {} ms; the process was killed",
                opts.timeout.as_millis()
            ));
            TIMEOUT_CODE
        }
        Some(status) => match status.code() {
            Some(code) => code,
            None => {
                notes.push(describe_signal(status));
                KILLED_BY_SIGNAL_CODE
            }
        },
    };
    for (name, discarded) in [("stdout", stdout_discarded), ("stderr", stderr_discarded)] {
        if discarded > 0 {
            notes.push(format!(
                "{name} truncated to {} bytes ({discarded} bytes discarded)",
                opts.output_cap_bytes
            ));
        }
    }
    if report.output_incomplete {
        notes.push(
            "output may be incomplete: a process outside our reach kept stdout/stderr open"
                .to_owned(),
        );
    }

    report.result = MountedBinaryResult {
        ret_code,
        error: notes.join("; "),
        stdout,
        stderr,
    };
    report.elapsed = start.elapsed();
    if report.leftovers_killed > 0 {
        log::debug!(
            "mounted binary `{}`: killed {} leftover process(es) at the end of the run",
            path.display(),
            report.leftovers_killed
        );
    }
    if !report.result.error.is_empty() {
        log::warn!(
            "mounted binary `{}`: {}",
            path.display(),
            report.result.error
        );
    }
    report
}

/// Whether the child has exited, without reaping it (Linux: `waitid` with `WNOWAIT`; the
/// child is reaped by the `wait` that follows). Elsewhere it is reaped here.
fn has_exited(child: &mut Child) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        let pid = libc::id_t::from(child.id());
        // SAFETY: waitid writes only into `info`, a valid siginfo_t.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: see above; `pid` is our unreaped child.
        if unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: si_pid is valid for the SIGCHLD siginfo waitid fills (0 when no child
        // has changed state).
        Ok(unsafe { info.si_pid() } != 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        child.try_wait().map(|status| status.is_some())
    }
}

/// What a run may leave behind and how to find it: the child's process group, its
/// descendants (Linux), the holders of its output pipes (Linux).
struct Leftovers {
    #[cfg(target_os = "linux")]
    family: crate::descendants::Family,
    #[cfg(target_os = "linux")]
    pipes: Vec<String>,
}

impl Leftovers {
    fn new(child: &Child) -> Self {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let pipes = [
                child.stdout.as_ref().map(|p| p.as_raw_fd()),
                child.stderr.as_ref().map(|p| p.as_raw_fd()),
            ]
            .into_iter()
            .flatten()
            .filter_map(crate::descendants::fd_link)
            .collect();
            Leftovers {
                family: crate::descendants::Family::new(child.id()),
                pipes,
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = child;
            Leftovers {}
        }
    }

    /// Records the child's current descendants.
    fn scan(&mut self) {
        #[cfg(target_os = "linux")]
        self.family.scan();
    }

    /// Kills the child (if it still runs), its process group and every descendant seen
    /// (still unreaped, the child's pid cannot have been reused). Returns how many
    /// descendants outside the group were signalled.
    fn kill(&mut self, child: &mut Child) -> usize {
        #[cfg(target_os = "linux")]
        self.family.scan();
        kill_group(Some(child.id()));
        let _ = child.kill();
        #[cfg(target_os = "linux")]
        {
            self.family.kill_all()
        }
        #[cfg(not(target_os = "linux"))]
        0
    }

    /// Kills the processes (other than the host) still holding the output pipes.
    fn kill_pipe_holders(&self) -> usize {
        #[cfg(target_os = "linux")]
        {
            crate::descendants::kill_pids(&crate::descendants::pipe_holders(&self.pipes))
        }
        #[cfg(not(target_os = "linux"))]
        0
    }
}

/// Output of one stream, shared with its reader thread.
#[derive(Default)]
struct Capture {
    data: Vec<u8>,
    discarded: u64,
}

#[derive(Clone)]
struct SharedCapture(Arc<Mutex<Capture>>);

impl SharedCapture {
    fn with<R>(&self, f: impl FnOnce(&mut Capture) -> R) -> R {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    fn take(&self) -> (Vec<u8>, u64) {
        self.with(|c| (std::mem::take(&mut c.data), c.discarded))
    }
}

/// Starts a thread copying `pipe` into a capped buffer; it sends on `done` at EOF.
fn start_reader(
    pipe: Option<impl Read + Send + 'static>,
    cap: usize,
    done: &mpsc::Sender<()>,
) -> std::io::Result<SharedCapture> {
    let capture = SharedCapture(Arc::default());
    let Some(mut pipe) = pipe else {
        let _ = done.send(());
        return Ok(capture);
    };
    let shared = capture.clone();
    let done = done.clone();
    std::thread::Builder::new()
        .name("mounted-binary-output".to_owned())
        .spawn(move || {
            let mut buffer = [0u8; 8192];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => shared.with(|c| {
                        let keep = n.min(cap.saturating_sub(c.data.len()));
                        c.data.extend_from_slice(&buffer[..keep]);
                        c.discarded += (n - keep) as u64;
                    }),
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = done.send(());
        })?;
    Ok(capture)
}

/// Sends SIGKILL to the process group led by `pid` (the child, spawned with
/// `process_group(0)`). Only called while the group may still exist; no-op off unix.
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pgid) = pid.and_then(|pid| libc::pid_t::try_from(pid).ok()) {
        if pgid > 0 {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

fn describe_signal(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    format!("terminated without an exit code ({status})")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn opts() -> RunOptions {
        RunOptions {
            timeout: Duration::from_secs(10),
            ..RunOptions::default()
        }
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn echo_receives_arguments_verbatim_without_a_shell() {
        let result = run_mounted_binary(
            "/bin/echo",
            args(&["two words", "$HOME", ";", "ls", "&&", "`id`", "*"]),
            &opts(),
        );
        assert_eq!(result.ret_code, SUCCESS_CODE);
        assert_eq!(result.error, "");
        assert_eq!(
            String::from_utf8(result.stdout).unwrap(),
            "two words $HOME ; ls && `id` *\n"
        );
        assert!(result.stderr.is_empty());
    }

    #[test]
    fn environment_contains_only_configured_envs() {
        let mut options = opts();
        options.envs.insert("A".into(), "1".into());
        options.envs.insert("B".into(), "two words".into());
        let result = run_mounted_binary("/usr/bin/env", vec![], &options);
        assert_eq!(result.ret_code, 0, "{result:?}");
        assert_eq!(
            String::from_utf8(result.stdout).unwrap(),
            "A=1\nB=two words\n"
        );

        let result = run_mounted_binary("/usr/bin/env", vec![], &opts());
        assert_eq!(result.stdout, b"");
    }

    #[test]
    fn nonzero_exit_code_and_separate_streams() {
        let result = run_mounted_binary(
            "/bin/sh",
            args(&["-c", "echo out; echo err >&2; exit 42"]),
            &opts(),
        );
        assert_eq!(result.ret_code, 42);
        assert_eq!(result.error, "");
        assert_eq!(result.stdout, b"out\n");
        assert_eq!(result.stderr, b"err\n");
        assert!(!result.is_success());
    }

    #[test]
    fn missing_binary_is_a_spawn_error() {
        let report = run_mounted_binary_detailed(
            Path::new("/nonexistent/bin/____no_such_binary____"),
            &[],
            &opts(),
        );
        assert_eq!(report.result.ret_code, SPAWN_ERROR_CODE);
        assert_eq!(
            report.result.error,
            "No such file or directory (os error 2)"
        );
        assert_eq!(report.pid, None);
        assert!(report.result.stdout.is_empty() && report.result.stderr.is_empty());
    }

    #[test]
    fn hanging_process_is_killed_at_the_timeout_and_reaped() {
        let options = RunOptions {
            timeout: Duration::from_millis(200),
            ..opts()
        };
        let report = run_mounted_binary_detailed(Path::new("/bin/sleep"), &args(&["10"]), &options);
        assert!(report.timed_out);
        assert_eq!(report.result.ret_code, TIMEOUT_CODE);
        assert_eq!(
            report.result.error,
            "timed out after 200 ms; the process was killed"
        );
        assert!(report.elapsed >= Duration::from_millis(200));
        assert!(
            report.elapsed < Duration::from_secs(3),
            "{:?}",
            report.elapsed
        );
        let pid = report.pid.unwrap();
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "child {pid} was not reaped"
        );
    }

    #[test]
    fn timeout_also_kills_grandchildren_holding_the_pipes() {
        let options = RunOptions {
            timeout: Duration::from_millis(300),
            ..opts()
        };
        // The shell exits at once; its background `sleep` keeps stdout open.
        let report = run_mounted_binary_detailed(
            Path::new("/bin/sh"),
            &args(&["-c", "sleep 10 & echo started"]),
            &options,
        );
        assert!(
            report.elapsed < Duration::from_secs(3),
            "{:?}",
            report.elapsed
        );
        assert_eq!(report.result.ret_code, 0);
        assert_eq!(report.result.stdout, b"started\n");
        assert!(!report.timed_out);
        // The pipe closed, so the background `sleep` is dead.
        assert!(!report.output_incomplete);
        assert_eq!(report.result.error, "");
    }

    #[test]
    fn large_output_is_truncated_at_the_cap() {
        let options = RunOptions {
            output_cap_bytes: 1000,
            ..opts()
        };
        // 1 MB, far beyond a pipe buffer: the child must not block once the cap is reached.
        let report = run_mounted_binary_detailed(
            Path::new("/usr/bin/head"),
            &args(&["-c", "1000000", "/dev/zero"]),
            &options,
        );
        assert_eq!(report.result.ret_code, 0);
        assert_eq!(report.result.stdout.len(), 1000);
        assert_eq!(report.stdout_discarded, 999_000);
        assert_eq!(report.stderr_discarded, 0);
        assert_eq!(
            report.result.error,
            "stdout truncated to 1000 bytes (999000 bytes discarded)"
        );
    }

    #[test]
    fn process_killed_by_a_signal() {
        let result =
            run_mounted_binary("/bin/sh", args(&["-c", "echo before; kill -9 $$"]), &opts());
        assert_eq!(result.ret_code, KILLED_BY_SIGNAL_CODE);
        assert_eq!(result.error, "killed by signal 9");
        assert_eq!(result.stdout, b"before\n");
    }

    #[test]
    fn stdin_is_empty_and_working_dir_is_applied() {
        let result = run_mounted_binary("/bin/cat", vec![], &opts());
        assert_eq!((result.ret_code, result.stdout.len()), (0, 0));

        let dir = tempfile::tempdir().unwrap();
        let options = RunOptions {
            working_dir: Some(dir.path().to_path_buf()),
            ..opts()
        };
        let result = run_mounted_binary("/bin/pwd", vec![], &options);
        let printed = String::from_utf8(result.stdout).unwrap();
        assert_eq!(
            Path::new(printed.trim_end()).canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    fn result_layout_order() {
        let result = MountedBinaryResult::from_error(SPAWN_ERROR_CODE, "x");
        let MountedBinaryResult {
            ret_code,
            error,
            stdout,
            stderr,
        } = result;
        assert_eq!((ret_code, error.as_str()), (100001, "x"));
        assert!(stdout.is_empty() && stderr.is_empty());
        assert_eq!(
            [
                KILLED_BY_SIGNAL_CODE,
                SPAWN_ERROR_CODE,
                ARGS_COUNT_ERROR_CODE,
                ARGS_NOT_ARRAY_ERROR_CODE,
                ARG_NOT_STRING_ERROR_CODE,
                TIMEOUT_CODE,
                WAIT_ERROR_CODE
            ],
            [100000, 100001, 100002, 100003, 100004, 100005, 100006]
        );
    }

    #[test]
    fn ivalue_glue() {
        use crate::types::{IType, IValue};
        let s = |t: &str| IValue::String(t.to_owned());
        assert_eq!(
            args_from_ivalues(vec![IValue::Array(vec![s("-c"), s("x y")])]),
            Ok(vec!["-c".to_owned(), "x y".to_owned()])
        );
        assert_eq!(args_from_ivalues(vec![IValue::Array(vec![])]), Ok(vec![]));
        let code = |args| args_from_ivalues(args).unwrap_err().ret_code;
        assert_eq!(code(vec![]), ARGS_COUNT_ERROR_CODE);
        assert_eq!(code(vec![s("a")]), ARGS_NOT_ARRAY_ERROR_CODE);
        assert_eq!(
            code(vec![IValue::Array(vec![s("a"), IValue::S32(1)])]),
            ARG_NOT_STRING_ERROR_CODE
        );
        assert_eq!(
            args_from_ivalues(vec![]).unwrap_err().error,
            ARGS_ERROR_MESSAGE
        );

        let record = MountedBinaryResult {
            ret_code: 7,
            error: "e".into(),
            stdout: vec![1],
            stderr: vec![2],
        };
        assert_eq!(
            record.into_ivalue(),
            IValue::Record(vec![
                IValue::S32(7),
                s("e"),
                IValue::ByteArray(vec![1]),
                IValue::ByteArray(vec![2])
            ])
        );
        let ty = result_record_type();
        let names: Vec<_> = ty.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ret_code", "error", "stdout", "stderr"]);
        assert_eq!(ty.fields[2].ty, IType::ByteArray);
    }
}
