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

/** The fields of an event the timeline shows (cards, the cursor's detail, the time axis). */
const EVENT_FIELDS = /* GraphQL */ `
  seq type data bytenr bytenrHex observation
  origin { line pid comm task cpu ts time }
  chain { id kind }
  source { line text }
`;

export const OVERVIEW = /* GraphQL */ `
  query Overview($trace: ID!) {
    trace(id: $trace) {
      id
      version
      overview {
        events firstTs lastTs
        tasks { pid comm task cpus events firstSeq lastSeq idle }
        cpus { cpu events }
        types { name count }
        blockGroups { bytenr hex events }
      }
    }
  }
` as Operation<G.OverviewQuery, G.OverviewQueryVariables>;

/** A window of the timeline: the events `filter` keeps from position `offset`. */
export const WINDOW = /* GraphQL */ `
  query Window($trace: ID!, $filter: EventFilter, $offset: Int!, $first: Int!) {
    trace(id: $trace) {
      id
      events(filter: $filter, offset: $offset, first: $first) {
        nodes { ${EVENT_FIELDS} }
      }
    }
  }
` as Operation<G.WindowQuery, G.WindowQueryVariables>;

/** The seqs a filter keeps within a stretch (the search's matches among the rows shown). */
export const MATCHES = /* GraphQL */ `
  query Matches($trace: ID!, $filter: EventFilter!, $first: Int!) {
    trace(id: $trace) { id events(filter: $filter, first: $first) { nodes { seq } } }
  }
` as Operation<G.MatchesQuery, G.MatchesQueryVariables>;

/** How many events a filter (with or without the search) keeps. */
export const COUNT = /* GraphQL */ `
  query Count($trace: ID!, $filter: EventFilter) {
    trace(id: $trace) { id events(filter: $filter, first: 0) { totalCount } }
  }
` as Operation<G.CountQuery, G.CountQueryVariables>;

/** Events of a stretch of seqs (the time axis zoomed in). */
export const SPAN = /* GraphQL */ `
  query Span($trace: ID!, $filter: EventFilter, $first: Int!) {
    trace(id: $trace) {
      id
      events(filter: $filter, first: $first) {
        totalCount
        nodes { ${EVENT_FIELDS} }
      }
    }
  }
` as Operation<G.SpanQuery, G.SpanQueryVariables>;

/** One event in full (the cursor's, the mark's). */
export const EVENT_AT = /* GraphQL */ `
  query EventAt($trace: ID!, $seq: Int!) {
    trace(id: $trace) { id event(seq: $seq) { ${EVENT_FIELDS} } }
  }
` as Operation<G.EventAtQuery, G.EventAtQueryVariables>;

export const DENSITY = /* GraphQL */ `
  query Density($trace: ID!, $fromTs: String!, $toTs: String!, $buckets: Int!, $lanes: LaneMode!, $filter: EventFilter) {
    trace(id: $trace) { id density(fromTs: $fromTs, toTs: $toTs, buckets: $buckets, lanes: $lanes, filter: $filter) { lane counts } }
  }
` as Operation<G.DensityQuery, G.DensityQueryVariables>;

export const SEQ_AT_TIME = /* GraphQL */ `
  query SeqAtTime($trace: ID!, $ts: String!) {
    trace(id: $trace) { id seqAtTime(ts: $ts) }
  }
` as Operation<G.SeqAtTimeQuery, G.SeqAtTimeQueryVariables>;

export const FIND = /* GraphQL */ `
  query Find($trace: ID!, $filter: EventFilter!, $from: Int!, $backward: Boolean) {
    trace(id: $trace) { id findEvent(filter: $filter, from: $from, backward: $backward) }
  }
` as Operation<G.FindQuery, G.FindQueryVariables>;

export const RANKS = /* GraphQL */ `
  query Ranks($trace: ID!, $filter: EventFilter!, $seqs: [Int!]!) {
    trace(id: $trace) { id matchRanks(filter: $filter, seqs: $seqs) }
  }
` as Operation<G.RanksQuery, G.RanksQueryVariables>;

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

/** What the rules changed, event by event (a replay of its own: asked after the verdict). */
export const CHANGES = /* GraphQL */ `
  query Changes($trace: ID!, $rules: [String!]!) {
    check(trace: $trace, rules: $rules) {
      changes { seq line pid type kind text waitedFor heldBy appliedAfterSeq }
    }
  }
` as Operation<G.ChangesQuery, G.ChangesQueryVariables>;

export const STATE_AT = /* GraphQL */ `
  query StateAt($trace: ID!, $seq: Int!, $rules: [String!]) {
    stateAt(trace: $trace, seq: $seq, rules: $rules) {
      seq rules pinnedChunks
      blockGroups {
        start length flags ro roCount removed trimming status inCacheTree itemInserted used reserved dirty newBgOf
        freeSpace { offset bytes hidden }
      }
      extentMaps { start length pinned type inTree stripeCount stripes { devid physical } devRanges { devid physical end } }
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
    exercises(course: $course) { id kind title race draft course { id name } mySubmissions { score correct } }
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
      id kind title race statement hintCount hintsRevealed at rules fix fixChoices answerFields events draft
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

// ---- generated exercises (instructors) -----------------------------------------------

export const EXERCISE_KEY = /* GraphQL */ `
  query ExerciseKey($id: ID!) {
    exercise(id: $id) {
      id
      key { race seq schedule fixes answers { question answer } hints explanation }
    }
  }
` as Operation<G.ExerciseKeyQuery, G.ExerciseKeyQueryVariables>;

export const GENERATE = /* GraphQL */ `
  mutation Generate($course: ID!, $input: GenerateExercisesInput!) {
    generateExercises(course: $course, input: $input) { exercises { id kind title } notes }
  }
` as Operation<G.GenerateMutation, G.GenerateMutationVariables>;

export const EDIT_DRAFT = /* GraphQL */ `
  mutation EditDraft($id: ID!, $statement: String, $title: String) {
    editDraft(id: $id, statement: $statement, title: $title) { id title statement }
  }
` as Operation<G.EditDraftMutation, G.EditDraftMutationVariables>;

export const PUBLISH = /* GraphQL */ `
  mutation Publish($id: ID!) {
    publishExercise(id: $id) { id draft }
  }
` as Operation<G.PublishMutation, G.PublishMutationVariables>;

export const DROP = /* GraphQL */ `
  mutation Drop($id: ID!) {
    deleteExercise(id: $id)
  }
` as Operation<G.DropMutation, G.DropMutationVariables>;
