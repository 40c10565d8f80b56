/**
 * Classroom exercises (issue 6): what an exercise is, what a student answers
 * and what grading gives back. Four kinds, one discriminated union; the answer
 * key lives in the definition and leaves this module only through the
 * instructor's views (`view.ts`).
 */
import type { RaceId, Verdict } from "../replay/types.ts";
import type { FixId } from "../rules/index.ts";
import type { Scenario, ScenarioActor } from "../scenario/parse.ts";

export const EXERCISE_KINDS = ["spot-the-race", "be-the-scheduler", "which-fix", "predict-the-state"] as const;
export type ExerciseKind = (typeof EXERCISE_KINDS)[number];

/** Where an exercise's trace comes from. */
export type TraceSource =
  /** A seed scenario, seeds/<name>.scenario. */
  | { readonly kind: "scenario"; readonly name: string }
  /** Scenario text written inside the exercise file (seeds/README.md format). */
  | { readonly kind: "inline"; readonly text: string }
  /** A stored trace (by id), events 1..upTo: the exercise does not change when the trace grows. */
  | { readonly kind: "stored"; readonly trace: string; readonly upTo: number };

// ---- predict the state ------------------------------------------------------------

/** What a predict-the-state question asks about; answers are `yes`/`no`, an actor name or `none`, or a count. */
export const QUESTION_ASKS = [
  "read-only", // bg: ro > 0
  "ro-count", // bg: the ro counter
  "in-cache-tree", // bg: the block group still exists
  "extent-map", // bg: its extent map is in the mapping tree
  "map-pinned", // bg: its extent map is on pinned_chunks
  "removed-flag", // bg: `removed` set (fixes 001/003)
  "item-inserted", // bg: phase 2 of creation done
  "dirty", // bg: on the transaction's dirty list
  "trimming", // bg: trimming counter
  "mutex-holder", // who holds the first lock the rule set adds (actor or none)
  "blocked", // actor: waits for a lock
  "commits", // transactions committed so far
] as const;
export type QuestionAsk = (typeof QUESTION_ASKS)[number];

export type AnswerType = "yes-no" | "actor" | "count";

export interface Question {
  readonly id: string;
  readonly ask: QuestionAsk;
  /** Block group, for the bg questions (a scenario name such as X, or an address). */
  readonly bg: string | null;
  /** Actor, for `blocked`. */
  readonly actor: string | null;
  /** The key: canonical `yes`/`no`, actor name or `none`, or a decimal count. */
  readonly answer: string;
}

// ---- definitions --------------------------------------------------------------------

interface DefinitionBase {
  /** Slug: lower case, digits and `-`. */
  readonly id: string;
  readonly title: string;
  /** The race the exercise is filed under (for spot-the-race it is part of the key). */
  readonly race: RaceId;
  readonly statement: string;
  /** Revealed one at a time, in order. */
  readonly hints: readonly string[];
  /** Why the key is right, for instructors (generated exercises write it; null: the replay's own words). */
  readonly explanation: string | null;
  readonly trace: TraceSource;
  /** How much a student's submission tells (default `full`): less makes guessing — bisecting a seq — cost attempts. */
  readonly feedback: FeedbackLevel;
  /** Most answers a student may submit (null: no limit). */
  readonly attempts: number | null;
}

/**
 * What a student's grade shows: `full` (summary, each criterion with its
 * detail, the replays), `checks` (which criteria are right, no detail, no
 * replays), `verdict` (right or not, nothing more).
 */
export const FEEDBACK_LEVELS = ["full", "checks", "verdict"] as const;
export type FeedbackLevel = (typeof FEEDBACK_LEVELS)[number];

export interface SpotTheRaceDef extends DefinitionBase {
  readonly kind: "spot-the-race";
  /** The race, and the seq of the event where the unpatched state first goes wrong. */
  readonly key: { readonly race: RaceId; readonly seq: number };
}

