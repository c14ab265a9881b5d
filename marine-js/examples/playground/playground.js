// @ts-check
// The Marine playground: load a service (a bundled example, or a Config.toml and .wasm files
// the user picks), show its interface, call its functions with JSON arguments, show the result
// or the typed error, and the modules' logs.
//
// Calls run on the page's main thread: a function that never returns freezes the tab.
import { MarineError, MarineService, TrapError } from "../../dist/index.js";

/**
 * @typedef {import("../../dist/index.js").ModuleInterface} ModuleInterface
 * @typedef {import("../../dist/index.js").LogLevel} LogLevel
 * @typedef {{ id: string, title: string, description: string, config: string, modules: string[] }} Bundled
 */

/**
 * The bundled services. Their modules are `<name>.wasm` under the folder given by the page's
 * `?wasm=` parameter (a URL, relative to the page), by default `../../wasm/`: where
 * `npm run serve` serves the examples built for wasm32-wasip1.
 * @type {Bundled[]}
 */
const BUNDLED = [
  {
    id: "records-passing",
    title: "records-passing (two modules)",
    description:
      "records_passing_pure imports records_passing_effector: records cross from one module's memory into the other's.",
    config: `# The seed's records example: a pure module passing records to an effector module.
modules_dir = "."

[[module]]
name = "records_passing_effector"

[[module]]
name = "records_passing_pure"
`,
    modules: ["records_passing_effector", "records_passing_pure"],
  },
  {
    id: "logs-and-errors",
    title: "greeting, logging, misbehaving",
    description: "logging.log_info logs at info level; misbehaving.panics traps with a panic message.",
    config: `modules_dir = "."

[[module]]
name = "greeting"

[[module]]
name = "logging"
logger_enabled = true

[module.wasi]
envs = { WASM_LOG = "info" }

[[module]]
name = "misbehaving"
`,
    modules: ["greeting", "logging", "misbehaving"],
  },
];

/** The largest module file the page reads from the user's disk. */
const MAX_MODULE_BYTES = 256 * 1024 * 1024;
/** The largest config file the page reads. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** How many log lines the page keeps. */
const MAX_LOG_LINES = 500;

/**
 * The element with this id, of this type.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function $(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return element;
}

const ui = {
  bundled: $("bundled", HTMLSelectElement),
  bundledDescription: $("bundled-description", HTMLElement),
  bundledForm: $("bundled-form", HTMLFormElement),
  loadBundled: $("load-bundled", HTMLButtonElement),
  ownForm: $("own-form", HTMLFormElement),
  configFile: $("config-file", HTMLInputElement),
  wasmFiles: $("wasm-files", HTMLInputElement),
  loadOwn: $("load-own", HTMLButtonElement),
  configText: $("config-text", HTMLElement),
  status: $("status", HTMLElement),
  loadError: $("load-error", HTMLElement),
  interface: $("interface", HTMLElement),
  callForm: $("call-form", HTMLFormElement),
  function: $("function", HTMLSelectElement),
  signature: $("signature", HTMLElement),
  args: $("args", HTMLTextAreaElement),
  call: $("call", HTMLButtonElement),
  outcome: $("outcome", HTMLElement),
  resultBox: $("result-box", HTMLElement),
  result: $("result", HTMLElement),
  errorBox: $("error-box", HTMLElement),
  errorClass: $("error-class", HTMLElement),
  errorModule: $("error-module", HTMLElement),
  errorFunction: $("error-function", HTMLElement),
  errorKind: $("error-kind", HTMLElement),
  errorMessage: $("error-message", HTMLElement),
  errorPanicBox: $("error-panic-box", HTMLElement),
  errorPanic: $("error-panic", HTMLElement),
  logs: $("logs", HTMLOListElement),
  clearLogs: $("clear-logs", HTMLButtonElement),
  memory: $("memory", HTMLTableElement),
};

/** @type {MarineService | null} */
let service = null;
/** @type {ModuleInterface[]} */
let modules = [];

/**
 * A new element with text content (never HTML: names and messages come from modules).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {string} [className]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className) element.className = className;
  return element;
}

/**
 * @param {"idle" | "busy" | "ok" | "error"} state
 * @param {string} text
 */
function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

/**
 * What the page shows of a failure: the error's class, and for a Marine error its kind,
 * module and function. Anything thrown can be shown, whatever it is.
 * @param {unknown} error
 */
