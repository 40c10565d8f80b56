/**
 * The trace of an exercise: loaded from a seed scenario, from scenario text
 * inside the exercise file, or from a stored trace; shown to students as a
 * listing (events only: a scenario's comments would give answers away); cut
 * into per-actor programs; and re-assembled from a student's schedule.
 */
import path from "node:path";
import { DomainError } from "../errors.ts";
import type { EventStore } from "../events/store.ts";
import { flagNames, type RaceEvent } from "../events/types.ts";
import type { Role } from "../events/binding.ts";
import { size } from "../events/units.ts";
import { loadScenarioFile, SEEDS_DIR } from "../scenario/load.ts";
import { parseScenario, type Scenario } from "../scenario/parse.ts";
import { definitionError, type ParsedDefinition } from "./definition.ts";
import type { ExerciseActor, ExerciseTrace, TraceSource } from "./types.ts";

/** What loading a stored trace needs from the event store. */
export type TraceReader = Pick<EventStore, "findTrace" | "read">;

const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A scenario as an exercise uses it: its events, the actors that have some, its names. */
export function scenarioTrace(sc: Scenario, label: string): ExerciseTrace {
  const used = new Set(sc.events.map((e) => e.origin.pid));
  return {
    events: sc.events,
    actors: sc.actors.filter((a) => used.has(a.pid)).map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role })),
    names: sc.names,
    label,
    storedId: null,
  };
}

/**
 * Loads the trace of a parsed definition. Errors point into the definition:
 * a bad line of `trace.inline` is reported at its line in the exercise file.
 */
export async function loadTrace(p: ParsedDefinition, opts: { seedsDir?: string; store?: TraceReader | null } = {}): Promise<ExerciseTrace> {
  const src: TraceSource = p.def.trace;
  switch (src.kind) {
    case "scenario": {
      if (!SCENARIO_NAME.test(src.name)) throw definitionError(p.file, p.locate(["trace", "scenario"]), "trace.scenario", `not a scenario name: ${JSON.stringify(src.name)}`);
      const file = path.join(opts.seedsDir ?? SEEDS_DIR, `${src.name}.scenario`);
      try {
        return scenarioTrace(loadScenarioFile(file), src.name);
      } catch (err) {
        if (err instanceof DomainError && err.code === "NOT_FOUND") {
          throw definitionError(p.file, p.locate(["trace", "scenario"]), "trace.scenario", `no seed scenario ${JSON.stringify(src.name)} (seeds/${src.name}.scenario)`);
        }
        throw err;
      }
    }
    case "inline": {
      const marker = "\u0000inline";
      try {
        return scenarioTrace(parseScenario(src.text, marker), "inline");
      } catch (err) {
        if (!(err instanceof DomainError) || !err.message.startsWith(marker)) throw err;
        const m = /^\u0000inline(?::(\d+))?: (.*)$/s.exec(err.message);
        const first = p.inlineFirstLine ?? p.locate(["trace", "inline"]);
        const line = m?.[1] ? first + Number(m[1]) - 1 : first;
        throw definitionError(p.file, line, "trace.inline", m?.[2] ?? err.message);
      }
    }
    case "stored": {
      const where = p.locate(["trace", "stored"]);
      if (!opts.store) throw definitionError(p.file, where, "trace.stored", "a stored trace needs the database (DATABASE_URL or the embedded one)");
      const t = await opts.store.findTrace(src.trace);
      if (!t) throw definitionError(p.file, where, "trace.stored", `no trace ${JSON.stringify(src.trace)}`);
      if (src.upTo > t.version) throw definitionError(p.file, p.locate(["trace", "upTo"]), "trace.upTo", `trace ${t.name} has ${t.version} events, not ${src.upTo}`);
      if (src.upTo === 0) throw definitionError(p.file, p.locate(["trace", "upTo"]), "trace.upTo", "an exercise needs at least one event");
      return storedTrace(await opts.store.read(t.id, { from: 1, to: src.upTo }), t.name, t.id);
    }
  }
}

/** A stored trace as an exercise sees it: actors are named by their pids. */
export function storedTrace(events: readonly RaceEvent[], label: string, storedId: string | null = null): ExerciseTrace {
  const actors = new Map<number, ExerciseActor>();
  for (const e of events) {
    if (!actors.has(e.origin.pid)) actors.set(e.origin.pid, { name: String(e.origin.pid), pid: e.origin.pid, comm: e.origin.comm, role: null });
  }
  return { events, actors: [...actors.values()], names: [], label, storedId };
}

// ---- listing -------------------------------------------------------------------------------

export interface ListedStep {
  readonly seq: number;
  readonly actor: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly type: string;
  /** `bytenr=X outcome=proceed`, addresses by their scenario names. */
  readonly args: string;
}

export function addressName(trace: ExerciseTrace, v: bigint): string {
  for (const [n, x] of trace.names) if (x === v) return n;
  return `0x${v.toString(16)}`;
}

