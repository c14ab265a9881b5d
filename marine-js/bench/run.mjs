// Benchmarks of Marine in JavaScript, in one Node process: a greeting call, 1 KiB and 1 MiB
// byte arrays across two modules, and service creation, each for this package, the official
// `@fluencelabs/marine-js` 0.13.0 on the same module bytes, and the raw protocol written by
// hand against the modules' exports over the same WASI shim. Criterion-style: a warm-up, then
// many samples of many iterations; the median and the quartiles per iteration. Every figure
// is given as a ratio to a baseline measured in the same run.
//
//   npm run build && npm run bench            # writes bench/results.json and BENCHMARKS.md
//   node bench/run.mjs --quick                # every figure a few times, nothing written
//
// Needs the example modules built (test/helpers.mjs does it) and the `embed-it` tool
// (test/official.mjs builds it): the official package reads only modules with an
// `interface-types` section, so all three contenders get those bytes.
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { File, OpenFile, PreopenDirectory, WASI } from "@bjorn3/browser_wasi_shim";
import { MarineService as Official } from "@fluencelabs/marine-js/MarineService";

import { MarineService } from "../dist/index.js";
import { MarineService as Compat } from "../dist/compat.js";
import { fullCallParameters, officialConfig, officialControlModule, officialWasm } from "../test/official.mjs";
import { render } from "./render.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const WARMUP_MS = quick ? 1 : 500;
const MEASURE_MS = quick ? 1 : 2500;
const SAMPLE_MS = 20;
const MIN_SAMPLES = quick ? 1 : 15;
const MAX_SAMPLES = 200;

/**
 * Times `f`: warms it up, picks how many iterations make a sample of about SAMPLE_MS, then
 * takes samples for about MEASURE_MS (at least MIN_SAMPLES). Times are per iteration, in ns.
 * @param {string} label
 * @param {() => unknown} f
 */
async function measure(label, f) {
  let sink = 0;
  const touch = (/** @type {unknown} */ v) => {
    sink += v === undefined ? 0 : 1;
  };
  // Warm-up, and the cost of one call.
  let calls = 0;
  const warmStart = performance.now();
  do {
    touch(await f());
    calls++;
  } while (performance.now() - warmStart < WARMUP_MS);
  // The cost of one call once warm (the warm-up includes tiering up), from a short batch.
  const batch = Math.max(1, Math.ceil(calls / 4));
  const batchStart = performance.now();
  for (let i = 0; i < batch; i++) touch(await f());
  const perCall = (performance.now() - batchStart) / batch;
  const iterations = Math.max(1, Math.round(SAMPLE_MS / Math.max(perCall, 1e-6)));
  /** @type {number[]} */
  const samples = [];
  const start = performance.now();
  while (samples.length < MIN_SAMPLES || (performance.now() - start < MEASURE_MS && samples.length < MAX_SAMPLES)) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) touch(await f());
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  samples.sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => samples[Math.min(samples.length - 1, Math.floor(p * (samples.length - 1) + 0.5))] ?? NaN;
  const result = { label, median_ns: q(0.5), p25_ns: q(0.25), p75_ns: q(0.75), min_ns: samples[0], samples: samples.length, iterations, sink };
  console.log(`  ${label}: ${fmt(result.median_ns)} [${fmt(result.p25_ns)} .. ${fmt(result.p75_ns)}] (${samples.length} x ${iterations})`);
  return result;
}

