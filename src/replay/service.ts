/**
 * The replay as the edges use it (CLI, resolvers): reads events from the
 * store, replays, answers time-travel questions from snapshots.
 *
 * Snapshots of a (trace, rule set) are built on first use by one full
 * replay and kept under the rules key `<rule set>@v<trace version>`, so a
 * trace that grows gets fresh ones (and `/k<K>` for the cadence). stateAt(N) then costs one snapshot
 * lookup, one read of at most K events and a fold of them.
 */
import { DomainError } from "../errors.ts";
import type { EventStore, SnapshotStore, TraceInfo } from "../events/store.ts";
import type { StoredEvent } from "../events/types.ts";
import { diffViews } from "../projections/view.ts";
import { resolveRules } from "../rules/index.ts";
import type { RuleSet } from "../rules/types.ts";
import { type CheckResult, checkTrace, prepareTrace } from "./check.ts";
import { SNAPSHOT_EVERY, type StoredSnapshotState, buildSnapshotsAsync, foldFromSnapshot } from "./snapshots.ts";
import { type FsStateViewX, engineView } from "./time-travel.ts";
import type { CheckReport, ReplayService, StateDiff } from "./types.ts";

const READ_PAGE = 50_000;

export interface ReplayServiceX extends ReplayService {
  check(traceId: string, rules: readonly string[]): Promise<CheckReport & { trace: string }>;
  /** The full check result with the engine (timeline when asked), for the demo. */
  checkDetailed(traceId: string, rules: readonly string[], opts?: { timeline?: boolean }): Promise<CheckResult & { trace: TraceInfo }>;
  stateAt(traceId: string, seq: number, rules: readonly string[]): Promise<FsStateViewX>;
  /** Builds the snapshots of a (trace, rule set) now if they are missing; returns how many exist. */
  ensureSnapshots(traceId: string, rules: readonly string[]): Promise<number>;
}

export function createReplayService(store: EventStore & SnapshotStore, opts: { every?: number } = {}): ReplayServiceX {
  const every = opts.every ?? SNAPSHOT_EVERY;
  const building = new Map<string, Promise<number>>();

  async function trace(idOrName: string): Promise<TraceInfo> {
    const t = await store.findTrace(idOrName);
    if (!t) throw new DomainError("NOT_FOUND", `no trace "${idOrName}"`);
    return t;
  }

  async function readAll(t: TraceInfo): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (let from = 1; from <= t.version; from += READ_PAGE) {
      const part = await store.read(t.id, { from, to: Math.min(t.version, from + READ_PAGE - 1) });
      for (const e of part) out.push(e);
    }
    return out;
  }

  const snapKey = (rules: RuleSet, t: TraceInfo) => `${rules.key}@v${t.version}/k${every}/f2`;

  async function ensure(t: TraceInfo, rules: RuleSet): Promise<number> {
    const k = `${t.id}|${snapKey(rules, t)}`;
    const running = building.get(k);
    if (running) return running;
    const p = (async () => {
      const have = await store.snapshotSeqs(t.id, snapKey(rules, t));
      // complete sets only (a build cut short is redone; saving upserts)
      if (have.length >= Math.floor(t.version / every) + 1) return have.length;
      const prepared = prepareTrace(await readAll(t));
      return buildSnapshotsAsync(prepared, rules, t.version, every, (batch) => store.saveSnapshots(t.id, snapKey(rules, t), batch));
    })();
    building.set(k, p);
    try {
      return await p;
    } finally {
      building.delete(k);
    }
  }

  function checkSeq(t: TraceInfo, seq: number, what: string): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > t.version) {
      throw new DomainError("BAD_USER_INPUT", `${what} ${seq}: trace "${t.name}" has events 1..${t.version} (0 = before the first)`);
    }
  }

  async function stateAt(traceId: string, seq: number, spec: readonly string[]): Promise<FsStateViewX> {
    const rules = resolveRules(spec);
    const t = await trace(traceId);
    checkSeq(t, seq, "--at");
    await ensure(t, rules);
    const snap = await store.nearestSnapshot(t.id, snapKey(rules, t), seq);
    if (!snap) throw new DomainError("INTERNAL", `no snapshot of trace ${t.id} at or before seq ${seq}`);
    const state = snap.state as StoredSnapshotState;
    const events = seq > snap.seq ? await store.read(t.id, { from: snap.seq + 1, to: seq }) : [];
    const eng = foldFromSnapshot(rules, { seq: snap.seq, state }, events);
    return engineView(eng, seq, rules);
  }

  async function checkDetailed(traceId: string, spec: readonly string[], o: { timeline?: boolean } = {}) {
    const rules = resolveRules(spec);
    const t = await trace(traceId);
    const result = checkTrace(await readAll(t), rules, { timeline: o.timeline ?? false });
    return { ...result, trace: t };
  }

  return {
    async check(traceId, spec) {
      const r = await checkDetailed(traceId, spec);
      return { ...r.report, trace: r.trace.id };
    },
    checkDetailed,
    stateAt,
    async diff(traceId: string, from: number, to: number, spec: readonly string[]): Promise<StateDiff> {
      const t = await trace(traceId);
      checkSeq(t, from, "--from");
      checkSeq(t, to, "--to");
      const [a, b] = await Promise.all([stateAt(t.id, from, spec), stateAt(t.id, to, spec)]);
      return { from, to, changes: diffViews(a, b) };
    },
    async ensureSnapshots(traceId, spec) {
      return ensure(await trace(traceId), resolveRules(spec));
    },
  };
}
