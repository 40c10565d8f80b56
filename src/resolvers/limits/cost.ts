/**
 * Cost limit: an estimate of the work an operation asks for, computed from
 * the document before execution. Every object-valued field costs 1, leaves 0;
 * a connection multiplies the cost of its selection by its page size (`first`,
 * or the default page size); fields that replay a trace or write one carry the
 * weights below. A query over the limit is refused before any resolver runs.
 */
import {
  Kind,
  getNamedType,
  isCompositeType,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { DomainError } from "../../errors.ts";
import { intArgument, type OperationUnderCheck } from "./operation.ts";

/** Fields whose resolver replays or imports a trace: far dearer than a read. */
export const FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  "Query.stateAt": 50,
  "Query.diff": 50,
  "Query.check": 50,
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

export interface CostModel {
  readonly defaultPageSize: number;
  /** FIELD_WEIGHTS and those of the API's modules. */
  readonly weights: Readonly<Record<string, number>>;
}

export function operationCost(schema: GraphQLSchema, op: OperationUnderCheck, model: CostModel): number {
  const root = schema.getRootType(op.operation.operation);
  if (!root) return 0;

  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      switch (sel.kind) {
        case Kind.FIELD: {
          const name = sel.name.value;
          // Introspection (and __typename): in-memory, bounded by the depth limit.
          if (name.startsWith("__")) {
            total += 1;
            break;
          }
          const field = "getFields" in parent ? parent.getFields()[name] : undefined;
          if (!field) break; // unknown field: validation has reported it
          const type = getNamedType(field.type);
          const own = model.weights[`${parent.name}.${name}`] ?? (isCompositeType(type) ? 1 : 0);
          let multiplier = 1;
          if (type.name.endsWith("Connection")) {
            const first = intArgument(sel.arguments?.find((a) => a.name.value === "first")?.value, op.variables);
            multiplier = Math.max(first ?? model.defaultPageSize, 0);
          }
          const children = sel.selectionSet && isCompositeType(type) ? costOf(sel.selectionSet, type, seen) : 0;
          total += own + multiplier * children;
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          total += costOf(sel.selectionSet, cond && isCompositeType(cond) ? cond : parent, seen);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = op.fragments.get(sel.name.value);
          if (!fragment || seen.has(fragment.name.value)) break;
          const cond = schema.getType(fragment.typeCondition.name.value);
          total += costOf(fragment.selectionSet, cond && isCompositeType(cond) ? cond : parent, new Set([...seen, fragment.name.value]));
          break;
        }
      }
    }
    return total;
  };
  return costOf(op.operation.selectionSet, root, new Set());
}

export function checkCost(schema: GraphQLSchema, op: OperationUnderCheck, maxCost: number, model: CostModel): DomainError | null {
  const cost = operationCost(schema, op, model);
  return cost > maxCost ? new DomainError("QUERY_TOO_COMPLEX", `query cost ${cost} exceeds the limit of ${maxCost}`) : null;
}
