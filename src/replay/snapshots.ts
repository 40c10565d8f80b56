/**
 * Snapshots for time travel: the engine state (projection + scheduler
 * queues) every K recorded events, with what the replay must know ahead
 * about the next K events (their chain annotations, computed over the whole
 * trace). From the snapshot at S ≤ N, stateAt(N) reads events S+1..N and
 * folds at most K of them.
 *
 * The entry tables of the state (block groups, extent maps, device extents,
 * actors) keep every entry a trace ever made, tombstones included (DOMAIN.md
 * §2), so they grow with the trace while only a few entries change between
 * two snapshots. They are stored in two layers:
 *
 * - segments: immutable rows, numbered 1, 2, …, each holding entries that
 *   had settled (unchanged for SETTLE snapshots) when it was made. Applied in
 *   order, the first j segments give a base state of the tables; a later
 *   segment may hold a newer version of an entry (it overrides).
 * - snapshots: the rest of the state, and per table the entries that differ
 *   from the base of the segments it names (`hot`: changed recently) and the
 *   keys absent from the state (`gone`).
 *
 * Building costs what changed (entries are encoded once each, changes are
 * found by diffing persistent maps); a snapshot row holds the live, changing
 * part of the state, not its tombstones. Restoring costs one small row and
 * its hot entries on top of a base that the caller keeps (the base of j
 * segments is shared by every snapshot after segment j: service.ts caches it).
 *
 * K = 256 (bench/replay.ts): restoring a snapshot and folding 256 events
 * costs about as much as reading them from PostgreSQL; a larger K makes the
 * read dominate, a smaller one multiplies snapshot rows.
 */
import type { StoredEvent } from "../events/types.ts";
import { PMap } from "../projections/pmap.ts";
import {
  ENTRY_KEY,
  ENTRY_TABLES,
  type EntryOf,
  type EntryTable,
  type EntryTables,
  NO_ENTRIES,
  compareBigint,
  entryFromJson,
  entryJson,
  entryTables,
  restToJson,
  stateFromParts,
} from "../projections/serialize.ts";
import { key } from "../projections/state.ts";
import type { RuleSet } from "../rules/types.ts";
import { type PackedAnn, packAnn, unpackAnn } from "./chains.ts";
import type { PreparedTrace } from "./check.ts";
import { Engine, type EngineEvent, type EngineSnapshot } from "./engine.ts";

export const SNAPSHOT_EVERY = 256;
/** Snapshots an entry must stay unchanged before it may go into a segment. */
export const SETTLE = 4;
/** Settled entries wait in the snapshots until this many can make a segment. */
export const SEGMENT_MIN = 64;

/**
 * A snapshot row as stored: the body travels as one JSON text (`blob`), so the
 * database hands back one string instead of a deep object tree.
 */
export interface StoredSnapshot {
  readonly v: 3;
  /** Segments 1..n make its base. */
  readonly segments: number;
  readonly blob: string;
}

/** A segment row as stored (`blob`: per table, the JSON of its entries). */
export interface StoredSegment {
  readonly v: 3;
  readonly blob: string;
}

interface SnapshotBody {
  readonly itemsUnknown: boolean;
  readonly engine: EngineSnapshot;
  readonly fs: unknown;
  readonly hot: { readonly [T in EntryTable]: unknown[] };
  readonly gone: { readonly [T in EntryTable]: string[] };
  /** Chain annotations of events seq+1 … seq+every. */
  readonly window: PackedAnn[];
}

type SegmentBody = { readonly [T in EntryTable]: unknown[] };

/** The entry tables as segments 1..`segments` leave them, with the starts of the maps in order. */
export interface SegmentBase {
  readonly segments: number;
  readonly tables: EntryTables;
  readonly mapStarts: readonly bigint[];
}

export const NO_SEGMENTS: SegmentBase = { segments: 0, tables: NO_ENTRIES, mapStarts: [] };

function setAll<T extends EntryTable>(table: T, m: PMap<EntryOf<T>>, entries: readonly EntryOf<T>[]): PMap<EntryOf<T>> {
  for (const v of entries) m = m.set(ENTRY_KEY[table](v), v);
  return m;
}

