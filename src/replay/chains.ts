/**
 * Chains (DOMAIN.md §6.3) as the replay needs them: imported events carry
 * their chain (the importer binds subjects by chain), events made by hand get
 * one by the same policy (src/events/binding.ts `assignChains`), and
 * `annotateChains` adds what the replay must know ahead of time about each
 * chain: is this its first event, its last one, does it contain a
 * `remove_block_group` (lock release, completion rule, §4.3/§4.5).
 *
 * Verdict-affecting: a change of behaviour here bumps ENGINE_VERSION
 * (src/replay/engine.ts).
 */
import { CHAIN_KINDS } from "../events/catalog.ts";
import type { ChainKind, ChainRef, EventType, RaceEvent } from "../events/types.ts";

export { assignChains, type AssignOptions } from "../events/binding.ts";

/** What the replay knows ahead about an event's chain. */
export interface ChainAnn {
  readonly key: number;
  readonly kind: ChainKind;
  /** First event of its chain in recorded order. */
  readonly first: boolean;
  /** Last event of its chain in recorded order (the chain closes after it). */
  readonly last: boolean;
  /** The chain has a recorded `remove_block_group`. */
  readonly hasRemoveBg: boolean;
  /** Type of the chain's first event. */
  readonly firstType: EventType;
}

export function annotateChains(events: readonly RaceEvent[], refs: readonly (ChainRef | null)[]): (ChainAnn | null)[] {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const rbg = new Set<number>();
  refs.forEach((r, i) => {
    if (!r) return;
    if (!first.has(r.id)) first.set(r.id, i);
    last.set(r.id, i);
    if (events[i]!.type === "remove_block_group") rbg.add(r.id);
  });
  return refs.map((r, i) =>
    r
      ? {
          key: r.id,
          kind: r.kind,
          first: first.get(r.id) === i,
          last: last.get(r.id) === i,
          hasRemoveBg: rbg.has(r.id),
          firstType: events[first.get(r.id)!]!.type,
        }
      : null,
  );
}

// Compact wire form of annotations (snapshot windows): [key, kind index, flags, first type].
export type PackedAnn = [number, number, number, string] | null;

export function packAnn(a: ChainAnn | null): PackedAnn {
  if (!a) return null;
  return [a.key, CHAIN_KINDS.indexOf(a.kind), (a.first ? 1 : 0) | (a.last ? 2 : 0) | (a.hasRemoveBg ? 4 : 0), a.firstType];
}

export function unpackAnn(p: PackedAnn): ChainAnn | null {
  if (!p) return null;
  const [key, k, f, firstType] = p;
  return { key, kind: CHAIN_KINDS[k]!, first: (f & 1) !== 0, last: (f & 2) !== 0, hasRemoveBg: (f & 4) !== 0, firstType: firstType as EventType };
}
