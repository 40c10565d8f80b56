/**
 * Import benchmark (issue 4 §Bench). Generates a function_graph log (default
 * 1M lines: mostly functions and tracepoints that map to nothing, some that
 * map to events, context switches between tasks), then in one run:
 *
 *   1. parse only (splitter → tokenizer → binder, no database): MB/s, lines/s;
 *   2. `importFile` end to end (hash pre-scan, parse, COPY in one transaction);
 *   3. the store's part alone: the parsed events through `importTrace`;
 *   4. a raw COPY of the same number of event rows into the events table;
 *   5. the import of a 1 GB log (12M lines; --big-lines N) in a child process
 *      whose heap is capped at 128 MB: memory stays flat whatever the size.
 *
 * Prints MB/s, lines/s, events/s, peak RSS and the ratios to raw COPY.
 *
 *   npx tsx bench/import.ts [--lines N] [--big-lines N] [--keep]
 *   npx tsx bench/import.ts --out FILE [--lines N]   (only write the generated log)
 *   DATABASE_URL=postgres://… npx tsx bench/import.ts   (else the embedded database)
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS, copyLine, eventToRow } from "../src/events/codec.ts";
import { openStore, type PgEventStore } from "../src/events/pg-store.ts";
import type { RaceEvent } from "../src/events/types.ts";
import { importFile } from "../src/ftrace/import.ts";
import { TraceImporter } from "../src/ftrace/importer.ts";
import { loadMapTable } from "../src/ftrace/map-load.ts";
import { openSource, prescan } from "../src/ftrace/source.ts";
import { LineSplitter } from "../src/ftrace/splitter.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    keep: { type: "boolean", default: false },
    out: { type: "string" },
    "import-big": { type: "string" },
    "big-lines": { type: "string", default: "12000000" },
  },
});
const LINES = Number(values.lines);
const FSID = "8f11b857-6dc8-4e65-917e-0118b0a1a4d3";

// --- a deterministic log generator ------------------------------------------------------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNMAPPED = Array.from(
  { length: 300 },
  (_, i) => `btrfs_helper_${i.toString(36)}_${["lookup", "search", "insert", "update", "release"][i % 5]}`,
);
// Tracepoints that map to nothing, as the real 6.1 logs print them (most of their lines).
const NOISE = [
  `btrfs_space_reservation: ${FSID}: space_info: 4 reserve 1310720`,
  `btrfs_space_reservation: ${FSID}: delalloc: 257 release 655360`,
  `btrfs_reserved_extent_alloc: ${FSID}: root=2(EXTENT_TREE) start=31113216 len=16384`,
  `btrfs_add_unused_block_group: ${FSID}: bg bytenr=22020096 len=8388608 used=0 flags=18(SYSTEM|RAID1)`,
];
const dur = (r: () => number) => {
  const us = r() * 200;
  return `${us > 100 ? "+" : " "} ${us.toFixed(3).padStart(7)} us`;
};

/**
 * Yields the log's lines (without newline): about 40% tracepoints that map to
 * nothing, 45% functions that map to nothing, 6% mapped lines, context switches.
 */
