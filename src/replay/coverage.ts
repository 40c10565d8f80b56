/**
 * What a trace shows of each race, whatever its verdict (issue 13): how many
 * units of the kinds the race is made of it holds (chains, DOMAIN.md §6.3,
 * and the commit's writeout phases), how many of them are unbound, and where
 * the race's two sides came closest on one block group — with the window of
 * events around that approach that the explorer reorders
 * (src/explore/coverage.ts). Which kinds make which race is the race
 * registry's (`RACES[].sides`, src/events/races.ts).
 *
 * One linear pass over the prepared trace; the window is cut to
 * WINDOW_MAX_EVENTS events. Pure.
 *
 * Stored with every verdict: a change of behaviour here bumps ENGINE_VERSION
 * (src/replay/engine.ts).
 *
 * A unit:
 * - a chain (its events; its subject is its first bound event's bytenr). A
 *   creation lasts until its task's next `bg_items_insert` (phase 2, §5.3:
 *   the task holds the new block group until then), which joins it;
 * - a writeout phase: from a task's `writeout_early`/`writeout_critical` to
 *   its `writeout_end`, `commit_start`, next phase or any `commit_done`, with
 *   the `write_cache_group` events of that task in between. It has no single
 *   subject: it meets a block group where it writes its item. It is unbound
 *   when one of its writes is, or when the trace has no `write_cache_group`
 *   at all (which items it wrote is then unknown).
 *
 * Closest approach: the pair of events, one of a unit of each side, of two
 * different tasks, on one block group, nearest in time — fewest nanoseconds
 * apart when both have a timestamp, then fewest positions apart in recorded
 * order (a function_graph log without abstime has no timestamps; thousands
 * of lines of a real log share one) — the earliest such pair on a tie.
 *
 * Window of an approach: where the two units overlapped in the recording,
 * from the first event of either to the last of either; when they did not
 * overlap, from the end of the earlier to the start of the later (the
 * stretch where they came closest). Kept in it: the two units' events, the
 * events the race `needs`, and the steps of the race's kinds on the block
 * group or unbound (they may be about it), whoever made them.
 */
import { type SideKind, chainSpec, isWriteoutPhase } from "../events/chains.ts";
import { RACES, type RaceId } from "../events/races.ts";
import type { EventType, RaceEvent } from "../events/types.ts";
import type { PreparedTrace } from "./check.ts";

/** Events the explorer takes from one window at most (more: it is not explored). */
export const WINDOW_MAX_EVENTS = 64;

/** A unit of the trace: a chain or a writeout phase (above). */
interface Unit {
  readonly kind: SideKind;
  readonly pid: number;
  /** The chain's id; null for a writeout phase. */
  readonly chain: number | null;
  subject: bigint | null;
  /** Indices of its first and last events in the prepared trace. */
  readonly first: number;
  last: number;
  /** A creation: the index of its task's `bg_items_insert` that ended it. */
  items: number | null;
  /** A writeout phase with an unbound write. */
  unboundWrite: boolean;
}

export interface Approach {
  readonly bytenr: bigint;
  /** Indices in the prepared trace of side A's event and side B's. */
  readonly events: readonly [number, number];
  readonly kinds: readonly [SideKind, SideKind];
  /** Indices of the window's kept events, ascending; null when it has more than WINDOW_MAX_EVENTS. */
  readonly window: readonly number[] | null;
}

export interface RaceScan {
  readonly race: RaceId;
  /** Units per kind of the race, side A's kinds first (0 included). */
  readonly chains: Readonly<Partial<Record<SideKind, number>>>;
  /** How many of them have no subject. */
  readonly unbound: number;
  readonly closest: Approach | null;
}

type Race = (typeof RACES)[number];

function bytenrOf(ev: RaceEvent): bigint | null | undefined {
  const d = ev.data as { bytenr?: bigint | null };
  return "bytenr" in d ? (d.bytenr ?? null) : undefined;
}

