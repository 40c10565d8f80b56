// The pool's worker file in a source checkout: a worker thread inherits no
// loader, so it registers tsx before loading the TypeScript (compiled builds
// use worker-thread.js instead).
import { register } from "tsx/esm/api";

register();
const { default: run } = await import("./worker-thread.ts");
export default run;
