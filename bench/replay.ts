/**
 * Replay bench: fold rate on a 1M-event trace; the time to build the
 * snapshots of a freshly stored trace (what the first stateAt waits for) and
 * their size; state-at latency (p50, p95) at random positions on 10k- and
 * 1M-event traces through the store, with their ratio (target ≤ 1.5: the
 * cost must not grow with the trace).
 *
 *   DATABASE_URL=postgresql://… npx tsx bench/replay.ts [--events 1000000] [--every 256,512] [--samples 200] [--removals 0.0005]
 *
 * --removals sets how often a deletion or relocation starts (share of the
 * generator's decisions): it decides how many block groups (tombstones
 * included) the state holds at the end, which is what a snapshot restore costs.
 *
 * Without DATABASE_URL it uses the embedded PostgreSQL in a temporary
 * directory. The traces come from test/replay/generate.ts (kernel-like mix:
 * mostly extent reservations and commits, with deletions, relocations,
 * trims, scrubs and writeouts by competing tasks).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../src/events/pg-store.ts";
import type { RaceEvent } from "../src/events/types.ts";
import { prepareTrace, runEngine } from "../src/replay/check.ts";
import { createReplayService } from "../src/replay-service.ts";
import { resolveRules } from "../src/rules/index.ts";
import { generateTrace } from "../test/replay/generate.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    every: { type: "string", default: "256" },
    samples: { type: "string", default: "200" },
    removals: { type: "string", default: "0.0005" },
  },
});
const BIG = Number(values.events);
const SMALL = 10_000;
const EVERY = String(values.every).split(",").map(Number);
const SAMPLES = Number(values.samples);
const REMOVALS = Number(values.removals);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

/** Fold rate of the engine alone (no store), per rule set. */
function foldRate(big: readonly RaceEvent[]): void {
  let t0 = performance.now();
  const prepared = prepareTrace(big);
  const prepSecs = (performance.now() - t0) / 1000;
  console.log(`prepare (chains, annotations): ${(big.length / prepSecs / 1000).toFixed(0)}k events/s`);
  for (const rules of ["unpatched", "patched"]) {
    runEngine(prepared, resolveRules([rules])); // warm-up
    t0 = performance.now();
    const eng = runEngine(prepared, resolveRules([rules]));
    const secs = (performance.now() - t0) / 1000;
    // after the first effect the replay stops: count only what was processed before
    const done = eng.stopped ? eng.findings.find((f) => f.effect !== "invariant")!.seq : big.length;
    console.log(
      `fold ${rules.padEnd(9)}: ${(done / secs / 1000).toFixed(0)}k events/s (${done} events in ${secs.toFixed(2)} s; ${eng.fs.blockGroups.size} block groups, ${eng.findings.length} findings${eng.stopped ? `, stopped at the first effect (seq ${done})` : ""})`,
    );
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || null;
  const dataDir = url ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "racelab-bench-"));
  const store = await openStore({ url, dataDir, migrate: true });
  console.log(`database: ${url ? "server (DATABASE_URL)" : `embedded (${dataDir})`}; load average ${os.loadavg()[0]!.toFixed(2)}`);
  const stored: string[] = [];
  try {
    // ---- fold rate ---------------------------------------------------------
    const t0 = performance.now();
    const big = generateTrace(BIG, 1, { removals: REMOVALS });
    console.log(`generated ${big.length} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    foldRate(big);

    // ---- state-at through the store ----------------------------------------
    const store1 = async (name: string, events: readonly RaceEvent[]) => {
      const t1 = performance.now();
      const info = await store.importTrace({ name, source: { file: null, hash: null, format: "api" } }, (async function* () {
        for (let i = 0; i < events.length; i += 50_000) yield events.slice(i, i + 50_000);
      })());
      console.log(`stored ${name}: ${events.length} events in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      stored.push(info.id);
      return info;
    };
    // the generated events are dropped once stored: the latencies below are the service's alone
    const traces = [
      { label: "10k", info: await store1(`bench-${SMALL}`, big.slice(0, SMALL)) },
      { label: `${BIG / 1000}k`, info: await store1(`bench-${BIG}`, big.splice(0)) },
    ];
    for (const every of EVERY) {
      const service = createReplayService(store, { every });
      const p50s: number[] = [];
      for (const { label, info } of traces) {
        let t1 = performance.now();
        const n = await service.ensureSnapshots(info.id, ["patched"]);
        const build = (performance.now() - t1) / 1000;
        const { rows } = await store.db.pool.query<{ rules: string; n: string; mb: number }>(
          "SELECT rules, count(*) AS n, sum(octet_length(state)) / 1e6 AS mb FROM snapshots WHERE trace_id = $1 GROUP BY rules",
          [info.id],
        );
        const sizes = rows.map((r) => `${r.n} ${r.rules.endsWith("/seg") ? "segments" : "snapshots"} ${Number(r.mb).toFixed(1)} MB`).join(", ");
        console.log(`K=${every} ${label.padStart(6)}: snapshots of the fresh trace built in ${build.toFixed(1)} s (${sizes})`);
        // a service that has not seen the set yet (a server just started) reads the segments once
        t1 = performance.now();
        await createReplayService(store, { every }).stateAt(info.id, info.version, ["patched"]);
        const first = performance.now() - t1;
        const r = rand(42);
        const lat: number[] = [];
        for (let i = 0; i < SAMPLES + 10; i++) {
          const at = 1 + Math.floor(r() * info.version);
          t1 = performance.now();
          await service.stateAt(info.id, at, ["patched"]);
          if (i >= 10) lat.push(performance.now() - t1); // 10 warm-up queries
        }
        p50s.push(pct(lat, 50));
        console.log(
          `K=${every} ${label.padStart(6)}: stateAt p50 ${pct(lat, 50).toFixed(2)} ms, p95 ${pct(lat, 95).toFixed(2)} ms (${SAMPLES} random positions of ${n} snapshots); first stateAt of a new service ${first.toFixed(1)} ms`,
        );
      }
      const ratio = p50s[1]! / p50s[0]!;
      console.log(`K=${every} ratio p50(${traces[1]!.label})/p50(10k) = ${ratio.toFixed(2)} (target ≤ 1.5: ${ratio <= 1.5 ? "met" : "MISSED"})`);
    }
    console.log(`load average ${os.loadavg()[0]!.toFixed(2)}`);
  } finally {
    // a server database is left as it was found (its snapshots go with the traces)
    if (url) for (const id of stored) await store.deleteTrace(id);
    await store.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
