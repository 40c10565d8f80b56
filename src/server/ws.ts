/**
 * graphql-ws subscriptions on the HTTP server's port and path (`/graphql`):
 * the same schema, request context and limits as HTTP, with the codes
 * Apollo's pipeline gives the same errors over HTTP.
 */
import type http from "node:http";
import { GraphQLError, getOperationAST, getVariableValues, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type ValidationRule } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { DomainError } from "../errors.ts";
import { createRequestContext, type ApiDeps, type ApiLimits, type RequestInfo } from "../resolvers/context.ts";
import { domainCause, formatError, toGraphQLError, type ErrorFormatting } from "../resolvers/errors.ts";
import { headersOf, lowerKeys } from "./http.ts";

/** The limits of an operation, checked before it runs (the same check as HTTP's). */
export type OperationCheck = (document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined) => DomainError | null;

/** graphql-js errors with the `extensions.code` Apollo gives the same errors over HTTP. */
function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code } }),
  );
}

/**
 * Close codes of a connection refused at `connection_init` (graphql-ws keeps
 * 4400–4499 for the protocol; these follow its 4401 Unauthorized and 4403
 * Forbidden): a bad token is not an internal error (4500).
 */
const CLOSE_CODES = { UNAUTHENTICATED: 4401, FORBIDDEN: 4403 } as const;

type Extra = {
  readonly request: http.IncomingMessage;
  readonly socket: { close(code: number, reason: string): void; once(event: "close", listener: () => void): void };
};

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
  // Headers of the upgrade request, and connectionParams (where browsers put an Authorization); jobs stop when the socket closes.
  const closed = new WeakMap<object, AbortSignal>();
  const requestOf = (extra: Extra, params: Readonly<Record<string, unknown>> | undefined): RequestInfo => {
    let signal = closed.get(extra.socket);
    if (!signal) {
      const gone = new AbortController();
      extra.socket.once("close", () => gone.abort(new DomainError("BAD_USER_INPUT", "the client went away")));
      signal = gone.signal;
      closed.set(extra.socket, signal);
    }
    const remoteAddress = extra.request.socket.remoteAddress;
    return { headers: { ...headersOf(extra.request), ...lowerKeys(params) }, ...(remoteAddress ? { remoteAddress } : {}), signal };
  };
  return useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      // Who connects is settled once, at connection_init: a bad token closes the socket with its own code.
      onConnect: async (ctx) => {
        try {
          await createRequestContext(deps, limits, requestOf(ctx.extra, ctx.connectionParams));
          return true;
        } catch (err) {
          const d = domainCause(err);
          if (d?.code !== "UNAUTHENTICATED" && d?.code !== "FORBIDDEN") throw err;
          // A close reason is at most 123 bytes.
          ctx.extra.socket.close(CLOSE_CODES[d.code], Buffer.from(d.message).subarray(0, 120).toString());
          return false;
        }
      },
      context: (ctx) => createRequestContext(deps, limits, requestOf(ctx.extra, ctx.connectionParams)),
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
