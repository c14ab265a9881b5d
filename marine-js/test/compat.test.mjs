// The drop-in for `@fluencelabs/marine-js` 0.13.0's MarineService (`@marine-native/js/compat`):
// the shared call table through our facade and through the official package (same module
// bytes, same constructor arguments), with equal answers; then what the official API does
// around calls (init, terminate, logs, envs) and hostile configs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MarineService as Official } from "@fluencelabs/marine-js/MarineService";
import { MarineService as Compat, ServiceStateError } from "@marine-native/js/compat";

import {
  ArgumentsError,
  ConfigError,
  InterfaceError,
  MarineError,
  NoSuchFunctionError,
  compat,
} from "../dist/index.js";
import { sharedCalls } from "./helpers.mjs";
import { fullCallParameters, officialConfig, officialControlModule, officialWasm } from "./official.mjs";

/** @typedef {{ call: (f: string, a: any, p?: any) => unknown, terminate: () => void }} Facade */

/**
 * One service of each kind on the same modules, the last one the facade.
 * @param {string[]} names
 * @param {Parameters<typeof officialConfig>[1]} [settings]
 * @param {Record<string, string>} [env]
 * @param {(m: any) => void} [log]
 * @param {string} [workspace] the guest workspace the modules come from
 */
async function both(names, settings, env = {}, log = () => {}, workspace = "examples") {
  const modules = Object.fromEntries(names.map((n) => [n, officialWasm(n, workspace)]));
  const control = await officialControlModule();
  const official = new Official(control, "svc", log, officialConfig(names, settings), modules, env);
  await official.init();
  const ours = new Compat(control, "svc", log, officialConfig(names, settings), modules, env);
  await ours.init();
  return { official, ours };
}

/**
 * The modules of the compat service that answers a call of the shared table (dependencies
 * first, the called module last, as the facade) and their workspace; null for a service the
 * official config cannot describe (`limited`: memory limits have no form there).
 * @param {string} service
 * @param {string} module
 * @returns {{ names: string[], workspace: string } | null}
 */
function compatService(service, module) {
  switch (service) {
    case "examples":
      return { names: [module], workspace: "examples" };
    case "records-passing":
      return { names: ["records_passing_effector", "records_passing_pure"], workspace: "examples" };
    case "compat-official":
      return { names: module === "pure" ? ["effector", "pure"] : [module], workspace: "compat" };
    default:
      return null;
  }
}

test("the subpath and the namespace export are the same class", () => {
  assert.equal(compat.MarineService, Compat);
});

/**
 * Where the official package 0.13.0 is wrong, and what it throws: its interface-types
 * interpreter casts a `u32` result through `i32` and fails above 2^31 - 1.
 * @type {Record<string, RegExp>}
 */
const officialBugs = {
  "scalars.inc_u32": /failed to cast `U32` to `I32`/,
};

test("shared call table: the official package and ours give the same answers", async (t) => {
  const { calls } = sharedCalls();
  /** @type {Map<string, { official: Facade, ours: Facade }>} */
  const services = new Map();
  const serviceOf = async (/** @type {{ names: string[], workspace: string }} */ spec) => {
    const key = `${spec.workspace}:${spec.names.join(",")}`;
    let pair = services.get(key);
    if (!pair) {
      pair = await both(spec.names, undefined, {}, () => {}, spec.workspace);
      services.set(key, pair);
    }
    return pair;
  };
  try {
    for (const [i, call] of calls.entries()) {
      // The compat API calls the facade only: a call to a module that does not exist has no form.
      if (call.module === "no_such_module") continue;
      const spec = compatService(call.service, call.module);
      if (spec === null) continue;
      await t.test(`#${i} ${call.module}.${call.function}`, async () => {
        const { official, ours } = await serviceOf(spec);
        const params = fullCallParameters(call.call_parameters);
        if (call.error === undefined) {
          const got = ours.call(call.function, call.args, call.call_parameters);
          assert.deepStrictEqual(got, call.result, "ours against the table");
          assert.deepStrictEqual(ours.call(call.function, call.args, params), call.result, "ours, full call parameters");
          const bug = officialBugs[`${call.module}.${call.function}`];
          if (bug) assert.throws(() => official.call(call.function, call.args, params), bug, "the official package's known bug");
          else assert.deepStrictEqual(official.call(call.function, call.args, params), call.result, "official against the table");
        } else {
          assert.throws(
            () => ours.call(call.function, call.args, params),
            (/** @type {any} */ e) => {
              assert.ok(e instanceof MarineError, `a typed error, not ${e}`);
              for (const part of call.error ?? []) assert.ok(e.message.includes(part), `${e.message}\n  lacks: ${part}`);
              return true;
            },
          );
          assert.throws(() => official.call(call.function, call.args, params), "the official package fails too");
        }
      });
    }
  } finally {
    for (const { official, ours } of services.values()) {
      official.terminate();
      ours.terminate();
    }
  }
});

