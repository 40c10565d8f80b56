/** A graded submission: right or wrong in words, the checks, and the replays the grader made. */
import type { Submission } from "../types.ts";

export function Feedback(props: { submission: Submission; latest?: boolean }) {
  const s = props.submission;
  return (
    <div className={`feedback ${s.correct ? "correct" : "wrong"}`} data-testid={props.latest ? "feedback" : undefined} data-correct={s.correct}>
      <p className="feedback-head">
        <span aria-hidden="true">{s.correct ? "✔ " : "✖ "}</span>
        <strong>{s.correct ? "Correct" : "Not yet"}</strong> · attempt {s.attempt} · score {Math.round(s.score * 100)}%
      </p>
      <p>{s.feedback.summary}</p>
      <ul className="checks">
        {s.feedback.checks.map((c, i) => (
          <li key={i} className={c.ok ? "ok" : "failed"}>
            <span aria-hidden="true">{c.ok ? "✔ " : "✖ "}</span>
            <span className="visually-hidden">{c.ok ? "passed: " : "failed: "}</span>
            <strong>{c.name}</strong>: {c.detail}
          </li>
        ))}
      </ul>
      {s.feedback.replays.length > 0 ? (
        <details>
          <summary>The replays behind this grade</summary>
          {s.feedback.replays.map((r, i) => (
            <div key={i} className="grading-replay">
              <p>
                <strong>{r.what}</strong> (rules {r.rules}): {r.verdict}
                {r.finding ? ` — ${r.finding.effect} at step ${r.finding.seq}: ${r.finding.message}` : ""}
              </p>
              {r.reordered.length > 0 ? (
                <ul>
                  {r.reordered.map((x, j) => (
                    <li key={j}>
                      <span aria-hidden="true">‖ </span>
                      {x}
                    </li>
                  ))}
                </ul>
              ) : null}
              {r.notes.length > 0 ? (
                <ul>
                  {r.notes.map((x, j) => (
                    <li key={j}>{x}</li>
                  ))}
                </ul>
              ) : null}
              {r.warnings.length > 0 ? (
                <ul>
                  {r.warnings.map((x, j) => (
                    <li key={j}>
                      <span aria-hidden="true">⚠ </span>
                      {x}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ))}
        </details>
      ) : null}
    </div>
  );
}
