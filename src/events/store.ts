/**
 * The event store interface: one stream per trace. The PostgreSQL adapter
 * (`pg-store.ts`) implements it; the replay and the resolvers only see this.
 */
import type { ExpectedVersion } from "../db/transaction.ts";
import type { EncodedRows } from "./import-rows.ts";
import type { EventQuery, LaneKey, TraceOverview, WindowOptions } from "./query.ts";
import type { SourceLine } from "./source-lines.ts";
import type { RaceEvent, StoredEvent } from "./types.ts";

export interface TraceSource {
  /** File name the trace was imported from, if any. */
  readonly file: string | null;
  /** sha256 of the imported content, used to detect re-imports. */
  readonly hash: string | null;
  /** `ftrace-function`, `ftrace-function_graph`, `ftrace-nop`, `trace-cmd`, `jsonl`, `scenario`, `api`. */
  readonly format: string;
}

export interface TraceInfo {
  readonly id: string;
  readonly name: string;
  readonly source: TraceSource;
  readonly createdAt: Date;
  /** Number of events = seq of the last event (0 when empty). */
  readonly version: number;
  /** Import report or scenario metadata (JSON), if any. */
  readonly meta: Record<string, unknown> | null;
  /** Who may write it (issue 11 course boundaries); both null for a trace made on the machine itself (CLI). */
  readonly owner: TraceOwner;
}

/** The course whose instructors may write, fork and delete a trace, and the instructor who made it. */
export interface TraceOwner {
  readonly courseId: string | null;
  readonly userId: string | null;
}

export const NO_OWNER: TraceOwner = Object.freeze({ courseId: null, userId: null });

export interface NewTrace {
  /** The trace's id, when the caller chose it (an import encodes its rows before the trace exists); default a new one. */
  readonly id?: string;
  readonly name: string;
  readonly source: TraceSource;
  readonly meta?: Record<string, unknown> | null;
  /** Default: no owner (made on the machine). */
  readonly owner?: TraceOwner;
}

/**
 * What `importTrace`'s `beforeCommit` may ask, in the import's own
 * transaction (another connection would wait for it on the embedded database).
 */
export interface ImportTransaction {
  /** The newest other trace whose content has sha256 `hash`. */
  traceWithHash(hash: string): Promise<{ readonly id: string; readonly name: string } | null>;
}

/**
 * A batch of an import: events, and the text of the lines that made them
 * (ascending, each line once; lines of later batches come after).
 */
export interface ImportBatch {
  readonly events: readonly RaceEvent[];
  readonly sourceLines?: readonly SourceLine[];
}

/** Rows an importer encoded already (`ImportRowsEncoder`, for `NewTrace.id`, seqs following on). */
export interface EncodedBatch {
  readonly encoded: EncodedRows;
}

/** `expectedVersion`: the caller's view of the stream length; `"any"` skips the check. */
export type { ExpectedVersion };