function withTables(tables: EntryTables, f: <T extends EntryTable>(t: T, m: PMap<EntryOf<T>>) => PMap<EntryOf<T>>): EntryTables {
  return { blockGroups: f("blockGroups", tables.blockGroups), maps: f("maps", tables.maps), devExtents: f("devExtents", tables.devExtents), actors: f("actors", tables.actors) };
}

/** `starts` (ascending) with the starts of `added` maps inserted. */
function insertStarts(starts: readonly bigint[], added: readonly bigint[]): readonly bigint[] {
  if (added.length === 0) return starts;
  return [...starts, ...added].sort(compareBigint);
}

/** The base of segment n+1 from the base of n and segment n+1. */
export function withSegment(base: SegmentBase, segment: StoredSegment): SegmentBase {
  const body = JSON.parse(segment.blob) as SegmentBody;
  const newStarts: bigint[] = [];
  const tables = withTables(base.tables, (t, m) => {
    const entries = body[t].map((j) => entryFromJson(t, j));
    if (t === "maps") for (const e of entries as EntryOf<"maps">[]) if (!m.has(key(e.start))) newStarts.push(e.start);
    return setAll(t, m, entries);
  });
  return { segments: base.segments + 1, tables, mapStarts: insertStarts(base.mapStarts, newStarts) };
}

// ---- building -------------------------------------------------------------

export interface SnapshotBatch {
  /** New segments, numbered on from the previous batch's. */
  readonly segments: { seq: number; state: StoredSegment }[];
  /** Snapshots (seq = events before it), which may name the segments of this batch. */
  readonly snapshots: { seq: number; state: StoredSnapshot }[];
}

/** Which entries are in segments, and which changed since: the layering of one build. */
class Layering {
  /** The tables as the segments made so far give them. */
  private base: EntryTables = NO_ENTRIES;
  /** The tables at the previous snapshot. */
  private prev: EntryTables = NO_ENTRIES;
  /** Per table: keys whose entry differs from the base → index of the snapshot where it last changed. */
  private readonly unsettled: { readonly [T in EntryTable]: Map<string, number> } = {
    blockGroups: new Map(),
    maps: new Map(),
    devExtents: new Map(),
    actors: new Map(),
  };
  segments = 0;

  /** The layers at snapshot `i`: the new segment if one is due, the hot entries and gone keys. */
  step(cur: EntryTables, i: number): { segment: string | null; hot: string; gone: { [T in EntryTable]: string[] } } {
    for (const t of ENTRY_TABLES) {
      const u = this.unsettled[t];
      (cur[t] as PMap<object>).diff(this.prev[t] as PMap<object>, (k) => u.set(k, i));
    }
    this.prev = cur;
    let settled = 0;
    for (const t of ENTRY_TABLES) for (const [k, at] of this.unsettled[t]) if (i - at >= SETTLE && (cur[t] as PMap<object>).has(k)) settled++;
    let segment: string | null = null;
    if (settled >= SEGMENT_MIN) {
      const parts: string[] = [];
      this.base = withTables(this.base, (t, m) => {
        const u = this.unsettled[t];
        const entries: EntryOf<typeof t>[] = [];
        for (const [k, at] of u) {
          const v = (cur[t] as PMap<EntryOf<typeof t>>).get(k);
          if (i - at < SETTLE || v === undefined) continue;
          entries.push(v);
          u.delete(k);
        }
        parts.push(`${JSON.stringify(t)}:[${entries.map((v) => entryJson(v as object)).join(",")}]`);
        return setAll(t, m, entries);
      });
      segment = `{${parts.join(",")}}`;
      this.segments++;
    }
    const hot: string[] = [];
    const gone = { blockGroups: [] as string[], maps: [] as string[], devExtents: [] as string[], actors: [] as string[] };
    for (const t of ENTRY_TABLES) {
      const u = this.unsettled[t];
      const entries: string[] = [];
      for (const k of u.keys()) {
        const v = (cur[t] as PMap<object>).get(k);
        if (v !== undefined) entries.push(entryJson(v));
        else if ((this.base[t] as PMap<object>).has(k)) gone[t].push(k);
        else u.delete(k);
      }
      hot.push(`${JSON.stringify(t)}:[${entries.join(",")}]`);
    }
    return { segment, hot: `{${hot.join(",")}}`, gone };
  }
}

