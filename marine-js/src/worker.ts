/**
 * The script a {@link WorkerService} runs in its worker (Node `worker_threads` or a browser
 * module Worker): one {@link MarineService}, driven by messages.
 */

import { MarineService, type CreateOptions, type LogLevel } from "./service.js";
import { ConfigError, MarineError, TrapError } from "./errors.js";
import type { Reply, Request } from "./worker-protocol.js";
import type { HostImportsTable, WorkerHostImports } from "./worker-service.js";

interface Port {
  postMessage(message: Reply): void;
  on(listener: (message: Request) => void): void;
}

async function port(): Promise<Port> {
  const scope = globalThis as unknown as {
    postMessage?: (m: unknown) => void;
    addEventListener?: (type: string, f: (e: MessageEvent) => void) => void;
    WorkerGlobalScope?: unknown;
  };
  if (scope.WorkerGlobalScope !== undefined && scope.postMessage && scope.addEventListener) {
    return {
      postMessage: (m) => scope.postMessage!(m),
      on: (f) => scope.addEventListener!("message", (e) => f(e.data as Request)),
    };
  }
  const { parentPort } = await import("node:worker_threads");
  if (!parentPort) throw new Error("worker.js runs only as a worker");
  return { postMessage: (m) => parentPort.postMessage(m), on: (f) => parentPort.on("message", f) };
}

function describe(e: unknown): Reply & { type: "error" } {
  if (e instanceof MarineError) {
    return {
      type: "error",
      id: 0,
      error: {
        name: e.name,
        kind: e.kind,
        module: e.module,
        function: e.function,
        message: e.message,
        panicMessage: e instanceof TrapError ? e.panicMessage : null,
      },
    };
  }
  return { type: "error", id: 0, error: { name: "Error", kind: null, module: null, function: null, message: String(e), panicMessage: null } };
}

function hostImportsError(specifier: string, what: string): ConfigError {
  return new ConfigError(`hostImports \`${specifier}\`: ${what}`, "Config", null, null);
}

/** The host functions the module `specifier` exports, checked: functions by module and import. */
async function loadHostImports(specifier: string): Promise<HostImportsTable> {
  let exported: { default?: unknown };
  try {
    exported = (await import(specifier)) as { default?: unknown };
  } catch (e) {
    throw hostImportsError(specifier, `the module cannot be imported: ${String(e)}`);
  }
  if (exported.default === undefined) throw hostImportsError(specifier, "the module has no default export");
  let table: unknown = exported.default;
  if (typeof table === "function") {
    const context = {
      call: (...args: Parameters<MarineService["call"]>) => {
        if (!service) throw new MarineError("the service is not created yet", "NoSuchModule", args[0], args[1]);
        return service.call(...args);
      },
    };
    try {
      table = await (table as Exclude<WorkerHostImports, HostImportsTable>)(context);
    } catch (e) {
      throw hostImportsError(specifier, `the default export failed: ${String(e)}`);
    }
  }
  if (typeof table !== "object" || table === null) {
    throw hostImportsError(specifier, `the default export is ${table === null ? "null" : typeof table}, not host functions by module name`);
  }
  for (const [module, functions] of Object.entries(table)) {
    if (typeof functions !== "object" || functions === null) {
      throw hostImportsError(specifier, `\`${module}\` is not an object of host functions`);
    }
    for (const [name, f] of Object.entries(functions)) {
      if (typeof f !== "function") throw hostImportsError(specifier, `\`${module}.${name}\` is a ${typeof f}, not a function`);
    }
  }
  return table as HostImportsTable;
}

const parent = await port();
let service: MarineService | undefined;
parent.on(async (request) => {
  try {
    switch (request.type) {
      case "create": {
        const options: CreateOptions = {
          config: request.config,
          modules: request.modules,
          logger: (module: string, level: LogLevel | "stdout" | "stderr", message: string) =>
            parent.postMessage({ type: "log", id: 0, module, level, message }),
          ...(request.configPath === undefined ? {} : { configPath: request.configPath }),
          ...(request.hostImports === undefined ? {} : { hostImports: await loadHostImports(request.hostImports) }),
        };
        service = await MarineService.create(options);
        parent.postMessage({ type: "ok", id: request.id, value: service.interface() });
        break;
      }
      case "call": {
        if (!service) throw new Error("the service is not created");
        const value = service.call(request.module, request.function, request.args, request.callParameters, {
          bytes: request.bytes === true,
        });
        parent.postMessage({ type: "ok", id: request.id, value });
        break;
      }
    }
  } catch (e) {
    parent.postMessage({ ...describe(e), id: request.id });
  }
});
parent.postMessage({ type: "ready", id: 0 });
