/**
 * The gradebook as CSV (RFC 4180: comma-separated, CRLF, fields quoted when
 * they hold a comma, quote or line break): one row per student and exercise,
 * students by name, exercises in course order; a student who never touched an
 * exercise gets a row of zeros.
 */
import type { CourseRef } from "../auth/policy.ts";
import type { GradebookEntry } from "./submissions.ts";
import type { LoadedExercise } from "./types.ts";

export const GRADEBOOK_COLUMNS = [
  "course",
  "student_id",
  "student",
  "exercise",
  "title",
  "kind",
  "attempts",
  "hints_used",
  "best_score",
  "correct",
  "first_correct_at",
  "last_score",
  "last_submitted_at",
] as const;

function field(v: string | number | boolean | null): string {
  const s = v === null ? "" : String(v);
  // A leading =, +, - or @ would be a formula to a spreadsheet: quote-prefix it.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function gradebookCsv(
  course: CourseRef & { name: string },
  students: readonly { id: string; name: string }[],
  exercises: readonly LoadedExercise[],
  entries: readonly GradebookEntry[],
): string {
  const byKey = new Map(entries.map((e) => [`${e.userId}|${e.exerciseId}`, e]));
  const lines = [GRADEBOOK_COLUMNS.join(",")];
  for (const s of students) {
    for (const ex of exercises) {
      const e = byKey.get(`${s.id}|${ex.ref}`);
      lines.push(
        [
          course.name,
          s.id,
          s.name,
          ex.ref,
          ex.def.title,
          ex.def.kind,
          e?.attempts ?? 0,
          e?.hintsUsed ?? 0,
          e?.bestScore ?? 0,
          e?.correct ?? false,
          e?.firstCorrectAt?.toISOString() ?? null,
          e?.lastScore ?? null,
          e?.lastSubmittedAt?.toISOString() ?? null,
        ]
          .map(field)
          .join(","),
      );
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}
