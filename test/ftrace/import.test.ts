/**
 * `importFile` into a real PostgreSQL: real logs, re-imports, and every bad
 * input of issue 4 (each a clear message and nothing half-written).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { DomainError } from "../../src/errors.ts";
import { importFile } from "../../src/ftrace/import.ts";
import { databaseForFile, rowCounts } from "../helpers/db.ts";
import { rejection } from "../helpers/errors.ts";
import { tempDirForFile, writeIn } from "../helpers/for-file.ts";
import { fixture, parse, readFixture, SHARED_TRACES, table } from "./helpers.ts";

const t = databaseForFile();
const dir = tempDirForFile("racelab-import-test-");

const write = (name: string, content: string | Buffer) => writeIn(dir, name, content);

const counts = () => rowCounts(t);

/** The import must fail with INVALID_TRACE and leave the database as it was. */
async function failsCleanly(file: string, message: string | RegExp, opts: Parameters<typeof importFile>[2] = {}): Promise<DomainError> {
  const before = await counts();
  const err = await rejection(importFile(t.store, file, { table, ...opts }));
  expect(err.code).toBe("INVALID_TRACE");
  expect(err.message).toMatch(message);
  expect(await counts()).toEqual(before);
  return err;
}

const FLAT_HEAD = "# tracer: function\n#\n";
const good = (i: number) =>
  `           btrfs-2001  [000] ....   100.${String(i).padStart(6, "0")}: btrfs_relocate_block_group <-btrfs_relocate_chunk\n`;

/**
 * Events per type in the shared logs, counted from their text with grep:
 * the tracepoints (`btrfs_reserve_extent:` → bg_alloc, `btrfs_add_block_group:`
 * → bg_create, `btrfs_transaction_commit:` → commit_done,
 * `btrfs_skip_unused_block_group:` → unused_bg_check, `btrfs_chunk_alloc:`,
 * `btrfs_chunk_free:`, `btrfs_remove_block_group:`) and, in the function
 * logs, the traced functions (`btrfs_commit_transaction` → commit_start,
 * `btrfs_start_dirty_block_groups` → writeout_early,
 * `btrfs_write_dirty_block_groups` → writeout_critical,
 * `btrfs_create_pending_block_groups` → bg_items_insert,
 * `btrfs_inc_block_group_ro` → set_ro, `btrfs_relocate_chunk`,
 * `btrfs_relocate_block_group` → relocate_bg, `btrfs_remove_chunk`; the graph
 * log's exits of the two writeout functions → writeout_end).
 */
const TYPES_IN_LOG: Record<string, Record<string, number>> = {
  "balance-events.trace": { bg_alloc: 287, chunk_alloc: 4, bg_create: 4, commit_done: 41, chunk_free: 4, remove_block_group: 4, unused_bg_check: 5 },
  "balance-function.trace": {
    bg_alloc: 278, bg_items_insert: 605, chunk_alloc: 4, bg_create: 4, commit_start: 41, writeout_early: 41, writeout_critical: 22, commit_done: 41,
    relocate_chunk: 4, relocate_bg: 4, set_ro: 4, remove_chunk: 4, chunk_free: 4, remove_block_group: 4, unused_bg_check: 4,
  },
  "balance-function_graph.trace": {
    bg_alloc: 292, bg_items_insert: 635, chunk_alloc: 4, bg_create: 4, commit_start: 42, writeout_early: 42, writeout_end: 68, writeout_critical: 26,
    commit_done: 42, relocate_chunk: 4, relocate_bg: 4, set_ro: 4, remove_chunk: 4, chunk_free: 4, remove_block_group: 4, unused_bg_check: 4,
  },
};

/** The tracepoint lines of a log, by name (a regex over the text, not the importer). */
function tracepointCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^\s*\S.*?\[\d{3}\].*?\d+\.\d+: (btrfs_\w+): /gm)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  return out;
}

