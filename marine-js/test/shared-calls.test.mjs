// The shared call table (tests/calls/calls.json) through Marine in JavaScript: the same calls
// and answers the native runtime is held to by tests/tests/e2e/shared_calls.rs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MarineError, MarineService } from "../dist/index.js";
import { builtWasm, moduleFiles, sharedCalls } from "./helpers.mjs";

const { calls, configs, builds } = sharedCalls();

for (const [service, configText] of Object.entries(configs)) {
  test(`shared calls: ${service}`, async (t) => {
    const build = builds[service] ?? "examples";
    const modules = Object.fromEntries(moduleFiles(configText).map(([n, file]) => [n, builtWasm(build, file)]));
    const marine = await MarineService.create({ config: configText, configPath: `${service}.toml`, modules });
    try {
      for (const [i, call] of calls.entries()) {
        if (call.service !== service) continue;
        await t.test(`#${i} ${call.module}.${call.function}`, () => {
          const run = () => marine.call(call.module, call.function, call.args, call.call_parameters);
          if (call.error === undefined) {
            assert.deepStrictEqual(run(), call.result);
          } else {
            assert.throws(run, (e) => {
              assert.ok(e instanceof MarineError, `a typed error, not ${e}`);
              for (const part of call.error ?? []) assert.ok(e.message.includes(part), `${e.message}\n  lacks: ${part}`);
              return true;
            });
          }
        });
      }
    } finally {
      marine.terminate();
    }
  });
}
