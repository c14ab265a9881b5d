// MarineService beyond the shared call table: the seed's call form, typed errors, the
// interface, logs, config errors, unloading, configs given as objects.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ArgumentsError,
  ConfigError,
  LinkError,
  MarineService,
  MemoryLimitError,
  ModuleInUseError,
  NoSuchFunctionError,
  NoSuchModuleError,
  TrapError,
} from "../dist/index.js";
import { Engine } from "../pkg/marine_js_engine.js";
import { exampleWasm } from "./helpers.mjs";

const one = (/** @type {string} */ name, extra = "") =>
  MarineService.create({
    config: `modules_dir = "."\n[[module]]\nname = "${name}"\n${extra}`,
    modules: { [name]: exampleWasm(name) },
  });

test("the seed's call form answers { result, error } and never throws", async () => {
  const service = await one("greeting");
  assert.deepStrictEqual(service.call_module("greeting", "greeting", '[ "id" ]'), { result: "Hi, id", error: null });
  const failed = service.call_module("greeting", "nope", "[]");
  assert.deepStrictEqual(failed, { result: null, error: "module `greeting` has no function `nope`" });
  const bad = service.call_module("greeting", "greeting", "[");
  assert.equal(bad.result, null);
  assert.match(bad.error ?? "", /^the arguments are not valid JSON: /);
  service.terminate();
});

test("errors are typed and name the module and function", async () => {
  const service = await one("misbehaving");
  assert.throws(
    () => service.call("misbehaving", "panics", ["boom"]),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof TrapError, String(e));
      assert.equal(e.kind, "Trap");
      assert.equal(e.module, "misbehaving");
      assert.equal(e.function, "panics");
      assert.match(e.message, /^module `misbehaving`, function `panics`: trap: /);
      assert.match(e.panicMessage ?? "", /^panicked at .*\nguest panicked: boom$/);
      return true;
    },
  );
  assert.equal(service.call("misbehaving", "ok"), "still fine", "a trap leaves the service serving");
  assert.throws(() => service.call("misbehaving", "nope"), NoSuchFunctionError);
  assert.throws(() => service.call("elsewhere", "ok"), NoSuchModuleError);
  assert.throws(
    () => service.call("misbehaving", "panics", [1]),
    (/** @type {any} */ e) => e instanceof ArgumentsError && e.module === "misbehaving" && e.function === "panics",
  );
  service.terminate();
  assert.throws(() => service.call("misbehaving", "ok"), /terminated/);
});

test("the interface lists functions and records with their types", async () => {
  const service = await one("records");
  const [records] = service.interface();
  assert.equal(records?.name, "records");
  const byRef = records?.functions.find((f) => f.name === "records_by_ref");
  assert.deepStrictEqual(byRef, {
    name: "records_by_ref",
    arguments: [
      { name: "a", type: "TestRecord0" },
      { name: "b", type: "TestRecord0" },
    ],
    outputs: ["i64"],
  });
  const record0 = records?.records.find((r) => r.name === "TestRecord0");
  assert.deepStrictEqual(record0, { name: "TestRecord0", fields: [{ name: "field_0", type: "i32" }] });
  const [stats] = service.memoryStats();
  assert.equal(stats?.module, "records");
  assert.ok((stats?.memoryBytes ?? 0) >= 65536 && (stats?.memoryBytes ?? 0) % 65536 === 0);
  service.terminate();
});

