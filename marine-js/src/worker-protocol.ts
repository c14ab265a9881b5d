/** The messages between a {@link WorkerService} and its worker. */

import type { CallParameters } from "./service.js";

/** What the main thread asks. */
export type Request =
  | {
      type: "create";
      id: number;
      config: string | object;
      configPath?: string;
      modules: Record<string, Uint8Array>;
      /** `WorkerServiceOptions.hostImports`, as an absolute URL or a bare specifier. */
      hostImports?: string;
    }
  | {
      type: "call";
      id: number;
      module: string;
      function: string;
      args: unknown[] | Record<string, unknown>;
      callParameters?: CallParameters;
      /** `CallOptions.bytes`: a `Vec<u8>` result as a `Uint8Array`. */
      bytes?: boolean;
    };

/** A typed error, taken apart to cross the thread boundary. */
export interface ErrorParts {
  name: string;
  kind: string | null;
  module: string | null;
  function: string | null;
  message: string;
  panicMessage: string | null;
}

/** What the worker answers. */
export type Reply =
  | { type: "ready"; id: 0 }
  | { type: "ok"; id: number; value: unknown }
  | { type: "error"; id: number; error: ErrorParts }
  | { type: "log"; id: 0; module: string; level: string; message: string };
