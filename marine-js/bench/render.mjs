// Writes the figures of bench/results.json into BENCHMARKS.md ("Marine in JavaScript"), the
// same principle as tests/benches/render_benchmarks.py: the tables between
// `<!-- generated:js_NAME -->` and `<!-- /generated:js_NAME -->` and the values between
// `<!-- v:js_NAME -->` and `<!-- /v -->` come from one run's results, so the text cannot drift
// from the numbers.
//
//   node bench/render.mjs            # rewrite BENCHMARKS.md from bench/results.json
//   node bench/render.mjs --check    # exit 1 if BENCHMARKS.md does not match the results
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** @typedef {{ id: string, label: string, median_ns: number, p25_ns: number, p75_ns: number, samples: number, iterations: number }} Row */

function time(/** @type {number} */ ns) {
  const three = (/** @type {number} */ v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${three(ns / 1e3)} µs`;
  if (ns < 1e9) return `${three(ns / 1e6)} ms`;
  return `${three(ns / 1e9)} s`;
}

function ratio(/** @type {number} */ r) {
  if (r >= 1000) return `${Math.round(r).toLocaleString("en-US")}x`;
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  return `${r.toFixed(2)}x`;
}

/** @param {Row[]} rows @param {string} id */
function row(rows, id) {
  const found = rows.find((r) => r.id === id);
  if (!found) throw new Error(`results: no row \`${id}\``);
  return found;
}

/** The table of one group, ratios against `baseline`. */
function table(/** @type {Row[]} */ rows, /** @type {string} */ baseline, /** @type {string} */ baselineName) {
  const base = row(rows, baseline).median_ns;
  const lines = [`| what | median | quartiles | samples x iterations | vs ${baselineName} |`, "|---|---:|---:|---:|---:|"];
  for (const r of rows) {
    const label = r.id === baseline ? `**baseline**: ${r.label}` : r.label;
    lines.push(`| ${label} | ${time(r.median_ns)} | ${time(r.p25_ns)} – ${time(r.p75_ns)} | ${r.samples} x ${r.iterations} | ${r.id === baseline ? "1x" : ratio(r.median_ns / base)} |`);
  }
  return lines.join("\n");
}

/** The verdict on one target: `value` must be at least (`atLeast`) or at most `bound`. */
function verdict(/** @type {number} */ value, /** @type {number} */ bound, /** @type {boolean} */ atLeast) {
  const met = atLeast ? value >= bound : value <= bound;
  return `**${ratio(value)}** (target ${atLeast ? "≥" : "≤"} ${bound}x: ${met ? "met" : "missed"})`;
}

/** Every generated block and value, from the results. */
export function blocks(/** @type {any} */ results) {
  const g = results.groups;
  /** @type {Record<string, string>} */
  const out = {};
  out.js_run =
    `Measured on ${results.date.slice(0, 10)} (${results.platform}, ${results.cpus} cores, ${results.cpu_model}), Node ${results.node}, ` +
    `all figures from one \`npm run bench\` run; load average (1, 5, 15 min) ${results.load_before.join(", ")} before and ${results.load_after.join(", ")} after ` +
    (Math.max(results.load_before[0], results.load_after[0]) >= results.cpus
      ? `(the machine was busy with other work: absolute times are inflated, ratios less so).`
      : `(nothing else of note was running).`);
  /** @type {string[]} */
  const targets = [];
  for (const [key, title] of [["greeting", "`greeting(\"Marine\")`"], ["relay_1k", "1 KiB relay"], ["relay_1m", "1 MiB relay"]]) {
    const rows = g[key];
    out[`js_${key}`] = table(rows, "raw", "raw protocol");
    const ours = row(rows, "ours").median_ns;
    const vsOfficial = row(rows, "official").median_ns / ours;
    const vsRaw = ours / row(rows, "raw").median_ns;
    out[`js_${key}_vs_official`] = ratio(vsOfficial);
    out[`js_${key}_vs_raw`] = ratio(vsRaw);
    targets.push(`| ${title} | ${verdict(vsOfficial, 10, true)} | ${verdict(vsRaw, 3, false)} |`);
    out[`js_${key}_official_vs_raw`] = ratio(row(rows, "official").median_ns / row(rows, "raw").median_ns);
    if (key !== "greeting") out[`js_${key}_json_share`] = `${Math.round((100 * row(rows, "json").median_ns) / row(rows, "ours_json").median_ns)}%`;
  }
  out.js_greeting_compat_extra = ratio(row(g.greeting, "compat").median_ns / row(g.greeting, "ours").median_ns);
  const creation = g.creation;
  out.js_creation = table(creation, "raw", "raw compile + instantiate");
  const ours = row(creation, "ours").median_ns;
  const vsOfficial = row(creation, "official").median_ns / ours;
  out.js_creation_vs_official = ratio(vsOfficial);
  out.js_creation_vs_raw = ratio(ours / row(creation, "raw").median_ns);
  out.js_creation_official_vs_precompiled = ratio(row(creation, "official").median_ns / row(creation, "raw_precompiled").median_ns);
  out.js_creation_vs_precompiled = ratio(ours / row(creation, "raw_precompiled").median_ns);
  out.js_creation_official_vs_platform = ratio(row(creation, "official").median_ns / row(creation, "platform_floor").median_ns);
  out.js_creation_vs_platform = ratio(ours / row(creation, "platform_floor").median_ns);
  targets.push(`| service creation | ${verdict(vsOfficial, 10, true)} | (no target) ${ratio(ours / row(creation, "raw").median_ns)} |`);
  out.js_targets = ["| figure | official ÷ ours | ours ÷ raw protocol |", "|---|---:|---:|", ...targets].join("\n");
  return out;
}

/** Rewrites (or, with `check`, compares) the generated parts of BENCHMARKS.md. */
export function render(/** @type {string} */ file, /** @type {any} */ results, /** @type {boolean} */ check) {
  const text = readFileSync(file, "utf8");
  const values = blocks(results);
  let next = text;
  for (const [name, value] of Object.entries(values)) {
    const block = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`, "g");
    const inline = new RegExp(`(<!-- v:${name} -->)[\\s\\S]*?(<!-- /v -->)`, "g");
    next = next.replace(block, (_m, a, b) => `${a}\n${value}\n${b}`).replace(inline, (_m, a, b) => `${a}${value}${b}`);
  }
  for (const m of next.matchAll(/<!-- (?:generated|v):(js_[a-z0-9_]+) -->/g)) {
    if (!(m[1] in values)) throw new Error(`${file}: marker \`${m[1]}\` has no value in the results`);
  }
  if (check) {
    if (next !== text) {
      console.error(`${file} does not match the results: node bench/render.mjs`);
      process.exitCode = 1;
    } else {
      console.log(`${file} matches the results`);
    }
    return;
  }
  if (next !== text) writeFileSync(file, next);
  console.log(`${next === text ? "unchanged" : "rewrote"} ${file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const results = JSON.parse(readFileSync(path.join(here, "results.json"), "utf8"));
  render(path.join(here, "..", "..", "BENCHMARKS.md"), results, process.argv.includes("--check"));
}