test("module logs reach the logger, filtered by logger_enabled", async () => {
  /** @type {string[][]} */
  const seen = [];
  const logger = (/** @type {string} */ m, /** @type {string} */ l, /** @type {string} */ msg) => seen.push([m, l, msg]);
  const config = (/** @type {boolean} */ enabled) => ({
    modules_dir: ".",
    module: [{ name: "logging", logger_enabled: enabled, wasi: { envs: { WASM_LOG: "info" } } }],
  });
  const on = await MarineService.create({ config: config(true), modules: { logging: exampleWasm("logging") }, logger });
  assert.equal(on.call("logging", "log_info", ["hello"]), 5);
  assert.deepStrictEqual(
    seen.filter(([, level]) => level === "info"),
    [["logging", "info", "hello"]],
  );
  seen.length = 0;
  const off = await MarineService.create({ config: config(false), modules: { logging: exampleWasm("logging") }, logger });
  assert.equal(off.call("logging", "log_info", ["quiet"]), 5);
  assert.deepStrictEqual(seen.filter(([, level]) => level === "info"), []);
});

test("config errors give file:line:column", async () => {
  await assert.rejects(
    MarineService.create({
      config: 'modules_dir = "."\n[[module]]\nname = "greeting"\nlogger_enabled = "yes"\n',
      configPath: "svc/Config.toml",
      modules: { greeting: exampleWasm("greeting") },
    }),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /^svc\/Config\.toml:4:18: /);
      return true;
    },
  );
  await assert.rejects(
    MarineService.create({ config: 'modules_dir = "."\n[[module]]\nname = "greeting"\n', modules: {} }),
    /module `greeting` of the config has no bytes/,
  );
});

test("links are checked and unloading follows imports", async () => {
  const modules = {
    records_passing_effector: exampleWasm("records_passing_effector"),
    records_passing_pure: exampleWasm("records_passing_pure"),
  };
  // Config order is the reverse of the import order: loading follows the imports.
  const config = {
    modules_dir: ".",
    module: [{ name: "records_passing_pure" }, { name: "records_passing_effector" }],
  };
  const service = await MarineService.create({ config, modules });
  assert.throws(() => service.unload("records_passing_effector"), (/** @type {any} */ e) => {
    assert.ok(e instanceof ModuleInUseError, String(e));
    assert.equal(e.message, "module `records_passing_effector` cannot be unloaded: imported by records_passing_pure");
    return true;
  });
  service.unload("records_passing_pure");
  service.unload("records_passing_effector");
  assert.deepStrictEqual(service.interface(), []);

  // An importer whose callee exports the function with another signature is refused.
  await assert.rejects(
    MarineService.create({
      config: { modules_dir: ".", module: [{ name: "records_passing_effector" }, { name: "records_passing_pure" }] },
      modules: { records_passing_effector: exampleWasm("greeting"), records_passing_pure: modules.records_passing_pure },
    }),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof LinkError, String(e));
      assert.equal(
        e.message,
        "module `records_passing_pure` imports `records_passing_effector.test_record_ref`, but module `records_passing_effector` has no such function",
      );
      assert.equal(e.module, "records_passing_pure");
      return true;
    },
  );
});

test("a module's memory limit is enforced and the service keeps serving", async () => {
  const service = await one("misbehaving", 'max_heap_size = "2 MiB"');
  const [before] = service.memoryStats();
  assert.equal(service.call("misbehaving", "allocate_mib", [1]), 1);
  assert.throws(
    () => service.call("misbehaving", "allocate_mib", [8]),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof MemoryLimitError, String(e));
      assert.equal(e.module, "misbehaving");
      assert.equal(e.function, "allocate_mib");
      return true;
    },
  );
  const [after] = service.memoryStats();
  assert.ok((after?.memoryBytes ?? Infinity) <= (before?.memoryBytes ?? 0) + 2 * 1024 * 1024, "never past the limit");
  assert.equal(service.call("misbehaving", "ok"), "still fine");
  service.terminate();
});

