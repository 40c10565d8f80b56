/**
 * The classroom's PostgreSQL adapter: courses, users, course exercises and the
 * submission streams with their live gradebook. Prisma for ordinary queries;
 * parameterised SQL on one pooled connection for the append, which takes the
 * stream's row lock, checks the expected version, inserts the events and
 * folds them into the gradebook row — all in one transaction, so the live
 * gradebook never disagrees with the events.
 */
import { checkName, isUuid } from "../names.ts";
import type { HidingExercise } from "../auth/traces.ts";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { DomainError } from "../errors.ts";
import { appendToStream, databaseError, inTransaction } from "../db/transaction.ts";
import type { Database } from "../db/connection.ts";
import type { UserRole } from "../auth/viewer.ts";
import type { ExpectedVersion } from "../db/transaction.ts";
import {
  decodeSubmissionEvent,
  evolveEntry,
  initialEntry,
  type GradebookEntry,
  type Stream,
  type StreamKey,
  type StoredSubmissionEvent,
  type SubmissionEvent,
} from "./submissions.ts";


export interface CourseRow {
  readonly id: string;
  readonly name: string;
  readonly title: string | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

export interface UserRow {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  readonly courseId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface ExerciseRow {
  readonly id: string;
  readonly courseId: string;
  readonly slug: string;
  readonly kind: string;
  readonly title: string;
  readonly source: string;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly archivedAt: Date | null;
  readonly revealedAt: Date | null;
  /** Generated, not yet published: for its course's instructors only. */
  readonly draft: boolean;
}


/** Prisma's unique-constraint violation, through the pg adapter. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string; originalCode?: string } } | null;
  return e?.code === "P2002" || e?.code === "23505" || e?.cause?.code === "23505" || e?.cause?.originalCode === "23505";
}

type UserRecord = { id: string; name: string; role: string; courseId: string; createdAt: Date; expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null };
const userRow = (u: UserRecord): UserRow => ({
  id: u.id,
  name: u.name,
  role: u.role as UserRole,
  courseId: u.courseId,
  createdAt: u.createdAt,
  expiresAt: u.expiresAt,
  revokedAt: u.revokedAt,
  lastUsedAt: u.lastUsedAt,
});

export class PgClassroomStore {
  constructor(readonly db: Database) {}

  private get prisma() {
    return this.db.prisma;
  }

  // ---- courses ----------------------------------------------------------------------------

  async createCourse(c: { name: string; title?: string | null; createdBy?: string | null }): Promise<CourseRow> {
    const name = c.name.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new DomainError("BAD_USER_INPUT", `course name ${JSON.stringify(c.name)}: use letters, digits, ., _ and -, at most 64 characters`);
    }
    try {
      const title = c.title == null ? null : checkName("title", c.title);
      return await this.prisma.course.create({ data: { id: randomUUID(), name, title, createdBy: c.createdBy ?? null } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a course named ${JSON.stringify(name)} exists already`);
      throw databaseError(`creating course ${name}`, err);
    }
  }

  /** By id or by name. */
  async findCourse(idOrName: string): Promise<CourseRow | null> {
    if (isUuid(idOrName)) {
      const byId = await this.prisma.course.findUnique({ where: { id: idOrName } });
      if (byId) return byId;
    }
    return this.prisma.course.findUnique({ where: { name: idOrName } });
  }

  async getCourse(id: string): Promise<CourseRow | null> {
    return isUuid(id) ? this.prisma.course.findUnique({ where: { id } }) : null;
  }

  async listCourses(): Promise<CourseRow[]> {
    return this.prisma.course.findMany({ orderBy: [{ createdAt: "asc" }, { name: "asc" }] });
  }

  // ---- users --------------------------------------------------------------------------------

