/**
 * Import benchmark (issue 12 item 4): `racelab import` as a user runs it —
 * the compiled CLI in a process of its own, start-up included — against a
 * raw COPY of the very rows it stored into identical tables, also in a
 * process of its own, start-up included (node + pg + pg-copy-streams
 * streaming the rows' COPY text, in one transaction as the import does).
 * Target ≥ 0.8. An import stores two kinds of rows: its events and the
 * source-line blocks of those events (the text of their log lines,
 * compressed by the server); both are copied, each into a table `LIKE …
 * INCLUDING ALL` (keys, indexes, column compression) plus its foreign key to
 * traces — the headline ratio. Printed as well: the events alone into their
 * identical table, and the events alone without the foreign key (PostgreSQL
 * checks a foreign key row by row, which costs COPY about as much again).
 *
 * Two logs of the same workload (--lines, default 1M lines, about half of them
 * events, half noise: tracepoints that map to nothing):
 *   - nop: the btrfs tracepoints as the `nop` tracer prints them (kernel 6.1);
 *   - function_graph: the same lines as `function_graph` prints them — each
 *     tracepoint a `/* … *\/` comment under its CPU, context-switch blocks when a
 *     CPU's task changes, half of the noise as traced leaf functions.
 * The raw COPY runs before and after each import (a machine getting busier
 * or quieter shows in the two). Then a 1 GB sparse function_graph log
 * (--big-lines, default 12M; 0 skips it) is imported by the CLI: its peak
 * RSS, threads included, read from /proc (target < 300 MB).
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/racelab_bench npx tsx bench/import.ts [--lines N] [--big-lines N] [--keep]
 *   npx tsx bench/import.ts --out FILE [--lines N] [--shape nop|graph|sparse]   (only write a generated log)
 *
 * Server PostgreSQL only (the embedded one lives inside the importing process, so
 * there is no separate COPY to compare with). It imports into the database of
 * DATABASE_URL and deletes what it imported (unless --keep).
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
import { COPY_COLUMNS } from "../src/events/codec.ts";
import { SOURCE_LINE_COLUMNS } from "../src/events/import-rows.ts";
import { FSID, tracepointLog, writeLog } from "../test/helpers/logs.ts";
import { rng } from "../test/helpers/random.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    keep: { type: "boolean", default: false },
    out: { type: "string" },
    shape: { type: "string", default: "nop" },
    "big-lines": { type: "string", default: "12000000" },
  },
});
const LINES = Number(values.lines);
/** The share of extra noise lines that makes about half of a tracepoint log's lines noise. */
const HALF_NOISE = 0.43;
const root = fileURLToPath(new URL("../", import.meta.url));
const racelab = path.join(root, "bin/racelab.js");

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


/**
 * The nop log's lines as function_graph prints them (no TASK/PID column):
 * a context-switch block when a CPU's task changes, each tracepoint a comment
 * under its CPU; a third of the noise tracepoints printed as leaf calls of
 * functions the mapping table does not know.
 */
function* graphOfNop(nop: Iterable<string>): Generator<string> {
  yield "# tracer: function_graph";
  yield "#";
  yield "# CPU  DURATION                  FUNCTION CALLS";
  yield "# |     |   |                     |   |   |   |";
  const current = new Map<string, string>();
  const r = rng(11);
  for (const line of nop) {
    if (line.startsWith("#")) continue;
    // `            comm-pid     [cpu] flags  secs.usecs: name: body`
    const m = /^\s*(.*?)-(\d+)\s+\[(\d+)\]\s+\S+\s+\S+ (.*)$/.exec(line);
    if (!m) throw new Error(`not a nop line: ${line}`);
    const [, comm, pid, cpuText, body] = m;
    const cpu = String(Number(cpuText));
    const task = `${comm}-${pid}`;
    const was = current.get(cpu);
    if (was !== task) {
      if (was !== undefined) {
        yield " ------------------------------------------";
        yield ` ${cpu})  ${was.padStart(10)}   =>  ${task.padEnd(10)}`;
        yield " ------------------------------------------";
        yield "";
      }
      current.set(cpu, task);
    }
    const noise = /^btrfs_(?:space_reservation|reserved_extent_alloc|cow_block|tree_read_lock|find_free_extent):/.test(body!);
    if (noise && r() < 1 / 3) yield ` ${cpu})   0.${String(100 + Math.floor(r() * 800))} us    |  ${UNMAPPED[Math.floor(r() * UNMAPPED.length)]} [btrfs]();`;
    else yield ` ${cpu})               |  /* ${body} */`;
  }
}

