/**
 * The gradebook as a student × exercise grid, read from the API's CSV (one
 * row per student and exercise, src/exercises/csv.ts): students by name,
 * exercises by title in the course's order, each cell what the student did
 * with the exercise, totals per student (solved, score) and per exercise (how
 * many solved it). Pure: test/web/model.test.ts runs it.
 */

export interface GradeCell {
  readonly attempts: number;
  readonly hints: number;
  /** Best score, 0..1. */
  readonly best: number;
  readonly correct: boolean;
}

export interface GridStudent {
  readonly id: string;
  readonly name: string;
  /** One per exercise, in the grid's column order. */
  readonly cells: readonly GradeCell[];
  readonly solved: number;
  /** Sum of the best scores. */
  readonly score: number;
}

export interface GridExercise {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  /** Students who solved it. */
  readonly solvedBy: number;
}

export interface GradeGrid {
  readonly students: readonly GridStudent[];
  readonly exercises: readonly GridExercise[];
}

const EMPTY: GradeCell = { attempts: 0, hints: 0, best: 0, correct: false };

/** `rows`: the parsed CSV, its header first. */
export function gradeGrid(rows: readonly (readonly string[])[]): GradeGrid {
  const [head, ...body] = rows;
  if (!head) return { students: [], exercises: [] };
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`gradebook CSV: no column ${name}`);
    return i;
  };
  const c = { student: col("student_id"), name: col("student"), exercise: col("exercise"), title: col("title"), kind: col("kind"), attempts: col("attempts"), hints: col("hints_used"), best: col("best_score"), correct: col("correct") };
  const exercises = new Map<string, { title: string; kind: string }>();
  const students = new Map<string, { name: string; cells: Map<string, GradeCell> }>();
  for (const r of body) {
    if (r.length < head.length) continue;
    const ex = r[c.exercise]!;
    if (!exercises.has(ex)) exercises.set(ex, { title: r[c.title]!, kind: r[c.kind]! });
    let s = students.get(r[c.student]!);
    if (!s) students.set(r[c.student]!, (s = { name: r[c.name]!, cells: new Map() }));
    s.cells.set(ex, { attempts: Number(r[c.attempts]) || 0, hints: Number(r[c.hints]) || 0, best: Number(r[c.best]) || 0, correct: r[c.correct] === "true" });
  }
  const order = [...exercises.keys()];
  const grid = [...students.entries()]
    .map(([id, s]) => {
      const cells = order.map((ex) => s.cells.get(ex) ?? EMPTY);
      return { id, name: s.name, cells, solved: cells.filter((x) => x.correct).length, score: Math.round(cells.reduce((n, x) => n + x.best, 0) * 100) / 100 };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    students: grid,
    exercises: order.map((id, i) => ({ id, ...exercises.get(id)!, solvedBy: grid.filter((s) => s.cells[i]!.correct).length })),
  };
}

/** What a cell shows: ✔ solved, the best score in percent once tried, a dot when untouched. */
export function cellText(cell: GradeCell): string {
  if (cell.correct) return "✔";
  if (cell.attempts === 0) return "·";
  return `${Math.round(cell.best * 100)}%`;
}

/** The cell said in words (its tooltip and accessible name). */
export function cellWords(student: string, exercise: string, cell: GradeCell): string {
  const tries = `${cell.attempts} attempt${cell.attempts === 1 ? "" : "s"}, ${cell.hints} hint${cell.hints === 1 ? "" : "s"}`;
  if (cell.correct) return `${student}, ${exercise}: solved (${tries})`;
  if (cell.attempts === 0) return `${student}, ${exercise}: not tried${cell.hints > 0 ? ` (${cell.hints} hint${cell.hints === 1 ? "" : "s"})` : ""}`;
  return `${student}, ${exercise}: best ${Math.round(cell.best * 100)}% (${tries})`;
}

/** A student's own progress on one exercise, from their submissions' grades. */
export interface Progress {
  readonly attempts: number;
  readonly best: number;
  readonly solved: boolean;
}

export function progressOf(submissions: readonly { readonly score: number; readonly correct: boolean }[]): Progress {
  return { attempts: submissions.length, best: submissions.reduce((m, s) => Math.max(m, s.score), 0), solved: submissions.some((s) => s.correct) };
}

export function progressText(p: Progress): string {
  if (p.solved) return `✔ solved${p.attempts > 1 ? ` in ${p.attempts} attempts` : ""}`;
  if (p.attempts === 0) return "not tried yet";
  return `best ${Math.round(p.best * 100)}% · ${p.attempts} attempt${p.attempts === 1 ? "" : "s"}`;
}
