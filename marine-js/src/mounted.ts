/**
 * Mounted binaries in Node: the host side of a `[module.mounted_binaries]` import, with the
 * native runtime's rules (no shell, arguments verbatim, a cleared environment, stdin closed,
 * a timeout, a cap on each output stream) and its result codes. In a browser there are no
 * processes: a call reports a spawn error saying so.
 */

/** `ret_code` when the process was terminated by a signal (official code). */
export const KILLED_BY_SIGNAL_CODE = 100000;
/** `ret_code` when the process could not be started (official code). */
export const SPAWN_ERROR_CODE = 100001;
/** `ret_code` when the import received a number of arguments other than one (official). */
export const ARGS_COUNT_ERROR_CODE = 100002;
/** `ret_code` when the argument is not an array (official). */
export const ARGS_NOT_ARRAY_ERROR_CODE = 100003;
/** `ret_code` when an array element is not a string (official). */
export const ARG_NOT_STRING_ERROR_CODE = 100004;
/** `ret_code` when the run exceeded its timeout and the process was killed. */
export const TIMEOUT_CODE = 100005;
const ARGS_ERROR_MESSAGE =
  "internal error is encountered while passing arguments to a mounted binary closure, probably you use a not suitable version of rust-sdk";

/** What the guest receives: the SDK's `MountedBinaryResult`. */
export interface MountedBinaryResult {
  ret_code: number;
  error: string;
  stdout: number[];
  stderr: number[];
}

/** Limits of one run. */
export interface RunOptions {
  /** Milliseconds before the process is killed (default 60 000, as natively). */
  timeoutMs?: number;
  /** Bytes kept of each of stdout and stderr (default 10 MiB, as natively). */
  outputCapBytes?: number;
}

/** The part of Node's `child_process.spawnSync` a run needs (declared here, so the package's
 * types do not depend on Node's). */
export type SpawnSync = (
  command: string,
  args: string[],
  options: {
    env: Record<string, string>;
    stdio: ["ignore", "pipe", "pipe"];
    shell: false;
    timeout: number;
    killSignal: "SIGKILL";
    maxBuffer: number;
    windowsHide: boolean;
  },
) => { status: number | null; signal: string | null; stdout: Uint8Array | null; stderr: Uint8Array | null; error?: Error };

/** The OS error texts of the Rust standard library, which the native runtime reports. */
const OS_ERRORS: Record<string, string> = {
  ENOENT: "No such file or directory (os error 2)",
  EACCES: "Permission denied (os error 13)",
  ENOEXEC: "Exec format error (os error 8)",
};

const failure = (ret_code: number, error: string): MountedBinaryResult => ({ ret_code, error, stdout: [], stderr: [] });

/**
 * A runner for the binary at `path`, or, where there are no processes (a browser), one that
 * reports why. `spawnSync` is Node's, loaded by the caller.
 */
export function mountedBinary(
  path: string,
  spawnSync: SpawnSync | undefined,
  options: RunOptions = {},
): (args: unknown[]) => MountedBinaryResult {
  const timeout = options.timeoutMs ?? 60_000;
  const cap = options.outputCapBytes ?? 10 * 1024 * 1024;
  return (args) => {
    if (args.length !== 1) return failure(ARGS_COUNT_ERROR_CODE, ARGS_ERROR_MESSAGE);
    const [argv] = args;
    if (!Array.isArray(argv)) return failure(ARGS_NOT_ARRAY_ERROR_CODE, ARGS_ERROR_MESSAGE);
    if (!argv.every((a) => typeof a === "string")) return failure(ARG_NOT_STRING_ERROR_CODE, ARGS_ERROR_MESSAGE);
    if (!spawnSync) return failure(SPAWN_ERROR_CODE, "mounted binaries need Node: this platform cannot start processes");
    const run = spawnSync(path, argv as string[], {
      env: {},
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
      timeout,
      killSignal: "SIGKILL",
      // Node stops the child when a stream passes maxBuffer; keep one byte more than the cap
      // to tell a full stream from a truncated one.
      maxBuffer: cap + 1,
      windowsHide: true,
    });
    const notes: string[] = [];
    const stdout = [...(run.stdout ?? new Uint8Array()).subarray(0, cap)];
    const stderr = [...(run.stderr ?? new Uint8Array()).subarray(0, cap)];
    const error = run.error as (Error & { code?: string }) | undefined;
    if (error?.code === "ETIMEDOUT") {
      notes.push(`timed out after ${timeout} ms; the process was killed`);
      return { ret_code: TIMEOUT_CODE, error: notes.join("; "), stdout, stderr };
    }
    if (error?.code === "ENOBUFS") {
      notes.push(`output truncated to ${cap} bytes per stream; the process was killed`);
      return { ret_code: KILLED_BY_SIGNAL_CODE, error: notes.join("; "), stdout, stderr };
    }
    if (error) return failure(SPAWN_ERROR_CODE, OS_ERRORS[error.code ?? ""] ?? error.message);
    if (run.status === null) {
      notes.push(`killed by signal ${run.signal ?? "unknown"}`);
      return { ret_code: KILLED_BY_SIGNAL_CODE, error: notes.join("; "), stdout, stderr };
    }
    return { ret_code: run.status, error: "", stdout, stderr };
  };
}
