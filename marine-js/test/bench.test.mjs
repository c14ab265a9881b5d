// The benchmarks cannot rot: `bench/run.mjs --quick` runs every figure a few times (no
// timing is asserted, nothing is written), and BENCHMARKS.md's JS section matches
// bench/results.json (`bench/render.mjs --check`).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

test("bench/run.mjs --quick runs every figure of every contender", () => {
  const out = execFileSync(process.execPath, ["bench/run.mjs", "--quick"], { cwd: pkg, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  for (const group of ["greeting:", "relay_1k:", "relay_1m:", "creation:"]) assert.ok(out.includes(`\n${group}\n`) || out.startsWith(`${group}\n`), `${group} missing in\n${out}`);
  assert.equal((out.match(/@fluencelabs\/marine-js 0\.13\.0/g) ?? []).length, 4, out);
  // greeting, creation, and the two relays each as bytes and through JSON.
  assert.equal((out.match(/@marine-native\/js MarineService\./g) ?? []).length, 6, out);
  assert.doesNotMatch(out, /wrote /, "a quick run writes nothing");
});

test("BENCHMARKS.md matches bench/results.json", () => {
  const out = execFileSync(process.execPath, ["bench/render.mjs", "--check"], { cwd: pkg, encoding: "utf8" });
  assert.match(out, /matches the results/);
});
