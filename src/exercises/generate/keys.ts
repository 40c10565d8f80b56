/**
 * The answer key of each kind, taken from the replay of the trace as the
 * loader will read it (never written by hand), with an identity: two traces
 * whose identities are equal have the same key up to renumbering — what noise
 * mixed into a trace must keep. A trace that cannot make the kind gives the
 * reason instead. One entry per kind: a new kind is a compile error here.
 */
import { FIX_OF_RACE, UNPATCHED, resolveRules } from "../../rules/index.ts";
import type { RuleSet } from "../../rules/types.ts";
import type { RaceId } from "../../replay/types.ts";
import { checkTrace } from "../../replay/check.ts";
import { stateAtEvents } from "../../replay/time-travel.ts";
import { BG_ASKS } from "../definition.ts";
import { gradeAnswer, smallestCleanSets } from "../grade.ts";
import { questionProblem, trueAnswer } from "../questions.ts";
import { actorOf } from "../trace.ts";
import type { ExerciseKind, ExerciseTrace, LoadedExercise, Question, QuestionAsk } from "../types.ts";
import { type Draft, draftTrace, inMemory } from "./draft.ts";
import { type Focus, firstFinding, focusOf } from "./focus.ts";

export interface KeyRequest {
  /** The race the source shows (the counterexample's, the finding's). */
  readonly race: RaceId;
  /** The rule set of the generation: predict-the-state replays its state under it. */
  readonly rules: RuleSet;
  /** predict-the-state: how many questions to ask. */
  readonly questions: number;
  /** predict-the-state: ask these (the questions of the same trace without noise). */
  readonly pinned?: readonly Question[] | null;
}

export interface Keyed {
  /** The definition's fields this kind adds: race and key (and fix, rules, at, questions). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly focus: Focus;
  readonly identity: string;
  /** The exercise in memory, for hints and explanations. */
  readonly exercise: LoadedExercise;
}

/** With what every kind must keep: whether a kernel could run the trace, and whether the race's fix cures it. */
export interface KeyedTrace extends Keyed {
  /** Warnings of the unpatched replay (up to its first effect): a trace no kernel could run. */
  readonly warnings: number;
  /** The fix of the race makes the race's failure go away (what makes it that race, not a look-alike). */
  readonly cured: boolean;
}

type Keying = (draft: Draft, trace: ExerciseTrace, req: KeyRequest) => Keyed | string;

/** The common fields of a definition to compute with; the generator writes the real one once the key is known. */
function scratch(race: RaceId) {
  return { id: "generated", title: "generated", race, statement: "-", hints: ["-"], explanation: null, trace: { kind: "inline", text: "" }, feedback: "full", attempts: null } as const;
}

const spot: Keying = (draft, trace, req) => {
  const f = firstFinding(trace, UNPATCHED);
  if (!f) return "the trace replays clean under unpatched: there is no race to spot";
  if (f.race !== req.race) return `the trace shows ${f.race} first, not ${req.race}`;
  const focus = focusOf(trace, draft, f);
  const key = { race: f.race, seq: f.seq };
  return { fields: { race: f.race, key }, focus, identity: `${f.race}|${f.effect}|${focus.origin}`, exercise: inMemory({ ...scratch(f.race), kind: "spot-the-race", key }, trace) };
};

const scheduler: Keying = (draft, trace, req) => {
  const f = firstFinding(trace, UNPATCHED);
  if (!f || f.race !== req.race) return `the recorded order does not fail with ${req.race} under unpatched`;
  const fix = FIX_OF_RACE[req.race];
  const schedule = trace.events.map((e) => actorOf(trace, e.origin.pid).name);
  const ex = inMemory({ ...scratch(req.race), kind: "be-the-scheduler", fix, key: { schedule } }, trace);
  const g = gradeAnswer(ex, { kind: "be-the-scheduler", schedule });
  if (!g.correct) return `the recorded order is not a right answer: ${g.checks.filter((c) => !c.ok).map((c) => c.detail).join("; ")}`;
  const focus = focusOf(trace, draft, f);
  return { fields: { race: req.race, fix, key: { schedule: schedule.join(" ") } }, focus, identity: `${f.effect}|${focus.origin}|right`, exercise: ex };
};

