/**
 * One exercise: statement, hints (one at a time), the answer form of its
 * kind, and the grader's feedback. Students answer; anyone may read.
 */
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, gql } from "../api.ts";
import { useLoad } from "../hooks.ts";
import { EXERCISE, HINT, SUBMIT } from "../queries.ts";
import type { AnswerInput, ExerciseDetail, Hint, Reference, Submission, ViewerInfo } from "../types.ts";
import { DraftPanel } from "./Drafts.tsx";
import { Feedback } from "./Feedback.tsx";
import { KIND_LABEL, shownId } from "./ExercisesPage.tsx";
import { Scheduler } from "./Scheduler.tsx";
import { initialSchedule, scheduleAnswer, type ScheduleStep } from "./schedule.ts";
import { ErrorAlert } from "../ErrorAlert.tsx";

type Answer = Record<string, unknown>;

export function ExerciseView(props: { id: string; viewer: ViewerInfo | null; reference: Reference | null }) {
  const ex = useLoad(`exercise:${props.id}`, (signal) => gql(EXERCISE, { id: props.id }, signal).then((d) => d.exercise));
  if (ex.error) {
    return (
      <ErrorAlert>Cannot open exercise {props.id}: {ex.error}</ErrorAlert>
    );
  }
  if (!ex.data) {
    return ex.loading ? (
      <p aria-busy="true">Loading exercise…</p>
    ) : (
      <ErrorAlert>No exercise {props.id} (or it is not yours to see). <a href="#/exercises">All exercises</a></ErrorAlert>
    );
  }
  return <ExerciseBody exercise={ex.data} viewer={props.viewer} reference={props.reference} onChanged={ex.reload} />;
}

