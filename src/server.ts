/**
 * `buildServer(deps)`: racelab's HTTP server, shared by `racelab serve` and
 * the tests. One port serves
 *   - POST/GET /graphql      Apollo Server 5 (queries, mutations), body capped (server/graphql-http.ts);
 *   - GET /graphql (html)     the GraphiQL IDE, bundled at build time, nothing from a CDN;
 *   - ws  /graphql            graphql-ws subscriptions (`replay`), same schema and limits (server/ws.ts);
 *   - POST /upload            large logs (multipart/form-data or a raw body), size capped (server/upload.ts);
 *   - GET /healthz            liveness; /healthz/jobs: the job pool's counts;
 *   - GET /*                  the web page, when a static folder is given (server/static.ts).
 * Limits are checked before execution on both transports; every error leaves
 * through `resolvers/errors.ts`. `stop()` drains: in-flight requests finish,
 * subscriptions are closed, then the caller closes the store.
 */
import http from "node:http";
import { fileURLToPath } from "node:url";
import type { ApolloServer } from "@apollo/server";
import { NoSchemaIntrospectionCustomRule, type GraphQLSchema } from "graphql";
import { DomainError } from "./errors.ts";
import { DEFAULT_LIMITS, type ApiDeps, type ApiLimits, type RequestContext } from "./resolvers/context.ts";
import { domainCause, publicError, type ErrorFormatting } from "./resolvers/errors.ts";
import { buildApiSchema } from "./resolvers/index.ts";
import { FIELD_WEIGHTS } from "./resolvers/limits/cost.ts";
import { checkLimits } from "./resolvers/limits/index.ts";
import { startGraphQLHttp } from "./server/graphql-http.ts";
import { bodyUnread, sendError, sendJson } from "./server/http.ts";
import type { ServerOptions } from "./server/options.ts";
import { serveFile, serveStaticPage } from "./server/static.ts";
import { handleUpload } from "./server/upload.ts";
import { startSubscriptions, type OperationCheck } from "./server/ws.ts";

export { serverOptionsFromEnv, type ServerOptions } from "./server/options.ts";

export interface RacelabServer {
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<RequestContext>;
  readonly schema: GraphQLSchema;
  readonly limits: ApiLimits;
  /** Starts listening (port 0 = any free port). */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish, closes subscriptions. Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_IDE_DIR = fileURLToPath(new URL("./generated/ide/", import.meta.url));

export async function buildServer(deps: ApiDeps, options: ServerOptions = {}): Promise<RacelabServer> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const introspection = options.introspection ?? true;
  const ideDir = (options.ide ?? true) ? (options.ideDir ?? DEFAULT_IDE_DIR) : null;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`racelab serve: ${message}`, error ?? ""));
  const formatting: ErrorFormatting = { maskInternal: options.maskInternalErrors ?? true, log };
  const graceMs = options.stopGraceMs ?? 10_000;
  const modules = deps.modules ?? [];
  const schema = buildApiSchema(modules);
  const weights = Object.assign({}, FIELD_WEIGHTS, ...modules.map((m) => m.fieldWeights ?? {}));
  const check: OperationCheck = (document, operationName, variables) => checkLimits(schema, document, operationName, variables, limits, weights);
  const httpServer = http.createServer();

  const subscriptions = startSubscriptions(httpServer, schema, deps, limits, {
    extraRules: introspection ? [] : [NoSchemaIntrospectionCustomRule],
    check,
    formatting,
  });
  const graphql = await startGraphQLHttp(httpServer, schema, deps, limits, { introspection, ideDir, check, formatting, graceMs, subscriptions });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === "/graphql") return graphql.handle(req, res, url);
    if (url.pathname.startsWith("/graphql/ide/") && (method === "GET" || method === "HEAD")) {
      if (ideDir && serveFile(res, ideDir, url.pathname.slice("/graphql/ide/".length), method)) return;
      return sendError(res, new DomainError("NOT_FOUND", `no file ${url.pathname}`));
    }
    if (url.pathname === "/upload") {
      if (method !== "POST") return sendError(res, new DomainError("BAD_USER_INPUT", "upload: use POST"), { allow: "POST" });
      return handleUpload(deps, limits, req, res, url);
    }
    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true });
    // What the heavy work is doing: running and queued jobs, jobs stopped over budget or for a client gone.
    if (url.pathname === "/healthz/jobs") return sendJson(res, 200, deps.jobs.stats());
    if (options.staticDir && (method === "GET" || method === "HEAD") && serveStaticPage(res, options.staticDir, url.pathname, method)) return;
    sendError(res, new DomainError("NOT_FOUND", `no route ${method} ${url.pathname}`));
  }

  // Requests whose work is still running, even if their client has gone: stop() waits for them,
  // so the caller never closes the pool under a resolver.
  const inFlight = new Set<Promise<void>>();
  httpServer.on("request", (req, res) => {
    const work: Promise<void> = route(req, res)
      .catch((err: unknown) => {
        const domain = domainCause(err) ?? new DomainError("INTERNAL", `internal error: ${String((err as Error)?.message ?? err)}`, { cause: err });
        const failure = publicError(domain, formatting);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // The unread rest of a body (oversized, or refused before reading) would otherwise be taken for the next request.
        sendError(res, failure, bodyUnread(req) ? { connection: "close" } : {});
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  async function stop(): Promise<void> {
    await graphql.apollo.stop();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...inFlight]), expired]);
    clearTimeout(timer);
  }

  let stopping: Promise<void> | null = null;
  return {
    httpServer,
    apollo: graphql.apollo,
    schema,
    limits,
    listen: (port = 0, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          const address = httpServer.address();
          const actual = typeof address === "object" && address ? address.port : port;
          resolve({ port: actual, url: `http://${host.includes(":") ? `[${host}]` : host}:${actual}` });
        });
      }),
    stop: () => (stopping ??= stop()),
  };
}