// --- measurements ---------------------------------------------------------------------------

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

interface Run {
  secs: number;
  stdout: string;
  /** Peak RSS (VmHWM, all threads) in MB, read from /proc while it ran; null off Linux. */
  peakRssMb: number | null;
}

/** Runs a process to its end: wall time from spawn to exit, its output, its peak RSS. */
async function run(cmd: string, args: string[]): Promise<Run> {
  const t0 = performance.now();
  // In the repository: the raw COPY's script resolves pg from its node_modules.
  const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  let peak: number | null = null;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]) / 1024);
    } catch {
      // gone, or not Linux
    }
  }, 25);
  const [code] = (await once(child, "exit")) as [number | null];
  const secs = (performance.now() - t0) / 1000;
  clearInterval(poll);
  if (code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed (${code}): ${stderr.trim()}`);
  return { secs, stdout, peakRssMb: peak };
}

/**
 * The script of the raw COPY process: COPY text from files into tables (`file=table(columns)` each), in one
 * transaction, one after the other on one connection.
 */
const RAW_COPY = `
import fs from "node:fs";
import pg from "pg";
import { from } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
const [url, ...copies] = process.argv.slice(1);
const c = new pg.Client({ connectionString: url });
await c.connect();
await c.query("BEGIN");
for (const spec of copies) {
  const [, file, target] = /^(.*?)=(.*)$/.exec(spec);
  await pipeline(fs.createReadStream(file, { highWaterMark: 256 * 1024 }), c.query(from(\`COPY \${target} FROM STDIN\`)));
}
await c.query("COMMIT");
await c.end();
`;

const RAW_TABLES = "bench_raw_events, bench_raw_source_lines, bench_raw_events_nofk";

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("bench/import.ts: set DATABASE_URL to a PostgreSQL server (the raw COPY it compares with runs in a process of its own)");
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-bench-import-"));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const imported: string[] = [];
  try {
    await run(process.execPath, [racelab, "db", "migrate"]); // and builds the CLI if its sources changed
    const nopFile = path.join(dir, "nop.trace");
    const graphFile = path.join(dir, "function_graph.trace");
    await writeLog(nopFile, tracepointLog(LINES, 2, HALF_NOISE));
    await writeLog(graphFile, graphOfNop(tracepointLog(LINES, 2, HALF_NOISE)));
    console.log(`load average: ${loadAverage()} (${os.cpus().length} CPUs)`);

    const eventRows = path.join(dir, "events.copy");
    const sourceRows = path.join(dir, "source-lines.copy");
    const ratios: string[] = [];
    for (const [shape, file] of [["nop", nopFile], ["function_graph", graphFile]] as const) {
      const lines = readFileSync(file).reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
      const size = statSync(file).size;
      // Warm-up (page cache, server caches), not counted: an import of the same file under another name.
      const warm = JSON.parse((await run(process.execPath, [racelab, "import", file, "--name", `bench-warm-${shape}-${Date.now()}`, "--json"])).stdout);
      imported.push(warm.trace);
      // The rows it stored, as COPY text, and empty tables for them: identical ones (keys, indexes and
      // column compression, the foreign key to traces too: PostgreSQL checks that one row by row), and the
      // events' without the foreign key (what `LIKE … INCLUDING ALL` gives alone).
      await pipeline(db.query(copyTo(`COPY (SELECT ${COPY_COLUMNS} FROM events WHERE trace_id = '${warm.trace}' ORDER BY seq) TO STDOUT`)), createWriteStream(eventRows));
      await pipeline(
        db.query(copyTo(`COPY (SELECT ${SOURCE_LINE_COLUMNS} FROM source_lines WHERE trace_id = '${warm.trace}' ORDER BY first_line) TO STDOUT`)),
        createWriteStream(sourceRows),
      );
      await db.query(
        `DROP TABLE IF EXISTS ${RAW_TABLES};
         CREATE TABLE bench_raw_events (LIKE events INCLUDING ALL);
         ALTER TABLE bench_raw_events ADD FOREIGN KEY (trace_id) REFERENCES traces (id) ON UPDATE CASCADE ON DELETE CASCADE;
         CREATE TABLE bench_raw_source_lines (LIKE source_lines INCLUDING ALL);
         ALTER TABLE bench_raw_source_lines ADD FOREIGN KEY (trace_id) REFERENCES traces (id) ON UPDATE CASCADE ON DELETE CASCADE;
         CREATE TABLE bench_raw_events_nofk (LIKE events INCLUDING ALL)`,
      );
      const events = (table: string) => `${eventRows}=${table} (${COPY_COLUMNS})`;
      const variants = [
        [events("bench_raw_events"), `${sourceRows}=bench_raw_source_lines (${SOURCE_LINE_COLUMNS})`],
        [events("bench_raw_events")],
        [events("bench_raw_events_nofk")],
      ];
      const rawCopies = async () => {
        const secs: number[] = [];
        for (const copies of variants) {
          await db.query(`TRUNCATE ${RAW_TABLES}`);
          secs.push((await run(process.execPath, ["--input-type=module", "-e", RAW_COPY, url, ...copies])).secs);
        }
        return secs;
      };
      const before = await rawCopies();
      const imp = await run(process.execPath, [racelab, "import", file, "--name", `bench-${shape}-${Date.now()}`, "--json"]);
      const report = JSON.parse(imp.stdout);
      imported.push(report.trace);
      const after = await rawCopies();
      const rows = report.events as number;
      const blocks = Number((await db.query("SELECT count(*) AS n FROM source_lines WHERE trace_id = $1", [report.trace])).rows[0].n);
      const mean = before.map((b, i) => (b + after[i]!) / 2);
      const ratio = (i: number) => (mean[i]! / imp.secs).toFixed(2);
      const pair = (i: number) => `${before[i]!.toFixed(2)} s before, ${after[i]!.toFixed(2)} s after`;
      console.log(
        `${shape}: ${fmt(lines)} lines, ${(size / 1e6).toFixed(0)} MB, ${fmt(rows)} events (${((100 * rows) / lines).toFixed(0)}% of lines), ${fmt(blocks)} source-line blocks (${(statSync(sourceRows).size / 1e6).toFixed(0)} MB of text)\n` +
          `  racelab import (CLI, start-up included): ${imp.secs.toFixed(2)} s = ${fmt(rows / imp.secs)} events/s, peak RSS ${imp.peakRssMb?.toFixed(0) ?? "?"} MB\n` +
          `  raw COPY (own process, start-up included) of the rows it stored, events and source-line blocks, into identical tables: ${pair(0)}\n` +
          `  the events alone, identical table: ${pair(1)} = ${fmt(rows / mean[1]!)} rows/s; without its foreign key: ${pair(2)}\n` +
          `  ratio import / raw COPY: ${ratio(0)} (the rows it stored), ${ratio(1)} (the events alone), ${ratio(2)} (the events without the foreign key)   (target ≥ 0.8)`,
      );
      ratios.push(`${shape} ${ratio(0)} (events alone ${ratio(1)}, without the foreign key ${ratio(2)})`);
    }
    await db.query(`DROP TABLE IF EXISTS ${RAW_TABLES}`);
    console.log(`load average: ${loadAverage()}`);
    console.log(`ratios import / raw COPY: ${ratios.join(", ")}`);

    // Memory: a 1 GB function_graph log (mostly lines that make no event).
    const bigLines = Number(values["big-lines"]);
    if (bigLines > 0) {
      const big = path.join(dir, "big.trace");
      await writeLog(big, graphLog(bigLines, 5));
      const size = statSync(big).size;
      const imp = await run(process.execPath, [racelab, "import", big, "--json"]);
      const report = JSON.parse(imp.stdout);
      imported.push(report.trace);
      console.log(
        `import of a ${(size / 1e6).toFixed(0)} MB function_graph log (${fmt(bigLines)} lines, ${fmt(report.events)} events): ${imp.secs.toFixed(1)} s, ` +
          `${(size / 1e6 / imp.secs).toFixed(1)} MB/s; peak RSS ${imp.peakRssMb?.toFixed(0) ?? "?"} MB (target < 300 MB)`,
      );
      rmSync(big, { force: true });
    }
  } finally {
    if (!values.keep) for (const id of imported) await run(process.execPath, [racelab, "delete", id]).catch(() => {});
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.out) {
  const shape = values.shape;
  await writeLog(values.out, shape === "sparse" ? graphLog(LINES) : shape === "graph" ? graphOfNop(tracepointLog(LINES, 2, HALF_NOISE)) : tracepointLog(LINES, 2, HALF_NOISE));
} else await main();
