/**
 * Source lines (issue 14): the text of the lines that made events, stored by
 * the import in blocks, in its own transaction; read back per event, across
 * forks and after the base of a fork is deleted. Expected texts are the
 * lines given, written out.
 */
import { ImportRowsEncoder } from "../../src/events/import-rows.ts";
import { BLOCK_LINES, blockLines } from "../../src/events/source-lines.ts";
import { DomainError } from "../../src/errors.ts";
import { SOURCE_BATCH_BYTES } from "../../src/events/pg-store.ts";
import type { RaceEvent } from "../../src/events/types.ts";
import { databaseForFile } from "../helpers/db.ts";
import { origin } from "../helpers/events.ts";

const t = databaseForFile();

const ev = (line: number, pid = 7): RaceEvent => ({ type: "commit_done", data: { gen: line }, origin: origin({ line, pid }), chain: null });
/** What the API's source loader passes: each event's seq and line. */
const at = (events: readonly { seq: number; origin: { line: number | null } }[]) => events.map((e) => ({ seq: e.seq, line: e.origin.line }));
const text = (line: number) => `  task-${line}  [001] ..... 1.${String(line).padStart(6, "0")}: btrfs_transaction_commit:\tgen=${line} \\ "q"`;

/** The blocks of the encoder's `source_lines` COPY text, unescaped by the test itself: [first, last, block text]. */
function copiedBlocks(bytes: Uint8Array): [number, number, string][] {
  const unescape = (v: string) => v.replace(/\\([\\ntr])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : "\\"));
  const rows = Buffer.from(bytes).toString("utf8").split("\n").filter((r) => r !== "");
  return rows.map((r) => {
    const [, first, last, text] = r.split("\t");
    return [Number(first), Number(last), unescape(text!)];
  });
}

test("a block holds lines with tabs, backslashes and empty text, and closes at its size", () => {
  const traceId = "8f11b857-6dc8-4e65-917e-0118b0a1a4d3";
  const encoder = new ImportRowsEncoder(traceId);
  const lines = [1, 2, 5, 9].map((line) => ({ line, text: line === 5 ? "" : text(line) }));
  encoder.add([], lines);
  expect(encoder.take()).toBeNull();
  const [block, ...rest] = copiedBlocks(encoder.take(true)!.sourceLines);
  expect(rest).toEqual([]);
  expect(block!.slice(0, 2)).toEqual([1, 9]);
  expect([...blockLines(block![2])]).toEqual(lines.map((l) => [l.line, l.text]));
  expect([...blockLines(block![2], new Set([5, 9]))]).toEqual([[5, ""], [9, text(9)]]);
  expect(encoder.take(true)).toBeNull();
  encoder.add([], Array.from({ length: BLOCK_LINES * 2 }, (_, i) => ({ line: 10 + i, text: "x" })));
  const closed = copiedBlocks(encoder.take(true)!.sourceLines);
  expect(closed.map(([first, last]) => [first, last])).toEqual([
    [10, 9 + BLOCK_LINES],
    [10 + BLOCK_LINES, 9 + 2 * BLOCK_LINES],
  ]);
});

test("imported with their events, read back per event; a fork reads its base's, and keeps them when the base is deleted", async () => {
  const n = 1500;
  const events = Array.from({ length: n }, (_, i) => ev(10 + 2 * i));
  const base = await t.store.importTrace({ name: "with-sources", source: { file: "x.trace", hash: null, format: "api" } }, [
    { events: events.slice(0, 700), sourceLines: events.slice(0, 700).map((e) => ({ line: e.origin.line!, text: text(e.origin.line!) })) },
    { events: events.slice(700), sourceLines: events.slice(700).map((e) => ({ line: e.origin.line!, text: text(e.origin.line!) })) },
  ]);
  const stored = await t.store.read(base.id, { from: 690, to: 712 });
  const got = await t.store.sourceLines(base.id, at(stored));
  expect(stored.map((e) => got.get(e.seq))).toEqual(stored.map((e) => ({ line: e.origin.line, text: text(e.origin.line!) })));
  // Lines of events far apart: only their blocks are read.
  const far = await t.store.read(base.id, { from: 1, to: 1 });
  const last = await t.store.read(base.id, { from: n, to: n });
  const both = await t.store.sourceLines(base.id, at([...far, ...last]));
  expect(both.get(1)).toEqual({ line: 10, text: text(10) });
  expect(both.get(n)).toEqual({ line: 10 + 2 * (n - 1), text: text(10 + 2 * (n - 1)) });

  const fork = await t.store.forkTrace(base.id, 1000, { name: "fork", source: { file: null, hash: null, format: "api" } });
  await t.store.append(fork.id, 1000, [ev(20)]); // an appended event: a line number, no stored text
  const around = await t.store.read(fork.id, { from: 999, to: 1001 });
  const inFork = await t.store.sourceLines(fork.id, at(around));
  expect(inFork.get(999)).toEqual({ line: around[0]!.origin.line, text: text(around[0]!.origin.line!) });
  expect(inFork.get(1000)).toBeDefined();
  expect(inFork.has(1001)).toBe(false);
  await t.store.deleteTrace(base.id);
  const after = await t.store.sourceLines(fork.id, at(await t.store.read(fork.id, { from: 1, to: 1001 })));
  expect(after.size).toBe(1000);
  expect(after.get(500)).toEqual({ line: 10 + 2 * 499, text: text(10 + 2 * 499) });
});

test("an import whose lines outgrow what it holds writes them between its events' COPY statements: every event keeps its line", async () => {
  // Lines of ~600 characters: more than twice SOURCE_BATCH_BYTES of text in all, so they are written out mid-import.
  const long = (line: number) => `${text(line)} ${"ü".repeat(300)}`;
  const n = Math.ceil((2.5 * SOURCE_BATCH_BYTES) / Buffer.byteLength(long(1)));
  const events = Array.from({ length: n }, (_, i) => ev(3 + i));
  const batches = [];
  for (let i = 0; i < n; i += 1000) {
    const part = events.slice(i, i + 1000);
    batches.push({ events: part, sourceLines: part.map((e) => ({ line: e.origin.line!, text: long(e.origin.line!) })) });
  }
  const trace = await t.store.importTrace({ name: "long-sources", source: { file: "long.trace", hash: null, format: "api" } }, batches);
  expect(trace.version).toBe(n);
  const stored = await t.store.read(trace.id);
  const got = await t.store.sourceLines(trace.id, at(stored));
  expect(got.size).toBe(n);
  for (const e of stored) expect(got.get(e.seq)).toEqual({ line: e.seq + 2, text: long(e.seq + 2) });
});

test("source lines out of order are refused and nothing of the import is stored", async () => {
  const err = await t.store
    .importTrace({ name: "bad-sources", source: { file: "bad.trace", hash: null, format: "api" } }, [
      { events: [ev(3), ev(4)], sourceLines: [{ line: 4, text: "b" }, { line: 3, text: "a" }] },
    ])
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe("BAD_USER_INPUT");
  expect((err as Error).message).toBe("bad.trace: source line: line 3: source lines must come in ascending order (after line 4)");
  expect(await t.store.findTrace("bad-sources")).toBeNull();
});
