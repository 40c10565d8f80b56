#!/usr/bin/env node
// racelab CLI. Runs the JavaScript compiled from src/ into dist/cli/ by
// scripts/build-cli.js (npm install's postinstall builds it). When dist/cli is
// missing or one of its inputs (listed in dist/cli/build.json) is newer than
// the build — a checkout, an edit — it is built first, which takes well under
// a second. `serve` also needs the bundled GraphQL IDE and classroom page:
// built (npm run build, which skips what is up to date) when missing.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const dist = new URL("dist/cli/", root);

/** True when dist/cli is missing, unreadable, or older than one of its inputs. */
function stale() {
  let build;
  try {
    build = JSON.parse(readFileSync(new URL("build.json", dist), "utf8"));
  } catch {
    return true;
  }
  for (const input of build.inputs) {
    try {
      if (statSync(new URL(input, root)).mtimeMs > build.builtAt) return true;
    } catch {
      return true; // an input is gone: the sources changed
    }
  }
  return false;
}

function fail(message) {
  process.stderr.write(`racelab: ${message}\n`);
  process.exit(1);
}

if (stale()) {
  const built = spawnSync(process.execPath, [fileURLToPath(new URL("scripts/build-cli.js", root))], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  if (built.status !== 0) {
    const why = (built.stderr || built.error?.message || "").trim().split("\n").pop();
    fail(`building the CLI failed (node scripts/build-cli.js): ${why}`);
  }
}

const served = [new URL("src/generated/ide/index.html", root), new URL("web/dist/index.html", root)];
if (process.argv[2] === "serve" && served.some((f) => !existsSync(f))) {
  process.stderr.write("racelab: building the GraphQL IDE and the classroom page (npm run build)…\n");
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: fileURLToPath(root), stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) fail("npm run build failed; run it to see why");
}

// Stack traces (--debug) name the TypeScript sources.
if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);

// A closed pipe (`racelab events … | head`): the command's next write stops it
// (src/cli/command.ts write), and it closes the database on its way out.
process.stdout.on("error", (err) => {
  if (err.code !== "EPIPE") throw err;
});

const { main } = await import(new URL("main.js", dist).href);
process.exitCode = await main(process.argv.slice(2));
// Exit once output is flushed even if some handle lingers (the database is closed by then).
setTimeout(() => process.exit(), 2000).unref();