function* graphLog(lines: number, seed = 1): Generator<string> {
  const r = rng(seed);
  yield "# tracer: function_graph";
  yield "#";
  yield "# CPU  DURATION                  FUNCTION CALLS";
  yield "# |     |   |                     |   |   |   |";
  let n = 4;
  const current = ["dd-100", "kworker-9"];
  let pid = 200;
  let bg = 1n << 30n;
  while (n < lines) {
    const cpu = r() < 0.5 ? 0 : 1;
    // a context switch
    const next = r() < 0.1 ? `btrfs-${pid}` : `dd-${pid}`;
    pid++;
    yield " ------------------------------------------";
    yield ` ${cpu})  ${current[cpu]!.padStart(10)}   =>  ${next.padEnd(10)}`;
    yield " ------------------------------------------";
    yield "";
    n += 4;
    current[cpu] = next;
    // a burst of calls of that task
    const burst = 20 + Math.floor(r() * 60);
    let depth = 0;
    const relocating = next.startsWith("btrfs") && r() < 0.5;
    if (relocating) {
      yield ` ${cpu})               |  btrfs_relocate_chunk [btrfs]() {`;
      yield ` ${cpu})               |    btrfs_relocate_block_group [btrfs]() {`;
      yield ` ${cpu})   4.100 us    |      btrfs_inc_block_group_ro [btrfs]();`;
      n += 3;
      depth = 2;
    }
    for (let i = 0; i < burst && n < lines; i++, n++) {
      const x = r();
      const ind = " ".repeat(2 + depth * 2);
      if (x < 0.03) yield ` ${cpu}) ${dur(r)}   |${ind}btrfs_create_pending_block_groups [btrfs]();`;
      else if (x < 0.06)
        yield ` ${cpu})               |${ind}/* btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=30408704 flags=20(METADATA|RAID1) start=${30408704 + i * 16384} len=16384 */`;
      else if (x < 0.45) yield ` ${cpu})               |${ind}/* ${NOISE[Math.floor(r() * NOISE.length)]} */`;
      else if (x < 0.7 && depth < 8) {
        yield ` ${cpu})               |${ind}${UNMAPPED[Math.floor(r() * UNMAPPED.length)]} [btrfs]() {`;
        depth++;
      } else if (x < 0.88 && depth > (relocating ? 2 : 0)) {
        depth--;
        yield ` ${cpu}) ${dur(r)}   |${" ".repeat(2 + depth * 2)}}`;
      } else yield ` ${cpu}) ${dur(r)}   |${ind}${UNMAPPED[Math.floor(r() * UNMAPPED.length)]} [btrfs]();`;
    }
    while (depth > (relocating ? 2 : 0)) {
      depth--;
      yield ` ${cpu}) ${dur(r)}   |${" ".repeat(2 + depth * 2)}}`;
      n++;
    }
    if (relocating) {
      yield ` ${cpu})               |    btrfs_remove_chunk [btrfs]() {`;
      yield ` ${cpu})               |      /* btrfs_chunk_free: ${FSID}: root=3(CHUNK_TREE) offset=${bg} size=268435456 num_stripes=1 sub_stripes=1 type=DATA */`;
      yield ` ${cpu})               |      btrfs_remove_block_group [btrfs]() {`;
      yield ` ${cpu})               |        /* btrfs_remove_block_group: ${FSID}: bg bytenr=${bg} len=268435456 used=0 flags=1(DATA) */`;
      yield ` ${cpu}) + 30.200 us   |      }`;
      yield ` ${cpu}) ! 120.300 us  |    }`;
      yield ` ${cpu}) ! 900.000 us  |  }`;
      yield ` ${cpu}) @ 878820.7 us |  } /* btrfs_relocate_chunk [btrfs] */`;
      n += 8;
      bg += 268435456n;
    }
  }
}

async function writeLog(file: string, lines: number, seed = 1): Promise<void> {
  const out = createWriteStream(file);
  let buf = "";
  for (const l of graphLog(lines, seed)) {
    buf += l + "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
}

// --- measurements ---------------------------------------------------------------------------

const table = loadMapTable();
const mb = (bytes: number) => bytes / 1e6;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const cpuSecs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

interface ParseResult {
  bytes: number;
  lines: number;
  events: number;
  secs: number;
  /** CPU seconds (user + system) of this process: less sensitive than wall time to a busy machine. */
  cpuSecs: number;
  kept: RaceEvent[];
}

async function parseOnly(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, keep = false): Promise<ParseResult> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const splitter = new LineSplitter();
  const imp = new TraceImporter({ table });
  let events = 0;
  const kept: RaceEvent[] = [];
  const take = () => {
    const out = imp.take();
    events += out.length;
    if (keep) for (const e of out) kept.push(e);
  };
  for await (const chunk of chunks) {
    for (const it of splitter.push(chunk)) if (it.kind === "line") imp.push(it.text, it.line, it.last, it.nul);
    take();
  }
  for (const it of splitter.end()) if (it.kind === "line") imp.push(it.text, it.line, it.last, it.nul);
  imp.finish();
  take();
  return { bytes: splitter.bytes, lines: splitter.lines, events, secs: (performance.now() - t0) / 1000, cpuSecs: cpuSecs(c0), kept };
}

function* generatedChunks(lines: number, seed: number): Generator<Buffer> {
  let buf = "";
  for (const l of graphLog(lines, seed)) {
    buf += l + "\n";
    if (buf.length >= 256 * 1024) {
      yield Buffer.from(buf);
      buf = "";
    }
  }
  if (buf) yield Buffer.from(buf);
}

function* inBatches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

async function rawCopy(store: PgEventStore, sampleTraceId: string, rows: number): Promise<{ id: string; secs: number }> {
  const sample = (await store.read(sampleTraceId, { from: 1, to: 1000 })).map(({ seq: _seq, ...e }) => eventToRow(e));
  const id = randomUUID();
  const client = await store.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("INSERT INTO traces (id, name, format) VALUES ($1, $2, 'bench')", [id, `raw-copy-${Date.now()}`]);
    const t0 = performance.now();
    const stream = client.query(copyFrom(`COPY events (${COPY_COLUMNS}) FROM STDIN`));
    let buf = "";
    for (let seq = 1; seq <= rows; seq++) {
      buf += copyLine(id, seq, sample[(seq - 1) % sample.length]!);
      if (buf.length >= 256 * 1024) {
        if (!stream.write(buf)) await once(stream, "drain");
        buf = "";
      }
    }
    stream.end(buf);
    await once(stream, "finish");
    await client.query("COMMIT");
    return { id, secs: (performance.now() - t0) / 1000 };
  } finally {
    client.release();
  }
}

/**
 * Child-process mode (run with a capped heap): writes a log of `lines`
 * generated lines, imports it end to end, prints JSON with peak RSS.
 */
