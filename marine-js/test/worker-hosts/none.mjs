// Host functions for a WorkerService that lack the one `call_params_caller` imports.

/** @type {import("../../dist/index.js").WorkerHostImports} */
export default { call_params_caller: {} };