function describe(error) {
  if (error instanceof MarineError) {
    return {
      className: error.name,
      kind: error.kind,
      module: error.module ?? "—",
      function: error.function ?? "—",
      message: error.message,
      panic: error instanceof TrapError ? error.panicMessage : null,
    };
  }
  const className = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { className, kind: "—", module: "—", function: "—", message, panic: null };
}

/** @param {unknown} error */
function showLoadError(error) {
  const d = describe(error);
  ui.loadError.replaceChildren(
    el("h3", d.className),
    el("p", d.module === "—" ? "" : `module ${d.module}`, "hint"),
    el("pre", d.message, "code"),
  );
  ui.loadError.hidden = false;
}

/**
 * @param {string} module
 * @param {LogLevel | "stdout" | "stderr"} level
 * @param {string} message
 */
function log(module, level, message) {
  const line = el("li");
  line.dataset.level = level;
  line.dataset.module = module;
  line.append(el("span", level, "level"), " ", el("span", module, "module-name"), ": ", el("span", message, "message"));
  ui.logs.append(line);
  while (ui.logs.children.length > MAX_LOG_LINES) ui.logs.firstElementChild?.remove();
  line.scrollIntoView({ block: "nearest" });
}

/**
 * Replaces the loaded service with one made of `config` and the modules `sources` gives.
 * @param {string} config the Config.toml text
 * @param {string} configPath the name config errors give the file
 * @param {() => Promise<Record<string, Uint8Array | Response>>} sources
 */
async function load(config, configPath, sources) {
  ui.loadBundled.disabled = ui.loadOwn.disabled = true;
  ui.loadError.hidden = true;
  setStatus("busy", "Loading…");
  service?.terminate();
  service = null;
  modules = [];
  showInterface();
  ui.configText.textContent = config;
  try {
    service = await MarineService.create({ config, configPath, modules: await sources(), logger: log });
    modules = service.interface();
    const names = modules.map((m) => m.name).join(", ");
    setStatus("ok", `Loaded ${modules.length} module${modules.length === 1 ? "" : "s"}: ${names}.`);
  } catch (error) {
    setStatus("error", "The service could not be loaded.");
    showLoadError(error);
  } finally {
    ui.loadBundled.disabled = ui.loadOwn.disabled = false;
    showInterface();
    showMemory();
  }
}

/** @param {string} type */
function typeSpan(type) {
  return el("span", type, "type");
}

/** Lists the modules' functions and records, and fills the function picker. */
function showInterface() {
  ui.function.replaceChildren();
  clearOutcome();
  if (modules.length === 0) {
    ui.interface.dataset.state = "empty";
    ui.interface.replaceChildren(el("p", "No service is loaded.", "hint"));
    ui.function.disabled = ui.args.disabled = ui.call.disabled = true;
    ui.signature.textContent = "";
    ui.args.value = "";
    return;
  }
  const parts = [];
  for (const module of modules) {
    const box = el("article", undefined, "module");
    box.dataset.module = module.name;
    box.append(el("h3", module.name));
    const list = el("ul");
    for (const f of module.functions) {
      const item = el("li", undefined, "code-line");
      const pick = el("button", f.name, "link");
      pick.type = "button";
      pick.dataset.function = `${module.name}.${f.name}`;
      pick.addEventListener("click", () => selectFunction(`${module.name}.${f.name}`));
      item.append(pick, "(");
      f.arguments.forEach((a, i) => item.append(i > 0 ? ", " : "", `${a.name}: `, typeSpan(a.type)));
      item.append(")");
      if (f.outputs.length > 0) item.append(" -> ", typeSpan(f.outputs.join(", ")));
      list.append(item);
      const option = el("option", `${module.name}.${f.name}`);
      option.value = `${module.name}.${f.name}`;
      ui.function.append(option);
    }
    if (module.functions.length === 0) list.append(el("li", "no functions", "hint"));
    box.append(list);
    // The records the functions use are shown; the others (such as the SDK's own, which every
    // module has) are folded away.
    const used = usedRecords(module);
    const other = el("details", undefined, "records");
    for (const r of module.records) {
      const record = el("p", `data ${r.name}: `, "records code-line");
      r.fields.forEach((f, i) => record.append(i > 0 ? ", " : "", `${f.name}: `, typeSpan(f.type)));
      (used.has(r.name) ? box : other).append(record);
    }
    const others = module.records.length - used.size;
    if (others > 0) {
      other.prepend(el("summary", `${others} other record${others === 1 ? "" : "s"}`));
      box.append(other);
    }
    parts.push(box);
  }
  ui.interface.replaceChildren(...parts);
  ui.interface.dataset.state = "ready";
  const any = ui.function.options.length > 0;
  ui.function.disabled = ui.args.disabled = ui.call.disabled = !any;
  if (any) selectFunction(ui.function.options[0]?.value ?? "");
}

