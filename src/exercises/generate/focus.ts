/**
 * What a generated exercise is about, read off the replay of its trace: the
 * step where the state first goes wrong (its actor, event, block group and
 * the replay's message), and the other side — the last step of another actor
 * on the same block group before it. Hints, explanations and the check that
 * noise left the key alone all start from here.
 */
import type { Finding } from "../../projections/view-types.ts";
import type { RaceId } from "../../replay/types.ts";
import { checkTrace } from "../../replay/check.ts";
import type { RuleSet } from "../../rules/types.ts";
import { actorOf, addressName } from "../trace.ts";
import type { ExerciseTrace } from "../types.ts";
import type { Draft } from "./draft.ts";

export interface Step {
  /** Position in the exercise's trace (its seq), from 1. */
  readonly seq: number;
  readonly actor: string;
  readonly type: string;
  /** The block group by its name in the trace (X) or address; null when the event names none. */
  readonly bg: string | null;
}

export interface Focus {
  readonly race: RaceId;
  readonly effect: string;
  /** The replay's message, addresses by their names. */
  readonly message: string;
  /** The same without the positions it cites (`at seq 5`): a hint must not give away the order. */
  readonly clue: string;
  readonly failing: Step;
  readonly bytenr: bigint | null;
  /** The last step of another actor on the same block group before the failing one. */
  readonly other: Step | null;
  /** Where the failing event came from in the source (null: noise); the identity noise must keep. */
  readonly origin: number | null;
}

const bytenrOf = (e: { data: unknown }): bigint | null => (e.data as { bytenr?: bigint | null }).bytenr ?? null;

export function stepAt(trace: ExerciseTrace, seq: number): Step {
  const e = trace.events[seq - 1]!;
  const b = bytenrOf(e);
  return { seq, actor: actorOf(trace, e.origin.pid).name, type: e.type, bg: b === null ? null : addressName(trace, b) };
}

/** A message with the trace's addresses written by their names. */
export function named(trace: ExerciseTrace, text: string): string {
  return text.replace(/0x[0-9a-f]+/g, (hex) => addressName(trace, BigInt(hex)));
}

/** The first finding of a race, or null when the trace replays without one under `rules`. */
export function firstFinding(trace: ExerciseTrace, rules: RuleSet): Finding | null {
  const f = checkTrace(trace.events, rules).report.findings[0];
  return f && f.race !== null ? f : null;
}

export function focusOf(trace: ExerciseTrace, draft: Draft, f: Finding): Focus {
  const failing = stepAt(trace, f.seq);
  const e = trace.events[f.seq - 1]!;
  const b = bytenrOf(e);
  let other: Step | null = null;
  for (let s = f.seq - 1; s >= 1 && b !== null; s--) {
    const x = trace.events[s - 1]!;
    if (x.origin.pid !== e.origin.pid && bytenrOf(x) === b) {
      other = stepAt(trace, s);
      break;
    }
  }
  const message = named(trace, f.message);
  return { race: f.race!, effect: f.effect, message, clue: message.replace(/,? (?:at|from) seq \d+/g, ""), failing, bytenr: b, other, origin: draft.origins[f.seq - 1] ?? null };
}

/** `B's remove_block_group of X (seq 7)` */
export function stepText(s: Step, where: "seq" | "none" = "seq"): string {
  return `${s.actor}'s ${s.type}${s.bg ? ` of ${s.bg}` : ""}${where === "seq" ? ` (seq ${s.seq})` : ""}`;
}
