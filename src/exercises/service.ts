/**
 * The classroom as the edges use it (GraphQL resolvers, the CLI): every
 * operation takes the viewer and enforces its role first (`auth/policy.ts`),
 * then loads, grades, appends. Resolvers stay thin: no SQL, no policy of
 * their own beyond calling these and `policy` on sensitive fields.
 */
import { DomainError } from "../errors.ts";
import type { Database } from "../db/connection.ts";
import type { EventStore } from "../events/store.ts";
import { canSeeKey, canSeeSubmission, isInstructor, isInstructorOf, isMember, requireInstructor, requireInstructorOf, requireUser, type CourseRef } from "../auth/policy.ts";
import { readRefusal } from "../auth/traces.ts";
import type { Viewer } from "../auth/viewer.ts";
import { answerFromFields, type AnswerFields } from "./answers.ts";
import { definitionFromTrace, type FromTraceOptions } from "./from-trace.ts";
import { gradeAnswer } from "./grade.ts";
import { EXERCISES_DIR, library, type Library } from "./library.ts";
import { isUuid } from "../names.ts";
import { PgClassroomStore, type CourseRow, type ExerciseRow, type UserRow } from "./pg-classroom.ts";
import { hintsRevealed, rebuildGradebook, type GradebookEntry, type Stream, type StreamKey, type SubmissionEvent } from "./submissions.ts";
import { storedTrace } from "./trace.ts";
import type { Answer, FeedbackLevel, Grade, LoadedExercise } from "./types.ts";
import { studentGrade } from "./view.ts";
import { loadDefinition } from "./verify.ts";
import { editDefinition } from "./definition.ts";
import type { GenerationJob, GenerationWire } from "./generate/index.ts";
import { gradebookCsv } from "./csv.ts";

/** An exercise with where it lives. */
export interface ExerciseHandle {
  readonly loaded: LoadedExercise;
  /** null for the library. */
  readonly course: CourseRow | null;
  /** Gone from the students' lists; no more answers (the library: never). */
  readonly archived: boolean;
  /** Its trace readable by all again (the library's: always). */
  readonly revealed: boolean;
  /** Generated, not yet published: its course's instructors only see it. */
  readonly draft: boolean;
}

export const libraryHandle = (loaded: LoadedExercise): ExerciseHandle => ({ loaded, course: null, archived: false, revealed: true, draft: false });
const courseHandle = (loaded: LoadedExercise, course: CourseRow, row: ExerciseRow): ExerciseHandle => ({
  loaded,
  course,
  archived: row.archivedAt !== null,
  revealed: row.revealedAt !== null,
  draft: row.draft,
});

/** Generating exercises as the edges ask for it: the source trace by id or name (the service resolves and checks it). */
export interface GenerateExercisesRequest extends Omit<GenerationJob, "traceId" | "taken"> {
  readonly trace: string | null;
}

/** Who runs a generation: a job of the request on a server, the command itself in the CLI. */
export type GenerationRunner = (job: GenerationJob) => Promise<GenerationWire>;

export interface GeneratedExercises {
  /** Stored as drafts, in the order made. */
  readonly exercises: readonly ExerciseHandle[];
  readonly notes: readonly string[];
}

export interface SubmissionView {
  /** `<stream id>:<seq>` */
  readonly id: string;
  readonly streamId: string;
  readonly seq: number;
  /** 1 for the student's first answer to this exercise, … */
  readonly attempt: number;
  readonly at: Date;
  readonly courseId: string;
  readonly userId: string;
  readonly exerciseId: string;
  readonly answer: Answer;
  readonly grade: Grade;
  readonly exerciseHash: string;
}

export interface HintView {
  readonly exerciseId: string;
  readonly n: number;
  readonly text: string;
  /** Number of hints of the exercise. */
  readonly of: number;
  /** Hints revealed to this student so far (instructors: all). */
  readonly revealed: number;
}

export interface ClassroomDeps {
  readonly classroom: PgClassroomStore;
  /** For exercises on stored traces. */
  readonly store: Pick<EventStore, "findTrace" | "read">;
  /** seeds/exercises by default. */
  readonly libraryDir?: string;
}

/**
 * The classroom: courses, their exercises beside the shared library, hints,
 * answers graded by replay and the gradebook. Every call takes the viewer
 * and refuses what the viewer may not do (NOT_FOUND where existence is not
 * to be revealed).
 */
