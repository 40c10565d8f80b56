/**
 * Time travel through the real store: stateAt(N) from the nearest snapshot
 * equals folding events 1..N from scratch, for random N on a long random
 * trace, under unpatched and patched; diff agrees; a trace that grows gets
 * fresh snapshots.
 */
import fc from "fast-check";
import type { StoredEvent } from "../../src/events/types.ts";
import { ENGINE_VERSION } from "../../src/replay/engine.ts";
import { createReplayService } from "../../src/replay-service.ts";
import { stateAtEvents } from "../../src/replay/time-travel.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";
import { generateTrace } from "./generate.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase();
});
afterAll(async () => {
  await t.drop();
});

const N = 5000;
const EVERY = 97;

test("stateAt from snapshots equals the fold from scratch, at random points", async () => {
  const events = generateTrace(N, 11, { removals: 0.01 });
  const trace = await t.store.importTrace({ name: "long-random", source: { file: null, hash: null, format: "api" } }, (async function* () {
    yield events;
  })());
  const stored: StoredEvent[] = await t.store.read(trace.id);
  expect(stored).toHaveLength(N);
  const service = createReplayService(t.store, { every: EVERY });
  const points = fc.sample(fc.integer({ min: 0, max: N }), { numRuns: 12, seed: 5 });
  for (const rules of ["unpatched", "patched"]) {
    for (const n of [0, 1, EVERY, EVERY + 1, N, ...points]) {
      const fromSnapshot = await service.stateAt(trace.id, n, [rules]);
      const fromScratch = stateAtEvents(stored, n, [rules]);
      expect({ rules, n, view: fromSnapshot }).toEqual({ rules, n, view: fromScratch });
    }
    const key = `${rules}@v${N}/k${EVERY}/f4/e${ENGINE_VERSION}`;
    const seqs = await t.store.snapshotSeqs(trace.id, key);
    expect(seqs).toHaveLength(Math.floor(N / EVERY) + 1);
    expect(seqs[0]).toBe(0);
  }
  // the trace is interesting: patched reorders, states differ between points
  const a = await service.stateAt(trace.id, 1000, ["patched"]);
  const b = await service.stateAt(trace.id, 4000, ["patched"]);
  const d = await service.diff(trace.id, 1000, 4000, ["patched"]);
  // every change reads its before and after off the two views, and every entity that differs has one
  const viewA = a as unknown as Record<string, unknown>;
  const viewB = b as unknown as Record<string, unknown>;
  for (const c of d.changes) {
    expect({ path: c.path, before: at(viewA, c.path), after: at(viewB, c.path) }).toEqual({ path: c.path, before: c.before, after: c.after });
    expect(JSON.stringify(c.before)).not.toBe(JSON.stringify(c.after));
  }
  for (const [coll, id] of Object.entries(IDENTITY)) {
    for (const k of new Set([...entities(viewA, coll, id).keys(), ...entities(viewB, coll, id).keys()])) {
      const differs = JSON.stringify(entities(viewA, coll, id).get(k) ?? null) !== JSON.stringify(entities(viewB, coll, id).get(k) ?? null);
      expect({ entity: `${coll}[${k}]`, changed: d.changes.some((c) => c.path === `${coll}[${k}]` || c.path.startsWith(`${coll}[${k}].`)) }).toEqual({ entity: `${coll}[${k}]`, changed: differs });
    }
  }
  expect(d.changes.length).toBeGreaterThan(10);
  expect(d.changes.some((c) => /^blockGroups\[\d+\]\./.test(c.path))).toBe(true);
  const report = await service.check(trace.id, ["patched"]);
  expect(report.reordered.length).toBeGreaterThan(0);
});

test("a trace that grows gets fresh snapshots; bad seqs are refused", async () => {
  const events = generateTrace(400, 3);
  const trace = await t.store.importTrace({ name: "growing", source: { file: null, hash: null, format: "api" } }, (async function* () {
    yield events.slice(0, 300);
  })());
  const service = createReplayService(t.store, { every: 50 });
  const before = await service.stateAt(trace.id, 300, ["patched"]);
  await t.store.append(trace.id, 300, events.slice(300));
  const after = await service.stateAt(trace.id, 400, ["patched"]);
  expect(after).toEqual(stateAtEvents(await t.store.read(trace.id), 400, ["patched"]));
  expect(await service.stateAt(trace.id, 300, ["patched"])).toEqual(stateAtEvents(await t.store.read(trace.id), 300, ["patched"]));
  expect(before.seq).toBe(300);
  await expect(service.stateAt(trace.id, 401, ["patched"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  await expect(service.stateAt(trace.id, 1, ["nope"])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  await expect(service.stateAt("no-such-trace", 1, ["patched"])).rejects.toMatchObject({ code: "NOT_FOUND" });
});

// ---- an independent reading of diff paths (`blockGroups[30408704].ro`, `transactions[0].commits`) ----

/** How an entity of each keyed collection is named in a path. */
const IDENTITY: Record<string, (x: Record<string, unknown>) => string> = {
  blockGroups: (x) => String(x.start),
  extentMaps: (x) => String(x.start),
  devExtents: (x) => `${String(x.devid)}:${String(x.physical)}`,
  actors: (x) => String(x.pid),
  mutexes: (x) => String(x.name),
};

function entities(view: Record<string, unknown>, coll: string, id: (x: Record<string, unknown>) => string): Map<string, unknown> {
  return new Map((view[coll] as Record<string, unknown>[]).map((x) => [id(x), x]));
}

/** The value at `path` in a view (null where there is none). */
function at(view: Record<string, unknown>, path: string): unknown {
  let cur: unknown = view;
  for (const part of path.match(/[^.[\]]+|\[[^\]]+\]/g)!) {
    if (cur === null || cur === undefined) return null;
    if (part.startsWith("[")) {
      const k = part.slice(1, -1);
      const arr = cur as Record<string, unknown>[];
      cur = /^\d+$/.test(k) && !arr.some((x) => typeof x === "object" && x !== null && ("start" in x || "pid" in x || "name" in x || "devid" in x)) ? arr[Number(k)] : arr.find((x) => Object.values(IDENTITY).some((id) => id(x) === k));
    } else {
      cur = (cur as Record<string, unknown>)[part];
    }
  }
  return cur ?? null;
}