describe("real logs", () => {
  test("the events log's counts per type are its tracepoints' (grep, independently of the importer)", () => {
    const tp = tracepointCounts(readFileSync(path.join(SHARED_TRACES, "balance-events.trace"), "utf8"));
    expect(TYPES_IN_LOG["balance-events.trace"]).toEqual({
      bg_alloc: tp.btrfs_reserve_extent,
      chunk_alloc: tp.btrfs_chunk_alloc,
      bg_create: tp.btrfs_add_block_group,
      commit_done: tp.btrfs_transaction_commit,
      chunk_free: tp.btrfs_chunk_free,
      remove_block_group: tp.btrfs_remove_block_group,
      unused_bg_check: tp.btrfs_skip_unused_block_group,
    });
  });

  test.each(["balance-events.trace", "balance-function.trace", "balance-function_graph.trace"])(
    "%s imports with no invalid line; the events per type are the log's; what is stored reads back as imported",
    async (name) => {
      const file = path.join(SHARED_TRACES, name);
      const r = await importFile(t.store, file, { table });
      expect(r.existing).toBe(false);
      expect(r.report!.skipped).toEqual([]);
      expect(r.report!.unbound).toBe(0);
      const byType: Record<string, number> = {};
      for (const e of await t.store.read(r.trace.id)) byType[e.type] = (byType[e.type] ?? 0) + 1;
      expect(byType).toEqual(TYPES_IN_LOG[name]);
      const expected = parse(readFileSync(file, "utf8"));
      expect(r.report!.events).toBe(expected.events.length);
      expect(r.trace.version).toBe(expected.events.length);
      expect(r.trace.source).toMatchObject({ file, format: expected.report.format });
      expect(r.trace.source.hash).toMatch(/^[0-9a-f]{64}$/);
      const stored = await t.store.read(r.trace.id);
      expect(stored).toEqual(expected.events.map((e, i) => ({ ...e, seq: i + 1 })));
    },
  );
});

describe("in a worker thread (a large file's parse)", () => {
  test.each(["balance-events.trace", "balance-function_graph.trace"])(
    "%s: the same events, source lines and report as parsed in this thread",
    async (name) => {
      const file = path.join(SHARED_TRACES, name);
      const r = await importFile(t.store, file, { thread: true, name: `threaded-${name}` });
      const byType: Record<string, number> = {};
      const stored = await t.store.read(r.trace.id);
      for (const e of stored) byType[e.type] = (byType[e.type] ?? 0) + 1;
      expect(byType).toEqual(TYPES_IN_LOG[name]);
      const expected = parse(readFileSync(file, "utf8"));
      expect(stored).toEqual(expected.events.map((e, i) => ({ ...e, seq: i + 1 })));
      expect(r.report).toEqual(expected.report);
      // Each event's line reads back with its text, as the file has it.
      const lines = readFileSync(file, "utf8").split("\n");
      const some = [stored[0]!, stored[Math.floor(stored.length / 2)]!, stored.at(-1)!];
      const source = await t.store.sourceLines(r.trace.id, some.map((e) => ({ seq: e.seq, line: e.origin.line })));
      for (const e of some) expect(source.get(e.seq)?.text).toBe(lines[e.origin.line! - 1]);
      // The content's hash (taken beside the thread, not in it), as sha256sum gives it.
      expect(r.trace.source.hash).toBe(createHash("sha256").update(readFileSync(file)).digest("hex"));
    },
  );

  test("a malformed line in the middle: the thread's message names file:line, nothing is stored", async () => {
    const body = Array.from({ length: 2000 }, (_, i) => good(i + 1)).join("");
    const file = write("threaded-bad.trace", FLAT_HEAD + body + "garbage here\n" + body);
    await failsCleanly(file, /threaded-bad\.trace:2003: not an ftrace line .*: garbage here$/, { thread: true, table: undefined });
  });

  test("a second fsid found late in the thread: imported again knowing it (events whose fsid stays unknown unbound)", async () => {
    const fsidA = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
    const fsidB = "0f0f0f0f-3bd8-40f9-96af-23eafed4907a";
    const tail = (fsid: string) => `  dd-5  [000] ....  1.2: btrfs_reserve_extent: ${fsid}: block_group=8192 start=8192 len=1\n`;
    const text = FLAT_HEAD + "  btrfs-9  [000] ....  1.0: x: bgr: args bytenr=4096\n  btrfs-9  [000] ....  1.1: btrfs_relocate_chunk <-btrfs_balance\n" + tail(fsidA) + tail(fsidB);
    const two = await importFile(t.store, write("threaded-two-fs.trace", text), { thread: true });
    expect((await t.store.read(two.trace.id)).map((e) => (e.data as { bytenr: bigint | null }).bytenr)).toEqual([null, 8192n, 8192n]);
  });
});