test("modules load into a running service and link against the loaded ones", async () => {
  const service = await one("records_passing_effector");
  await service.load("records_passing_pure", exampleWasm("records_passing_pure"));
  assert.deepStrictEqual(
    service.call("records_passing_pure", "invoke_ref", [{ field_0: 1, field_1: "", field_2: [], test_record_0: { field_0: 1 } }]),
    { field_0: 2 },
  );
  await assert.rejects(service.load("records_passing_pure", exampleWasm("greeting")), /module with name `records_passing_pure` is already loaded/);
  // An importer whose callee is missing is refused, and leaves nothing behind.
  const lonely = await one("greeting");
  await assert.rejects(lonely.load("records_passing_pure", exampleWasm("records_passing_pure")), (/** @type {any} */ e) => {
    assert.ok(e instanceof LinkError, String(e));
    return true;
  });
  assert.deepStrictEqual(lonely.interface().map((m) => m.name), ["greeting"]);
  await lonely.load("records_passing_effector", exampleWasm("records_passing_effector"));
  await lonely.load("records_passing_pure", exampleWasm("records_passing_pure"));
  assert.deepStrictEqual(lonely.interface().map((m) => m.name).sort(), ["greeting", "records_passing_effector", "records_passing_pure"]);
});

test("calls resolved once reach the module loaded now: after an unload, and after loading it again", async () => {
  const service = await one("greeting");
  assert.equal(service.call("greeting", "greeting", ["a"]), "Hi, a");
  assert.throws(() => service.call("greeting", "nope", []), (/** @type {any} */ e) => e instanceof NoSuchFunctionError);
  service.unload("greeting");
  assert.throws(() => service.call("greeting", "greeting", ["a"]), (/** @type {any} */ e) => e instanceof NoSuchModuleError);
  await service.load("greeting", exampleWasm("greeting"));
  assert.equal(service.call("greeting", "greeting", ["b"]), "Hi, b");
  // A module import of an importer loaded again is linked again.
  const record = { field_0: 1, field_1: "", field_2: [], test_record_0: { field_0: 1 } };
  await service.load("records_passing_effector", exampleWasm("records_passing_effector"));
  await service.load("records_passing_pure", exampleWasm("records_passing_pure"));
  assert.deepStrictEqual(service.call("records_passing_pure", "invoke_ref", [record]), { field_0: 2 });
  service.unload("records_passing_pure");
  await service.load("records_passing_pure", exampleWasm("records_passing_pure"));
  assert.deepStrictEqual(service.call("records_passing_pure", "invoke_ref", [record]), { field_0: 2 });
  service.terminate();
});

test("a module whose bytes cannot be read is a config error naming it", async () => {
  await assert.rejects(
    MarineService.create({
      config: 'modules_dir = "."\n[[module]]\nname = "greeting"\n',
      modules: { greeting: new URL("file:///nonexistent/greeting.wasm") },
    }),
    (/** @type {any} */ e) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.module, "greeting");
      assert.match(e.message, /^module `greeting`: cannot read its bytes: .*ENOENT/);
      return true;
    },
  );
});

test("byte arrays go in as Uint8Array and, when asked, come out as one, without JSON", async () => {
  const service = await one("arrays");
  const bytes = new Uint8Array([1, 2, 3, 250]);
  assert.equal(service.call("arrays", "byte_sum", [bytes]), 256);
  // The same answer as the JSON form, which stays the default for results.
  assert.equal(service.call("arrays", "byte_sum", [[1, 2, 3, 250]]), 256);
  assert.deepStrictEqual(service.call("arrays", "make_bytes", [3, 7]), [7, 7, 7]);
  const out = service.call("arrays", "make_bytes", [100000, 9], undefined, { bytes: true });
  assert.ok(out instanceof Uint8Array);
  assert.equal(out.length, 100000);
  assert.ok(out.every((b) => b === 9));
  // An empty array and results of other types are unchanged by the option.
  assert.deepStrictEqual(service.call("arrays", "make_bytes", [0, 1], undefined, { bytes: true }), new Uint8Array([]));
  assert.equal(service.call("arrays", "byte_sum", [new Uint8Array(0)], undefined, { bytes: true }), 0);
  // A Uint8Array where something else is declared is an argument error naming it.
  assert.throws(
    () => service.call("arrays", "make_bytes", [new Uint8Array([1]), 1]),
    (/** @type {any} */ e) =>
      e instanceof ArgumentsError &&
      e.module === "arrays" &&
      e.function === "make_bytes" &&
      /argument `len`: expected u32, got a Uint8Array/.test(e.message),
  );
  // Arity is still checked as for JSON.
  assert.throws(() => service.call("arrays", "byte_sum", [bytes, bytes]), ArgumentsError);
  // Several Uint8Arrays (passed to the engine together) are checked the same way.
  assert.throws(
    () => service.call("arrays", "make_bytes", [new Uint8Array([1]), new Uint8Array([2])]),
    (/** @type {any} */ e) => e instanceof ArgumentsError && /argument `len`: expected u32, got a Uint8Array/.test(e.message),
  );
  service.terminate();
});

