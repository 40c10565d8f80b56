/**
 * A schedule found by the explorer, made into things people and the rest of
 * racelab use: its steps as JSON, a trace of its events (to save, and to
 * cross-check with the normal replay), and the two-column diagram.
 *
 * The trace of a schedule is its events in schedule order, renumbered
 * (line = seq = position), followed by the rest of every program (never
 * applied: the replay stops at the effect, but whole programs keep each
 * chain's first and last events where they are, so lock M sections and the
 * completion rule are the same). What the explorer's replay worked out for
 * the new order is written into the events (semantics.ts): a check recomputed
 * to skip is recorded as a skip, and the rest of its chain, which it drops, is
 * left out; a chunk allocation carries the stripes it was placed on. The
 * normal check of that trace then replays exactly the explored schedule.
 */
import type { RaceEvent } from "../events/types.ts";
import { initialState } from "../projections/state.ts";
import { type CheckReportX, checkTrace } from "../replay/check.ts";
import { DemoRenderer } from "../replay/render.ts";
import type { RuleSet } from "../rules/types.ts";
import type { Schedule } from "./explore.ts";
import type { Program } from "./program.ts";
import { Engine, type EngineEvent } from "../replay/engine.ts";
import { EXPLORE_ENGINE_OPTIONS } from "./semantics.ts";

export interface StepJson {
  readonly step: number;
  readonly actor: string;
  readonly pid: number;
  readonly type: RaceEvent["type"];
  /** Decimal u64, null when unbound or the type has none. */
  readonly bytenr: string | null;
  /** The event's seq in the explored scenario/trace, and its source line. */
  readonly seq: number;
  readonly line: number | null;
  /** Outcome of a cleaner check as the explored replay decided it. */
  readonly outcome?: "proceed" | "skip";
}

/** The events of a schedule prefix: (actor index, event) per step. */
export function scheduleEvents(program: Program, schedule: Schedule): { actor: number; e: EngineEvent }[] {
  const pcs = program.steps.map(() => 0);
  return schedule.map((a) => {
    const e = program.steps[a]?.[pcs[a]!];
    if (!e) throw new Error(`schedule step for actor ${a} beyond its program`);
    pcs[a]!++;
    return { actor: a, e };
  });
}

function bytenrOf(ev: RaceEvent): string | null {
  const b = (ev.data as { bytenr?: bigint | null }).bytenr;
  return b === undefined || b === null ? null : b.toString();
}

interface Replayed {
  /** Recomputed outcome per step (checks that were applied). */
  readonly outcomes: Map<number, "proceed" | "skip">;
  /** Steps of checks recorded to proceed that the explored replay recomputed to skip. */
  readonly skipped: Set<number>;
  /** Chains such a skip cut (their later events are dropped). */
  readonly cutChains: Set<number>;
  /** Placed stripes per step (chunk allocations that moved). */
  readonly stripes: Map<number, RaceEvent<"chunk_alloc">["data"]["stripes"]>;
}

/** Replays the prefix as the explorer did, noting what it decided for the new order. */
function replayPrefix(program: Program, rules: RuleSet, schedule: Schedule): Replayed {
  const eng = new Engine(rules, { ...EXPLORE_ENGINE_OPTIONS, itemsUnknown: program.itemsUnknown, timeline: true });
  const steps = scheduleEvents(program, schedule);
  // seq = step number, so timeline entries name steps.
  steps.forEach(({ e }, i) => eng.push({ ev: e.ev, seq: i + 1, ann: e.ann }));
  const outcomes = new Map<number, "proceed" | "skip">();
  const skipped = new Set<number>();
  const cutChains = new Set<number>();
  const stripes = new Map<number, RaceEvent<"chunk_alloc">["data"]["stripes"]>();
  for (const t of eng.timeline ?? []) {
    if (t.status !== "applied" || t.synthetic) continue;
    const e = steps[t.seq - 1]!.e;
    if (t.type === "unused_bg_check" && t.outcome) {
      outcomes.set(t.seq, t.outcome);
      const recorded = (e.ev as RaceEvent<"unused_bg_check">).data.outcome;
      if (t.outcome === "skip" && recorded === "proceed") {
        skipped.add(t.seq);
        if (e.ann && !e.ann.last) cutChains.add(e.ann.key);
      }
    }
    if (t.type === "chunk_alloc") {
      const b = (e.ev as RaceEvent<"chunk_alloc">).data.bytenr;
      const placed = b === null ? undefined : t.fs.maps.get(b.toString())?.stripes;
      const recorded = (e.ev as RaceEvent<"chunk_alloc">).data.stripes;
      if (placed && recorded && placed.some((s, i) => s.physical !== recorded[i]?.physical || s.devid !== recorded[i]?.devid)) stripes.set(t.seq, placed);
    }
  }
  return { outcomes, skipped, cutChains, stripes };
}

