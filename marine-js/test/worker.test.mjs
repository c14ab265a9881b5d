// Worker mode: the service in a worker thread, where a runaway call can be stopped.
import assert from "node:assert/strict";
import { test } from "node:test";

import { TimeoutError, TrapError, WorkerService } from "../dist/index.js";
import { exampleWasm } from "./helpers.mjs";

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
