/**
 * A Marine service in JavaScript: several modules described by one config, linked
 * shared-nothing (each module has its own memory; values cross between modules through the
 * engine, which copies strings and byte arrays from the caller's memory into the callee's and
 * lifts and lowers other values).
 *
 * Modules are compiled with the asynchronous `WebAssembly.compile` (once per module bytes and
 * memory cap in a realm: a later service reuses the compiled module) and instantiated with the
 * platform's `WebAssembly` API; WASI comes from `@bjorn3/browser_wasi_shim`. Everything that
 * knows the Marine ABI runs in the engine, the same Rust code as the native runtime.
 */

import { ConsoleStdout, Directory, File, type Inode, OpenFile, PreopenDirectory, WASI } from "@bjorn3/browser_wasi_shim";

import { compileError, Engine, instantiateError, linkError as engineLinkError, loadEngine } from "./engine.js";
import { mountedBinary, type RunOptions, type SpawnSync } from "./mounted.js";
import { bytesOf } from "./sources.js";
import { ConfigError, InstantiateError, LinkError, MarineError, TrapError, typed } from "./errors.js";

import type { ModuleSource } from "./sources.js";
export type { ModuleSource } from "./sources.js";

/** The level of a log record. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";

/** Receives what modules log (`log_utf8_string`) and write to stdout/stderr. */
export type Logger = (module: string, level: LogLevel | "stdout" | "stderr", message: string) => void;

/** What the caller tells every module of one call (`get_call_parameters`), v3 shape. */
export interface CallParameters {
  particle?: {
    id?: string;
    init_peer_id?: string;
    timestamp?: number;
    ttl?: number;
    script?: string;
    signature?: number[];
    token?: string;
  };
  service_id?: string;
  service_creator_peer_id?: string;
  host_id?: string;
  worker_id?: string;
  tetraplets?: { peer_pk: string; service_id: string; function_name: string; lens: string }[][];
}

/**
 * A host function a module imports (`#[marine] #[host_import] extern` in the guest): called
 * with the arguments as JSON values (records as objects, byte arrays as arrays of numbers),
 * it returns the result as a JSON value, or throws to fail the call.
 */
export type HostFunction = (...args: any[]) => unknown;

/** How to create a service. */
export interface CreateOptions {
  /** The service config: `Config.toml` text, or the same structure as an object. */
  config: string | object;
  /** The name the config's errors give the file (default `Config.toml`). */
  configPath?: string;
  /** Each module's bytes, by the module's name in the config. */
  modules: Record<string, ModuleSource>;
  /** Receives module logs and output (default: none). */
  logger?: Logger;
  /** Host functions by module name, then by import name. */
  hostImports?: Record<string, Record<string, HostFunction>>;
  /** Limits of each mounted binary run (Node only). */
  mountedBinaries?: RunOptions;
  /**
   * Initial contents of the modules' mapped dirs (in-memory directories): by module, then by
   * the dir's alias in the config (`[module.wasi] mapped_dirs`), then by path inside it
   * (`a/b.txt`), the file's bytes or text. Read them back with {@link MarineService.mappedDir}.
   */
  files?: Record<string, Record<string, Record<string, Uint8Array | string>>>;
}

/** An argument or record field: its name and type, as the native runtime prints it. */
export interface NamedType {
  name: string;
  type: string;
}

/**
 * One variant of a `#[marine]` enum (ABI extension, docs/abi-extensions.md): in JSON a unit
 * variant is `"Name"`, a one-field tuple variant `{"Name": value}`, a tuple variant
 * `{"Name": [values]}`, a struct variant `{"Name": {fields}}`.
 */
export interface EnumVariant {
  name: string;
  kind: "unit" | "tuple" | "struct";
  /** Named `0`, `1`, .. for a tuple variant. */
  fields: NamedType[];
}

/**
 * One module's interface. Types are the native runtime's text form: `?T` is `Option<T>`
 * (JSON `null` or the value), `result<T, E>` is `Result<T, E>` (`{"Ok": v}` or `{"Err": e}`),
 * `(A, B)` a tuple (an array).
 */
