/**
 * A classroom server under a hostile student and a careless instructor
 * (issue 11): `racelab serve` (worker pool, durable queue, as users run it)
 * on a database with a course, while all of these run together —
 *   - explore(trace: <150k events>, maxStates: 1000000), as anonymous and as a student;
 *   - 40 aliased explores of that trace in one request (a student);
 *   - 3 checks of the 150k-event trace in one request, twice (students);
 *   - explorations within a student's budget (100,000 states, about 20 s of work);
 *   - the fragment bomb (22 fragments each spreading the next twice);
 *   - POST /upload of a gzip holding 3 GiB of `#` comment lines (an instructor);
 * — another client asks `{ races { id } }` every 200 ms for 20 s. Prints that
 * client's p50/p95/worst latency, the server's peak RSS (its worker threads
 * included) and whether it stayed up. Target: p95 ≤ 250 ms, worst ≤ 1 s,
 * RSS ≤ 1.5 GB, up.
 *
 *   DATABASE_URL=postgresql://… npx tsx bench/hostile.ts [--seconds 20]
 *
 * Without DATABASE_URL: the embedded PostgreSQL in a temporary folder (whose
 * queries run on the server's own thread: expect worse figures).
 */
import { spawn } from "node:child_process";
import { setMaxListeners } from "node:events";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createGzip } from "node:zlib";
import { addUser } from "../src/exercises/accounts.ts";
import { openStore } from "../src/events/pg-store.ts";
import { PgClassroomStore } from "../src/exercises/pg-classroom.ts";
import { generateTrace } from "../test/replay/generate.ts";
import { contendedScenario } from "../test/jobs/heavy.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "20" }, events: { type: "string", default: "150000" } } });
const SECONDS = Number(values.seconds);
const EVENTS = Number(values.events);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const OUT = path.join(ROOT, "bench/out");

/** 3 GiB of comment lines, gzipped (made once, kept in bench/out). */
async function commentBomb(): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, "comments-3g.trace.gz");
  if (existsSync(file)) return file;
  const block = Buffer.from("# a comment line in a log, again and again and again\n".repeat(20_000));
  const blocks = Math.ceil((3 * 2 ** 30) / block.length);
  async function* content() {
    yield Buffer.from("# tracer: nop\n");
    for (let i = 0; i < blocks; i++) yield block;
  }
  await pipeline(Readable.from(content()), createGzip({ level: 9 }), createWriteStream(file));
  return file;
}

