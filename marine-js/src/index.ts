/**
 * Marine services in JavaScript.
 *
 * ```ts
 * import { MarineService } from "@marine-native/js";
 * const service = await MarineService.create({
 *   config: await readFile("Config.toml", "utf8"),
 *   modules: { greeting: await readFile("greeting.wasm") },
 * });
 * service.call("greeting", "greeting", ["Marine"]); // "Hi, Marine"
 * ```
 */

export * from "./errors.js";
export { MarineService } from "./service.js";
export * from "./mounted.js";
export { WorkerService } from "./worker-service.js";
export type { HostImportsTable, WorkerHostContext, WorkerHostImports, WorkerServiceOptions } from "./worker-service.js";
export type {
  CallModuleResult,
  CallOptions,
  CallParameters,
  CreateOptions,
  HostFunction,
  LogLevel,
  Logger,
  ModuleInterface,
  ModuleSource,
  NamedType,
} from "./service.js";

/**
 * The drop-in for `@fluencelabs/marine-js`'s `MarineService` (also the subpath
 * `@marine-native/js/compat`, whose `MarineService` is this one).
 */
export * as compat from "./compat.js";