test("a function of one string argument gets it without JSON: the same results and errors as through JSON", async () => {
  const service = await one("greeting");
  assert.equal(service.call("greeting", "greeting", ["Марина 🚀"]), "Hi, Марина 🚀");
  assert.equal(service.call("greeting", "greeting", [""]), "Hi, ");
  assert.equal(service.call("greeting", "greeting", { name: "x" }), "Hi, x");
  // A lone surrogate cannot be UTF-8: refused as invalid JSON, as before (not replaced).
  assert.throws(() => service.call("greeting", "greeting", ["\uD800"]), (/** @type {any} */ e) => e instanceof ArgumentsError && /not valid JSON/.test(e.message));
  assert.throws(() => service.call("greeting", "greeting", [5]), /argument `name`: expected string, got number 5/);
  assert.throws(() => service.call("greeting", "greeting", ["a", "b"]), /takes 1 argument\(s\) \(name: string\), but 2 were given/);
  service.terminate();
  // A text argument with a result of another type, which comes back through JSON.
  const arrays = await one("arrays");
  assert.deepStrictEqual(arrays.call("arrays", "split_words", ["a b"]), ["a", "b"]);
  arrays.terminate();
  // The engine refuses the text form for a function of other arguments.
  const engine = new Engine(`modules_dir = "."`, "Config.toml", false);
  try {
    engine.addModule("arrays", exampleWasm("arrays"));
    engine.addModule("greeting", exampleWasm("greeting"));
    const greeting = engine.functionId("greeting", "greeting");
    assert.equal(engine.takesText(greeting), true);
    assert.equal(engine.resultIsText(greeting), true);
    const makeBytes = engine.functionId("arrays", "make_bytes");
    assert.equal(engine.takesText(makeBytes), false);
    assert.equal(engine.resultIsText(makeBytes), false);
    assert.throws(
      () => engine.callFunctionText(makeBytes, "3", undefined, false),
      (/** @type {any} */ e) => e.kind === "Arguments" && /function `make_bytes`: expected 2 arguments, given 1/.test(e.message),
    );
    const byteSum = engine.functionId("arrays", "byte_sum");
    assert.equal(engine.takesText(byteSum), false);
    assert.throws(
      () => engine.callFunctionText(byteSum, "3", undefined, false),
      (/** @type {any} */ e) => e.kind === "Arguments" && /argument `v` expects \[\]u8, given string/.test(e.message),
    );
    // `split_words(s: String) -> Vec<String>` takes text, its result is JSON.
    const splitWords = engine.functionId("arrays", "split_words");
    assert.equal(engine.takesText(splitWords), true);
    assert.equal(engine.resultIsText(splitWords), false);
  } finally {
    engine.free();
  }
});