export interface BeTheSchedulerDef extends DefinitionBase {
  readonly kind: "be-the-scheduler";
  /** The fix the schedule must be harmless under (default: the fix of `race`). */
  readonly fix: FixId;
  /** One schedule that works: actor names, one per step. */
  readonly key: { readonly schedule: readonly string[] };
}

export interface WhichFixDef extends DefinitionBase {
  readonly kind: "which-fix";
  /** A smallest set of fixes that makes the trace clean (ids in table order; may be empty). */
  readonly key: { readonly fixes: readonly FixId[] };
}

export interface PredictTheStateDef extends DefinitionBase {
  readonly kind: "predict-the-state";
  /** Rule set the state is replayed under. */
  readonly rules: readonly string[];
  /** The state after the replay processed events 1..at. */
  readonly at: number;
  /** Questions with their answers (the key). */
  readonly questions: readonly Question[];
}

export type ExerciseDef = SpotTheRaceDef | BeTheSchedulerDef | WhichFixDef | PredictTheStateDef;

// ---- traces as exercises use them ---------------------------------------------------

/** A scenario's actor as students name it; a stored trace's actors are named by their pid. */
export type ExerciseActor = Pick<ScenarioActor, "name" | "pid" | "comm" | "role">;

/**
 * A scenario's events (event i has seq i+1) and address names as exercises
 * use them; a stored trace has no names.
 */
export interface ExerciseTrace extends Pick<Scenario, "events" | "names"> {
  readonly actors: readonly ExerciseActor[];
  /** For messages: the scenario name, `inline`, or the stored trace's name. */
  readonly label: string;
  /** The stored trace's id (`trace: stored`): hidden while the exercise is open, kept while it exists. */
  readonly storedId: string | null;
}

/** A definition with its trace loaded and its key checked against the replay. */
export interface LoadedExercise {
  readonly def: ExerciseDef;
  readonly trace: ExerciseTrace;
  /** The course it belongs to; null for the shared library (seeds/exercises). */
  readonly courseId: string | null;
  /** The id students and the API use: the slug for the library, a uuid in a course. */
  readonly ref: string;
  /** Where it was defined (file, or `course <name>`), for messages. */
  readonly origin: string;
  /** sha256 of the definition, recorded with each submission (which version was answered). */
  readonly hash: string;
  /** The definition as written, key included (instructors only). */
  readonly source: string;
}

// ---- answers ------------------------------------------------------------------------

export type Answer =
  | { readonly kind: "spot-the-race"; readonly race: RaceId; readonly seq: number }
  | { readonly kind: "be-the-scheduler"; readonly schedule: readonly string[] }
  | { readonly kind: "which-fix"; readonly fixes: readonly FixId[] }
  | { readonly kind: "predict-the-state"; readonly answers: Readonly<Record<string, string>> };

// ---- grades ---------------------------------------------------------------------------

/** One criterion of the grading, worded for the student (never quotes the key). */
export interface GradeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A replay made while grading, reduced to what explains the grade. */
export interface ReplayDigest {
  /** What was replayed, e.g. `your schedule under unpatched`. */
  readonly what: string;
  readonly rules: string;
  readonly verdict: Verdict;
  readonly finding: { readonly race: RaceId | null; readonly effect: string; readonly seq: number; readonly message: string } | null;
  /** Events applied later than scheduled (who waited for what). */
  readonly reordered: readonly string[];
  /** What the rules changed (tolerated errors, pinned maps, skipped checks). */
  readonly notes: readonly string[];
  /** Inconsistencies: the schedule is not one a kernel could run. */
  readonly warnings: readonly string[];
}

export interface Grade {
  readonly correct: boolean;
  /** 0..1 */
  readonly score: number;
  readonly summary: string;
  readonly checks: readonly GradeCheck[];
  readonly replays: readonly ReplayDigest[];
  /** What the key expected, with its values: for instructors only. */
  readonly expected: string;
}