function fmt(/** @type {number} */ ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

// ---- The raw protocol, by hand ----------------------------------------------------------

/** `WebAssembly.compile` of a Node buffer. */
const compile = (/** @type {Uint8Array} */ bytes) => WebAssembly.compile(/** @type {Uint8Array<ArrayBuffer>} */ (bytes));

const U8 = 1; // `allocate`'s type tag for bytes (and string bytes)
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Instantiates one module with the WASI shim and the given other imports, and starts it.
 * @param {WebAssembly.Module} module
 * @param {Record<string, Record<string, Function>>} other
 */
async function rawInstance(module, other = {}) {
  const wasi = new WASI([], ["WASM_LOG=off"], [new OpenFile(new File([])), new OpenFile(new File([])), new OpenFile(new File([])), new PreopenDirectory("/tmp", new Map())]);
  /** @type {WebAssembly.Imports} */
  const imports = { wasi_snapshot_preview1: wasi.wasiImport, ...other };
  const instance = await WebAssembly.instantiate(module, imports);
  wasi.initialize(/** @type {any} */ (instance));
  const e = /** @type {any} */ (instance.exports);
  return e;
}

/** The bytes of `len` at `ptr` in a module's memory (a view, no copy). */
function view(/** @type {any} */ e, /** @type {number} */ ptr, /** @type {number} */ len) {
  return new Uint8Array(e.memory.buffer, ptr, len);
}

/** Allocates `bytes.length` in the module and copies them in; returns the pointer. */
function put(/** @type {any} */ e, /** @type {Uint8Array} */ bytes) {
  if (bytes.length === 0) return 0;
  const ptr = e.allocate(bytes.length, U8);
  new Uint8Array(e.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** greeting(name) -> string by hand. */
function rawGreeting(/** @type {any} */ e, /** @type {string} */ name) {
  const bytes = encoder.encode(name);
  const ptr = put(e, bytes);
  e.greeting(ptr, bytes.length);
  const text = decoder.decode(view(e, e.get_result_ptr(), e.get_result_size()));
  e.release_objects();
  return text;
}

/**
 * The two-module pair by hand: `bench_facade` imports `bench_storage.put_get(name, data) ->
 * data`; the import is an adapter that copies both arguments from the facade's memory into
 * the storage's, calls it, and copies the result back into memory the facade allocates.
 */
async function rawPair(/** @type {WebAssembly.Module} */ storageModule, /** @type {WebAssembly.Module} */ facadeModule) {
  const storage = await rawInstance(storageModule);
  /** @type {any} */
  let facade;
  const putGet = (/** @type {number} */ namePtr, /** @type {number} */ nameLen, /** @type {number} */ dataPtr, /** @type {number} */ dataLen) => {
    const n = put(storage, view(facade, namePtr, nameLen));
    const d = put(storage, view(facade, dataPtr, dataLen));
    storage.put_get(n, nameLen, d, dataLen);
    const size = storage.get_result_size();
    const ptr = size === 0 ? 0 : facade.allocate(size, U8);
    if (size > 0) new Uint8Array(facade.memory.buffer, ptr, size).set(view(storage, storage.get_result_ptr(), size));
    facade.set_result_ptr(ptr);
    facade.set_result_size(size);
    storage.release_objects();
  };
  facade = await rawInstance(facadeModule, { bench_storage: { put_get: putGet } });
  return facade;
}

/** Imports for `module` that are all stubs returning 0: instantiation, and nothing else. */
function stubImports(/** @type {WebAssembly.Module} */ module) {
  /** @type {Record<string, Record<string, () => number>>} */
  const imports = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) (imports[from] ??= {})[name] = () => 0;
  return imports;
}

/** relay(name, data) -> data by hand, bytes in and out. */
function rawRelay(/** @type {any} */ facade, /** @type {Uint8Array} */ name, /** @type {Uint8Array} */ data) {
  const n = put(facade, name);
  const d = put(facade, data);
  facade.relay(n, name.length, d, data.length);
  const out = view(facade, facade.get_result_ptr(), facade.get_result_size()).slice();
  facade.release_objects();
  return out;
}

// ---- The run ------------------------------------------------------------------------------

const greetingBytes = officialWasm("greeting");
const storageBytes = officialWasm("bench_storage");
const facadeBytes = officialWasm("bench_facade");
const control = await officialControlModule();
const params = fullCallParameters();
const noLog = () => {};
const pairNames = ["bench_storage", "bench_facade"];
const pairModules = () => ({ bench_storage: storageBytes, bench_facade: facadeBytes });
const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

/** @type {any} */
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? "unknown",
  platform: `${os.platform()} ${os.arch()}`,
  load_before: load(),
  quick,
  groups: {},
};

// 1. greeting("Marine")
{
  console.log("greeting:");
  const raw = await rawInstance(await compile(greetingBytes));
  const ours = await MarineService.create({ config: { modules_dir: ".", module: [{ name: "greeting" }] }, modules: { greeting: greetingBytes } });
  const compat = new Compat(control, "svc", noLog, officialConfig(["greeting"]), { greeting: greetingBytes });
  await compat.init();
  const official = new Official(control, "svc", noLog, officialConfig(["greeting"]), { greeting: greetingBytes }, {});
  await official.init();
  for (const answer of [rawGreeting(raw, "Marine"), ours.call("greeting", "greeting", ["Marine"]), compat.call("greeting", ["Marine"], params), official.call("greeting", ["Marine"], params)]) {
    if (answer !== "Hi, Marine") throw new Error(`greeting answered ${JSON.stringify(answer)}`);
  }
  results.groups.greeting = [
    { id: "raw", ...(await measure("raw protocol by hand", () => rawGreeting(raw, "Marine"))) },
    { id: "ours", ...(await measure("@marine-native/js MarineService.call", () => ours.call("greeting", "greeting", ["Marine"]))) },
    { id: "compat", ...(await measure("@marine-native/js/compat (full call parameters)", () => compat.call("greeting", ["Marine"], params))) },
    { id: "official", ...(await measure("@fluencelabs/marine-js 0.13.0", () => official.call("greeting", ["Marine"], params))) },
  ];
  ours.terminate();
  compat.terminate();
  official.terminate();
}

// 2. relay(name, bytes) across two modules
for (const [key, size] of /** @type {const} */ ([["relay_1k", 1024], ["relay_1m", 1 << 20]])) {
  console.log(`${key}:`);
  const name = encoder.encode("k");
  const bytes = new Uint8Array(size).map((_, i) => (i * 7) & 255);
  const array = Array.from(bytes);
  const raw = await rawPair(await compile(storageBytes), await compile(facadeBytes));
  const ours = await MarineService.create({ config: { modules_dir: ".", module: pairNames.map((name) => ({ name })) }, modules: pairModules() });
  const official = new Official(control, "svc", noLog, officialConfig(pairNames), pairModules(), {});
  await official.init();
  const same = (/** @type {ArrayLike<number>} */ got) => got.length === size && got[size - 1] === bytes[size - 1] && got[size >> 1] === bytes[size >> 1];
  if (!same(rawRelay(raw, name, bytes))) throw new Error("raw relay answered wrong");
  const oursBytes = () => /** @type {Uint8Array} */ (ours.call("bench_facade", "relay", ["k", bytes], undefined, { bytes: true }));
  if (!same(oursBytes()) || !(oursBytes() instanceof Uint8Array)) throw new Error("relay (bytes) answered wrong");
  if (!same(/** @type {number[]} */ (ours.call("bench_facade", "relay", ["k", array])))) throw new Error("relay answered wrong");
  if (!same(/** @type {number[]} */ (official.call("relay", ["k", array], params)))) throw new Error("official relay answered wrong");
  results.groups[key] = [
    { id: "raw", ...(await measure("raw protocol by hand (Uint8Array in and out)", () => rawRelay(raw, name, bytes))) },
    { id: "ours", ...(await measure("@marine-native/js MarineService.call (Uint8Array in and out: `{ bytes: true }`)", oursBytes)) },
    { id: "ours_json", ...(await measure("@marine-native/js MarineService.call (number[] in and out, through JSON)", () => ours.call("bench_facade", "relay", ["k", array]))) },
    { id: "json", ...(await measure("JSON.stringify of the arguments + JSON.parse of the answer alone", () => JSON.parse(JSON.stringify(["k", array])))) },
    { id: "official", ...(await measure("@fluencelabs/marine-js 0.13.0", () => official.call("relay", ["k", array], params))) },
  ];
  ours.terminate();
  official.terminate();
}

// 3. Service creation: the two-module pair from bytes, started.
{
  console.log("creation:");
  const compiledStorage = await compile(storageBytes);
  const compiledFacade = await compile(facadeBytes);
  results.groups.creation = [
    {
      id: "raw",
      ...(await measure("raw: WebAssembly.compile x2, instantiate with the WASI shim, _initialize", async () =>
        rawPair(await compile(storageBytes), await compile(facadeBytes)))),
    },
    { id: "raw_precompiled", ...(await measure("raw, modules compiled beforehand: instantiate x2 and _initialize only", () => rawPair(compiledStorage, compiledFacade))) },
    {
      id: "platform_floor",
      ...(await measure("the platform alone: new WebAssembly.Instance x2 of the modules compiled beforehand, every import a stub (no WASI, not started)", () =>
        [compiledStorage, compiledFacade].map((m) => new WebAssembly.Instance(m, stubImports(m))))),
    },
    {
      id: "ours",
      ...(await measure("@marine-native/js MarineService.create", async () => {
        const s = await MarineService.create({ config: { modules_dir: ".", module: pairNames.map((name) => ({ name })) }, modules: pairModules() });
        s.terminate();
        return s;
      })),
    },
    {
      id: "official",
      ...(await measure("@fluencelabs/marine-js 0.13.0: new MarineService + init()", async () => {
        const s = new Official(control, "svc", noLog, officialConfig(pairNames), pairModules(), {});
        await s.init();
        s.terminate();
        return s;
      })),
    },
  ];
}

results.load_after = load();
console.log(`load average before ${results.load_before.join(" ")}, after ${results.load_after.join(" ")}`);
if (!quick) {
  const file = path.join(here, "results.json");
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${file}`);
  render(path.join(here, "..", "..", "BENCHMARKS.md"), results, false);
}