export interface ModuleInterface {
  name: string;
  functions: { name: string; arguments: NamedType[]; outputs: string[] }[];
  records: { name: string; fields: NamedType[] }[];
  enums: { name: string; variants: EnumVariant[] }[];
}

/** Options of one {@link MarineService.call}. */
export interface CallOptions {
  /**
   * Return a `Vec<u8>` result as a `Uint8Array` of its bytes instead of an array of numbers,
   * without writing it as JSON (for big byte arrays). Results of other types are unchanged.
   */
  bytes?: boolean;
}

/** The seed's result form: the result, or the error's message. */
export interface CallModuleResult {
  result: unknown;
  error: string | null;
}

interface ModuleSettings {
  name: string;
  loggerEnabled: boolean;
  loggingMask: number;
  memLimit: number | null;
  envs: Record<string, string>;
  mappedDirs: Record<string, string>;
  mountedBinaries: Record<string, string>;
}

const HOST_NAMESPACES = new Set([
  "host",
  "__marine_host_api_v1",
  "__marine_host_api_v2",
  "__marine_host_api_v3",
]);

/** An export called from JavaScript, as the engine resolved it. */
interface ResolvedFunction {
  /** The engine's id for it (`Engine.functionId`). */
  id: number;
  /** True when its result comes as the string itself, not JSON (`Engine.resultIsText`). */
  text: boolean;
  /** True when its only argument is a string, which may go as itself (`Engine.takesText`). */
  takesText: boolean;
}

/** One instantiated module: what the service keeps besides the engine's registration. */
interface Loaded {
  instance: WebAssembly.Instance;
  /** The root of each mapped dir, by alias. */
  dirs: Map<string, Directory>;
  /** stderr lines written during the current call (for panic messages). */
  stderr: string[];
}

/** A running Marine service. */
export class MarineService {
  readonly #engine: Engine;
  /**
   * The engine as the modules' imports reach it: weakly, since the engine holds the modules'
   * instances (and so their imports); nothing the engine holds keeps the service or the engine
   * alive, so a service dropped without {@link MarineService.terminate} can be collected.
   */
  readonly #engineRef: WeakRef<Engine>;
  readonly #settings: Map<string, ModuleSettings>;
  readonly #loaded = new Map<string, Loaded>();
  /** `stderrWritten`: true once a module wrote to stderr since the lines were last cleared. */
  readonly #output = { stderrWritten: false };
  /** The functions called so far as the engine resolved them, by module and function name. */
  readonly #functions = new Map<string, Map<string, ResolvedFunction>>();
  /** The function called last, as {@link #functions} holds it (one lookup for repeated calls). */
  #lastFunction: { module: string; func: string; resolved: ResolvedFunction } | undefined;
  readonly #logger: Logger | undefined;
  readonly #options: CreateOptions;
  /** The call parameters last written as JSON: that text, and the shape of its data. */
  #parameters: { json: string; shape: JsonShape } | undefined;
  /** The JSON text of the call parameters registered with the engine. */
  #registeredParameters: string | undefined;
  #spawnSync: SpawnSync | undefined;
  #terminated = false;

  private constructor(engine: Engine, settings: Map<string, ModuleSettings>, options: CreateOptions) {
    this.#engine = engine;
    this.#engineRef = new WeakRef(engine);
    this.#settings = settings;
    this.#logger = options.logger;
    this.#options = options;
    // The engine keeps these: they reach what they need, not the service.
    const loaded = this.#loaded;
    const logger = this.#logger;
    engine.setStderrProbe((module: string) => loaded.get(module)?.stderr.join("\n") ?? "");
    engine.setLogger((module: string, level: LogLevel, message: string) => {
      if (settings.get(module)?.loggerEnabled !== false) logger?.(module, level, message);
    });
  }

