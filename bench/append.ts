/**
 * Append bench: the store's bulk append (`importTrace`: validation with the
 * catalog, row encoding, COPY in batches, one transaction) against a raw COPY
 * of the very same rows into the same table, in the same run. Prints events/s
 * of both and their ratio.
 *
 *   DATABASE_URL=postgresql://… npx tsx bench/append.ts [--events 1000000] [--batch 10000]
 *
 * Without DATABASE_URL it uses the embedded PostgreSQL in a temporary
 * directory. The raw COPY gets its text ready-made (encoding is not timed)
 * and runs in one transaction, cut into COPY statements as the store cuts
 * them (one on a server, 50k rows each on the embedded database), so the
 * difference measured is the store's own work: validation and encoding (and
 * making the events, which an importer does anyway). "client CPU" is this
 * process's CPU time in each part: on a machine with spare cores it overlaps
 * the server's work, on a busy one it adds to it.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type pg from "pg";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS, copyLine, eventToRow } from "../src/events/codec.ts";
import { copyRowsPerStatement, openStore } from "../src/events/pg-store.ts";
import type { RaceEvent } from "../src/events/types.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    batch: { type: "string", default: "10000" },
    rounds: { type: "string", default: "2" },
  },
});
const N = Number(values.events);
const BATCH = Number(values.batch);
/** Rounds alternate which of the two goes first (the second meets a table the first has grown). */
const ROUNDS = Number(values.rounds);

/** A kernel-like mix: block group allocations and metadata writes dominate, with set_ro, discards, commits. */
function event(i: number): RaceEvent {
  const bg = BigInt(1 + (i % 64)) * 1073741824n;
  const origin = { line: i + 1, lineSeq: 0, pid: 1000 + (i % 8), comm: i % 8 === 0 ? "btrfs-cleaner" : "kworker/u8:2", cpu: i % 4, ts: 1_000_000n + BigInt(i) * 1500n };
  switch (i % 10) {
    case 0:
      return { type: "set_ro", data: { bytenr: bg, flag: false }, origin, chain: { id: i, kind: "deletion" } };
    case 1:
      return { type: "discard_start", data: { bytenr: bg, len: 65536n, devid: 1, physical: bg + 4096n }, origin, chain: { id: i, kind: "trim" } };
    case 2:
      return { type: "commit_done", data: { gen: i }, origin, chain: null };
    case 3:
    case 4:
    case 5:
      return { type: "bg_alloc", data: { bytenr: bg, start: bg + BigInt(i % 4096) * 16384n, len: 16384n, flags: 1 }, origin, chain: null };
    default:
      return { type: "eb_write", data: { bytenr: bg + BigInt(i % 4096) * 16384n, len: 16384n }, origin, chain: null };
  }
}

async function* batches(): AsyncIterable<RaceEvent[]> {
  for (let at = 0; at < N; at += BATCH) {
    const b: RaceEvent[] = [];
    for (let i = at; i < Math.min(N, at + BATCH); i++) b.push(event(i));
    yield b;
  }
}

/** One COPY statement streaming `chunks`. */
async function copyChunks(client: pg.PoolClient, chunks: readonly string[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY events (${COPY_COLUMNS}) FROM STDIN`));
  await pipeline(Readable.from(chunks), stream);
}

/** The raw COPY: text prepared beforehand, timed from BEGIN to COMMIT. */
async function rawCopy(pool: pg.Pool, rowsPerStatement: number): Promise<{ id: string; seconds: number; cpu: number }> {
  const id = randomUUID();
  const chunks: string[] = [];
  let chunk: string[] = [];
  for (let i = 0; i < N; i++) {
    chunk.push(copyLine(id, i + 1, eventToRow(event(i))));
    if (chunk.length === rowsPerStatement || chunk.length === 100_000) {
      chunks.push(chunk.join(""));
      chunk = [];
    }
  }
  if (chunk.length) chunks.push(chunk.join(""));
  const client = await pool.connect();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await client.query("BEGIN");
    await client.query("INSERT INTO traces (id, name, format) VALUES ($1, 'bench-raw-copy', 'bench')", [id]);
    if (rowsPerStatement === Number.POSITIVE_INFINITY) await copyChunks(client, chunks);
    else for (const text of chunks) await copyChunks(client, [text]);
    await client.query("UPDATE traces SET version = $2 WHERE id = $1", [id, N]);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
  const cpu = process.cpuUsage(cpu0);
  return { id, seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const tmp = process.env.DATABASE_URL ? null : fs.mkdtempSync(path.join(os.tmpdir(), "racelab-bench-"));
const store = await openStore(tmp ? { url: null, dataDir: tmp } : {});
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  console.log(`racelab append bench: ${fmt(N)} events, batches of ${fmt(BATCH)}, on ${store.db.kind} PostgreSQL (${store.db.location})`);
  const bulkRun = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const trace = await store.importTrace({ name: "bench-bulk-append", source: { file: null, hash: null, format: "bench" } }, batches());
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (trace.version !== N) throw new Error(`bulk append stored ${trace.version} events, expected ${N}`);
    console.log(`  bulk append (importTrace): ${seconds.toFixed(2)} s  ${fmt(N / seconds)} events/s  (client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`);
    await store.deleteTrace(trace.id);
    return seconds;
  };
  const rawRun = async () => {
    const raw = await rawCopy(store.db.pool, copyRowsPerStatement(store.db));
    console.log(`  raw COPY, same rows:       ${raw.seconds.toFixed(2)} s  ${fmt(N / raw.seconds)} rows/s  (client CPU ${raw.cpu.toFixed(1)} s)`);
    await store.deleteTrace(raw.id);
    return raw.seconds;
  };
  const ratios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}:`);
    let bulk: number;
    let raw: number;
    if (round % 2 === 1) {
      bulk = await bulkRun();
      raw = await rawRun();
    } else {
      raw = await rawRun();
      bulk = await bulkRun();
    }
    ratios.push(raw / bulk);
    console.log(`  ratio bulk append / raw COPY: ${(raw / bulk).toFixed(2)}`);
  }
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  console.log(`ratio bulk append / raw COPY over ${ROUNDS} round(s): mean ${mean.toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(", ")})`);
  console.log(`peak RSS: ${fmt(process.resourceUsage().maxRSS / 1024)} MB (the raw COPY's ready-made text included)`);
} finally {
  await store.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
