/**
 * What clients see of an exercise. `publicView` is all a student (or anyone)
 * gets: statement, trace listing or programs, questions — no key, and for
 * spot-the-race not even the race it is filed under (that is half the
 * answer). `keyView` is the instructor's: the key with what the replay says
 * about it. Nothing else in the API builds exercise payloads.
 */
import { UnreachableCaseError } from "../errors.ts";
import { answerFields } from "./answers.ts";
import { FIX_IDS } from "../rules/index.ts";
import { gradeAnswer, smallestCleanSets, stateAtStep, unpatchedReplay } from "./grade.ts";
import { answerType, questionText, trueAnswer } from "./questions.ts";
import { formatArgs, listing, programs, type ListedStep } from "./trace.ts";
import type { AnswerType, ExerciseKind, FeedbackLevel, Grade, LoadedExercise, PredictTheStateDef, QuestionAsk } from "./types.ts";

/**
 * A grade as a student may see it under the exercise's feedback level: the
 * finer the feedback, the cheaper guessing (bisecting a seq on "the state
 * goes wrong later"). `expected` stays for instructors' views alone.
 */
export function studentGrade(g: Grade, level: FeedbackLevel): Grade {
  switch (level) {
    case "full":
      return g;
    case "checks": {
      const wrong = g.checks.filter((c) => !c.ok).map((c) => c.name);
      return { ...g, summary: g.correct ? "right" : `not yet: ${wrong.join(" and ")} wrong`, checks: g.checks.map((c) => ({ ...c, detail: "" })), replays: [] };
    }
    case "verdict":
      return { ...g, score: g.correct ? 1 : 0, summary: g.correct ? "right" : "not yet", checks: [], replays: [] };
  }
}

export interface ProgramView {
  readonly actor: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: string | null;
  /** `A1 relocate_chunk bytenr=X`, in the actor's order. */
  readonly steps: readonly string[];
}

export interface QuestionView {
  readonly id: string;
  readonly ask: QuestionAsk;
  readonly text: string;
  readonly answerType: AnswerType;
  readonly bg: string | null;
  readonly actor: string | null;
}

export interface ExerciseView {
  readonly id: string;
  readonly courseId: string | null;
  readonly kind: ExerciseKind;
  readonly title: string;
  readonly statement: string;
  /** The race it is filed under; null for spot-the-race (part of the answer). */
  readonly race: string | null;
  readonly hintCount: number;
  /** The trace, event by event (not for be-the-scheduler: the recorded order may be the key). */
  readonly steps: readonly ListedStep[] | null;
  readonly programs: readonly ProgramView[] | null;
  readonly names: readonly { readonly name: string; readonly address: string }[];
  readonly questions: readonly QuestionView[] | null;
  /** predict-the-state: the state after steps 1..at, replayed under `rules`. */
  readonly at: number | null;
  readonly rules: readonly string[] | null;
  /** be-the-scheduler: the fix the schedule must be harmless under. */
  readonly fix: string | null;
  /** which-fix: the fixes to choose from. */
  readonly fixChoices: readonly string[] | null;
  /** The answer fields this kind takes (AnswerInput). */
  readonly answerFields: readonly string[];
  /** Number of events of the trace. */
  readonly events: number;
}

export function publicView(ex: LoadedExercise): ExerciseView {
  const def = ex.def;
  return {
    id: ex.ref,
    courseId: ex.courseId,
    kind: def.kind,
    title: def.title,
    statement: def.statement,
    race: def.kind === "spot-the-race" ? null : def.race,
    hintCount: def.hints.length,
    steps: def.kind === "be-the-scheduler" ? null : listing(ex.trace),
    programs:
      def.kind === "be-the-scheduler"
        ? programs(ex.trace).map((p) => ({
            actor: p.actor.name,
            pid: p.actor.pid,
            comm: p.actor.comm,
            role: p.actor.role,
            steps: p.steps.map((e, i) => `${p.actor.name}${i + 1} ${e.type}${formatArgs(ex.trace, e) ? ` ${formatArgs(ex.trace, e)}` : ""}`),
          }))
        : null,
    names: ex.trace.names.map(([name, v]) => ({ name, address: `0x${v.toString(16)}` })),
    questions:
      def.kind === "predict-the-state"
        ? def.questions.map((q) => ({ id: q.id, ask: q.ask, text: questionText(q, ex.trace, def.rules), answerType: answerType(q.ask), bg: q.bg, actor: q.actor }))
        : null,
    at: def.kind === "predict-the-state" ? def.at : null,
    rules: def.kind === "predict-the-state" ? def.rules : null,
    fix: def.kind === "be-the-scheduler" ? def.fix : null,
    fixChoices: def.kind === "which-fix" ? [...FIX_IDS] : null,
    answerFields: answerFields(def.kind),
    events: ex.trace.events.length,
  };
}

export interface KeyView {
  readonly kind: ExerciseKind;
  readonly race: string;
  readonly seq: number | null;
  readonly schedule: readonly string[] | null;
  /** The key's fix set, and every smallest set the replay accepts. */
  readonly fixes: readonly string[] | null;
  readonly acceptedFixSets: readonly (readonly string[])[] | null;
  readonly answers: readonly { readonly question: string; readonly answer: string }[] | null;
  readonly hints: readonly string[];
  /** What the replay says about the key (it was checked at load). */
  readonly explanation: string;
}

export function keyView(ex: LoadedExercise): KeyView {
  const k = replayKeyView(ex);
  return ex.def.explanation === null ? k : { ...k, explanation: ex.def.explanation };
}

function replayKeyView(ex: LoadedExercise): KeyView {
  const def = ex.def;
  const base = { kind: def.kind, race: def.race, seq: null, schedule: null, fixes: null, acceptedFixSets: null, answers: null, hints: def.hints };
  switch (def.kind) {
    case "spot-the-race": {
      const f = unpatchedReplay(ex).report.findings[0];
      return { ...base, race: def.key.race, seq: def.key.seq, explanation: f ? `${f.effect} at seq ${f.seq}: ${f.message}` : "" };
    }
    case "be-the-scheduler": {
      const g = gradeAnswer(ex, { kind: "be-the-scheduler", schedule: def.key.schedule });
      return { ...base, schedule: def.key.schedule, explanation: g.checks.map((c) => c.detail).join("; ") };
    }
    case "which-fix": {
      const sets = smallestCleanSets(ex);
      const f = unpatchedReplay(ex).report.findings[0];
      return {
        ...base,
        fixes: def.key.fixes,
        acceptedFixSets: sets,
        explanation: `${f ? `unpatched: ${f.effect} at seq ${f.seq}` : "unpatched: clean"}; smallest clean set${sets.length > 1 ? "s" : ""}: ${sets.map((s) => `{${s.join(", ") || "none"}}`).join(" or ")}`,
      };
    }
    case "predict-the-state": {
      const p = ex as LoadedExercise & { def: PredictTheStateDef };
      const state = stateAtStep(p);
      return {
        ...base,
        answers: def.questions.map((q) => ({ question: q.id, answer: q.answer })),
        explanation: def.questions.map((q) => `${q.id}: ${questionText(q, ex.trace, def.rules)} → ${trueAnswer(q, ex.trace, state)}`).join("; "),
      };
    }
    default:
      throw new UnreachableCaseError(def);
  }
}