describe("memory limit", () => {
  test("with a tiny in-memory queue, waiting events spill to a temporary file; the stored trace is the same", async () => {
    const file = path.join(SHARED_TRACES, "balance-function.trace");
    const r = await importFile(t.store, file, { table, queueLimit: 3, name: "spilled" });
    // the same events as without spilling (the in-memory pipeline), and as many as the log has (TYPES_IN_LOG: 1064)
    const expected = parse(readFileSync(file, "utf8")).events;
    expect(expected).toHaveLength(1064);
    expect((await t.store.read(r.trace.id)).map(({ seq: _seq, ...e }) => e)).toEqual(expected);
  });

  test("the pre-scan sees a second fsid: events whose fsid stays unknown are unbound", async () => {
    const fsidA = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
    const fsidB = "0f0f0f0f-3bd8-40f9-96af-23eafed4907a";
    const head =
      FLAT_HEAD +
      "  btrfs-9  [000] ....  1.0: x: bgr: args bytenr=4096\n" +
      "  btrfs-9  [000] ....  1.1: btrfs_relocate_chunk <-btrfs_balance\n";
    const tail = (fsid: string) => `  dd-5  [000] ....  1.2: btrfs_reserve_extent: ${fsid}: block_group=8192 start=8192 len=1\n`;
    const one = await importFile(t.store, write("one-fs.trace", head + tail(fsidA) + tail(fsidA)), { table });
    expect((await t.store.read(one.trace.id)).map((e) => (e.data as { bytenr: bigint | null }).bytenr)).toEqual([4096n, 8192n, 8192n]);
    const two = await importFile(t.store, write("two-fs.trace", head + tail(fsidA) + tail(fsidB)), { table });
    expect((await t.store.read(two.trace.id)).map((e) => (e.data as { bytenr: bigint | null }).bytenr)).toEqual([null, 8192n, 8192n]);
    expect(two.report!.warningCounts).toEqual({ fsid_unknown: 1 });
  });
});

describe("re-imports", () => {
  test("same content twice → one trace; a new --name imports again", async () => {
    const file = fixture("races/scrub-vs-bg-deletion.trace");
    const first = await importFile(t.store, file, { table });
    const before = await counts();
    const again = await importFile(t.store, file, { table });
    expect(again.existing).toBe(true);
    expect(again.trace.id).toBe(first.trace.id);
    // The import report was kept with the trace.
    expect(again.report).toEqual(first.report);
    expect(again.trace.meta).toMatchObject({ importer: "ftrace", report: { events: first.trace.version, format: "trace-cmd" } });
    expect(await counts()).toEqual(before);
    // Same content under another path: still the same trace.
    const copy = write("copy.trace", readFixture("races/scrub-vs-bg-deletion.trace"));
    expect((await importFile(t.store, copy, { table })).trace.id).toBe(first.trace.id);
    const named = await importFile(t.store, file, { table, name: "scrub again" });
    expect(named.existing).toBe(false);
    expect(named.trace.name).toBe("scrub again");
    expect(named.trace.version).toBe(first.trace.version);
  });

  test("a gzip file is read directly (and is the same content as the plain file)", async () => {
    const text = readFixture("races/trim-vs-bg-removal.trace") + "\n"; // distinct content from other tests
    const gz = write("trim.trace.gz", gzipSync(Buffer.from(text)));
    const r = await importFile(t.store, gz, { table });
    expect(r.trace.name).toBe("trim.trace");
    expect(r.trace.version).toBe(parse(text).events.length);
    const plain = write("trim-plain.trace", text);
    expect((await importFile(t.store, plain, { table })).trace.id).toBe(r.trace.id);
  });

  test("stdin (`-`)", async () => {
    const text = readFixture("races/bg-creation-vs-cache-writeout.trace");
    const r = await importFile(t.store, "-", { table, stdin: Readable.from([Buffer.from(text)]) });
    expect(r.trace.name).toBe("stdin");
    expect(r.trace.source.file).toBe("stdin");
    expect((await t.store.read(r.trace.id)).map((e) => e.type)).toEqual(parse(text).events.map((e) => e.type));
  });
});

