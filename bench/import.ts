/**
 * Import benchmark (issue 4 §Bench). Generates two logs:
 *
 * - sparse: a function_graph log (default 1M lines) where most lines —
 *   functions and tracepoints — map to nothing, as in real graph traces; it
 *   measures the text rate (target ≥ 40 MB/s);
 * - dense: a `nop`-tracer log of the btrfs tracepoints the mapping table maps
 *   (kernel 6.1 format; default 1M lines, 88% of them events); it measures
 *   stored events against a raw COPY (target ≥ 0.8×).
 *
 * Then, in one run:
 *
 *   1. parse only (splitter → tokenizer → binder, no database), both logs;
 *   2. `importFile` of the sparse log end to end (MB/s, lines/s);
 *   3. on the dense log: a raw COPY of as many rows as it has events, the
 *      `importFile` end to end (one read: hash, parse, COPY in one
 *      transaction; the text of the lines that made events stored too), the
 *      same without those source lines (what storing them costs), the
 *      store's part alone (the parsed events through `importTrace`:
 *      validation + COPY), a raw COPY again; ratios to the two raw COPYs'
 *      rate (one before, one after: a machine getting busier shows);
 *   4. the import of a 1 GB log (12M sparse lines; --big-lines N, 0 to skip)
 *      in a child process whose heap is capped at 128 MB: peak RSS (target < 300 MB).
 *
 * "node CPU" is this process's CPU time in each part: on a machine with a
 * spare core it overlaps the database server's work; the embedded database
 * (PGlite) runs inside this process, so there everything adds up.
 *
 *   npx tsx bench/import.ts [--lines N] [--dense-lines N] [--big-lines N] [--keep]
 *   npx tsx bench/import.ts --out FILE [--lines N] [--dense]   (only write a generated log)
 *   DATABASE_URL=postgres://… npx tsx bench/import.ts   (else the embedded database)
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS, copyLine, eventToRow, type EventRow } from "../src/events/codec.ts";
import { copyRowsPerStatement, openStore, type PgEventStore } from "../src/events/pg-store.ts";
import type { RaceEvent } from "../src/events/types.ts";
import { importFile } from "../src/ftrace/import.ts";
import { TraceImporter } from "../src/ftrace/importer.ts";
import { loadMapTable } from "../src/ftrace/map-load.ts";
import { LineSplitter } from "../src/ftrace/splitter.ts";
import { FSID, tracepointLog, writeLog } from "../test/helpers/logs.ts";
import { rng } from "../test/helpers/random.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    keep: { type: "boolean", default: false },
    out: { type: "string" },
    "import-big": { type: "string" },
    "big-lines": { type: "string", default: "12000000" },
    "dense-lines": { type: "string", default: "1000000" },
    dense: { type: "boolean", default: false },
  },
});
const LINES = Number(values.lines);
const DENSE_LINES = Number(values["dense-lines"]);

// --- a deterministic log generator ------------------------------------------------------

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

/** Splitter → tokenizer → binder over `chunks`, no database; keeps the first `keep` events made. */
async function parseOnly(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, keep = 0): Promise<ParseResult> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const splitter = new LineSplitter();
  const imp = new TraceImporter({ table });
  let events = 0;
  const kept: RaceEvent[] = [];
  const take = () => {
    const out = imp.take();
    events += out.length;
    for (let i = 0; i < out.length && kept.length < keep; i++) kept.push(out[i]!);
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

function* generatedChunks(log: Iterable<string>): Generator<Buffer> {
  let buf = "";
  for (const l of log) {
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

interface Timed {
  secs: number;
  cpuSecs: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<T & Timed> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await fn();
  return { ...r, secs: (performance.now() - t0) / 1000, cpuSecs: cpuSecs(c0) };
}

/**
 * `rows` rows made from the sample (cycled) COPYed into a new trace in one
 * transaction, cut into statements as the store cuts them: no parsing, no
 * validation, only the COPY text of ready-made rows and the server's work.
 */
async function rawCopy(store: PgEventStore, sample: readonly EventRow[], rows: number): Promise<{ id: string }> {
  const id = randomUUID();
  const perStatement = copyRowsPerStatement(store.db);
  const client = await store.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("INSERT INTO traces (id, name, format) VALUES ($1, $2, 'bench')", [id, `raw-copy-${id}`]);
    for (let first = 1; first <= rows; first += perStatement) {
      const last = Math.min(rows, first + perStatement - 1);
      const stream = client.query(copyFrom(`COPY events (${COPY_COLUMNS}) FROM STDIN`));
      let buf = "";
      for (let seq = first; seq <= last; seq++) {
        buf += copyLine(id, seq, sample[(seq - 1) % sample.length]!);
        if (buf.length >= 256 * 1024) {
          if (!stream.write(buf)) await once(stream, "drain");
          buf = "";
        }
      }
      stream.end(buf);
      await once(stream, "finish");
    }
    await client.query("COMMIT");
    return { id };
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
    await writeLog(file, graphLog(lines, 5));
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

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const rate = (n: number, t: Timed) => `${fmt(n / t.secs)}/s (${t.secs.toFixed(2)} s, node CPU ${t.cpuSecs.toFixed(2)} s)`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-bench-"));
  const sparseFile = path.join(dir, "graph.trace");
  const denseFile = path.join(dir, "tracepoints.trace");
  try {
    const t0 = performance.now();
    await writeLog(sparseFile, graphLog(LINES));
    await writeLog(denseFile, tracepointLog(DENSE_LINES));
    const sparseSize = statSync(sparseFile).size;
    const denseSize = statSync(denseFile).size;
    console.log(
      `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s: sparse function_graph log ${fmt(LINES)} lines, ${mb(sparseSize).toFixed(1)} MB; ` +
        `dense nop tracepoint log ${fmt(DENSE_LINES)} lines, ${mb(denseSize).toFixed(1)} MB`,
    );
    console.log(`load average: ${loadAverage()} (${os.cpus().length} CPUs)`);

    // Parse only (after a warm-up on other generated lines of both kinds).
    await parseOnly(generatedChunks(graphLog(200_000, 3)));
    await parseOnly(generatedChunks(tracepointLog(100_000, 4)));
    const ps = await parseOnly(createReadStream(sparseFile, { highWaterMark: 256 * 1024 }));
    console.log(
      `sparse parse only:   ${(mb(ps.bytes) / ps.secs).toFixed(1)} MB/s, ${fmt(ps.lines / ps.secs)} lines/s; ${fmt(ps.events)} events (${((100 * ps.events) / ps.lines).toFixed(1)}% of lines) in ${ps.secs.toFixed(2)} s; ${(mb(ps.bytes) / ps.cpuSecs).toFixed(1)} MB per CPU-second (target ≥ 40 MB/s)`,
    );
    const pd = await parseOnly(createReadStream(denseFile, { highWaterMark: 256 * 1024 }), 1000);
    const events = pd.events;
    console.log(
      `dense parse only:    ${(mb(pd.bytes) / pd.secs).toFixed(1)} MB/s, ${fmt(events / pd.secs)} events/s; ${fmt(events)} events (${((100 * events) / pd.lines).toFixed(1)}% of lines) in ${pd.secs.toFixed(2)} s, node CPU ${pd.cpuSecs.toFixed(2)} s`,
    );

    const store = await openStore();
    const cleanup: string[] = [];
    try {
      const sample = pd.kept.map((e) => eventToRow(e));
      // Warm-up of the import and COPY paths (JIT, server caches), not counted.
      const warmFile = path.join(dir, "warm.trace");
      await writeLog(warmFile, tracepointLog(50_000, 6));
      cleanup.push((await importFile(store, warmFile, { table, name: `bench-warm-${Date.now()}` })).trace.id);
      cleanup.push((await rawCopy(store, sample, 50_000)).id);

      // Sparse log end to end: the MB/s of a whole import when most lines make no event.
      const is = await timed(() => importFile(store, sparseFile, { table, name: `bench-sparse-${Date.now()}` }));
      cleanup.push(is.trace.id);
      console.log(
        `sparse import (end to end): ${(mb(sparseSize) / is.secs).toFixed(1)} MB/s, ${fmt(LINES / is.secs)} lines/s, events ${rate(is.trace.version, is)}`,
      );

      // Dense log: raw COPY before and after the import and the store path, so that a
      // machine that gets busier or quieter during the run shows in the two figures.
      const raw1 = await timed(() => rawCopy(store, sample, events));
      cleanup.push(raw1.id);
      console.log(`raw COPY (1):        rows ${rate(events, raw1)}`);
      const id = await timed(() => importFile(store, denseFile, { table, name: `bench-dense-${Date.now()}` }));
      cleanup.push(id.trace.id);
      if (id.trace.version !== events) throw new Error(`dense import stored ${id.trace.version} events, parse made ${events}`);
      console.log(`dense import (end to end): ${(mb(denseSize) / id.secs).toFixed(1)} MB/s, events ${rate(events, id)}`);
      const bare = await timed(() => importFile(store, denseFile, { table, name: `bench-dense-bare-${Date.now()}`, sourceLines: false }));
      cleanup.push(bare.trace.id);
      console.log(`dense import without source lines: ${(mb(denseSize) / bare.secs).toFixed(1)} MB/s, events ${rate(events, bare)}`);
      // The store's part alone: the same events, parsed beforehand (and held meanwhile), through importTrace (validation + COPY).
      let parsed = (await parseOnly(createReadStream(denseFile, { highWaterMark: 256 * 1024 }), events)).kept;
      const st = await timed(() =>
        store.importTrace(
          { name: `bench-events-${Date.now()}`, source: { file: null, hash: null, format: "bench" } },
          inBatches(parsed, 1_000),
        ),
      );
      cleanup.push(st.id);
      console.log(`store importTrace:   events ${rate(events, st)}`);
      const heldRssMb = peakRssMb();
      parsed = [];
      const raw2 = await timed(() => rawCopy(store, sample, events));
      cleanup.push(raw2.id);
      console.log(`raw COPY (2):        rows ${rate(events, raw2)}`);
      const copyRate = (2 * events) / (raw1.secs + raw2.secs);
      console.log(`raw COPY, both runs: ${fmt(copyRate)} rows/s`);
      console.log(`ratio dense import end to end / raw COPY: ${(events / id.secs / copyRate).toFixed(2)}   (target ≥ 0.8)`);
      console.log(`ratio dense import without source lines / raw COPY: ${(events / bare.secs / copyRate).toFixed(2)}; with them / without: ${(bare.secs / id.secs).toFixed(2)}`);
      console.log(`ratio store importTrace / raw COPY:       ${(events / st.secs / copyRate).toFixed(2)}`);
      console.log(
        `ratio sparse import end to end / raw COPY (events/s, ${((100 * ps.events) / ps.lines).toFixed(1)}% of lines are events): ${(is.trace.version / is.secs / copyRate).toFixed(2)}`,
      );
      console.log(`peak RSS of this process: ${heldRssMb.toFixed(0)} MB (when it held the parsed dense events for the store path)`);
    } finally {
      if (!values.keep) for (const id of cleanup) await store.deleteTrace(id);
      await store.close();
    }
    console.log(`load average: ${loadAverage()}`);

    // Memory: a 1 GB log (by default) imported end to end by a child whose heap is capped at 128 MB.
    const bigLines = Number(values["big-lines"]);
    if (bigLines === 0) return;
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
      `import of a ${mb(big.bytes).toFixed(0)} MB log (${fmt(big.lines)} lines, ${fmt(big.events)} events), heap capped at 128 MB: ${(mb(big.bytes) / big.secs).toFixed(1)} MB/s, ${fmt(big.events / big.secs)} events/s; peak RSS ${big.peakRssMb.toFixed(0)} MB (target < 300 MB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.out) await writeLog(values.out, values.dense ? tracepointLog(LINES) : graphLog(LINES));
else if (values["import-big"]) await importBig(Number(values["import-big"]));
else await main();
