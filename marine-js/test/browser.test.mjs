// The playground page (examples/playground/) in a real browser: Debian's Chromium driven by
// puppeteer-core, the page served from 127.0.0.1 by the package's own static server. Every
// step goes through the page's controls, and the assertions read what the page shows.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

import { startStaticServer } from "../scripts/static-server.mjs";
import { buildExamples, repoRoot } from "./helpers.mjs";

/** The browser: Debian's `chromium` package, or the one `CHROMIUM` names. */
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Waiting for the page: generous, since a loaded machine may be slow to compile wasm. */
const WAIT = { timeout: 120_000 };

/** @typedef {import("puppeteer-core").Page} Page */

/** puppeteer-core, or an error that says how to install it (a `node_modules` older than it). */
async function puppeteer() {
  try {
    return (await import("puppeteer-core")).default;
  } catch (error) {
    throw new Error(`puppeteer-core cannot be loaded: run \`npm ci\` in marine-js/ (${String(error)})`);
  }
}

/**
 * The text of the element `selector` names.
 * @param {Page} page
 * @param {string} selector
 */
const text = (page, selector) => page.$eval(selector, (e) => e.textContent ?? "");

/**
 * Picks `module.func` in the page's function list, types `args` into the arguments field and
 * clicks Call; waits until the page shows an outcome for this call and returns what it shows.
 * @param {Page} page
 * @param {string} target `module.function`
 * @param {string} args the JSON text typed in
 */
async function callThroughPage(page, target, args) {
  await page.select("#function", target);
  await page.locator("#args").fill(args);
  // Marks the old outcome so that the wait below sees this call's, whatever the last one was.
  await page.$eval("#outcome", (e) => {
    e.setAttribute("data-state", "stale");
  });
  await page.click("#call");
  await page.waitForSelector('#outcome:is([data-state="ok"], [data-state="error"])', WAIT);
  const state = await page.$eval("#outcome", (e) => e.getAttribute("data-state"));
  if (state === "ok") return { ok: true, result: await text(page, "#result") };
  return {
    ok: false,
    errorClass: await text(page, "#error-class"),
    kind: await text(page, "#error-kind"),
    module: await text(page, "#error-module"),
    function: await text(page, "#error-function"),
    message: await text(page, "#error-message"),
    panic: (await page.$eval("#error-panic-box", (e) => e instanceof HTMLElement && e.hidden)) ? null : await text(page, "#error-panic"),
  };
}

