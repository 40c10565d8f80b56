/** The instructor's gradebook (CSV from the API) as a table, with a download of the CSV itself. */
import { useEffect, useMemo } from "react";
import { gql } from "../api.ts";
import { useLoad } from "../hooks.ts";
import { GRADEBOOK } from "../queries.ts";
import type { ViewerInfo } from "../types.ts";
import { parseCsv } from "./csv.ts";

export function Gradebook(props: { viewer: ViewerInfo | null }) {
  const v = props.viewer;
  const course = v?.role === "INSTRUCTOR" ? v.course.id : null;
  const csv = useLoad(course ? `gradebook:${course}` : null, (signal) => gql(GRADEBOOK, { course: course! }, signal).then((d) => d.gradebook));
  const rows = useMemo(() => (csv.data ? parseCsv(csv.data) : []), [csv.data]);
  const href = useMemo(() => (csv.data ? URL.createObjectURL(new Blob([csv.data], { type: "text/csv" })) : null), [csv.data]);
  useEffect(() => () => {
    if (href) URL.revokeObjectURL(href);
  }, [href]);
  if (!v) return <p>Sign in with an instructor's token to see the gradebook.</p>;
  if (v.role !== "INSTRUCTOR") return <p role="alert">The gradebook is for instructors.</p>;
  const [head, ...body] = rows;
  return (
    <section aria-labelledby="gradebook-title" data-testid="gradebook">
      <h1 id="gradebook-title">Gradebook · {v.course.title ?? v.course.name}</h1>
      <p>
        <button type="button" onClick={csv.reload}>
          Refresh
        </button>{" "}
        {href ? (
          <a className="button" href={href} download={`gradebook-${v.course.name}.csv`}>
            Download CSV
          </a>
        ) : null}
      </p>
      {csv.error ? (
        <p role="alert" className="error">
          <span aria-hidden="true">✖ </span>
          {csv.error}
        </p>
      ) : null}
      {csv.loading && !csv.data ? <p aria-busy="true">Loading…</p> : null}
      {head ? (
        body.length === 0 ? (
          <p>No students in this course yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="gradebook-table">
              <thead>
                <tr>
                  {head.map((h) => (
                    <th key={h} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {body.map((r, i) => (
                  <tr key={i}>
                    {r.map((c, j) => (
                      <td key={j}>{head[j] === "correct" ? (c === "true" ? "✔ yes" : "✖ no") : c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}