test("byte arrays across two modules: 1 KiB and 1 MiB", async () => {
  const { official, ours } = await both(["bench_storage", "bench_facade"]);
  const params = fullCallParameters();
  for (const size of [0, 1024, 1 << 20]) {
    const data = Array.from({ length: size }, (_, i) => (i * 7) & 255);
    const mine = /** @type {number[]} */ (ours.call("relay", ["k", data], params));
    assert.equal(mine.length, size);
    assert.deepStrictEqual(mine, data);
    if (size <= 1024) assert.deepStrictEqual(official.call("relay", { name: "k", data }, params), data);
  }
  // Named arguments work in ours too.
  assert.deepStrictEqual(ours.call("relay", { name: "k", data: [1, 2, 3] }), [1, 2, 3]);
  assert.throws(() => ours.call("put_get", ["k", []]), (/** @type {any} */ e) => {
    assert.ok(e instanceof NoSuchFunctionError, String(e));
    assert.equal(e.module, "bench_facade", "only the facade is called");
    return true;
  });
  official.terminate();
  ours.terminate();
});

test("logs: { service, message, level }, WASM_LOG off unless the envs ask", async () => {
  /** @type {any[]} */
  const seenOfficial = [];
  /** @type {any[]} */
  const seenOurs = [];
  /** @type {[Record<string, string>, object[]][]} */
  const cases = [
    [{}, []],
    // `service` is the module's name in the official runtime, whatever the service id.
    [{ WASM_LOG: "info" }, [{ service: "logging", message: "hello", level: "info" }]],
  ];
  for (const [env, expected] of cases) {
    seenOfficial.length = 0;
    seenOurs.length = 0;
    const modules = { logging: officialWasm("logging") };
    const control = await officialControlModule();
    const official = new Official(control, "svc", (m) => seenOfficial.push(m), officialConfig(["logging"]), modules, env);
    await official.init();
    const ours = new Compat(control, "svc", (m) => seenOurs.push(m), officialConfig(["logging"]), modules, env);
    await ours.init();
    assert.equal(ours.call("log_info", ["hello"], fullCallParameters()), 5);
    assert.equal(official.call("log_info", ["hello"], fullCallParameters()), 5);
    assert.deepStrictEqual(seenOurs, expected, "ours");
    assert.deepStrictEqual(seenOfficial, expected, "official");
    official.terminate();
    ours.terminate();
  }
  // A module's own envs override the service's; logger_enabled = false silences it.
  /** @type {any[]} */
  const seen = [];
  const quiet = new Compat(undefined, "svc", (m) => seen.push(m), officialConfig(["logging"], { logging: { envs: { WASM_LOG: "off" } } }), { logging: officialWasm("logging") }, { WASM_LOG: "info" });
  await quiet.init();
  quiet.call("log_info", ["x"]);
  const disabled = new Compat(undefined, "svc", (m) => seen.push(m), officialConfig(["logging"], { logging: { logger_enabled: false } }), { logging: officialWasm("logging") }, { WASM_LOG: "info" });
  await disabled.init();
  disabled.call("log_info", ["x"]);
  assert.deepStrictEqual(seen, []);
});

