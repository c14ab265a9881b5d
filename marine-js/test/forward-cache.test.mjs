// Module-to-module calls that copy strings and byte arrays memory to memory, and services
// created from modules already compiled and read (the engine's and the package's caches).
import assert from "node:assert/strict";
import { test } from "node:test";

import { MarineService, MemoryLimitError } from "../dist/index.js";
import { exampleWasm } from "./helpers.mjs";

const pair = () =>
  MarineService.create({
    config: { modules_dir: ".", module: [{ name: "bench_storage" }, { name: "bench_facade" }] },
    modules: { bench_storage: exampleWasm("bench_storage"), bench_facade: exampleWasm("bench_facade") },
  });

const storageErrors = () =>
  MarineService.create({
    config: 'modules_dir = "."\n[[module]]\nname = "storage"\n[[module]]\nname = "facade"\n',
    modules: { storage: exampleWasm("error_storage"), facade: exampleWasm("error_facade") },
  });

test("byte arrays cross two modules intact, both ways, at every size", async () => {
  const service = await pair();
  for (const size of [0, 1, 1023, 1 << 16, (1 << 20) + 3]) {
    const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 255);
    const out = service.call("bench_facade", "relay", ["k", data], undefined, { bytes: true });
    assert.ok(out instanceof Uint8Array);
    assert.deepStrictEqual(out, data, `${size} bytes`);
    // The JSON forms give the same bytes.
    if (size <= 1023) assert.deepStrictEqual(service.call("bench_facade", "relay", ["k", [...data]]), [...data]);
  }
  // Many calls in the guest: each crosses the import with a fresh copy.
  assert.equal(service.call("bench_facade", "relay_rounds", [4096, 50]), 4096 * 50);
  service.terminate();
});

test("strings cross two modules checked in pieces: multi-byte characters across the pieces", async () => {
  const service = await storageErrors();
  // Longer than the engine's 64 KiB UTF-8 piece, with characters of 2, 3 and 4 bytes cut
  // at the pieces' ends; the storage module answers with the name in an error.
  const name = "é€😀".repeat(30000);
  assert.ok(new TextEncoder().encode(name).length > 3 * 65536);
  assert.deepStrictEqual(service.call("facade", "get_raw", [name]), { Err: { NotFound: { name } } });
  assert.equal(service.call("facade", "save", [name, "v"]), `saved ${name}`);
  assert.deepStrictEqual(service.call("facade", "load_or", [name, "d"]), { Ok: "v" });
  service.terminate();
});

test("services of the same modules keep their own state", async () => {
  const first = await storageErrors();
  const second = await storageErrors();
  assert.equal(first.call("facade", "save", ["k", "one"]), "saved k");
  assert.deepStrictEqual(second.call("facade", "load_or", ["k", "none"]), { Ok: "none" });
  assert.equal(second.call("facade", "save", ["k", "two"]), "saved k");
  assert.deepStrictEqual(first.call("facade", "load_or", ["k", "none"]), { Ok: "one" });
  first.terminate();
  // A terminated service does not take its modules from the others.
  assert.deepStrictEqual(second.call("facade", "load_or", ["k", "none"]), { Ok: "two" });
  second.terminate();
});

test("a memory limit holds for a module already compiled without one, and the reverse", async () => {
  const service = (/** @type {string} */ extra) =>
    MarineService.create({
      config: `modules_dir = "."\n[[module]]\nname = "misbehaving"\n${extra}`,
      modules: { misbehaving: exampleWasm("misbehaving") },
    });
  const free = await service("");
  assert.equal(free.call("misbehaving", "allocate_mib", [8]), 8);
  const limited = await service('max_heap_size = "2 MiB"');
  assert.throws(() => limited.call("misbehaving", "allocate_mib", [8]), MemoryLimitError);
  const freeAgain = await service("");
  assert.equal(freeAgain.call("misbehaving", "allocate_mib", [8]), 8);
  const otherLimit = await service('max_heap_size = "16 MiB"');
  assert.equal(otherLimit.call("misbehaving", "allocate_mib", [8]), 8);
  assert.throws(() => otherLimit.call("misbehaving", "allocate_mib", [32]), MemoryLimitError);
  for (const s of [free, limited, freeAgain, otherLimit]) s.terminate();
});

test("a module's bytes changed after a service was created are read and compiled anew", async () => {
  const bytes = new Uint8Array(exampleWasm("greeting"));
  const config = 'modules_dir = "."\n[[module]]\nname = "greeting"\n';
  const before = await MarineService.create({ config, modules: { greeting: bytes } });
  assert.equal(before.call("greeting", "greeting", ["x"]), "Hi, x");
  // The same buffer, now holding a module that is not wasm: refused, not served from a cache.
  const original = bytes.slice();
  bytes[0] = 0xff;
  await assert.rejects(MarineService.create({ config, modules: { greeting: bytes } }));
  bytes.set(original);
  const after = await MarineService.create({ config, modules: { greeting: bytes } });
  assert.equal(after.call("greeting", "greeting", ["y"]), "Hi, y");
  before.terminate();
  after.terminate();
});
