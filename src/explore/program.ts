/**
 * What the explorer interleaves: one program per actor (its events in
 * recorded order), taken from a scenario or from a stored trace by pid.
 *
 * Chains (DOMAIN §6.3) are assigned once, on the source's own order, and every
 * event keeps its chain and chain annotation whatever the schedule: a chain
 * belongs to one task, so any interleaving keeps each chain's events in their
 * order and its first/last events stay first/last. Each event keeps a stable
 * id (`EngineEvent.seq` = its seq in the source) so that states reached by
 * different schedules name the same events in the same way.
 */
import { DomainError } from "../errors.ts";
import type { RaceEvent, StoredEvent } from "../events/types.ts";
import type { Role } from "../events/binding.ts";
import { prepareTrace } from "../replay/check.ts";
import type { EngineEvent } from "../replay/engine.ts";
import type { Scenario } from "../scenario/parse.ts";

export interface ExploreActor {
  /** Scenario name (A, B, …) or a letter given by order of first appearance. */
  readonly name: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: string | null;
  readonly cpu: number | null;
}

export interface Program {
  /** Scenario or trace name. */
  readonly name: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly actors: readonly ExploreActor[];
  /** Per actor (same index as `actors`): its events in program order. */
  readonly steps: readonly (readonly EngineEvent[])[];
  /** Address names of the scenario (`let`), for diagrams. */
  readonly names: readonly (readonly [string, bigint])[];
  /** No program has a `bg_items_insert` (phase 2 of creation invisible, DOMAIN §4.7 c). */
  readonly itemsUnknown: boolean;
  /** Events of the source left out: they belong to no task's program. */
  readonly dropped: { readonly gaps: number; readonly observations: number; readonly otherPids: number };
}

/** Sleep sets are bit masks over actors. */
export const MAX_ACTORS = 30;

export interface ProgramOptions {
  readonly name: string;
  readonly title?: string | null;
  readonly description?: string | null;
  /** Declared actors, in this order (scenario); others get letters. */
  readonly actors?: readonly ExploreActor[];
  readonly names?: readonly (readonly [string, bigint])[];
  readonly roles?: ReadonlyMap<number, Role>;
  /** Keep only these pids (null: all). */
  readonly pids?: readonly number[] | null;
}

const letters = (i: number): string => {
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
};

/** Programs of a list of events in recorded order (a stored trace or a scenario). */
export function programFromEvents(events: readonly (StoredEvent | RaceEvent)[], opts: ProgramOptions): Program {
  const prepared = prepareTrace(events, { roles: opts.roles });
  const keep = opts.pids ? new Set(opts.pids) : null;
  if (keep) {
    const present = new Set(events.map((e) => e.origin.pid));
    const missing = [...keep].filter((p) => !present.has(p));
    if (missing.length > 0) throw new DomainError("BAD_USER_INPUT", `--pids: no event of pid ${missing.join(", ")} in ${opts.name}`);
  }
  const declared = opts.actors ?? [];
  const byPid = new Map<number, { actor: ExploreActor; steps: EngineEvent[] }>();
  for (const a of declared) if (!keep || keep.has(a.pid)) byPid.set(a.pid, { actor: a, steps: [] });
  const dropped = { gaps: 0, observations: 0, otherPids: 0 };
  let next = 0;
  const usedNames = new Set(declared.map((a) => a.name));
  for (const e of prepared.events) {
    const { ev } = e;
    // A gap belongs to no task; an observation changes no state: neither is a step of a program.
    if (ev.type === "trace_gap") {
      dropped.gaps++;
      continue;
    }
    if (ev.type === "assert_fail" || ev.type === "trans_abort") {
      dropped.observations++;
      continue;
    }
    const pid = ev.origin.pid;
    if (keep && !keep.has(pid)) {
      dropped.otherPids++;
      continue;
    }
    let slot = byPid.get(pid);
    if (!slot) {
      let name = letters(next++);
      while (usedNames.has(name)) name = letters(next++);
      usedNames.add(name);
      slot = { actor: { name, pid, comm: ev.origin.comm, role: opts.roles?.get(pid) ?? null, cpu: null }, steps: [] };
      byPid.set(pid, slot);
    }
    slot.steps.push(e);
  }
  const slots = [...byPid.values()].filter((s) => s.steps.length > 0);
  if (slots.length === 0) throw new DomainError("BAD_USER_INPUT", `${opts.name}: no events to explore`);
  if (slots.length > MAX_ACTORS) {
    throw new DomainError(
      "BAD_USER_INPUT",
      `${opts.name}: ${slots.length} tasks (pids ${slots.map((s) => s.actor.pid).join(", ")}); the explorer takes at most ${MAX_ACTORS}: choose some with --pids`,
    );
  }
  return {
    name: opts.name,
    title: opts.title ?? null,
    description: opts.description ?? null,
    actors: slots.map((s) => s.actor),
    steps: slots.map((s) => s.steps),
    names: opts.names ?? [],
    // As a trace of exactly these events would be replayed (a saved counterexample).
    itemsUnknown: !slots.some((s) => s.steps.some((e) => e.ev.type === "bg_items_insert")),
    dropped,
  };
}

export function programFromScenario(sc: Scenario, name: string, pids: readonly number[] | null = null): Program {
  const roles = new Map<number, Role>();
  for (const a of sc.actors) if (a.role) roles.set(a.pid, a.role);
  return programFromEvents(sc.events, {
    name,
    title: sc.meta.title,
    description: sc.meta.description,
    actors: sc.actors.map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role, cpu: a.cpu })),
    names: sc.names,
    roles,
    pids,
  });
}

/** n! / (k1! k2! … km!): the number of interleavings of programs of lengths k1..km, exactly. */
export function multinomial(lengths: readonly number[]): bigint {
  // Product of binomials C(k1+…+ki, ki), each computed exactly.
  let total = 0n;
  let result = 1n;
  for (const k of lengths) {
    const kk = BigInt(k);
    for (let j = 1n; j <= kk; j++) {
      total += 1n;
      result = (result * total) / j;
    }
  }
  return result;
}

export function naiveCount(p: Program): bigint {
  return multinomial(p.steps.map((s) => s.length));
}

export function totalSteps(p: Program): number {
  return p.steps.reduce((n, s) => n + s.length, 0);
}