/**
 * The names of the records a module's functions take or return, directly or in fields.
 * @param {ModuleInterface} module
 */
function usedRecords(module) {
  /** @type {Set<string>} */
  const used = new Set();
  /** @param {string} type */
  const visit = (type) => {
    const name = type.replace(/^(\[\])+/, "");
    const record = module.records.find((r) => r.name === name);
    if (!record || used.has(name)) return;
    used.add(name);
    for (const f of record.fields) visit(f.type);
  };
  for (const f of module.functions) {
    for (const a of f.arguments) visit(a.type);
    for (const o of f.outputs) visit(o);
  }
  return used;
}

/**
 * `module.function` of the picker's value, with the function's description.
 * @param {string} value
 */
function lookup(value) {
  const dot = value.indexOf(".");
  const module = modules.find((m) => m.name === value.slice(0, dot));
  const func = module?.functions.find((f) => f.name === value.slice(dot + 1));
  return module && func ? { module, func } : null;
}

/**
 * A JSON value of `type` to start editing from.
 * @param {ModuleInterface} module
 * @param {string} type
 * @param {number} depth
 * @returns {unknown}
 */
function sample(module, type, depth = 0) {
  if (type === "bool") return false;
  if (type === "string") return "";
  if (/^[iuf](8|16|32|64)$/.test(type)) return 0;
  if (type.startsWith("[]")) return [];
  const record = module.records.find((r) => r.name === type);
  if (!record || depth > 8) return null;
  return Object.fromEntries(record.fields.map((f) => [f.name, sample(module, f.type, depth + 1)]));
}

/** @param {string} value */
function selectFunction(value) {
  const found = lookup(value);
  if (!found) return;
  const { module, func } = found;
  ui.function.value = value;
  const args = func.arguments.map((a) => `${a.name}: ${a.type}`).join(", ");
  ui.signature.textContent = `func ${func.name}(${args})${func.outputs.length ? ` -> ${func.outputs.join(", ")}` : ""}`;
  ui.args.value = JSON.stringify(func.arguments.map((a) => sample(module, a.type)));
  clearOutcome();
}

function clearOutcome() {
  ui.outcome.dataset.state = "none";
  ui.resultBox.hidden = ui.errorBox.hidden = true;
}

/** Calls the picked function with the typed arguments and shows what came back. */
function call() {
  const found = lookup(ui.function.value);
  if (!service || !found) return;
  clearOutcome();
  /** @type {unknown} */
  let args;
  try {
    args = JSON.parse(ui.args.value);
    if (args === null || typeof args !== "object") {
      throw new TypeError("the arguments must be a JSON array (in order) or object (by name)");
    }
  } catch (error) {
    const e = error instanceof SyntaxError ? new SyntaxError(`the arguments are not valid JSON: ${error.message}`) : error;
    showError(e, found.module.name, found.func.name);
    return;
  }
  try {
    const result = service.call(found.module.name, found.func.name, /** @type {unknown[] | Record<string, unknown>} */ (args));
    ui.result.textContent = JSON.stringify(result, null, 2);
    ui.resultBox.hidden = false;
    ui.outcome.dataset.state = "ok";
  } catch (error) {
    showError(error);
  } finally {
    showMemory();
  }
}

/**
 * @param {unknown} error
 * @param {string} [module] the module of a call that never reached the service
 * @param {string} [func]
 */
function showError(error, module, func) {
  const d = describe(error);
  ui.errorClass.textContent = d.className;
  ui.errorKind.textContent = d.kind;
  ui.errorModule.textContent = d.module === "—" && module ? module : d.module;
  ui.errorFunction.textContent = d.function === "—" && func ? func : d.function;
  ui.errorMessage.textContent = d.message;
  ui.errorPanic.textContent = d.panic ?? "";
  ui.errorPanicBox.hidden = d.panic === null;
  ui.errorBox.hidden = false;
  ui.outcome.dataset.state = "error";
}

