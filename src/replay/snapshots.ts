/**
 * Snapshots for time travel: the engine state (projection + scheduler
 * queues) every K recorded events, with what the replay must know ahead
 * about the next K events (their chain annotations, computed over the whole
 * trace). From the snapshot at S ≤ N, stateAt(N) reads events S+1..N and
 * folds at most K of them: the cost does not grow with the trace's length.
 *
 * K = 256 (bench/replay.ts): restoring a snapshot and folding 256 events
 * costs about as much as reading them from PostgreSQL; a larger K makes the
 * read dominate, a smaller one multiplies snapshot rows.
 */
import type { RuleSet } from "../rules/types.ts";
import { type PackedAnn, packAnn, unpackAnn } from "./chains.ts";
import type { PreparedTrace } from "./check.ts";
import { Engine, type EngineEvent, type EngineSnapshot } from "./engine.ts";
import type { StoredEvent } from "../events/types.ts";

export const SNAPSHOT_EVERY = 256;

/**
 * As stored: the engine state and window travel as one JSON text (`blob`), so
 * the database driver hands back one string instead of building a deep object
 * tree that would be walked again; it is parsed once when restored.
 */
export interface StoredSnapshotState {
  readonly v: 2;
  readonly version: number;
  readonly every: number;
  readonly blob: string;
}

export function packSnapshot(s: SnapshotState): StoredSnapshotState {
  return { v: 2, version: s.version, every: s.every, blob: JSON.stringify(s) };
}

export function unpackSnapshot(s: StoredSnapshotState | SnapshotState): SnapshotState {
  return "blob" in s ? (JSON.parse(s.blob) as SnapshotState) : s;
}

export interface SnapshotState {
  readonly v: 1;
  /** Trace version the snapshot was built for. */
  readonly version: number;
  readonly every: number;
  readonly itemsUnknown: boolean;
  readonly engine: EngineSnapshot;
  /** Chain annotations of events seq+1 … seq+every. */
  readonly window: PackedAnn[];
}

/** Snapshots at seq 0, K, 2K, … ≤ the trace length. */
export function buildSnapshots(
  trace: PreparedTrace,
  rules: RuleSet,
  version: number,
  every = SNAPSHOT_EVERY,
  sink?: (s: { seq: number; state: SnapshotState }) => void,
): { seq: number; state: SnapshotState }[] {
  const out: { seq: number; state: SnapshotState }[] = [];
  const eng = new Engine(rules, { itemsUnknown: trace.itemsUnknown });
  const evs = trace.events;
  const take = (i: number) => {
    const snap = {
      seq: i,
      state: {
        v: 1 as const,
        version,
        every,
        itemsUnknown: trace.itemsUnknown,
        engine: eng.save(),
        window: evs.slice(i, i + every).map((e) => packAnn(e.ann)),
      },
    };
    if (sink) sink(snap);
    else out.push(snap);
  };
  for (let i = 0; i < evs.length; i++) {
    if (i % every === 0) take(i);
    eng.push(evs[i]!);
  }
  if (evs.length % every === 0) take(evs.length);
  return out;
}

/**
 * The same snapshots, handed to `save` in batches with backpressure (a
 * million-event trace makes thousands of snapshots: they must not all be
 * held in memory). Returns how many were made.
 */
export async function buildSnapshotsAsync(
  trace: PreparedTrace,
  rules: RuleSet,
  version: number,
  every: number,
  save: (batch: { seq: number; state: StoredSnapshotState }[]) => Promise<void>,
  batchSize = 25,
): Promise<number> {
  const eng = new Engine(rules, { itemsUnknown: trace.itemsUnknown });
  const evs = trace.events;
  let batch: { seq: number; state: StoredSnapshotState }[] = [];
  let count = 0;
  const take = async (i: number) => {
    batch.push({
      seq: i,
      state: packSnapshot({ v: 1, version, every, itemsUnknown: trace.itemsUnknown, engine: eng.save(), window: evs.slice(i, i + every).map((e) => packAnn(e.ann)) }),
    });
    count++;
    if (batch.length >= batchSize) {
      const b = batch;
      batch = [];
      await save(b);
    }
  };
  for (let i = 0; i < evs.length; i++) {
    if (i % every === 0) await take(i);
    eng.push(evs[i]!);
  }
  if (evs.length % every === 0) await take(evs.length);
  if (batch.length > 0) await save(batch);
  return count;
}

/** Restores the engine at a snapshot and folds the stored events after it (seq order, gapless). */
export function foldFromSnapshot(rules: RuleSet, stored: { seq: number; state: SnapshotState | StoredSnapshotState }, events: readonly StoredEvent[]): Engine {
  const snap = { seq: stored.seq, state: unpackSnapshot(stored.state) };
  const eng = Engine.restore(rules, snap.state.engine, { itemsUnknown: snap.state.itemsUnknown });
  for (const ev of events) {
    const i = ev.seq - snap.seq - 1;
    if (i >= snap.state.window.length) throw new Error(`internal: seq ${ev.seq} is beyond the window of the snapshot at ${snap.seq}`);
    const ann = i >= 0 && i < snap.state.window.length ? unpackAnn(snap.state.window[i]!) : null;
    const withChain = ann && !ev.chain ? { ...ev, chain: { id: ann.key, kind: ann.kind } } : ev;
    const e: EngineEvent = { ev: withChain, seq: ev.seq, ann };
    eng.push(e);
  }
  return eng;
}