/**
 * Snapshots at seq 0, K, 2K, … ≤ the trace length and the segments they
 * name, handed to `save` in batches, in seq order, with backpressure (a
 * million-event trace makes thousands of snapshots: they must not all be held
 * in memory). A set whose last snapshot is saved is complete. Returns how
 * many snapshots were made.
 */
export async function buildSnapshotsAsync(
  trace: PreparedTrace,
  rules: RuleSet,
  every: number,
  save: (batch: SnapshotBatch) => Promise<void>,
  batchSize = 25,
): Promise<number> {
  const eng = new Engine(rules, { itemsUnknown: trace.itemsUnknown });
  const evs = trace.events;
  const layers = new Layering();
  let batch: SnapshotBatch = { segments: [], snapshots: [] };
  let count = 0;
  const take = async (i: number) => {
    const { segment, hot, gone } = layers.step(entryTables(eng.fs), count);
    if (segment !== null) batch.segments.push({ seq: layers.segments, state: { v: 3, blob: segment } });
    const blob =
      `{"itemsUnknown":${JSON.stringify(trace.itemsUnknown)},"engine":${JSON.stringify(eng.save())},"fs":${JSON.stringify(restToJson(eng.fs))},` +
      `"hot":${hot},"gone":${JSON.stringify(gone)},"window":${JSON.stringify(evs.slice(i, i + every).map((e) => packAnn(e.ann)))}}`;
    batch.snapshots.push({ seq: i, state: { v: 3, segments: layers.segments, blob } });
    count++;
    if (batch.snapshots.length >= batchSize) {
      const b = batch;
      batch = { segments: [], snapshots: [] };
      await save(b);
    }
  };
  for (let i = 0; i < evs.length; i++) {
    if (i % every === 0) await take(i);
    eng.push(evs[i]!);
  }
  if (evs.length % every === 0) await take(evs.length);
  if (batch.snapshots.length > 0) await save(batch);
  return count;
}

// ---- restoring ------------------------------------------------------------

/**
 * Restores the engine at a snapshot, on the base of the segments it names,
 * and folds the stored events after it (seq order, gapless).
 */
export function foldFromSnapshot(rules: RuleSet, base: SegmentBase, stored: { seq: number; state: StoredSnapshot }, events: readonly StoredEvent[]): Engine {
  if (base.segments !== stored.state.segments) {
    throw new Error(`internal: the snapshot at ${stored.seq} needs ${stored.state.segments} segments, the base has ${base.segments}`);
  }
  const body = JSON.parse(stored.state.blob) as SnapshotBody;
  const newStarts: bigint[] = [];
  let mapsGone = false;
  const tables = withTables(base.tables, (t, m) => {
    const hot = body.hot[t].map((j) => entryFromJson(t, j));
    if (t === "maps") for (const e of hot as EntryOf<"maps">[]) if (!m.has(key(e.start))) newStarts.push(e.start);
    let out = setAll(t, m, hot);
    for (const k of body.gone[t]) out = out.remove(k);
    if (t === "maps" && body.gone[t].length > 0) mapsGone = true;
    return out;
  });
  let mapStarts = insertStarts(base.mapStarts, newStarts);
  if (mapsGone) mapStarts = mapStarts.filter((s) => tables.maps.has(key(s)));
  const fs = stateFromParts(body.fs, tables, mapStarts);
  const eng = Engine.restore(rules, fs, body.engine, { itemsUnknown: body.itemsUnknown });
  const window = body.window;
  for (const ev of events) {
    const i = ev.seq - stored.seq - 1;
    if (i >= window.length) throw new Error(`internal: seq ${ev.seq} is beyond the window of the snapshot at ${stored.seq}`);
    const ann = i >= 0 ? unpackAnn(window[i]!) : null;
    const withChain = ann && !ev.chain ? { ...ev, chain: { id: ann.key, kind: ann.kind } } : ev;
    const e: EngineEvent = { ev: withChain, seq: ev.seq, ann };
    eng.push(e);
  }
  return eng;
}
