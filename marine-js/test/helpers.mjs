// Shared by the tests: the repository's paths, the example modules built to real wasm, and
// the shared call table.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ImportError } from "../dist/index.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** @type {string | undefined} */
let examplesDir;

/** The guest workspaces the tests build, with the target folders the Rust tests use too. */
const WORKSPACES = {
  examples: { manifest: "examples/Cargo.toml", targetDir: "target/wasm-examples" },
  compat: { manifest: "tests/compat/Cargo.toml", targetDir: "target/compat-wasm" },
  "compat-old": { manifest: "tests/compat-old/Cargo.toml", targetDir: "target/compat-old-wasm" },
};

/** @type {Record<string, string>} */
const built = {};

/**
 * This process's environment for a nested cargo build: the same rule as the Rust tests' guest
 * builds, nothing of an outer cargo build leaks into this one.
 */
export function cargoEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !(k.startsWith("CARGO_") && k !== "CARGO_HOME") && k !== "RUSTFLAGS" && k !== "RUSTC_WRAPPER",
    ),
  );
}

/**
 * Builds every example module for wasm32-wasip1 (once per process, in the folder the Rust
 * end-to-end tests use, so the two share the build) and returns the folder of `.wasm` files.
 */
export function buildExamples() {
  examplesDir ??= buildWorkspace("examples");
  return examplesDir;
}

/**
 * Builds one guest workspace of {@link WORKSPACES} for wasm32-wasip1 (once per process) and
 * returns the folder of its `.wasm` files.
 * @param {string} name
 */
export function buildWorkspace(name) {
  if (built[name]) return built[name];
  const workspace = WORKSPACES[/** @type {keyof typeof WORKSPACES} */ (name)];
  if (!workspace) throw new Error(`no guest workspace named ${name}`);
  const targetDir = path.join(repoRoot, workspace.targetDir);
  const env = cargoEnv();
  execFileSync(
    "cargo",
    [
      "build", "--locked", "--release", "--target", "wasm32-wasip1",
      "--manifest-path", path.join(repoRoot, workspace.manifest),
      "--target-dir", targetDir,
    ],
    { stdio: ["ignore", "inherit", "inherit"], env },
  );
  built[name] = path.join(targetDir, "wasm32-wasip1", "release");
  return built[name];
}

/**
 * The bytes of one example module.
 * @param {string} name
 */
export function exampleWasm(name) {
  return readFileSync(path.join(buildExamples(), `${name}.wasm`));
}

/**
 * The bytes of one module of a guest workspace.
 * @param {string} workspace
 * @param {string} name
 */
export function builtWasm(workspace, name) {
  return readFileSync(path.join(buildWorkspace(workspace), `${name}.wasm`));
}

/**
 * One call of the shared table: `result` is the exact answer, or `error` lists strings the
 * error's message contains.
 * @typedef {{ service: string, module: string, function: string, args: unknown[] | Record<string, unknown>,
 *   call_parameters?: import("../dist/index.js").CallParameters, result?: unknown, error?: string[] }} SharedCall
 */

/**
 * The shared call table (`tests/calls/calls.json`), the config text of each service and the
 * build its modules come from (`examples` unless `builds` says otherwise).
 * @returns {{ calls: SharedCall[], configs: Record<string, string>, builds: Record<string, string> }}
 */
export function sharedCalls() {
  const dir = path.join(repoRoot, "tests", "calls");
  /** @type {{ calls: SharedCall[], builds?: Record<string, string> }} */
  const table = JSON.parse(readFileSync(path.join(dir, "calls.json"), "utf8"));
  /** @type {Record<string, string>} */
  const configs = {};
  for (const call of table.calls) {
    configs[call.service] ??= readFileSync(path.join(dir, `${call.service}.toml`), "utf8");
  }
  return { calls: table.calls, configs, builds: table.builds ?? {} };
}

/**
 * The module names of a config's text (`[[module]]` tables) and the stem of each one's wasm
 * file (`file_name` without `.wasm`, else the name).
 * @param {string} configText
 * @returns {[string, string][]}
 */
export function moduleFiles(configText) {
  return configText
    .split(/^\[\[module\]\]$/m)
    .slice(1)
    .map((table) => {
      const name = /^name = "([^"]+)"/m.exec(table)?.[1];
      if (name === undefined) throw new Error(`a [[module]] without a name:${table}`);
      const file = /^file_name = "([^"]+)\.wasm"/m.exec(table)?.[1];
      return [name, file ?? name];
    });
}

/**
 * Checks the error of `call_params_caller.via_host` whose host function `host_callback` threw
 * `Error("no callbacks today")` (on the main thread and in a worker alike).
 * @param {unknown} e
 */
export function hostCallbackFailed(e) {
  assert.ok(e instanceof ImportError, String(e));
  assert.equal(e.module, "call_params_caller");
  assert.equal(e.function, "via_host");
  assert.equal(
    e.message,
    "module `call_params_caller`, function `via_host`: import `__marine_host_api_v3.host_callback` called from module `call_params_caller` failed: module `call_params_caller`: host function `host_callback` failed: Error: no callbacks today",
  );
  return true;
}
