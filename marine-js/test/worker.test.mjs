// Worker mode: the service in a worker thread, where a runaway call can be stopped.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigError, LinkError, TimeoutError, TrapError, WorkerService } from "../dist/index.js";
import { exampleWasm, hostCallbackFailed } from "./helpers.mjs";

test("a runaway call is stopped at its timeout and the service serves again", async () => {
  /** @type {string[]} */
  const logs = [];
  const service = await WorkerService.create({
    config: { modules_dir: ".", module: [{ name: "misbehaving" }, { name: "logging", logger_enabled: true, wasi: { envs: { WASM_LOG: "info" } } }] },
    modules: { misbehaving: exampleWasm("misbehaving"), logging: exampleWasm("logging") },
    logger: (module, level, message) => logs.push(`${module} ${level} ${message}`),
  });
  try {
    assert.equal(await service.call("misbehaving", "ok"), "still fine");
    await assert.rejects(service.call("misbehaving", "spin", [], undefined, { timeoutMs: 300 }), (/** @type {any} */ e) => {
      assert.ok(e instanceof TimeoutError, String(e));
      assert.equal(e.module, "misbehaving");
      assert.equal(e.function, "spin");
      assert.equal(e.message, "module `misbehaving`, function `spin`: interrupted after exceeding the call timeout of 300ms");
      return true;
    });
    // Queued behind the runaway call, then served by the restarted service.
    assert.equal(await service.call("misbehaving", "ok"), "still fine");
    await assert.rejects(service.call("misbehaving", "panics", ["boom"]), (/** @type {any} */ e) => {
      assert.ok(e instanceof TrapError, String(e));
      assert.match(e.panicMessage ?? "", /guest panicked: boom/);
      return true;
    });
    assert.equal(await service.call("logging", "log_info", ["from a worker"]), 13);
    assert.ok(logs.includes("logging info from a worker"), logs.join("\n"));
    assert.deepStrictEqual(
      service.interface().map((m) => m.name),
      ["logging", "misbehaving"],
    );
  } finally {
    service.terminate();
  }
  await assert.rejects(service.call("misbehaving", "ok"), /terminated/);
});

const callParamsConfig = {
  modules_dir: ".",
  module: [{ name: "call_params" }, { name: "call_params_caller" }, { name: "misbehaving" }],
};
const callParamsModules = () => ({
  call_params: exampleWasm("call_params"),
  call_params_caller: exampleWasm("call_params_caller"),
  misbehaving: exampleWasm("misbehaving"),
});
const hosts = (/** @type {string} */ name) => new URL(`./worker-hosts/${name}.mjs`, import.meta.url);

test("worker mode: host functions from a module the worker imports, typed, calling the service back", async () => {
  const service = await WorkerService.create({ config: callParamsConfig, modules: callParamsModules(), hostImports: hosts("callback") });
  try {
    assert.equal(await service.call("call_params_caller", "via_host", ["hey"]), "HEY!");
    await assert.rejects(service.call("call_params_caller", "via_host", ["fail"]), hostCallbackFailed);
    // A result of the wrong type is refused as on the main thread; the service keeps serving.
    await assert.rejects(service.call("call_params_caller", "via_host", ["wrong"]), /host function `host_callback` failed: .*expected string, got/);
    assert.equal(await service.call("call_params_caller", "echo", ["still"]), "still");
    // After a restart (a timeout), the new worker imports the host functions again.
    await assert.rejects(service.call("misbehaving", "spin", [], undefined, { timeoutMs: 300 }), TimeoutError);
    assert.equal(await service.call("call_params_caller", "via_host", ["again"]), "AGAIN!");
  } finally {
    service.terminate();
  }
});

test("worker mode: a missing host function is a link error naming the import", async () => {
  await assert.rejects(
    WorkerService.create({ config: callParamsConfig, modules: callParamsModules(), hostImports: hosts("none") }),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof LinkError, String(e));
      assert.match(e.message, /module `call_params_caller`: linking failed: import `__marine_host_api_v3.host_callback`: no host function or mounted binary/);
      return true;
    },
  );
});

test("worker mode: host imports that cannot be loaded are a config error naming `hostImports`", async () => {
  const refused = async (/** @type {string | URL} */ hostImports, /** @type {RegExp} */ message) =>
    assert.rejects(WorkerService.create({ config: callParamsConfig, modules: callParamsModules(), hostImports }), (/** @type {any} */ e) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, message);
      return true;
    });
  await refused(hosts("not-functions"), /^hostImports `file:.*not-functions\.mjs`: `call_params_caller\.host_callback` is a string, not a function$/);
  await refused(hosts("absent"), /^hostImports `file:.*absent\.mjs`: the module cannot be imported: /);
  await refused("./worker-hosts/callback.mjs", /^hostImports `\.\/worker-hosts\/callback\.mjs`: a relative specifier/);
});
