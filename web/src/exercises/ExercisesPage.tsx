/**
 * Exercises: the list (shared library and the viewer's course), one exercise
 * with its hints, answer form and feedback, and the instructor's gradebook.
 */
import { gql } from "../api.ts";
import { routeHref, useLoad, type Route } from "../hooks.ts";
import { EXERCISES } from "../queries.ts";
import type { ExerciseKind, Reference, ViewerInfo } from "../types.ts";
import { ExerciseView } from "./ExerciseView.tsx";
import { Gradebook } from "./Gradebook.tsx";

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
  return <ExerciseList viewer={viewer} />;
}

function ExerciseList(props: { viewer: ViewerInfo | null }) {
  const course = props.viewer?.course.id ?? null;
  const list = useLoad(`exercises:${props.viewer?.id ?? "anon"}`, (signal) =>
    gql(EXERCISES, { course }, signal).then((d) => d.exercises),
  );
  return (
    <section aria-labelledby="exercises-title">
      <h1 id="exercises-title">Exercises</h1>
      {!props.viewer ? (
        <p className="note">
          <span aria-hidden="true">ℹ </span>Anyone can read the shared exercises; sign in with the token your instructor gave you (top of the page) to answer them and get feedback.
        </p>
      ) : null}
      {list.error ? (
        <p role="alert" className="error">
          <span aria-hidden="true">✖ </span>Cannot list exercises: {list.error}
        </p>
      ) : null}
      {list.loading && !list.data ? <p aria-busy="true">Loading…</p> : null}
      {list.data
        ? KIND_ORDER.map((kind) => {
            const of = list.data!.filter((e) => e.kind === kind);
            if (of.length === 0) return null;
            return (
              <section key={kind} aria-labelledby={`kind-${kind}`}>
                <h2 id={`kind-${kind}`}>{KIND_LABEL[kind]}</h2>
                <ul className="exercise-list">
                  {of.map((e) => (
                    <li key={e.id}>
                      <a href={routeHref(["exercises", e.id])} data-exercise={e.id}>
                        {e.title}
                      </a>
                      <span className="muted small">
                        {" "}
                        · {e.id}
                        {e.race ? ` · ${e.race}` : ""}
                        {e.course ? ` · course ${e.course.name}` : " · shared library"}
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })
        : null}
    </section>
  );
}
