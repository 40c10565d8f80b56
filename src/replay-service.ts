/**
 * The replay as the edges use it (CLI, resolvers): reads events from the
 * store, replays, answers time-travel questions from snapshots.
 *
 * Verdicts are a projection kept in the store: a check's report is stored
 * per (trace, rule set, ENGINE_VERSION) with the trace version it was
 * computed at, and served from there while the trace stays at that version
 * (an append raises it, a fork is a trace of its own, a delete takes the
 * verdicts with it). Checking one trace under several rule sets reads and
 * prepares its events once.
 *
 * Snapshots of a (trace, rule set) are built on first use by one full
 * replay and kept under the key `<rule set>@v<trace version>/k<K>/f4/e<engine>`,
 * so a trace that grows gets fresh ones (`f4`: the snapshot form, snapshots.ts);
 * their segments go under the same key with `/seg`. stateAt(N) then costs
 * one trace lookup, one snapshot row, a read of at most K events and a fold
 * of them: nothing that grows with the trace. That a set is complete is
 * learnt once and remembered; the bases of its segments are cached (a few
 * sets, least recently used first out), so a restore decodes only the
 * snapshot's own hot entries.
 *
 * `progress` (optional) hears of the long parts: reading a trace, each
 * replay, a snapshot build.
 */
import { DomainError } from "./errors.ts";
import type { ReplayStore, TraceInfo } from "./events/store.ts";
import type { StoredEvent } from "./events/types.ts";
import { traceCoverage } from "./explore/coverage.ts";
import { diffViews } from "./projections/view.ts";
import { resolveRules } from "./rules/index.ts";
import type { RuleSet } from "./rules/types.ts";
import { ruleChanges } from "./replay/changes.ts";
import { type CheckReportX, type CheckResult, type PreparedTrace, checkTrace, prepareTrace } from "./replay/check.ts";
import { ENGINE_VERSION } from "./replay/engine.ts";
import {
  NO_SEGMENTS,
  SNAPSHOT_EVERY,
  type SegmentBase,
  type StoredSegment,
  type StoredSnapshot,
  buildSnapshotsAsync,
  foldFromSnapshot,
  withSegment,
} from "./replay/snapshots.ts";
import { type FsStateViewX, engineView } from "./replay/time-travel.ts";
import type { Coverage, Progress, ReplayService, StateDiff } from "./replay/types.ts";

const READ_PAGE = 50_000;

/** A report as stored: the replay's, with the trace's coverage. */
type CoveredReport = CheckReportX & { readonly coverage: Coverage };
/** Snapshot sets whose completeness and segment bases are kept in memory. */
const CACHED_SETS = 8;

export type TraceCheckReport = CheckReportX & { readonly trace: string; readonly coverage: Coverage };

export interface ReplayServiceX extends ReplayService {
  check(traceId: string, rules: readonly string[]): Promise<TraceCheckReport>;
  checks(traceId: string, ruleSets: readonly (readonly string[])[]): Promise<TraceCheckReport[]>;
  /** The full check result with the engine (timeline when asked), for the demo. */
  checkDetailed(traceId: string, rules: readonly string[], opts?: { timeline?: boolean }): Promise<CheckResult & { trace: TraceInfo }>;
  stateAt(traceId: string, seq: number, rules: readonly string[]): Promise<FsStateViewX>;
  /** Builds the snapshots of a (trace, rule set) now if they are missing; returns how many exist. */
  ensureSnapshots(traceId: string, rules: readonly string[]): Promise<number>;
}

