// A small static file server for the playground page (`npm run serve`) and the browser test:
// GET and HEAD only, files under the given folders only, the MIME types a browser needs for ES
// modules and `WebAssembly.compileStreaming`.
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";

/** @type {Record<string, string>} */
const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".toml": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * @typedef {object} StaticServer
 * @property {string} origin `http://127.0.0.1:<port>`
 * @property {() => Promise<void>} close stops the server (open connections are closed)
 */

/**
 * The file a URL path names: `/prefix/rest` under the folder mounted at `/prefix/` (the
 * longest prefix wins), or null when the path leaves that folder.
 * @param {Record<string, string>} mounts URL prefix (starting and ending with `/`) → folder
 * @param {string} urlPath the decoded path of the request
 */
function resolve(mounts, urlPath) {
  const prefix = Object.keys(mounts)
    .filter((p) => urlPath.startsWith(p) || urlPath === p.slice(0, -1))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return null;
  const root = /** @type {string} */ (mounts[prefix]);
  const rest = urlPath.slice(prefix.length);
  const file = path.resolve(root, `.${path.posix.sep}${rest}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return { root, file };
}

/**
 * Starts a server on 127.0.0.1.
 * @param {{ mounts: Record<string, string>, port?: number }} options `mounts` maps URL
 *   prefixes (`/`, `/wasm/`) to folders; `port` 0 (the default) picks a free one
 * @returns {Promise<StaticServer>}
 */
export async function startStaticServer({ mounts, port = 0 }) {
  /** @type {Record<string, string>} */
  const roots = {};
  for (const [prefix, folder] of Object.entries(mounts)) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new Error(`mount prefix ${prefix} must start and end with /`);
    roots[prefix] = path.resolve(folder);
  }
  const server = createServer((request, response) => {
    serve(roots, request, response).catch((error) => {
      if (!response.headersSent) send(response, 500, `internal error: ${String(error)}`);
      else response.destroy();
    });
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok(undefined));
      }),
  };
}

/**
 * @param {import("node:http").ServerResponse} response
 * @param {number} status
 * @param {string} text
 */
function send(response, status, text) {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  response.end(`${text}\n`);
}

/**
 * @param {Record<string, string>} mounts
 * @param {import("node:http").IncomingMessage} request
 * @param {import("node:http").ServerResponse} response
 */
async function serve(mounts, request, response) {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return send(response, 405, "only GET and HEAD");
  }
  let pathname;
  let urlPath;
  try {
    pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    urlPath = decodeURIComponent(pathname);
  } catch {
    return send(response, 400, "bad request path");
  }
  if (urlPath.includes("\0")) return send(response, 400, "bad request path");
  const found = resolve(mounts, urlPath);
  if (!found) return send(response, 404, "not found");
  let file = found.file;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!urlPath.endsWith("/")) {
      response.writeHead(301, { location: `${pathname}/` });
      return response.end();
    }
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(response, 404, "not found");
  // A symbolic link must not lead out of the served folder either.
  const real = await realpath(file);
  const realRoot = await realpath(found.root);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return send(response, 404, "not found");
  response.writeHead(200, {
    "content-type": MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": info.size,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  if (request.method === "HEAD") return response.end();
  createReadStream(file).pipe(response);
}