  /** Creates a service: reads the config, compiles every module, links and starts them. */
  static async create(options: CreateOptions): Promise<MarineService> {
    await loadEngine();
    const configText = typeof options.config === "string" ? options.config : JSON.stringify(options.config);
    const engine = (() => {
      try {
        return new Engine(configText, options.configPath ?? "Config.toml", typeof options.config !== "string");
      } catch (e) {
        throw typed(e);
      }
    })();
    let service: MarineService | undefined;
    try {
      const described = JSON.parse(engine.configModules()) as { modules: ModuleSettings[] };
      const settings = new Map(described.modules.map((m) => [m.name, m]));
      for (const name of Object.keys(options.modules)) {
        if (!settings.has(name)) {
          throw new ConfigError(`module \`${name}\` is given but not in the config`, "Config", name, null);
        }
      }
      service = new MarineService(engine, settings, options);
      await service.#start(described.modules, options);
      return service;
    } catch (e) {
      // The engine holds the half-made service's instances and callbacks: freed now, not left
      // to a garbage collector that cannot see through them.
      if (service) service.terminate();
      else engine.free();
      throw e;
    }
  }

  /** Reads, compiles, links and starts the modules of a service being created. */
  async #start(modules: ModuleSettings[], options: CreateOptions): Promise<void> {
    const engine = this.#engine;
    const settings = this.#settings;
    if ([...settings.values()].some((m) => Object.keys(m.mountedBinaries).length > 0)) {
      this.#spawnSync = await import("node:child_process").then((m) => m.spawnSync as unknown as SpawnSync, () => undefined);
    }
    const given = new Map<string, Uint8Array>();
    for (const { name } of modules) {
      const source = options.modules[name];
      if (source === undefined) {
        throw new ConfigError(`module \`${name}\` of the config has no bytes in \`modules\``, "Config", name, null);
      }
      const ready = readyBytes(source);
      const bytes =
        ready ??
        (await bytesOf(source).catch((e: unknown) => {
          throw new ConfigError(`module \`${name}\`: cannot read its bytes: ${String(e)}`, "Config", name, null);
        }));
      this.#call(() => engine.addModule(name, bytes));
      given.set(name, bytes);
    }
    // Modules compiled before (the same bytes and memory cap, in this realm) are reused; the
    // others compile at once (the platform compiles off the main thread).
    const compiled = new Map<string, WebAssembly.Module>();
    const compiling: Promise<unknown>[] = [];
    for (const [name, bytes] of given) {
      // The engine returns other bytes when it capped the module's memory at its limit.
      const toCompile = this.#call(() => engine.moduleBytes(name)) ?? bytes;
      const key = this.#call(() => engine.moduleKey(name));
      const cached = cachedModule(key);
      if (cached) {
        compiled.set(name, cached);
      } else {
        compiling.push(compileCached(key, name, toCompile).then((module) => compiled.set(name, module)));
      }
    }
    if (compiling.length > 0) await Promise.all(compiling);
    const order = this.#call(() => engine.loadOrder());
    for (const name of order) {
      const pending = this.#instantiate(name, compiled.get(name)!);
      if (pending) await pending;
    }
  }

  /** Runs an engine call, turning what it throws into typed errors. */
  #call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw typed(e);
    }
  }

  /**
   * Instantiates and starts a module: synchronously where the platform allows it (no task
   * hop), else (a browser's main thread refusing a large module) asynchronously, returning
   * the promise of that.
   */
  #instantiate(name: string, module: WebAssembly.Module): Promise<void> | undefined {
    const engine = this.#engine;
    const settings = this.#settings.get(name)!;
    this.#call(() => engine.linkImports(name));
    const dirs = new Map<string, Directory>();
    for (const alias of Object.keys(settings.mappedDirs)) {
      dirs.set(alias, directoryOf(this.#options.files?.[name]?.[alias] ?? {}));
    }
    const loaded: Loaded = { instance: undefined as unknown as WebAssembly.Instance, dirs, stderr: [] };
    const wasi = moduleWasi(name, settings, loaded, this.#output, this.#logger);
    const imports: WebAssembly.Imports = {};
    for (const imp of importsOf(module)) {
      if (imp.kind !== "function") {
        throw typed(engineLinkError(name, `import \`${imp.module}.${imp.name}\` is a ${imp.kind}, which nothing provides`));
      }
      const namespace = (imports[imp.module] ??= {}) as Record<string, WebAssembly.ImportValue>;
      namespace[imp.name] = this.#importFunction(name, imp.module, imp.name, wasi);
    }
    const failed = (e: unknown) =>
      typed(instantiateError(name, String(e))) as InstantiateError;
    const started = (instance: WebAssembly.Instance) => {
      loaded.instance = instance;
      start(name, wasi, instance);
      this.#call(() => engine.register(name, instance.exports));
      this.#loaded.set(name, loaded);
    };
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (e) {
      // A browser's main thread may refuse to instantiate a large module synchronously.
      if (!(e instanceof RangeError)) throw failed(e);
      return WebAssembly.instantiate(module, imports).then(started, (e: unknown) => {
        throw failed(e);
      });
    }
    started(instance);
    return undefined;
  }

  #importFunction(module: string, namespace: string, field: string, wasi: WASI): (...args: unknown[]) => unknown {
    const ref = this.#engineRef;
    if (namespace === "wasi_snapshot_preview1") {
      const f = wasi.wasiImport[field];
      if (!f) throw linkError(module, namespace, field, "WASI preview 1 has no such function");
      return f;
    }
    if (HOST_NAMESPACES.has(namespace)) {
      if (field === "log_utf8_string") {
        return (level, target, ptr, len) =>
          live(ref).hostLog(module, level as number, target as number, ptr as number, len as number);
      }
      if (field === "get_call_parameters") return () => live(ref).hostCallParameters(module, namespace);
      const own = this.#options.hostImports?.[module]?.[field];
      const binary = this.#settings.get(module)?.mountedBinaries[field];
      const handler: ((args: unknown[]) => unknown) | undefined = own
        ? (args) => own(...args)
        : binary !== undefined
          ? mountedBinary(binary, this.#spawnSync, this.#options.mountedBinaries)
          : undefined;
      if (!handler) {
        throw linkError(module, namespace, field, "no host function or mounted binary of that name is given");
      }
      const bridge = (argsJson: string): string | undefined => {
        const result = handler(JSON.parse(argsJson) as unknown[]);
        return result === undefined ? undefined : JSON.stringify(result);
      };
      return (...args: unknown[]) => live(ref).callHost(module, namespace, field, args, bridge);
    }
    // Resolved once here (the engine keeps the import's signature under an id), so a call
    // passes no names; up to four `i32` parameters go as numbers, without an array.
    const id = this.#engine.importId(module, namespace, field);
    if (id === undefined) return (...args: unknown[]) => live(ref).callImport(module, namespace, field, args);
    if (this.#engine.importArity(id) >= 0) {
      return (a: unknown, b: unknown, c: unknown, d: unknown) =>
        live(ref).callImport4(id, a as number, b as number, c as number, d as number);
    }
    return (...args: unknown[]) => live(ref).callImportWith(id, args);
  }

  /** `module.func` as the engine resolved it (once; thrown errors as from a call). */
  #function(module: string, func: string): ResolvedFunction {
    const last = this.#lastFunction;
    if (last !== undefined && last.module === module && last.func === func) return last.resolved;
    let functions = this.#functions.get(module);
    if (functions === undefined) {
      functions = new Map();
      this.#functions.set(module, functions);
    }
    let resolved = functions.get(func);
    if (resolved === undefined) {
      const id = this.#engine.functionId(module, func);
      resolved = { id, text: this.#engine.resultIsText(id), takesText: this.#engine.takesText(id) };
      functions.set(func, resolved);
    }
    this.#lastFunction = { module, func, resolved };
    return resolved;
  }

  /**
   * Calls `module.func` with arguments given positionally (an array) or by name (an object),
   * and returns the result (`null` for a function without one). A `Vec<u8>` argument may be
   * given as a `Uint8Array` (positionally, at the top level), whose bytes then skip JSON;
   * `options.bytes` does the same for a `Vec<u8>` result. Throws a typed
   * {@link MarineError}.
   */
  call(
    module: string,
    func: string,
    args: unknown[] | Record<string, unknown> = [],
    callParameters?: CallParameters,
    options?: CallOptions,
  ): unknown {
    this.#alive();
    if (this.#output.stderrWritten) {
      this.#output.stderrWritten = false;
      for (const l of this.#loaded.values()) l.stderr.length = 0;
    }
    try {
      const { id, text, takesText } = this.#function(module, func);
      const parameters = callParameters === undefined ? undefined : this.#parametersArg(callParameters);
      const bytesOut = options?.bytes === true;
      // The one string argument of a function taking only that goes as itself, no JSON.
      const one: unknown = Array.isArray(args) && args.length === 1 ? args[0] : undefined;
      let out: unknown;
      if (takesText && typeof one === "string" && isWellFormed(one)) {
        // The engine returns its error rather than throwing it (a lighter call).
        out = this.#engine.callText(id, one, parameters, bytesOut);
        if (out instanceof Error) throw out;
      } else {
        out = this.#callJson(id, args, parameters, bytesOut);
      }
      // A string result comes as the string itself, anything else as JSON text (or bytes).
      return typeof out === "string" && !text ? JSON.parse(out) : out;
    } catch (e) {
      const error = typed(e);
      if (error instanceof TrapError) {
        const culprit = this.#loaded.get(error.module || module);
        error.panicMessage = panicMessage(culprit?.stderr ?? []);
      }
      throw error;
    }
  }

  /**
   * What the engine's call takes for `given` call parameters: an empty text for the ones
   * registered with the engine (`Engine.setCallParameters`, called when they change), so
   * their text crosses into the engine and is parsed once, not on every call.
   */
  #parametersArg(given: CallParameters): string | undefined {
    const json = this.#parametersJson(given);
    // `undefined` for what JSON cannot write (a function): left to the engine, as before.
    if (typeof json !== "string") return json;
    if (json !== this.#registeredParameters) {
      this.#engine.setCallParameters(json);
      this.#registeredParameters = json;
    }
    return "";
  }

  /**
   * The JSON text of `given` call parameters: the last text again when `given` holds the same
   * JSON data now (a caller may pass another object, or mutate the same one, on every call:
   * its contents are compared, not its identity), else `JSON.stringify(given)`.
   */
  #parametersJson(given: CallParameters): string {
    const last = this.#parameters;
    if (last !== undefined && sameJson(last.shape, given)) return last.json;
    const json = JSON.stringify(given);
    // `undefined` for what JSON cannot write (a function): left to the engine, as before.
    if (typeof json === "string") this.#parameters = { json, shape: jsonShape(JSON.parse(json)) };
    return json;
  }

  /**
   * The engine's call of the function `id` with the arguments as JSON, but for each
   * `Uint8Array` given positionally, whose bytes go as they are.
   */
  #callJson(id: number, args: unknown[] | Record<string, unknown>, parameters: string | undefined, bytesOut: boolean): unknown {
    let jsonArgs = args;
    let byteArgs: (Uint8Array | undefined)[] | undefined;
    let first = -1;
    if (Array.isArray(args)) {
      for (let i = 0; i < args.length; i++) {
        const arg: unknown = args[i];
        if (!(arg instanceof Uint8Array)) continue;
        if (first < 0) {
          first = i;
          jsonArgs = args.slice();
        } else {
          byteArgs ??= new Array<Uint8Array | undefined>(args.length);
        }
        (jsonArgs as unknown[])[i] = null;
      }
      if (byteArgs !== undefined) {
        for (let i = first; i < args.length; i++) {
          const arg: unknown = args[i];
          if (arg instanceof Uint8Array) byteArgs[i] = arg;
        }
      }
    }
    const json = JSON.stringify(jsonArgs);
    if (first < 0) {
      // No bytes apart: the engine returns its error rather than throwing it (a lighter call).
      const out: unknown = this.#engine.callJson(id, json, parameters, bytesOut);
      if (out instanceof Error) throw out;
      return out;
    }
    // One `Uint8Array` argument (the common case) goes on its own, without an array.
    return byteArgs === undefined
      ? this.#engine.callFunctionBytes(id, json, first, (args as unknown[])[first] as Uint8Array, parameters, bytesOut)
      : this.#engine.callFunction(id, json, byteArgs, parameters, bytesOut);
  }

  /**
   * The seed's form: `argsJson` is the JSON text of the arguments; the answer is
   * `{ result, error }` with the result, or the error's message, never a throw.
   */
  call_module(module: string, func: string, argsJson: string): CallModuleResult {
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch (e) {
      return { result: null, error: `the arguments are not valid JSON: ${(e as Error).message}` };
    }
    try {
      return { result: this.call(module, func, args as unknown[]), error: null };
    } catch (e) {
      return { result: null, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The interface of every module: functions with their argument and result types, records. */
  interface(): ModuleInterface[] {
    this.#alive();
    return JSON.parse(this.#engine.interface()) as ModuleInterface[];
  }

  /** The memory size of each module, in bytes. */
  memoryStats(): { module: string; memoryBytes: number }[] {
    this.#alive();
    return [...this.#loaded].map(([module, l]) => ({
      module,
      memoryBytes: (l.instance.exports.memory as WebAssembly.Memory).buffer.byteLength,
    }));
  }

  /**
   * The files of a module's mapped dir (`alias` as in the config) as they are now: by path
   * inside the dir (`a/b.txt`), each file's bytes.
   */
  mappedDir(module: string, alias: string): Record<string, Uint8Array> {
    this.#alive();
    const dir = this.#loaded.get(module)?.dirs.get(alias);
    if (!dir) {
      throw new MarineError(`module \`${module}\` has no mapped dir \`${alias}\``, "NoSuchModule", module, null);
    }
    const files: Record<string, Uint8Array> = {};
    const walk = (d: Directory, prefix: string) => {
      for (const [name, inode] of d.contents) {
        if (inode instanceof File) files[prefix + name] = inode.data;
        else if (inode instanceof Directory) walk(inode, `${prefix}${name}/`);
      }
    };
    walk(dir, "");
    return files;
  }

  /**
   * Loads one more module into the running service: its interface is read, its imports are
   * linked against the loaded modules (with the same checks as at creation) and it is
   * started. A module the config does not list gets the defaults (logger on, no limits, no
   * WASI settings).
   */
  async load(module: string, source: ModuleSource): Promise<void> {
    this.#alive();
    const bytes = await bytesOf(source);
    this.#functions.delete(module);
    this.#lastFunction = undefined;
    this.#call(() => this.#engine.addModule(module, bytes));
    try {
      this.#settings.set(module, this.#settings.get(module) ?? defaultSettings(module));
      const toCompile = this.#call(() => this.#engine.moduleBytes(module)) ?? bytes;
      const key = this.#call(() => this.#engine.moduleKey(module));
      await this.#instantiate(module, cachedModule(key) ?? (await compileCached(key, module, toCompile)));
    } catch (e) {
      // Leave no half-loaded module behind.
      this.#loaded.delete(module);
      try {
        this.#engine.unload(module);
      } catch {
        // Nothing was registered past the failed step.
      }
      throw e;
    }
  }

  /** Unloads a module; refused while another module imports from it. */
  unload(module: string): void {
    this.#alive();
    this.#call(() => this.#engine.unload(module));
    this.#loaded.delete(module);
    this.#functions.delete(module);
    this.#lastFunction = undefined;
  }

  /**
   * For debugging: the engine's tables of ids (each export called so far, and each module
   * import linked): how many ids are `live` and how many `slots` each table holds. Unloading
   * a module frees its ids for reuse, so `slots` stays at the most ids live at once, however
   * often modules are loaded again.
   */
  idStats(): { functions: { live: number; slots: number }; imports: { live: number; slots: number } } {
    this.#alive();
    return JSON.parse(this.#engine.idStats()) as ReturnType<MarineService["idStats"]>;
  }

  /** Releases the service; later calls throw. */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#loaded.clear();
    this.#engine.free();
  }

  #alive(): void {
    if (this.#terminated) throw new MarineError("the service was terminated", "NoSuchModule", null, null);
  }
}

/**
 * The WASI of module `name`: its envs, stdout and stderr (to the logger; stderr lines kept in
 * `loaded` for panic messages) and mapped dirs. Made here, outside the service's methods, so
 * that its closures (which the module's instance keeps, and the engine keeps the instance)
 * reach only what they use, never the service.
 */
function moduleWasi(
  name: string,
  settings: ModuleSettings,
  loaded: Loaded,
  output: { stderrWritten: boolean },
  log: Logger | undefined,
): WASI {
  return new WASI(
    [name],
    Object.entries(settings.envs).map(([k, v]) => `${k}=${v}`),
    [
      new OpenFile(new File([])),
      ConsoleStdout.lineBuffered((line) => log?.(name, "stdout", line)),
      ConsoleStdout.lineBuffered((line) => {
        loaded.stderr.push(line);
        output.stderrWritten = true;
        if (loaded.stderr.length > 64) loaded.stderr.shift();
        log?.(name, "stderr", line);
      }),
      ...[...loaded.dirs].map(([alias, dir]) => {
        const preopen = new PreopenDirectory(alias, new Map());
        preopen.dir = dir;
        return preopen;
      }),
    ],
  );
}

/**
 * JSON data as {@link sameJson} compares it: a primitive, an array's items, or an object's
 * keys (in JSON's order) and values.
 */
type JsonShape = string | number | boolean | null | { items: JsonShape[] } | { keys: string[]; values: JsonShape[] };

/** The shape of `value`, a parse of JSON text (so plain data). */
function jsonShape(value: unknown): JsonShape {
  if (value === null || typeof value !== "object") return value as JsonShape;
  if (Array.isArray(value)) return { items: value.map(jsonShape) };
  const keys = Object.keys(value);
  return { keys, values: keys.map((key) => jsonShape((value as Record<string, unknown>)[key])) };
}

/**
 * True when `JSON.stringify(given)` would write the JSON data of `known`: the same
 * primitives, the same items, and for a plain object (its prototype `Object.prototype`) the
 * same enumerable keys in the same order (`for...in` and JSON both follow the own keys'
 * order then). Anything JSON writes in another form than it is (a `toJSON`, an `undefined`
 * or function field, a hole, another prototype) answers false, so the caller writes `given`
 * again: false is always safe.
 */
function sameJson(known: JsonShape, given: unknown): boolean {
  if (known === null || typeof known !== "object") return known === given;
  if (typeof given !== "object" || given === null) return false;
  if ("items" in known) {
    const items = known.items;
    if (!Array.isArray(given) || given.length !== items.length || typeof (given as { toJSON?: unknown }).toJSON === "function") return false;
    for (let i = 0; i < items.length; i++) if (!sameJson(items[i]!, (given as unknown[])[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(given) !== Object.prototype) return false;
  const { keys, values } = known;
  const fields = given as Record<string, unknown>;
  let i = 0;
  for (const key in fields) {
    if (key !== keys[i] || !sameJson(values[i]!, fields[key])) return false;
    i++;
  }
  return i === keys.length && typeof fields.toJSON !== "function";
}

/**
 * True when `text` has no lone surrogate, so it reaches the engine as the same text (the
 * engine's UTF-8 would replace one, where the JSON path refuses it); false where the
 * platform cannot tell (`String.prototype.isWellFormed`, ES2024), so the JSON path decides.
 */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed?(): boolean }).isWellFormed?.() === true;
}

/**
 * The engine of a module's import (held weakly, see `MarineService.#engineRef`). Its modules
 * run only within a call of the service, which holds the engine, so it is there.
 */
function live(ref: WeakRef<Engine>): Engine {
  const engine = ref.deref();
  if (engine === undefined) throw new Error("the service of this module was garbage-collected");
  return engine;
}

/** The settings of a module the config does not list. */
function defaultSettings(name: string): ModuleSettings {
  return {
    name,
    loggerEnabled: true,
    loggingMask: 0x7fffffff,
    memLimit: null,
    envs: {},
    mappedDirs: {},
    mountedBinaries: {},
  };
}

/** An in-memory directory holding `files` (paths inside it, `/`-separated). */
function directoryOf(files: Record<string, Uint8Array | string>): Directory {
  type Tree = Map<string, Tree | Uint8Array>;
  const root: Tree = new Map();
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0 || parts.includes("..")) {
      throw new ConfigError(`mapped dir file \`${path}\`: not a path inside the dir`, "Config", null, null);
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      const next = dir.get(part) ?? new Map();
      if (!(next instanceof Map)) {
        throw new ConfigError(`mapped dir file \`${path}\`: \`${part}\` is a file`, "Config", null, null);
      }
      dir.set(part, next);
      dir = next;
    }
    dir.set(parts[parts.length - 1]!, typeof content === "string" ? new TextEncoder().encode(content) : content);
  }
  // Built bottom-up: a Directory links the directories it is given to itself as their parent.
  const build = (tree: Tree): Directory =>
    new Directory(
      new Map([...tree].map(([name, node]): [string, Inode] => [name, node instanceof Map ? build(node) : new File(node)])),
    );
  return build(root);
}

