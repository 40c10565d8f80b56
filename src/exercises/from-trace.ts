/**
 * An exercise made from any stored trace (an imported ftrace log, a fork, a
 * seed): the key is computed by the replay, not written by hand, and the
 * result is written out as an ordinary definition (YAML) so that it goes
 * through the same validation and key check as a file of seeds/exercises.
 */
import { stringify } from "yaml";
import { DomainError, UnreachableCaseError } from "../errors.ts";
import type { TraceInfo } from "../events/store.ts";
import { checkEvents } from "../replay/check.ts";
import { stateAtEvents } from "../replay/time-travel.ts";
import type { RaceId } from "../replay/types.ts";
import { resolveRules } from "../rules/index.ts";
import type { FixId } from "../rules/index.ts";
import { RACE_IDS } from "../events/races.ts";
import { SLUG_RE } from "./definition.ts";
import { FIX_OF_RACE } from "../rules/index.ts";
import { fixSubsets } from "./grade.ts";
import { questionProblem, trueAnswer } from "./questions.ts";
import { QUESTION_ASKS, type ExerciseKind, type ExerciseTrace, type QuestionAsk } from "./types.ts";

export interface FromTraceOptions {
  readonly kind: ExerciseKind;
  /** Slug; default `<kind>-<trace name>`. */
  readonly id?: string | null;
  readonly title?: string | null;
  readonly statement?: string | null;
  readonly hints?: readonly string[] | null;
  /** Needed when the unpatched replay names no race (a clean trace). */
  readonly race?: string | null;
  /** be-the-scheduler: the key schedule (default: the recorded order) and the fix. */
  readonly schedule?: readonly string[] | null;
  readonly fix?: string | null;
  /** predict-the-state */
  readonly at?: number | null;
  readonly rules?: readonly string[] | null;
  readonly questions?: readonly { id?: string | null; ask: string; bg?: string | null; actor?: string | null; answer?: string | null }[] | null;
}

/** What each kind asks of the student, in one sentence (generated exercises say it too). */
export const STATEMENTS: Readonly<Record<ExerciseKind, string>> = {
  "spot-the-race": "Name the race this trace shows, and the sequence number of the event at which the state first goes wrong.",
  "be-the-scheduler":
    "Schedule all steps of these programs (one actor name per step; each actor keeps its order) so that the unpatched kernel fails with the race, in a way the fix makes harmless.",
  "which-fix": "Choose the smallest set of fixes (possibly none) under which this trace replays clean.",
  "predict-the-state": "Answer the questions about the state after the replay has processed the given number of events.",
};

const HINTS: Record<ExerciseKind, string[]> = {
  "spot-the-race": ["Follow one block group at a time.", "Which call needs something another task has already removed?"],
  "be-the-scheduler": ["Find the step that fails when its block group's state was changed by another task first.", "The fix changes either the order (a mutex) or what the failing step tolerates."],
  "which-fix": ["Replay it unpatched, then under each fix alone.", "A fix that removes the first failure may uncover a second one."],
  "predict-the-state": ["Step through the trace event by event and keep the block group's fields written down."],
};

function bad(field: string, problem: string): DomainError {
  return new DomainError("BAD_USER_INPUT", `${field}: ${problem}`);
}

function raceOf(opts: FromTraceOptions, found: RaceId | null): RaceId {
  if (found) return found;
  if (opts.race && (RACE_IDS as readonly string[]).includes(opts.race)) return opts.race as RaceId;
  throw bad("race", opts.race ? `unknown race ${JSON.stringify(opts.race)}` : "the unpatched replay of this trace names no race: give race");
}

/** The definition text (YAML) of an exercise on `trace` (events 1..version). */
export function definitionFromTrace(info: TraceInfo, trace: ExerciseTrace, opts: FromTraceOptions): string {
  const kind = opts.kind;
  const slugBase = `${kind}-${info.name}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "").slice(0, 64);
  const id = opts.id ?? slugBase;
  if (!SLUG_RE.test(id)) throw bad("id", `use lower-case letters, digits and -, at most 64 characters, got ${JSON.stringify(id)}`);
  const unpatched = checkEvents(trace.events, ["unpatched"]);
  const f = unpatched.findings[0] ?? null;
  const common = {
    id,
    kind,
    title: opts.title ?? `${kind.replace(/-/g, " ")}: ${info.name}`,
    statement: opts.statement ?? STATEMENTS[kind],
    hints: opts.hints && opts.hints.length > 0 ? [...opts.hints] : HINTS[kind],
    trace: { stored: info.id, upTo: trace.events.length },
  };
  switch (kind) {
    case "spot-the-race": {
      if (!f || !f.race) throw bad("trace", `${info.name} replays ${unpatched.verdict} under unpatched: there is no race to spot`);
      return stringify({ ...common, race: f.race, key: { race: f.race, seq: f.seq } });
    }
    case "which-fix": {
      const race = raceOf(opts, f?.race ?? null);
      const smallest = fixSubsets().find((s) => checkEvents(trace.events, s.length === 0 ? ["unpatched"] : s).verdict === "clean");
      if (!smallest) throw bad("trace", `no set of fixes makes ${info.name} clean`);
      return stringify({ ...common, race, key: { fixes: smallest.length === 0 ? "none" : smallest } });
    }
    case "be-the-scheduler": {
      const race = raceOf(opts, f?.race ?? null);
      const fix = (opts.fix ?? FIX_OF_RACE[race]) as FixId;
      const schedule = opts.schedule && opts.schedule.length > 0 ? [...opts.schedule] : trace.events.map((e) => String(e.origin.pid));
      return stringify({ ...common, race, fix, key: { schedule: schedule.join(" ") } });
    }
    case "predict-the-state": {
      if (opts.at === undefined || opts.at === null) throw bad("at", "predict-the-state needs at: the step the state is asked after");
      if (opts.at < 0 || opts.at > trace.events.length) throw bad("at", `the trace has events 1..${trace.events.length}`);
      if (!opts.questions || opts.questions.length === 0) throw bad("questions", "ask at least one question");
      const rules = opts.rules && opts.rules.length > 0 ? opts.rules : ["unpatched"];
      try {
        resolveRules(rules);
      } catch (err) {
        throw bad("rules", (err as Error).message);
      }
      const state = stateAtEvents(trace.events, opts.at, rules);
      const questions = opts.questions.map((q, i) => {
        if (!(QUESTION_ASKS as readonly string[]).includes(q.ask)) throw bad(`questions[${i}].ask`, `expected one of ${QUESTION_ASKS.join(", ")}`);
        const qq = { id: q.id ?? `q${i + 1}`, ask: q.ask as QuestionAsk, bg: q.bg ?? null, actor: q.actor ?? null, answer: "" };
        let answer = q.answer ?? null;
        if (answer === null) {
          const problem = questionProblem(qq, trace, state);
          if (problem) throw bad(`questions[${i}].${problem.field}`, problem.problem);
          answer = trueAnswer(qq, trace, state);
        }
        return { id: qq.id, ask: q.ask, ...(q.bg ? { bg: q.bg } : {}), ...(q.actor ? { actor: q.actor } : {}), answer };
      });
      return stringify({ ...common, race: raceOf(opts, f?.race ?? null), rules: [...rules], at: opts.at, questions });
    }
    default:
      throw new UnreachableCaseError(kind);
  }
}
