/**
 * Limits checked before execution, the same for HTTP (an Apollo plugin at
 * didResolveOperation, once variables are known) and for graphql-ws
 * subscriptions (onSubscribe). Frozen list, one check per file.
 */
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { DomainError } from "../../errors.ts";
import type { ApiLimits } from "../context.ts";
import { checkCost, FIELD_WEIGHTS } from "./cost.ts";
import { checkDepth } from "./depth.ts";
import { operationUnderCheck, type OperationUnderCheck } from "./operation.ts";

type LimitCheck = (schema: GraphQLSchema, op: OperationUnderCheck, limits: ApiLimits, weights: Readonly<Record<string, number>>) => DomainError | null;

export const LIMIT_CHECKS: readonly LimitCheck[] = Object.freeze([
  (_schema, op, limits) => checkDepth(op, limits.maxDepth),
  (schema, op, limits, weights) => checkCost(schema, op, limits.maxCost, { defaultPageSize: limits.defaultPageSize, weights }),
]);

/** The first limit the operation breaks, or null. */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: ApiLimits,
  weights: Readonly<Record<string, number>> = FIELD_WEIGHTS,
): DomainError | null {
  const op = operationUnderCheck(document, operationName, variables);
  if (!op) return null;
  for (const check of LIMIT_CHECKS) {
    const err = check(schema, op, limits, weights);
    if (err) return err;
  }
  return null;
}
