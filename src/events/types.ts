/**
 * The domain events of racelab (DOMAIN.md §3): what a kernel task did to a
 * block group, chunk or transaction, as recorded in a trace.
 *
 * Addresses and lengths are bytes as `bigint` (btrfs logical addresses are
 * u64). `null` means "not known from the trace": an *unbound* subject
 * (DOMAIN.md §6.3) or an argument no line printed. Unknown is never guessed.
 *
 * Every event type is listed once, in `EventDataByType`; the catalog
 * (`catalog.ts`) holds its validation schema and documentation. Adding an
 * event type means one entry here and one in the catalog.
 */

export type Bytes = bigint;
/** Block group start / chunk logical offset; null = unbound subject. */
export type Bytenr = bigint | null;

export interface Stripe {
  readonly devid: number;
  readonly physical: Bytes;
}

/** Payload of each event type, keyed by type. */
export interface EventDataByType {
  // Optional fields (`flags?`) came after events were stored (issue 14): the
  // catalog reads them as null when absent, events made in code may leave them out.
  /** Cleaner decides whether to delete an unused bg; `outcome` as recorded. */
  unused_bg_check: { bytenr: Bytenr; outcome: "proceed" | "skip"; used: Bytes | null; flags?: number | null };
  /** `ro += 1`; with `flag` (4.1-era names) `ro = 1`. */
  set_ro: { bytenr: Bytenr; flag: boolean };
  /** `ro -= 1`; with `flag` (4.1-era `btrfs_set_block_group_rw`) `ro = 0`. */
  clear_ro: { bytenr: Bytenr; flag: boolean };
  relocate_chunk: { bytenr: Bytenr };
  relocate_bg: { bytenr: Bytenr };
  remove_chunk: { bytenr: Bytenr };
  /** `type`: the chunk's block group flags, when printed (`type=DATA`). */
  chunk_free: { bytenr: Bytenr; len: Bytes | null; type?: number | null };
  /** `flags`: when the tracepoint prints them (5.x+). */
  remove_block_group: { bytenr: Bytenr; flags?: number | null };
  trim_bg: { bytenr: Bytenr };
  trim_bg_end: { bytenr: Bytenr };
  discard_start: { bytenr: Bytenr; len: Bytes | null; devid: number | null; physical: Bytes | null };
  discard_end: { bytenr: Bytenr };
  /** `type` = block group flags (DATA=1, SYSTEM=2, METADATA=4, RAID…). */
  chunk_alloc: { bytenr: Bytenr; len: Bytes | null; type: number | null; stripes: readonly Stripe[] | null };
  bg_create: { bytenr: Bytenr; len: Bytes | null; flags: number | null };
  bg_items_insert: Record<string, never>;
  /** `flags`: the block group's type and profile when the line prints them (`flags=20(METADATA|RAID1)`). */
  bg_alloc: { bytenr: Bytenr; start: Bytes | null; len: Bytes | null; flags?: number | null };
  commit_start: Record<string, never>;
  writeout_early: Record<string, never>;
  writeout_critical: Record<string, never>;
  /** Exit of `btrfs_start_dirty_block_groups`/`btrfs_write_dirty_block_groups` (graph logs). */
  writeout_end: Record<string, never>;
  write_cache_group: { bytenr: Bytenr };
  /** `gen` is display only (the tracepoint may print the next transaction id). */
  commit_done: { gen: number | null };
  scrub_dev_extent: { bytenr: Bytenr; devid: number | null; physical: Bytes | null };
  scrub_chunk: { bytenr: Bytenr };
  eb_write: { bytenr: Bytenr; len: Bytes | null };
  /** Observation: ASSERT failure seen in the recording; never changes state. */
  assert_fail: Record<string, never>;
  /** Observation: transaction abort seen in the recording; never changes state. */
  trans_abort: Record<string, never>;
  /** `CPU:N [LOST K EVENTS]` or `##### CPU N buffer started ####`: a gap can hide a race. */
  trace_gap: { cpu: number | null; lost: number | null };
}

export type EventType = keyof EventDataByType;

/** Chain kinds of DOMAIN.md §6.3: the per-task units a subject is bound to. */
export type ChainKind = "relocation" | "deletion" | "trim" | "scrub" | "creation";

/** Where an event came from. `line` is the 1-based source line (null if not imported from a file). */
export interface EventOrigin {
  readonly line: number | null;
  /** Order among the events made from one line (0, 1, …), DOMAIN.md §4.2. */
  readonly lineSeq: number;
  readonly pid: number;
  readonly comm: string | null;
  readonly cpu: number | null;
  /** Source timestamp in ns; null when the format has none. Never used to re-order. */
  readonly ts: bigint | null;
}

/** Chain membership: which per-task chain (§6.3) an event belongs to. */
export interface ChainRef {
  readonly id: number;
  readonly kind: ChainKind;
  /** Synthetic events (replay-made) are never stored. */
}

export type RaceEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly type: K;
    readonly data: Readonly<EventDataByType[K]>;
    readonly origin: EventOrigin;
    readonly chain: ChainRef | null;
  };
}[T];

/** An event as stored: `seq` is its 1-based, gapless position in its trace. */
export type StoredEvent<T extends EventType = EventType> = RaceEvent<T> & { readonly seq: number };

export const BLOCK_GROUP_FLAGS = {
  DATA: 1,
  SYSTEM: 2,
  METADATA: 4,
  RAID0: 8,
  RAID1: 16,
  DUP: 32,
  RAID10: 64,
  RAID5: 128,
  RAID6: 256,
  RAID1C3: 512,
  RAID1C4: 1024,
} as const;

export type BlockGroupFlagName = keyof typeof BLOCK_GROUP_FLAGS;

export function flagNames(flags: number): BlockGroupFlagName[] {
  return (Object.keys(BLOCK_GROUP_FLAGS) as BlockGroupFlagName[]).filter((n) => (flags & BLOCK_GROUP_FLAGS[n]) !== 0);
}

/**
 * Stripes of a chunk of this profile, when the profile alone says it:
 * SINGLE 1, DUP 2 (one device), RAID1 2, RAID1C3 3, RAID1C4 4. RAID0/10/5/6
 * spread over as many devices as the filesystem has: null.
 */
export function profileStripes(flags: number): number | null {
  const F = BLOCK_GROUP_FLAGS;
  if (flags & (F.RAID0 | F.RAID10 | F.RAID5 | F.RAID6)) return null;
  if (flags & F.RAID1C4) return 4;
  if (flags & F.RAID1C3) return 3;
  if (flags & (F.RAID1 | F.DUP)) return 2;
  return 1;
}
