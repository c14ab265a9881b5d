// Shared by the tests: the repository's paths, the example modules built to real wasm, and
// the shared call table.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** @type {string | undefined} */
let examplesDir;

/**
 * Builds every example module for wasm32-wasip1 (once per process, in the folder the Rust
 * end-to-end tests use, so the two share the build) and returns the folder of `.wasm` files.
 */
export function buildExamples() {
  if (examplesDir) return examplesDir;
  const targetDir = path.join(repoRoot, "target", "wasm-examples");
  // The same environment rule as the Rust tests' guest builds: nothing of an outer cargo
  // build leaks into this one.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !(k.startsWith("CARGO_") && k !== "CARGO_HOME") && k !== "RUSTFLAGS" && k !== "RUSTC_WRAPPER",
    ),
  );
  execFileSync(
    "cargo",
    [
      "build", "--locked", "--release", "--target", "wasm32-wasip1",
      "--manifest-path", path.join(repoRoot, "examples", "Cargo.toml"),
      "--target-dir", targetDir,
    ],
    { stdio: ["ignore", "inherit", "inherit"], env },
  );
  examplesDir = path.join(targetDir, "wasm32-wasip1", "release");
  return examplesDir;
}

/**
 * The bytes of one example module.
 * @param {string} name
 */
export function exampleWasm(name) {
  return readFileSync(path.join(buildExamples(), `${name}.wasm`));
}

/**
 * One call of the shared table: `result` is the exact answer, or `error` lists strings the
 * error's message contains.
 * @typedef {{ service: string, module: string, function: string, args: unknown[] | Record<string, unknown>,
 *   call_parameters?: import("../dist/index.js").CallParameters, result?: unknown, error?: string[] }} SharedCall
 */

/**
 * The shared call table (`tests/calls/calls.json`) and the config text of each service.
 * @returns {{ calls: SharedCall[], configs: Record<string, string> }}
 */
export function sharedCalls() {
  const dir = path.join(repoRoot, "tests", "calls");
  /** @type {{ calls: SharedCall[] }} */
  const table = JSON.parse(readFileSync(path.join(dir, "calls.json"), "utf8"));
  /** @type {Record<string, string>} */
  const configs = {};
  for (const call of table.calls) {
    configs[call.service] ??= readFileSync(path.join(dir, `${call.service}.toml`), "utf8");
  }
  return { calls: table.calls, configs };
}

/**
 * The module names of a config's text (`[[module]]` tables).
 * @param {string} configText
 */
export function moduleNames(configText) {
  return [...configText.matchAll(/^name = "([^"]+)"/gm)].map((m) => m[1]);
}
