// The parse thread's file in a source checkout: a worker thread inherits no
// loader, so it registers tsx before loading the TypeScript (compiled builds
// use parse-thread.js instead).
import { register } from "tsx/esm/api";

register();
await import("./parse-thread.ts");
