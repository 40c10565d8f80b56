/**
 * The instructor's gradebook: a student × exercise grid (grid.ts) read from
 * the API's CSV — students by name, exercises numbered with their titles in
 * the legend, a cell per answer (✔ solved, best score, · untouched), totals
 * per student and per exercise — and the CSV itself to download.
 */
import { useEffect, useMemo } from "react";
import { gql } from "../api.ts";
import { useLoad } from "../hooks.ts";
import { GRADEBOOK } from "../queries.ts";
import type { ExerciseKind, ViewerInfo } from "../types.ts";
import { parseCsv } from "./csv.ts";
import { KIND_LABEL } from "./ExercisesPage.tsx";
import { cellText, cellWords, gradeGrid, type GradeGrid } from "./grid.ts";
import { ErrorAlert } from "../ErrorAlert.tsx";

/** The CSV's kinds are the domain's (`spot-the-race`); the page's labels are keyed by the API's enum. */
const kindLabel = (kind: string): string => KIND_LABEL[kind.toUpperCase().replace(/-/g, "_") as ExerciseKind] ?? kind;

export function Gradebook(props: { viewer: ViewerInfo | null }) {
  const v = props.viewer;
  const course = v?.role === "INSTRUCTOR" ? v.course.id : null;
  const csv = useLoad(course ? `gradebook:${course}` : null, (signal) => gql(GRADEBOOK, { course: course! }, signal).then((d) => d.gradebook));
  const grid = useMemo(() => (csv.data ? gradeGrid(parseCsv(csv.data)) : null), [csv.data]);
  const href = useMemo(() => (csv.data ? URL.createObjectURL(new Blob([csv.data], { type: "text/csv" })) : null), [csv.data]);
  useEffect(() => () => {
    if (href) URL.revokeObjectURL(href);
  }, [href]);
  if (!v) return <p>Sign in with an instructor's token to see the gradebook.</p>;
  if (v.role !== "INSTRUCTOR") return <p role="alert">The gradebook is for instructors.</p>;
  return (
    <section aria-labelledby="gradebook-title" data-testid="gradebook">
      <h1 id="gradebook-title">Gradebook · {v.course.title ?? v.course.name}</h1>
      <p>
        <button type="button" onClick={csv.reload}>
          Refresh
        </button>{" "}
        {href ? (
          <a className="button" href={href} download={`gradebook-${v.course.name}.csv`} data-testid="gradebook-csv">
            Download CSV
          </a>
        ) : null}
      </p>
      {csv.error ? (
        <ErrorAlert>{csv.error}</ErrorAlert>
      ) : null}
      {csv.loading && !csv.data ? <p aria-busy="true">Loading…</p> : null}
      {grid ? grid.students.length === 0 ? <p>No students in this course yet.</p> : <Grid grid={grid} /> : null}
    </section>
  );
}

function Grid({ grid }: { grid: GradeGrid }) {
  const n = grid.exercises.length;
  return (
    <>
      <div className="table-wrap">
        <table className="gradebook-grid">
          <caption className="muted small">
            ✔ solved · a percentage: the best score so far · · not tried. Exercises by number: their titles are listed below.
          </caption>
          <thead>
            <tr>
              <th scope="col" className="gb-student">
                Student
              </th>
              {grid.exercises.map((e, i) => (
                <th key={e.id} scope="col" className="gb-cell" title={`${i + 1}. ${e.title} (${kindLabel(e.kind)})`}>
                  <abbr title={e.title}>{i + 1}</abbr>
                </th>
              ))}
              <th scope="col" className="gb-total">
                Solved
              </th>
              <th scope="col" className="gb-total">
                Score
              </th>
            </tr>
          </thead>
          <tbody>
            {grid.students.map((s) => (
              <tr key={s.id}>
                <th scope="row" className="gb-student">
                  {s.name}
                </th>
                {s.cells.map((c, i) => {
                  const words = cellWords(s.name, grid.exercises[i]!.title, c);
                  return (
                    <td key={grid.exercises[i]!.id} className={`gb-cell${c.correct ? " solved" : c.attempts > 0 ? " tried" : ""}`} title={words} aria-label={words}>
                      {cellText(c)}
                    </td>
                  );
                })}
                <td className="gb-total">
                  {s.solved}/{n}
                </td>
                <td className="gb-total">
                  {s.score}/{n}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" className="gb-student">
                Solved by
              </th>
              {grid.exercises.map((e) => (
                <td key={e.id} className="gb-cell">
                  {e.solvedBy}
                </td>
              ))}
              <td className="gb-total" colSpan={2}>
                {grid.students.length} student{grid.students.length === 1 ? "" : "s"}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      <ol className="gb-legend" aria-label="Exercises of the grid">
        {grid.exercises.map((e) => (
          <li key={e.id}>
            {e.title} <span className="muted small">· {kindLabel(e.kind)}</span>
          </li>
        ))}
      </ol>
    </>
  );
}