/** The event types of a unit of this kind. */
function stepsOf(kind: SideKind): readonly EventType[] {
  if (isWriteoutPhase(kind)) return [kind, "write_cache_group"];
  return kind === "creation" ? [...chainSpec(kind).steps, "bg_items_insert"] : chainSpec(kind).steps;
}

function isMember(u: Unit, i: number, ev: RaceEvent): boolean {
  if (i < u.first || i > u.last) return false;
  if (u.chain !== null) return ev.chain?.id === u.chain || i === u.items;
  return ev.origin.pid === u.pid && (i === u.first || ev.type === "write_cache_group");
}

/** A side's latest event on one block group, and the latest one of another task than that one's. */
interface Near {
  last: number;
  lastUnit: Unit | null;
  other: number;
  otherUnit: Unit | null;
}

interface Pair {
  a: number;
  aUnit: Unit;
  b: number;
  bUnit: Unit;
  bytenr: bigint;
  ns: number;
  apart: number;
}

/**
 * The closest approach of one race, fed the units' events in recorded order:
 * each event is paired with the latest event of the other side on its block
 * group made by another task (an ftrace file is in time order, so that one
 * is the nearest in time as well).
 */
class Closest {
  best: Pair | null = null;
  private readonly near = new Map<bigint, [Near, Near]>();

  constructor(private readonly trace: PreparedTrace) {}

  see(i: number, u: Unit, side: 0 | 1, b: bigint): void {
    let n = this.near.get(b);
    if (!n) {
      n = [
        { last: -1, lastUnit: null, other: -1, otherUnit: null },
        { last: -1, lastUnit: null, other: -1, otherUnit: null },
      ];
      this.near.set(b, n);
    }
    const o = n[1 - side]!;
    const [j, v] = o.lastUnit && o.lastUnit.pid !== u.pid ? [o.last, o.lastUnit] : [o.other, o.otherUnit];
    if (v) this.consider(side === 0 ? [i, u, j, v] : [j, v, i, u], b);
    const mine = n[side]!;
    if (mine.lastUnit && mine.lastUnit.pid !== u.pid) {
      mine.other = mine.last;
      mine.otherUnit = mine.lastUnit;
    }
    mine.last = i;
    mine.lastUnit = u;
  }

  /** Fewest nanoseconds apart when both have a timestamp, then fewest positions; the earliest on a tie. */
  private consider([a, aUnit, b, bUnit]: [number, Unit, number, Unit], bytenr: bigint): void {
    const ea = this.trace.events[a]!;
    const eb = this.trace.events[b]!;
    const ta = ea.ev.origin.ts;
    const tb = eb.ev.origin.ts;
    const ns = ta === null || tb === null ? Number.POSITIVE_INFINITY : Number(ta > tb ? ta - tb : tb - ta);
    const apart = Math.abs(eb.seq - ea.seq);
    const best = this.best;
    if (best && (best.ns < ns || (best.ns === ns && best.apart <= apart))) return;
    this.best = { a, aUnit, b, bUnit, bytenr, ns, apart };
  }
}

/** The kept events of the window of two units that met on `bytenr` (module comment). */
function windowOf(trace: PreparedTrace, u: Unit, v: Unit, bytenr: bigint, race: Race): number[] | null {
  const overlap = u.first <= v.last && v.first <= u.last;
  const [lo, hi] = overlap ? [Math.min(u.first, v.first), Math.max(u.last, v.last)] : u.first < v.first ? [u.last, v.first] : [v.last, u.first];
  const needs = new Set<EventType>(race.needs);
  const steps = new Set<EventType>([...race.sides[0], ...race.sides[1]].flatMap((k) => stepsOf(k)));
  const kept: number[] = [];
  for (let i = lo; i <= hi; i++) {
    const ev = trace.events[i]!.ev;
    const b = bytenrOf(ev);
    if (isMember(u, i, ev) || isMember(v, i, ev) || needs.has(ev.type) || (steps.has(ev.type) && (b === null || b === bytenr))) {
      if (kept.length === WINDOW_MAX_EVENTS) return null;
      kept.push(i);
    }
  }
  return kept;
}

