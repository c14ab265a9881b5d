// `npm run serve`: builds the example modules (wasm32-wasip1, as the tests do) and serves the
// playground page on 127.0.0.1, with `marine-js/` at `/` and the built modules at `/wasm/`.
// The port is `PORT` from the environment, 8080 by default (0 picks a free one).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { buildExamples } from "../test/helpers.mjs";
import { startStaticServer } from "./static-server.mjs";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const needed of ["dist/index.js", "pkg/marine_js_engine_bg.wasm", "node_modules/@bjorn3/browser_wasi_shim"]) {
  if (!existsSync(path.join(packageDir, needed))) {
    console.error(`${needed} is missing: run \`npm ci && npm run build\` in marine-js/ first`);
    process.exit(1);
  }
}
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number`);
  process.exit(1);
}
const server = await startStaticServer({ mounts: { "/": packageDir, "/wasm/": buildExamples() }, port });
console.log(`The Marine playground: ${server.origin}/examples/playground/ (Ctrl-C stops the server)`);
