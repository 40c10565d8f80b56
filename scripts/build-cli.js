#!/usr/bin/env node
// Compiles the racelab CLI (src/cli/main.ts and everything it imports, the
// generated Prisma client included) and the job pool's worker thread
// (src/jobs/worker-thread.ts) and the import's parse thread (src/ftrace/parse-thread.ts)
// into JavaScript in dist/cli/ with esbuild:
// one ES module per command and per shared part (code splitting), so that a
// command loads only what it imports; npm packages stay imports of
// node_modules. Run by npm install (postinstall), npm run build, and
// bin/racelab.js when dist/cli is missing or older than its inputs.
//
// - `import.meta.url` in a source file is rewritten to that source file's own
//   URL, so paths read relative to it (package.json, prisma/migrations, seeds,
//   the .graphql files, the built IDE and page) resolve as they do from src/ —
//   except in the modules of OWN_LOCATION, which look for the build's own
//   files next to them (the job pool: dist/cli/worker-thread.js; the import:
//   dist/cli/parse-thread.js; no tsx).
// - Every file is written under a temporary name and renamed, chunks before
//   the entry and dist/cli/build.json last: processes starting during a build
//   see the old build or the new one, never half of one. build.json lists the
//   inputs and the time the build started; bin/racelab.js compares them.
// - Chunks no longer referenced are removed once an hour old (a long-running
//   `racelab serve` may still import one it loaded the build of).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "dist/cli");
const self = fileURLToPath(import.meta.url);
/** Not inputs of the bundle, but a change to them makes the build stale. */
const EXTRA_INPUTS = ["scripts/build-cli.js", "prisma/schema.prisma"];
const PRUNE_AFTER_MS = 60 * 60 * 1000;
/** Modules whose import.meta.url stays the compiled module's own. */
const OWN_LOCATION = new Set(["src/jobs/runner.ts", "src/ftrace/threaded-pass.ts"]);

/** `import.meta.url` of a source file, seen from a module in dist/cli. */
const ownUrl = {
  name: "own-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, "utf8");
      const source = path.relative(root, args.path).split(path.sep).join("/");
      if (!text.includes("import.meta.url") || OWN_LOCATION.has(source)) return { contents: text, loader: "ts" };
      const rel = path.relative(outdir, args.path).split(path.sep).join("/");
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: "ts" };
    });
  },
};

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

export async function buildCli() {
  const startedAt = Date.now();
  // The Prisma client is part of the bundle: generate it first (skips when up to date).
  execFileSync(process.execPath, [path.join(root, "scripts/generate-prisma.js")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/cli/main.ts", "src/jobs/worker-thread.ts", "src/ftrace/parse-thread.ts"],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outdir,
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "error",
    plugins: [ownUrl],
  });
  fs.mkdirSync(outdir, { recursive: true });
  // Chunks first, the entries (which import them) after.
  const entries = new Set(["main.js", "worker-thread.js", "parse-thread.js"].map((f) => path.join(outdir, f)));
  const files = [...result.outputFiles].sort((a, b) => entries.has(a.path) - entries.has(b.path) || (a.path.endsWith(".map") ? -1 : 1));
  for (const f of files) writeAtomically(f.path, f.contents);
  const inputs = [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS].sort();
  writeAtomically(path.join(outdir, "build.json"), `${JSON.stringify({ builtAt: startedAt, inputs }, null, 1)}\n`);

  const kept = new Set([...result.outputFiles.map((f) => path.basename(f.path)), "build.json"]);
  for (const name of fs.readdirSync(outdir)) {
    const file = path.join(outdir, name);
    if (kept.has(name)) continue;
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > PRUNE_AFTER_MS) fs.rmSync(file, { force: true });
    } catch {
      // removed by a concurrent build
    }
  }
  return { files: result.outputFiles.length, ms: Date.now() - startedAt };
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  buildCli().catch((err) => {
    process.stderr.write(`build-cli: ${err.message}\n`);
    process.exit(1);
  });
}
