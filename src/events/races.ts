import type { SideKind } from "./chains.ts";
import type { EventType } from "./types.ts";

/**
 * The races (DOMAIN.md §5) and the effect each ends in (§3): one table, from
 * which race ids, effect ids and effect → race are derived. A race that
 * joins it is a compile error wherever a table keyed by race must learn it.
 * Which fix cures a race is the fix's to say (src/rules).
 *
 * Each race also says what it is made of, for a check's coverage (issue 13):
 * its two `sides` (§5's actors A and B: the kinds of chains, or writeout
 * phases, whose meeting on one block group is the race), what else it
 * `needs` from other tasks to reach its effect (kept when the explorer
 * reorders the window where the sides came closest), and the `bug` in a
 * kernel engineer's words. A race without them does not compile. Coverage
 * is stored with every verdict: changing `sides` or `needs` bumps
 * ENGINE_VERSION (src/replay/engine.ts).
 */
export interface RaceSpec {
  readonly id: string;
  readonly effect: string;
  /** Side A, then side B (§5): each the kinds of units it is made of. */
  readonly sides: readonly [readonly SideKind[], readonly SideKind[]];
  /** Events of any task the effect needs besides the two sides' own (§5: the commit, the new chunk, the write). */
  readonly needs: readonly EventType[];
  /** What the effect is in the kernel, for "a reordering of these would hit …". */
  readonly bug: string;
}

export const RACES = [
  {
    id: "balance-vs-unused-bg-deletion",
    effect: "assertion_failure",
    sides: [["relocation"], ["deletion"]],
    needs: [],
    bug: "the ASSERT in btrfs_remove_chunk",
  },
  {
    id: "trim-vs-bg-removal",
    effect: "discard_overwrites_metadata",
    // §5.2: B is the cleaner or a relocation.
    sides: [["trim"], ["deletion", "relocation"]],
    needs: ["commit_done", "chunk_alloc", "bg_create", "eb_write"],
    bug: "a discard that zeroes new metadata",
  },
  {
    id: "bg-creation-vs-cache-writeout",
    effect: "transaction_abort_enoent",
    sides: [["creation"], ["writeout_early", "writeout_critical"]],
    needs: [],
    bug: "the transaction abort (-ENOENT)",
  },
  {
    id: "scrub-vs-bg-deletion",
    effect: "scrub_einval",
    // §5.4's A is the cleaner; a relocation removes the block group and its map the same way.
    sides: [["deletion", "relocation"], ["scrub"]],
    needs: [],
    bug: "scrub's -EINVAL",
  },
] as const satisfies readonly RaceSpec[];

/** Race ids = DOMAIN.md §5 headings. */
export type RaceId = (typeof RACES)[number]["id"];

/** The effects of DOMAIN.md §3 that end a race. */
export type RaceEffect = (typeof RACES)[number]["effect"];

/** A finding's effect: a race's, or a model invariant violated by the trace itself. */
export type EffectId = RaceEffect | "invariant";

/** What a replay concludes of a trace under a rule set (DOMAIN.md §4.7). */
export type Verdict = "bug" | "clean" | "undecidable";

export const RACE_IDS: readonly RaceId[] = RACES.map((r) => r.id);

export const RACE_OF_EFFECT: Readonly<Record<RaceEffect, RaceId>> = Object.fromEntries(RACES.map((r) => [r.effect, r.id])) as Record<RaceEffect, RaceId>;

export const EFFECT_OF_RACE: Readonly<Record<RaceId, RaceEffect>> = Object.fromEntries(RACES.map((r) => [r.id, r.effect])) as Record<RaceId, RaceEffect>;

export function isRaceId(s: string): s is RaceId {
  return (RACE_IDS as readonly string[]).includes(s);
}
