/**
 * Exercises racelab writes itself (issue 16), for instructors: the form that
 * asks for them (from a race's seed scenario or a stored trace) and, on a
 * draft, its preview — key, hints and explanation —, its statement and title
 * to edit, and Publish or Drop.
 */
import { useState, type FormEvent } from "react";
import { gql } from "../api.ts";
import { useLoad } from "../hooks.ts";
import { DROP, EDIT_DRAFT, EXERCISE_KEY, GENERATE, PUBLISH } from "../queries.ts";
import type { Difficulty, ExerciseDetail, ExerciseKey, ExerciseKind, Reference } from "../types.ts";
import { KIND_LABEL } from "./ExercisesPage.tsx";
import { ErrorAlert } from "../ErrorAlert.tsx";

const KINDS: ExerciseKind[] = ["SPOT_THE_RACE", "BE_THE_SCHEDULER", "WHICH_FIX", "PREDICT_THE_STATE"];
const DIFFICULTIES: Difficulty[] = ["EASY", "MEDIUM", "HARD"];

export function GenerateForm(props: { course: string; reference: Reference | null; onMade: () => void }) {
  const races = props.reference?.races ?? [];
  const [race, setRace] = useState<string>("");
  const [trace, setTrace] = useState("");
  const [fromTrace, setFromTrace] = useState(false);
  const [kind, setKind] = useState<ExerciseKind>("BE_THE_SCHEDULER");
  const [difficulty, setDifficulty] = useState<Difficulty>("MEDIUM");
  const [count, setCount] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<{ titles: string[]; notes: readonly string[] } | null>(null);
  const seed = race || races[0]?.id || "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setMade(null);
    const t = trace.trim();
    const input = t ? { from: fromTrace ? ("TRACE" as const) : ("EXPLORE" as const), trace: t, kind, difficulty, count } : { from: "EXPLORE" as const, scenario: seed, kind, difficulty, count };
    try {
      const d = await gql(GENERATE, { course: props.course, input });
      setMade({ titles: d.generateExercises.exercises.map((x) => x.title), notes: d.generateExercises.notes });
      props.onMade();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="generate" data-testid="generate">
      <summary>Generate exercises from a race or a trace</summary>
      <form onSubmit={submit} className="generate-form">
        <p className="muted small">
          racelab explores the tasks' interleavings (or takes a trace's own finding) and writes exercises whose keys, hints and explanation come from the replay. They are
          stored as drafts: preview, edit and publish them below.
        </p>
        <div className="field-row">
          <label>
            Race (its seed scenario){" "}
            <select value={seed} onChange={(e) => setRace(e.target.value)} disabled={trace.trim() !== ""} data-testid="generate-race">
              {races.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id}
                </option>
              ))}
            </select>
          </label>
          <label>
            or a stored trace (id or name){" "}
            <input value={trace} onChange={(e) => setTrace(e.target.value)} placeholder="optional" />
          </label>
          <label className={trace.trim() === "" ? "muted" : ""}>
            <input type="checkbox" checked={fromTrace} onChange={(e) => setFromTrace(e.target.checked)} disabled={trace.trim() === ""} /> the trace's own finding, not its interleavings
          </label>
        </div>
        <div className="field-row">
          <label>
            Kind{" "}
            <select value={kind} onChange={(e) => setKind(e.target.value as ExerciseKind)} data-testid="generate-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Difficulty{" "}
            <select value={difficulty} onChange={(e) => setDifficulty(e.target.value as Difficulty)} data-testid="generate-difficulty">
              {DIFFICULTIES.map((d) => (
                <option key={d} value={d}>
                  {d.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
          <label>
            How many{" "}
            <input type="number" min={1} max={20} value={count} onChange={(e) => setCount(Math.max(1, Math.min(20, Number(e.target.value) || 1)))} data-testid="generate-count" />
          </label>
          <button type="submit" className="primary" disabled={busy} data-testid="generate-submit">
            {busy ? "Generating…" : "Generate drafts"}
          </button>
        </div>
        <div role="status" aria-live="polite" data-testid="generate-status">
          {made ? (
            <p>
              Made {made.titles.length} draft{made.titles.length === 1 ? "" : "s"}: {made.titles.join("; ")}.
              {made.notes.map((n) => (
                <span key={n} className="muted small">
                  {" "}
                  {n}.
                </span>
              ))}
            </p>
          ) : null}
        </div>
        {error ? (
          <ErrorAlert>{error}</ErrorAlert>
        ) : null}
      </form>
    </details>
  );
}

function KeyPreview({ k }: { k: ExerciseKey }) {
  const key = k.seq !== null ? `race ${k.race}, seq ${k.seq}` : k.schedule ? `schedule ${k.schedule.join(" ")}` : k.fixes ? `fixes: ${k.fixes.join(", ") || "none"}` : (k.answers ?? []).map((a) => `${a.question} = ${a.answer}`).join(", ");
  return (
    <div data-testid="draft-key">
      <p>
        <strong>Key:</strong> <code>{key}</code>
      </p>
      <p className="small">
        <strong>Explanation:</strong> {k.explanation}
      </p>
      <p className="small">
        <strong>Hints</strong>, revealed one at a time:
      </p>
      <ol className="small">
        {k.hints.map((h) => (
          <li key={h}>{h}</li>
        ))}
      </ol>
    </div>
  );
}

/** On a draft, for its instructors: preview, edit, publish or drop. */
export function DraftPanel(props: { exercise: ExerciseDetail; onChanged: () => void }) {
  const ex = props.exercise;
  const key = useLoad(`key:${ex.id}:${ex.statement}`, (signal) => gql(EXERCISE_KEY, { id: ex.id }, signal).then((d) => d.exercise?.key ?? null));
  const [statement, setStatement] = useState(ex.statement);
  const [title, setTitle] = useState(ex.title);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);

  const act = async (what: string, run: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await run();
      setMessage(what);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    void act("Saved: the definition was checked again.", async () => {
      await gql(EDIT_DRAFT, { id: ex.id, statement: statement === ex.statement ? null : statement, title: title === ex.title ? null : title });
      props.onChanged();
    });
  };

  return (
    <section className="draft-panel" aria-labelledby="draft-title" data-testid="draft-panel">
      <h2 id="draft-title">Draft — your students do not see it until you publish it</h2>
      <p>
        <button
          type="button"
          className="primary"
          disabled={busy}
          data-testid="publish"
          onClick={() =>
            void act("Published: the course's students see it now.", async () => {
              await gql(PUBLISH, { id: ex.id });
              props.onChanged();
            })
          }
        >
          Publish
        </button>{" "}
        {dropping ? (
          <>
            <span>Drop this draft for good?</span>{" "}
            <button
              type="button"
              disabled={busy}
              data-testid="drop-confirm"
              onClick={() =>
                void act("Dropped.", async () => {
                  await gql(DROP, { id: ex.id });
                  window.location.hash = "#/exercises";
                })
              }
            >
              Drop it
            </button>{" "}
            <button type="button" onClick={() => setDropping(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => setDropping(true)} data-testid="drop">
            Drop
          </button>
        )}
      </p>
      <form onSubmit={save} className="draft-edit">
        <label htmlFor="draft-title-input">Title</label>
        <input id="draft-title-input" value={title} onChange={(e) => setTitle(e.target.value)} />
        <label htmlFor="draft-statement">Statement</label>
        <textarea id="draft-statement" rows={6} value={statement} onChange={(e) => setStatement(e.target.value)} />
        <p>
          <button type="submit" disabled={busy || (statement === ex.statement && title === ex.title)} data-testid="save-draft">
            Save
          </button>
        </p>
      </form>
      <div role="status" aria-live="polite">
        {message ? <p data-testid="draft-message">{message}</p> : null}
      </div>
      {error ? (
        <ErrorAlert>{error}</ErrorAlert>
      ) : null}
      <details open>
        <summary>Key, hints and explanation (instructors only)</summary>
        {key.data ? <KeyPreview k={key.data} /> : key.error ? <p className="error">{key.error}</p> : <p aria-busy="true">Loading…</p>}
      </details>
    </section>
  );
}
