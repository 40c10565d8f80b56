/**
 * Depth limit: the deepest field nesting of an operation, fragments expanded,
 * introspection included (a nested `__schema { types { fields { type ... } } }`
 * is the classic way to make a small query produce a huge answer). Checked
 * before execution; reports, never throws.
 */
import { Kind, type SelectionSetNode } from "graphql";
import { DomainError } from "../../errors.ts";
import type { OperationUnderCheck } from "./operation.ts";

export function operationDepth(op: OperationUnderCheck): number {
  const depthOf = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let max = 0;
    for (const sel of set.selections) {
      switch (sel.kind) {
        case Kind.FIELD:
          max = Math.max(max, 1 + (sel.selectionSet ? depthOf(sel.selectionSet, seen) : 0));
          break;
        case Kind.INLINE_FRAGMENT:
          max = Math.max(max, depthOf(sel.selectionSet, seen));
          break;
        case Kind.FRAGMENT_SPREAD: {
          const fragment = op.fragments.get(sel.name.value);
          // A cycle or an unknown fragment is a validation error already reported.
          if (fragment && !seen.has(fragment.name.value)) {
            max = Math.max(max, depthOf(fragment.selectionSet, new Set([...seen, fragment.name.value])));
          }
          break;
        }
      }
    }
    return max;
  };
  return depthOf(op.operation.selectionSet, new Set());
}

export function checkDepth(op: OperationUnderCheck, maxDepth: number): DomainError | null {
  const depth = operationDepth(op);
  return depth > maxDepth
    ? new DomainError("QUERY_TOO_COMPLEX", `query depth ${depth} exceeds the limit of ${maxDepth}`)
    : null;
}