function ExerciseBody(props: { exercise: ExerciseDetail; viewer: ViewerInfo | null; reference: Reference | null; onChanged: () => void }) {
  const ex = props.exercise;
  const student = props.viewer?.role === "STUDENT";
  const signedIn = props.viewer !== null;
  const [submissions, setSubmissions] = useState<Submission[]>([...ex.mySubmissions]);
  const [latest, setLatest] = useState<Submission | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer>({});
  const [schedule, setSchedule] = useState<ScheduleStep[]>(() => initialSchedule(ex.programs ?? []));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const input: AnswerInput = ex.kind === "BE_THE_SCHEDULER" ? { schedule: scheduleAnswer(schedule) } : answerInput(ex, answer);
    try {
      const d = await gql(SUBMIT, { exercise: ex.id, answer: input });
      setLatest(d.submitAnswer);
      setSubmissions((s) => [...s, d.submitAnswer]);
    } catch (err) {
      setError(err instanceof ApiError && err.code === "FORBIDDEN" ? `Only students submit answers (${err.message})` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="exercise" aria-labelledby="exercise-title">
      <p>
        <a href="#/exercises">
          <span aria-hidden="true">← </span>All exercises
        </a>
      </p>
      <h1 id="exercise-title">
        {ex.title}
        {ex.draft ? <span className="badge"> draft</span> : null}
      </h1>
      <p className="muted">
        {KIND_LABEL[ex.kind]}
        {shownId(ex.id) ? ` · ${ex.id}` : ""}
        {ex.race ? ` · ${ex.race}` : ""}
        {ex.fix ? ` · fix ${ex.fix}` : ""}
        {ex.rules ? ` · rules ${ex.rules.join(", ")}` : ""}
        {ex.at !== null ? ` · after step ${ex.at}` : ""}
      </p>
      {ex.draft && props.viewer?.role === "INSTRUCTOR" ? <DraftPanel exercise={ex} onChanged={props.onChanged} /> : null}
      <div className="statement" data-testid="statement">
        {ex.statement}
      </div>
      {ex.names.length > 0 ? (
        <p className="small">
          Addresses:{" "}
          {ex.names.map((n) => (
            <code key={n.name} className="name-chip">
              {n.name} = {n.address}
            </code>
          ))}
        </p>
      ) : null}

      <Hints exercise={ex} signedIn={signedIn} />

      <form className="answer" onSubmit={submit} aria-labelledby="answer-title">
        <h2 id="answer-title">Your answer</h2>
        {ex.kind === "BE_THE_SCHEDULER" ? (
          <Scheduler programs={ex.programs ?? []} value={schedule} onChange={setSchedule} disabled={busy} />
        ) : ex.kind === "SPOT_THE_RACE" ? (
          <SpotTheRace exercise={ex} answer={answer} setAnswer={setAnswer} reference={props.reference} />
        ) : ex.kind === "WHICH_FIX" ? (
          <WhichFix exercise={ex} answer={answer} setAnswer={setAnswer} reference={props.reference} />
        ) : (
          <PredictTheState exercise={ex} answer={answer} setAnswer={setAnswer} />
        )}
        <p>
          <button type="submit" className="primary" disabled={busy || !student} data-testid="submit-answer">
            {busy ? "Grading…" : "Submit answer"}
          </button>{" "}
          {!student ? <span className="muted">{signedIn ? "Only students submit answers." : "Sign in with your token to submit."}</span> : null}
        </p>
        {error ? (
          <ErrorAlert>{error}</ErrorAlert>
        ) : null}
      </form>

      <div role="status" aria-live="polite">
        {latest ? (
          <section aria-labelledby="feedback-title">
            <h2 id="feedback-title">Feedback</h2>
            <Feedback submission={latest} latest />
          </section>
        ) : null}
      </div>

      {submissions.length > (latest ? 1 : 0) ? (
        <details className="history">
          <summary>Your earlier attempts ({submissions.length - (latest ? 1 : 0)})</summary>
          {submissions
            .filter((s) => s.id !== latest?.id)
            .reverse()
            .map((s) => (
              <Feedback key={s.id} submission={s} />
            ))}
        </details>
      ) : null}
    </article>
  );
}

/** The AnswerInput of the non-scheduler kinds from the form's fields. */
function answerInput(ex: ExerciseDetail, a: Answer): AnswerInput {
  switch (ex.kind) {
    case "SPOT_THE_RACE":
      return { race: (a.race as string | null | undefined) ?? null, seq: typeof a.seq === "number" ? a.seq : null };
    case "WHICH_FIX":
      return { fixes: (a.fixes as string[] | undefined) ?? [] };
    case "PREDICT_THE_STATE":
      return {
        answers: (ex.questions ?? []).map((q) => ({ question: q.id, value: String((a[`q:${q.id}`] as string | undefined) ?? "") })),
      };
    case "BE_THE_SCHEDULER":
      return {};
  }
}

function Hints(props: { exercise: ExerciseDetail; signedIn: boolean }) {
  const ex = props.exercise;
  const [hints, setHints] = useState<Hint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Hints revealed in earlier visits: read them again (a re-read is not a new reveal).
  useEffect(() => {
    if (!props.signedIn || ex.hintsRevealed === 0) return;
    let live = true;
    Promise.all(Array.from({ length: ex.hintsRevealed }, (_, i) => gql(HINT, { exercise: ex.id, n: i + 1 }).then((d) => d.hint))).then(
      (h) => live && setHints(h),
      (err: unknown) => live && setError((err as Error).message),
    );
    return () => {
      live = false;
    };
  }, [ex.id, ex.hintsRevealed, props.signedIn]);
  const next = hints.length + 1;
  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = await gql(HINT, { exercise: ex.id, n: next });
      setHints((h) => [...h, d.hint]);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (ex.hintCount === 0) return null;
  return (
    <section className="hints" aria-labelledby="hints-title">
      <h2 id="hints-title">
        Hints <span className="muted">({hints.length} of {ex.hintCount} shown)</span>
      </h2>
      <ol data-testid="hints">
        {hints.map((h) => (
          <li key={h.n}>{h.text}</li>
        ))}
      </ol>
      {next <= ex.hintCount ? (
        props.signedIn ? (
          <button type="button" onClick={reveal} disabled={busy}>
            Show hint {next} of {ex.hintCount}
          </button>
        ) : (
          <p className="muted">Sign in to see the hints (the gradebook counts them).</p>
        )
      ) : null}
      {error ? (
        <ErrorAlert>{error}</ErrorAlert>
      ) : null}
    </section>
  );
}

interface KindProps {
  exercise: ExerciseDetail;
  answer: Answer;
  setAnswer: (a: Answer) => void;
}

function StepsTable(props: { exercise: ExerciseDetail; pick?: { value: number | null; onPick: (seq: number) => void } }) {
  const steps = props.exercise.steps ?? [];
  return (
    <div className="table-wrap">
      <table className="steps">
        <caption className="visually-hidden">The trace, step by step</caption>
        <thead>
          <tr>
            {props.pick ? <th scope="col">Goes wrong here</th> : null}
            <th scope="col">Step</th>
            <th scope="col">Actor</th>
            <th scope="col">Event</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={s.seq} className={props.pick?.value === s.seq ? "picked" : undefined}>
              {props.pick ? (
                <td>
                  <input
                    type="radio"
                    name="spot-seq"
                    aria-label={`Step ${s.seq}`}
                    checked={props.pick.value === s.seq}
                    onChange={() => props.pick!.onPick(s.seq)}
                  />
                </td>
              ) : null}
              <td>#{s.seq}</td>
              <td>
                {s.actor} <span className="muted small">{s.comm ?? ""}</span>
              </td>
              <td>
                <code>
                  {s.type} {s.args}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SpotTheRace(props: KindProps & { reference: Reference | null }) {
  const { answer, setAnswer } = props;
  return (
    <>
      <div className="field">
        <label htmlFor="spot-race">The race</label>
        <select id="spot-race" value={(answer.race as string | undefined) ?? ""} onChange={(e) => setAnswer({ ...answer, race: e.target.value || null })}>
          <option value="">choose…</option>
          {(props.reference?.races ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.id}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>The step where the state first goes wrong{typeof answer.seq === "number" ? `: #${answer.seq}` : ""}</legend>
        <StepsTable exercise={props.exercise} pick={{ value: (answer.seq as number | undefined) ?? null, onPick: (seq) => setAnswer({ ...answer, seq }) }} />
      </fieldset>
    </>
  );
}

function WhichFix(props: KindProps & { reference: Reference | null }) {
  const { answer, setAnswer } = props;
  const chosen = (answer.fixes as string[] | undefined) ?? [];
  const titles = new Map((props.reference?.fixes ?? []).map((f) => [f.id, f.title]));
  return (
    <>
      <StepsTable exercise={props.exercise} />
      <fieldset>
        <legend>The smallest set of fixes that makes this trace clean (none ticked = no fix needed)</legend>
        {(props.exercise.fixChoices ?? []).map((f) => (
          <label key={f} className="check block">
            <input
              type="checkbox"
              checked={chosen.includes(f)}
              onChange={(e) => setAnswer({ ...answer, fixes: e.target.checked ? [...chosen, f] : chosen.filter((x) => x !== f) })}
            />{" "}
            <code>{f}</code> <span className="muted small">{titles.get(f) ?? ""}</span>
          </label>
        ))}
      </fieldset>
    </>
  );
}

function PredictTheState(props: KindProps) {
  const { answer, setAnswer } = props;
  const ex = props.exercise;
  const actors = [...new Set((ex.steps ?? []).map((s) => s.actor))];
  return (
    <>
      <StepsTable exercise={ex} />
      {(ex.questions ?? []).map((q) => {
        const key = `q:${q.id}`;
        const value = (answer[key] as string | undefined) ?? "";
        const set = (v: string) => setAnswer({ ...answer, [key]: v });
        return (
          <fieldset key={q.id} className="question">
            <legend>{q.text}</legend>
            {q.answerType === "yes-no" ? (
              <>
                {["yes", "no"].map((v) => (
                  <label key={v} className="check">
                    <input type="radio" name={key} checked={value === v} onChange={() => set(v)} /> {v}
                  </label>
                ))}
              </>
            ) : q.answerType === "actor" ? (
              <select aria-label={q.text} value={value} onChange={(e) => set(e.target.value)}>
                <option value="">choose…</option>
                {[...actors, "none"].map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            ) : (
              <input aria-label={q.text} type="number" min={0} value={value} onChange={(e) => set(e.target.value)} />
            )}
          </fieldset>
        );
      })}
    </>
  );
}
