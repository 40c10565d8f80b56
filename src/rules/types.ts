/**
 * What a fix is to the replay: a small set of hooks, each overriding one
 * decision the engine takes (DOMAIN.md §1, §3). The engine asks the composed
 * hooks of its rule set; `unpatched` answers every question with the 2015
 * kernel's behaviour. A fifth fix is one new module exporting a `Fix` plus one
 * line in `index.ts`; a fix that needs a decision no hook offers adds a hook
 * here and one call in the engine.
 */
import type { ChainKind } from "../events/types.ts";
import type { RaceId } from "../events/races.ts";
import type { FixId } from "./index.ts";
import type { BlockGroup, Phase } from "../projections/state.ts";

export type LockName = "delete_unused_bgs_mutex";

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
  /** The lock the first step of a chain of this kind must take (DOMAIN §4.3), or null. */
  chainLock?(kind: ChainKind, current: LockName | null): LockName | null;
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
}

/** The composed answers of a rule set. */
export interface ComposedHooks {
  chainLock(kind: ChainKind): LockName | null;
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
  /** Some fix makes actors wait (events may be applied later than recorded). */
  readonly reorders: boolean;
  has(id: FixId): boolean;
}
