// Host functions for a WorkerService (imported by its worker): `host_callback` calls the
// service back, fails for "fail", and returns a number (the wrong type) for "wrong".

/** @type {import("../../dist/index.js").WorkerHostImports} */
export default (context) => ({
  call_params_caller: {
    host_callback: (/** @type {string} */ arg) => {
      if (arg === "fail") throw new Error("no callbacks today");
      if (arg === "wrong") return 42;
      return `${context.call("call_params", "shout", [arg])}!`;
    },
  },
});
