/**
 * What a replay reports (DOMAIN.md §4.7, issue 3) and the JSON view of the
 * filesystem state at a point. These shapes are shared by the CLI
 * (`check --json`, `state --json`), the GraphQL resolvers and the web page.
 * Addresses in views are decimal strings (u64).
 */
import type { RuleChange } from "./changes.ts";

export type Verdict = "bug" | "clean" | "undecidable";

/** The four effects of DOMAIN.md §3, plus model-invariant violations. */
export type EffectId = "assertion_failure" | "discard_overwrites_metadata" | "transaction_abort_enoent" | "scrub_einval" | "invariant";

/** Race ids = DOMAIN.md §5 headings. */
export type RaceId =
  | "balance-vs-unused-bg-deletion"
  | "trim-vs-bg-removal"
  | "bg-creation-vs-cache-writeout"
  | "scrub-vs-bg-deletion";

export interface Finding {
  readonly race: RaceId | null;
  readonly effect: EffectId;
  /** Stored seq of the triggering event (1-based). */
  readonly seq: number;
  /** Source line of the triggering event, null when not imported from a file. */
  readonly line: number | null;
  /** In kernel terms, e.g. `btrfs_remove_chunk: no extent map for chunk 0x...`. */
  readonly message: string;
}

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

// ---- state view -----------------------------------------------------------

export interface BlockGroupView {
  readonly start: string;
  readonly length: string | null;
  readonly flags: readonly string[];
  readonly status: "active" | "readOnly" | "removed";
  readonly ro: number;
  readonly removed: boolean;
  readonly inCacheTree: boolean;
  readonly itemInserted: boolean;
  readonly trimming: number;
  readonly used: string;
  readonly reserved: string;
  readonly dirty: boolean;
  /** pid of the task whose phase-2 insert is pending, if any. */
  readonly newBgOf: number | null;
  readonly freeSpace: readonly { offset: string; bytes: string; hidden: boolean }[];
}

export interface ExtentMapView {
  readonly start: string;
  readonly length: string | null;
  readonly type: readonly string[];
  readonly inTree: boolean;
  readonly pinned: boolean;
  readonly stripes: readonly { devid: number; physical: string }[] | null;
  /** How many stripes the chunk has: those known, else what its profile says (null: unknown). */
  readonly stripeCount: number | null;
  readonly devRanges: readonly { devid: number; physical: string; end: string }[];
}

export interface DevExtentView {
  readonly devid: number;
  readonly physical: string;
  readonly length: string | null;
  readonly chunk: string;
  readonly deletedAt: number | null;
  readonly visibleInCommitRoot: boolean;
}

export interface TransactionView {
  /** Commits applied so far (k); the running transaction is the (k+1)-th. */
  readonly commits: number;
  readonly lastGen: number | null;
  readonly state: "running";
  readonly dirtyBlockGroups: readonly string[];
  readonly newBlockGroups: readonly { pid: number; blockGroups: readonly string[] }[];
}

export interface MutexView {
  readonly name: string;
  readonly holder: number | null;
  readonly waiters: readonly number[];
}

export interface ActorView {
  readonly pid: number;
  readonly comm: string | null;
  readonly status: "running" | "blocked";
  readonly blockedOn: string | null;
  readonly phase: "none" | "early" | "critical";
  readonly discard: { bytenr: string | null; devid: number | null; physical: string | null; len: string | null } | null;
}

export interface FsStateView {
  /** The last stored seq applied (0 = initial state). */
  readonly seq: number;
  readonly rules: readonly string[];
  readonly blockGroups: readonly BlockGroupView[];
  readonly extentMaps: readonly ExtentMapView[];
  readonly pinnedChunks: readonly string[];
  readonly devExtents: readonly DevExtentView[];
  readonly transactions: readonly TransactionView[];
  readonly mutexes: readonly MutexView[];
  readonly actors: readonly ActorView[];
  /** Findings up to this point. */
  readonly findings: readonly Finding[];
}

export interface StateChange {
  /** e.g. `blockGroups[30408704].ro`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface StateDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly StateChange[];
}

/**
 * The replay as the edges (CLI, resolvers) use it: reads events from the
 * store, folds them (from the nearest snapshot), reports.
 */
export interface ReplayService {
  check(traceId: string, rules: readonly string[]): Promise<CheckReport>;
  /** What the rules changed, event by event (changes.ts): one more replay, with a timeline. */
  changes(traceId: string, rules: readonly string[]): Promise<readonly RuleChange[]>;
  stateAt(traceId: string, seq: number, rules: readonly string[]): Promise<FsStateView>;
  diff(traceId: string, from: number, to: number, rules: readonly string[]): Promise<StateDiff>;
}
