/**
 * Cost limit: an estimate of the work an operation asks for (measure.ts),
 * from the document before execution. Fields that replay, explore or import
 * a trace carry the weights below (modules add theirs). A query over the
 * limit is refused before any resolver runs.
 */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

/** Fields whose resolver replays or imports a trace: far dearer than a read. */
export const FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  "Query.stateAt": 50,
  "Query.diff": 50,
  "Query.check": 50,
  "Trace.check": 50,
  "Mutation.importTrace": 100,
  "Mutation.forkTrace": 100,
  "Mutation.appendEvents": 10,
  "Subscription.replay": 100,
};

export function checkCost(m: OperationMeasure, maxCost: number): DomainError | null {
  return m.cost > maxCost ? new DomainError("QUERY_TOO_COMPLEX", `query cost ${m.cost} exceeds the limit of ${maxCost}`) : null;
}