/** An address written by an exercise author or a student: a scenario name, decimal or 0x-hex. */
export function parseAddress(trace: ExerciseTrace, text: string): bigint | null {
  const t = text.trim();
  for (const [n, x] of trace.names) if (n === t) return x;
  if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) return BigInt(t);
  return null;
}

function formatValue(trace: ExerciseTrace, k: string, v: unknown): string {
  if (v === null || v === undefined) return "?";
  if (typeof v === "bigint") return k === "len" || k === "used" ? size(v) : addressName(trace, v);
  if ((k === "type" || k === "flags") && typeof v === "number") return flagNames(v).join("|") || String(v);
  if (k === "stripes" && Array.isArray(v)) return v.map((s: { devid: number; physical: bigint }) => `${s.devid}:${addressName(trace, s.physical)}`).join(",");
  return String(v);
}

/** `bytenr=X outcome=proceed`: unknown arguments other than the subject are left out. */
export function formatArgs(trace: ExerciseTrace, e: RaceEvent): string {
  return Object.entries(e.data as Record<string, unknown>)
    .filter(([k, v]) => k === "bytenr" || (v !== null && v !== undefined))
    .map(([k, v]) => `${k}=${formatValue(trace, k, v)}`)
    .join(" ");
}

export function actorOf(trace: ExerciseTrace, pid: number): ExerciseActor {
  return trace.actors.find((a) => a.pid === pid) ?? { name: String(pid), pid, comm: null, role: null };
}

export function listing(trace: ExerciseTrace): ListedStep[] {
  return trace.events.map((e, i) => {
    const a = actorOf(trace, e.origin.pid);
    return { seq: i + 1, actor: a.name, pid: a.pid, comm: a.comm, type: e.type, args: formatArgs(trace, e) };
  });
}

// ---- programs and schedules ------------------------------------------------------------------

export interface Program {
  readonly actor: ExerciseActor;
  /** The actor's events in its own order. */
  readonly steps: readonly RaceEvent[];
}

export function programs(trace: ExerciseTrace): Program[] {
  return trace.actors
    .map((actor) => ({ actor, steps: trace.events.filter((e) => e.origin.pid === actor.pid) }))
    .filter((p) => p.steps.length > 0);
}

export interface ScheduledTrace {
  /** Events in schedule order, seq = position, chains re-assigned by the replay. */
  readonly events: readonly RaceEvent[];
  readonly roles: ReadonlyMap<number, Role>;
  /** Position (1-based) → `A2` (actor and its step number). */
  readonly labels: readonly string[];
}

/** A schedule that cannot be run; `problem` never mentions a key. */
export class ScheduleError extends Error {}

/**
 * Builds the trace a schedule describes: each token is an actor name (its next
 * step) or an actor name with a step number (`A3`, `A.3`), which must be that
 * actor's next step. Every step of every actor must be scheduled once.
 */
export function scheduleEvents(trace: ExerciseTrace, tokens: readonly string[]): ScheduledTrace {
  const progs = programs(trace);
  const byName = new Map(progs.map((p) => [p.actor.name, p]));
  const next = new Map<string, number>();
  const events: RaceEvent[] = [];
  const labels: string[] = [];
  const names = progs.map((p) => p.actor.name).join(", ");
  tokens.forEach((token, i) => {
    let prog = byName.get(token);
    let step: number | null = null;
    if (!prog) {
      const m = /^(.+?)[.#]?([0-9]+)$/.exec(token);
      if (m && byName.has(m[1]!)) {
        prog = byName.get(m[1]!);
        step = Number(m[2]);
      }
    }
    if (!prog) throw new ScheduleError(`position ${i + 1}: ${JSON.stringify(token)} is not an actor of this exercise (actors: ${names})`);
    const n = next.get(prog.actor.name) ?? 0;
    if (n >= prog.steps.length) throw new ScheduleError(`position ${i + 1}: ${prog.actor.name} has only ${prog.steps.length} steps`);
    if (step !== null && step !== n + 1) throw new ScheduleError(`position ${i + 1}: ${token} is out of order: ${prog.actor.name}'s next step is ${prog.actor.name}${n + 1} (an actor's steps keep their order)`);
    next.set(prog.actor.name, n + 1);
    const e = prog.steps[n]!;
    events.push({ ...e, origin: { ...e.origin, line: i + 1, lineSeq: 0 }, chain: null } as RaceEvent);
    labels.push(`${prog.actor.name}${n + 1}`);
  });
  const missing = progs.filter((p) => (next.get(p.actor.name) ?? 0) < p.steps.length);
  if (missing.length > 0) {
    throw new ScheduleError(
      `every step of every actor must be scheduled; missing: ${missing
        .map((p) => {
          const from = (next.get(p.actor.name) ?? 0) + 1;
          return from === p.steps.length ? `${p.actor.name}${from}` : `${p.actor.name}${from}..${p.actor.name}${p.steps.length}`;
        })
        .join(", ")}`,
    );
  }
  const roles = new Map<number, Role>();
  for (const p of progs) if (p.actor.role) roles.set(p.actor.pid, p.actor.role);
  return { events, roles, labels };
}
