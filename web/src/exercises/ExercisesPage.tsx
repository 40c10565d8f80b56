/**
 * Exercises: the list (shared library and the viewer's course), one exercise
 * with its hints, answer form and feedback, and the instructor's gradebook.
 */
import { gql } from "../api.ts";
import { routeHref, useLoad, type Route } from "../hooks.ts";
import { EXERCISES } from "../queries.ts";
import type { ExerciseKind, ExerciseSummary, Reference, ViewerInfo } from "../types.ts";
import { GenerateForm } from "./Drafts.tsx";
import { ExerciseView } from "./ExerciseView.tsx";
import { Gradebook } from "./Gradebook.tsx";
import { progressOf, progressText } from "./grid.ts";
import { ErrorAlert } from "../ErrorAlert.tsx";

export const KIND_LABEL: Record<ExerciseKind, string> = {
  SPOT_THE_RACE: "Spot the race",
  BE_THE_SCHEDULER: "Be the scheduler",
  WHICH_FIX: "Which fix",
  PREDICT_THE_STATE: "Predict the state",
};

const KIND_ORDER: ExerciseKind[] = ["SPOT_THE_RACE", "BE_THE_SCHEDULER", "WHICH_FIX", "PREDICT_THE_STATE"];

export function ExercisesPage(props: { route: Route; navigate: (href: string, replace?: boolean) => void; viewer: ViewerInfo | null; reference: Reference | null }) {
  const { route, viewer } = props;
  if (route.parts[0] === "gradebook") return <Gradebook viewer={viewer} />;
  const id = route.parts[1];
  if (id) return <ExerciseView key={`${id}:${viewer?.id ?? "anon"}`} id={id} viewer={viewer} reference={props.reference} />;
  return <ExerciseList viewer={viewer} reference={props.reference} />;
}

/** A course exercise's id is a uuid: nothing a person reads. The library's are slugs, shown. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const shownId = (id: string): string | null => (UUID.test(id) ? null : id);

function ExerciseItem(props: { e: ExerciseSummary; student: boolean }) {
  const { e } = props;
  const progress = progressOf(e.mySubmissions);
  return (
    <li>
      <a href={routeHref(["exercises", e.id])} data-exercise={e.id}>
        {e.title}
      </a>
      <span className="muted small">
        {shownId(e.id) ? ` · ${e.id}` : ""}
        {e.race ? ` · ${e.race}` : ""}
        {e.course ? ` · course ${e.course.name}` : " · shared library"}
      </span>
      {props.student ? (
        <span className={`progress small${progress.solved ? " solved" : ""}`} data-testid={`progress-${e.id}`}>
          {" "}
          — {progressText(progress)}
        </span>
      ) : null}
    </li>
  );
}

function ExerciseList(props: { viewer: ViewerInfo | null; reference: Reference | null }) {
  const course = props.viewer?.course.id ?? null;
  const list = useLoad(`exercises:${props.viewer?.id ?? "anon"}`, (signal) =>
    gql(EXERCISES, { course }, signal).then((d) => d.exercises),
  );
  const student = props.viewer?.role === "STUDENT";
  const instructor = props.viewer?.role === "INSTRUCTOR";
  const published = list.data?.filter((e) => !e.draft) ?? null;
  const drafts = list.data?.filter((e) => e.draft) ?? [];
  const solved = published?.filter((e) => progressOf(e.mySubmissions).solved).length ?? 0;
  return (
    <section aria-labelledby="exercises-title">
      <h1 id="exercises-title">Exercises</h1>
      {student && published ? (
        <p className="note" data-testid="my-progress">
          You solved {solved} of {published.length} exercises{published.some((e) => e.mySubmissions.length > 0) ? "" : " — pick one to start"}.
        </p>
      ) : null}
      {instructor && props.viewer ? <GenerateForm course={props.viewer.course.id} reference={props.reference} onMade={list.reload} /> : null}
      {instructor && drafts.length > 0 ? (
        <section aria-labelledby="drafts-title" data-testid="drafts">
          <h2 id="drafts-title">Drafts ({drafts.length}) — only the course's instructors see them</h2>
          <ul className="exercise-list">
            {drafts.map((e) => (
              <ExerciseItem key={e.id} e={e} student={false} />
            ))}
          </ul>
        </section>
      ) : null}
      {!props.viewer ? (
        <p className="note">
          <span aria-hidden="true">ℹ </span>Anyone can read the shared exercises; sign in with the token your instructor gave you (top of the page) to answer them and get feedback.
        </p>
      ) : null}
      {list.error ? (
        <ErrorAlert>Cannot list exercises: {list.error}</ErrorAlert>
      ) : null}
      {list.loading && !list.data ? <p aria-busy="true">Loading…</p> : null}
      {published
        ? KIND_ORDER.map((kind) => {
            const of = published.filter((e) => e.kind === kind);
            if (of.length === 0) return null;
            return (
              <section key={kind} aria-labelledby={`kind-${kind}`}>
                <h2 id={`kind-${kind}`}>{KIND_LABEL[kind]}</h2>
                <ul className="exercise-list">
                  {of.map((e) => (
                    <ExerciseItem key={e.id} e={e} student={student} />
                  ))}
                </ul>
              </section>
            );
          })
        : null}
    </section>
  );
}
