/**
 * Worker mode: a service in its own thread (Node `worker_threads`, or a module Worker in a
 * browser), so that a call can be stopped.
 *
 * On the main thread a wasm call cannot be interrupted: JavaScript has no way to stop running
 * wasm short of ending the thread, so a {@link MarineService} call that never returns blocks
 * its thread forever. A {@link WorkerService} runs the service in a worker; a call that passes
 * its timeout ends the worker (the call fails with a {@link TimeoutError}) and a new worker
 * is started from the same config and modules, so the service serves again (with fresh module
 * state, as after a restart). Calls are asynchronous and run one at a time, in order.
 *
 * Functions cannot cross to another thread, so host functions are given as an ES module the
 * worker imports ({@link WorkerServiceOptions.hostImports}); it exports them the way
 * `CreateOptions.hostImports` takes them ({@link WorkerHostImports}), and they are typed and
 * fail as on the main thread. Mounted binaries work in Node, inside the worker.
 */

import { loadEngine, timeoutError } from "./engine.js";
import { ConfigError, fromParts, MarineError, type TimeoutError, typed } from "./errors.js";
import type { CallParameters, HostFunction, LogLevel, ModuleInterface } from "./service.js";
import { bytesOf, type ModuleSource } from "./sources.js";
import type { Reply, Request } from "./worker-protocol.js";

/** How to create a service in a worker. */
export interface WorkerServiceOptions {
  /** The service config: `Config.toml` text, or the same structure as an object. */
  config: string | object;
  /** The name the config's errors give the file (default `Config.toml`). */
  configPath?: string;
  /** Each module's bytes, by the module's name in the config. */
  modules: Record<string, ModuleSource>;
  /** Receives module logs and output. */
  logger?: (module: string, level: LogLevel | "stdout" | "stderr", message: string) => void;
  /** Default timeout of a call in milliseconds (none by default). */
  timeoutMs?: number;
  /**
   * Host functions: the ES module that exports them, which the worker imports (again after
   * each restart). An absolute URL (`new URL("./host.mjs", import.meta.url)`, `file:` or
   * `https:`), an absolute path, or a bare package specifier; a relative specifier (`./`,
   * `../`) is refused, since it would resolve against this package's files. The module's
   * default export is a {@link WorkerHostImports}. A module that cannot be imported, or that
   * exports anything but functions by module and import name, fails the creation with a
   * {@link ConfigError} naming `hostImports`; a missing host function is a `LinkError`, a
   * throwing one fails its call with an `ImportError`, as on the main thread.
   */
  hostImports?: string | URL;
}

/** Host functions by module name, then by import name (as `CreateOptions.hostImports`). */
export type HostImportsTable = Record<string, Record<string, HostFunction>>;

/**
 * What the module given as {@link WorkerServiceOptions.hostImports} exports as its default:
 * the host functions by module name, then by import name, or a function that returns them
 * (possibly asynchronously). The function gets a {@link WorkerHostContext}, with which host
 * functions may call the service back.
 */
export type WorkerHostImports = HostImportsTable | ((context: WorkerHostContext) => HostImportsTable | Promise<HostImportsTable>);

/** What a {@link WorkerHostImports} function gets: the service in the worker, to call back. */
export interface WorkerHostContext {
  /** `MarineService.call` of the service in the worker (usable once it is created). */
  call(
    module: string,
    func: string,
    args?: unknown[] | Record<string, unknown>,
    callParameters?: CallParameters,
  ): unknown;
}

/** `hostImports` as the worker imports it, or a {@link ConfigError} naming the option. */
function hostImportsSpecifier(given: string | URL | undefined): string | undefined {
  if (given === undefined) return undefined;
  const text = String(given);
  if (text.startsWith("./") || text.startsWith("../") || text === "." || text === "..") {
    throw new ConfigError(
      `hostImports \`${text}\`: a relative specifier would resolve against the worker script; give an absolute URL (new URL("${text}", import.meta.url)) or path`,
      "Config",
      null,
      null,
    );
  }
  return text;
}

interface Channel {
  post(message: Request): void;
  terminate(): void;
}

/** Starts the worker script; `onReply` gets its messages, `onExit` its unexpected end. */
async function spawn(onReply: (reply: Reply) => void, onExit: (why: string) => void): Promise<Channel> {
  const script = new URL("./worker.js", import.meta.url);
  if (script.protocol === "file:") {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(script);
    worker.on("message", onReply);
    worker.on("error", (e) => onExit(`the worker failed: ${String(e)}`));
    worker.on("exit", (code) => onExit(`the worker exited with code ${code}`));
    return { post: (m) => worker.postMessage(m), terminate: () => void worker.terminate() };
  }
  const worker = new Worker(script, { type: "module" });
  worker.onmessage = (e: MessageEvent) => onReply(e.data as Reply);
  worker.onerror = (e) => onExit(`the worker failed: ${e.message}`);
  return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
}