export interface ClassroomService {
  /** The database side (the CLI's user and course commands use it directly). */
  readonly store: PgClassroomStore;
  /** The library, and with a course its own exercises too (students: not the archived ones). */
  exercises(viewer: Viewer, courseIdOrName?: string | null): Promise<ExerciseHandle[]>;
  /** An exercise from a definition's text (instructors of the course), validated and key-checked first. */
  createExercise(viewer: Viewer, courseIdOrName: string, source: string): Promise<ExerciseHandle>;
  /** A definition made from a stored trace (`definitionFromTrace`), then as `createExercise`. */
  createExerciseFromTrace(viewer: Viewer, courseIdOrName: string, traceIdOrName: string, opts: FromTraceOptions): Promise<ExerciseHandle>;
  /**
   * Exercises written from the explorer's counterexamples or a trace's
   * findings (instructors of the course), stored as drafts the way
   * createExercise stores an exercise; the source trace is linked (hidden
   * from students while they are open).
   */
  generateExercises(viewer: Viewer, courseIdOrName: string, req: GenerateExercisesRequest, run: GenerationRunner): Promise<GeneratedExercises>;
  /** A draft's statement or title, changed (instructors of its course; drafts only: CONFLICT once published). */
  editDraft(viewer: Viewer, id: string, change: { readonly statement?: string | null; readonly title?: string | null }): Promise<ExerciseHandle>;
  /** A draft becomes visible to the course's students. */
  publishExercise(viewer: Viewer, id: string): Promise<ExerciseHandle>;
  /** The live gradebook of a course (instructors). */
  gradebook(viewer: Viewer, courseIdOrName: string): Promise<{ course: CourseRow; entries: GradebookEntry[] }>;
  /** The gradebook rebuilt from the submission events alone (instructors; for audits). */
  rebuiltGradebook(viewer: Viewer, courseIdOrName: string): Promise<{ course: CourseRow; entries: GradebookEntry[] }>;
  /** The gradebook as CSV: one row per student and exercise of the course. */
  gradebookCsv(viewer: Viewer, courseIdOrName: string): Promise<string>;
  /** The courses the viewer belongs to. */
  courses(viewer: Viewer): Promise<CourseRow[]>;
  course(viewer: Viewer, idOrName: string): Promise<CourseRow>;
  createCourse(viewer: Viewer, name: string, title: string | null): Promise<CourseRow>;
  /** An exercise the viewer may see (library id or course exercise uuid), or null. */
  exercise(viewer: Viewer, id: string): Promise<ExerciseHandle | null>;
  requireExercise(viewer: Viewer, id: string, what: string): Promise<ExerciseHandle>;
  archiveExercise(viewer: Viewer, id: string): Promise<ExerciseHandle>;
  revealExercise(viewer: Viewer, id: string): Promise<ExerciseHandle>;
  /** Deletes a course exercise with its submissions; returns its id. */
  deleteExercise(viewer: Viewer, id: string): Promise<string>;
  canSeeKey(viewer: Viewer, h: ExerciseHandle): boolean;
  /** Reveals hint n (students: one at a time, recorded in their stream). */
  hint(viewer: Viewer, exerciseId: string, n: number): Promise<HintView>;
  hintsRevealed(viewer: Viewer, h: ExerciseHandle): Promise<number>;
  /** Grades and records a student's answer (attempts and archiving enforced at the version read). */
  submit(viewer: Viewer, exerciseId: string, fields: AnswerFields, opts?: { expectedVersion?: number | null }): Promise<SubmissionView>;
  mySubmissions(viewer: Viewer, exerciseId?: string | null): Promise<SubmissionView[]>;
  submissions(viewer: Viewer, courseIdOrName: string, filter?: { exerciseId?: string | null; userId?: string | null }): Promise<SubmissionView[]>;
  submission(viewer: Viewer, id: string): Promise<SubmissionView | null>;
  user(viewer: Viewer, id: string): Promise<UserRow | null>;
  students(viewer: Viewer, courseIdOrName: string): Promise<UserRow[]>;
}

