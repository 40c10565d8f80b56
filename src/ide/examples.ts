/**
 * Example operations shown as tabs in the GraphiQL IDE, on the seed traces
 * (`racelab seed` stores the canonical interleaving of each race under its
 * race id). Every one of them is also run by test/graphql/ide.test.ts. The
 * traces and fixes they name come from the registries.
 */
import { RACE_IDS } from "../events/races.ts";
import { FIXES } from "../rules/index.ts";

const [firstRace, secondRace, thirdRace, fourthRace] = RACE_IDS;

/** One `check` per fix, aliased by its id. */
const eachFix = FIXES.map((f) => `  ${f.id.replace(/-/g, "_")}: check(trace: $trace, rules: ["${f.id}"]) { verdict findings { effect } }`).join("\n");
export interface Example {
  readonly title: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

export const EXAMPLES: readonly Example[] = [
  {
    title: "Traces",
    query: `# Every stored trace. Seed traces are named after their race;
# run \`racelab seed\` to load them.
query Traces {
  traces(first: 50) {
    totalCount
    nodes { id name format version createdAt forkedFrom { traceId atSeq } }
  }
}`,
  },
  {
    title: "Check a seed race",
    query: `# The same trace under the unpatched kernel and under all the fixes.
query CheckSeed($trace: ID!) {
  unpatched: check(trace: $trace, rules: ["unpatched"]) {
    verdict
    findings { race effect seq line message event { type bytenr origin { pid comm } } }
    warnings
  }
  patched: check(trace: $trace, rules: ["patched"]) {
    verdict
    findings { race effect seq message }
    reordered { seq pid waitedFor appliedAfterSeq }
  }
}`,
    variables: { trace: firstRace },
  },
  {
    title: "State at a step",
    query: `# Block groups, extent maps, mutexes and actors after event $seq.
query StateAt($trace: ID!, $seq: Int!, $rules: [String!]) {
  stateAt(trace: $trace, seq: $seq, rules: $rules) {
    seq
    blockGroups { start length flags ro removed trimming status }
    extentMaps { start length pinned inTree }
    pinnedChunks
    transactions { commits dirtyBlockGroups }
    mutexes { name holder waiters }
    actors { pid comm status blockedOn }
    findings { effect seq message }
  }
}`,
    variables: { trace: secondRace, seq: 6, rules: ["unpatched"] },
  },
  {
    title: "Diff two steps",
    query: `query Diff($trace: ID!) {
  diff(trace: $trace, from: 0, to: 5) {
    from
    to
    changes { path before after }
  }
}`,
    variables: { trace: thirdRace },
  },
  {
    title: "Events",
    query: `# Relay pagination: pass pageInfo.endCursor as $after for the next page.
query Events($trace: ID!, $after: String) {
  trace(id: $trace) {
    name
    version
    events(first: 20, after: $after) {
      edges { cursor node { seq type bytenr data origin { line pid comm } chain { id kind } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
    variables: { trace: fourthRace, after: null },
  },
  {
    title: "Fixes and races",
    query: `query Reference {
  fixes { id title seed commit invariant race }
  races { id title effect fix seeds }
  scenarios { name race benign events }
}`,
  },
  {
    title: "Fix by fix",
    query: `# Each fix alone cures its own race only.
query FixByFix($trace: ID!) {
${eachFix}
}`,
    variables: { trace: firstRace },
  },
  {
    title: "What-if fork",
    query: `# Copy the first events of a trace into a new one, then append to it.
# appendEvents needs the fork's version: a stale one is a CONFLICT.
mutation Fork($trace: ID!) {
  forkTrace(trace: $trace, atSeq: 3, name: "what-if") { id name version forkedFrom { atSeq trace { name } } }
}

mutation Append($fork: ID!, $version: Int!) {
  appendEvents(trace: $fork, expectedVersion: $version, events: [
    { type: "commit_start", origin: { pid: 900, comm: "sync" } }
    { type: "commit_done", data: { gen: 8 }, origin: { pid: 900, comm: "sync" } }
  ]) { version appended trace { name version } }
}`,
    variables: { trace: firstRace, fork: "what-if", version: 3 },
  },
  {
    title: "Live replay",
    query: `# Over WebSocket (graphql-ws): one message per applied event.
subscription Replay($trace: ID!) {
  replay(trace: $trace, rules: ["unpatched"]) {
    seq
    total
    event { type bytenr origin { pid comm } }
    changes { path before after }
    findings { race effect message }
  }
}`,
    variables: { trace: firstRace },
  },
];