export function stepsJson(program: Program, rules: RuleSet, schedule: Schedule): StepJson[] {
  const r = replayPrefix(program, rules, schedule);
  return scheduleEvents(program, schedule).map(({ actor, e }, i) => {
    const a = program.actors[actor]!;
    const outcome = r.outcomes.get(i + 1);
    return {
      step: i + 1,
      actor: a.name,
      pid: a.pid,
      type: e.ev.type,
      bytenr: bytenrOf(e.ev),
      seq: e.seq,
      line: e.ev.origin.line,
      ...(outcome ? { outcome } : {}),
    };
  });
}

/**
 * The trace of a schedule: the prefix in schedule order, then the rest of
 * every program (actor by actor), with what the explored replay decided
 * written in. `prefixLength` is the number of events of the prefix kept.
 */
export function scheduleTrace(program: Program, rules: RuleSet, schedule: Schedule): { events: RaceEvent[]; prefixLength: number } {
  const r = replayPrefix(program, rules, schedule);
  const out: RaceEvent[] = [];
  const push = (ev: RaceEvent) => {
    const pos = out.length + 1;
    out.push({ ...ev, origin: { ...ev.origin, line: pos, lineSeq: 0 } } as RaceEvent);
  };
  const dropped = (e: EngineEvent) => e.ann !== null && r.cutChains.has(e.ann.key);
  const pcs = program.steps.map(() => 0);
  schedule.forEach((a, i) => {
    const e = program.steps[a]![pcs[a]!]!;
    pcs[a]!++;
    const step = i + 1;
    if (r.skipped.has(step)) {
      const ev = e.ev as RaceEvent<"unused_bg_check">;
      push({ ...ev, data: { ...ev.data, outcome: "skip" } });
      return;
    }
    const st = r.stripes.get(step);
    if (st) {
      const ev = e.ev as RaceEvent<"chunk_alloc">;
      push({ ...ev, data: { ...ev.data, stripes: st } });
      return;
    }
    if (dropped(e)) return;
    push(e.ev);
  });
  const prefixLength = out.length;
  program.steps.forEach((steps, a) => {
    for (let k = pcs[a]!; k < steps.length; k++) {
      const e = steps[k]!;
      if (!dropped(e)) push(e.ev);
    }
  });
  return { events: out, prefixLength };
}

/** The normal replay (`checkTrace`) of a schedule's trace: the cross-check of the explorer. */
export function confirmSchedule(program: Program, rules: RuleSet, schedule: Schedule, timeline = false): { report: CheckReportX; prefixLength: number; timeline: ReturnType<typeof checkTrace>["engine"]["timeline"] } {
  const { events, prefixLength } = scheduleTrace(program, rules, schedule);
  const res = checkTrace(events, rules, { timeline });
  return { report: res.report, prefixLength, timeline: res.engine.timeline };
}

/** The seeds' diagram of a schedule: the normal replay of its trace, one column per CPU or task. */
export function renderSchedule(program: Program, rules: RuleSet, schedule: Schedule): string {
  const { timeline, prefixLength } = confirmSchedule(program, rules, schedule, true);
  const renderer = new DemoRenderer({ title: program.title ?? program.name, description: program.description, actors: program.actors, names: program.names });
  // Only the schedule itself (a clean schedule's replay goes on to the end of the programs).
  const shown = (timeline ?? []).filter((t) => t.at <= prefixLength);
  return renderer.timeline(shown, initialState({ itemsUnknown: program.itemsUnknown }));
}
