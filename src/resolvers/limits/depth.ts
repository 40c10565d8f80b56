/**
 * Depth limit: the deepest field nesting of an operation, fragments expanded,
 * introspection included (a nested `__schema { types { fields { type ... } } }`
 * is the classic way to make a small query produce a huge answer).
 */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

export function checkDepth(m: OperationMeasure, maxDepth: number): DomainError | null {
  return m.depth > maxDepth ? new DomainError("QUERY_TOO_COMPLEX", `query depth ${m.depth} exceeds the limit of ${maxDepth}`) : null;
}