test("call parameters are read afresh on every call: the same object mutated, another object, none", async () => {
  const service = await one("call_params");
  try {
    const info = (/** @type {any} */ params) => /** @type {any} */ (service.call("call_params", "call_info", [], params));
    /** @type {any} */
    const params = { service_id: "a", particle: { id: "p1", signature: [1] }, tetraplets: [[]] };
    assert.equal(info(params).service_id, "a");
    assert.equal(info(params).particle_id, "p1");
    params.service_id = "b";
    assert.equal(info(params).service_id, "b");
    params.particle.signature.push(2);
    assert.deepStrictEqual(info(params).signature, [1, 2]);
    params.tetraplets[0].push({ peer_pk: "pk", service_id: "s", function_name: "f", lens: "" });
    assert.deepStrictEqual(info(params).tetraplets, [["pk/s/f/"]]);
    // A field that JSON leaves out, then one it writes through `toJSON`.
    assert.equal(info({ ...params, host_id: undefined }).host_id, "");
    assert.equal(info({ ...params, host_id: { toJSON: () => "h" } }).host_id, "h");
    assert.equal(info(params).host_id, "");
    // Another object of the same contents, then the defaults, then the first again.
    assert.equal(info(JSON.parse(JSON.stringify(params))).service_id, "b");
    assert.equal(info(undefined).service_id, "");
    assert.equal(info(params).service_id, "b");
    // A field inherited, not own, is not written by JSON: not taken either.
    const inherited = Object.assign(Object.create({ service_id: "inherited" }), { particle: params.particle });
    assert.equal(info(inherited).service_id, "");
  } finally {
    service.terminate();
  }
});

test("a string result comes back exactly: empty, ASCII up to and past 32 bytes, non-ASCII, a leading byte order mark", async () => {
  const service = await one("call_params");
  try {
    const shout = (/** @type {string} */ s) => service.call("call_params", "shout", [s]);
    for (const [given, expected] of [
      ["", ""],
      ["a", "A"],
      ["x".repeat(32), "X".repeat(32)],
      ["y".repeat(33), "Y".repeat(33)],
      ["héllo wörld", "HÉLLO WÖRLD"],
      ["\uFEFFbom", "\uFEFFBOM"],
      ["ß", "SS"],
      ["日本", "日本"],
      ["\u{1F600}", "\u{1F600}"],
      ["z".repeat(100), "Z".repeat(100)],
      ["é".repeat(50), "É".repeat(50)],
    ]) {
      assert.equal(shout(given), expected);
      // The same through JSON (an object of arguments).
      assert.equal(service.call("call_params", "shout", { s: given }), expected);
    }
  } finally {
    service.terminate();
  }
});

test("a block allocate refuses (null, out of bounds, not a number, thrown) is the same error for text and JSON arguments", async () => {
  await MarineService.create({ config: { modules_dir: ".", module: [] }, modules: {} }).then((s) => s.terminate());
  const fake = (/** @type {() => unknown} */ allocate) => {
    const engine = new Engine(`modules_dir = "."`, "Config.toml", false);
    engine.addModule("greeting", exampleWasm("greeting"));
    const noop = () => {};
    engine.register("greeting", {
      memory: new WebAssembly.Memory({ initial: 1 }),
      allocate,
      release_objects: noop,
      get_result_ptr: () => 0,
      get_result_size: () => 0,
      set_result_ptr: noop,
      set_result_size: noop,
      greeting: noop,
    });
    return engine;
  };
  for (const [allocate, pattern] of /** @type {[() => unknown, RegExp][]} */ ([
    [() => 0, /null pointer/],
    [() => 65535, /block returned by allocate/],
    [() => "x", /did not return a number/],
    [() => { throw new Error("no room"); }, /no room/],
  ])) {
    const engine = fake(allocate);
    try {
      const id = engine.functionId("greeting", "greeting");
      const viaText = engine.callText(id, "Marine", undefined, false);
      assert.ok(viaText instanceof Error, String(viaText));
      assert.match(viaText.message, pattern);
      assert.throws(() => engine.callFunction(id, `["Marine"]`, undefined, undefined, false), (/** @type {any} */ e) => e.message === viaText.message);
      assert.throws(() => engine.callFunctionText(id, "Marine", undefined, false), (/** @type {any} */ e) => e.message === viaText.message);
    } finally {
      engine.free();
    }
  }
});
