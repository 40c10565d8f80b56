/**
 * The filesystem state the replay folds events into (DOMAIN.md §2): one
 * FsInfo with its block groups (tombstones kept), extent maps, device
 * extents, the running transaction's dirty list, the locks the fixes add and the actors.
 *
 * Immutable: every update returns a new state sharing what did not change
 * (tables are persistent maps, `pmap.ts`). Addresses are bigints; table keys
 * are their decimal strings.
 */
import type { Stripe } from "../events/types.ts";
import { PMap } from "./pmap.ts";

export type Phase = "none" | "early" | "critical";

export interface FreeSpaceEntry {
  /** Logical offset when the discard's physical range maps back linearly, else null. */
  readonly offset: bigint | null;
  readonly bytes: bigint | null;
  /** Removed from the free-space rbtree while it is being discarded. */
  readonly hidden: boolean;
  /** pid of the trimmer that hid it. */
  readonly by: number;
}

export interface BlockGroup {
  readonly start: bigint;
  readonly length: bigint | null;
  readonly flags: number | null;
  readonly used: bigint;
  /** Known reserved bytes (discards in flight on a writable bg). */
  readonly reserved: bigint;
  /** Reservations of unknown length in flight (a discard with unknown len): reserved is then > 0. */
  readonly reservedUnknown: number;
  /** Counter (`inc_block_group_ro`); a 4.1-era flag is kept as 0/1. */
  readonly ro: number;
  /** `removed` flag of fix 001 (also set when only fix 003 is enabled). */
  readonly removed: boolean;
  /** Trimmers inside `btrfs_trim_block_group` (fix 001; 6.x `frozen`). */
  readonly trimming: number;
  /** False = tombstone: the bg left `block_group_cache_tree`. */
  readonly inCacheTree: boolean;
  /** Block group item in the extent tree (phase 2 of creation done). */
  readonly itemInserted: boolean;
  /** pid whose transaction handle still lists this bg in `new_bgs`. */
  readonly newBgsOf: number | null;
  readonly freeSpace: readonly FreeSpaceEntry[];
  /** Created by bootstrap (first mention) rather than by `bg_create`. */
  readonly bootstrapped: boolean;
  /** Seq of the event that removed it (tombstones), for messages. */
  readonly removedAtSeq: number | null;
  readonly removedBy: number | null;
}

export interface DevRange {
  readonly devid: number;
  readonly physical: bigint;
  /** Exclusive end. */
  readonly end: bigint;
}

export interface ChunkMap {
  readonly start: bigint;
  readonly len: bigint | null;
  /** Block group flags of the chunk (profile), null = unknown. */
  readonly type: number | null;
  /** From `chunk_alloc` (after the allocation shift); null = unknown. */
  readonly stripes: readonly Stripe[] | null;
  readonly devRanges: readonly DevRange[];
  /** In `mapping_tree`. */
  readonly inTree: boolean;
  /** On `pinned_chunks` (fix 001): kept while a trimmer still works on it. */
  readonly pinned: boolean;
  /** Application index of its `chunk_alloc` (or creating `bg_create`); null = bootstrapped (−∞). */
  readonly allocatedAt: number | null;
  readonly allocatedAtSeq: number | null;
  /** Value of k when its device extents were deleted (`remove_chunk`); null while live. */
  readonly devExtentsDeletedAt: number | null;
  readonly removedAtSeq: number | null;
  /** Keys (`devid:physical`) of its known device extents. */
  readonly extents: readonly string[];
}

export interface DevExtent {
  readonly devid: number;
  readonly physical: bigint;
  readonly len: bigint | null;
  readonly chunk: bigint;
  /** k when its chunk was removed; null while live. */
  readonly deletedAt: number | null;
}

export interface Discard {
  readonly bg: bigint | null;
  readonly len: bigint | null;
  readonly devid: number | null;
  readonly physical: bigint | null;
  /** Bytes added to the bg's `reserved` (null: none reserved). */
  readonly reserved: bigint | null;
  readonly reservedUnknown: boolean;
  readonly startedAt: number;
  readonly startSeq: number;
  /** First metadata write that landed in the discarded range since it started. */
  readonly hit: { readonly seq: number; readonly line: number | null; readonly logical: bigint; readonly chunk: bigint; readonly devid: number; readonly physical: bigint } | null;
  /** A write in a chunk allocated after the start whose physical place is unknown. */
  readonly unknownWrite: { readonly seq: number; readonly line: number | null } | null;
}

export interface TrimInProgress {
  readonly bg: bigint | null;
  /** Counted in `trimming` (fix 001) — the end decrements only then. */
  readonly counted: boolean;
}

