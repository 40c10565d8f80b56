/**
 * What the state looks like to the edges (CLI `state --json`, GraphQL, the
 * web page): the JSON view of the filesystem state at a point, its
 * path-wise changes, and the findings met so far. Addresses are decimal
 * strings (u64). Made by view.ts.
 */
import type { EffectId, RaceId } from "../events/races.ts";

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