export interface EventStore {
  createTrace(trace: NewTrace): Promise<TraceInfo>;
  getTrace(id: string): Promise<TraceInfo | null>;
  /** Resolves a trace by id or by exact name (newest first). */
  findTrace(idOrName: string): Promise<TraceInfo | null>;
  findTraceByHash(hash: string): Promise<TraceInfo | null>;
  listTraces(): Promise<TraceInfo[]>;
  /**
   * Deletes a trace with its events and everything derived (snapshots). Returns false if absent.
   * Its forks keep their events: what they shared of it is copied into them first.
   */
  deleteTrace(id: string): Promise<boolean>;
  /**
   * A what-if branch: a new trace whose events 1..atSeq are those of `baseId`
   * (shared, not copied), appended to on its own afterwards. 0 <= atSeq <= the base's version.
   */
  forkTrace(baseId: string, atSeq: number, trace: NewTrace): Promise<TraceInfo>;
  /**
   * Appends events after `expectedVersion`; all or nothing. Throws
   * DomainError CONFLICT when the stream is not at that version. Returns the new version.
   */
  append(traceId: string, expectedVersion: ExpectedVersion, events: readonly RaceEvent[]): Promise<number>;
  /** Events with from <= seq <= to (inclusive, 1-based), in order. */
  read(traceId: string, range?: { from?: number; to?: number }): Promise<StoredEvent[]>;
  /**
   * The stored source line of each given event (by seq), when its import
   * stored one: the text of the line (`origin.line`) that made it. A fork's
   * shared events have their base's lines; its own (appended) have none.
   */
  sourceLines(traceId: string, events: readonly { readonly seq: number; readonly line: number | null }[]): Promise<Map<number, SourceLine>>;
  /** Windows of the events `q` keeps (null: all), for a timeline that never reads a whole trace. */
  findEvents(traceId: string, q: EventQuery | null, window: WindowOptions): Promise<StoredEvent[]>;
  /** How many events `q` keeps. */
  countEvents(traceId: string, q: EventQuery | null): Promise<number>;
  /** For each seq, how many events `q` keeps with a seq at or before it. */
  matchRanks(traceId: string, q: EventQuery | null, seqs: readonly number[]): Promise<number[]>;
  /** Tasks, CPUs, event types, block groups and time span of a trace (one scan; kept per trace version). */
  overview(traceId: string): Promise<TraceOverview>;
  /** The first event with a timestamp at or after `ts` (ns), or null. */
  seqAtTime(traceId: string, ts: bigint): Promise<number | null>;
  /** Events `q` keeps per lane (task pid or CPU) in `buckets` equal slices of [fromTs, toTs). */
  density(traceId: string, q: EventQuery | null, fromTs: bigint, toTs: bigint, buckets: number, lane: LaneKey): Promise<{ lane: string; counts: number[] }[]>;
  /**
   * Creates a trace and streams its events in with COPY, in one transaction:
   * either the whole trace is stored or nothing is (crash-safe import).
   * `meta` and `source.hash` are stored as they are once the events are in
   * (an importer may fill them on the way). `beforeCommit` runs then, inside
   * the transaction: if it throws, nothing is stored. Batches may carry the
   * source lines of their events (`ImportBatch`): stored in the same
   * transaction, with COPY too.
   */
  importTrace(
    trace: NewTrace,
    events: AsyncIterable<readonly RaceEvent[] | ImportBatch | EncodedBatch>,
    beforeCommit?: (tx: ImportTransaction) => Promise<void>,
  ): Promise<TraceInfo>;
  close(): Promise<void>;
}

/**
 * Replay snapshots (time travel): JSON states (bigints kept) by trace, key
 * (`rules`: the rule set and whatever else the replay keys them by) and seq.
 */
export interface SnapshotStore {
  saveSnapshots(traceId: string, rules: string, snapshots: readonly { seq: number; state: unknown }[]): Promise<void>;
  /** The snapshot with the greatest seq <= `seq`, or null. */
  nearestSnapshot(traceId: string, rules: string, seq: number): Promise<{ seq: number; state: unknown } | null>;
  /** The snapshots with from <= seq <= to, in seq order. */
  snapshotRange(traceId: string, rules: string, from: number, to: number): Promise<{ seq: number; state: unknown }[]>;
  /** Seqs of the snapshots kept for a trace and rule set (all of them: for tests and maintenance, not for every query). */
  snapshotSeqs(traceId: string, rules: string): Promise<number[]>;
}

/**
 * Replay verdicts, a projection of a trace's events: one JSON report per
 * (trace, rule set key, engine version), valid while the trace is at the
 * version it was computed at. Deleted with the trace.
 */
export interface VerdictStore {
  /** The stored report of (trace, rules, engine) if it was computed at trace version `version`, else null. */
  loadVerdict(traceId: string, rules: string, engine: number, version: number): Promise<unknown | null>;
  /**
   * Stores the report computed at trace version `version`, replacing one of an
   * older version (never a newer one) and those of other engine versions. A
   * trace deleted meanwhile stores nothing.
   */
  saveVerdict(traceId: string, rules: string, engine: number, version: number, report: unknown): Promise<void>;
}

/** What the replay service reads and keeps: events, snapshots, verdicts. */
export type ReplayStore = EventStore & SnapshotStore & VerdictStore;