  async addUser(u: { name: string; role: UserRole; courseId: string; tokenHash: string; expiresAt: Date | null }): Promise<UserRow> {
    try {
      return userRow(
        await this.prisma.user.create({ data: { id: randomUUID(), name: u.name, role: u.role, courseId: u.courseId, tokenHash: u.tokenHash, expiresAt: u.expiresAt } }),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError("CONFLICT", "token hash collision: try again");
      throw databaseError(`adding user ${u.name}`, err);
    }
  }

  async getUser(id: string): Promise<UserRow | null> {
    if (!isUuid(id)) return null;
    const u = await this.prisma.user.findUnique({ where: { id } });
    return u ? userRow(u) : null;
  }

  /** Whether anyone was ever given a token: a database without users is one person's own. */
  async hasUsers(): Promise<boolean> {
    return (await this.prisma.user.findFirst({ select: { id: true } })) !== null;
  }

  /** Revokes the tokens of the users `idOrName` names (an id, or a name of one user); the revoked rows. */
  async revokeUser(idOrName: string): Promise<UserRow> {
    const matches = isUuid(idOrName)
      ? await this.prisma.user.findMany({ where: { id: idOrName } })
      : await this.prisma.user.findMany({ where: { name: idOrName }, orderBy: { createdAt: "asc" } });
    if (matches.length === 0) throw new DomainError("NOT_FOUND", `no user ${JSON.stringify(idOrName)} (racelab user list shows them)`);
    if (matches.length > 1) {
      throw new DomainError("CONFLICT", `${matches.length} users are named ${JSON.stringify(idOrName)}: give an id (${matches.map((m) => m.id).join(", ")})`);
    }
    const u = matches[0]!;
    return userRow(u.revokedAt ? u : await this.prisma.user.update({ where: { id: u.id }, data: { revokedAt: new Date() } }));
  }

  async listUsers(courseId?: string): Promise<UserRow[]> {
    const rows = await this.prisma.user.findMany({ where: courseId ? { courseId } : {}, orderBy: [{ name: "asc" }, { createdAt: "asc" }] });
    return rows.map(userRow);
  }

  // ---- traces and the exercises on them ---------------------------------------------------------

  /**
   * The open exercises (neither revealed nor archived) that hide each of
   * `traceIds`: exercises on the trace itself or on a trace it is a fork of
   * (a fork shares its base's events).
   */
  async hidingExercises(traceIds: readonly string[]): Promise<Map<string, HidingExercise[]>> {
    const out = new Map<string, HidingExercise[]>();
    const ids = traceIds.filter(isUuid);
    if (ids.length === 0) return out;
    const { rows } = await this.db.pool.query<{ trace_id: string; exercise_id: string; slug: string; course_id: string; course_name: string; created_by: string | null }>(
      `WITH RECURSIVE chain(trace_id, member) AS (
         SELECT id, id FROM traces WHERE id = ANY($1::uuid[])
         UNION ALL
         SELECT chain.trace_id, t.base_id FROM chain JOIN traces t ON t.id = chain.member WHERE t.base_id IS NOT NULL
       )
       SELECT chain.trace_id, e.id AS exercise_id, e.slug, c.id AS course_id, c.name AS course_name, c.created_by
       FROM chain JOIN exercise_traces et ON et.trace_id = chain.member
       JOIN exercises e ON e.id = et.exercise_id AND e.archived_at IS NULL AND e.revealed_at IS NULL
       JOIN courses c ON c.id = e.course_id
       ORDER BY c.name, e.slug`,
      [ids],
    );
    for (const r of rows) {
      const list = out.get(r.trace_id) ?? [];
      list.push({ exerciseId: r.exercise_id, slug: r.slug, course: { id: r.course_id, name: r.course_name, createdBy: r.created_by } });
      out.set(r.trace_id, list);
    }
    return out;
  }

  // ---- course exercises -------------------------------------------------------------------------

  /**
   * A course's exercise and the stored traces it is made of, in one
   * transaction: the traces are linked (hidden while it is open, kept while
   * it exists), and one made on the machine (no course) becomes the course's.
   */
  async createExercise(
    e: { courseId: string; slug: string; kind: string; title: string; source: string; createdBy: string | null; draft?: boolean },
    traceIds: readonly string[] = [],
  ): Promise<ExerciseRow> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const row = await tx.exercise.create({ data: { id: randomUUID(), ...e } });
        if (traceIds.length > 0) {
          await tx.exerciseTrace.createMany({ data: traceIds.map((traceId) => ({ exerciseId: row.id, traceId })) });
          await tx.trace.updateMany({ where: { id: { in: [...traceIds] }, courseId: null }, data: { courseId: e.courseId } });
        }
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `the course has an exercise with id ${JSON.stringify(e.slug)} already`);
      throw databaseError(`creating exercise ${e.slug}`, err);
    }
  }

  /** Links an exercise made before links existed to its stored traces (nothing when they are linked). */
  async linkExerciseTraces(exerciseId: string, traceIds: readonly string[]): Promise<void> {
    if (traceIds.length === 0) return;
    await this.prisma.exerciseTrace.createMany({ data: traceIds.map((traceId) => ({ exerciseId, traceId })), skipDuplicates: true });
  }

  /** Archives or reveals an exercise (a second time keeps the first time). */
  async markExercise(id: string, mark: "archived" | "revealed"): Promise<ExerciseRow> {
    const field = mark === "archived" ? "archivedAt" : "revealedAt";
    const row = await this.prisma.exercise.findUnique({ where: { id } });
    if (!row) throw new DomainError("NOT_FOUND", `no exercise ${JSON.stringify(id)}`);
    return row[field] ? row : this.prisma.exercise.update({ where: { id }, data: { [field]: new Date() } });
  }

  /** Publishes a draft: its students see it from now on (a published one stays as it is). */
  async publishExercise(id: string): Promise<ExerciseRow> {
    const row = await this.prisma.exercise.findUnique({ where: { id } });
    if (!row) throw new DomainError("NOT_FOUND", `no exercise ${JSON.stringify(id)}`);
    return row.draft ? this.prisma.exercise.update({ where: { id }, data: { draft: false } }) : row;
  }

  /** A draft's new definition (already validated and key-checked); CONFLICT once it is published. */
  async updateDraft(id: string, change: { source: string; title: string }): Promise<ExerciseRow> {
    const { count } = await this.prisma.exercise.updateMany({ where: { id, draft: true }, data: change });
    if (count === 0) {
      const row = await this.prisma.exercise.findUnique({ where: { id } });
      if (!row) throw new DomainError("NOT_FOUND", `no exercise ${JSON.stringify(id)}`);
      throw new DomainError("CONFLICT", `exercise ${row.slug} is published: only drafts change (their students' answers were graded against it)`);
    }
    return (await this.prisma.exercise.findUnique({ where: { id } }))!;
  }

  /** Deletes an exercise with its students' submissions and gradebook rows; its traces are freed. */
  async deleteExercise(id: string): Promise<void> {
    await this.transaction(`deleting exercise ${id}`, async (client) => {
      const { rows } = await client.query<{ course_id: string }>("DELETE FROM exercises WHERE id = $1 RETURNING course_id", [id]);
      if (!rows[0]) throw new DomainError("NOT_FOUND", `no exercise ${JSON.stringify(id)}`);
      // Submission streams name their exercise by id (the library's by slug): no foreign key to cascade.
      await client.query("DELETE FROM submission_streams WHERE course_id = $1 AND exercise_id = $2", [rows[0].course_id, id]);
      await client.query("DELETE FROM gradebook_entries WHERE course_id = $1 AND exercise_id = $2", [rows[0].course_id, id]);
    });
  }

  async getExercise(id: string): Promise<ExerciseRow | null> {
    return isUuid(id) ? this.prisma.exercise.findUnique({ where: { id } }) : null;
  }

  async listExercises(courseId: string): Promise<ExerciseRow[]> {
    return this.prisma.exercise.findMany({ where: { courseId }, orderBy: [{ createdAt: "asc" }, { slug: "asc" }] });
  }

  // ---- submission streams ----------------------------------------------------------------------------

  async readStream(key: StreamKey): Promise<Stream> {
    const s = await this.prisma.submissionStream.findUnique({
      where: { courseId_userId_exerciseId: { courseId: key.courseId, userId: key.userId, exerciseId: key.exerciseId } },
      include: { events: { orderBy: { seq: "asc" } } },
    });
    if (!s) return { ...key, id: null, version: 0, events: [] };
    return { ...key, id: s.id, version: s.version, events: s.events.map((e) => decodeSubmissionEvent(e, `stream ${s.id}`)) };
  }

  async getStream(id: string): Promise<Stream | null> {
    if (!isUuid(id)) return null;
    const s = await this.prisma.submissionStream.findUnique({ where: { id }, include: { events: { orderBy: { seq: "asc" } } } });
    if (!s) return null;
    return { courseId: s.courseId, userId: s.userId, exerciseId: s.exerciseId, id: s.id, version: s.version, events: s.events.map((e) => decodeSubmissionEvent(e, `stream ${s.id}`)) };
  }

  /** Streams of a course, optionally of one exercise and/or one student, with their events. */
  async listStreams(filter: { courseId: string; exerciseId?: string; userId?: string }): Promise<Stream[]> {
    const rows = await this.prisma.submissionStream.findMany({
      where: { courseId: filter.courseId, ...(filter.exerciseId ? { exerciseId: filter.exerciseId } : {}), ...(filter.userId ? { userId: filter.userId } : {}) },
      include: { events: { orderBy: { seq: "asc" } } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map((s) => ({
      courseId: s.courseId,
      userId: s.userId,
      exerciseId: s.exerciseId,
      id: s.id,
      version: s.version,
      events: s.events.map((e) => decodeSubmissionEvent(e, `stream ${s.id}`)),
    }));
  }

  /**
   * Appends events to a stream after `expectedVersion` (its number of events
   * as the caller saw it; "any" skips the check), creating the stream on its
   * first event. All or nothing; a stale version is CONFLICT. The gradebook row
   * is folded forward in the same transaction.
   */
  async append(key: StreamKey, expectedVersion: ExpectedVersion, events: readonly SubmissionEvent[], at: Date = new Date()): Promise<{ streamId: string; version: number; events: StoredSubmissionEvent[] }> {
    if (events.length === 0) throw new DomainError("BAD_USER_INPUT", "append: no events");
    const when = new Date(Math.floor(at.getTime()));
    return this.transaction("appending a submission", async (client) => {
      await client.query(
        `INSERT INTO submission_streams (id, course_id, user_id, exercise_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (course_id, user_id, exercise_id) DO NOTHING`,
        [randomUUID(), key.courseId, key.userId, key.exerciseId],
      );
      const { rows } = await client.query<{ id: string }>(
        "SELECT id FROM submission_streams WHERE course_id = $1 AND user_id = $2 AND exercise_id = $3",
        [key.courseId, key.userId, key.exerciseId],
      );
      const stream = rows[0];
      if (!stream) throw new DomainError("INTERNAL", "submission stream vanished");
      let stored: StoredSubmissionEvent[] = [];
      const appended = await appendToStream(
        client,
        { table: "submission_streams", id: stream.id, what: `submissions of exercise ${key.exerciseId}` },
        expectedVersion,
        events.length,
        async (first) => {
          stored = events.map((e, i) => ({ ...e, seq: first + i, at: when }));
          await client.query(
            `INSERT INTO submission_events (stream_id, seq, type, data, at)
             SELECT $1, e.seq, e.type, e.data, $5 FROM unnest($2::int[], $3::text[], $4::jsonb[]) AS e(seq, type, data)`,
            [stream.id, stored.map((e) => e.seq), stored.map((e) => e.type), stored.map((e) => JSON.stringify(e.data)), when],
          );
        },
      );
      if (!appended) throw new DomainError("INTERNAL", "submission stream vanished");
      const version = appended.version;
      // The live gradebook row: the one before, folded forward with the new events.
      const { rows: cur } = await client.query<GradebookRow>(
        "SELECT * FROM gradebook_entries WHERE course_id = $1 AND user_id = $2 AND exercise_id = $3 FOR UPDATE",
        [key.courseId, key.userId, key.exerciseId],
      );
      const before = cur[0] ? entryFromRow(cur[0]) : initialEntry(key);
      const after = stored.reduce(evolveEntry, before);
      await client.query(
        `INSERT INTO gradebook_entries (course_id, user_id, exercise_id, attempts, hints_used, best_score, correct,
                                        first_correct_seq, first_correct_at, last_score, last_submitted_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (course_id, user_id, exercise_id) DO UPDATE SET
           attempts = EXCLUDED.attempts, hints_used = EXCLUDED.hints_used, best_score = EXCLUDED.best_score,
           correct = EXCLUDED.correct, first_correct_seq = EXCLUDED.first_correct_seq,
           first_correct_at = EXCLUDED.first_correct_at, last_score = EXCLUDED.last_score,
           last_submitted_at = EXCLUDED.last_submitted_at, version = EXCLUDED.version`,
        [
          after.courseId,
          after.userId,
          after.exerciseId,
          after.attempts,
          after.hintsUsed,
          after.bestScore,
          after.correct,
          after.firstCorrectSeq,
          after.firstCorrectAt,
          after.lastScore,
          after.lastSubmittedAt,
          after.version,
        ],
      );
      return { streamId: stream.id, version, events: stored };
    });
  }

  /** The live gradebook rows of a course. */
  async liveGradebook(courseId: string): Promise<GradebookEntry[]> {
    const rows = await this.prisma.gradebookEntry.findMany({ where: { courseId }, orderBy: [{ userId: "asc" }, { exerciseId: "asc" }] });
    return rows.map((r) => ({
      courseId: r.courseId,
      userId: r.userId,
      exerciseId: r.exerciseId,
      attempts: r.attempts,
      hintsUsed: r.hintsUsed,
      bestScore: r.bestScore,
      correct: r.correct,
      firstCorrectSeq: r.firstCorrectSeq,
      firstCorrectAt: r.firstCorrectAt,
      lastScore: r.lastScore,
      lastSubmittedAt: r.lastSubmittedAt,
      version: r.version,
    }));
  }

  private transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db.pool, what, fn);
  }

}

interface GradebookRow {
  course_id: string;
  user_id: string;
  exercise_id: string;
  attempts: number;
  hints_used: number;
  best_score: number;
  correct: boolean;
  first_correct_seq: number | null;
  first_correct_at: Date | null;
  last_score: number | null;
  last_submitted_at: Date | null;
  version: number;
}

function entryFromRow(r: GradebookRow): GradebookEntry {
  return {
    courseId: r.course_id,
    userId: r.user_id,
    exerciseId: r.exercise_id,
    attempts: r.attempts,
    hintsUsed: r.hints_used,
    bestScore: r.best_score,
    correct: r.correct,
    firstCorrectSeq: r.first_correct_seq,
    firstCorrectAt: r.first_correct_at,
    lastScore: r.last_score,
    lastSubmittedAt: r.last_submitted_at,
    version: r.version,
  };
}