test("the playground page loads a two-module service in Chromium, calls it and shows results, typed errors and logs", async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `the browser test needs Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM to another Chromium binary`,
  );
  const wasmDir = buildExamples();
  const packageDir = path.join(repoRoot, "marine-js");
  const server = await startStaticServer({ mounts: { "/": packageDir, "/wasm/": wasmDir } });
  const scratch = await mkdtemp(path.join(tmpdir(), "marine-js-browser-"));
  /** @type {import("puppeteer-core").Browser | undefined} */
  let browser;
  /** @type {string[]} */
  const pageErrors = [];
  try {
    browser = await (await puppeteer()).launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: path.join(scratch, "profile"),
      timeout: 120_000,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = await browser.newPage();
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("requestfailed", (request) => pageErrors.push(`request failed: ${request.url()}`));
    page.on("response", (response) => {
      if (response.status() >= 400) pageErrors.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    // The page loads the bundled two-module example by itself and lists its interface.
    await page.goto(`${server.origin}/examples/playground/`, { waitUntil: "load", ...WAIT });
    await page.waitForSelector('#interface[data-state="ready"]', WAIT);
    assert.equal(await text(page, "#status"), "Loaded 2 modules: records_passing_effector, records_passing_pure.");
    const listed = await page.$$eval("#interface .module", (boxes) =>
      boxes.map((b) => ({
        module: b.getAttribute("data-module"),
        functions: Array.from(b.querySelectorAll("li"), (li) => li.textContent),
      })),
    );
    // Functions in name order, as the engine lists them.
    assert.deepStrictEqual(listed, [
      {
        module: "records_passing_effector",
        functions: [
          "test_record_array(test_record: []TestRecord1) -> []TestRecord1",
          "test_record_ref(test_record: TestRecord1) -> TestRecord0",
        ],
      },
      {
        module: "records_passing_pure",
        functions: [
          "invoke_array(records: []TestRecord1) -> []TestRecord1",
          "invoke_ref(record: TestRecord1) -> TestRecord0",
          "invoke_twice(count: u32) -> []TestRecord1",
        ],
      },
    ]);

    // Picking a function fills the arguments field with a value of the right shape.
    await page.select("#function", "records_passing_pure.invoke_ref");
    assert.equal(await text(page, "#signature"), "func invoke_ref(record: TestRecord1) -> TestRecord0");
    assert.equal(
      await page.$eval("#args", (e) => (e instanceof HTMLTextAreaElement ? e.value : "")),
      '[{"field_0":0,"field_1":"","field_2":[],"test_record_0":{"field_0":0}}]',
    );

    // A call that crosses from the pure module into the effector: 1 + 2 + len("x") + 2 bytes.
    const record = { field_0: 1, field_1: "x", field_2: [1, 2], test_record_0: { field_0: 2 } };
    const answer = await callThroughPage(page, "records_passing_pure.invoke_ref", JSON.stringify([record]));
    assert.deepStrictEqual(answer, { ok: true, result: '{\n  "field_0": 6\n}' });

    // Named arguments, and arrays of records there and back.
    const twice = await callThroughPage(page, "records_passing_pure.invoke_twice", '{ "count": 2 }');
    assert.ok(twice.ok, JSON.stringify(twice));
    assert.deepStrictEqual(JSON.parse(twice.result ?? ""), [
      { field_0: 0, field_1: "RECORD 0", field_2: [], test_record_0: { field_0: 2 } },
      { field_0: 1, field_1: "RECORD 1", field_2: [1], test_record_0: { field_0: 12 } },
    ]);

    // Arguments of the wrong type: a typed error naming the module and function.
    const refused = await callThroughPage(page, "records_passing_pure.invoke_ref", "[1]");
    assert.equal(refused.ok, false);
    assert.equal(refused.errorClass, "ArgumentsError");
    assert.equal(refused.kind, "Arguments");
    assert.equal(refused.module, "records_passing_pure");
    assert.equal(refused.function, "invoke_ref");
    assert.match(refused.message ?? "", /^module `records_passing_pure`, function `invoke_ref`: invalid JSON arguments: /);

    // Text that is not JSON never reaches the service, and the page says so.
    const garbled = await callThroughPage(page, "records_passing_pure.invoke_ref", "[{");
    assert.equal(garbled.errorClass, "SyntaxError");
    assert.equal(garbled.module, "records_passing_pure");
    assert.match(garbled.message ?? "", /^the arguments are not valid JSON: /);

    // The service still serves after the failures.
    const again = await callThroughPage(page, "records_passing_effector.test_record_ref", JSON.stringify([record]));
    assert.deepStrictEqual(again, { ok: true, result: '{\n  "field_0": 6\n}' });

    // The other bundled example: logs reach the page, and a trap shows its panic message.
    await page.select("#bundled", "logs-and-errors");
    await page.click("#load-bundled");
    await page.waitForSelector('#interface .module[data-module="logging"]', WAIT);
    const logged = await callThroughPage(page, "logging.log_info", '["hello from the browser"]');
    assert.deepStrictEqual(logged, { ok: true, result: "22" });
    const line = await page.waitForSelector('#logs li[data-module="logging"][data-level="info"]', WAIT);
    assert.equal(await line?.evaluate((e) => e.textContent), "info logging: hello from the browser");
    const trap = await callThroughPage(page, "misbehaving.panics", '["boom"]');
    assert.equal(trap.errorClass, "TrapError");
    assert.equal(trap.module, "misbehaving");
    assert.equal(trap.function, "panics");
    assert.match(trap.message ?? "", /^module `misbehaving`, function `panics`: trap: /);
    assert.match(trap.panic ?? "", /guest panicked: boom/);
    assert.deepStrictEqual(await callThroughPage(page, "greeting.greeting", '["browser"]'), {
      ok: true,
      result: '"Hi, browser"',
    });

    // Files the user picks: a config naming a module no file was picked for is refused with
    // the config error; with every file, the service loads.
    const configPath = path.join(scratch, "Config.toml");
    await writeFile(configPath, 'modules_dir = "."\n\n[[module]]\nname = "greeting"\n\n[[module]]\nname = "absent"\n');
    const configInput = await page.$("input#config-file");
    const wasmInput = await page.$("input#wasm-files");
    assert.ok(configInput && wasmInput);
    await configInput.uploadFile(configPath);
    await wasmInput.uploadFile(path.join(wasmDir, "greeting.wasm"));
    await page.click("#load-own");
    await page.waitForSelector('#status[data-state="error"]', WAIT);
    assert.equal(await text(page, "#load-error h3"), "ConfigError");
    assert.equal(await text(page, "#load-error pre"), "module `absent` of the config has no bytes in `modules`");
    assert.equal(await page.$eval("#interface", (e) => e.getAttribute("data-state")), "empty");

    await writeFile(configPath, 'modules_dir = "."\n\n[[module]]\nname = "greeting"\n');
    await configInput.uploadFile(configPath);
    await page.click("#load-own");
    await page.waitForSelector('#status[data-state="ok"]', WAIT);
    assert.equal(await text(page, "#status"), "Loaded 1 module: greeting.");
    assert.deepStrictEqual(await callThroughPage(page, "greeting.greeting", '["files"]'), { ok: true, result: '"Hi, files"' });

    assert.deepStrictEqual(pageErrors, [], "the page loaded without errors");

    // Module files that are not where the page looks: the page says which and where.
    const lost = await browser.newPage();
    await lost.goto(`${server.origin}/examples/playground/?wasm=/missing/`, { waitUntil: "load", ...WAIT });
    await lost.waitForSelector('#status[data-state="error"]', WAIT);
    assert.equal(await text(lost, "#load-error h3"), "Error");
    assert.match(
      await text(lost, "#load-error pre"),
      /^module `records_passing_effector`: http:\/\/127\.0\.0\.1:\d+\/missing\/records_passing_effector\.wasm answered HTTP 404 \(/,
    );
    assert.equal(await lost.$eval("#interface", (e) => e.getAttribute("data-state")), "empty");
  } finally {
    await browser?.close();
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  }
});
