// Host functions given by the embedder, and mounted binaries (real processes, Node only).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";

import { MarineService, SPAWN_ERROR_CODE } from "../dist/index.js";
import { exampleWasm, hostCallbackFailed } from "./helpers.mjs";

const callParamsService = (/** @type {Record<string, (...args: any[]) => unknown>} */ hostImports) =>
  MarineService.create({
    config: { modules_dir: ".", module: [{ name: "call_params" }, { name: "call_params_caller" }] },
    modules: { call_params: exampleWasm("call_params"), call_params_caller: exampleWasm("call_params_caller") },
    hostImports: { call_params_caller: hostImports },
  });

test("a host function gets typed arguments, returns a typed result, and may call the service back", async () => {
  /** @type {MarineService | undefined} */
  let service;
  /** @type {unknown[][]} */
  const seen = [];
  service = await callParamsService({
    host_callback: (/** @type {string} */ arg) => {
      seen.push([arg]);
      // Back into the service: another module, while the caller waits in the host function.
      return `${service?.call("call_params", "shout", [arg])}!`;
    },
  });
  assert.equal(service.call("call_params_caller", "via_host", ["hey"]), "HEY!");
  assert.deepStrictEqual(seen, [["hey"]]);
  // Module-to-module calls with strings and byte arrays, and call parameters one level down.
  assert.deepStrictEqual(service.call("call_params_caller", "relay_reverse", [[1, 2, 3]]), [3, 2, 1, 3]);
  assert.equal(service.call("call_params_caller", "relay_describe", ["l", [9, 9]]), "l:2:2");
  const info = /** @type {any} */ (
    service.call("call_params_caller", "nested_call_info", [], { particle: { id: "deep" }, host_id: "h" })
  );
  assert.equal(info.particle_id, "deep");
  assert.equal(info.host_id, "h");
  service.terminate();
});

test("a failing host function fails the call with a typed error, and the service keeps serving", async () => {
  const service = await callParamsService({
    host_callback: () => {
      throw new Error("no callbacks today");
    },
  });
  assert.throws(
    () => service.call("call_params_caller", "via_host", ["x"]),
    hostCallbackFailed,
  );
  assert.equal(service.call("call_params_caller", "echo", ["still"]), "still");
  // A result of the wrong type is refused, naming the function and the expected type.
  const wrong = await callParamsService({ host_callback: () => 42 });
  assert.throws(() => wrong.call("call_params_caller", "via_host", ["x"]), /host function `host_callback` failed: .*expected string, got/);
});

test("a missing host function is a link error naming the import", async () => {
  await assert.rejects(callParamsService({}), /module `call_params_caller`: linking failed: import `__marine_host_api_v3.host_callback`: no host function or mounted binary/);
});

test("the url-downloader downloads through a mounted curl and stores in a mapped dir", async () => {
  // The server runs in its own process: a mounted binary blocks this one while it runs.
  const serverCode = `
    const server = require("node:http").createServer((req, res) => {
      res.writeHead(req.url === "/page" ? 200 : 404, { "content-type": "text/plain" });
      res.end(req.url === "/page" ? "a page from loopback" : "missing");
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const server = spawn(process.execPath, ["-e", serverCode], { stdio: ["ignore", "pipe", "inherit"] });
  const [firstLine] = await once(/** @type {import("node:stream").Readable} */ (server.stdout), "data");
  const url = `http://127.0.0.1:${String(firstLine).trim()}`;
  const config = {
    modules_dir: ".",
    module: [
      { name: "local_storage", wasi: { mapped_dirs: { sites: "./sites" } } },
      { name: "curl_adapter", mounted_binaries: { curl: "/usr/bin/curl" } },
      { name: "facade" },
    ],
  };
  const modules = {
    local_storage: exampleWasm("local_storage"),
    curl_adapter: exampleWasm("curl_adapter"),
    facade: exampleWasm("facade"),
  };
  const service = await MarineService.create({ config, modules });
  try {
    assert.equal(service.call("facade", "get_n_save", [`${url}/page`, "page.txt"]), "Ok");
    const saved = /** @type {number[]} */ (service.call("facade", "load", ["page.txt"]));
    assert.equal(Buffer.from(saved).toString(), "a page from loopback");
    assert.match(
      /** @type {string} */ (service.call("curl_adapter", "download", [`${url}/nothing`])),
      /^curl failed with code 22: /,
    );
  } finally {
    service.terminate();
    server.kill();
  }

  // A binary that does not exist: the official spawn error code and text.
  const missing = await MarineService.create({
    config: { modules_dir: ".", module: [{ name: "curl_adapter", mounted_binaries: { curl: "/nonexistent/curl" } }] },
    modules: { curl_adapter: exampleWasm("curl_adapter") },
  });
  assert.deepStrictEqual(missing.call("curl_adapter", "curl_raw", [["--version"]]), {
    ret_code: SPAWN_ERROR_CODE,
    error: "No such file or directory (os error 2)",
    stdout: [],
    stderr: [],
  });
});

test("mapped dirs are in-memory directories the embedder fills and reads back", async () => {
  const service = await MarineService.create({
    config: { modules_dir: ".", module: [{ name: "local_storage", wasi: { mapped_dirs: { sites: "./sites" } } }] },
    modules: { local_storage: exampleWasm("local_storage") },
    files: { local_storage: { sites: { "given.txt": "from the embedder", "deep/er.bin": new Uint8Array([1, 2]) } } },
  });
  assert.deepStrictEqual(service.call("local_storage", "get", ["given.txt"]), [...Buffer.from("from the embedder")]);
  assert.deepStrictEqual(service.call("local_storage", "get", ["deep/er.bin"]), [1, 2]);
  assert.equal(service.call("local_storage", "put", ["written.txt", [104, 105]]), "Ok");
  const files = service.mappedDir("local_storage", "sites");
  assert.deepStrictEqual(Object.keys(files).sort(), ["deep/er.bin", "given.txt", "written.txt"]);
  assert.equal(Buffer.from(files["written.txt"] ?? []).toString(), "hi");
  // Paths outside the dir are refused: the guest sees only what is mapped.
  assert.match(/** @type {string} */ (service.call("local_storage", "read_any", ["/etc/passwd"])), /^error: /);
  assert.throws(() => service.mappedDir("local_storage", "elsewhere"), /has no mapped dir `elsewhere`/);
  service.terminate();
});
