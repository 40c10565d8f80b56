/**
 * The fix registry (DOMAIN.md §1 table order) and rule-set resolution.
 * `unpatched` = no fix (≈ v4.1-rc), `patched` = all four; any subset of fix
 * ids replays the trace "fix by fix".
 *
 * Verdict-affecting (as is every fix module): a change of behaviour here
 * bumps ENGINE_VERSION (src/replay/engine.ts).
 */
import { DomainError } from "../errors.ts";
import type { ChainKind } from "../events/types.ts";
import type { BlockGroup, Phase } from "../projections/state.ts";
import { deleteUnusedBgsMutex } from "./delete-unused-bgs-mutex.ts";
import { pinChunksDuringTrim } from "./pin-chunks-during-trim.ts";
import { retryEnoentCacheWriteout } from "./retry-enoent-cache-writeout.ts";
import { scrubSkipRemovedChunk } from "./scrub-skip-removed-chunk.ts";
import { RACE_IDS, type RaceId } from "../events/races.ts";
import type { ComposedHooks, Fix, LockSpec, LockTaker, LockTaking, RemovalPlan, RuleSet } from "./types.ts";

export type { Fix, RuleSet } from "./types.ts";

/**
 * All fixes, in DOMAIN §1 table order: the one registry. Fix ids, which fix
 * cures which race, the exercises' choices and the rule sets are derived
 * from it; a fifth fix is one module and one line here.
 */
export const FIXES = [deleteUnusedBgsMutex, pinChunksDuringTrim, retryEnoentCacheWriteout, scrubSkipRemovedChunk] as const;

export type FixId = (typeof FIXES)[number]["id"];

export const FIX_IDS: readonly FixId[] = FIXES.map((f) => f.id);

/** The fix of each race (DOMAIN §1): every race has one. */
export const FIX_OF_RACE: Readonly<Record<RaceId, FixId>> = (() => {
  const out = Object.fromEntries(FIXES.map((f) => [f.race, f.id])) as Partial<Record<RaceId, FixId>>;
  const missing = RACE_IDS.filter((r) => out[r] === undefined);
  if (missing.length > 0) throw new Error(`rules: no fix for race ${missing.join(", ")}`);
  return out as Record<RaceId, FixId>;
})();

export function isFixId(id: string): id is FixId {
  return (FIX_IDS as readonly string[]).includes(id);
}

function compose(fixes: readonly Fix[]): ComposedHooks {
  const h = fixes.map((f) => f.hooks);
  return {
    removeBlockGroup: (bg: BlockGroup) =>
      h.reduce<RemovalPlan>((cur, x) => (x.removeBlockGroup ? x.removeBlockGroup(bg, cur) : cur), { markRemoved: false, keepMapPinned: false }),
    trimStart: (bg: BlockGroup) => h.reduce((cur, x) => (x.trimStart ? x.trimStart(bg, cur) : cur), "uncounted" as ReturnType<ComposedHooks["trimStart"]>),
    writeCacheGroupEnoent: (phase: Phase) =>
      h.reduce((cur, x) => (x.writeCacheGroupEnoent ? x.writeCacheGroupEnoent(phase, cur) : cur), "abort" as ReturnType<ComposedHooks["writeCacheGroupEnoent"]>),
    scrubMissingMap: (bg: BlockGroup | undefined) =>
      h.reduce((cur, x) => (x.scrubMissingMap ? x.scrubMissingMap(bg, cur) : cur), "einval" as ReturnType<ComposedHooks["scrubMissingMap"]>),
    avoidPinnedRanges: () => h.reduce((cur, x) => (x.avoidPinnedRanges ? x.avoidPinnedRanges(cur) : cur), false),
  };
}

/** The fixes' locks by name, in table order; a lock two fixes name is taken by the chains of both. */
function mergeLocks(fixes: readonly Fix[]): LockSpec[] {
  const byName = new Map<string, LockSpec>();
  for (const spec of fixes.flatMap((f) => f.locks ?? [])) {
    const known = byName.get(spec.name);
    byName.set(spec.name, known ? { ...known, takenBy: { ...known.takenBy, ...spec.takenBy } } : spec);
  }
  return [...byName.values()];
}

/**
 * The rule set of these fixes: the registry's in table order, then any other
 * (a fix under trial, not yet in FIXES) in the order given.
 */
export function ruleSetOf(fixes: readonly Fix[]): RuleSet {
  const ids = new Set(fixes.map((f) => f.id));
  const known = new Set<string>(FIX_IDS);
  const ordered = [...FIXES.filter((f) => ids.has(f.id)), ...fixes.filter((f) => !known.has(f.id))];
  const names =
    ordered.length === 0 ? ["unpatched"] : ordered.length === FIXES.length && ordered.every((f) => known.has(f.id)) ? ["patched"] : ordered.map((f) => f.id);
  const hooks = compose(ordered);
  const locks = mergeLocks(ordered);
  const taking = new Map<ChainKind, LockTaking[]>();
  for (const l of locks) {
    for (const [kind, taker] of Object.entries(l.takenBy) as [ChainKind, LockTaker][]) {
      taking.set(kind, [...(taking.get(kind) ?? []), { lock: l.name, taker }]);
    }
  }
  return Object.freeze({
    key: names.join(","),
    names: Object.freeze(names),
    fixes: Object.freeze(ordered),
    hooks,
    locks: Object.freeze(locks),
    locksTakenBy: (kind: ChainKind) => taking.get(kind) ?? [],
    reorders: locks.length > 0,
    has: (id: FixId) => ids.has(id),
  });
}

export const UNPATCHED: RuleSet = ruleSetOf([]);
export const PATCHED: RuleSet = ruleSetOf(FIXES);

/**
 * `["unpatched"]`, `["patched"]`, `["fix-a","fix-b"]` or `["fix-a,fix-b"]`
 * (ids in any order, duplicates ignored) → the rule set. The full list of
 * ids is `patched`; an empty list is `unpatched`. Unknown id → BAD_USER_INPUT.
 */
export function resolveRules(spec: readonly string[] | string): RuleSet {
  const parts = (typeof spec === "string" ? [spec] : spec)
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) return UNPATCHED;
  const named = parts.filter((p) => p === "unpatched" || p === "patched");
  if (named.length > 0) {
    if (parts.length > 1 && new Set(parts).size > 1) {
      throw new DomainError("BAD_USER_INPUT", `rule set "${parts.join(",")}": "${named[0]}" cannot be combined with other names`);
    }
    return named[0] === "patched" ? PATCHED : UNPATCHED;
  }
  const fixes: Fix[] = [];
  for (const p of parts) {
    const fix = FIXES.find((f) => f.id === p);
    if (!fix) {
      throw new DomainError(
        "BAD_USER_INPUT",
        `unknown fix "${p}" in rule set (known: unpatched, patched, ${FIXES.map((f) => f.id).join(", ")})`,
      );
    }
    fixes.push(fix);
  }
  return ruleSetOf(fixes);
}
