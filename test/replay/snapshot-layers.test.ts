/**
 * Snapshots in layers (src/replay/snapshots.ts): every snapshot, restored on
 * the base of the segments it names, is exactly the engine state a fold from
 * scratch reaches — every table entry and the scheduler, not only what the
 * view shows — and the rows hold the changing part of the state, not its
 * tombstones. `PMap.diff` finds exactly what changed. Through the store: a
 * set survives the trace growing, rows lost behind the service's back, and
 * the trace being deleted.
 */
import fc from "fast-check";
import { decodeEvent, encodeEvent } from "../../src/events/catalog.ts";
import type { StoredEvent } from "../../src/events/types.ts";
import { PMap } from "../../src/projections/pmap.ts";
import { prepareTrace, runEngine } from "../../src/replay/check.ts";
import { type Engine, ENGINE_VERSION } from "../../src/replay/engine.ts";
import { createReplayService } from "../../src/replay-service.ts";
import {
  NO_SEGMENTS,
  type SegmentBase,
  type SnapshotBatch,
  buildSnapshotsAsync,
  foldFromSnapshot,
  withSegment,
} from "../../src/replay/snapshots.ts";
import { engineView, stateAtEvents } from "../../src/replay/time-travel.ts";
import { resolveRules } from "../../src/rules/index.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";
import { generateTrace } from "./generate.ts";

const trace = (n: number, seed: number) => generateTrace(n, seed, { removals: 0.01 });

/** Events as the store hands them back (defaults filled in, seq numbered). */
function storedEvents(n: number, seed: number): StoredEvent[] {
  return trace(n, seed).map((e, i) => ({ ...decodeEvent(encodeEvent(e)), seq: i + 1 }));
}

