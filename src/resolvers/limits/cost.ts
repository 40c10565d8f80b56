/**
 * Cost limit: an estimate of the work an operation asks for (measure.ts),
 * from the document before execution. Fields that replay, explore or import
 * a trace carry the weights below (modules add theirs); a field that does its
 * work once per combination of list arguments (every trace under every rule
 * set) counts its weight and selection that many times. A query over the
 * limit is refused before any resolver runs.
 */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

/** Fields whose resolver replays or imports a trace: far dearer than a read. */
export const FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  "Query.stateAt": 50,
  "Query.diff": 50,
  "Query.check": 50,
  "Query.checks": 50,
  "Trace.check": 50,
  // One more replay (with a timeline) each.
  "CheckResult.changes": 50,
  // One scan of the trace each (an overview is then kept per trace version).
  "Trace.overview": 20,
  "Trace.density": 20,
  "Trace.matchRanks": 20,
  "EventConnection.totalCount": 10,
  "Mutation.importTrace": 100,
  "Mutation.forkTrace": 100,
  "Mutation.appendEvents": 10,
  "Subscription.replay": 100,
};

/** Fields whose weight and selection count once per combination of these list arguments' items (a missing or empty list: once). */
export const FIELD_COMBINATIONS: Readonly<Record<string, readonly string[]>> = {
  "Query.checks": ["traces", "rules"],
};

export function checkCost(m: OperationMeasure, maxCost: number): DomainError | null {
  return m.cost > maxCost ? new DomainError("QUERY_TOO_COMPLEX", `query cost ${m.cost} exceeds the limit of ${maxCost}`) : null;
}
