/**
 * Worker mode: a service in its own thread (Node `worker_threads`, or a module Worker in a
 * browser), so that a call can be stopped.
 *
 * On the main thread a wasm call cannot be interrupted: JavaScript has no way to stop running
 * wasm short of ending the thread, so a {@link MarineService} call that never returns blocks
 * its thread forever. A {@link WorkerService} runs the service in a worker; a call that passes
 * its timeout ends the worker (the call fails with a {@link TimeoutError}) and a new worker
 * is started from the same config and modules, so the service serves again (with fresh module
 * state, as after a restart). Calls are asynchronous and run one at a time, in order. Host
 * functions cannot cross to another thread, so worker mode has none (mounted binaries work in
 * Node, inside the worker).
 */

import { fromParts, MarineError, TimeoutError } from "./errors.js";
import type { CallParameters, LogLevel, ModuleInterface } from "./service.js";
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
  #channel: Channel | undefined;
  #interface: ModuleInterface[] = [];
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #queue: Promise<unknown> = Promise.resolve();
  #terminated = false;

  private constructor(options: WorkerServiceOptions, modules: Record<string, Uint8Array>) {
    this.#options = options;
    this.#modules = modules;
  }

  /** Creates the service in a new worker. */
  static async create(options: WorkerServiceOptions): Promise<WorkerService> {
    const modules: Record<string, Uint8Array> = {};
    for (const [name, source] of Object.entries(options.modules)) modules[name] = await bytesOf(source);
    const service = new WorkerService(options, modules);
    await service.#start();
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
          reject(
            new TimeoutError(
              `module \`${timeout.module}\`, function \`${timeout.function}\`: interrupted after exceeding the call timeout of ${duration(timeout.ms)}`,
              "Timeout",
              timeout.module,
              timeout.function,
            ),
          );
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

/** A duration as Rust's `Debug` prints it (`2s`, `1.5s`, `250ms`), as the native message does. */
function duration(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
