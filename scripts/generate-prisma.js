#!/usr/bin/env node
// Runs `prisma generate` offline. Prisma 7's CLI insists on locating its native
// schema engine before generating, although generation itself does not use it;
// the engine's download host is unreachable here, so we point
// PRISMA_SCHEMA_ENGINE_BINARY at an existing file. Skips when up to date.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const schema = path.join(root, "prisma/schema.prisma");
const marker = path.join(root, "src/generated/prisma/client.ts");
if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs && !process.argv.includes("--force")) {
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
execFileSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "generate"], {
  cwd: root, env, stdio: ["ignore", "ignore", "inherit"],
});