describe("bad input: a clear message, nothing stored", () => {
  test("empty file, blank-only file", async () => {
    await failsCleanly(write("empty.trace", ""), /empty\.trace: empty file$/);
    await failsCleanly(write("blank.trace", "\n\n  \n"), /blank\.trace: empty file/);
  });

  test("binary trace.dat (plain or gzip): run trace-cmd report first", async () => {
    const dat = Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from("tracing6\0\0\0\x01\x02")]);
    await failsCleanly(write("trace.dat", dat), /trace\.dat: binary trace-cmd data; run `trace-cmd report` first/);
    await failsCleanly(write("trace.dat.gz", gzipSync(dat)), /binary trace-cmd data/);
  });

  test("corrupt gzip", async () => {
    const gz = gzipSync(Buffer.from(FLAT_HEAD + good(1)));
    await failsCleanly(write("bad.gz", gz.subarray(0, gz.length - 10)), /bad\.gz: corrupt gzip data/);
  });

  test("a 10 MB line: invalid line, memory bounded; with --skip-invalid the rest is stored", async () => {
    const file = write("long.trace", FLAT_HEAD + good(1) + "x".repeat(10 * 1024 * 1024) + "\n" + good(2));
    const err = await failsCleanly(file, /long\.trace:4: line too long \(10485760 bytes\): x{20}/);
    expect(err.message.length).toBeLessThan(300);
    const r = await importFile(t.store, file, { table, skipInvalid: true, name: "long" });
    expect(r.report!.skipped).toEqual([4]);
    expect((await t.store.read(r.trace.id)).map((e) => e.origin.line)).toEqual([3, 5]);
  });

  test("a malformed line stops the import; --skip-invalid imports the rest and lists it", async () => {
    const file = write(
      "malformed.trace",
      FLAT_HEAD + good(1) + "garbage here\n" + good(2) + "  dd-1  [000] ....  1.0: foo bar\n" + good(3),
    );
    await failsCleanly(file, /\/malformed\.trace:4: not an ftrace line .*: garbage here$/);
    const r = await importFile(t.store, file, { table, skipInvalid: true });
    expect(r.report!.skipped).toEqual([4, 6]);
    expect((await t.store.read(r.trace.id)).map((e) => e.origin.line)).toEqual([3, 5, 7]);
  });

  test("a truncated last line is invalid; a complete one without newline is fine", async () => {
    await failsCleanly(
      write("cut.trace", FLAT_HEAD + good(1) + "           btrfs-2001  [000] ....   100.0000"),
      /cut\.trace:4: truncated last line/,
    );
    const ok = await importFile(t.store, write("nonl.trace", FLAT_HEAD + good(1) + good(2).trimEnd()), { table });
    expect(ok.trace.version).toBe(2);
  });

  test("CRLF line ends are accepted as they are", async () => {
    const text = readFixture("races/balance-vs-unused-bg-deletion.trace");
    const r = await importFile(t.store, write("crlf.trace", text.replace(/\n/g, "\r\n")), { table });
    const stored = await t.store.read(r.trace.id);
    expect(stored.map(({ seq: _seq, ...e }) => e)).toEqual(parse(text).events);
  });

  test("non-UTF-8 bytes: kept in a task name, invalid elsewhere", async () => {
    const line = (comm: Buffer, fn: Buffer) =>
      Buffer.concat([Buffer.from("  "), comm, Buffer.from("-77  [001] ....  5.000001: "), fn, Buffer.from(" <-btrfs_balance\n")]);
    const badComm = Buffer.concat([Buffer.from(FLAT_HEAD), line(Buffer.from([0x62, 0xff, 0x72]), Buffer.from("btrfs_relocate_chunk"))]);
    const r = await importFile(t.store, write("comm.trace", badComm), { table });
    expect((await t.store.read(r.trace.id))[0]!.origin.comm).toBe("b\uFFFDr");
    const badFn = Buffer.concat([Buffer.from(FLAT_HEAD), line(Buffer.from("br"), Buffer.from([0x62, 0xff, 0x72]))]);
    await failsCleanly(write("fn.trace", badFn), /fn\.trace:3: bytes that are not UTF-8 outside the task name/);
  });

  test("an unsupported tracer and an unreadable file", async () => {
    await failsCleanly(
      write("wakeup.trace", "# tracer: wakeup\n#\n  dd-1 [000] .... 1.0: x\n"),
      /wakeup\.trace:1: unsupported tracer "wakeup".*: # tracer: wakeup$/,
    );
    const err = await rejection(importFile(t.store, path.join(dir, "missing.trace"), { table }));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toMatch(/missing\.trace: cannot read: ENOENT/);
  });
});