function fragmentBomb(levels: number): string {
  const f = Array.from({ length: levels }, (_, k) => (k === levels - 1 ? `fragment F${k} on Trace { name }` : `fragment F${k} on Trace { name ...F${k + 1} ...F${k + 1} }`));
  return `${f.join("\n")}\n{ traces { nodes { ...F0 } } }`;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "racelab-hostile-"));
  const store = await openStore({ url, dataDir, migrate: true });
  console.log(`database: ${url ? "server (DATABASE_URL)" : `embedded (${dataDir})`}; load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const name = `hostile-${EVENTS}`;
  const trace = (await store.findTrace(name)) ?? (await store.importTrace({ name, source: { file: null, hash: null, format: "api" } }, [generateTrace(EVENTS, 3)]));
  const classroom = new PgClassroomStore(store.db);
  const prof = await addUser(classroom, { role: "instructor", course: "hostile-course", name: "Prof" });
  const students = await Promise.all([1, 2, 3, 4].map((i) => addUser(classroom, { role: "student", course: "hostile-course", name: `Student ${i}` })));
  const bomb = await commentBomb();
  console.log(`trace ${name}: ${trace.version} events; gzip of comments: ${(statSync(bomb).size / 2 ** 20).toFixed(1)} MB`);

  // The server, as `racelab serve` runs: a child process of its own.
  const env = { ...process.env, ...(url ? { DATABASE_URL: store.db.url } : { DATABASE_URL: store.db.url }), RACELAB_DATA_DIR: dataDir, NODE_OPTIONS: "" };
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/graphql/fixtures/serve-child.ts"), "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", (d) => process.stderr.write(`[serve] ${d}`));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const m = /GraphQL at (http:\/\/\S+)\/graphql/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`racelab serve exited (${code})`)));
  });
  let exited = false;
  child.on("exit", () => (exited = true));

  const gql = (query: string, token: string | null, variables: Record<string, unknown> = {}, signal?: AbortSignal) =>
    fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    })
      .then(async (r) => {
        const body = (await r.json()) as { errors?: { extensions?: { code?: string } }[] };
        return body.errors?.[0]?.extensions?.code ?? `HTTP ${r.status}`;
      })
      .catch((e: Error) => `failed: ${e.message}`);

  let peak = rssOf(child.pid!);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 100);
  const stopAt = Date.now() + SECONDS * 1000;
  const abuse = new AbortController();
  setMaxListeners(0, abuse.signal); // every abusive request listens to it
  const t = trace.id;
  const exploreBig = `{ explore(trace: "${t}", rules: ["unpatched"], maxStates: 1000000) { states } }`;
  // Within a student's budget (100,000 states): 8 tasks contending for one block group run until the wall time.
  const exploreStudent = `{ explore(scenario: ${JSON.stringify(contendedScenario(8, 2))}, rules: ["unpatched"], maxStates: 100000) { states } }`;
  const aliased = `{ ${Array.from({ length: 40 }, (_, i) => `e${i}: explore(trace: "${t}", rules: ["unpatched"]) { states }`).join(" ")} }`;
  const checks = `{ a: check(trace: "${t}", rules: ["unpatched"]) { verdict } b: check(trace: "${t}", rules: ["patched"]) { verdict } c: check(trace: "${t}", rules: ["delete-unused-bgs-mutex"]) { verdict } }`;
  const outcomes: Promise<string>[] = [];
  const repeat = (what: string, f: () => Promise<string>) =>
    outcomes.push(
      (async () => {
        const seen = new Map<string, number>();
        while (Date.now() < stopAt && !abuse.signal.aborted) {
          const o = await f();
          seen.set(o, (seen.get(o) ?? 0) + 1);
        }
        return `${what}: ${[...seen].map(([o, n]) => `${o} ×${n}`).join(", ")}`;
      })(),
    );
  repeat("explore maxStates 1M, anonymous", () => gql(exploreBig, null, {}, abuse.signal));
  repeat("explore maxStates 1M, student", () => gql(exploreBig, students[0]!.token, {}, abuse.signal));
  repeat("40 aliased explores, student", () => gql(aliased, students[1]!.token, {}, abuse.signal));
  repeat("3 checks of the trace, student", () => gql(checks, students[2]!.token, {}, abuse.signal));
  repeat("3 checks of the trace, student", () => gql(checks, students[3]!.token, {}, abuse.signal));
  repeat("explore within the budget, student", () => gql(exploreStudent, students[2]!.token, {}, abuse.signal));
  repeat("fragment bomb, anonymous", () => gql(fragmentBomb(22), null, {}, abuse.signal));
  repeat("gzip of 3 GiB comments, instructor", () =>
    fetch(`${base}/upload?name=comments&fileName=comments.trace.gz`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", authorization: `Bearer ${prof.token}` },
      body: readFileSync(bomb),
      signal: abuse.signal,
    })
      .then(async (r) => ((await r.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? `HTTP ${r.status}`)
      .catch((e: Error) => `failed: ${e.message}`),
  );

  // The other client: { races { id } } every 200 ms.
  const latencies: number[] = [];
  let failures = 0;
  while (Date.now() < stopAt) {
    const t0 = performance.now();
    const ok = await gql("{ races { id } }", null).then((c) => c === "HTTP 200");
    latencies.push(performance.now() - t0);
    if (!ok) failures++;
    await new Promise((r) => setTimeout(r, Math.max(0, 200 - (performance.now() - t0))));
  }
  abuse.abort();
  const abusive = await Promise.all(outcomes);
  const healthy = !exited && (await fetch(`${base}/healthz`).then((r) => r.ok, () => false));
  const jobs = await fetch(`${base}/healthz/jobs`).then((r) => r.json(), () => null);
  clearInterval(sampler);
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  await store.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = pct(sorted, 50);
  const p95 = pct(sorted, 95);
  const worst = sorted[sorted.length - 1]!;
  console.log("\nwhat the abusive requests got:");
  for (const line of abusive) console.log(`  ${line}`);
  console.log(`  jobs: ${JSON.stringify(jobs)}`);
  console.log(`\n{ races { id } } every 200 ms for ${SECONDS} s: ${latencies.length} requests, ${failures} failed`);
  console.log(`  p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, worst ${worst.toFixed(1)} ms   (target: p95 <= 250, worst <= 1000)`);
  console.log(`server peak RSS ${(peak / 2 ** 20).toFixed(0)} MB (target <= 1536); stayed up: ${healthy ? "yes" : "NO"}`);
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

await main();
