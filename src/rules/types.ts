/**
 * What a fix is to the replay: a small set of hooks, each overriding one
 * decision the engine takes (DOMAIN.md §1, §3). The engine asks the composed
 * hooks of its rule set; `unpatched` answers every question with the 2015
 * kernel's behaviour. A fix that serializes two tasks declares the lock it
 * adds (`LockSpec`): which chains take it, with which event; the engine knows
 * locks only through these declarations. A fifth fix is one new module
 * exporting a `Fix` plus one line in `index.ts`; a fix that needs a decision
 * no hook offers adds a hook here and one call in the engine.
 */
import type { Bytenr, ChainKind, EventDataByType, EventType } from "../events/types.ts";
import type { RaceId } from "../events/races.ts";
import type { FixId } from "./index.ts";
import type { BlockGroup, Phase } from "../projections/state.ts";

/**
 * How the first step of a chain takes a lock (DOMAIN §4.3): the kernel event
 * that takes it. When the chain's first recorded event is another one, the
 * replay applies this event first (synthetic), made from that event's bytenr.
 */
export type LockTaker = {
  [K in EventType]: {
    readonly event: K;
    readonly data: (bytenr: Bytenr) => EventDataByType[K];
    /**
     * Under the lock the taker looks at its block group again: a reason the
     * rest of its chain does not run (the lock is released), or null.
     */
    readonly recheck?: (bg: BlockGroup | undefined, bytenr: Bytenr) => string | null;
  };
}[EventType];

/** A lock a fix adds: whoever finds it held waits, FIFO (§4.3). */
export interface LockSpec {
  /** The kernel's name, e.g. `delete_unused_bgs_mutex`. */
  readonly name: string;
  /** The chain kinds whose first step takes it, and how. */
  readonly takenBy: Readonly<Partial<Record<ChainKind, LockTaker>>>;
  /**
   * When the holder lets go: after its chain's last event, or earlier when
   * the rest of its chain is skipped (§4.3). The only release the 2015 fixes
   * need; a lock released otherwise would add a value here and its case in
   * the engine.
   */
  readonly released: "end-of-chain";
  /** What a task that finds it held does: waits, first come first served (6.x's trylock-and-skip would be another value). */
  readonly waiters: "fifo";
}

/** A lock a chain kind takes, with the event that takes it. */
export interface LockTaking {
  readonly lock: string;
  readonly taker: LockTaker;
}

/** What `btrfs_remove_block_group` does with the bg and its extent map. */
export interface RemovalPlan {
  /** Set the bg's `removed` flag. */
  readonly markRemoved: boolean;
  /** Keep the extent map in `mapping_tree` and put it on `pinned_chunks`. */
  readonly keepMapPinned: boolean;
}

/** What `btrfs_trim_block_group` does when it starts on a bg. */
export type TrimPlan =
  | "uncounted" // 4.1: no bookkeeping at all
  | "counted" // trimming += 1 until the trim ends
  | "noop"; // the bg is removed: the trim does nothing (its discards and end are not applied)

/** What the cache writeout does when the bg item is missing (-ENOENT). */
export type EnoentPlan = "abort" | "requeue";

/** What `scrub_chunk` does when the chunk has no extent map. */
export type ScrubMissingMapPlan = "einval" | "skip";

/** Each hook gets the unpatched answer (or the previous fix's) as `current` and may override it. */
export interface RuleHooks {
  /** `btrfs_remove_block_group`. */
  removeBlockGroup?(bg: BlockGroup, current: RemovalPlan): RemovalPlan;
  /** `btrfs_trim_block_group` start. */
  trimStart?(bg: BlockGroup, current: TrimPlan): TrimPlan;
  /** `write_one_cache_group` returned -ENOENT in this commit phase. */
  writeCacheGroupEnoent?(phase: Phase, current: EnoentPlan): EnoentPlan;
  /** `scrub_chunk` found no extent map; `bg` is the block group record if known. */
  scrubMissingMap?(bg: BlockGroup | undefined, current: ScrubMissingMapPlan): ScrubMissingMapPlan;
  /** Chunk allocation must place new stripes off the device ranges of pinned chunks (§4.3 allocation shift). */
  avoidPinnedRanges?(current: boolean): boolean;
}

export interface Fix<Id extends string = string> {
  readonly id: Id;
  readonly title: string;
  /** Seed file(s) in shared/seeds describing the race. */
  readonly seed: string;
  /** Upstream commit id when verified, else null. */
  readonly commit: string | null;
  /** The race this fix cures (DOMAIN §5 heading). */
  readonly race: RaceId;
  /** The invariant it protects, in one sentence. */
  readonly invariant: string;
  readonly hooks: RuleHooks;
  /** Locks it adds (none for most fixes). */
  readonly locks?: readonly LockSpec[];
}

/** The composed answers of a rule set. */
export interface ComposedHooks {
  removeBlockGroup(bg: BlockGroup): RemovalPlan;
  trimStart(bg: BlockGroup): TrimPlan;
  writeCacheGroupEnoent(phase: Phase): EnoentPlan;
  scrubMissingMap(bg: BlockGroup | undefined): ScrubMissingMapPlan;
  avoidPinnedRanges(): boolean;
}

export interface RuleSet {
  /** `unpatched`, `patched`, or fix ids joined by `,` in table order. */
  readonly key: string;
  /** As reported (`CheckReport.rules`): [`unpatched`], [`patched`] or the fix ids in table order. */
  readonly names: readonly string[];
  readonly fixes: readonly Fix[];
  readonly hooks: ComposedHooks;
  /** The locks of its fixes, in table order (two fixes naming one lock share it). */
  readonly locks: readonly LockSpec[];
  /** The locks the first step of a chain of this kind takes, in the order it takes them. */
  locksTakenBy(kind: ChainKind): readonly LockTaking[];
  /** Some fix makes actors wait (events may be applied later than recorded). */
  readonly reorders: boolean;
  has(id: FixId): boolean;
}
