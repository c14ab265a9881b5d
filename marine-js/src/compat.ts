/**
 * A drop-in for `@fluencelabs/marine-js` 0.13.0's `MarineService`: the same constructor,
 * `init`, `call` on the facade module and `terminate`, so code written for the official
 * package switches by changing one import:
 *
 * ```ts
 * // import { MarineService } from "@fluencelabs/marine-js/MarineService";
 * import { MarineService } from "@marine-native/js/compat";
 * const service = new MarineService(controlModule, "svc", log, config, { greeting: bytes }, {});
 * await service.init();
 * service.call("greeting", ["Marine"], callParams); // "Hi, Marine"
 * ```
 *
 * Differences, all deliberate:
 * - `controlModule` (the official package's compiled `marine-js.wasm`) is accepted and
 *   ignored: the engine here is this package's own, loaded once per realm. Pass anything,
 *   `undefined` included.
 * - Modules need no `interface-types` section (the official runtime requires the one that
 *   `marine build` embeds); interfaces are read from the SDK's JSON sections.
 * - Failures are this package's typed errors ({@link MarineError} subclasses carrying
 *   `module` and `function`, with the native runtime's message text); a call before `init`
 *   or after `terminate` throws {@link ServiceStateError}.
 * - `callParams` may be omitted or partial (missing fields are empty).
 * - The config object is not modified (the official constructor writes the merged
 *   environment into it).
 * - What modules write to stdout/stderr is not passed to `logFunction` (the official runtime
 *   drops it too); `log_utf8_string` records are, as `{ service, message, level }`, with
 *   `service` the name of the module that logged, as in the official runtime (not the
 *   service id, despite the field's name).
 */

import { ArgumentsError, ConfigError, MarineError } from "./errors.js";
import { MarineService as Service } from "./service.js";
import type { CallParameters as OwnCallParameters, LogLevel } from "./service.js";

/** A JSON value, as the official package types it. */
export type JSONValue = string | number | boolean | null | { [x: string]: JSONValue } | JSONValue[];
export type JSONArray = JSONValue[];
export type JSONObject = { [x: string]: JSONValue };

/** Environment variables of a module (the official `Env`, `@wasmer/wasi`'s `WASIEnv`). */
export type Env = { [key: string]: string | undefined };

/** One log record, as the official `LogFunction` receives it. */
export interface LogMessage {
  /** The module that logged. */
  service: string;
  message: string;
  level: LogLevel;
}

/** Receives log records (`log_utf8_string`, filtered by `WASM_LOG` and `logging_mask`). */
export type LogFunction = (message: LogMessage) => void;

/** The official call parameters; here every field is optional. */
export type CallParameters = OwnCallParameters;

/** WASI settings of one module. */
export interface MarineWASIConfig {
  /** Environment variables of the module. */
  envs: Env;
  /** Legacy preopened paths (in-memory directories here). */
  preopened_files?: Set<string> | string[];
  /** Guest alias to host path; each alias is an in-memory directory here. */
  mapped_dirs?: Map<string, string> | Record<string, string>;
}

/** Settings of one module. */
export interface MarineModuleConfig {
  /** Whether the module's `log_utf8_string` records reach the log function. */
  logger_enabled: boolean;
  /** WASI settings. */
  wasi: MarineWASIConfig;
  /** Mask filtering log records by target, see `log_utf8_string`. */
  logging_mask: number;
}

/** A module of the service: its name and settings. */
export interface ModuleDescriptor {
  import_name: string;
  config: MarineModuleConfig;
}

/** The service: its modules in order, the last one the facade. */
export interface MarineServiceConfig {
  modules_config: ModuleDescriptor[];
  /** Settings of a module that has bytes in `modules` but no entry in `modules_config`. */
  default_modules_config?: MarineModuleConfig;
}

/** A call before `init()` finished, or after `terminate()`. */
export class ServiceStateError extends Error {
  constructor(message: "Not initialized" | "Terminated") {
    super(message);
    this.name = "ServiceStateError";
  }
}

/** A Marine service with the official package's API. */
export class MarineService {
  /** Kept for the official signature; the official runtime does not use it either. */
  readonly serviceId: string;
  readonly #logFunction: LogFunction | undefined;
  readonly #config: MarineServiceConfig;
  readonly #modules: { [x: string]: Uint8Array };
  readonly #env: Env;
  #service: Service | undefined;
  #facade = "";
  #terminated = false;

  /**
   * Stores the arguments; nothing is checked or loaded before {@link init}.
   * @param controlModule the official control module: ignored (see the module docs).
   */
  constructor(
    controlModule: unknown,
    serviceId: string,
    logFunction: LogFunction,
    serviceConfig: MarineServiceConfig,
    modules: { [x: string]: Uint8Array },
    env?: Env,
  ) {
    void controlModule;
    this.serviceId = serviceId;
    this.#logFunction = logFunction;
    this.#config = serviceConfig;
    this.#modules = modules;
    this.#env = env ?? {};
  }

