/**
 * GraphQL bench: `stateAt` at random positions of a 1M-event trace, 50
 * concurrent clients on loopback (autocannon), through the whole stack
 * (HTTP, Apollo, limits, resolvers, replay from snapshots, PostgreSQL).
 * Prints requests/s and latency p50/p95/p99.
 *
 *   DATABASE_URL=postgresql://… npx tsx bench/graphql.ts [--events 1000000] [--connections 50] [--seconds 20] [--rules patched] [--reuse]
 *
 * Without DATABASE_URL it uses the embedded PostgreSQL in a temporary
 * directory. The trace comes from test/replay/generate.ts (the replay
 * bench's kernel-like mix); its snapshots are built before the run, so the
 * figures are steady-state time travel, not the first full replay. With
 * --reuse a trace "bench-1m" of the right length stored by an earlier run
 * (same DATABASE_URL) is used again. A request counts as an error when it
 * times out (30 s), is not HTTP 200, or its body has GraphQL errors.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { openStore } from "../src/events/pg-store.ts";
import { createApiDeps } from "../src/resolvers/deps.ts";
import { createReplayService } from "../src/replay-service.ts";
import { buildServer } from "../src/server.ts";
import { generateTrace } from "../test/replay/generate.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    connections: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    rules: { type: "string", default: "patched" },
    reuse: { type: "boolean", default: false },
  },
});
const EVENTS = Number(values.events);
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const RULES = String(values.rules);

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const QUERY = `query($seq: Int!, $rules: [String!]) {
  stateAt(trace: "bench-1m", seq: $seq, rules: $rules) {
    seq blockGroups { start ro removed trimming } extentMaps { start pinned } mutexes { name holder } actors { pid status } } }`;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || null;
  const dataDir = url ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "racelab-bench-"));
  const store = await openStore({ url, dataDir, migrate: true, poolSize: 20 });
  console.log(`database: ${url ? "server (DATABASE_URL)" : `embedded (${dataDir})`}`);
  try {
    let t0 = performance.now();
    const reused = values.reuse ? await store.findTrace("bench-1m") : null;
    const trace =
      reused && reused.version === EVENTS
        ? reused
        : await store.importTrace({ name: "bench-1m", source: { file: null, hash: null, format: "api" } }, (async function* () {
            const events = generateTrace(EVENTS, 1);
            for (let i = 0; i < events.length; i += 50_000) yield events.slice(i, i + 50_000);
          })());
    console.log(`${trace === reused ? "reused" : "stored"} ${trace.version} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    const snapshots = await createReplayService(store).ensureSnapshots(trace.id, [RULES]);
    console.log(`built ${snapshots} snapshots (${RULES}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const deps = createApiDeps(store);
    // Requests still running when the load stops may finish: no pool closed under them.
    const server = await buildServer(deps, { log: (m, e) => console.error(m, e), stopGraceMs: 120_000 });
    const { url: base } = await server.listen(0, "127.0.0.1");
    try {
      // One client, one request at a time: the replay's own cost against the whole HTTP round trip.
      const probe = Array.from({ length: 30 }, () => 1 + Math.floor(Math.random() * trace.version));
      t0 = performance.now();
      const replay = createReplayService(store);
      for (const seq of probe) await replay.stateAt(trace.id, seq, [RULES]);
      const direct = (performance.now() - t0) / probe.length;
      t0 = performance.now();
      for (const seq of probe) {
        const res = await fetch(`${base}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: QUERY, variables: { seq, rules: [RULES] } }),
        });
        await res.text();
      }
      const viaHttp = (performance.now() - t0) / probe.length;
      console.log(`one client: replay.stateAt ${direct.toFixed(1)} ms, through GraphQL/HTTP ${viaHttp.toFixed(1)} ms per request`);

      const latencies: number[] = [];
      let errors = 0;
      const samples: string[] = [];
      let finish!: (r: autocannon.Result) => void;
      let fail!: (e: unknown) => void;
      const done = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
      const instance = autocannon({
        url: `${base}/graphql`,
        connections: CONNECTIONS,
        duration: SECONDS,
        timeout: 30,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ query: QUERY, variables: { seq: 1 + Math.floor(Math.random() * trace.version), rules: [RULES] } }),
            }),
            onResponse: (status, body) => {
              if (status !== 200 || body.includes('"errors"')) {
                errors++;
                if (samples.length < 3) samples.push(`${status} ${body.slice(0, 200)}`);
              }
            },
          },
        ],
      }, (err, result) => (err ? fail(err) : finish(result)));
      instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
      const result = await done;
      latencies.sort((a, b) => a - b);
      console.log(
        `stateAt on ${trace.version} events, ${CONNECTIONS} connections, ${SECONDS} s: ` +
          `${result.requests.average.toFixed(1)} req/s (${result.requests.total} requests; ${errors} error answers, ${result.timeouts} timeouts)`,
      );
      for (const s of samples) console.log(`  error answer: ${s}`);
      console.log(
        `latency ms: p50 ${pct(latencies, 50).toFixed(1)}  p95 ${pct(latencies, 95).toFixed(1)}  p99 ${pct(latencies, 99).toFixed(1)}  max ${(latencies.at(-1) ?? NaN).toFixed(1)}`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    await store.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
