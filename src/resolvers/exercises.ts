/**
 * Resolvers of exercises.graphql: thin calls into the classroom service
 * (`src/exercises/service.ts`), which enforces roles. Fields that carry an
 * answer key or another student's work check the role again here, in their
 * own resolver, so that no path through the graph reaches them (a nested
 * `submission { exercise { key } }` asks the same resolver as `exercise { key }`).
 *
 * Wiring: `classroomModule(db, store)` is an `ApiModule` (SDL, resolvers, the
 * per-request context with the bearer token's viewer, cost weights): add it
 * to `createApiDeps(store, { modules: [...] })`.
 *
 * Types: generated from exercises.graphql with the rest of the API
 * (generated.ts, `npm run codegen`), parents being the classroom's own shapes
 * (ExerciseHandle, SubmissionView, CourseRow, …) and the enums its values.
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../errors.ts";
import type { Database } from "../db/connection.ts";
import type { EventStore } from "../events/store.ts";
import { viewerFromToken } from "../auth/viewer.ts";
import { classroomFor } from "../exercises/service.ts";
import type { ApiModule, TraceAccess } from "./context.ts";
import { ownerOfNew, readRefusal, writeRefusal } from "../auth/traces.ts";
import { toGraphQLError } from "./errors.ts";
import { canSeeKey, isInstructor, isInstructorOf, requireInstructor, requireTraceWriter } from "../auth/policy.ts";
import type { Viewer } from "../auth/viewer.ts";
import { PgClassroomStore } from "../exercises/pg-classroom.ts";
import type { ClassroomService, ExerciseHandle, GenerateExercisesRequest } from "../exercises/service.ts";
import { MAX_COUNT } from "../exercises/generate/index.ts";
import { noSeedScenario, seedFile } from "../explore/source.ts";
import { FieldError } from "./errors.ts";
import { rulesArg } from "./shared.ts";
import type { RequestContext } from "./context.ts";
import { keyView, publicView, type ExerciseView } from "../exercises/view.ts";
import type {
  CourseResolvers,
  DifficultyResolvers,
  GenerateExercisesInput,
  GenerateFromResolvers,
  ExerciseKindResolvers,
  FeedbackLevelResolvers,
  ExerciseResolvers,
  HintResolvers,
  MutationResolvers,
  QueryResolvers,
  Resolvers,
  SubmissionResolvers,
  UserResolvers,
  UserRoleResolvers,
  ViewerResolvers,
} from "./generated.ts";

export const exercisesTypeDefs = readFileSync(new URL("./exercises.graphql", import.meta.url), "utf8");

/** What these resolvers need in the GraphQL context (besides whatever else it holds): the module's own, and the request's jobs. */
export interface ClassroomContext extends Pick<RequestContext, "jobs" | "job"> {
  readonly viewer: Viewer;
  readonly classroom: ClassroomService;
}

/** generateExercises' input, checked field by field; the source trace is resolved by the service. */
function generationRequest(input: GenerateExercisesInput): GenerateExercisesRequest {
  const scenario = input.scenario ?? null;
  const trace = input.trace ?? null;
  const from = input.from ?? "explore";
  if (from === "trace") {
    if (trace === null) throw new FieldError("input.trace", "TRACE takes its findings from a stored trace: give trace");
    if (scenario !== null) throw new FieldError("input.scenario", "TRACE takes a stored trace, not a scenario (EXPLORE explores a scenario)");
  } else if ((scenario === null) === (trace === null)) {
    throw new FieldError(scenario === null ? "input.scenario" : "input.trace", "give exactly one of scenario and trace");
  } else if (scenario !== null && !scenario.includes("\n") && !seedFile(scenario)) {
    throw new FieldError("input.scenario", noSeedScenario(scenario), { code: "NOT_FOUND" });
  }
  const count = input.count ?? null;
  if (count !== null && (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)) throw new FieldError("input.count", `expected 1..${MAX_COUNT}, got ${count}`);
  return { from, scenario, trace, kind: input.kind, rules: rulesArg(input.rules, "input.rules"), count, difficulty: input.difficulty ?? null, maxStates: null };
}

