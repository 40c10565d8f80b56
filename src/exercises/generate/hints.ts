/**
 * Hints and the explanation of a generated exercise, written from the replay
 * of its own trace: which block group to follow, which state goes wrong and
 * at which step, which lock (or which tolerance) the fix adds. Hints go from
 * vague to nearly the answer; the explanation, for instructors, says why the
 * key is right. Locks and fixes are named from the rules registry.
 */
import { UnreachableCaseError } from "../../errors.ts";
import { FIXES, FIX_OF_RACE, resolveRules } from "../../rules/index.ts";
import type { Fix } from "../../rules/types.ts";
import { stateAtEvents } from "../../replay/time-travel.ts";
import { gradeAnswer, smallestCleanSets } from "../grade.ts";
import { questionProblem, questionText, trueAnswer } from "../questions.ts";
import type { ExerciseTrace, Question } from "../types.ts";
import { type Focus, type Step, stepAt, stepText } from "./focus.ts";
import type { Keyed } from "./keys.ts";

export interface Wording {
  readonly hints: readonly string[];
  readonly explanation: string;
}

const bytenrOf = (e: { data: unknown }): bigint | null => (e.data as { bytenr?: bigint | null }).bytenr ?? null;

/** `B2`: the actor and its own step number (what a schedule names). */
function actorStep(trace: ExerciseTrace, s: Step): string {
  const pid = trace.events[s.seq - 1]!.origin.pid;
  return `${s.actor}${trace.events.slice(0, s.seq).filter((e) => e.origin.pid === pid).length}`;
}

/** How the fix changes things: the lock it adds (which chains take it, with which event), or what it tolerates. */
export function fixHint(fix: Fix): string {
  const locks = resolveRules([fix.id]).locks;
  if (locks.length === 0) return `${fix.id} makes no task wait; it changes what a step tolerates: ${fix.invariant}.`;
  return locks
    .map((l) => {
      const takers = Object.entries(l.takenBy).map(([kind, t]) => `${kind} chains (at ${t!.event})`);
      return `${fix.id} adds the lock ${l.name}: ${takers.join(" and ")} take it at their first step and hold it to their last, so ${fix.invariant}.`;
    })
    .join(" ");
}

function opening(f: Focus, rules: string): string {
  const why = f.other ? `, because ${stepText(f.other)} came first` : "";
  return `Under ${rules}, ${stepText(f.failing)} fails: ${f.message} (${f.effect})${why}.`;
}

function touching(trace: ExerciseTrace, f: Focus, upTo: number): { count: number; actors: string[] } {
  const events = trace.events.slice(0, upTo).filter((e) => f.bytenr !== null && bytenrOf(e) === f.bytenr);
  return { count: events.length, actors: [...new Set(events.map((e) => trace.actors.find((a) => a.pid === e.origin.pid)?.name ?? String(e.origin.pid)))] };
}

/** Per question, the last step at or before `at` where its answer changed. */
function changes(trace: ExerciseTrace, rules: readonly string[], at: number, questions: readonly Question[]): string[] {
  const states = Array.from({ length: at + 1 }, (_, s) => stateAtEvents(trace.events, s, rules));
  const out: string[] = [];
  for (const q of questions) {
    const answer = (s: number) => (questionProblem(q, trace, states[s]!) === null ? trueAnswer(q, trace, states[s]!) : null);
    for (let s = at; s >= 1; s--) {
      if (answer(s) !== answer(s - 1) && answer(s - 1) !== null) {
        out.push(`${q.id} changed at step ${s} (${stepText(stepAt(trace, s), "none")})`);
        break;
      }
    }
  }
  return out;
}

export function wording(k: Keyed): Wording {
  const ex = k.exercise;
  const trace = ex.trace;
  const f = k.focus;
  const bg = f.failing.bg ?? "the block group";
  const fix = FIXES.find((x) => x.id === FIX_OF_RACE[f.race])! as Fix;
  const def = ex.def;
  switch (def.kind) {
    case "spot-the-race": {
      const t = touching(trace, f, trace.events.length);
      return {
        hints: [
          `Follow block group ${bg}: ${t.count} events of the trace name it, by ${t.actors.join(" and ")}.`,
          `The state that goes wrong: ${f.clue}.`,
          f.other ? `It goes wrong after ${stepText(f.other)}, at a step of ${f.failing.actor}.` : `It goes wrong at a step of ${f.failing.actor}.`,
        ],
        explanation: `${opening(f, "unpatched")} The key: race ${def.key.race}, seq ${def.key.seq}.`,
      };
    }
    case "be-the-scheduler": {
      const g = gradeAnswer(ex, { kind: "be-the-scheduler", schedule: def.key.schedule });
      const underFix = g.replays[1];
      const how = underFix ? [...underFix.reordered, ...underFix.notes].slice(0, 3).join("; ") : "";
      return {
        hints: [
          `Aim for this failure: ${f.clue} (${actorStep(trace, f.failing)} ${f.failing.type}).`,
          f.other ? `${actorStep(trace, f.other)} (${f.other.type} of ${bg}) must run before ${actorStep(trace, f.failing)}.` : `Let every other task change ${bg} before ${actorStep(trace, f.failing)}.`,
          fixHint(fix),
        ],
        explanation: `${opening(f, "unpatched")} Under ${def.fix} the same order is harmless${how ? `: ${how}` : ""}. Any order that fails unpatched and is clean under ${def.fix} is right.`,
      };
    }
    case "which-fix": {
      const sets = smallestCleanSets(ex);
      const locks = (FIXES as readonly Fix[]).flatMap((x) => resolveRules([x.id]).locks.map((l) => l.name));
      return {
        hints: [
          `Replay it unpatched first: ${stepText(f.failing, "none")} fails (${f.effect}).`,
          `A fix either makes tasks wait (${[...new Set(locks)].join(", ")}) or changes what a step tolerates; ask which one this failure needs.`,
          sets[0]!.length > 1 ? "One fix is not enough: with the first failure cured, the replay fails again further on." : "One fix is enough, and which one follows from the failing step.",
        ],
        explanation: `${opening(f, "unpatched")} Smallest clean set${sets.length > 1 ? "s" : ""}: ${sets.map((s) => `{${s.join(", ") || "none"}}`).join(" or ")}.`,
      };
    }
    case "predict-the-state": {
      const t = touching(trace, f, def.at);
      const moved = changes(trace, def.rules, def.at, def.questions);
      const rulesKey = resolveRules(def.rules).key;
      return {
        hints: [
          `Follow block group ${bg} through steps 1..${def.at}: ${t.count} of them name it.`,
          `Step ${def.at + 1} is ${stepText(f.failing, "none")}: the questions ask what it will find.`,
          moved.length > 0 ? `What changed, and where: ${moved.join("; ")}.` : "Nothing asked about changes after the block group is first named.",
        ],
        explanation: `${opening(f, rulesKey)} After step ${def.at}: ${def.questions.map((q) => `${q.id} (${questionText(q, trace, def.rules)}) = ${q.answer}`).join("; ")}.`,
      };
    }
    default:
      throw new UnreachableCaseError(def);
  }
}
