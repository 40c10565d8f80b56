#!/usr/bin/env -S npx tsx
// Bundles the GraphiQL IDE (src/ide/) with esbuild into src/generated/ide/:
// main.js + main.css (fonts inlined as data URLs) and monaco's three workers.
// Everything comes from node_modules, so the page loads with no network.
// Skips when the bundle is newer than its sources (`--force` rebuilds).
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const srcDir = path.join(root, "src/ide");
export const IDE_OUT_DIR = path.join(root, "src/generated/ide");
const require = createRequire(import.meta.url);

const WORKERS = {
  "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
  "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
  "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
};

function newestInput(): number {
  const own = [fileURLToPath(import.meta.url), ...readdirSync(srcDir).map((f) => path.join(srcDir, f))];
  const pkgs = ["graphiql", "@graphiql/react", "@graphiql/toolkit", "monaco-editor", "monaco-graphql", "react", "react-dom"].map((p) =>
    require.resolve(`${p}/package.json`),
  );
  return Math.max(...[...own, ...pkgs].map((f) => statSync(f).mtimeMs));
}

function upToDate(): boolean {
  const marker = path.join(IDE_OUT_DIR, "main.js");
  return existsSync(marker) && statSync(marker).mtimeMs >= newestInput();
}

export async function buildIde(): Promise<void> {
  const { build } = await import("esbuild");
  mkdirSync(IDE_OUT_DIR, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: "none" as const,
    logLevel: "warning" as const,
    define: { "process.env.NODE_ENV": '"production"' },
    loader: { ".ttf": "dataurl" as const, ".woff": "dataurl" as const, ".woff2": "dataurl" as const, ".svg": "dataurl" as const },
  };
  await build({
    ...common,
    entryPoints: { main: path.join(srcDir, "main.ts") },
    outdir: IDE_OUT_DIR,
    format: "esm",
    target: "es2022",
    platform: "browser",
  });
  // Classic (iife) workers: `new Worker(url)` without type: "module".
  await build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(WORKERS).map(([name, mod]) => [name, require.resolve(mod)])),
    outdir: IDE_OUT_DIR,
    format: "iife",
    target: "es2022",
    platform: "browser",
  });
  copyFileSync(path.join(srcDir, "index.html"), path.join(IDE_OUT_DIR, "index.html"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--force") || !upToDate()) await buildIde();
}