const whichFix: Keying = (draft, trace, req) => {
  const f = firstFinding(trace, UNPATCHED);
  if (!f) return "the trace replays clean under unpatched: no fix is needed";
  const ex = inMemory({ ...scratch(req.race), kind: "which-fix", key: { fixes: [] } }, trace);
  const sets = smallestCleanSets(ex);
  if (sets.length === 0) return "no set of fixes makes the trace clean";
  const focus = focusOf(trace, draft, f);
  const fixes = sets[0]!;
  return {
    fields: { race: f.race, key: { fixes: fixes.length === 0 ? "none" : fixes } },
    focus,
    identity: `${f.effect}|${focus.origin}|${JSON.stringify(sets)}`,
    exercise: inMemory({ ...scratch(f.race!), kind: "which-fix", key: { fixes } }, trace),
  };
};

/** Questions about the failing block group (and the lock, the commits): what changed since it was first mentioned comes first. */
function chooseQuestions(trace: ExerciseTrace, rules: RuleSet, at: number, focus: Focus, n: number): Question[] {
  const state = stateAtEvents(trace.events, at, rules);
  const first = trace.events.findIndex((e) => (e.data as { bytenr?: bigint | null }).bytenr === focus.bytenr) + 1;
  const before = stateAtEvents(trace.events, Math.min(Math.max(first, 1), at), rules);
  const asks: { ask: QuestionAsk; bg: string | null }[] = [
    ...(focus.failing.bg === null ? [] : BG_ASKS.map((ask) => ({ ask, bg: focus.failing.bg }))),
    ...(rules.locks.length > 0 ? [{ ask: "mutex-holder" as const, bg: null }] : []),
    { ask: "commits", bg: null },
  ];
  const candidates = asks
    .map(({ ask, bg }) => ({ id: ask, ask, bg, actor: null, answer: "" }) as Question)
    .filter((q) => questionProblem(q, trace, state) === null)
    .map((q, i) => ({ q: { ...q, answer: trueAnswer(q, trace, state) }, changed: questionProblem(q, trace, before) === null && trueAnswer(q, trace, before) !== trueAnswer(q, trace, state), i }));
  candidates.sort((a, b) => Number(b.changed) - Number(a.changed) || a.i - b.i);
  return candidates.slice(0, n).map((c) => c.q);
}

const predict: Keying = (draft, trace, req) => {
  const f = firstFinding(trace, req.rules);
  if (!f) return `the trace replays without a race under ${req.rules.key}: there is no state going wrong to ask about`;
  if (f.seq < 2) return "the state goes wrong at the first step: there is nothing before it to ask about";
  const at = f.seq - 1;
  const focus = focusOf(trace, draft, f);
  const state = stateAtEvents(trace.events, at, req.rules);
  const asked = req.pinned ? req.pinned.map((q) => ({ ...q, answer: "" })) : chooseQuestions(trace, req.rules, at, focus, req.questions);
  if (asked.length === 0) return "no question can be asked of the state before the failing step";
  for (const q of asked) if (questionProblem(q, trace, state) !== null) return `question ${q.id} cannot be asked after step ${at}`;
  const questions = asked.map((q) => ({ ...q, answer: trueAnswer(q, trace, state) }));
  const rules = [...resolveRules(req.rules.names).names];
  return {
    fields: { race: f.race, rules, at, questions: questions.map((q) => ({ id: q.id, ask: q.ask, ...(q.bg !== null ? { bg: q.bg } : {}), ...(q.actor !== null ? { actor: q.actor } : {}), answer: q.answer })) },
    focus,
    identity: `${f.effect}|${focus.origin}|${questions.map((q) => `${q.id}=${q.answer}`).join(",")}`,
    exercise: inMemory({ ...scratch(f.race!), kind: "predict-the-state", rules, at, questions }, trace),
  };
};

const KEYINGS: { readonly [K in ExerciseKind]: Keying } = {
  "spot-the-race": spot,
  "be-the-scheduler": scheduler,
  "which-fix": whichFix,
  "predict-the-state": predict,
};

/** The questions a predict-the-state key asks (to pin them while noise is mixed in). */
export function questionsOf(k: Keyed): readonly Question[] | null {
  return k.exercise.def.kind === "predict-the-state" ? k.exercise.def.questions : null;
}

/** The key of a kind on a draft (read back as the loader will), or why the draft makes none of that kind. */
export function keyTrace(kind: ExerciseKind, draft: Draft, req: KeyRequest): KeyedTrace | string {
  const trace = draftTrace(draft);
  const k = KEYINGS[kind](draft, trace, req);
  if (typeof k === "string") return k;
  const warnings = checkTrace(trace.events, UNPATCHED).report.warnings.length;
  const underFix = checkTrace(trace.events, [FIX_OF_RACE[k.focus.race]]).report.findings;
  const cured = !underFix.some((f) => f.race === k.focus.race);
  return { ...k, warnings, cured, identity: `${k.identity}|w${warnings}|${cured ? "cured" : "not cured"}` };
}
