// Builds the engine (the Rust crate `marine-js-engine`) for wasm32-unknown-unknown and runs
// wasm-bindgen over it into `pkg/`. The wasm-bindgen CLI must be the version of the
// `wasm-bindgen` crate in Cargo.lock (the generated glue and the crate agree on a private ABI).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lock = readFileSync(path.join(root, "Cargo.lock"), "utf8");
const locked = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)?.[1];
if (!locked) throw new Error("Cargo.lock has no wasm-bindgen package");

let cli;
try {
  cli = execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" }).trim();
} catch {
  throw new Error(
    `wasm-bindgen CLI not found: cargo install wasm-bindgen-cli --version ${locked} --locked`,
  );
}
if (!cli.endsWith(` ${locked}`)) {
  throw new Error(
    `${cli} does not match the wasm-bindgen crate ${locked} of Cargo.lock: ` +
      `cargo install wasm-bindgen-cli --version ${locked} --locked --force`,
  );
}

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
run("cargo", [
  "build", "--locked", "--profile", "engine-release", "-p", "marine-js-engine",
  "--target", "wasm32-unknown-unknown",
]);
run("wasm-bindgen", [
  "--target", "web",
  "--out-dir", path.join(root, "marine-js", "pkg"),
  path.join(root, "target", "wasm32-unknown-unknown", "engine-release", "marine_js_engine.wasm"),
]);

// The imports the engine declares with `catch` (its calls of guest functions, among others)
// are generated as `function() { return handleError(function (args) { body }, arguments) }`:
// every call makes a closure and an `arguments` object and goes through `apply`, which
// measured as a tenth or more of a small call's time. They are rewritten to a plain function
// with its own `try`; an exception still goes to `handleError`, which stores it for the
// engine exactly as before.
const glue = path.join(root, "marine-js", "pkg", "marine_js_engine.js");
let rewritten = 0;
const text = readFileSync(glue, "utf8").replace(
  /function\(\) \{ return handleError\(function \(([^)]*)\) \{\n([\s\S]*?)\n    \}, arguments\) \};/g,
  (_, params, body) => {
    rewritten++;
    return `function (${params}) {\n    try {\n${body}\n    } catch (e) {\n        return handleError(() => { throw e; }, []);\n    }\n    };`;
  },
);
if (rewritten === 0 || text.includes("}, arguments) };")) {
  throw new Error(`${glue}: the \`handleError\` wrappers of ${cli} were not all recognised`);
}
writeFileSync(glue, text);
console.log(`rewrote ${rewritten} handleError wrappers in ${path.relative(root, glue)}`);