/**
 * Each race of the registry, in its order: what the trace shows of it. One
 * pass: an event of a unit that names a block group — its own bytenr, else
 * its chain's subject if already known — is seen by every race whose sides
 * have the unit's kind.
 */
export function scanCoverage(trace: PreparedTrace): RaceScan[] {
  const { events } = trace;
  const units: Unit[] = [];
  const chains = new Map<number, Unit>();
  const awaitingItems = new Map<number, Unit[]>();
  const phases = new Map<number, Unit>();
  let writesSeen = false;
  const closest = RACES.map(() => new Closest(trace));
  const seers = new Map<SideKind, { closest: Closest; side: 0 | 1 }[]>();
  RACES.forEach((race, r) =>
    race.sides.forEach((kinds, side) => {
      for (const k of kinds) seers.set(k, [...(seers.get(k) ?? []), { closest: closest[r]!, side: side as 0 | 1 }]);
    }),
  );
  const see = (i: number, u: Unit, b: bigint | null) => {
    const at = b ?? u.subject;
    if (at === null) return;
    for (const s of seers.get(u.kind) ?? []) s.closest.see(i, u, s.side, at);
  };
  const unit = (kind: SideKind, pid: number, chain: number | null, i: number): Unit => {
    const u: Unit = { kind, pid, chain, subject: null, first: i, last: i, items: null, unboundWrite: false };
    units.push(u);
    return u;
  };
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!.ev;
    const pid = ev.origin.pid;
    if (ev.chain) {
      let u = chains.get(ev.chain.id);
      if (!u) {
        u = unit(ev.chain.kind, pid, ev.chain.id, i);
        chains.set(ev.chain.id, u);
        if (u.kind === "creation") awaitingItems.set(pid, [...(awaitingItems.get(pid) ?? []), u]);
      }
      const b = bytenrOf(ev) ?? null;
      u.subject ??= b;
      u.last = i;
      see(i, u, b);
      continue;
    }
    switch (ev.type) {
      case "bg_items_insert":
        for (const u of awaitingItems.get(pid) ?? []) {
          u.last = u.items = i;
          see(i, u, null);
        }
        awaitingItems.delete(pid);
        break;
      case "writeout_early":
      case "writeout_critical":
        phases.set(pid, unit(ev.type, pid, null, i));
        break;
      case "writeout_end":
      case "commit_start":
        phases.delete(pid);
        break;
      case "commit_done":
        phases.clear();
        break;
      case "write_cache_group": {
        writesSeen = true;
        const u = phases.get(pid);
        if (!u) break;
        u.last = i;
        if (ev.data.bytenr === null) u.unboundWrite = true;
        else see(i, u, ev.data.bytenr);
        break;
      }
      default:
        break;
    }
  }
  const unbound = (u: Unit) => (isWriteoutPhase(u.kind) ? u.unboundWrite || !writesSeen : u.subject === null);
  return RACES.map((race, r): RaceScan => {
    const kinds: readonly SideKind[] = [...race.sides[0], ...race.sides[1]];
    const chainsOf: Partial<Record<SideKind, number>> = Object.fromEntries(kinds.map((k) => [k, 0]));
    let loose = 0;
    for (const u of units) {
      if (chainsOf[u.kind] === undefined) continue;
      chainsOf[u.kind]!++;
      if (unbound(u)) loose++;
    }
    const p = closest[r]!.best;
    const approach: Approach | null = p && {
      bytenr: p.bytenr,
      events: [p.a, p.b],
      kinds: [p.aUnit.kind, p.bUnit.kind],
      window: windowOf(trace, p.aUnit, p.bUnit, p.bytenr, race),
    };
    return { race: race.id, chains: chainsOf, unbound: loose, closest: approach };
  });
}