async function importBig(lines: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-bench-big-"));
  const file = path.join(dir, "big.trace");
  try {
    await writeLog(file, lines, 5);
    const size = statSync(file).size;
    const store = await openStore();
    try {
      const t0 = performance.now();
      const r = await importFile(store, file, { table, name: `bench-big-${Date.now()}` });
      const secs = (performance.now() - t0) / 1000;
      if (!values.keep) await store.deleteTrace(r.trace.id);
      process.stdout.write(`${JSON.stringify({ lines, bytes: size, secs, events: r.trace.version, peakRssMb: peakRssMb() })}\n`);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-bench-"));
  const file = path.join(dir, "graph.trace");
  try {
    let t0 = performance.now();
    await writeLog(file, LINES);
    const size = statSync(file).size;
    console.log(
      `generated ${fmt(LINES)} function_graph lines, ${mb(size).toFixed(1)} MB (${(size / LINES).toFixed(0)} bytes/line) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // 1. parse only (after a warm-up on other generated lines)
    await parseOnly(generatedChunks(200_000, 3));
    const p = await parseOnly(createReadStream(file, { highWaterMark: 256 * 1024 }), true);
    console.log(
      `parse only:          ${(mb(p.bytes) / p.secs).toFixed(1)} MB/s, ${fmt(p.lines / p.secs)} lines/s; ${fmt(p.events)} events (${((100 * p.events) / p.lines).toFixed(1)}% of lines) in ${p.secs.toFixed(2)} s; ${(mb(p.bytes) / p.cpuSecs).toFixed(1)} MB per CPU-second`,
    );

    const store = await openStore();
    const cleanup: string[] = [];
    try {
      // 2. the whole import: hash pre-scan, parse, COPY in one transaction
      t0 = performance.now();
      const scanSrc = await openSource(file);
      await prescan(scanSrc);
      await scanSrc.close();
      const scanSecs = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const r = await importFile(store, file, { table, name: `bench-${Date.now()}` });
      const importSecs = (performance.now() - t0) / 1000;
      cleanup.push(r.trace.id);
      const events = r.trace.version;
      console.log(
        `import (end to end): ${(mb(size) / importSecs).toFixed(1)} MB/s, ${fmt(LINES / importSecs)} lines/s, ${fmt(events / importSecs)} events/s (${fmt(events)} events in ${importSecs.toFixed(2)} s; of which hash pre-scan ≈ ${scanSecs.toFixed(2)} s)`,
      );

      // 3. the store's part alone: the same events, already parsed, through importTrace (validation + COPY)
      t0 = performance.now();
      const stored = await store.importTrace(
        { name: `bench-events-${Date.now()}`, source: { file: null, hash: null, format: "bench" } },
        inBatches(p.kept, 5_000),
      );
      const storeSecs = (performance.now() - t0) / 1000;
      cleanup.push(stored.id);
      console.log(`store importTrace:   ${fmt(events / storeSecs)} events/s (${storeSecs.toFixed(2)} s)`);

      // 4. raw COPY of as many rows (pre-made rows: no parsing, no validation)
      const raw = await rawCopy(store, r.trace.id, events);
      cleanup.push(raw.id);
      const copyRate = events / raw.secs;
      console.log(`raw COPY:            ${fmt(copyRate)} rows/s (${raw.secs.toFixed(2)} s)`);
      console.log(`ratio store importTrace / raw COPY: ${(events / storeSecs / copyRate).toFixed(2)}`);
      console.log(
        `ratio end-to-end import / raw COPY (events/s; ${((100 * p.events) / p.lines).toFixed(1)}% of lines are events): ${(events / importSecs / copyRate).toFixed(2)}`,
      );
      console.log(`peak RSS of this process: ${peakRssMb().toFixed(0)} MB`);
    } finally {
      if (!values.keep) for (const id of cleanup) await store.deleteTrace(id);
      await store.close();
    }

    // 5. memory: a 1 GB log (by default) imported end to end by a child whose heap is capped at 128 MB
    const bigLines = Number(values["big-lines"]);
    const child = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=128",
        "--import",
        "tsx",
        fileURLToPath(import.meta.url),
        "--import-big",
        String(bigLines),
        ...(values.keep ? ["--keep"] : []),
      ],
      { encoding: "utf8", env: process.env, maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`import-big child failed: ${child.stderr}`);
    const big = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
      lines: number;
      bytes: number;
      secs: number;
      events: number;
      peakRssMb: number;
    };
    console.log(
      `import of a ${mb(big.bytes).toFixed(0)} MB log (${fmt(big.lines)} lines, ${fmt(big.events)} events), heap capped at 128 MB: ${(mb(big.bytes) / big.secs).toFixed(1)} MB/s, ${fmt(big.events / big.secs)} events/s; peak RSS ${big.peakRssMb.toFixed(0)} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.out) await writeLog(values.out, LINES);
else if (values["import-big"]) await importBig(Number(values["import-big"]));
else await main();