/** The enums' values as the domain spells them: arguments arrive, and results leave, as those. */
const ExerciseKind: Required<ExerciseKindResolvers> = {
  SPOT_THE_RACE: "spot-the-race",
  BE_THE_SCHEDULER: "be-the-scheduler",
  WHICH_FIX: "which-fix",
  PREDICT_THE_STATE: "predict-the-state",
};

const UserRole: Required<UserRoleResolvers> = { INSTRUCTOR: "instructor", STUDENT: "student" };

const views = new WeakMap<ExerciseHandle, ExerciseView>();
function view(h: ExerciseHandle): ExerciseView {
  let v = views.get(h);
  if (!v) views.set(h, (v = publicView(h.loaded)));
  return v;
}

function forbidden(what: string): DomainError {
  return new DomainError("FORBIDDEN", `${what}: instructors of the exercise's course only`);
}

const Query: QueryResolvers<ClassroomContext> = {
  viewer: (_p, _a, { viewer }) => (viewer.kind === "user" ? viewer : null),
  courses: (_p, _a, { viewer, classroom }) => classroom.courses(viewer),
  exercises: (_p, { course }, { viewer, classroom }) => classroom.exercises(viewer, course),
  exercise: (_p, { id }, { viewer, classroom }) => classroom.exercise(viewer, id),
  mySubmissions: (_p, { exercise }, { viewer, classroom }) => classroom.mySubmissions(viewer, exercise),
  submission: (_p, { id }, { viewer, classroom }) => classroom.submission(viewer, id),
  submissions: (_p, { course, exercise, student }, { viewer, classroom }) =>
    classroom.submissions(viewer, course, { exerciseId: exercise, userId: student }),
  gradebook: (_p, { course }, { viewer, classroom }) => classroom.gradebookCsv(viewer, course),
};

const Mutation: MutationResolvers<ClassroomContext> = {
  hint: (_p, { exercise, n }, { viewer, classroom }) => classroom.hint(viewer, exercise, n),
  submitAnswer: (_p, { exercise, answer, expectedVersion }, { viewer, classroom }) =>
    classroom.submit(viewer, exercise, answer, { expectedVersion }),
  createCourse: (_p, { name, title }, { viewer, classroom }) => classroom.createCourse(viewer, name, title ?? null),
  createExercise: (_p, { course, definition }, { viewer, classroom }) => classroom.createExercise(viewer, course, definition),
  createExerciseFromTrace: (_p, { course, trace, kind, options }, { viewer, classroom }) =>
    classroom.createExerciseFromTrace(viewer, course, trace, { ...options, kind }),
  generateExercises: (_p, { course, input }, { viewer, classroom, jobs, job }) => {
    // Students are refused before their input is looked at.
    requireInstructor(viewer, "generateExercises");
    return classroom.generateExercises(viewer, course, generationRequest(input), (payload) => jobs.run("generateExercises", payload, job));
  },
  editDraft: (_p, { id, statement, title }, { viewer, classroom }) => classroom.editDraft(viewer, id, { statement, title }),
  publishExercise: (_p, { id }, { viewer, classroom }) => classroom.publishExercise(viewer, id),
  archiveExercise: (_p, { id }, { viewer, classroom }) => classroom.archiveExercise(viewer, id),
  revealExercise: (_p, { id }, { viewer, classroom }) => classroom.revealExercise(viewer, id),
  deleteExercise: (_p, { id }, { viewer, classroom }) => classroom.deleteExercise(viewer, id),
};

const FeedbackLevel: Required<FeedbackLevelResolvers> = { FULL: "full", CHECKS: "checks", VERDICT: "verdict" };
const Difficulty: Required<DifficultyResolvers> = { EASY: "easy", MEDIUM: "medium", HARD: "hard" };
const GenerateFrom: Required<GenerateFromResolvers> = { EXPLORE: "explore", TRACE: "trace" };

const Viewer: ViewerResolvers<ClassroomContext> = {
  id: (v) => v.id,
  name: (v) => v.name,
  role: (v) => v.role,
  course: (v, _a, { viewer, classroom }) => classroom.course(viewer, v.courseId),
};

