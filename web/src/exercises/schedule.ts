/**
 * *Be the scheduler* as data: the student orders every step of every
 * actor's program; an actor's own steps keep their order (the grader refuses
 * `A2` before `A1`), so a move is clamped to the places that keep it.
 * Pure (test/web/model.test.ts runs it).
 */
import type { Program } from "../types.ts";

export interface ScheduleStep {
  /** e.g. `A2`: actor name and 1-based step number, as the grader takes it. */
  readonly id: string;
  readonly actor: string;
  readonly n: number;
  /** The program's text of the step, e.g. `A2 relocate_bg bytenr=X`. */
  readonly text: string;
}

/** Every step, actor after actor (a valid schedule to start from). */
export function initialSchedule(programs: readonly Program[]): ScheduleStep[] {
  return programs.flatMap((p) =>
    p.steps.map((text, i) => ({ id: `${p.actor}${i + 1}`, actor: p.actor, n: i + 1, text })),
  );
}

/** The indexes `step` may take in `list` without passing its own actor's neighbours. */
export function allowedRange(list: readonly ScheduleStep[], from: number): { min: number; max: number } {
  const s = list[from]!;
  let min = 0;
  let max = list.length - 1;
  for (let i = from - 1; i >= 0; i--) {
    if (list[i]!.actor === s.actor) {
      min = i + 1;
      break;
    }
  }
  for (let i = from + 1; i < list.length; i++) {
    if (list[i]!.actor === s.actor) {
      max = i - 1;
      break;
    }
  }
  return { min, max };
}

export interface MoveResult {
  readonly list: ScheduleStep[];
  /** Where the step ended up. */
  readonly index: number;
  /** Set when the wanted place would have broken the actor's order. */
  readonly clamped: string | null;
}

/** Moves the step at `from` to index `to` (in the list after the move), clamped to its actor's order. */
export function moveStep(list: readonly ScheduleStep[], from: number, to: number): MoveResult {
  const { min, max } = allowedRange(list, from);
  const target = Math.min(max, Math.max(min, to));
  const s = list[from]!;
  let clamped: string | null = null;
  if (target !== to) {
    const before = to < min;
    const neighbour = before ? list[min - 1] : list[max + 1];
    clamped = neighbour ? `${s.id} stays ${before ? "after" : "before"} ${neighbour.id}: an actor's steps keep their order` : null;
  }
  const out = list.filter((_, i) => i !== from);
  out.splice(target, 0, s);
  return { list: out, index: target, clamped };
}

/** The answer as the grader takes it: step ids in order. */
export function scheduleAnswer(list: readonly ScheduleStep[]): string[] {
  return list.map((s) => s.id);
}