export function createReplayService(store: ReplayStore, opts: { every?: number; progress?: Progress } = {}): ReplayServiceX {
  const every = opts.every ?? SNAPSHOT_EVERY;
  const progress = opts.progress;
  const building = new Map<string, Promise<number>>();

  async function trace(idOrName: string): Promise<TraceInfo> {
    const t = await store.findTrace(idOrName);
    if (!t) throw new DomainError("NOT_FOUND", `no trace ${JSON.stringify(idOrName)}`);
    return t;
  }

  async function readAll(t: TraceInfo): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (let from = 1; from <= t.version; from += READ_PAGE) {
      progress?.("reading events", from - 1, t.version);
      const part = await store.read(t.id, { from, to: Math.min(t.version, from + READ_PAGE - 1) });
      for (const e of part) out.push(e);
    }
    return out;
  }

  const replaying = (rules: RuleSet) => (progress ? (done: number, total: number) => progress(`replaying under ${rules.key}`, done, total) : undefined);

  const snapKey = (rules: RuleSet, t: TraceInfo) => `${rules.key}@v${t.version}/k${every}/f4/e${ENGINE_VERSION}`;
  const segmentKey = (snapshots: string) => `${snapshots}/seg`;

  /** Complete snapshot sets (keys carry the trace version) and their segment bases, most recently used last. */
  const sets = new Map<string, { bases: SegmentBase[] }>();
  const remembered = (k: string) => {
    const set = sets.get(k);
    if (set) {
      sets.delete(k);
      sets.set(k, set);
    }
    return set;
  };
  const remember = (k: string) => {
    const set = { bases: [NO_SEGMENTS] };
    sets.set(k, set);
    for (const old of sets.keys()) {
      if (sets.size <= CACHED_SETS) break;
      sets.delete(old);
    }
    return set;
  };

  /** Builds the snapshot set of (trace, rules) unless it is complete (`rebuild`: whatever is stored). */
  async function ensure(t: TraceInfo, rules: RuleSet, rebuild = false): Promise<number> {
    const key = snapKey(rules, t);
    const k = `${t.id}|${key}`;
    if (!rebuild && remembered(k)) return Math.floor(t.version / every) + 1;
    const running = building.get(k);
    if (running) return running;
    const p = (async () => {
      // Saved in seq order: the set is complete when its last snapshot is there (a build cut short is redone; saving upserts).
      const last = Math.floor(t.version / every) * every;
      const found = rebuild ? null : await store.nearestSnapshot(t.id, key, last);
      const count =
        found?.seq === last
          ? Math.floor(t.version / every) + 1
          : await buildSnapshotsAsync(prepareTrace(await readAll(t)), rules, every, async (batch) => {
              await store.saveSnapshots(t.id, segmentKey(key), batch.segments);
              await store.saveSnapshots(t.id, key, batch.snapshots);
              progress?.(`building snapshots (${rules.key})`, batch.snapshots[batch.snapshots.length - 1]?.seq ?? 0, t.version);
            });
      remember(k);
      return count;
    })();
    building.set(k, p);
    try {
      return await p;
    } finally {
      building.delete(k);
    }
  }

  /** The base of segments 1..n of a set, from the cache or read on from the last one cached. */
  async function baseOf(t: TraceInfo, key: string, n: number): Promise<SegmentBase | null> {
    const set = remembered(`${t.id}|${key}`) ?? remember(`${t.id}|${key}`);
    if (set.bases.length <= n) {
      const rows = await store.snapshotRange(t.id, segmentKey(key), set.bases.length, n);
      for (const row of rows) {
        if (row.seq === set.bases.length) set.bases.push(withSegment(set.bases[set.bases.length - 1]!, row.state as StoredSegment));
      }
    }
    return set.bases[n] ?? null;
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
    const key = snapKey(rules, t);
    for (let attempt = 0; ; attempt++) {
      await ensure(t, rules, attempt > 0);
      const snap = await store.nearestSnapshot(t.id, key, seq);
      const state = snap?.state as StoredSnapshot | undefined;
      const base = snap && state ? await baseOf(t, key, state.segments) : null;
      if (snap && state && base) {
        const events = seq > snap.seq ? await store.read(t.id, { from: snap.seq + 1, to: seq }) : [];
        return engineView(foldFromSnapshot(rules, base, { seq: snap.seq, state }, events), seq, rules);
      }
      // Rows gone since the set was found complete: build it again, once.
      sets.delete(`${t.id}|${key}`);
      if (attempt > 0) throw new DomainError("INTERNAL", `no snapshot of trace ${t.id} at or before seq ${seq}`);
    }
  }

  async function checkDetailed(traceId: string, spec: readonly string[], o: { timeline?: boolean } = {}) {
    const rules = resolveRules(spec);
    const t = await trace(traceId);
    const result = checkTrace(await readAll(t), rules, { timeline: o.timeline ?? false, progress: replaying(rules) });
    return { ...result, trace: t };
  }

  /** The stored verdicts of `t` at its version; the missing ones replayed (events read once) and stored. */
  /**
   * The stored verdicts of `t` at its version; the missing ones replayed (events read once) and stored,
   * each with the trace's coverage (computed once: it does not depend on the rule set).
   */
  async function checks(traceId: string, specs: readonly (readonly string[])[]): Promise<TraceCheckReport[]> {
    const ruleSets = specs.map((spec) => resolveRules(spec));
    const t = await trace(traceId);
    const reports: (CoveredReport | null)[] = [];
    for (const rules of ruleSets) reports.push((await store.loadVerdict(t.id, rules.key, ENGINE_VERSION, t.version)) as CoveredReport | null);
    let prepared: PreparedTrace | null = null;
    let coverage: Coverage | null = null;
    for (const [i, rules] of ruleSets.entries()) {
      if (reports[i]) continue;
      prepared ??= prepareTrace(await readAll(t));
      coverage ??= traceCoverage(prepared);
      const report: CoveredReport = { ...checkTrace(prepared, rules, { progress: replaying(rules) }).report, coverage };
      await store.saveVerdict(t.id, rules.key, ENGINE_VERSION, t.version, report);
      reports[i] = report;
    }
    return reports.map((r) => ({ ...r!, trace: t.id }));
  }

  return {
    async check(traceId, spec) {
      return (await checks(traceId, [spec]))[0]!;
    },
    checks,
    checkDetailed,
    async changes(traceId, spec) {
      const rules = resolveRules(spec);
      return ruleChanges(prepareTrace(await readAll(await trace(traceId))), rules);
    },
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