  /** Compiles, links and starts the modules. Rejects with a typed error. */
  async init(): Promise<void> {
    const { config, facade } = ownConfig(this.#config, this.#modules, this.#env);
    const log = this.#logFunction;
    const created = await Service.create({
      config,
      configPath: "serviceConfig",
      modules: this.#modules,
      logger:
        typeof log === "function"
          ? (module, level, message) => {
              if (level !== "stdout" && level !== "stderr") log({ service: module, message, level });
            }
          : undefined,
    });
    this.#service?.terminate();
    this.#service = created;
    this.#facade = facade;
    this.#terminated = false;
  }

  /** Releases the service; `call` throws until `init` runs again. */
  terminate(): void {
    this.#service?.terminate();
    this.#service = undefined;
    this.#terminated = true;
  }

  /**
   * Calls `functionName` of the facade module (the last of `modules_config`) with positional
   * (array) or named (object) arguments, and returns its result (`null` for none).
   */
  call(functionName: string, args: JSONArray | JSONObject, callParams?: CallParameters): JSONValue {
    const service = this.#service;
    if (service === undefined) throw new ServiceStateError(this.#terminated ? "Terminated" : "Not initialized");
    const facade = this.#facade;
    const refuse = (why: string, cause?: unknown) => {
      const error = new ArgumentsError(`module \`${facade}\`, function \`${functionName}\`: ${why}`, "Arguments", facade, String(functionName));
      if (cause !== undefined) error.cause = cause;
      return error;
    };
    if (typeof args !== "object" || args === null) throw refuse("the arguments must be an array or an object");
    try {
      return service.call(facade, functionName, args, callParams ?? undefined) as JSONValue;
    } catch (e) {
      // What JSON.stringify refuses (a BigInt, a cycle) is the caller's argument, not a fault
      // of the service.
      if (e instanceof TypeError && /BigInt|circular/i.test(e.message)) throw refuse(`the arguments are not JSON: ${e.message}`, e);
      throw e;
    }
  }
}

function configError(message: string, module: string | null = null): MarineError {
  return new ConfigError(`serviceConfig: ${message}`, "Config", module, null);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Our config object (the `Config.toml` structure) for the official one, and the facade. */
function ownConfig(
  config: MarineServiceConfig,
  modules: { [x: string]: Uint8Array },
  env: Env,
): { config: object; facade: string } {
  if (!isObject(config) || !Array.isArray(config.modules_config)) {
    throw configError("`modules_config` must be an array of { import_name, config }");
  }
  if (config.modules_config.length === 0) throw configError("`modules_config` is empty: there is no facade module");
  if (!isObject(modules)) throw configError("`modules` must be an object of module bytes by name");
  if (!isObject(env)) throw configError("`env` must be an object of strings");
  const entries: object[] = [];
  const named = new Set<string>();
  config.modules_config.forEach((descriptor: unknown, i) => {
    if (!isObject(descriptor) || typeof descriptor.import_name !== "string" || descriptor.import_name === "") {
      throw configError(`modules_config[${i}]: \`import_name\` must be a non-empty string`);
    }
    const name = descriptor.import_name;
    if (named.has(name)) throw configError(`module \`${name}\` is given twice in \`modules_config\``, name);
    named.add(name);
    entries.push(moduleEntry(name, descriptor.config, env, `modules_config[${i}].config`));
  });
  for (const name of Object.keys(modules)) {
    if (named.has(name)) continue;
    if (config.default_modules_config === undefined) {
      throw configError(`module \`${name}\` has bytes but is not in \`modules_config\` (and there is no \`default_modules_config\`)`, name);
    }
    // Dependencies first is the engine's business (it orders loading by imports); these go
    // before the facade so it stays the last module.
    entries.unshift(moduleEntry(name, config.default_modules_config, env, "default_modules_config"));
  }
  const facade = config.modules_config[config.modules_config.length - 1]!.import_name;
  return { config: { modules_dir: ".", module: entries }, facade };
}

function moduleEntry(name: string, settings: unknown, env: Env, where: string): object {
  if (!isObject(settings)) throw configError(`${where}: must be an object`, name);
  const entry: Record<string, unknown> = { name };
  if (settings.logger_enabled !== undefined) entry.logger_enabled = settings.logger_enabled;
  if (settings.logging_mask !== undefined) entry.logging_mask = settings.logging_mask;
  const wasi = settings.wasi === undefined ? {} : settings.wasi;
  if (!isObject(wasi)) throw configError(`${where}.wasi: must be an object`, name);
  const own = wasi.envs === undefined ? {} : wasi.envs;
  if (!isObject(own)) throw configError(`${where}.wasi.envs: must be an object of strings`, name);
  // As the official runtime: logging off unless asked, then the service env, then the
  // module's own.
  const envs: Record<string, string> = { WASM_LOG: "off" };
  for (const [key, value] of [...Object.entries(env), ...Object.entries(own)]) {
    if (value === undefined) continue;
    if (typeof value !== "string") throw configError(`${where}.wasi.envs: \`${key}\` is not a string`, name);
    envs[key] = value;
  }
  const out: Record<string, unknown> = { envs };
  const mapped = wasi.mapped_dirs;
  if (mapped !== undefined) {
    const pairs = mapped instanceof Map ? [...mapped.entries()] : isObject(mapped) ? Object.entries(mapped) : null;
    if (pairs === null) throw configError(`${where}.wasi.mapped_dirs: must be a Map or an object`, name);
    if (pairs.length > 0) out.mapped_dirs = Object.fromEntries(pairs.map(([k, v]) => [String(k), String(v)]));
  }
  const preopened = wasi.preopened_files;
  if (preopened !== undefined) {
    const paths = preopened instanceof Set ? [...preopened] : Array.isArray(preopened) ? preopened : null;
    if (paths === null) throw configError(`${where}.wasi.preopened_files: must be a Set or an array`, name);
    if (paths.length > 0) out.preopened_files = paths.map(String);
  }
  entry.wasi = out;
  return entry;
}
