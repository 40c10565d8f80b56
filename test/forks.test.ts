/**
 * Forks share their base's prefix (pg-store `forkTrace`): one row written
 * whatever the prefix's length, reads that see base then own events, appends
 * on either side that stay apart, and deletes of a base that leave its forks'
 * events exactly as they were.
 */
import type { RaceEvent, StoredEvent } from "../src/events/types.ts";
import { DomainError } from "../src/errors.ts";
import { databaseForFile } from "./helpers/db.ts";
import { rejection } from "./helpers/errors.ts";
import { setRo } from "./helpers/events.ts";

const t = databaseForFile();

/** n set_ro events whose bytenr says who wrote them (`tag` GiB + i). */
const events = (tag: number, n: number): RaceEvent[] => Array.from({ length: n }, (_, i) => setRo(BigInt(tag) * (1n << 30n) + BigInt(i), { line: i + 1 }));
const tagOf = (e: StoredEvent) => Number((e.data as { bytenr: bigint }).bytenr >> 30n);

async function traceWith(name: string, tag: number, n: number) {
  const trace = await t.store.createTrace({ name, source: { file: null, hash: null, format: "api" } });
  await t.store.append(trace.id, 0, events(tag, n));
  return trace;
}

const fork = (baseId: string, atSeq: number, name: string) =>
  t.store.forkTrace(baseId, atSeq, { name, source: { file: null, hash: null, format: "api" } });

async function ownRows(traceId: string): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE trace_id = $1", [traceId]);
  return rows[0]!.n;
}

async function base(traceId: string): Promise<{ base_id: string | null; base_seq: number | null }> {
  const { rows } = await t.db.pool.query("SELECT base_id, base_seq FROM traces WHERE id = $1", [traceId]);
  return rows[0];
}

test("a fork reads its base's prefix without a copy, and grows on its own", async () => {
  const origin = await traceWith("origin", 1, 30);
  const what = await fork(origin.id, 20, "what-if");
  expect(what.version).toBe(20);
  expect(await ownRows(what.id)).toBe(0);
  expect(await base(what.id)).toEqual({ base_id: origin.id, base_seq: 20 });
  expect(await t.store.read(what.id)).toEqual(await t.store.read(origin.id, { to: 20 }));

  expect(await t.store.append(what.id, 20, events(2, 5))).toBe(25);
  expect(await t.store.append(origin.id, 30, events(1, 3))).toBe(33);
  const read = await t.store.read(what.id);
  expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  expect(read.map(tagOf)).toEqual([...Array(20).fill(1), ...Array(5).fill(2)]);
  expect((await t.store.read(origin.id)).map(tagOf)).toEqual(Array(33).fill(1));
  // ranges across the seam, and pages smaller than a part
  expect((await t.store.read(what.id, { from: 18, to: 22 })).map((e) => [e.seq, tagOf(e)])).toEqual([[18, 1], [19, 1], [20, 1], [21, 2], [22, 2]]);
  const pages: number[][] = [];
  for await (const page of t.store.stream(what.id, { from: 15 }, 4)) pages.push(page.map((e) => e.seq));
  expect(pages.flat()).toEqual(Array.from({ length: 11 }, (_, i) => i + 15));
  expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(4);
});

test("a fork at 0 is an empty trace; atSeq past the base's version is refused and nothing is made", async () => {
  const origin = await traceWith("bounds", 3, 4);
  const empty = await fork(origin.id, 0, "empty");
  expect([empty.version, await base(empty.id)]).toEqual([0, { base_id: null, base_seq: null }]);
  const before = (await t.store.listTraces()).length;
  const err = await rejection(fork(origin.id, 5, "too-far"));
  expect(err).toBeInstanceOf(DomainError);
  expect([(err as DomainError).code, (err as DomainError).message]).toEqual(["BAD_USER_INPUT", "atSeq: 5 is not within 0..4"]);
  expect((await rejection(fork("00000000-0000-4000-8000-000000000000", 0, "no-base")) as DomainError).code).toBe("NOT_FOUND");
  expect((await t.store.listTraces()).length).toBe(before);
});

test("a fork inside a fork's shared prefix is made on the base itself", async () => {
  const g = await traceWith("g", 4, 10);
  const o = await fork(g.id, 6, "o");
  await t.store.append(o.id, 6, events(5, 4));
  const inside = await fork(o.id, 5, "inside");
  const beyond = await fork(o.id, 8, "beyond");
  expect(await base(inside.id)).toEqual({ base_id: g.id, base_seq: 5 });
  expect(await base(beyond.id)).toEqual({ base_id: o.id, base_seq: 8 });
  expect((await t.store.read(beyond.id)).map(tagOf)).toEqual([4, 4, 4, 4, 4, 4, 5, 5]);
});

test("deleting a base keeps its forks' events as they were, down a chain of forks", async () => {
  const g = await traceWith("chain-g", 6, 10);
  const o = await fork(g.id, 7, "chain-o");
  await t.store.append(o.id, 7, events(7, 5)); // o: 7 of g, 5 own
  const c = await fork(o.id, 10, "chain-c");
  await t.store.append(c.id, 10, events(8, 2)); // c: 7 of g, 3 of o, 2 own
  const d = await fork(c.id, 12, "chain-d"); // d: all of c
  const seen = async () => Promise.all([o, c, d].map(async (x) => (await t.store.read(x.id)).map((e) => [e.seq, tagOf(e)])));
  const before = await seen();
  expect(before[1]!.map(([, tag]) => tag)).toEqual([6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 8, 8]);

  expect(await t.store.deleteTrace(o.id)).toBe(true);
  expect(await t.store.getTrace(o.id)).toBeNull();
  expect(await base(c.id)).toEqual({ base_id: g.id, base_seq: 7 });
  expect(await ownRows(c.id)).toBe(5); // o's 3 shared rows copied in, beside its own 2
  expect((await seen()).slice(1)).toEqual(before.slice(1));

  expect(await t.store.deleteTrace(g.id)).toBe(true);
  expect(await base(c.id)).toEqual({ base_id: null, base_seq: null });
  expect(await ownRows(c.id)).toBe(12);
  expect((await seen()).slice(1)).toEqual(before.slice(1));
  expect(await base(d.id)).toEqual({ base_id: c.id, base_seq: 12 });
  // the re-based fork still appends after its events
  expect(await t.store.append(c.id, 12, events(9, 1))).toBe(13);
  expect((await t.store.read(d.id)).length).toBe(12);
});
