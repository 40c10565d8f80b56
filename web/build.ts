#!/usr/bin/env -S npx tsx
// Builds the classroom page (issue 8): type-checks web/src, then bundles it
// with Vite into web/dist, which `racelab serve --static web/dist` serves at `/`.
// `npm run build` runs this after the other build steps; it skips when the
// bundle is newer than every input (`--force` rebuilds: `npm run build:web`).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(webDir);
export const WEB_OUT_DIR = path.join(webDir, "dist");
const require = createRequire(import.meta.url);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

function newestInput(): number {
  const own = [fileURLToPath(import.meta.url), ...["index.html", "vite.config.ts", "tsconfig.json"].map((f) => path.join(webDir, f)), ...files(path.join(webDir, "src"))];
  const pkgs = ["vite", "react", "react-dom"].map((p) => require.resolve(`${p}/package.json`));
  return Math.max(...[...own, ...pkgs].map((f) => statSync(f).mtimeMs));
}

function upToDate(): boolean {
  const marker = path.join(WEB_OUT_DIR, "index.html");
  return existsSync(marker) && statSync(marker).mtimeMs >= newestInput();
}

export async function buildWeb(): Promise<void> {
  // Type errors fail the build (Vite itself only strips types).
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(webDir, "tsconfig.json")], { stdio: "inherit", cwd: root });
  const { build } = await import("vite");
  await build({ configFile: path.join(webDir, "vite.config.ts"), mode: "production" });
  // Nothing may point at another host: the page must work with no network.
  for (const f of files(WEB_OUT_DIR)) {
    const text = readFileSync(f, "utf8");
    const external = /(?:src|href)\s*=\s*["'](?:https?:)?\/\//i.exec(text) ?? /@import\s+url\(\s*["']?(?:https?:)?\/\//i.exec(text);
    if (external) throw new Error(`${path.relative(root, f)}: refers to another host (${external[0]})`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes("--force") || !upToDate()) await buildWeb();
  } catch (err) {
    console.error(`build:web: ${(err as Error).message}`);
    process.exit(1);
  }
}