const byKey = <V>(m: PMap<V>) => Object.fromEntries(m.entries().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Everything an engine carries from one recorded event to the next, tables as sorted plain objects. */
function fullState(eng: Engine) {
  const fs = eng.fs;
  const sched = eng.scheduler();
  // a deferred event is the stored one (with its seq) after a restore, the prepared one from scratch: compare what they say
  const queues = [...sched.queues].map(([pid, q]) => [pid, q.map((x) => ({ ...x, e: { ...x.e, ev: { ...x.e.ev, seq: undefined } } }))]);
  return {
    fs: {
      ...fs,
      blockGroups: byKey(fs.blockGroups),
      maps: byKey(fs.maps),
      devExtents: byKey(fs.devExtents),
      dirtyBgs: byKey(fs.dirtyBgs),
      actors: byKey(fs.actors),
    },
    scheduler: { ...sched, queues },
    findings: eng.findings,
    stopped: eng.stopped,
    processed: eng.processed,
  };
}

describe("snapshot layers, in memory", () => {
  const N = 6000;
  const EVERY = 40;
  const events = storedEvents(N, 7);
  const prepared = prepareTrace(events);

  test.each(["unpatched", "patched"])("every snapshot restores exactly the fold from scratch (%s)", async (name) => {
    const rules = resolveRules([name]);
    const batches: SnapshotBatch[] = [];
    const count = await buildSnapshotsAsync(prepared, rules, EVERY, async (b) => void batches.push(b), 7);
    const snapshots = batches.flatMap((b) => b.snapshots);
    const segments = batches.flatMap((b) => b.segments);
    expect(count).toBe(Math.floor(N / EVERY) + 1);
    expect(snapshots.map((s) => s.seq)).toEqual(Array.from({ length: count }, (_, i) => i * EVERY));
    // segments are numbered 1, 2, … in the order they are handed over, before the snapshots that name them
    expect(segments.map((s) => s.seq)).toEqual(Array.from({ length: segments.length }, (_, i) => i + 1));
    expect(segments.length).toBeGreaterThan(3);
    let seen = 0;
    for (const b of batches) {
      seen += b.segments.length;
      for (const s of b.snapshots) expect(s.state.segments).toBeLessThanOrEqual(seen);
    }

    const bases: SegmentBase[] = [NO_SEGMENTS];
    for (const s of segments) bases.push(withSegment(bases[bases.length - 1]!, s.state));
    const points = fc.sample(fc.integer({ min: 0, max: count - 1 }), { numRuns: 25, seed: 3 });
    for (const i of [0, 1, count - 1, ...points]) {
      const snap = snapshots[i]!;
      const base = bases[snap.state.segments]!;
      // at the snapshot itself, and after folding part of the window
      for (const extra of [0, Math.min(EVERY - 1, N - snap.seq)]) {
        const at = snap.seq + extra;
        const restored = foldFromSnapshot(rules, base, snap, events.slice(snap.seq, at));
        const scratch = runEngine(prepared, rules, { untilSeq: at });
        expect({ at, state: fullState(restored) }).toEqual({ at, state: fullState(scratch) });
      }
    }

    // the last snapshot holds the part of the state that still changes; the segments hold the rest
    const last = snapshots[count - 1]!;
    const hot = JSON.parse(last.state.blob) as { hot: Record<string, unknown[]> };
    const final = runEngine(prepared, rules, { untilSeq: N }).fs;
    const entries = final.blockGroups.size + final.maps.size + final.devExtents.size + final.actors.size;
    const hotEntries = Object.values(hot.hot).reduce((n, xs) => n + xs.length, 0);
    expect(hotEntries).toBeLessThan(entries / 2);
  });
});

test("the view lists every entry of the state, tombstones included, in address order", () => {
  const events = storedEvents(20_000, 9);
  const rules = resolveRules(["patched"]);
  const eng = runEngine(prepareTrace(events), rules, { untilSeq: events.length });
  const view = engineView(eng, events.length, rules);
  const ascending = (xs: bigint[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
  expect(view.blockGroups).toHaveLength(eng.fs.blockGroups.size);
  expect(view.blockGroups.filter((b) => b.status === "removed").length).toBeGreaterThan(5);
  expect(ascending(view.blockGroups.map((b) => BigInt(b.start)))).toBe(true);
  expect(view.extentMaps).toHaveLength(eng.fs.maps.size);
  expect(ascending(view.extentMaps.map((m) => BigInt(m.start)))).toBe(true);
  expect(view.devExtents).toHaveLength(eng.fs.devExtents.size);
  expect(view.devExtents.map((d) => `${d.devid}:${d.physical}`)).toEqual(
    [...view.devExtents].sort((a, b) => a.devid - b.devid || (BigInt(a.physical) < BigInt(b.physical) ? -1 : 1)).map((d) => `${d.devid}:${d.physical}`),
  );
  // the dirty flag follows the transaction's dirty list
  expect(view.blockGroups.filter((b) => b.dirty).map((b) => b.start).sort()).toEqual([...view.transactions[0]!.dirtyBlockGroups].sort());
});

describe("PMap.diff", () => {
  type Op = { key: number; value: number | null };
  const ops = fc.array(fc.record({ key: fc.integer({ min: 0, max: 300 }), value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }), { maxLength: 200 });
  const apply = (m: PMap<{ v: number }>, xs: readonly Op[], objs: Map<string, { v: number }>) => {
    for (const { key, value } of xs) {
      const k = `k${key}`;
      if (value === null) m = m.remove(k);
      else {
        // a new object on each set: the diff compares by identity
        const o = { v: value };
        objs.set(k, o);
        m = m.set(k, o);
      }
    }
    return m;
  };

  test("reports exactly the keys whose value differs, with both values", () => {
    fc.assert(
      fc.property(ops, ops, (first, second) => {
        const objs = new Map<string, { v: number }>();
        const a = apply(PMap.empty(), first, objs);
        const b = apply(a, second, objs);
        const got: [string, unknown, unknown][] = [];
        b.diff(a, (k, before, after) => got.push([k, before, after]));
        const expected: [string, unknown, unknown][] = [];
        for (const k of new Set([...a.keys(), ...b.keys()])) {
          if (a.get(k) !== b.get(k)) expected.push([k, a.get(k), b.get(k)]);
        }
        const sort = (xs: [string, unknown, unknown][]) => xs.sort(([x], [y]) => (x < y ? -1 : 1));
        expect(sort(got)).toEqual(sort(expected));
        for (const [k, before, after] of got) {
          expect(before).toBe(a.get(k));
          expect(after).toBe(b.get(k));
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe("snapshot layers through the store", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const EVERY = 30;
  const checkPoints = async (service: ReturnType<typeof createReplayService>, traceId: string, points: readonly number[]) => {
    const stored = await t.store.read(traceId);
    for (const n of points) {
      expect({ n, view: await service.stateAt(traceId, n, ["patched"]) }).toEqual({ n, view: stateAtEvents(stored, n, ["patched"]) });
    }
  };

  test("a trace that grows after its snapshots were built gets correct answers before and after its old end", async () => {
    const events = trace(4000, 21);
    const info = await t.store.importTrace({ name: "grows", source: { file: null, hash: null, format: "api" } }, [events.slice(0, 2500)]);
    const service = createReplayService(t.store, { every: EVERY });
    await checkPoints(service, info.id, [0, 1, 1234, 2499, 2500]);
    const key = `patched@v2500/k${EVERY}/f4/e${ENGINE_VERSION}`;
    expect((await t.store.snapshotRange(info.id, `${key}/seg`, 1, 1_000_000)).length).toBeGreaterThan(1);

    await t.store.append(info.id, 2500, events.slice(2500));
    await checkPoints(service, info.id, [2500, 2501, 3100, 3999, 4000, 17]);
    expect(await t.store.snapshotSeqs(info.id, `patched@v4000/k${EVERY}/f4/e${ENGINE_VERSION}`)).toHaveLength(Math.floor(4000 / EVERY) + 1);
  });

  test("rows lost behind the service's back are built again; a deleted trace is not found", async () => {
    const events = trace(2000, 5);
    const info = await t.store.importTrace({ name: "lossy", source: { file: null, hash: null, format: "api" } }, [events]);
    const service = createReplayService(t.store, { every: EVERY });
    await checkPoints(service, info.id, [700]);

    // every row gone: the service that knew the set complete builds it again
    await t.db.pool.query("DELETE FROM snapshots WHERE trace_id = $1", [info.id]);
    await checkPoints(service, info.id, [1999, 30]);

    // only the segments gone: a new service (another process) finds the snapshots, misses a segment, rebuilds
    const named = await t.store.nearestSnapshot(info.id, `patched@v2000/k${EVERY}/f4/e${ENGINE_VERSION}`, 1500);
    expect((named?.state as { segments: number }).segments).toBeGreaterThan(0);
    await t.db.pool.query("DELETE FROM snapshots WHERE trace_id = $1 AND rules LIKE '%/seg'", [info.id]);
    await checkPoints(createReplayService(t.store, { every: EVERY }), info.id, [1500]);

    expect(await t.store.deleteTrace(info.id)).toBe(true);
    await expect(service.stateAt(info.id, 10, ["patched"])).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
