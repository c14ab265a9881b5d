// The official `@fluencelabs/marine-js` 0.13.0 (a devDependency), for comparisons in the
// compat test and the benchmarks.
//
// It runs in Node 20, but only on modules with an `interface-types` custom section (which the
// official `marine build` embeds after compiling; without it `init()` rejects with "engine
// error: the module doesn't contain IT section"). Our examples are plain `cargo build`s, so
// `officialWasm` embeds that section with `bench/embed-it` (the official generator crate,
// built once per process with cargo). Both runtimes are then given the same bytes.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { buildWorkspace, cargoEnv, repoRoot } from "./helpers.mjs";

/** @type {string | undefined} */
let embedIt;

/** Builds the `embed-it` tool (once per process) and returns its path. */
function embedItTool() {
  if (embedIt) return embedIt;
  const targetDir = path.join(repoRoot, "target", "embed-it");
  const env = cargoEnv();
  execFileSync(
    "cargo",
    [
      "build", "--locked", "--release",
      "--manifest-path", path.join(repoRoot, "marine-js", "bench", "embed-it", "Cargo.toml"),
      "--target-dir", targetDir,
    ],
    { stdio: ["ignore", "inherit", "inherit"], env },
  );
  embedIt = path.join(targetDir, "release", "embed-it");
  return embedIt;
}

/** @type {Map<string, Buffer>} */
const embedded = new Map();

/**
 * The bytes of one module of a guest workspace (`examples` by default, or `compat`: built with
 * the official SDK) with an `interface-types` section, which both runtimes run.
 * @param {string} name
 * @param {string} [workspace]
 */
export function officialWasm(name, workspace = "examples") {
  const key = `${workspace}/${name}`;
  const known = embedded.get(key);
  if (known) return known;
  const dir = path.join(repoRoot, "target", "wasm-examples-it", workspace);
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${name}.wasm`);
  execFileSync(embedItTool(), [path.join(buildWorkspace(workspace), `${name}.wasm`), out], { stdio: ["ignore", "inherit", "inherit"] });
  const bytes = readFileSync(out);
  embedded.set(key, bytes);
  return bytes;
}

/** @type {Promise<WebAssembly.Module> | undefined} */
let control;

/** The official control module (`marine-js.wasm` of the package), compiled once. */
export function officialControlModule() {
  control ??= WebAssembly.compile(
    readFileSync(fileURLToPath(import.meta.resolve("@fluencelabs/marine-js/marine-js.wasm"))),
  );
  return control;
}

/** Full call parameters (the official runtime requires every field), with `given` on top. */
export function fullCallParameters(/** @type {Record<string, any>} */ given = {}) {
  return {
    service_id: "",
    service_creator_peer_id: "",
    host_id: "",
    worker_id: "",
    tetraplets: [],
    ...given,
    particle: {
      id: "",
      init_peer_id: "",
      timestamp: 0,
      ttl: 0,
      script: "",
      signature: [],
      token: "",
      ...given.particle,
    },
  };
}

/**
 * The official package's config for modules given by name, the last one the facade.
 * @param {string[]} names
 * @param {Record<string, Partial<{ logger_enabled: boolean, logging_mask: number, envs: Record<string, string> }>>} [settings]
 */
export function officialConfig(names, settings = {}) {
  return {
    modules_config: names.map((name) => ({
      import_name: name,
      config: {
        logger_enabled: settings[name]?.logger_enabled ?? true,
        logging_mask: settings[name]?.logging_mask ?? 0,
        wasi: { envs: settings[name]?.envs ?? {}, preopened_files: new Set(), mapped_dirs: new Map() },
      },
    })),
  };
}
