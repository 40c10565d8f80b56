/**
 * The races (DOMAIN.md §5) and the effect each ends in (§3): one table, from
 * which race ids, effect ids and effect → race are derived. A race that
 * joins it is a compile error wherever a table keyed by race must learn it.
 * Which fix cures a race is the fix's to say (src/rules).
 */
export const RACES = [
  { id: "balance-vs-unused-bg-deletion", effect: "assertion_failure" },
  { id: "trim-vs-bg-removal", effect: "discard_overwrites_metadata" },
  { id: "bg-creation-vs-cache-writeout", effect: "transaction_abort_enoent" },
  { id: "scrub-vs-bg-deletion", effect: "scrub_einval" },
] as const;

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
