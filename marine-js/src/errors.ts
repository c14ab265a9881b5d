/**
 * Errors of a Marine service. Every failure of the engine is a {@link MarineError} subclass
 * chosen by its `kind`, carrying the `module` and `function` at fault and the native
 * runtime's message text.
 */

/** What kind of failure a {@link MarineError} is. */
export type ErrorKind =
  | "Config"
  | "Interface"
  | "Link"
  | "Instantiate"
  | "NonUniqueModuleName"
  | "NoSuchModule"
  | "NoSuchFunction"
  | "ModuleInUse"
  | "Arguments"
  | "Abi"
  | "Trap"
  | "UnexpectedResults"
  | "Reentrancy"
  | "MemoryLimit"
  | "Timeout"
  | "Import"
  | "HostFunction";

/** A failure of a Marine service. */
export class MarineError extends Error {
  /** What kind of failure this is. */
  readonly kind: ErrorKind;
  /** The module at fault, if one is. */
  readonly module: string | null;
  /** The function at fault, if one is. */
  readonly function: string | null;

  constructor(message: string, kind: ErrorKind, module: string | null, fn: string | null) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.module = module;
    this.function = fn;
  }
}

/** The service config is invalid (the message gives `file:line:column`). */
export class ConfigError extends MarineError {}
/** A module's interface sections cannot be read, or its bytes are not a module. */
export class InterfaceError extends MarineError {}
/** Modules cannot be linked: a missing module or function, a cycle, a signature mismatch. */
export class LinkError extends MarineError {}
/** A module could not be instantiated or started. */
export class InstantiateError extends MarineError {}
/** A module name is used twice. */
export class NonUniqueModuleNameError extends MarineError {}
/** No such module is loaded. */
export class NoSuchModuleError extends MarineError {}
/** The module has no such function. */
export class NoSuchFunctionError extends MarineError {}
/** The module is imported by another and cannot be unloaded. */
export class ModuleInUseError extends MarineError {}
/** The arguments do not fit the function's signature. */
export class ArgumentsError extends MarineError {}
/** A value could not be moved in or out of a module's memory. */
export class AbiError extends MarineError {}
/** The module trapped (a panic, `unreachable`, an out-of-bounds access). */
export class TrapError extends MarineError {
  /** The guest's panic message, from what it wrote to stderr during the call. */
  panicMessage: string | null = null;
}
/** The export returned something other than its declared result. */
export class UnexpectedResultsError extends MarineError {}
/** A module already on the call stack was called again. */
export class ReentrancyError extends MarineError {}
/** The call failed after a memory growth past the module's limit was refused. */
export class MemoryLimitError extends MarineError {}
/** The call ran past its timeout and was stopped (worker mode); the service was restarted. */
export class TimeoutError extends MarineError {}
/** An import called during the call failed; `cause` holds the callee's error. */
export class ImportError extends MarineError {}
/** A host function failed. */
export class HostFunctionError extends MarineError {}

const classes: Record<ErrorKind, new (...args: ConstructorParameters<typeof MarineError>) => MarineError> = {
  Config: ConfigError,
  Interface: InterfaceError,
  Link: LinkError,
  Instantiate: InstantiateError,
  NonUniqueModuleName: NonUniqueModuleNameError,
  NoSuchModule: NoSuchModuleError,
  NoSuchFunction: NoSuchFunctionError,
  ModuleInUse: ModuleInUseError,
  Arguments: ArgumentsError,
  Abi: AbiError,
  Trap: TrapError,
  UnexpectedResults: UnexpectedResultsError,
  Reentrancy: ReentrancyError,
  MemoryLimit: MemoryLimitError,
  Timeout: TimeoutError,
  Import: ImportError,
  HostFunction: HostFunctionError,
};

/** The typed form of what the engine threw; anything else is returned unchanged. */
export function typed(thrown: unknown): unknown {
  if (!(thrown instanceof Error) || thrown.name !== "MarineError") return thrown;
  const e = thrown as Error & { kind?: string; module?: string | null; function?: string | null };
  const make = classes[e.kind as ErrorKind];
  if (!make) return thrown;
  return new make(e.message, e.kind as ErrorKind, e.module ?? null, e.function ?? null);
}

/** A typed error rebuilt from its parts (as they cross a worker boundary). */
export function fromParts(parts: {
  kind: string | null;
  module: string | null;
  function: string | null;
  message: string;
  panicMessage: string | null;
}): Error {
  const make = parts.kind === null ? undefined : classes[parts.kind as ErrorKind];
  if (!make) return new Error(parts.message);
  const error = new make(parts.message, parts.kind as ErrorKind, parts.module, parts.function);
  if (error instanceof TrapError) error.panicMessage = parts.panicMessage;
  return error;
}
