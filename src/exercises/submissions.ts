/**
 * Submission streams: one append-only stream of events per (course, student,
 * exercise). What a student did is the stream; the gradebook is a projection
 * of it (`initialEntry` + `evolveEntry`, folded with reduce), kept live in the
 * database and rebuildable from the events at any time for an audit.
 */
import { z } from "zod";
import { DomainError, UnreachableCaseError } from "../errors.ts";
import type { Answer, Grade } from "./types.ts";

export type SubmissionEvent =
  /** The student asked for hint `n` (1-based); hints come one at a time, in order. */
  | { readonly type: "hint_revealed"; readonly data: { readonly n: number } }
  /** An answer and its grade, with the sha256 of the definition it was graded against. */
  | { readonly type: "answer_submitted"; readonly data: { readonly answer: Answer; readonly grade: Grade; readonly exerciseHash: string } };

export type StoredSubmissionEvent = SubmissionEvent & { readonly seq: number; readonly at: Date };

export interface StreamKey {
  readonly courseId: string;
  readonly userId: string;
  readonly exerciseId: string;
}

export interface Stream extends StreamKey {
  /** null when the stream has no event yet (not created). */
  readonly id: string | null;
  readonly version: number;
  readonly events: readonly StoredSubmissionEvent[];
}

// ---- wire validation (rows → events) ---------------------------------------------------------

const check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() }).strict();
const digest = z
  .object({
    what: z.string(),
    rules: z.string(),
    verdict: z.enum(["bug", "clean", "undecidable"]),
    finding: z.object({ race: z.string().nullable(), effect: z.string(), seq: z.number().int(), message: z.string() }).strict().nullable(),
    reordered: z.array(z.string()),
    notes: z.array(z.string()),
    warnings: z.array(z.string()),
  })
  .strict();
const gradeSchema = z
  .object({
    correct: z.boolean(),
    score: z.number().min(0).max(1),
    summary: z.string(),
    checks: z.array(check),
    replays: z.array(digest),
    expected: z.string(),
  })
  .strict();
const answerSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("spot-the-race"), race: z.string(), seq: z.number().int() }).strict(),
  z.object({ kind: z.literal("be-the-scheduler"), schedule: z.array(z.string()) }).strict(),
  z.object({ kind: z.literal("which-fix"), fixes: z.array(z.string()) }).strict(),
  z.object({ kind: z.literal("predict-the-state"), answers: z.record(z.string(), z.string()) }).strict(),
]);
const eventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hint_revealed"), data: z.object({ n: z.number().int().min(1) }).strict() }),
  z.object({ type: z.literal("answer_submitted"), data: z.object({ answer: answerSchema, grade: gradeSchema, exerciseHash: z.string() }).strict() }),
]);

/** A stored row back into an event; a row that does not decode is an internal error naming it. */
export function decodeSubmissionEvent(row: { type: string; data: unknown; seq: number; at: Date }, where: string): StoredSubmissionEvent {
  const r = eventSchema.safeParse({ type: row.type, data: row.data });
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new DomainError("INTERNAL", `${where} event ${row.seq}: stored submission event does not decode: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`);
  }
  return { ...(r.data as SubmissionEvent), seq: row.seq, at: row.at };
}

// ---- the gradebook projection ----------------------------------------------------------------

export interface GradebookEntry extends StreamKey {
  readonly attempts: number;
  /** Highest hint number revealed. */
  readonly hintsUsed: number;
  readonly bestScore: number;
  readonly correct: boolean;
  /** Seq of the first correct answer in the stream. */
  readonly firstCorrectSeq: number | null;
  readonly firstCorrectAt: Date | null;
  readonly lastScore: number | null;
  readonly lastSubmittedAt: Date | null;
  /** Seq of the last event folded in. */
  readonly version: number;
}

export function initialEntry(key: StreamKey): GradebookEntry {
  return {
    courseId: key.courseId,
    userId: key.userId,
    exerciseId: key.exerciseId,
    attempts: 0,
    hintsUsed: 0,
    bestScore: 0,
    correct: false,
    firstCorrectSeq: null,
    firstCorrectAt: null,
    lastScore: null,
    lastSubmittedAt: null,
    version: 0,
  };
}

export function evolveEntry(entry: GradebookEntry, ev: StoredSubmissionEvent): GradebookEntry {
  const base = { ...entry, version: ev.seq };
  switch (ev.type) {
    case "hint_revealed":
      return { ...base, hintsUsed: Math.max(entry.hintsUsed, ev.data.n) };
    case "answer_submitted": {
      const g = ev.data.grade;
      const firstCorrect = g.correct && !entry.correct;
      return {
        ...base,
        attempts: entry.attempts + 1,
        bestScore: Math.max(entry.bestScore, g.score),
        correct: entry.correct || g.correct,
        firstCorrectSeq: firstCorrect ? ev.seq : entry.firstCorrectSeq,
        firstCorrectAt: firstCorrect ? ev.at : entry.firstCorrectAt,
        lastScore: g.score,
        lastSubmittedAt: ev.at,
      };
    }
    default:
      throw new UnreachableCaseError(ev);
  }
}

/** The gradebook of a set of streams, rebuilt from their events alone. */
export function rebuildGradebook(streams: readonly Stream[]): GradebookEntry[] {
  return streams.map((s) => s.events.reduce(evolveEntry, initialEntry(s)));
}

/** Hints revealed so far in a stream. */
export function hintsRevealed(events: readonly StoredSubmissionEvent[]): number {
  return events.reduce((n, e) => (e.type === "hint_revealed" ? Math.max(n, e.data.n) : n), 0);
}