/** A Marine service running in a worker thread; see the module documentation. */
export class WorkerService {
  readonly #options: WorkerServiceOptions;
  readonly #modules: Record<string, Uint8Array>;
  readonly #hostImports: string | undefined;
  #channel: Channel | undefined;
  #interface: ModuleInterface[] = [];
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #queue: Promise<unknown> = Promise.resolve();
  #terminated = false;

  private constructor(options: WorkerServiceOptions, modules: Record<string, Uint8Array>, hostImports: string | undefined) {
    this.#options = options;
    this.#modules = modules;
    this.#hostImports = hostImports;
  }

  /** Creates the service in a new worker. */
  static async create(options: WorkerServiceOptions): Promise<WorkerService> {
    const hostImports = hostImportsSpecifier(options.hostImports);
    const modules: Record<string, Uint8Array> = {};
    for (const [name, source] of Object.entries(options.modules)) modules[name] = await bytesOf(source);
    const service = new WorkerService(options, modules, hostImports);
    try {
      await service.#start();
    } catch (e) {
      // A worker whose service could not be created would keep the process alive.
      service.terminate();
      throw e;
    }
    return service;
  }

  async #start(): Promise<void> {
    let channel: Channel | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      void spawn(
        (reply) => {
          if (reply.type === "ready") resolve();
          else this.#reply(reply);
        },
        (why) => {
          reject(new Error(why));
          // A worker that ends by itself (not by a timeout) fails what it was running.
          if (this.#channel === channel) this.#failAll(new MarineError(why, "Instantiate", null, null));
        },
      ).then((c) => {
        channel = c;
        this.#channel = c;
      }, reject);
    });
    await ready;
    this.#interface = (await this.#request(
      {
        type: "create",
        id: 0,
        config: this.#options.config,
        modules: this.#modules,
        ...(this.#options.configPath === undefined ? {} : { configPath: this.#options.configPath }),
        ...(this.#hostImports === undefined ? {} : { hostImports: this.#hostImports }),
      },
      undefined,
    )) as ModuleInterface[];
  }

  #reply(reply: Reply): void {
    if (reply.type === "log") {
      this.#options.logger?.(reply.module, reply.level as LogLevel, reply.message);
      return;
    }
    if (reply.type === "ready") return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.type === "ok") pending.resolve(reply.value);
    else pending.reject(fromParts(reply.error));
  }

  #failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  #request(request: Request, timeout: { ms: number; module: string; function: string } | undefined): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (timeout) {
        timer = setTimeout(() => {
          this.#pending.delete(id);
          const old = this.#channel;
          this.#channel = undefined;
          old?.terminate();
          // The error and its text are the engine's (the native runtime's); the engine is
          // loaded on this thread at the first timeout.
          loadEngine().then(() => reject(typed(timeoutError(timeout.module, timeout.function, timeout.ms)) as TimeoutError), reject);
        }, timeout.ms);
      }
      this.#channel!.post({ ...request, id });
    });
  }

  /**
   * Calls `module.func` (arguments positional or by name); resolves to the result or rejects
   * with a typed {@link MarineError}. A call past its timeout (`timeoutMs`, else the service's)
   * rejects with a {@link TimeoutError}, and the service restarts before the next call.
   * `options.bytes` returns a `Vec<u8>` result as a `Uint8Array`.
   */
  call(
    module: string,
    func: string,
    args: unknown[] | Record<string, unknown> = [],
    callParameters?: CallParameters,
    options: { timeoutMs?: number; bytes?: boolean } = {},
  ): Promise<unknown> {
    const run = async () => {
      if (this.#terminated) throw new MarineError("the service was terminated", "NoSuchModule", null, null);
      if (!this.#channel) await this.#start();
      const ms = options.timeoutMs ?? this.#options.timeoutMs;
      return this.#request(
        {
          type: "call",
          id: 0,
          module,
          function: func,
          args,
          ...(callParameters === undefined ? {} : { callParameters }),
          ...(options.bytes === undefined ? {} : { bytes: options.bytes }),
        },
        ms === undefined ? undefined : { ms, module, function: func },
      );
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** The interface of every module. */
  interface(): ModuleInterface[] {
    return this.#interface;
  }

  /** Ends the worker; later calls fail. */
  terminate(): void {
    this.#terminated = true;
    const channel = this.#channel;
    this.#channel = undefined;
    channel?.terminate();
    this.#failAll(new MarineError("the service was terminated", "NoSuchModule", null, null));
  }
}
