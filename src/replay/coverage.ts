/**
 * What a trace shows of each race, whatever its verdict (issue 13): how many
 * units of the kinds the race is made of it holds (chains, DOMAIN.md §6.3,
 * and the commit's writeout phases), how many of them are unbound, and where
 * the race's two sides came closest on one block group — with the window of
 * events around that approach that the explorer reorders
 * (src/explore/coverage.ts). Which kinds make which race is the race
 * registry's (`RACES[].sides`, src/events/races.ts).
 *
 * One linear pass over the prepared trace, then one over the sightings; the
 * window is cut to WINDOW_MAX_EVENTS events. Pure.
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
  subject: bigint | null;
  /** Indices of its events in the prepared trace, ascending. */
  readonly members: number[];
  /** A writeout phase with an unbound write. */
  unboundWrite: boolean;
}

/** An event of a unit that may name a block group. */
interface Sighting {
  readonly i: number;
  readonly unit: Unit;
  readonly bytenr: bigint | null;
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

function bytenrOf(ev: RaceEvent): bigint | null | undefined {
  const d = ev.data as { bytenr?: bigint | null };
  return "bytenr" in d ? (d.bytenr ?? null) : undefined;
}

/** The event types of a unit of this kind. */
function stepsOf(kind: SideKind): readonly EventType[] {
  if (isWriteoutPhase(kind)) return [kind, "write_cache_group"];
  return kind === "creation" ? [...chainSpec(kind).steps, "bg_items_insert"] : chainSpec(kind).steps;
}

/** The units of a trace and their sightings, in one pass. */
function unitsOf(trace: PreparedTrace): { units: Unit[]; sightings: Sighting[]; writesSeen: boolean } {
  const { events } = trace;
  const units: Unit[] = [];
  const chains = new Map<number, Unit>();
  const awaitingItems = new Map<number, Unit[]>();
  const phases = new Map<number, Unit>();
  const sightings: Sighting[] = [];
  let writesSeen = false;
  const unit = (kind: SideKind, pid: number): Unit => {
    const u: Unit = { kind, pid, subject: null, members: [], unboundWrite: false };
    units.push(u);
    return u;
  };
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!.ev;
    const pid = ev.origin.pid;
    if (ev.chain) {
      let u = chains.get(ev.chain.id);
      if (!u) {
        u = unit(ev.chain.kind, pid);
        chains.set(ev.chain.id, u);
        if (u.kind === "creation") awaitingItems.set(pid, [...(awaitingItems.get(pid) ?? []), u]);
      }
      const b = bytenrOf(ev) ?? null;
      u.subject ??= b;
      u.members.push(i);
      sightings.push({ i, unit: u, bytenr: b });
      continue;
    }
    switch (ev.type) {
      case "bg_items_insert":
        for (const u of awaitingItems.get(pid) ?? []) {
          u.members.push(i);
          sightings.push({ i, unit: u, bytenr: null });
        }
        awaitingItems.delete(pid);
        break;
      case "writeout_early":
      case "writeout_critical": {
        const u = unit(ev.type, pid);
        u.members.push(i);
        phases.set(pid, u);
        break;
      }
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
        u.members.push(i);
        if (ev.data.bytenr === null) u.unboundWrite = true;
        else sightings.push({ i, unit: u, bytenr: ev.data.bytenr });
        break;
      }
      default:
        break;
    }
  }
  return { units, sightings, writesSeen };
}

/** The last sighting of a side on a block group, and the last one of another task than that one's. */
interface Near {
  last: Sighting | null;
  other: Sighting | null;
}

/** How far apart two sightings are: nanoseconds when both have a timestamp, then positions in recorded order. */
function distance(trace: PreparedTrace, x: Sighting, y: Sighting): readonly [number, number] {
  const ex = trace.events[x.i]!;
  const ey = trace.events[y.i]!;
  const tx = ex.ev.origin.ts;
  const ty = ey.ev.origin.ts;
  const ns = tx === null || ty === null ? Number.POSITIVE_INFINITY : Number(tx > ty ? tx - ty : ty - tx);
  return [ns, Math.abs(ey.seq - ex.seq)];
}

const closer = (d: readonly [number, number], e: readonly [number, number]) => d[0] < e[0] || (d[0] === e[0] && d[1] < e[1]);

