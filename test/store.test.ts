/**
 * The PostgreSQL event store against a real PostgreSQL: a server database of
 * its own with TEST_DATABASE_URL/DATABASE_URL, the embedded one otherwise.
 */
import type { RaceEvent } from "../src/events/types.ts";
import { DomainError } from "../src/errors.ts";
import { databaseForFile } from "./helpers/db.ts";
import { rejection } from "./helpers/errors.ts";
import { origin, setRo, varietyOfEvents } from "./helpers/events.ts";

const t = databaseForFile({ poolSize: 24 });

const newTrace = (name: string, hash: string | null = null) =>
  t.store.createTrace({ name, source: { file: hash ? `${name}.trace` : null, hash, format: "api" } });

async function countRows(table: "events" | "snapshots", traceId: string): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE trace_id = $1`, [traceId]);
  return Number(rows[0]!.n);
}

describe("append and read", () => {
  test("what is read back equals what was written, seq 1..n, bigints restored", async () => {
    const trace = await newTrace("round-trip");
    const events = varietyOfEvents();
    expect(await t.store.append(trace.id, 0, events)).toBe(events.length);

    const back = await t.store.read(trace.id);
    expect(back).toEqual(events.map((e, i) => ({ ...e, seq: i + 1 })));
    expect(typeof (back[1]!.data as { bytenr: bigint }).bytenr).toBe("bigint");
    expect((await t.store.getTrace(trace.id))?.version).toBe(events.length);

    // Origin in columns, lineSeq and chain in metadata, payload as JSONB with decimal strings.
    const { rows } = await t.db.pool.query(
      "SELECT seq, type, pid, comm, cpu, ts::text AS ts, line, data, metadata FROM events WHERE trace_id = $1 AND seq = 2",
      [trace.id],
    );
    expect(rows[0]).toMatchObject({
      seq: 2,
      type: "chunk_alloc",
      pid: 0,
      cpu: null,
      ts: "9223372036854775807",
      line: 8,
      data: { bytenr: "18446744073709551615", stripes: [{ devid: 1, physical: "22020096" }, { devid: 1, physical: "18446744073709551614" }] },
      metadata: { lineSeq: 1, chain: { id: 2, kind: "creation" } },
    });
  });

  test("a range is read inclusively and in order", async () => {
    const trace = await newTrace("range");
    const events = Array.from({ length: 30 }, (_, i) => setRo(BigInt(i) * 4096n, { line: i + 1 }));
    await t.store.append(trace.id, 0, events.slice(0, 10));
    await t.store.append(trace.id, 10, events.slice(10));
    const part = await t.store.read(trace.id, { from: 5, to: 12 });
    expect(part.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(part.map((e) => e.origin.line)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await t.store.read(trace.id, { from: 29 })).map((e) => e.seq)).toEqual([29, 30]);
    expect(await t.store.read(trace.id, { from: 31 })).toEqual([]);
  });

  test("an expected-version conflict fails with CONFLICT and writes nothing", async () => {
    const trace = await newTrace("conflict");
    await t.store.append(trace.id, 0, [setRo(1n), setRo(2n)]);

    const err = await rejection(t.store.append(trace.id, 1, [setRo(3n), setRo(4n)]));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toBe(`trace ${trace.id}: expected version 1, stream is at 2`);
    expect((await rejection(t.store.append(trace.id, 0, [setRo(5n)]))).code).toBe("CONFLICT");

    expect(await countRows("events", trace.id)).toBe(2);
    expect((await t.store.getTrace(trace.id))?.version).toBe(2);
    expect(await t.store.append(trace.id, 2, [setRo(3n)])).toBe(3);
    expect(await t.store.append(trace.id, "any", [setRo(4n)])).toBe(4);
  });

  test("appending to a trace that does not exist is NOT_FOUND", async () => {
    expect((await rejection(t.store.append("00000000-0000-4000-8000-000000000000", 0, [setRo(1n)]))).code).toBe("NOT_FOUND");
    expect((await rejection(t.store.append("no-such-trace", "any", [setRo(1n)]))).code).toBe("NOT_FOUND");
  });

  test("20 concurrent appenders x 100 appends: 2000 events, seq 1..2000 gapless, no duplicates", async () => {
    const trace = await newTrace("concurrent");
    const appenders = 20;
    const perAppender = 100;
    await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        for (let k = 0; k < perAppender; k++) {
          await t.store.append(trace.id, "any", [setRo(BigInt(a * 1000 + k), { pid: a + 1, line: k + 1 })]);
        }
      }),
    );
    const events = await t.store.read(trace.id);
    expect(events).toHaveLength(appenders * perAppender);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: appenders * perAppender }, (_, i) => i + 1));
    const keys = new Set(events.map((e) => `${e.origin.pid}:${e.origin.line}`));
    expect(keys.size).toBe(appenders * perAppender);
    // Each appender's own events keep its order.
    for (let a = 1; a <= appenders; a++) {
      const lines = events.filter((e) => e.origin.pid === a).map((e) => e.origin.line);
      expect(lines).toEqual(Array.from({ length: perAppender }, (_, k) => k + 1));
    }
    expect((await t.store.getTrace(trace.id))?.version).toBe(appenders * perAppender);
  });

  test("optimistic appenders that retry on CONFLICT: every event once, in a gapless stream", async () => {
    const trace = await newTrace("optimistic");
    const appenders = 6;
    const perAppender = 25;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        for (let k = 0; k < perAppender; k++) {
          // Two events per append: a conflicting append must write neither.
          const pair = [setRo(1n, { pid: a + 1, line: 2 * k + 1 }), setRo(2n, { pid: a + 1, line: 2 * k + 2 })];
          for (;;) {
            const version = (await t.store.getTrace(trace.id))!.version;
            try {
              await t.store.append(trace.id, version, pair);
              break;
            } catch (err) {
              if (!(err instanceof DomainError && err.code === "CONFLICT")) throw err;
              conflicts += 1;
            }
          }
        }
      }),
    );
    const events = await t.store.read(trace.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 2 * appenders * perAppender }, (_, i) => i + 1));
    expect(new Set(events.map((e) => `${e.origin.pid}:${e.origin.line}`)).size).toBe(events.length);
    // Pairs stay adjacent: an append is all or nothing.
    for (let i = 0; i < events.length; i += 2) {
      expect([events[i]!.origin.pid, events[i]!.origin.line! + 1]).toEqual([events[i + 1]!.origin.pid, events[i + 1]!.origin.line]);
    }
    expect(conflicts).toBeGreaterThan(0); // they did race
  });
});

describe("validation at the boundary", () => {
  const cases: [string, unknown, RegExp][] = [
    ["unknown type", { type: "bg_explode", data: {}, origin: origin() }, /^events\[1\]\.type: unknown event type "bg_explode"$/],
    ["missing field", { type: "set_ro", data: { flag: false }, origin: origin() }, /^events\[1\]\.data\.bytenr: /],
    ["wrong type", { type: "set_ro", data: { bytenr: "0x1000", flag: "yes" }, origin: origin() }, /^events\[1\]\.data\.flag: /],
    ["negative address", { type: "remove_chunk", data: { bytenr: -5n }, origin: origin() }, /^events\[1\]\.data\.bytenr: expected a non-negative 64-bit integer/],
    ["unknown payload field", { type: "relocate_bg", data: { bytenr: 1n, colour: "red" }, origin: origin() }, /^events\[1\]\.data: unknown field colour$/],
    ["missing pid", { type: "commit_start", data: {}, origin: { line: 1 } }, /^events\[1\]\.origin\.pid: /],
    ["pid beyond int4", { type: "commit_start", data: {}, origin: origin({ pid: 2 ** 31 }) }, /^events\[1\]\.origin\.pid: /],
    ["bad chain kind", { type: "trim_bg", data: { bytenr: 1n }, origin: origin(), chain: { id: 1, kind: "defrag" } }, /^events\[1\]\.chain\.kind: /],
    ["not an object", 42, /^events\[1\]: expected an object$/],
  ];

  test.each(cases)("%s is refused with the field named and nothing is written", async (_name, bad, message) => {
    const trace = await newTrace("validation");
    await t.store.append(trace.id, 0, [setRo(1n)]);
    const err = await rejection(t.store.append(trace.id, 1, [setRo(2n), bad as RaceEvent, setRo(3n)]));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toMatch(message);
    expect(await countRows("events", trace.id)).toBe(1);
    expect((await t.store.getTrace(trace.id))?.version).toBe(1);
  });
});

describe("bulk import with COPY", () => {
  async function* batches(total: number, size: number, poisonAt?: number): AsyncIterable<RaceEvent[]> {
    for (let at = 0; at < total; at += size) {
      const batch: RaceEvent[] = [];
      for (let i = at; i < Math.min(total, at + size); i++) {
        if (i === poisonAt) batch.push({ type: "set_ro", data: { bytenr: "x" }, origin: origin({ line: i + 1 }) } as unknown as RaceEvent);
        else batch.push(setRo(BigInt(i) * 65536n, { line: i + 1, pid: 1 + (i % 7), ts: BigInt(i) * 1000n, comm: i % 3 ? "btrfs-balance" : "a\tb\\c" }));
      }
      yield batch;
    }
  }

  test("100k events land, all of them, in order", async () => {
    const n = 100_000;
    const info = await t.store.importTrace({ name: "bulk", source: { file: "bulk.trace", hash: "h-bulk", format: "jsonl" }, meta: { lines: n } }, batches(n, 1000));
    expect(info.version).toBe(n);
    expect(info.meta).toEqual({ lines: n });
    const { rows } = await t.db.pool.query<{ n: string; min: number; max: number; ordered: boolean }>(
      `SELECT count(*) AS n, min(seq) AS min, max(seq) AS max,
              bool_and(line = seq AND (data->>'bytenr')::numeric = (seq - 1)::numeric * 65536) AS ordered
         FROM events WHERE trace_id = $1`,
      [info.id],
    );
    expect(rows[0]).toEqual({ n: String(n), min: 1, max: n, ordered: true });
    const sample = await t.store.read(info.id, { from: 49_999, to: 50_001 });
    expect(sample).toEqual([49_998, 49_999, 50_000].map((i) => ({
      ...setRo(BigInt(i) * 65536n, { line: i + 1, pid: 1 + (i % 7), ts: BigInt(i) * 1000n, comm: i % 3 ? "btrfs-balance" : "a\tb\\c" }),
      seq: i + 1,
    })));
    // Appends continue after an import.
    expect(await t.store.append(info.id, n, [setRo(1n)])).toBe(n + 1);
  });

  test("a malformed event mid-import stores nothing of the trace and names event and field", async () => {
    const before = (await t.store.listTraces()).length;
    const err = await rejection(t.store.importTrace({ name: "poisoned", source: { file: null, hash: "h-poison", format: "jsonl" } }, batches(120_000, 5000, 70_123)));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toBe('line 70124: event 70124: data.bytenr: expected a non-negative 64-bit integer, got "x"');
    expect((await t.store.listTraces()).length).toBe(before);
    expect(await t.store.findTraceByHash("h-poison")).toBeNull();
  });

  test("a source failing mid-import (e.g. a parse error) stores nothing", async () => {
    async function* failing(): AsyncIterable<RaceEvent[]> {
      yield* batches(60_000, 10_000);
      throw new DomainError("INVALID_TRACE", "x.trace:60001: unparsable line");
    }
    const err = await rejection(t.store.importTrace({ name: "broken", source: { file: "x.trace", hash: "h-broken", format: "ftrace-nop" } }, failing()));
    expect(err.message).toBe("x.trace:60001: unparsable line");
    expect(await t.store.findTrace("broken")).toBeNull();
    const { rows } = await t.db.pool.query<{ n: string }>("SELECT count(*) AS n FROM traces WHERE name = 'broken'");
    expect(rows[0]!.n).toBe("0");
  });
});

describe("traces", () => {
  test("find by id or name (newest first), by hash; list; delete takes events and snapshots", async () => {
    const a = await newTrace("twin", "h-twin-1");
    const b = await newTrace("twin", "h-twin-2");
    expect((await t.store.findTrace(a.id))?.id).toBe(a.id);
    expect((await t.store.findTrace("twin"))?.id).toBe(b.id);
    expect((await t.store.findTraceByHash("h-twin-1"))?.id).toBe(a.id);
    expect(await t.store.findTrace("nobody")).toBeNull();
    expect(await t.store.getTrace("not-a-uuid")).toBeNull();
    expect((await t.store.listTraces()).map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(b.source).toEqual({ file: "twin.trace", hash: "h-twin-2", format: "api" });

    await t.store.append(a.id, 0, varietyOfEvents());
    await t.store.saveSnapshots(a.id, "patched", [{ seq: 3, state: { k: 1 } }]);
    expect(await t.store.deleteTrace(a.id)).toBe(true);
    expect(await t.store.getTrace(a.id)).toBeNull();
    expect(await countRows("events", a.id)).toBe(0);
    expect(await countRows("snapshots", a.id)).toBe(0);
    expect(await t.store.deleteTrace(a.id)).toBe(false);
    expect((await t.store.getTrace(b.id))?.name).toBe("twin");
  });

  test("an empty name is refused", async () => {
    const err = await rejection(t.store.createTrace({ name: " ", source: { file: null, hash: null, format: "api" } }));
    expect(err.message).toBe("trace.name: must be a non-empty string");
  });
});

describe("snapshots", () => {
  test("saved per rule set, nearest at or before a seq, bigints kept, re-save replaces", async () => {
    const trace = await newTrace("snaps");
    await t.store.append(trace.id, 0, Array.from({ length: 30 }, (_, i) => setRo(BigInt(i))));
    const state = (k: number) => ({ commits: k, blockGroups: [{ start: (1n << 63n) + BigInt(k), ro: 1 }], mapping: { x: null } });
    await t.store.saveSnapshots(trace.id, "patched", [10, 20].map((seq) => ({ seq, state: state(seq) })));
    await t.store.saveSnapshots(trace.id, "unpatched", [{ seq: 5, state: state(5) }]);

    expect(await t.store.snapshotSeqs(trace.id, "patched")).toEqual([10, 20]);
    expect(await t.store.nearestSnapshot(trace.id, "patched", 9)).toBeNull();
    expect(await t.store.nearestSnapshot(trace.id, "patched", 19)).toEqual({ seq: 10, state: state(10) });
    expect(await t.store.nearestSnapshot(trace.id, "patched", 25)).toEqual({ seq: 20, state: state(20) });
    expect(await t.store.nearestSnapshot(trace.id, "unpatched", 25)).toEqual({ seq: 5, state: state(5) });

    await t.store.saveSnapshots(trace.id, "patched", [{ seq: 20, state: { replaced: true } }]);
    expect(await t.store.nearestSnapshot(trace.id, "patched", 30)).toEqual({ seq: 20, state: { replaced: true } });
  });
});
