/**
 * Limits checked before execution, the same for HTTP (an Apollo plugin at
 * didResolveOperation, once variables are known) and for graphql-ws
 * subscriptions (onSubscribe): one linear measurement of the operation
 * (measure.ts), then a frozen list of checks, one per file. The token limit
 * is the parser's own (`maxTokens`), before any of this.
 */
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { DomainError } from "../../errors.ts";
import type { ApiLimits } from "../context.ts";
import { checkAliases } from "./aliases.ts";
import { checkCost, FIELD_WEIGHTS } from "./cost.ts";
import { checkDepth } from "./depth.ts";
import { checkDirectives } from "./directives.ts";
import { checkFields } from "./fields.ts";
import { measureOperation, type OperationMeasure } from "./measure.ts";
import { operationUnderCheck } from "./operation.ts";

type LimitCheck = (m: OperationMeasure, limits: ApiLimits) => DomainError | null;

export const LIMIT_CHECKS: readonly LimitCheck[] = Object.freeze([
  (m, limits) => checkDepth(m, limits.maxDepth),
  (m, limits) => checkAliases(m, limits.maxAliases),
  (m, limits) => checkDirectives(m, limits.maxDirectives),
  (m, limits) => checkFields(m, limits.maxFields),
  (m, limits) => checkCost(m, limits.maxCost),
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
  const m = measureOperation(schema, op, { defaultPageSize: limits.defaultPageSize, weights });
  for (const check of LIMIT_CHECKS) {
    const err = check(m, limits);
    if (err) return err;
  }
  return null;
}
