/**
 * CLI start-up bench (issue 12): the wall time of the commands a user types,
 * each run as a child process (`node bin/racelab.js …`, the compiled CLI in
 * dist/cli), median of --runs runs after one warm-up:
 *
 *   1. `racelab --version` (no database; target ≤ 150 ms);
 *   2. `racelab traces` on a PostgreSQL server (target ≤ 400 ms);
 *   3. `racelab check <trace> --rules patched` of a generated trace of
 *      --events events (default 500k), once cold (replay, verdict stored) and
 *      then from the stored verdict (target: ≤ 50 ms above `traces`, the
 *      start-up of a command that queries the database).
 *
 * The commands take turns run by run (a busy machine weighs on all alike).
 * Also `node -e 0` (Node's own start-up, the floor), the load average before
 * and after, and each command's CPU time (Linux), which a busy machine
 * hardly changes: wall times on a loaded machine read against it. Needs a server: DATABASE_URL=postgresql://… ; the bench
 * makes a database of its own on it (racelab_bench_cli_<random>) and drops it.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/cli.ts [--events 500000] [--runs 9]
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { openStore } from "../src/events/pg-store.ts";
import { generateTrace } from "../test/replay/generate.ts";

const { values } = parseArgs({ options: { events: { type: "string", default: "500000" }, runs: { type: "string", default: "9" } } });
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(ROOT, "bin/racelab.js");

const server = process.env.DATABASE_URL;
if (!server) {
  console.error("bench/cli.ts: set DATABASE_URL to a PostgreSQL server (the bench creates and drops a database of its own there)");
  process.exit(2);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * CPU time (user + system, ms) of the children this process has waited for,
 * from /proc/self/stat (Linux; in clock ticks, 10 ms each); null elsewhere.
 * Unlike wall time it hardly moves with the machine's load.
 */
function childrenCpuMs(): number | null {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
    // After "(comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
const TICKS_PER_SECOND = 100;

/** Wall and CPU time of one run, in ms; fails loudly when the command does. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv): { wall: number; cpu: number | null } {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const wall = performance.now() - t0;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  return { wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

type Stats = { median: number; min: number; max: number; cpu: number | null };

/**
 * Median of RUNS runs of each command after a warm-up (file cache, dist/cli
 * built), the commands taking turns within each round so that a machine
 * getting busier or quieter weighs on all of them alike.
 */
function measureAll(commands: Record<string, readonly string[]>, env: NodeJS.ProcessEnv): Record<string, Stats> {
  const runs: Record<string, { wall: number; cpu: number | null }[]> = {};
  for (const [name, args] of Object.entries(commands)) {
    timed(args, env);
    runs[name] = [];
  }
  for (let r = 0; r < RUNS; r++) for (const [name, args] of Object.entries(commands)) runs[name]!.push(timed(args, env));
  return Object.fromEntries(
    Object.entries(runs).map(([name, xs]) => {
      const walls = xs.map((x) => x.wall);
      const cpus = xs.map((x) => x.cpu);
      const cpu = cpus.every((c): c is number => c !== null) ? median(cpus) : null;
      return [name, { median: median(walls), min: Math.min(...walls), max: Math.max(...walls), cpu }];
    }),
  );
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
const fmt = (m: Stats) =>
  `${m.median.toFixed(0).padStart(4)} ms (min ${m.min.toFixed(0)}, max ${m.max.toFixed(0)}; CPU ${m.cpu === null ? "?" : m.cpu.toFixed(0)} ms)`;

async function main(): Promise<void> {
  const name = `racelab_bench_cli_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`); // our own name: [a-z0-9_]
  await admin.end();
  const url = withDatabase(server!, name);
  const env = { ...process.env, DATABASE_URL: url };
  try {
    console.log(`load average ${load()} (1, 5, 15 min); ${os.cpus().length} CPUs; node ${process.version}; ${RUNS} runs each, median`);
    // A database with the seed traces (what `traces` lists) and a long generated trace.
    timed([BIN, "seed"], env);
    const t0 = performance.now();
    const events = generateTrace(EVENTS, 7);
    const store = await openStore({ url });
    let id: string;
    try {
      const info = await store.importTrace({ name: `generated-${EVENTS}`, source: { file: null, hash: null, format: "api" } }, (async function* () {
        for (let i = 0; i < events.length; i += 50_000) yield events.slice(i, i + 50_000);
      })());
      id = info.id;
    } finally {
      await store.close();
    }
    events.length = 0;
    console.log(`stored a generated trace of ${EVENTS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const cold = timed([BIN, "check", id, "--rules", "patched"], env);
    console.log(`racelab check (${EVENTS} events), cold  ${cold.wall.toFixed(0)} ms, CPU ${cold.cpu?.toFixed(0) ?? "?"} ms   (replay; the verdict is stored)`);
    const m = measureAll(
      {
        floor: ["-e", "0"],
        version: [BIN, "--version"],
        traces: [BIN, "traces"],
        cached: [BIN, "check", id, "--rules", "patched"],
      },
      env,
    );
    console.log(`node -e 0                          ${fmt(m.floor!)}   (Node's own start-up)`);
    console.log(`racelab --version                  ${fmt(m.version!)}   target ≤ 150 ms: ${m.version!.median <= 150 ? "met" : "MISSED"}`);
    console.log(`racelab traces (server)            ${fmt(m.traces!)}   target ≤ 400 ms: ${m.traces!.median <= 400 ? "met" : "MISSED"}`);
    const above = m.cached!.median - m.traces!.median;
    console.log(
      `racelab check, stored verdict      ${fmt(m.cached!)}   = traces ${above < 0 ? "−" : "+"} ${Math.abs(above).toFixed(0)} ms; target ≤ start-up + 50 ms: ${above <= 50 ? "met" : "MISSED"}`,
    );
    console.log(`load average ${load()}`);
    console.log(`reproduce: DATABASE_URL=${server} npx tsx bench/cli.ts --events ${EVENTS} --runs ${RUNS}`);
    console.log(`one command: DATABASE_URL=… node bin/racelab.js check <trace> --rules patched   (time it with: time …)`);
  } finally {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
