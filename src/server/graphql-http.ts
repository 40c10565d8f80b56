/**
 * GraphQL over HTTP at /graphql: Apollo Server 5 behind our own HTTP server
 * (body capped, limits checked once the operation is resolved), and the
 * bundled GraphiQL IDE for a browser's GET.
 */
import type http from "node:http";
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLSchema } from "graphql";
import { DomainError } from "../errors.ts";
import { createRequestContext, type ApiDeps, type ApiLimits, type RequestContext } from "../resolvers/context.ts";
import { formatError, toGraphQLError, type ErrorFormatting } from "../resolvers/errors.ts";
import { headersOf, readBody, requestInfo, sendError } from "./http.ts";
import { serveFile } from "./static.ts";
import type { OperationCheck, SubscriptionServer } from "./ws.ts";

export interface GraphQLHttp {
  readonly apollo: ApolloServer<RequestContext>;
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
}

export async function startGraphQLHttp(
  httpServer: http.Server,
  schema: GraphQLSchema,
  deps: ApiDeps,
  limits: ApiLimits,
  opts: {
    readonly introspection: boolean;
    readonly ideDir: string | null;
    readonly check: OperationCheck;
    readonly formatting: ErrorFormatting;
    readonly graceMs: number;
    readonly subscriptions: SubscriptionServer;
  },
): Promise<GraphQLHttp> {
  const limitsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const err = opts.check(document, request.operationName, request.variables);
          if (err) throw toGraphQLError(err, true);
        },
      };
    },
  };
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: opts.introspection,
    // Without introspection, "did you mean" hints would leak the schema.
    hideSchemaDetailsFromClientErrors: !opts.introspection,
    includeStacktraceInErrorResponses: false,
    // The token limit: the parser stops counting there, before any other work.
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: (formatted, error) => formatError(formatted, error, opts.formatting),
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: opts.graceMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await opts.subscriptions.dispose();
            },
          };
        },
      },
      // The default landing page loads Apollo Sandbox from a CDN; our IDE is bundled.
      ApolloServerPluginLandingPageDisabled(),
      limitsPlugin,
    ],
  });
  await apollo.start();

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "GET" && opts.ideDir && !url.searchParams.has("query") && (req.headers.accept ?? "").includes("text/html")) {
      if (serveFile(res, opts.ideDir, "index.html", method)) return;
      sendError(res, new DomainError("NOT_FOUND", "the GraphiQL IDE is not built: run npm run build"));
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(headersOf(req))) if (value !== undefined) headers.set(key, value);
    let body: unknown = undefined;
    if (method === "POST") {
      const raw = await readBody(req, limits.maxBodyBytes);
      const type = (req.headers["content-type"] ?? "").toLowerCase();
      if (type.startsWith("application/json") || type.startsWith("application/graphql-response+json")) {
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
        } catch (err) {
          throw new DomainError("BAD_USER_INPUT", `request body: not JSON (${(err as Error).message})`);
        }
      } else {
        body = raw.toString("utf8");
      }
    }
    const request: HTTPGraphQLRequest = { method, headers, search: url.search, body };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: () => createRequestContext(deps, limits, requestInfo(req, res)),
    });
    const out: Record<string, string> = {};
    for (const [key, value] of response.headers) out[key] = value;
    res.writeHead(response.status ?? 200, out);
    if (response.body.kind === "complete") {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  return { apollo, handle };
}
