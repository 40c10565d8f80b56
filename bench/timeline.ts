/**
 * Timeline benchmark (issue 14): how long the classroom page takes to show
 * the first rows of a trace of 10k, 200k and 1M events (target: < 3 s at
 * 200k), in headless Chromium against the real server — the time from
 * opening the page's URL to the first event row drawn. Also: to the
 * verdict (the replay, asked once the rows are in), and to a row in the
 * middle after "go to" (a window fetched on demand). Each figure is the
 * median of --runs page loads, each on a server that finished the previous
 * one's work.
 *
 * The traces are generated `nop`-tracer logs (test/helpers/logs.ts, 88% of
 * lines make an event) imported as `racelab import` does. The page is the
 * built one (web/dist: run `npm run build` first).
 *
 *   npx tsx bench/timeline.ts [--sizes 10000,200000,1000000] [--runs 3] [--keep]
 *   DATABASE_URL=postgres://… npx tsx bench/timeline.ts   (else the embedded database)
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openStore } from "../src/events/pg-store.ts";
import { importFile } from "../src/ftrace/import.ts";
import { createApiDeps } from "../src/resolvers/deps.ts";
import { buildServer } from "../src/server.ts";
import { launchChromium } from "../test/helpers/browser.ts";
import { tracepointLog, writeLog } from "../test/helpers/logs.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,200000,1000000" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const RUNS = Number(values.runs);
const WEB_DIST = fileURLToPath(new URL("../web/dist", import.meta.url));
/** Share of a generated log's lines that make an event (bench/import.ts measures it: 88.1%). */
const EVENTS_PER_LINE = 0.881;

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(path.join(WEB_DIST, "index.html"))) throw new Error("web/dist/index.html is missing: run npm run build first");
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-bench-timeline-"));
  const store = await openStore();
  const made: string[] = [];
  const server = await buildServer(createApiDeps(store), { staticDir: WEB_DIST, log: () => {} });
  const { url } = await server.listen(0, "127.0.0.1");
  const browser = await launchChromium();
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (${os.cpus().length} CPUs); database: ${store.db.kind}`);
  try {
    for (const size of SIZES) {
      const file = path.join(dir, `timeline-${size}.trace`);
      await writeLog(file, tracepointLog(Math.ceil(size / EVENTS_PER_LINE) + 12, 21));
      const t0 = performance.now();
      const { trace } = await importFile(store, file, { name: `bench-timeline-${size}-${Date.now()}` });
      made.push(trace.id);
      rmSync(file);
      console.log(`${fmt(trace.version)} events imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const firstRows: number[] = [];
      const verdicts: number[] = [];
      const jumps: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
        const start = performance.now();
        await page.goto(`${url}/#/timeline/${trace.id}`);
        await page.waitForSelector("[data-testid=timeline] [role=option][data-seq='1']", { timeout: 120_000 });
        firstRows.push(performance.now() - start);
        await page.waitForSelector("[data-testid=verdict]", { timeout: 600_000 });
        verdicts.push(performance.now() - start);
        const middle = Math.floor(trace.version / 2);
        const jump = performance.now();
        await page.getByRole("textbox", { name: "Go to sequence or time" }).fill(String(middle));
        await page.getByRole("textbox", { name: "Go to sequence or time" }).press("Enter");
        await page.waitForSelector(`[data-testid=timeline] [role=option][data-seq='${middle}'][aria-selected=true]`, { timeout: 60_000 });
        jumps.push(performance.now() - jump);
        // Runs apart: what the page asked last (the state at the middle, the rule changes) finishes
        // before the next run, so that no run waits for the previous one's replays.
        await page.waitForLoadState("networkidle", { timeout: 600_000 });
        await page.close();
      }
      const ms = (xs: number[]) => `${fmt(median(xs))} ms (runs: ${xs.map(fmt).join(", ")})`;
      console.log(`  first rows:  ${ms(firstRows)}${size === 200_000 ? "   (target < 3 s)" : ""}`);
      console.log(`  verdict:     ${ms(verdicts)}`);
      console.log(`  go to the middle row: ${ms(jumps)}`);
    }
  } finally {
    await browser.close();
    await server.stop();
    if (!values.keep) for (const id of made) await store.deleteTrace(id);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

await main();