export interface Actor {
  readonly pid: number;
  readonly comm: string | null;
  readonly phase: Phase;
  readonly status: "running" | "blocked";
  readonly blockedOn: string | null;
  readonly discard: Discard | null;
  readonly trim: TrimInProgress | null;
  /** Block groups whose phase 2 is pending on this task's handle, in creation order. */
  readonly newBgs: readonly string[];
  /** Unbound `set_ro` applied and not matched by an unbound `clear_ro` (DOMAIN §4.7 e). */
  readonly unboundRo: number;
}

export interface LockState {
  readonly holder: number | null;
  readonly waiters: readonly number[];
}

const FREE: LockState = Object.freeze({ holder: null, waiters: Object.freeze([]) });

/** The lock's holder and waiters (free if it has no entry). */
export function lockState(fs: FsState, name: string): LockState {
  return fs.locks[name] ?? FREE;
}

/** `fs` with the lock `name` changed; a free lock without waiters loses its entry. */
export function withLock(fs: FsState, name: string, change: (l: LockState) => LockState): FsState {
  const next = change(lockState(fs, name));
  const { [name]: _old, ...others } = fs.locks;
  return { ...fs, locks: next.holder === null && next.waiters.length === 0 ? others : { ...others, [name]: next } };
}

export interface FsState {
  /** k: `commit_done` events applied; the running transaction is the (k+1)-th. */
  readonly commits: number;
  readonly lastGen: number | null;
  readonly blockGroups: PMap<BlockGroup>;
  readonly maps: PMap<ChunkMap>;
  /** Starts of all maps, ascending (finding the chunk of a logical address). */
  readonly mapStarts: readonly bigint[];
  /** Keys of pinned maps, in pinning order. */
  readonly pinnedChunks: readonly string[];
  readonly devExtents: PMap<DevExtent>;
  /** Ordered set: key → order stamp. */
  readonly dirtyBgs: PMap<number>;
  readonly dirtyStamp: number;
  /** True iff the trace has no `bg_items_insert` event (phase 2 invisible). */
  readonly itemsUnknown: boolean;
  /**
   * Locks the fixes introduce (DOMAIN §4.3: `delete_unused_bgs_mutex`, 6.x
   * `reclaim_bgs_lock`), by name; a free lock nobody waits for has no entry,
   * so a state does not depend on which locks were ever taken.
   */
  readonly locks: Readonly<Record<string, LockState>>;
  readonly actors: PMap<Actor>;
  /** pids whose commit phase is not `none` (reset by `commit_done`). */
  readonly phased: readonly number[];
  /** pids with an open Discard. */
  readonly openDiscards: readonly number[];
  /** Application index: events applied so far (synthetic ones included). */
  readonly applied: number;
}

export function initialState(opts: { itemsUnknown?: boolean } = {}): FsState {
  return {
    commits: 0,
    lastGen: null,
    blockGroups: PMap.empty(),
    maps: PMap.empty(),
    mapStarts: [],
    pinnedChunks: [],
    devExtents: PMap.empty(),
    dirtyBgs: PMap.empty(),
    dirtyStamp: 0,
    itemsUnknown: opts.itemsUnknown ?? false,
    locks: {},
    actors: PMap.empty(),
    phased: [],
    openDiscards: [],
    applied: 0,
  };
}

export const key = (n: bigint): string => n.toString();
export const hex = (n: bigint | null | undefined): string => (n === null || n === undefined ? "?" : `0x${n.toString(16)}`);
export const devKey = (devid: number, physical: bigint): string => `${devid}:${physical}`;

export function newActor(pid: number, comm: string | null): Actor {
  return {
    pid,
    comm,
    phase: "none",
    status: "running",
    blockedOn: null,
    discard: null,
    trim: null,
    newBgs: [],
    unboundRo: 0,
  };
}

export function defaultBlockGroup(start: bigint): BlockGroup {
  return {
    start,
    length: null,
    flags: null,
    used: 0n,
    reserved: 0n,
    reservedUnknown: 0,
    ro: 0,
    removed: false,
    trimming: 0,
    inCacheTree: true,
    itemInserted: true,
    newBgsOf: null,
    freeSpace: [],
    bootstrapped: true,
    removedAtSeq: null,
    removedBy: null,
  };
}

export function defaultChunkMap(start: bigint): ChunkMap {
  return {
    start,
    len: null,
    type: null,
    stripes: null,
    devRanges: [],
    inTree: true,
    pinned: false,
    allocatedAt: null,
    allocatedAtSeq: null,
    devExtentsDeletedAt: null,
    removedAtSeq: null,
    extents: [],
  };
}

/** Device ranges of a chunk may be reused once its device extents were deleted by a committed transaction. */
export function rangesReusable(s: FsState, m: ChunkMap): boolean {
  return !m.pinned && m.devExtentsDeletedAt !== null && s.commits > m.devExtentsDeletedAt;
}

/** Dev extents of a chunk are in the commit root while live or deleted by the running transaction. */
export function visibleInCommitRoot(s: FsState, deletedAt: number | null): boolean {
  return deletedAt === null || deletedAt === s.commits;
}