function submissionsOf(stream: Stream & { id: string }): SubmissionView[] {
  let attempt = 0;
  const out: SubmissionView[] = [];
  for (const e of stream.events) {
    if (e.type !== "answer_submitted") continue;
    attempt++;
    out.push({
      id: `${stream.id}:${e.seq}`,
      streamId: stream.id,
      seq: e.seq,
      attempt,
      at: e.at,
      courseId: stream.courseId,
      userId: stream.userId,
      exerciseId: stream.exerciseId,
      answer: e.data.answer,
      grade: e.data.grade,
      exerciseHash: e.data.exerciseHash,
    });
  }
  return out;
}

const courseRef = (c: CourseRow | null): CourseRef | null => (c ? { id: c.id, createdBy: c.createdBy } : null);

export function createClassroom(deps: ClassroomDeps): ClassroomService {
  const { classroom: db, store } = deps;
  const libDir = deps.libraryDir ?? EXERCISES_DIR;
  const lib = (): Promise<Library> => library(libDir);
  const loadedCourseExercises = new Map<string, Promise<LoadedExercise>>();

  function loadRow(row: ExerciseRow, course: CourseRow): Promise<LoadedExercise> {
    let p = loadedCourseExercises.get(row.id);
    if (!p) {
      p = loadDefinition(row.source, `exercise ${row.slug} of course ${course.name}`, { store, courseId: course.id, ref: row.id }).then(async (r) => {
        // An exercise made before exercises were linked to their traces gets its link now.
        const stored = r.exercise.trace.storedId;
        if (stored) await db.linkExerciseTraces(row.id, [stored]);
        return r.exercise;
      });
      loadedCourseExercises.set(row.id, p);
      p.catch(() => loadedCourseExercises.delete(row.id));
    }
    return p;
  }

  /** The course by id or name if the viewer belongs to it; NOT_FOUND otherwise (existence is not revealed). */
  async function visibleCourse(viewer: Viewer, idOrName: string, what: string): Promise<CourseRow> {
    requireUser(viewer, what);
    const c = await db.findCourse(idOrName);
    if (!c || !isMember(viewer, c)) throw new DomainError("NOT_FOUND", `${what}: no course ${JSON.stringify(idOrName)}`);
    return c;
  }

  async function instructedCourse(viewer: Viewer, idOrName: string, what: string): Promise<CourseRow> {
    requireInstructor(viewer, what);
    const c = await visibleCourse(viewer, idOrName, what);
    requireInstructorOf(viewer, c, what);
    return c;
  }

  /** An exercise the viewer may see, or null. */
  async function findExercise(viewer: Viewer, id: string): Promise<ExerciseHandle | null> {
    if (!isUuid(id)) {
      const l = (await lib()).get(id);
      return l ? libraryHandle(l) : null;
    }
    const row = await db.getExercise(id);
    if (!row) return null;
    const course = await db.getCourse(row.courseId);
    if (!course || !isMember(viewer, course)) return null;
    if ((row.archivedAt || row.draft) && !isInstructorOf(viewer, course)) return null;
    return courseHandle(await loadRow(row, course), course, row);
  }

  async function requireExercise(viewer: Viewer, id: string, what: string): Promise<ExerciseHandle> {
    const h = await findExercise(viewer, id);
    if (!h) throw new DomainError("NOT_FOUND", `${what}: no exercise ${JSON.stringify(id)}`);
    return h;
  }

  /** The stream a student's work on an exercise goes to: the exercise's course, or for the library the student's own. */
  function streamKey(viewer: Viewer & { kind: "user" }, h: ExerciseHandle): StreamKey {
    return { courseId: h.course?.id ?? viewer.courseId, userId: viewer.id, exerciseId: h.loaded.ref };
  }

  /** Appends after the version just read; one retry when another request got in between. */
  async function appendFresh(key: StreamKey, make: (s: Stream) => SubmissionEvent | null) {
    for (let attempt = 0; ; attempt++) {
      const s = await db.readStream(key);
      const ev = make(s);
      if (ev === null) return { stream: s, appended: null };
      try {
        const r = await db.append(key, s.version, [ev]);
        return { stream: { ...s, id: r.streamId, version: r.version, events: [...s.events, ...r.events] }, appended: r.events[0]! };
      } catch (err) {
        if (err instanceof DomainError && err.code === "CONFLICT" && attempt === 0) continue;
        throw err;
      }
    }
  }

  /**
   * Without a course: the library (public). With one: the library and the
   * course's own exercises (students: not the archived ones, nor drafts). One exercise
   * that no longer loads is left out of the list, not the list's end.
   */
  async function exercises(viewer: Viewer, courseIdOrName?: string | null): Promise<ExerciseHandle[]> {
    const shared = (await lib()).exercises.map(libraryHandle);
    if (courseIdOrName === undefined || courseIdOrName === null) return shared;
    const course = await visibleCourse(viewer, courseIdOrName, "exercises");
    const rows = (await db.listExercises(course.id)).filter((row) => (!row.archivedAt && !row.draft) || isInstructorOf(viewer, course));
    const own = await Promise.all(rows.map((row) => loadRow(row, course).then((loaded) => courseHandle(loaded, course, row), () => null)));
    return [...shared, ...own.filter((h): h is ExerciseHandle => h !== null)];
  }

  /** A course exercise its instructor changes: archive, reveal, delete. */
  async function instructedExercise(viewer: Viewer, id: string, what: string): Promise<{ row: ExerciseRow; course: CourseRow }> {
    requireInstructor(viewer, what);
    const row = isUuid(id) ? await db.getExercise(id) : null;
    if (!row) throw new DomainError(isUuid(id) ? "NOT_FOUND" : "BAD_USER_INPUT", isUuid(id) ? `${what}: no exercise ${JSON.stringify(id)}` : `${what}: ${JSON.stringify(id)} is a library exercise (a file of seeds/exercises): only a course's own exercises change`);
    const course = await db.getCourse(row.courseId);
    if (!course || !isMember(viewer, course)) throw new DomainError("NOT_FOUND", `${what}: no exercise ${JSON.stringify(id)}`);
    requireInstructorOf(viewer, course, what);
    return { row, course };
  }

  /**
   * Validates and key-checks a definition, then stores it with the stored
   * traces it is made of (its own, and `sources` it was made from) linked.
   */
  async function storeExercise(
    viewer: Viewer,
    course: CourseRow,
    source: string,
    what: string,
    opts: { readonly draft: boolean; readonly sources?: readonly string[] },
  ): Promise<ExerciseHandle> {
    const u = requireInstructor(viewer, what);
    if (source.length > 1_000_000) throw new DomainError("PAYLOAD_TOO_LARGE", "definition: larger than 1 MB");
    // Validated and key-checked before anything is stored.
    const { exercise } = await loadDefinition(source, "definition", { store, courseId: course.id });
    const traces = [...new Set([...(exercise.trace.storedId ? [exercise.trace.storedId] : []), ...(opts.sources ?? [])])];
    for (const t of traces) await requireReadable(viewer, t, what);
    const row = await db.createExercise(
      { courseId: course.id, slug: exercise.def.id, kind: exercise.def.kind, title: exercise.def.title, source, createdBy: u.id, draft: opts.draft },
      traces,
    );
    const loaded: LoadedExercise = { ...exercise, ref: row.id, origin: `exercise ${row.slug} of course ${course.name}` };
    loadedCourseExercises.set(row.id, Promise.resolve(loaded));
    return courseHandle(loaded, course, row);
  }

  async function createExercise(viewer: Viewer, courseIdOrName: string, source: string): Promise<ExerciseHandle> {
    requireInstructor(viewer, "createExercise");
    const course = await instructedCourse(viewer, courseIdOrName, "createExercise");
    return storeExercise(viewer, course, source, "createExercise", { draft: false });
  }

  async function generateExercises(viewer: Viewer, courseIdOrName: string, req: GenerateExercisesRequest, run: GenerationRunner): Promise<GeneratedExercises> {
    requireInstructor(viewer, "generateExercises");
    const course = await instructedCourse(viewer, courseIdOrName, "generateExercises");
    let traceId: string | null = null;
    if (req.trace !== null) {
      const t = await store.findTrace(req.trace);
      if (!t) throw new DomainError("NOT_FOUND", `generateExercises: no trace ${JSON.stringify(req.trace)}`);
      await requireReadable(viewer, t.id, "generateExercises");
      traceId = t.id;
    }
    const { trace: _trace, ...job } = req;
    const made = await run({ ...job, traceId, taken: (await db.listExercises(course.id)).map((r) => r.slug) });
    const exercises: ExerciseHandle[] = [];
    for (const m of made.exercises) exercises.push(await storeExercise(viewer, course, m.source, "generateExercises", { draft: true, sources: traceId ? [traceId] : [] }));
    return { exercises, notes: made.notes };
  }

  /** A draft of a course the viewer instructs. */
  async function instructedDraft(viewer: Viewer, id: string, what: string): Promise<{ row: ExerciseRow; course: CourseRow }> {
    const found = await instructedExercise(viewer, id, what);
    if (!found.row.draft) throw new DomainError("CONFLICT", `${what}: exercise ${found.row.slug} is published: only drafts change (answers were graded against it)`);
    return found;
  }

  async function editDraft(viewer: Viewer, id: string, change: { readonly statement?: string | null; readonly title?: string | null }): Promise<ExerciseHandle> {
    const { row, course } = await instructedDraft(viewer, id, "editDraft");
    const fields = Object.fromEntries(Object.entries(change).filter((kv): kv is [string, string] => typeof kv[1] === "string"));
    if (Object.keys(fields).length === 0) throw new DomainError("BAD_USER_INPUT", "editDraft: give a statement or a title");
    const origin = `exercise ${row.slug} of course ${course.name}`;
    const source = editDefinition(row.source, origin, fields);
    const { exercise } = await loadDefinition(source, origin, { store, courseId: course.id, ref: row.id });
    const updated = await db.updateDraft(row.id, { source, title: exercise.def.title });
    loadedCourseExercises.set(row.id, Promise.resolve(exercise));
    return courseHandle(exercise, course, updated);
  }

  /** An exercise may not be built on a trace its author may not read (another course's open exercise). */
  async function requireReadable(viewer: Viewer, traceId: string, what: string): Promise<void> {
    const why = readRefusal(viewer, (await db.hidingExercises([traceId])).get(traceId) ?? []);
    if (why !== null) throw new DomainError("FORBIDDEN", `${what}: ${why}`);
  }

  /** The live gradebook of a course (instructors). */
  async function gradebook(viewer: Viewer, courseIdOrName: string): Promise<{ course: CourseRow; entries: GradebookEntry[] }> {
    const course = await instructedCourse(viewer, courseIdOrName, "gradebook");
    return { course, entries: await db.liveGradebook(course.id) };
  }

  return {
    store: db,
    exercises,
    createExercise,
    generateExercises,
    editDraft,
    gradebook,

    async courses(viewer: Viewer): Promise<CourseRow[]> {
      if (viewer.kind !== "user") return [];
      return (await db.listCourses()).filter((c) => isMember(viewer, c));
    },

    course: (viewer: Viewer, idOrName: string) => visibleCourse(viewer, idOrName, "course"),

    async createCourse(viewer: Viewer, name: string, title: string | null): Promise<CourseRow> {
      const u = requireInstructor(viewer, "createCourse");
      return db.createCourse({ name, title, createdBy: u.id });
    },


    exercise: findExercise,
    requireExercise,

    /** Archives a course exercise: students no longer see or answer it; its trace is readable again. */
    async archiveExercise(viewer: Viewer, id: string): Promise<ExerciseHandle> {
      const { row, course } = await instructedExercise(viewer, id, "archiveExercise");
      const marked = await db.markExercise(row.id, "archived");
      return courseHandle(await loadRow(marked, course), course, marked);
    },

    /** Reveals a course exercise: its trace becomes readable by everyone (answers still count). */
    async revealExercise(viewer: Viewer, id: string): Promise<ExerciseHandle> {
      const { row, course } = await instructedExercise(viewer, id, "revealExercise");
      const marked = await db.markExercise(row.id, "revealed");
      return courseHandle(await loadRow(marked, course), course, marked);
    },

    async publishExercise(viewer: Viewer, id: string): Promise<ExerciseHandle> {
      const { row, course } = await instructedExercise(viewer, id, "publishExercise");
      const published = await db.publishExercise(row.id);
      return courseHandle(await loadRow(published, course), course, published);
    },

    /** Deletes a course exercise with its submissions; its trace may be deleted afterwards. */
    async deleteExercise(viewer: Viewer, id: string): Promise<string> {
      const { row } = await instructedExercise(viewer, id, "deleteExercise");
      await db.deleteExercise(row.id);
      loadedCourseExercises.delete(row.id);
      return row.id;
    },

    canSeeKey: (viewer: Viewer, h: ExerciseHandle) => canSeeKey(viewer, courseRef(h.course)),

    async hint(viewer: Viewer, exerciseId: string, n: number): Promise<HintView> {
      const u = requireUser(viewer, "hint");
      const h = await requireExercise(viewer, exerciseId, "hint");
      const hints = h.loaded.def.hints;
      if (!Number.isInteger(n) || n < 1 || n > hints.length) throw new DomainError("BAD_USER_INPUT", `n: this exercise has hints 1..${hints.length}`);
      if (isInstructor(u)) return { exerciseId: h.loaded.ref, n, text: hints[n - 1]!, of: hints.length, revealed: hints.length };
      const { stream } = await appendFresh(streamKey(u, h), (s) => {
        const revealed = hintsRevealed(s.events);
        if (n > revealed + 1) throw new DomainError("BAD_USER_INPUT", `n: hints come one at a time: reveal hint ${revealed + 1} first`);
        return n === revealed + 1 ? { type: "hint_revealed", data: { n } } : null;
      });
      return { exerciseId: h.loaded.ref, n, text: hints[n - 1]!, of: hints.length, revealed: hintsRevealed(stream.events) };
    },

    /** Hints revealed to the viewer so far (instructors: all). */
    async hintsRevealed(viewer: Viewer, h: ExerciseHandle): Promise<number> {
      if (viewer.kind !== "user") return 0;
      if (isInstructor(viewer)) return h.loaded.def.hints.length;
      return hintsRevealed((await db.readStream(streamKey(viewer, h))).events);
    },

    /**
     * Grades and records a student's answer: not on an archived exercise,
     * and no more than its attempts (counted in the stream the answer is
     * appended to, at the version read: two answers at once cannot both be
     * the last one). The grade returned is as the exercise's feedback shows it.
     */
    async submit(viewer: Viewer, exerciseId: string, fields: AnswerFields, opts: { expectedVersion?: number | null } = {}): Promise<SubmissionView> {
      const u = requireUser(viewer, "submitAnswer");
      if (u.role !== "student") throw new DomainError("FORBIDDEN", "submitAnswer: only students submit answers (try one locally: racelab exercise try)");
      const h = await requireExercise(viewer, exerciseId, "submitAnswer");
      if (h.archived) throw new DomainError("FORBIDDEN", `submitAnswer: exercise ${JSON.stringify(h.loaded.def.id)} is archived`);
      const answer = answerFromFields(h.loaded.def.kind, fields);
      const key = streamKey(u, h);
      const limit = h.loaded.def.attempts;
      const event = (s: Stream): SubmissionEvent => {
        const used = s.events.filter((e) => e.type === "answer_submitted").length;
        if (limit !== null && used >= limit) throw new DomainError("FORBIDDEN", `submitAnswer: no attempts left (${used} of ${limit} used)`);
        return { type: "answer_submitted", data: { answer, grade: gradeAnswer(h.loaded, answer), exerciseHash: h.loaded.hash } };
      };
      let streamId: string;
      let seq: number;
      if (opts.expectedVersion == null) {
        const { stream, appended } = await appendFresh(key, event);
        streamId = stream.id!;
        seq = appended!.seq;
      } else {
        const r = await db.append(key, opts.expectedVersion, [event(await db.readStream(key))]);
        streamId = r.streamId;
        seq = r.events[0]!.seq;
      }
      const stream = await db.readStream(key);
      const sub = submissionsOf({ ...stream, id: streamId }).find((s) => s.seq === seq)!;
      return { ...sub, grade: studentGrade(sub.grade, h.loaded.def.feedback) };
    },

    /** The viewer's own submissions (students; instructors have none), their grades as each exercise's feedback shows them. */
    async mySubmissions(viewer: Viewer, exerciseId?: string | null): Promise<SubmissionView[]> {
      const u = requireUser(viewer, "mySubmissions");
      if (u.role !== "student") return [];
      const streams = await db.listStreams({ courseId: u.courseId, userId: u.id, ...(exerciseId ? { exerciseId } : {}) });
      const levels = new Map<string, FeedbackLevel>();
      for (const s of streams) {
        if (!levels.has(s.exerciseId)) levels.set(s.exerciseId, (await findExercise(viewer, s.exerciseId))?.loaded.def.feedback ?? "verdict");
      }
      return streams.flatMap((s) => submissionsOf(s as Stream & { id: string }).map((sub) => ({ ...sub, grade: studentGrade(sub.grade, levels.get(s.exerciseId)!) })));
    },

    /** Every submission of a course (instructors of the course). */
    async submissions(viewer: Viewer, courseIdOrName: string, filter: { exerciseId?: string | null; userId?: string | null } = {}): Promise<SubmissionView[]> {
      const course = await instructedCourse(viewer, courseIdOrName, "submissions");
      const streams = await db.listStreams({ courseId: course.id, ...(filter.exerciseId ? { exerciseId: filter.exerciseId } : {}), ...(filter.userId ? { userId: filter.userId } : {}) });
      return streams.flatMap((s) => submissionsOf(s as Stream & { id: string }));
    },

    /** One submission: its owner or an instructor of its course; NOT_FOUND for anyone else. */
    async submission(viewer: Viewer, id: string): Promise<SubmissionView | null> {
      requireUser(viewer, "submission");
      const m = /^([0-9a-f-]{36}):([0-9]+)$/i.exec(id);
      if (!m) return null;
      const stream = await db.getStream(m[1]!);
      if (!stream || stream.id === null) return null;
      const course = await db.getCourse(stream.courseId);
      if (!course || !canSeeSubmission(viewer, stream.userId, course)) return null;
      const sub = submissionsOf(stream as Stream & { id: string }).find((s) => s.seq === Number(m[2])) ?? null;
      if (!sub || isInstructorOf(viewer, course)) return sub;
      const level = (await findExercise(viewer, stream.exerciseId))?.loaded.def.feedback ?? "verdict";
      return { ...sub, grade: studentGrade(sub.grade, level) };
    },

    /** A user, for Submission.student: the user themself or an instructor of their course. */
    async user(viewer: Viewer, id: string): Promise<UserRow | null> {
      requireUser(viewer, "user");
      const user = await db.getUser(id);
      if (!user) return null;
      if (viewer.kind === "user" && viewer.id === id) return user;
      const course = await db.getCourse(user.courseId);
      return course && isInstructor(viewer) && isMember(viewer, course) ? user : null;
    },

    async students(viewer: Viewer, courseIdOrName: string): Promise<UserRow[]> {
      const course = await instructedCourse(viewer, courseIdOrName, "students");
      return (await db.listUsers(course.id)).filter((u) => u.role === "student");
    },


    async createExerciseFromTrace(viewer: Viewer, courseIdOrName: string, traceIdOrName: string, opts: FromTraceOptions): Promise<ExerciseHandle> {
      requireInstructor(viewer, "createExerciseFromTrace");
      await instructedCourse(viewer, courseIdOrName, "createExerciseFromTrace");
      const info = await store.findTrace(traceIdOrName);
      if (!info) throw new DomainError("NOT_FOUND", `trace: no trace ${JSON.stringify(traceIdOrName)}`);
      if (info.version === 0) throw new DomainError("BAD_USER_INPUT", `trace: ${info.name} has no events`);
      const events = await store.read(info.id, { from: 1, to: info.version });
      const source = definitionFromTrace(info, storedTrace(events, info.name), opts);
      return createExercise(viewer, courseIdOrName, source);
    },


    /** The gradebook rebuilt from the submission events alone (instructors; for audits). */
    async rebuiltGradebook(viewer: Viewer, courseIdOrName: string): Promise<{ course: CourseRow; entries: GradebookEntry[] }> {
      const course = await instructedCourse(viewer, courseIdOrName, "gradebook");
      return { course, entries: rebuildGradebook(await db.listStreams({ courseId: course.id })) };
    },

    /** The gradebook as CSV: one row per student and exercise of the course. */
    async gradebookCsv(viewer: Viewer, courseIdOrName: string): Promise<string> {
      const { course, entries } = await gradebook(viewer, courseIdOrName);
      const students = (await db.listUsers(course.id)).filter((u) => u.role === "student");
      const listed = (await exercises(viewer, course.id)).filter((e) => !e.draft);
      return gradebookCsv(course, students, listed.map((e) => e.loaded), entries);
    },
  };
}


/** The classroom over racelab's database and event store: what the server and the CLI build once. */
export function classroomFor(db: Database, store: Pick<EventStore, "findTrace" | "read">, libraryDir?: string): ClassroomService {
  return createClassroom({ classroom: new PgClassroomStore(db), store, ...(libraryDir ? { libraryDir } : {}) });
}
