/**
 * What a replay reports (DOMAIN.md §4.7, issue 3) and the JSON view of the
 * filesystem state at a point. These shapes are shared by the CLI
 * (`check --json`, `state --json`), the GraphQL resolvers and the web page.
 * Addresses in views are decimal strings (u64).
 */
import type { RuleChange } from "./changes.ts";

import type { SideKind } from "../events/chains.ts";
import type { RaceId, Verdict } from "../events/races.ts";
import type { EventType } from "../events/types.ts";
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

/** One side of a closest approach: its event nearest the other side's. */
export interface ApproachSide {
  /** The unit it belongs to: a chain kind (DOMAIN §6.3) or a writeout phase. */
  readonly kind: SideKind;
  /** Which step of that unit (its event type). */
  readonly step: EventType;
  readonly seq: number;
  readonly line: number | null;
  readonly pid: number;
}

/** Where a race's two sides came closest on one block group (src/replay/coverage.ts). */
export interface ClosestApproach {
  /** Decimal string (u64). */
  readonly blockGroup: string;
  /** Nanoseconds between the two events; null when one has no timestamp. */
  readonly ns: number | null;
  /** Side A's event, then side B's (the race's sides, src/events/races.ts). */
  readonly sides: readonly [ApproachSide, ApproachSide];
}

/** What a trace shows of one race (issue 13). */
export interface RaceCoverage {
  /** Units per kind the race is made of, bound or not: chains by kind, writeout phases. */
  readonly chains: Readonly<Partial<Record<SideKind, number>>>;
  /** How many of them have no subject (unbound). */
  readonly unbound: number;
  /** null when the two sides never met on one block group. */
  readonly closest: ClosestApproach | null;
  /**
   * Whether some reordering of the events of the closest approach's window
   * (each task keeping its order) reaches the race's bug under unpatched.
   * Without an approach: false when everything is bound (the sides never
   * met), null when some unit is unbound (they may have). null too when the
   * window or the explorer's bound was too small, or a schedule of the
   * window was undecidable (unbound events in it).
   */
  readonly reachable: boolean | null;
}

/** Every race of the registry, in its order. */
export type Coverage = Readonly<Record<RaceId, RaceCoverage>>;

/** A check as the replay service answers it: the verdict and what the trace shows of each race. */
export interface CoveredCheckReport extends CheckReport {
  readonly coverage: Coverage;
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
  check(traceId: string, rules: readonly string[]): Promise<CoveredCheckReport>;
  /** Each rule set on one trace, in order: the events are read once for those not stored yet. */
  checks(traceId: string, ruleSets: readonly (readonly string[])[]): Promise<CoveredCheckReport[]>;
  /** What the rules changed, event by event (changes.ts): one more replay, with a timeline. */
  changes(traceId: string, rules: readonly string[]): Promise<readonly RuleChange[]>;
  stateAt(traceId: string, seq: number, rules: readonly string[]): Promise<FsStateView>;
  diff(traceId: string, from: number, to: number, rules: readonly string[]): Promise<StateDiff>;
}
