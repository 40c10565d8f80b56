/**
 * The GraphQL documents the page sends. scripts/codegen.ts reads the strings
 * this module exports and writes their result and variables types to
 * generated/graphql.ts, which each document is tagged with (see Operation).
 */
import type { Operation } from "./api.ts";
import type * as G from "./generated/graphql.ts";

export const REFERENCE = /* GraphQL */ `
  query Reference {
    fixes { id title race invariant }
    races { id title effect fix }
    eventTypes { type doc observation }
  }
` as Operation<G.ReferenceQuery, G.ReferenceQueryVariables>;

export const TRACES = /* GraphQL */ `
  query Traces($first: Int, $after: String) {
    traces(first: $first, after: $after) {
      nodes { id name format sourceFile createdAt version meta }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
` as Operation<G.TracesQuery, G.TracesQueryVariables>;

export const EVENTS = /* GraphQL */ `
  query Events($trace: ID!, $first: Int, $after: String) {
    trace(id: $trace) {
      id
      name
      version
      events(first: $first, after: $after) {
        nodes {
          seq type data bytenr observation
          origin { line pid comm task cpu ts }
          chain { id kind }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
` as Operation<G.EventsQuery, G.EventsQueryVariables>;

export const CHECK = /* GraphQL */ `
  query Check($trace: ID!, $rules: [String!]!) {
    check(trace: $trace, rules: $rules) {
      verdict rules warnings deferredAtEnd gaps
      findings { race effect seq line message }
      reordered { seq line pid waitedFor appliedAfterSeq }
      undecided { seq line why }
    }
  }
` as Operation<G.CheckQuery, G.CheckQueryVariables>;

export const STATE_AT = /* GraphQL */ `
  query StateAt($trace: ID!, $seq: Int!, $rules: [String!]) {
    stateAt(trace: $trace, seq: $seq, rules: $rules) {
      seq rules pinnedChunks
      blockGroups {
        start length flags ro roCount removed trimming status inCacheTree itemInserted used reserved dirty newBgOf
        freeSpace { offset bytes hidden }
      }
      extentMaps { start length pinned type inTree stripes { devid physical } devRanges { devid physical end } }
      devExtents { devid physical length chunk deletedAt visibleInCommitRoot }
      transactions { commits lastGen state dirtyBlockGroups newBlockGroups { pid blockGroups } }
      mutexes { name holder waiters }
      actors { pid comm task status blockedOn phase discard { bytenr devid physical len } }
      findings { race effect seq line message }
    }
  }
` as Operation<G.StateAtQuery, G.StateAtQueryVariables>;

export const DIFF = /* GraphQL */ `
  query Diff($trace: ID!, $from: Int!, $to: Int!, $rules: [String!]) {
    diff(trace: $trace, from: $from, to: $to, rules: $rules) {
      from to
      changes { path before after }
    }
  }
` as Operation<G.DiffQuery, G.DiffQueryVariables>;

// ---- exercises ----------------------------------------------------------------

export const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer { id name role course { id name title } }
  }
` as Operation<G.ViewerQuery, G.ViewerQueryVariables>;

export const EXERCISES = /* GraphQL */ `
  query Exercises($course: ID) {
    exercises(course: $course) { id kind title race course { id name } }
  }
` as Operation<G.ExercisesQuery, G.ExercisesQueryVariables>;

const SUBMISSION_FIELDS = /* GraphQL */ `
  id attempt submittedAt answer correct score
  feedback {
    summary
    checks { name ok detail }
    replays { what rules verdict reordered notes warnings finding { race effect seq message } }
  }
`;

export const EXERCISE = /* GraphQL */ `
  query Exercise($id: ID!) {
    exercise(id: $id) {
      id kind title race statement hintCount hintsRevealed at rules fix fixChoices answerFields events
      course { id name }
      steps { seq actor pid comm type args }
      programs { actor pid comm role steps }
      names { name address }
      questions { id ask text answerType bg actor }
      mySubmissions { ${SUBMISSION_FIELDS} }
    }
  }
` as Operation<G.ExerciseQuery, G.ExerciseQueryVariables>;

export const HINT = /* GraphQL */ `
  mutation Hint($exercise: ID!, $n: Int!) {
    hint(exercise: $exercise, n: $n) { n text of revealed }
  }
` as Operation<G.HintMutation, G.HintMutationVariables>;

export const SUBMIT = /* GraphQL */ `
  mutation Submit($exercise: ID!, $answer: AnswerInput!) {
    submitAnswer(exercise: $exercise, answer: $answer) { ${SUBMISSION_FIELDS} }
  }
` as Operation<G.SubmitMutation, G.SubmitMutationVariables>;

export const GRADEBOOK = /* GraphQL */ `
  query Gradebook($course: ID!) {
    gradebook(course: $course)
  }
` as Operation<G.GradebookQuery, G.GradebookQueryVariables>;