test("init, terminate and the state errors", async () => {
  const config = officialConfig(["greeting"]);
  const before = JSON.stringify(config, (_k, v) => (v instanceof Set || v instanceof Map ? [...v] : v));
  const service = new Compat(undefined, "svc", () => {}, config, { greeting: officialWasm("greeting") });
  assert.throws(() => service.call("greeting", ["x"]), (/** @type {any} */ e) => e instanceof ServiceStateError && e.message === "Not initialized");
  await service.init();
  assert.equal(service.call("greeting", ["x"]), "Hi, x");
  assert.equal(JSON.stringify(config, (_k, v) => (v instanceof Set || v instanceof Map ? [...v] : v)), before, "the config is not modified");
  // Arguments that are not JSON are the caller's fault, typed as such.
  /** @type {any[]} */
  const cycle = [];
  cycle.push(cycle);
  for (const [args, message] of /** @type {[any, RegExp][]} */ ([
    ["x", /the arguments must be an array or an object/],
    [null, /the arguments must be an array or an object/],
    [[1n], /the arguments are not JSON: .*BigInt/],
    [cycle, /the arguments are not JSON: .*circular/],
  ])) {
    assert.throws(() => service.call("greeting", args), (/** @type {any} */ e) => {
      assert.ok(e instanceof ArgumentsError, String(e));
      assert.equal(e.module, "greeting");
      assert.equal(e.function, "greeting");
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => service.call("greeting", [{ a: 1 }]), ArgumentsError);
  assert.equal(service.call("greeting", { name: "named" }), "Hi, named");
  service.terminate();
  assert.throws(() => service.call("greeting", ["x"]), (/** @type {any} */ e) => e instanceof ServiceStateError && e.message === "Terminated");
  service.terminate();
  await service.init();
  assert.equal(service.call("greeting", ["again"]), "Hi, again", "init after terminate starts it again");
  service.terminate();
});

test("hostile configs and modules are refused with typed errors", async () => {
  const greeting = officialWasm("greeting");
  const make = (/** @type {any} */ config, /** @type {any} */ modules = { greeting }, /** @type {any} */ env = {}) =>
    new Compat(undefined, "svc", () => {}, config, modules, env).init();
  const configError = (/** @type {RegExp} */ message) => (/** @type {any} */ e) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, message);
    return true;
  };
  await assert.rejects(make(null), configError(/`modules_config` must be an array/));
  await assert.rejects(make({ modules_config: [] }), configError(/there is no facade module/));
  await assert.rejects(make({ modules_config: [{ import_name: 7, config: {} }] }), configError(/modules_config\[0\]: `import_name` must be a non-empty string/));
  await assert.rejects(make({ modules_config: [{ import_name: "greeting" }] }), configError(/modules_config\[0\]\.config: must be an object/));
  await assert.rejects(
    make({ modules_config: [{ import_name: "greeting", config: { wasi: { envs: { A: 1 } } } }] }),
    configError(/`A` is not a string/),
  );
  await assert.rejects(
    make({ modules_config: [{ import_name: "greeting", config: { logger_enabled: "yes", wasi: { envs: {} } } }] }),
    configError(/logger_enabled/),
  );
  const twice = officialConfig(["greeting", "greeting"]);
  await assert.rejects(make(twice), configError(/given twice/));
  await assert.rejects(make(officialConfig(["greeting"]), {}), configError(/module `greeting` of the config has no bytes/));
  await assert.rejects(make(officialConfig(["greeting"]), { greeting, other: greeting }), configError(/`other` has bytes but is not in `modules_config`/));
  await assert.rejects(make(officialConfig(["greeting"]), { greeting: new Uint8Array([0, 97, 115, 109, 9, 9]) }), InterfaceError);
  await assert.rejects(make(officialConfig(["greeting"]), { greeting }, "env"), configError(/`env` must be an object/));

  // A module without a config entry takes default_modules_config.
  const withDefault = new Compat(
    undefined,
    "svc",
    () => {},
    { ...officialConfig(["greeting"]), default_modules_config: officialConfig(["x"]).modules_config[0]?.config },
    { greeting, scalars: officialWasm("scalars") },
  );
  await withDefault.init();
  assert.equal(withDefault.call("greeting", ["d"]), "Hi, d");
  withDefault.terminate();
});
