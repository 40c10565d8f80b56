/**
 * A trace on its way to becoming a generated exercise: actors, address names
 * and events in recorded order, each event marked with where it came from (its
 * place in the source, or null for noise mixed in). Written as scenario text
 * it is the exercise's inline trace; read back (`draftTrace`) it is exactly
 * what the definition loader will see, so every key is computed on that.
 */
import { isRole } from "../../events/binding.ts";
import type { RaceEvent } from "../../events/types.ts";
import { parseScenario } from "../../scenario/parse.ts";
import { scenarioText, type WrittenActor } from "../../scenario/write.ts";
import { scenarioTrace } from "../trace.ts";
import type { ExerciseDef, ExerciseTrace, LoadedExercise } from "../types.ts";

export interface Draft {
  readonly actors: readonly WrittenActor[];
  readonly names: readonly (readonly [string, bigint])[];
  readonly events: readonly RaceEvent[];
  /** Per event: its index in the source, or null for noise. */
  readonly origins: readonly (number | null)[];
}

/** A draft of source events (every one marked by its index); actors with no event are left out. */
export function draftOf(actors: readonly { name: string; pid: number; comm: string | null; role: string | null; cpu: number | null }[], names: Draft["names"], events: readonly RaceEvent[]): Draft {
  const used = new Set(events.map((e) => e.origin.pid));
  return {
    actors: actors.filter((a) => used.has(a.pid)).map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role !== null && isRole(a.role) ? a.role : null, cpu: a.cpu })),
    names,
    events,
    origins: events.map((_, i) => i),
  };
}

export function draftText(d: Draft): string {
  const used = new Set(d.events.map((e) => e.origin.pid));
  return scenarioText({ names: d.names, actors: d.actors.filter((a) => used.has(a.pid)), events: d.events });
}

/** The draft as the loader reads it back from its text. */
export function draftTrace(d: Draft): ExerciseTrace {
  return scenarioTrace(parseScenario(draftText(d), "inline"), "inline");
}

export function withoutActor(d: Draft, pid: number): Draft {
  const keep = d.events.map((e) => e.origin.pid !== pid);
  return { ...d, actors: d.actors.filter((a) => a.pid !== pid), events: d.events.filter((_, i) => keep[i]), origins: d.origins.filter((_, i) => keep[i]) };
}

/** A definition over a trace held in memory, for the grading functions (which cache their replays per object). */
export function inMemory(def: ExerciseDef, trace: ExerciseTrace): LoadedExercise {
  return { def, trace, courseId: null, ref: def.id, origin: "generated", hash: "", source: "" };
}

/** Actors in use, in their order of first event. */
export function actorsInUse(d: Draft): WrittenActor[] {
  const order = [...new Set(d.events.map((e) => e.origin.pid))];
  return order.map((pid) => d.actors.find((a) => a.pid === pid)!);
}
