/**
 * `importFile` reads its input once as a rule: the content hash is computed
 * while the lines are parsed and COPYed, and what the hash and the fsids
 * decide is settled before the store commits — a re-import under another
 * name, a second fsid late in the file, a bad line deep into the COPY each
 * leave nothing of that pass stored. Against a real PostgreSQL.
 */
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { importFile, type ImportProgress } from "../../src/ftrace/import.ts";
import { databaseForFile, rowCounts } from "../helpers/db.ts";
import { rejection } from "../helpers/errors.ts";
import { tempDirForFile, writeIn } from "../helpers/for-file.ts";
import { parse, table } from "./helpers.ts";

const t = databaseForFile();
const dir = tempDirForFile("racelab-import-pass-test-");

const FSID_A = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
const FSID_B = "0f0f0f0f-3bd8-40f9-96af-23eafed4907a";
const NOP_HEAD = "# tracer: nop\n#\n";

/** A 6.1 `btrfs_reserve_extent` line (a bg_alloc event) of filesystem `fsid`, `i` making it distinct. */
function reserve(i: number, fsid = FSID_A): string {
  const ts = `${100 + Math.floor(i / 1e6)}.${String(i % 1e6).padStart(6, "0")}`;
  return `              dd-${200 + (i % 7)}     [00${i % 2}] .....   ${ts}: btrfs_reserve_extent: ${fsid}: root=2(EXTENT_TREE) block_group=30408704 flags=1(DATA) start=${30441472 + i * 16384} len=16384\n`;
}

const write = (name: string, content: string | Buffer) => writeIn(dir, name, content);

const counts = () => rowCounts(t);

function lines(n: number, from = 0, fsid = FSID_A): string {
  let s = "";
  for (let i = from; i < from + n; i++) s += reserve(i, fsid);
  return s;
}

describe("re-imports, known by the hash computed in the one read", () => {
  const text = NOP_HEAD + lines(30_000); // several read chunks and COPY writes

  test("the same content under another name: found before the commit, nothing of the second pass stored", async () => {
    const first = await importFile(t.store, write("first.trace", text), { table });
    expect(first.existing).toBe(false);
    expect(first.trace.source.hash).toMatch(/^[0-9a-f]{64}$/);
    const before = await counts();
    const progress: ImportProgress[] = [];
    const copy = await importFile(t.store, write("renamed.trace", text), { table, onProgress: (p) => progress.push(p) });
    // It was read and parsed (progress up to the end of the file): the hash decided at the end.
    expect(progress.at(-1)).toMatchObject({ lines: 30_002, events: 30_000 });
    expect(copy.existing).toBe(true);
    expect(copy.trace.id).toBe(first.trace.id);
    expect(copy.report).toEqual(first.report);
    expect(await counts()).toEqual(before);
  });

  test("the same file again (its name is known): hashed first, found without an import", async () => {
    const file = write("again.trace", text + "\n");
    const first = await importFile(t.store, file, { table });
    const before = await counts();
    const progress: ImportProgress[] = [];
    const again = await importFile(t.store, file, { table, onProgress: (p) => progress.push(p) });
    expect(again).toMatchObject({ existing: true, trace: { id: first.trace.id } });
    expect(progress).toEqual([]); // no line parsed
    expect(await counts()).toEqual(before);
    // Same name, other content: imported.
    writeFileSync(file, text + "\n\n");
    const changed = await importFile(t.store, file, { table });
    expect(changed.existing).toBe(false);
    expect(changed.trace.source.hash).not.toBe(first.trace.source.hash);
    expect(changed.trace.version).toBe(30_000);
  });

  test("a new name asked: imported again, with the same hash", async () => {
    const file = write("named.trace", text + "\n\n\n");
    const first = await importFile(t.store, file, { table });
    const named = await importFile(t.store, file, { table, name: "named again" });
    expect(named.existing).toBe(false);
    expect(named.trace.source.hash).toBe(first.trace.source.hash);
    expect(named.trace.version).toBe(first.trace.version);
  });
});

test("a second fsid deep in the file: the events already made are dropped, the file imported again knowing it", async () => {
  // The fsid of the relocation's chain stays unknown: with two filesystems its bytenr is unbound.
  const head =
    "# tracer: function\n#\n" +
    "  btrfs-9  [000] ....  1.0: x: bgr: args bytenr=4096\n" +
    "  btrfs-9  [000] ....  1.1: btrfs_relocate_chunk <-btrfs_balance\n";
  const text = head + lines(20_000) + lines(1, 20_000, FSID_B);
  const before = await counts();
  const r = await importFile(t.store, write("two-fs-late.trace", text), { table });
  const expected = parse(text);
  expect(expected.report.warningCounts).toEqual({ fsid_unknown: 1 });
  expect(r.report).toEqual(expected.report);
  const stored = await t.store.read(r.trace.id);
  expect(stored.map(({ seq: _seq, ...e }) => e)).toEqual(expected.events);
  expect(stored[0]!.data).toEqual({ bytenr: null });
  // Only the second pass is stored.
  expect(await counts()).toEqual({ traces: before.traces + 1, events: before.events + expected.events.length });
});

test("a bad line after 120k events were COPYed stores nothing; --skip-invalid stores the rest", async () => {
  const text = NOP_HEAD + lines(120_000) + "garbage here\n" + lines(10, 120_000);
  const file = write("late-garbage.trace", text);
  const before = await counts();
  const err = await rejection(importFile(t.store, file, { table }), "INVALID_TRACE");
  expect(err.message).toBe(`${file}:120003: not an ftrace line (expected \`task-pid [cpu] flags timestamp: …\`): garbage here`);
  expect(await counts()).toEqual(before);
  const r = await importFile(t.store, file, { table, skipInvalid: true });
  expect(r.report!.skipped).toEqual([120_003]);
  expect(r.trace.version).toBe(120_010);
  expect(await counts()).toEqual({ traces: before.traces + 1, events: before.events + 120_010 });
  // The same content under another file name, without --skip-invalid: the import kept before answers.
  const again = await importFile(t.store, write("late-garbage-copy.trace", text), { table });
  expect([again.existing, again.trace.id]).toEqual([true, r.trace.id]);
  expect(await counts()).toEqual({ traces: before.traces + 1, events: before.events + 120_010 });
});

test("progress counts the file's bytes as stored, up to its size (compressed bytes for gzip)", async () => {
  const text = NOP_HEAD + lines(100_000, 500_000);
  for (const [name, content] of [
    ["progress.trace", Buffer.from(text)],
    ["progress.trace.gz", gzipSync(Buffer.from(text))],
  ] as const) {
    const progress: ImportProgress[] = [];
    await importFile(t.store, write(name, content), { table, name, onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(1);
    for (const p of progress) expect(p.totalBytes).toBe(content.length);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes);
      expect(progress[i]!.lines).toBeGreaterThan(progress[i - 1]!.lines);
    }
    expect(progress.at(-1)).toEqual({ bytes: content.length, totalBytes: content.length, lines: 100_002, events: 100_000 });
  }
});