function linkError(module: string, namespace: string, field: string, why: string): LinkError {
  return typed(engineLinkError(module, `import \`${namespace}.${field}\`: ${why}`)) as LinkError;
}

/** The most compiled modules kept for reuse. */
const MAX_COMPILED_MODULES = 32;

/**
 * Compiled modules by the engine's key for their bytes (`Engine.moduleKey`: the same bytes
 * and memory cap give the same key in this realm), the most recently used last.
 */
const compiledModules = new Map<string, WebAssembly.Module>();

/** The compiled module kept under `key`, made the most recently used. */
function cachedModule(key: string): WebAssembly.Module | undefined {
  const module = compiledModules.get(key);
  if (module) {
    compiledModules.delete(key);
    compiledModules.set(key, module);
  }
  return module;
}

/** Each compiled module's imports, read once. */
const moduleImports = new WeakMap<WebAssembly.Module, WebAssembly.ModuleImportDescriptor[]>();

function importsOf(module: WebAssembly.Module): WebAssembly.ModuleImportDescriptor[] {
  let imports = moduleImports.get(module);
  if (!imports) {
    imports = WebAssembly.Module.imports(module);
    moduleImports.set(module, imports);
  }
  return imports;
}

/** Compiles `bytes` and keeps the module under `key` (evicting the oldest past the bound). */
async function compileCached(key: string, name: string, bytes: Uint8Array): Promise<WebAssembly.Module> {
  const module = await compile(name, bytes);
  compiledModules.delete(key);
  compiledModules.set(key, module);
  while (compiledModules.size > MAX_COMPILED_MODULES) {
    compiledModules.delete(compiledModules.keys().next().value!);
  }
  return module;
}

