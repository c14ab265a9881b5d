// The engine's ids of resolved exports and linked imports: freed when their module is
// unloaded (the tables stay as large as the most ids live at once), a kept id refused as a
// typed error, and engines freed with their services.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { ConfigError, MarineService, NoSuchFunctionError, typed } from "../dist/index.js";
import { Engine, liveEngines } from "../pkg/marine_js_engine.js";
import { exampleWasm } from "./helpers.mjs";

const CYCLES = 40;
const record = { field_0: 1, field_1: "", field_2: [], test_record_0: { field_0: 1 } };

test("load and unload cycles reuse the ids of the modules unloaded", async () => {
  const service = await MarineService.create({
    config: `modules_dir = "."\n[[module]]\nname = "greeting"`,
    modules: { greeting: exampleWasm("greeting") },
  });
  await service.load("records_passing_effector", exampleWasm("records_passing_effector"));
  await service.load("records_passing_pure", exampleWasm("records_passing_pure"));
  assert.equal(service.call("greeting", "greeting", ["a"]), "Hi, a");
  assert.deepStrictEqual(service.call("records_passing_pure", "invoke_ref", [record]), { field_0: 2 });
  const first = service.idStats();
  assert.equal(first.functions.live, 2);
  assert.ok(first.imports.live > 0, JSON.stringify(first));
  for (let i = 0; i < CYCLES; i++) {
    service.unload("greeting");
    await service.load("greeting", exampleWasm("greeting"));
    assert.equal(service.call("greeting", "greeting", [`${i}`]), `Hi, ${i}`);
    // The importer (its linked imports) and its export, loaded again.
    service.unload("records_passing_pure");
    await service.load("records_passing_pure", exampleWasm("records_passing_pure"));
    assert.deepStrictEqual(service.call("records_passing_pure", "invoke_ref", [record]), { field_0: 2 });
  }
  assert.deepStrictEqual(service.idStats(), first, "the tables grew with the cycles");
  service.unload("records_passing_pure");
  const after = service.idStats();
  assert.equal(after.functions.live, 1);
  assert.equal(after.imports.live, 0);
  assert.equal(after.imports.slots, first.imports.slots);
  service.terminate();
});

test("an id kept past the unload of its module is refused as a typed error, never another function's", async () => {
  // The engine is loaded by the first service of this realm.
  (await MarineService.create({ config: `modules_dir = "."`, modules: {} })).terminate();
  const engine = new Engine(`modules_dir = "."\n[[module]]\nname = "greeting"`, "Config.toml", false);
  try {
    const bytes = exampleWasm("greeting");
    engine.addModule("greeting", bytes);
    const stale = engine.functionId("greeting", "greeting");
    assert.equal(engine.functionId("greeting", "greeting"), stale, "one id per export");
    engine.unload("greeting");
    engine.addModule("greeting", bytes);
    const fresh = engine.functionId("greeting", "greeting");
    assert.notEqual(fresh, stale);
    assert.deepStrictEqual(JSON.parse(engine.idStats()).functions, { live: 1, slots: 1 }, "the slot is reused");
    for (const id of [stale, -1, 0.5, NaN, Infinity, 2 ** 53, fresh + 1]) {
      assert.throws(
        () => engine.callFunction(id, `["a"]`, undefined, undefined, false),
        (/** @type {unknown} */ e) => {
          const error = typed(e);
          assert.ok(error instanceof NoSuchFunctionError, `${id}: ${String(e)}`);
          assert.match(error.message, /an id of no function resolved now/);
          return true;
        },
      );
    }
    assert.throws(
      () => engine.callFunctionBytes(fresh, `["a"]`, 2 ** 32 - 1, new Uint8Array(1), undefined, false),
      /past 1000 arguments/,
    );
  } finally {
    engine.free();
  }
});

test("a linked import's id kept past the unload of its importer is refused, and its slot reused", async () => {
  (await MarineService.create({ config: `modules_dir = "."`, modules: {} })).terminate();
  const engine = new Engine(`modules_dir = "."`, "Config.toml", false);
  try {
    const [callee, importer] = ["records_passing_effector", "records_passing_pure"];
    engine.addModule(callee, exampleWasm(callee));
    const link = () => {
      engine.addModule(importer, exampleWasm(importer));
      const imports = /** @type {{ namespace: string, name: string }[]} */ (JSON.parse(engine.linkImports(importer)));
      assert.ok(imports.length > 0);
      return imports.map(({ namespace, name }) => /** @type {number} */ (engine.importId(importer, namespace, name)));
    };
    const stale = link();
    const { slots } = JSON.parse(engine.idStats()).imports;
    assert.equal(slots, stale.length);
    engine.unload(importer);
    assert.deepStrictEqual(JSON.parse(engine.idStats()).imports, { live: 0, slots });
    const fresh = link();
    assert.deepStrictEqual(JSON.parse(engine.idStats()).imports, { live: stale.length, slots }, "the slots are reused");
    for (const id of stale) {
      assert.ok(!fresh.includes(id));
      assert.equal(engine.importArity(id), -1);
      assert.throws(() => engine.callImport4(id, 0, 0, 0, 0), /no linked import #\d+ \(its importer was unloaded/);
    }
  } finally {
    engine.free();
  }
});

test("services created and terminated, or failing to start, free their engines", async () => {
  const config = `modules_dir = "."\n[[module]]\nname = "greeting"`;
  const create = () => MarineService.create({ config, modules: { greeting: exampleWasm("greeting") } });
  (await create()).terminate();
  const before = liveEngines();
  for (let i = 0; i < CYCLES; i++) {
    const service = await create();
    assert.equal(service.call("greeting", "greeting", ["x"]), "Hi, x");
    assert.deepStrictEqual(service.idStats().functions, { live: 1, slots: 1 });
    service.terminate();
    // Failures after the engine was made: a module not in the config, bytes that do not compile.
    await assert.rejects(
      MarineService.create({ config, modules: { greeting: exampleWasm("greeting"), other: new Uint8Array() } }),
      ConfigError,
    );
    await assert.rejects(MarineService.create({ config, modules: { greeting: new Uint8Array([0, 97, 115, 109]) } }));
  }
  assert.equal(liveEngines(), before);
});

test("services dropped without terminate() are garbage-collected, and their engines freed", async () => {
  setFlagsFromString("--expose-gc");
  const gc = /** @type {() => void} */ (runInNewContext("gc"));
  (await MarineService.create({ config: `modules_dir = "."`, modules: {} })).terminate();
  const before = liveEngines();
  const pairConfig = `modules_dir = "."\n[[module]]\nname = "bench_storage"\n[[module]]\nname = "bench_facade"`;
  // Services with host imports (the logger) and linked module imports, used, then dropped.
  const useAndDrop = async () => {
    const greeting = await MarineService.create({
      config: `modules_dir = "."\n[[module]]\nname = "greeting"`,
      modules: { greeting: exampleWasm("greeting") },
      logger: () => {},
    });
    assert.equal(greeting.call("greeting", "greeting", ["x"]), "Hi, x");
    const pair = await MarineService.create({
      config: pairConfig,
      modules: { bench_storage: exampleWasm("bench_storage"), bench_facade: exampleWasm("bench_facade") },
    });
    assert.deepStrictEqual(pair.call("bench_facade", "relay", ["k", new Uint8Array([1, 2])], undefined, { bytes: true }), new Uint8Array([1, 2]));
  };
  for (let i = 0; i < 10; i++) await useAndDrop();
  assert.equal(liveEngines(), before + 20);
  for (let i = 0; i < 50 && liveEngines() > before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(liveEngines(), before, "services dropped without terminate() were kept alive");
});
