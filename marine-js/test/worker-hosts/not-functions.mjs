// Host "functions" for a WorkerService that are not functions: refused when the worker loads them.

export default { call_params_caller: { host_callback: "not a function" } };