/**
 * The closest pair: each sighting is paired with the latest sighting of the
 * other side on its block group made by another task (an ftrace file is in
 * time order, so that one is the nearest in time as well).
 */
function closestPair(trace: PreparedTrace, sightings: readonly Sighting[], sideOf: ReadonlyMap<SideKind, 0 | 1>): { a: Sighting; b: Sighting; bytenr: bigint } | null {
  const near = new Map<bigint, [Near, Near]>();
  let best: { a: Sighting; b: Sighting; bytenr: bigint; d: readonly [number, number] } | null = null;
  for (const s of sightings) {
    const side = sideOf.get(s.unit.kind);
    if (side === undefined) continue;
    const b = s.bytenr ?? s.unit.subject;
    if (b === null) continue;
    let n = near.get(b);
    if (!n) near.set(b, (n = [{ last: null, other: null }, { last: null, other: null }]));
    const o = n[1 - side]!;
    const partner = o.last && o.last.unit.pid !== s.unit.pid ? o.last : o.other;
    if (partner) {
      const d = distance(trace, partner, s);
      if (!best || closer(d, best.d)) best = side === 0 ? { a: s, b: partner, bytenr: b, d } : { a: partner, b: s, bytenr: b, d };
    }
    const mine = n[side]!;
    if (mine.last && mine.last.unit.pid !== s.unit.pid) mine.other = mine.last;
    mine.last = s;
  }
  return best;
}

/** The kept events of the window of two units that met on `bytenr` (module comment). */
function windowOf(trace: PreparedTrace, u: Unit, v: Unit, bytenr: bigint, race: (typeof RACES)[number]): number[] | null {
  const first = (x: Unit) => x.members[0]!;
  const last = (x: Unit) => x.members[x.members.length - 1]!;
  const overlap = first(u) <= last(v) && first(v) <= last(u);
  const [lo, hi] = overlap
    ? [Math.min(first(u), first(v)), Math.max(last(u), last(v))]
    : first(u) < first(v)
      ? [last(u), first(v)]
      : [last(v), first(u)];
  const own = new Set([...u.members, ...v.members].filter((i) => i >= lo && i <= hi));
  const needs = new Set<EventType>(race.needs);
  const steps = new Set<EventType>([...race.sides[0], ...race.sides[1]].flatMap((k) => stepsOf(k)));
  const kept: number[] = [];
  for (let i = lo; i <= hi; i++) {
    const ev = trace.events[i]!.ev;
    const b = bytenrOf(ev);
    if (own.has(i) || needs.has(ev.type) || (steps.has(ev.type) && (b === null || b === bytenr))) {
      if (kept.length === WINDOW_MAX_EVENTS) return null;
      kept.push(i);
    }
  }
  return kept;
}

/** Each race of the registry, in its order: what the trace shows of it. */
export function scanCoverage(trace: PreparedTrace): RaceScan[] {
  const { units, sightings, writesSeen } = unitsOf(trace);
  const unbound = (u: Unit) => (isWriteoutPhase(u.kind) ? u.unboundWrite || !writesSeen : u.subject === null);
  return RACES.map((race): RaceScan => {
    const kinds: readonly SideKind[] = [...race.sides[0], ...race.sides[1]];
    const sideOf = new Map<SideKind, 0 | 1>([...race.sides[0].map((k) => [k, 0] as const), ...race.sides[1].map((k) => [k, 1] as const)]);
    const chains: Partial<Record<SideKind, number>> = Object.fromEntries(kinds.map((k) => [k, 0]));
    let loose = 0;
    for (const u of units) {
      if (!sideOf.has(u.kind)) continue;
      chains[u.kind] = (chains[u.kind] ?? 0) + 1;
      if (unbound(u)) loose++;
    }
    const pair = closestPair(trace, sightings, sideOf);
    const closest: Approach | null = pair && {
      bytenr: pair.bytenr,
      events: [pair.a.i, pair.b.i],
      kinds: [pair.a.unit.kind, pair.b.unit.kind],
      window: windowOf(trace, pair.a.unit, pair.b.unit, pair.bytenr, race),
    };
    return { race: race.id, chains, unbound: loose, closest };
  });
}
