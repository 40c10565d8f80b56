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
 */
import { readFileSync } from "node:fs";
import { DomainError } from "../errors.ts";
import type { Database } from "../db/connection.ts";
import type { EventStore } from "../events/store.ts";
import { viewerFromToken } from "../auth/viewer.ts";
import { classroomFor } from "../exercises/service.ts";
import type { ApiModule } from "./context.ts";
import { toGraphQLError } from "./errors.ts";
import { canSeeKey, isInstructor, isInstructorOf, requireInstructor, requireTraceWriter, type UserViewer } from "../auth/policy.ts";
import type { Viewer } from "../auth/viewer.ts";
import { PgClassroomStore, type CourseRow, type UserRow } from "../exercises/pg-classroom.ts";
import type { ClassroomService, ExerciseHandle, HintView, SubmissionView } from "../exercises/service.ts";
import { keyView, publicView, type ExerciseView } from "../exercises/view.ts";
import type { ExerciseKind } from "../exercises/types.ts";
import type { AnswerFields } from "../exercises/answers.ts";
import type { FromTraceOptions } from "../exercises/from-trace.ts";

export const exercisesTypeDefs = readFileSync(new URL("./exercises.graphql", import.meta.url), "utf8");

/** What these resolvers need in the GraphQL context (besides whatever else it holds). */
export interface ClassroomContext {
  readonly viewer: Viewer;
  readonly classroom: ClassroomService;
}

type Args = Record<string, unknown>;
type Resolver<P = unknown, R = unknown> = (parent: P, args: Args, ctx: ClassroomContext) => R | Promise<R>;

const KIND_ENUM: Record<string, ExerciseKind> = {
  SPOT_THE_RACE: "spot-the-race",
  BE_THE_SCHEDULER: "be-the-scheduler",
  WHICH_FIX: "which-fix",
  PREDICT_THE_STATE: "predict-the-state",
};

const views = new WeakMap<ExerciseHandle, ExerciseView>();
function view(h: ExerciseHandle): ExerciseView {
  let v = views.get(h);
  if (!v) views.set(h, (v = publicView(h.loaded)));
  return v;
}

function forbidden(what: string): DomainError {
  return new DomainError("FORBIDDEN", `${what}: instructors of the exercise's course only`);
}

const str = (a: Args, k: string): string => a[k] as string;
const optStr = (a: Args, k: string): string | null => (a[k] as string | null | undefined) ?? null;

const Query: Record<string, Resolver> = {
  viewer: (_p, _a, { viewer }) => (viewer.kind === "user" ? viewer : null),
  courses: (_p, _a, { viewer, classroom }) => classroom.courses(viewer),
  exercises: (_p, a, { viewer, classroom }) => classroom.exercises(viewer, optStr(a, "course")),
  exercise: (_p, a, { viewer, classroom }) => classroom.exercise(viewer, str(a, "id")),
  mySubmissions: (_p, a, { viewer, classroom }) => classroom.mySubmissions(viewer, optStr(a, "exercise")),
  submission: (_p, a, { viewer, classroom }) => classroom.submission(viewer, str(a, "id")),
  submissions: (_p, a, { viewer, classroom }) =>
    classroom.submissions(viewer, str(a, "course"), { exerciseId: optStr(a, "exercise"), userId: optStr(a, "student") }),
  gradebook: (_p, a, { viewer, classroom }) => classroom.gradebookCsv(viewer, str(a, "course")),
};

const Mutation: Record<string, Resolver> = {
  hint: (_p, a, { viewer, classroom }) => classroom.hint(viewer, str(a, "exercise"), a.n as number),
  submitAnswer: (_p, a, { viewer, classroom }) =>
    classroom.submit(viewer, str(a, "exercise"), a.answer as AnswerFields, { expectedVersion: (a.expectedVersion as number | null | undefined) ?? null }),
  createCourse: (_p, a, { viewer, classroom }) => classroom.createCourse(viewer, str(a, "name"), optStr(a, "title")),
  createExercise: (_p, a, { viewer, classroom }) => classroom.createExercise(viewer, str(a, "course"), str(a, "definition")),
  createExerciseFromTrace: (_p, a, { viewer, classroom }) =>
    classroom.createExerciseFromTrace(viewer, str(a, "course"), str(a, "trace"), {
      ...((a.options as Omit<FromTraceOptions, "kind"> | null | undefined) ?? {}),
      kind: a.kind as ExerciseKind,
    }),
};

const Viewer: Record<string, Resolver<UserViewer>> = {
  id: (v) => v.id,
  name: (v) => v.name,
  role: (v) => v.role,
  course: (v, _a, { viewer, classroom }) => classroom.course(viewer, v.courseId),
};

const Course: Record<string, Resolver<CourseRow>> = {
  id: (c) => c.id,
  name: (c) => c.name,
  title: (c) => c.title,
  createdAt: (c) => c.createdAt.toISOString(),
  exercises: (c, _a, { viewer, classroom }) => classroom.exercises(viewer, c.id),
  students: (c, _a, { viewer, classroom }) => classroom.students(viewer, c.id),
  submissions: (c, a, { viewer, classroom }) => classroom.submissions(viewer, c.id, { exerciseId: optStr(a, "exercise"), userId: optStr(a, "student") }),
  gradebook: (c, _a, { viewer, classroom }) => classroom.gradebookCsv(viewer, c.id),
};

const User: Record<string, Resolver<UserRow>> = {
  id: (u) => u.id,
  name: (u) => u.name,
  role: (u) => u.role,
};

const Exercise: Record<string, Resolver<ExerciseHandle>> = {
  id: (h) => h.loaded.ref,
  course: (h) => h.course,
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

const Hint: Record<string, Resolver<HintView>> = {
  exercise: (h) => h.exerciseId,
  n: (h) => h.n,
  text: (h) => h.text,
  of: (h) => h.of,
  revealed: (h) => h.revealed,
};

const Submission: Record<string, Resolver<SubmissionView>> = {
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
export const exercisesResolvers = {
  Query,
  Mutation,
  Viewer,
  Course,
  User,
  Exercise,
  Hint,
  Submission,
  ExerciseKind: { SPOT_THE_RACE: KIND_ENUM.SPOT_THE_RACE, BE_THE_SCHEDULER: KIND_ENUM.BE_THE_SCHEDULER, WHICH_FIX: KIND_ENUM.WHICH_FIX, PREDICT_THE_STATE: KIND_ENUM.PREDICT_THE_STATE },
  UserRole: { INSTRUCTOR: "instructor", STUDENT: "student" },
};

/** Fields that replay (grading, key checks) or fold many events. */
export const EXERCISES_FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  "Mutation.submitAnswer": 100,
  "Mutation.createExercise": 200,
  "Mutation.createExerciseFromTrace": 300,
  "Query.gradebook": 50,
  "Course.gradebook": 50,
  "Exercise.key": 20,
};

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
  return {
    name: "classroom",
    typeDefs: exercisesTypeDefs,
    resolvers: exercisesResolvers,
    fieldWeights: EXERCISES_FIELD_WEIGHTS,
    authorizeTraceWrite: async (ctx, what) => {
      const { viewer } = ctx as unknown as ClassroomContext;
      if (!isInstructor(viewer)) requireTraceWriter(viewer, await accounts.hasUsers(), what);
    },
    context: async (request) => {
      try {
        return { viewer: await viewerFromToken(db, request.headers.authorization), classroom } satisfies ClassroomContext;
      } catch (err) {
        throw err instanceof DomainError ? toGraphQLError(err, true) : err;
      }
    },
  };
}
