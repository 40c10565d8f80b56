/**
 * One generated exercise from one draft trace: the key from the replay, as few
 * tasks as the level asks (easy), noise mixed in where it keeps the key
 * (medium, hard), hints and explanation from the replay, and the definition
 * written as YAML and loaded by the same loader and key check as a
 * hand-written file (`loadDefinition`): what it refuses is not generated.
 */
import { stringify } from "yaml";
import { DomainError } from "../../errors.ts";
import type { RaceId } from "../../replay/types.ts";
import type { RuleSet } from "../../rules/types.ts";
import { STATEMENTS } from "../from-trace.ts";
import type { ExerciseKind, LoadedExercise } from "../types.ts";
import { publicView } from "../view.ts";
import { loadDefinition } from "../verify.ts";
import { type Difficulty, LEVELS } from "./difficulty.ts";
import { type Draft, actorsInUse, draftText, withoutActor } from "./draft.ts";
import { wording } from "./hints.ts";
import { type KeyRequest, type Keyed, type KeyedTrace, keyTrace, questionsOf } from "./keys.ts";
import { NO_NOISE, mixNoise } from "./noise.ts";

export interface MakeRequest {
  readonly kind: ExerciseKind;
  readonly race: RaceId;
  readonly rules: RuleSet;
  readonly difficulty: Difficulty;
  /** Deterministic choices of noise. */
  readonly seed: number;
  readonly id: string;
  /** The failing event must be this one of the source (a window of a trace must reproduce its finding). */
  readonly origin?: number | null;
  /** Mix in the level's noise (a recorded trace's window has its own: the other tasks' events). */
  readonly noise: boolean;
}

export interface MadeExercise {
  readonly id: string;
  readonly kind: ExerciseKind;
  readonly title: string;
  readonly race: RaceId;
  readonly difficulty: Difficulty;
  /** The definition (YAML), as createExercise takes it. */
  readonly source: string;
  readonly loaded: LoadedExercise;
  /** What a student sees of it, to tell apart exercises that read alike. */
  readonly looks: string;
}

const KIND_TITLES: Readonly<Record<ExerciseKind, string>> = {
  "spot-the-race": "Spot the race",
  "be-the-scheduler": "Be the scheduler",
  "which-fix": "Which fix?",
  "predict-the-state": "Predict the state",
};

function keyOf(d: Draft, req: MakeRequest, pinned: KeyRequest["pinned"] = null): KeyedTrace | string {
  return keyTrace(req.kind, d, { race: req.race, rules: req.rules, questions: LEVELS[req.difficulty].questions, pinned });
}

/**
 * Leaves out, one by one (last seen first), every task without which the same
 * event still fails the same way, with no more warnings, and the race's fix
 * still cures it (else what is left is a look-alike of the race).
 */
function fewestActors(d: Draft, base: KeyedTrace, req: MakeRequest): Draft {
  let cur = d;
  for (const a of actorsInUse(d).reverse()) {
    const without = withoutActor(cur, a.pid);
    if (without.events.length === 0) continue;
    const k = keyOf(without, req);
    if (typeof k !== "string" && k.focus.origin === base.focus.origin && k.focus.effect === base.focus.effect && k.warnings <= base.warnings && k.cured === base.cured) cur = without;
  }
  return cur;
}

function statementOf(d: Draft, k: Keyed, kind: ExerciseKind): string {
  const tasks = actorsInUse(d).map((a) => `${a.name} = ${a.comm ?? "?"}${a.role ? ` (${a.role})` : ""}`);
  const def = k.exercise.def;
  const extra =
    def.kind === "be-the-scheduler"
      ? ` The fix: ${def.fix}.`
      : def.kind === "predict-the-state"
        ? ` The state is the one after steps 1..${def.at}, replayed under ${def.rules.join(",")}.`
        : "";
  return `Tasks: ${tasks.join(", ")}.\n\n${STATEMENTS[kind]}${extra}\n`;
}

/** The exercise, or why this draft makes none. */
export async function makeExercise(draft: Draft, req: MakeRequest): Promise<MadeExercise | string> {
  const level = LEVELS[req.difficulty];
  const base = keyOf(draft, req);
  if (typeof base === "string") return base;
  if (req.origin !== undefined && req.origin !== null && base.focus.origin !== req.origin) return "the trace cut out around the finding does not reproduce it";
  const small = level.fewestActors ? fewestActors(draft, base, req) : draft;
  const smallKey = small === draft ? base : keyOf(small, req);
  if (typeof smallKey === "string") return smallKey;
  const pinned = questionsOf(smallKey);
  const final = mixNoise(small, req.noise ? level.noise : NO_NOISE, req.seed, (candidate) => {
    const k = keyOf(candidate, req, pinned);
    return typeof k !== "string" && k.identity === smallKey.identity;
  });
  const k = final === small ? smallKey : keyOf(final, req, pinned);
  if (typeof k === "string") return k;
  const words = wording(k);
  const tasks = actorsInUse(final).length;
  const title =
    req.kind === "spot-the-race"
      ? `${KIND_TITLES[req.kind]}: ${tasks} tasks, ${final.events.length} steps (${req.difficulty})`
      : `${KIND_TITLES[req.kind]}: ${k.focus.race} (${req.difficulty}, ${tasks} tasks)`;
  const source = stringify(
    {
      id: req.id,
      kind: req.kind,
      title,
      statement: statementOf(final, k, req.kind),
      hints: words.hints,
      explanation: words.explanation,
      trace: { inline: draftText(final) },
      ...k.fields,
    },
    { lineWidth: 0 },
  );
  try {
    const { exercise } = await loadDefinition(source, `generated ${req.id}`);
    const { id: _id, title: _title, ...seen } = publicView(exercise);
    return { id: req.id, kind: req.kind, title, race: exercise.def.race, difficulty: req.difficulty, source, loaded: exercise, looks: JSON.stringify(seen) };
  } catch (err) {
    // The loader has the last word: a definition it refuses is not generated.
    if (err instanceof DomainError) return `the definition loader refuses it: ${err.message}`;
    throw err;
  }
}