/** Each module's memory size. */
function showMemory() {
  const body = ui.memory.tBodies[0];
  if (!body) return;
  const rows = (service?.memoryStats() ?? []).map(({ module, memoryBytes }) => {
    const row = el("tr");
    row.append(el("td", module), el("td", `${(memoryBytes / 65536).toLocaleString("en")} pages (${(memoryBytes / 1048576).toFixed(2)} MiB)`));
    return row;
  });
  body.replaceChildren(...rows);
}

/**
 * Refuses a file the user picked that is larger than `limit` bytes.
 * @param {File} file
 * @param {number} limit
 */
function checkSize(file, limit) {
  if (file.size > limit) {
    throw new RangeError(`${file.name} is ${file.size} bytes, more than the ${limit} bytes this page reads`);
  }
}

async function loadOwn() {
  /** @type {string} */
  let configName;
  /** @type {string} */
  let configText;
  /** @type {Record<string, Uint8Array>} */
  let sources;
  try {
    const configFile = ui.configFile.files?.[0];
    if (!configFile) throw new Error("pick a Config.toml file");
    checkSize(configFile, MAX_CONFIG_BYTES);
    configName = configFile.name;
    configText = await configFile.text();
    const wasm = [...(ui.wasmFiles.files ?? [])];
    if (wasm.length === 0) throw new Error("pick the modules' .wasm files");
    // No prototype: a file named `__proto__.wasm` is a module name like any other.
    /** @type {Record<string, Uint8Array>} */
    sources = Object.create(null);
    for (const file of wasm) {
      if (!file.name.endsWith(".wasm")) throw new Error(`${file.name}: a module file is named <module name>.wasm`);
      checkSize(file, MAX_MODULE_BYTES);
      const name = file.name.slice(0, -".wasm".length);
      if (Object.hasOwn(sources, name)) throw new Error(`${file.name} is picked twice`);
      sources[name] = new Uint8Array(await file.arrayBuffer());
    }
  } catch (error) {
    setStatus("error", "The service could not be loaded.");
    showLoadError(error);
    return;
  }
  await load(configText, configName, async () => sources);
}

/**
 * The response for a bundled module's file, or an error that says where it was looked for.
 * @param {string} name
 * @param {URL} url
 */
async function fetchModule(name, url) {
  const hint = "`npm run serve` builds the examples and serves them at ../../wasm/; `?wasm=<folder URL>` names another folder";
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`module \`${name}\`: cannot fetch ${url}: ${String(error)} (${hint})`);
  }
  if (!response.ok) throw new Error(`module \`${name}\`: ${url} answered HTTP ${response.status} (${hint})`);
  return response;
}

function loadBundled() {
  const bundled = BUNDLED.find((b) => b.id === ui.bundled.value);
  if (!bundled) return;
  const base = new URL(new URLSearchParams(location.search).get("wasm") ?? "../../wasm/", location.href);
  return load(bundled.config, `${bundled.id}/Config.toml`, async () => {
    /** @type {Record<string, Response>} */
    const sources = {};
    for (const name of bundled.modules) {
      sources[name] = await fetchModule(name, new URL(`${encodeURIComponent(name)}.wasm`, base));
    }
    return sources;
  });
}

for (const b of BUNDLED) {
  const option = el("option", b.title);
  option.value = b.id;
  ui.bundled.append(option);
}
const showDescription = () => {
  ui.bundledDescription.textContent = BUNDLED.find((b) => b.id === ui.bundled.value)?.description ?? "";
};
ui.bundled.addEventListener("change", showDescription);
showDescription();
ui.bundledForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void loadBundled();
});
ui.ownForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void loadOwn();
});
ui.function.addEventListener("change", () => selectFunction(ui.function.value));
ui.callForm.addEventListener("submit", (event) => {
  event.preventDefault();
  call();
});
ui.clearLogs.addEventListener("click", () => ui.logs.replaceChildren());

// Load the first bundled example at once unless the page says otherwise (`?autoload=0`).
if (new URLSearchParams(location.search).get("autoload") === "0") {
  setStatus("idle", "No service is loaded: pick an example or your own files.");
} else {
  void loadBundled();
}
