#!/usr/bin/env node
// racelab CLI. Runs the TypeScript sources through tsx's ESM loader (no build
// step); generates the Prisma client first when it is missing or older than
// prisma/schema.prisma (scripts/generate-prisma.js, offline). `serve` also
// needs the bundled GraphQL IDE and classroom page: built (npm run build,
// which skips what is up to date) when missing.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const root = new URL("../", import.meta.url);
const client = new URL("src/generated/prisma/client.ts", root);
const schema = new URL("prisma/schema.prisma", root);
if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs) {
  const gen = spawnSync(process.execPath, [fileURLToPath(new URL("scripts/generate-prisma.js", root))], { encoding: "utf8" });
  if (gen.status !== 0) {
    const why = (gen.stderr || gen.error?.message || "").trim().split("\n").pop();
    process.stderr.write(`racelab: generating the Prisma client failed (node scripts/generate-prisma.js): ${why}\n`);
    process.exit(1);
  }
}

const served = [new URL("src/generated/ide/index.html", root), new URL("web/dist/index.html", root)];
if (process.argv[2] === "serve" && served.some((f) => !existsSync(f))) {
  process.stderr.write("racelab: building the GraphQL IDE and the classroom page (npm run build)…\n");
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: fileURLToPath(root), stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) {
    process.stderr.write("racelab: npm run build failed; run it to see why\n");
    process.exit(1);
  }
}

// A closed pipe (`racelab events … | head`): the command's next write stops it
// (src/cli/command.ts write), and it closes the database on its way out.
process.stdout.on("error", (err) => {
  if (err.code !== "EPIPE") throw err;
});

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
// Exit once output is flushed even if some handle lingers (the database is closed by then).
setTimeout(() => process.exit(), 2000).unref();