/** The bytes of a source that needs no reading (bytes given as such), else `undefined`. */
function readyBytes(source: ModuleSource): Uint8Array | undefined {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return undefined;
}

async function compile(name: string, bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw typed(compileError(name, String(e)));
  }
}

/**
 * Runs `_initialize`, then `_start`, whichever the module has, as the native runtime does;
 * `proc_exit(0)` is a normal end of start-up.
 */
function start(name: string, wasi: WASI, instance: WebAssembly.Instance): void {
  const exports = instance.exports as Record<string, unknown>;
  try {
    wasi.inst = instance as never;
    if (typeof exports._initialize === "function") wasi.initialize(instance as never);
    if (typeof exports._start === "function") {
      const code = wasi.start(instance as never);
      if (code !== 0) throw new Error(`exited with code ${code}`);
    }
  } catch (e) {
    throw typed(instantiateError(name, `start-up failed: ${String(e)}`));
  }
}

/** The guest's panic message among stderr lines (`panicked at <file:line:col>:` and after). */
function panicMessage(stderr: string[]): string | null {
  const at = stderr.findIndex((line) => line.includes("panicked at "));
  if (at < 0) return null;
  const first = stderr[at]!;
  const rest = stderr.slice(at + 1);
  const note = rest.findIndex((line) => line.startsWith("note: run with `RUST_BACKTRACE"));
  return [first.slice(first.indexOf("panicked at ")), ...(note < 0 ? rest : rest.slice(0, note))].join("\n");
}