const Course: CourseResolvers<ClassroomContext> = {
  id: (c) => c.id,
  name: (c) => c.name,
  title: (c) => c.title,
  createdAt: (c) => c.createdAt.toISOString(),
  exercises: (c, _a, { viewer, classroom }) => classroom.exercises(viewer, c.id),
  students: (c, _a, { viewer, classroom }) => classroom.students(viewer, c.id),
  submissions: (c, { exercise, student }, { viewer, classroom }) => classroom.submissions(viewer, c.id, { exerciseId: exercise, userId: student }),
  gradebook: (c, _a, { viewer, classroom }) => classroom.gradebookCsv(viewer, c.id),
};

const User: UserResolvers<ClassroomContext> = {
  id: (u) => u.id,
  name: (u) => u.name,
  role: (u) => u.role,
};

const Exercise: ExerciseResolvers<ClassroomContext> = {
  id: (h) => h.loaded.ref,
  course: (h) => h.course,
  archived: (h) => h.archived,
  draft: (h) => h.draft,
  revealed: (h) => h.revealed || h.archived,
  feedback: (h) => h.loaded.def.feedback,
  attempts: (h) => h.loaded.def.attempts,
  attemptsUsed: async (h, _a, { viewer, classroom }) => (viewer.kind === "user" ? (await classroom.mySubmissions(viewer, h.loaded.ref)).length : 0),
  kind: (h) => h.loaded.def.kind,
  title: (h) => h.loaded.def.title,
  statement: (h) => h.loaded.def.statement,
  race: (h, _a, { viewer }) => view(h).race ?? (canSeeKey(viewer, h.course) ? h.loaded.def.race : null),
  hintCount: (h) => view(h).hintCount,
  hintsRevealed: (h, _a, { viewer, classroom }) => classroom.hintsRevealed(viewer, h),
  steps: (h) => view(h).steps,
  programs: (h) => view(h).programs,
  names: (h) => view(h).names,
  questions: (h) => view(h).questions,
  at: (h) => view(h).at,
  rules: (h) => view(h).rules,
  fix: (h) => view(h).fix,
  fixChoices: (h) => view(h).fixChoices,
  answerFields: (h) => view(h).answerFields,
  events: (h) => view(h).events,
  // The key is checked here, whatever path led to this exercise.
  key: (h, _a, { viewer }) => {
    if (!canSeeKey(viewer, h.course)) throw forbidden("Exercise.key");
    return keyView(h.loaded);
  },
  definition: (h, _a, { viewer }) => {
    if (!canSeeKey(viewer, h.course)) throw forbidden("Exercise.definition");
    return h.loaded.source;
  },
  mySubmissions: (h, _a, { viewer, classroom }) => (viewer.kind === "user" ? classroom.mySubmissions(viewer, h.loaded.ref) : []),
  submissions: (h, _a, { viewer, classroom }) => {
    const u = requireInstructor(viewer, "Exercise.submissions");
    const course = h.course ?? { id: u.courseId, createdBy: null };
    if (!isInstructorOf(viewer, course)) throw forbidden("Exercise.submissions");
    return classroom.submissions(viewer, course.id, { exerciseId: h.loaded.ref });
  },
};

const Hint: HintResolvers<ClassroomContext> = {
  exercise: (h) => h.exerciseId,
  n: (h) => h.n,
  text: (h) => h.text,
  of: (h) => h.of,
  revealed: (h) => h.revealed,
};

const Submission: SubmissionResolvers<ClassroomContext> = {
  id: (s) => s.id,
  exercise: (s, _a, { viewer, classroom }) => classroom.exercise(viewer, s.exerciseId),
  student: (s, _a, { viewer, classroom }) => classroom.user(viewer, s.userId),
  attempt: (s) => s.attempt,
  submittedAt: (s) => s.at.toISOString(),
  answer: (s) => s.answer,
  correct: (s) => s.grade.correct,
  score: (s) => s.grade.score,
  feedback: (s) => ({ summary: s.grade.summary, checks: s.grade.checks, replays: s.grade.replays }),
  // What the key expected: for the course's instructors, checked here.
  expected: async (s, _a, { viewer, classroom }) => {
    const course = await classroom.store.getCourse(s.courseId);
    if (!course || !isInstructorOf(viewer, course)) throw forbidden("Submission.expected");
    return s.grade.expected;
  },
};

