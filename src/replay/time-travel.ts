/**
 * Time travel without a store: the state of a trace at a point, and the
 * difference between two points.
 *
 * `stateAt(N)` is the engine state after it processed recorded events 1..N
 * (stored seq ≤ N) — including everything their application unblocked — in
 * the schedule where undecided checks (§4.7 e) proceed. Events the rules
 * deferred past N are not in it (the view lists them as `deferred`); after
 * the first effect the state stays as it was there (`stopped`).
 */
import type { RaceEvent, StoredEvent } from "../events/types.ts";
import { toView } from "../projections/view.ts";
import { diffViews } from "../projections/view.ts";
import { resolveRules } from "../rules/index.ts";
import type { RuleSet } from "../rules/types.ts";
import { type PreparedTrace, prepareTrace, runEngine } from "./check.ts";
import type { Engine } from "./engine.ts";
import type { FsStateView, StateDiff } from "./types.ts";

export type FsStateViewX = FsStateView & {
  /** Events deferred at this point (their actor waits), by pid. */
  readonly deferred: readonly { readonly pid: number; readonly seqs: readonly number[] }[];
  /** The replay stopped at an effect at or before this point. */
  readonly stopped: boolean;
};

export function engineView(eng: Engine, seq: number, rules: RuleSet): FsStateViewX {
  return {
    ...toView(eng.fs, { seq, rules: rules.names, findings: [...eng.findings], locks: rules.locks.map((l) => l.name) }),
    deferred: eng.pending,
    stopped: eng.stopped,
  };
}

function prepared(events: readonly (StoredEvent | RaceEvent)[] | PreparedTrace): PreparedTrace {
  return "itemsUnknown" in events ? events : prepareTrace(events);
}

export function stateAtEvents(
  events: readonly (StoredEvent | RaceEvent)[] | PreparedTrace,
  seq: number,
  rules: readonly string[] | RuleSet,
): FsStateViewX {
  const ruleSet = "hooks" in rules ? rules : resolveRules(rules);
  const eng = runEngine(prepared(events), ruleSet, { untilSeq: seq });
  return engineView(eng, seq, ruleSet);
}

export function diffEvents(
  events: readonly (StoredEvent | RaceEvent)[] | PreparedTrace,
  from: number,
  to: number,
  rules: readonly string[] | RuleSet,
): StateDiff {
  const trace = prepared(events);
  const a = stateAtEvents(trace, from, rules);
  const b = stateAtEvents(trace, to, rules);
  return { from, to, changes: diffViews(a, b) };
}
