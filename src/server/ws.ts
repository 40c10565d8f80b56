/**
 * graphql-ws subscriptions on the HTTP server's port and path (`/graphql`):
 * the same schema, request context and limits as HTTP, with the codes
 * Apollo's pipeline gives the same errors over HTTP.
 */
import type http from "node:http";
import { GraphQLError, getOperationAST, getVariableValues, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type ValidationRule } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { DomainError } from "../errors.ts";
import { createRequestContext, type ApiDeps, type ApiLimits } from "../resolvers/context.ts";
import { formatError, toGraphQLError, type ErrorFormatting } from "../resolvers/errors.ts";
import { headersOf, lowerKeys } from "./http.ts";

/** The limits of an operation, checked before it runs (the same check as HTTP's). */
export type OperationCheck = (document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined) => DomainError | null;

/** graphql-js errors with the `extensions.code` Apollo gives the same errors over HTTP. */
function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code } }),
  );
}

export interface SubscriptionServer {
  dispose(): void | Promise<void>;
}

export function startSubscriptions(
  httpServer: http.Server,
  schema: GraphQLSchema,
  deps: ApiDeps,
  limits: ApiLimits,
  opts: { readonly extraRules: readonly ValidationRule[]; readonly check: OperationCheck; readonly formatting: ErrorFormatting },
): SubscriptionServer {
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: limits.maxBodyBytes });
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e, opts.formatting));
  return useServer<Record<string, unknown> | undefined, { request: http.IncomingMessage }>(
    {
      schema,
      // Headers of the upgrade request, and connectionParams (where browsers put an Authorization).
      context: (ctx) => createRequestContext(deps, limits, { headers: { ...headersOf(ctx.extra.request), ...lowerKeys(ctx.connectionParams) } }),
      // The same phases and codes as Apollo's pipeline for HTTP: parse, validate, limits, variables.
      onSubscribe: (_ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (err) {
          return withCode([err instanceof GraphQLError ? err : new GraphQLError(String(err))], "GRAPHQL_PARSE_FAILED");
        }
        const errors = validate(schema, document, [...specifiedRules, ...opts.extraRules]);
        if (errors.length > 0) return withCode(errors, "GRAPHQL_VALIDATION_FAILED");
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return withCode([new GraphQLError("no operation to run in this document")], "OPERATION_RESOLUTION_FAILURE");
        const limit = opts.check(document, payload.operationName, payload.variables);
        if (limit) return [toGraphQLError(limit)];
        const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) return withCode(variables.errors, "BAD_USER_INPUT");
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );
}
