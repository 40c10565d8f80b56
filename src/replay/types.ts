/**
 * What a replay reports (DOMAIN.md §4.7, issue 3) and the JSON view of the
 * filesystem state at a point. These shapes are shared by the CLI
 * (`check --json`, `state --json`), the GraphQL resolvers and the web page.
 * Addresses in views are decimal strings (u64).
 */
import type { RuleChange } from "./changes.ts";

import type { Verdict } from "../events/races.ts";
import type { Finding, FsStateView, StateDiff } from "../projections/view-types.ts";

export type { EffectId, RaceId, Verdict } from "../events/races.ts";
export type * from "../projections/view-types.ts";

export interface ReplayWarning {
  /** e.g. `discard_without_start`, `observation_unexplained`, `dev_extent_in_use`, `orphan_exit`. */
  readonly code: string;
  readonly seq: number | null;
  readonly line: number | null;
  readonly message: string;
}

/** An event applied later than recorded because its actor was blocked. */
export interface Reordering {
  readonly seq: number;
  readonly line: number | null;
  readonly pid: number;
  /** What the actor waited for, e.g. `delete_unused_bgs_mutex held by pid 17451`. */
  readonly waitedFor: string;
  /** Seq of the event after which it was finally applied (null: never, deferred at end). */
  readonly appliedAfterSeq: number | null;
}

export interface UndecidedPoint {
  readonly seq: number;
  readonly line: number | null;
  readonly why: string;
}

export interface CheckReport {
  readonly verdict: Verdict;
  /** Rule set key: `unpatched`, `patched`, or fix ids joined by `,` in table order. */
  readonly rules: readonly string[];
  readonly findings: readonly Finding[];
  readonly warnings: readonly ReplayWarning[];
  readonly reordered: readonly Reordering[];
  readonly undecided: readonly UndecidedPoint[];
  readonly deferredAtEnd: readonly number[];
  /** Lines of gap markers (lost events, buffer starts). */
  readonly gaps: readonly number[];
}

/**
 * Progress of a long job (reading a long trace, a replay, a snapshot build,
 * an exploration) for whoever shows it: `done` of `total` units of `phase`,
 * e.g. ("replaying under patched", 65536, 500000). Called every few
 * thousand units; a caller that shows nothing passes none.
 */
export type Progress = (phase: string, done: number, total: number) => void;

/**
 * The replay as the edges (CLI, resolvers) use it: reads events from the
 * store, folds them (from the nearest snapshot), reports.
 */
export interface ReplayService {
  check(traceId: string, rules: readonly string[]): Promise<CheckReport>;
  /** Each rule set on one trace, in order: the events are read once for those not stored yet. */
  checks(traceId: string, ruleSets: readonly (readonly string[])[]): Promise<CheckReport[]>;
  /** What the rules changed, event by event (changes.ts): one more replay, with a timeline. */
  changes(traceId: string, rules: readonly string[]): Promise<readonly RuleChange[]>;
  stateAt(traceId: string, seq: number, rules: readonly string[]): Promise<FsStateView>;
  diff(traceId: string, from: number, to: number, rules: readonly string[]): Promise<StateDiff>;
}
