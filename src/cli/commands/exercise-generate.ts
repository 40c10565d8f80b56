/**
 * `racelab exercise generate` (issue 16): exercises racelab writes itself,
 * stored in a course as drafts — the classroom service's generateExercises,
 * with the generation run here rather than as a server job (this process is
 * the instructor's own). The source is resolved first: a seed scenario by
 * name, a `.scenario` file's text, or a stored trace (a kernel trace file is
 * imported, as `racelab check` does).
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../../errors.ts";
import { requireInstructor } from "../../auth/policy.ts";
import type { EventStore } from "../../events/store.ts";
import { DIFFICULTIES, type Difficulty, isDifficulty, MAX_COUNT } from "../../exercises/generate/index.ts";
import type { ClassroomService, GenerateExercisesRequest, GeneratedExercises } from "../../exercises/service.ts";
import { EXERCISE_KINDS, type ExerciseKind } from "../../exercises/types.ts";
import type { Viewer } from "../../auth/viewer.ts";
import { seedFile } from "../../explore/source.ts";
import { ROLE_BUDGETS } from "../../jobs/budgets.ts";
import { runGeneration } from "../../jobs/kinds.ts";
import { isFileArg, resolveTraceArg } from "../../trace-arg.ts";
import { ruleSetArg } from "./check.ts";

export interface GenerateArgs {
  readonly from: "explore" | "trace";
  /** The operand of --from-explore / --from-trace. */
  readonly source: string;
  readonly course: string;
  readonly kind: ExerciseKind;
  readonly rules: string;
  readonly count: number | null;
  readonly difficulty: Difficulty | null;
}

type Values = Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;

const bad = (problem: string) => new DomainError("BAD_USER_INPUT", `exercise generate: ${problem}`);

/** Checks generate's flags; opens nothing. */
export function parseGenerate(values: Values): GenerateArgs {
  const explore = values["from-explore"];
  const trace = values["from-trace"];
  if ((explore === undefined) === (trace === undefined)) throw bad("give one of --from-explore <race|scenario|trace> and --from-trace <trace>");
  if (typeof values.course !== "string") throw bad("--course C is required (the drafts are stored in that course)");
  const kind = values.kind;
  if (typeof kind !== "string" || !(EXERCISE_KINDS as readonly string[]).includes(kind)) throw bad(`--kind: expected one of ${EXERCISE_KINDS.join(", ")}${typeof kind === "string" ? `, got ${JSON.stringify(kind)}` : ""}`);
  const count = values.count === undefined ? null : Number(values.count);
  if (count !== null && (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)) throw bad(`--count: expected 1..${MAX_COUNT}, got ${JSON.stringify(values.count)}`);
  const difficulty = values.difficulty === undefined ? null : String(values.difficulty);
  if (difficulty !== null && !isDifficulty(difficulty)) throw bad(`--difficulty: expected one of ${DIFFICULTIES.join(", ")}, got ${JSON.stringify(difficulty)}`);
  return {
    from: explore !== undefined ? "explore" : "trace",
    source: String(explore ?? trace),
    course: values.course,
    kind: kind as ExerciseKind,
    rules: ruleSetArg("exercise generate", values.rules === undefined ? undefined : String(values.rules)),
    count,
    difficulty: difficulty as Difficulty | null,
  };
}

/** The request as the service takes it: a seed by name, a scenario file by its text, anything else a stored trace. */
async function requestOf(args: GenerateArgs, store: EventStore): Promise<GenerateExercisesRequest> {
  const base = { from: args.from, kind: args.kind, rules: [args.rules], count: args.count, difficulty: args.difficulty, maxStates: null };
  if (args.from === "explore" && seedFile(args.source)) return { ...base, scenario: args.source, trace: null };
  if (args.from === "explore" && args.source.endsWith(".scenario") && isFileArg(args.source)) {
    return { ...base, scenario: readFileSync(args.source, "utf8"), trace: null };
  }
  return { ...base, scenario: null, trace: (await resolveTraceArg(store, args.source)).id };
}

export async function runGenerate(args: GenerateArgs, viewer: Viewer, classroom: ClassroomService, store: EventStore): Promise<GeneratedExercises> {
  // Refused before a file is imported for it.
  requireInstructor(viewer, "exercise generate");
  const req = await requestOf(args, store);
  return classroom.generateExercises(viewer, args.course, req, (job) => runGeneration(store, job, ROLE_BUDGETS.instructor));
}