/** The resolver map to merge with the API's (`makeExecutableSchema({ resolvers: [resolvers, exercisesResolvers] })`). */
export const exercisesResolvers: Resolvers<ClassroomContext> = {
  Query,
  Mutation,
  Viewer,
  Course,
  User,
  Exercise,
  Hint,
  Submission,
  ExerciseKind,
  UserRole,
  FeedbackLevel,
  Difficulty,
  GenerateFrom,
};

/** Fields that replay (grading, key checks) or fold many events. */
export const EXERCISES_FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  "Mutation.submitAnswer": 100,
  "Mutation.createExercise": 200,
  "Mutation.createExerciseFromTrace": 300,
  "Mutation.generateExercises": 500,
  "Mutation.editDraft": 200,
  "Query.gradebook": 50,
  "Course.gradebook": 50,
  "Exercise.key": 20,
};

/** Course boundaries of the trace store for one viewer (src/auth/traces.ts), over the classroom's tables. */
export function classroomTraceAccess(viewer: Viewer, accounts: PgClassroomStore): TraceAccess {
  return {
    async refusals(traces) {
      const out = new Map<string, string>();
      const hiding = await accounts.hidingExercises(traces.map((t) => t.id));
      for (const [traceId, exercises] of hiding) {
        const why = readRefusal(viewer, exercises);
        if (why !== null) out.set(traceId, why);
      }
      return out;
    },
    async authorizeWrite(what, trace) {
      if (!isInstructor(viewer)) requireTraceWriter(viewer, await accounts.hasUsers(), what);
      if (trace === null) return;
      const course = trace.owner.courseId === null ? null : await accounts.getCourse(trace.owner.courseId);
      const why = writeRefusal(viewer, trace.owner, course);
      if (why !== null) throw new DomainError("FORBIDDEN", `${what}: ${why}`);
    },
    newOwner: () => ownerOfNew(viewer),
  };
}

/**
 * The classroom as a module of the API: its SDL and resolvers, and for each
 * request the viewer of its `Authorization: Bearer` header (no header:
 * anonymous; a bad one: UNAUTHENTICATED, HTTP 401) and the classroom service.
 */
export function classroomModule(
  db: Database,
  store: Pick<EventStore, "findTrace" | "read">,
  opts: { libraryDir?: string; classroom?: ClassroomService } = {},
): ApiModule {
  const classroom = opts.classroom ?? classroomFor(db, store, opts.libraryDir);
  const accounts = new PgClassroomStore(db);
  // Users are never deleted: once there is one, there always is; until then, asked again every few seconds.
  let someUser: { known: boolean; at: number } = { known: false, at: 0 };
  const hasUsers = async () => {
    if (!someUser.known && Date.now() - someUser.at > 5_000) someUser = { known: await accounts.hasUsers(), at: Date.now() };
    return someUser.known;
  };
  return {
    name: "classroom",
    typeDefs: exercisesTypeDefs,
    resolvers: exercisesResolvers,
    fieldWeights: EXERCISES_FIELD_WEIGHTS,
    traceAccess: (ctx) => classroomTraceAccess((ctx as unknown as ClassroomContext).viewer, accounts),
    // A user's heavy jobs are its own; anonymous clients', their address's — an instructor's budget while
    // the database has no users (one person's own racelab).
    jobOwner: async (ctx, request) => {
      const { viewer } = ctx as unknown as ClassroomContext;
      if (viewer.kind === "user") return { key: `user:${viewer.id}`, role: viewer.role };
      return { key: `anon:${request.remoteAddress ?? "?"}`, role: (await hasUsers()) ? "anonymous" : "instructor" };
    },
    context: async (request) => {
      try {
        return { viewer: await viewerFromToken(db, request.headers.authorization), classroom } satisfies Pick<ClassroomContext, "viewer" | "classroom">;
      } catch (err) {
        throw err instanceof DomainError ? toGraphQLError(err, true) : err;
      }
    },
  };
}
