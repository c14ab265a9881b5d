/**
 * Loading the engine: the Rust ABI core compiled to wasm with wasm-bindgen (`pkg/`), once per
 * JavaScript realm. In Node the wasm file is read from disk; in a browser it is fetched next
 * to this script.
 */

import init from "../pkg/marine_js_engine.js";

export { compileError, Engine, instantiateError, linkError, timeoutError } from "../pkg/marine_js_engine.js";

let ready: Promise<void> | undefined;

/** Compiles and instantiates the engine (once; later calls share the first). */
export function loadEngine(): Promise<void> {
  ready ??= (async () => {
    const url = new URL("../pkg/marine_js_engine_bg.wasm", import.meta.url);
    if (url.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      await init({ module_or_path: await readFile(url) });
    } else {
      await init({ module_or_path: url });
    }
  })();
  return ready;
}
