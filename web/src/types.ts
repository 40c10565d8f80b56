/**
 * The page's names for the GraphQL answers it reads: each one is cut out of
 * the result type codegen derived from a document of queries.ts
 * (generated/graphql.ts, from src/resolvers/*.graphql), so nothing here
 * restates the schema. Pure types: the timeline model (timeline/model.ts) is
 * also run by the Node tests.
 */
import type {
  ChangesQuery,
  CheckQuery,
  DiffQuery,
  OverviewQuery,
  WindowQuery,
  ExerciseQuery,
  ExercisesQuery,
  ExerciseKeyQuery,
  HintMutation,
  ReferenceQuery,
  StateAtQuery,
  SubmitMutation,
  TracesQuery,
  ViewerQuery,
} from "./generated/graphql.ts";

export type { AnswerInput, Difficulty, ExerciseKind, Verdict } from "./generated/graphql.ts";

/** An element of a list in an answer. */
type Item<L> = L extends ReadonlyArray<infer T> ? T : never;

export type Reference = ReferenceQuery;
export type Fix = Item<ReferenceQuery["fixes"]>;

export type TraceSummary = Item<TracesQuery["traces"]["nodes"]>;
export type TraceEvent = Item<NonNullable<WindowQuery["trace"]>["events"]["nodes"]>;
export type Overview = NonNullable<OverviewQuery["trace"]>["overview"];
export type TaskSummary = Item<Overview["tasks"]>;

export type CheckResult = CheckQuery["check"];
export type Finding = Item<CheckResult["findings"]>;
export type Reordering = Item<CheckResult["reordered"]>;
export type RuleChange = Item<ChangesQuery["check"]["changes"]>;

export type FsState = StateAtQuery["stateAt"];
export type BlockGroup = Item<FsState["blockGroups"]>;
export type StateDiff = DiffQuery["diff"];

export type ViewerInfo = NonNullable<ViewerQuery["viewer"]>;
export type ExerciseDetail = NonNullable<ExerciseQuery["exercise"]>;
export type ExerciseSummary = Item<ExercisesQuery["exercises"]>;
export type ExerciseKey = NonNullable<NonNullable<ExerciseKeyQuery["exercise"]>["key"]>;
export type Program = Item<NonNullable<ExerciseDetail["programs"]>>;
/** Read with the exercise and answered by submitAnswer: the same fields (SUBMISSION_FIELDS). */
export type Submission = SubmitMutation["submitAnswer"];
export type Hint = HintMutation["hint"];
