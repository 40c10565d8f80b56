/**
 * Coverage bench (issue 13): what a check's coverage costs on a long trace.
 * On a generated trace of --events events (default 500k, test/replay/generate.ts),
 * median of --runs runs taking turns:
 *
 *   1. prepare (chains, annotations) and replay under unpatched and patched:
 *      the check without coverage;
 *   2. the coverage: one pass over the prepared trace (src/replay/coverage.ts)
 *      and the explorer on each race's closest window (src/explore/coverage.ts);
 *
 * and their ratio (coverage ÷ prepare + replay): a check of that trace costs
 * that much more (target: a small fraction; it grows with the trace like the
 * replay, the explorer's part does not). With DATABASE_URL, also a cold
 * `checks` of the stored trace through the replay service (read, prepare,
 * replay, coverage, store), verdicts dropped before each run.
 *
 *   npx tsx bench/coverage.ts [--events 500000] [--runs 5]
 *   DATABASE_URL=postgresql://… npx tsx bench/coverage.ts
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { openStore } from "../src/events/pg-store.ts";
import { traceCoverage } from "../src/explore/coverage.ts";
import { checkTrace, prepareTrace } from "../src/replay/check.ts";
import { scanCoverage } from "../src/replay/coverage.ts";
import { createReplayService } from "../src/replay-service.ts";
import { generateTrace } from "../test/replay/generate.ts";

const { values } = parseArgs({ options: { events: { type: "string", default: "500000" }, runs: { type: "string", default: "5" } } });
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const timed = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const x = f();
  return [x, performance.now() - t0];
};

async function main(): Promise<void> {
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`load average ${load()}; ${EVENTS} events, ${RUNS} runs each, median`);
  const events = generateTrace(EVENTS, 7);
  const runs = { prepare: [] as number[], unpatched: [] as number[], patched: [] as number[], scan: [] as number[], coverage: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    const [prepared, tp] = timed(() => prepareTrace(events));
    runs.prepare.push(tp);
    runs.unpatched.push(timed(() => checkTrace(prepared, ["unpatched"]))[1]);
    runs.patched.push(timed(() => checkTrace(prepared, ["patched"]))[1]);
    runs.scan.push(timed(() => scanCoverage(prepared))[1]);
    runs.coverage.push(timed(() => traceCoverage(prepared))[1]);
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, median(xs)])) as Record<keyof typeof runs, number>;
  const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
  console.log(`prepare                      ${ms(m.prepare)}`);
  console.log(`replay under unpatched       ${ms(m.unpatched)}`);
  console.log(`replay under patched         ${ms(m.patched)}`);
  console.log(`coverage: scan alone         ${ms(m.scan)}`);
  console.log(`coverage: scan + explorer    ${ms(m.coverage)}`);
  console.log(`coverage ÷ (prepare + unpatched replay) = ${(m.coverage / (m.prepare + m.unpatched)).toFixed(2)}`);
  console.log(`coverage ÷ (prepare + patched replay)   = ${(m.coverage / (m.prepare + m.patched)).toFixed(2)}`);

  const url = process.env.DATABASE_URL;
  if (url) {
    const store = await openStore({ url });
    try {
      const info = await store.importTrace({ name: `bench-coverage-${EVENTS}`, source: { file: null, hash: null, format: "api" } }, (async function* () {
        for (let i = 0; i < events.length; i += 50_000) yield events.slice(i, i + 50_000);
      })());
      const cold: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        await store.db.pool.query("DELETE FROM verdicts WHERE trace_id = $1", [info.id]);
        const t0 = performance.now();
        await createReplayService(store).checks(info.id, [["patched"]]);
        cold.push(performance.now() - t0);
      }
      console.log(`service checks (patched), cold: ${ms(median(cold))}  (read, prepare, replay, coverage, store); coverage is ${((100 * m.coverage) / median(cold)).toFixed(0)}% of it`);
      await store.deleteTrace(info.id);
    } finally {
      await store.close();
    }
  }
  console.log(`load average ${load()}`);
  console.log(`reproduce: ${url ? "DATABASE_URL=… " : ""}npx tsx bench/coverage.ts --events ${EVENTS} --runs ${RUNS}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
