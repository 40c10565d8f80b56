/**
 * `buildServer(deps)`: racelab's HTTP server, shared by `racelab serve` and
 * the tests. One port serves
 *   - POST/GET /graphql      Apollo Server 5 (queries, mutations), body capped;
 *   - GET /graphql (html)     the GraphiQL IDE, bundled at build time, nothing from a CDN;
 *   - ws  /graphql            graphql-ws subscriptions (`replay`), same schema and limits;
 *   - POST /upload            large logs (multipart/form-data or a raw body), size capped;
 *   - GET /healthz            liveness;
 *   - GET /*                  the web page (issue 8), when a static folder is given.
 * Depth and cost limits are checked before execution on both transports; every
 * error leaves through `resolvers/errors.ts`. `stop()` drains: in-flight
 * requests finish, subscriptions are closed, then the caller closes the store.
 */
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import busboy from "busboy";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getVariableValues,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { DomainError } from "./errors.ts";
import { authorizeTraceWrite, createRequestContext, DEFAULT_LIMITS, type ApiDeps, type ApiLimits, type ImportOptions, type RequestContext } from "./resolvers/context.ts";
import { domainCause, errorBody, formatError, HTTP_STATUS, toGraphQLError, type ErrorFormatting } from "./resolvers/errors.ts";
import { buildApiSchema } from "./resolvers/index.ts";
import { checkLimits } from "./resolvers/limits/index.ts";
import { FIELD_WEIGHTS } from "./resolvers/limits/cost.ts";
import type { ImportResult } from "./resolvers/models.ts";

export interface ServerOptions {
  readonly limits?: Partial<ApiLimits>;
  /** Schema introspection (default: on, off when NODE_ENV=production). */
  readonly introspection?: boolean;
  /** The GraphiQL IDE at GET /graphql (default: on, off when NODE_ENV=production). */
  readonly ide?: boolean;
  /** Folder of the built IDE (default: src/generated/ide, written by `npm run build`). */
  readonly ideDir?: string;
  /** Folder served at `/` (the web page of issue 8); none by default. */
  readonly staticDir?: string | null;
  /** Hide messages of unexpected errors (default: NODE_ENV=production). */
  readonly maskInternalErrors?: boolean;
  /** Where unexpected errors are reported (default: stderr). */
  readonly log?: (message: string, error?: unknown) => void;
  /** Longest wait for in-flight requests on stop (ms, default 10 s). */
  readonly stopGraceMs?: number;
}

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

const isProduction = (env: NodeJS.ProcessEnv) => env.NODE_ENV === "production";

function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new DomainError("BAD_USER_INPUT", `${name}: expected true or false, got ${JSON.stringify(v)}`);
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new DomainError("BAD_USER_INPUT", `${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Server options from the environment (for production: `NODE_ENV=production`
 * turns introspection, the IDE and internal error messages off unless set):
 * RACELAB_INTROSPECTION, RACELAB_IDE, RACELAB_STATIC_DIR, RACELAB_MAX_DEPTH,
 * RACELAB_MAX_COST, RACELAB_MAX_PAGE_SIZE, RACELAB_MAX_BODY_BYTES, RACELAB_MAX_UPLOAD_BYTES.
 */
export function serverOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const prod = isProduction(env);
  const limits: Partial<Record<keyof ApiLimits, number>> = {};
  const set = (key: keyof ApiLimits, name: string) => {
    const n = envInt(env, name);
    if (n !== undefined) limits[key] = n;
  };
  set("maxDepth", "RACELAB_MAX_DEPTH");
  set("maxCost", "RACELAB_MAX_COST");
  set("maxPageSize", "RACELAB_MAX_PAGE_SIZE");
  set("maxBodyBytes", "RACELAB_MAX_BODY_BYTES");
  set("maxUploadBytes", "RACELAB_MAX_UPLOAD_BYTES");
  return {
    limits,
    introspection: envFlag(env, "RACELAB_INTROSPECTION", !prod),
    ide: envFlag(env, "RACELAB_IDE", !prod),
    staticDir: env.RACELAB_STATIC_DIR || null,
    maskInternalErrors: prod,
  };
}

// ---- small HTTP helpers ----------------------------------------------------------

function sendJson(res: http.ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: DomainError, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, HTTP_STATUS[err.code], errorBody(err), extraHeaders);
}

function tooLarge(what: string, limit: number): DomainError {
  return new DomainError("PAYLOAD_TOO_LARGE", `${what} exceeds the limit of ${limit} bytes`);
}

/** Reads a request body up to `limit` bytes; past it, rejects with PAYLOAD_TOO_LARGE (the rest is not read). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return reject(tooLarge("request body", limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        reject(tooLarge("request body", limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".map": "application/json; charset=utf-8",
};

/** Serves `rel` from `root` if it is a file inside it; false when there is none. */
function serveFile(res: http.ServerResponse, root: string, rel: string, method: string): boolean {
  const base = path.resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return false; // malformed %-escape: no such file
  }
  const file = path.resolve(base, "." + path.posix.normalize("/" + decoded));
  if (file !== base && !file.startsWith(base + path.sep)) return false;
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.writeHead(200, {
    "content-type": MIME[path.extname(file)] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": "no-cache",
  });
  if (method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}

/** Browsers send simple cross-site POSTs without a preflight; uploads must prove they are not one (as Apollo's CSRF rule). */
function uploadLooksCrossSite(req: http.IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const simple = type === "" || type === "text/plain" || type === "multipart/form-data" || type === "application/x-www-form-urlencoded";
  return simple && req.headers["x-racelab-upload"] === undefined && req.headers["apollo-require-preflight"] === undefined;
}

function boolParam(v: string | null | undefined): boolean {
  return v != null && /^(1|true|yes|on)$/i.test(v);
}

/** The request has a body that was not read to its end. */
function bodyUnread(req: http.IncomingMessage): boolean {
  const length = req.headers["content-length"];
  const hasBody = req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  return hasBody && !req.readableEnded;
}

function headersOf(req: http.IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) out[key] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

function lowerKeys(params: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params ?? {})) if (typeof value === "string") out[key.toLowerCase()] = value;
  return out;
}

/** graphql-js errors with the `extensions.code` Apollo gives the same errors over HTTP. */
function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code } }),
  );
}

// ---- the server --------------------------------------------------------------------

export async function buildServer(deps: ApiDeps, options: ServerOptions = {}): Promise<RacelabServer> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const introspection = options.introspection ?? true;
  const ideEnabled = options.ide ?? true;
  const ideDir = options.ideDir ?? DEFAULT_IDE_DIR;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`racelab serve: ${message}`, error ?? ""));
  const formatting: ErrorFormatting = { maskInternal: options.maskInternalErrors ?? false, log };
  const grace = options.stopGraceMs ?? 10_000;
  const modules = deps.modules ?? [];
  const schema = buildApiSchema(modules);
  const weights = Object.assign({}, FIELD_WEIGHTS, ...modules.map((m) => m.fieldWeights ?? {}));
  const httpServer = http.createServer();

  // graphql-ws on the same port and path.
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: limits.maxBodyBytes });
  const extraRules = introspection ? [] : [NoSchemaIntrospectionCustomRule];
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e, formatting));
  const wsCleanup = useServer<Record<string, unknown> | undefined, { request: http.IncomingMessage }>(
    {
      schema,
      // Headers of the upgrade request, and connectionParams (where browsers put an Authorization).
      context: (ctx) => createRequestContext(deps, limits, { headers: { ...headersOf(ctx.extra.request), ...lowerKeys(ctx.connectionParams) } }),
      // The same phases and codes as Apollo's pipeline for HTTP: parse, validate, limits, variables.
      onSubscribe: (_ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return withCode([err instanceof GraphQLError ? err : new GraphQLError(String(err))], "GRAPHQL_PARSE_FAILED");
        }
        const errors = validate(schema, document, [...specifiedRules, ...extraRules]);
        if (errors.length > 0) return withCode(errors, "GRAPHQL_VALIDATION_FAILED");
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return withCode([new GraphQLError("no operation to run in this document")], "OPERATION_RESOLUTION_FAILURE");
        const limit = checkLimits(schema, document, payload.operationName, payload.variables, limits, weights);
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

  const limitsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const err = checkLimits(schema, document, request.operationName, request.variables, limits, weights);
          if (err) throw toGraphQLError(err, true);
        },
      };
    },
  };

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection,
    // Without introspection, "did you mean" hints would leak the schema.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatError(formatted, error, formatting),
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: grace }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
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

  async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "GET" && ideEnabled && !url.searchParams.has("query") && (req.headers.accept ?? "").includes("text/html")) {
      if (serveFile(res, ideDir, "index.html", method)) return;
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
      context: () => createRequestContext(deps, limits, { headers: headersOf(req) }),
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

  /** POST /upload[?name=&format=&skipInvalid=]: spools the log to a temp file, then imports it. */
  async function handleUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (uploadLooksCrossSite(req)) {
      throw new DomainError(
        "BAD_USER_INPUT",
        "upload: send a non-simple Content-Type (e.g. application/octet-stream) or an X-Racelab-Upload header",
      );
    }
    // Before a byte of the body is read: a refused client must not get to send a gigabyte first.
    await authorizeTraceWrite(await createRequestContext(deps, limits, { headers: headersOf(req) }), "upload");
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limits.maxUploadBytes) throw tooLarge("upload", limits.maxUploadBytes);
    const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-upload-"));
    try {
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      const isMultipart = (req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");
      // The importer names a trace after its file unless given a name: keep the client's file name.
      const file = isMultipart
        ? await spoolMultipart(req, dir, params, limits.maxUploadBytes)
        : await spoolRaw(req, path.join(dir, safeFileName(params.fileName)), limits.maxUploadBytes);
      const options: ImportOptions = {
        name: params.name || null,
        format: params.format || null,
        skipInvalid: boolParam(params.skipInvalid),
        // Messages and the trace's source name the client's file, never our spool path.
        displayName: path.basename(file),
      };
      const report: ImportResult = await deps.importer.importFile(file, options);
      // The fields of GraphQL's ImportReport (its trace as id, name, version).
      const { trace, warningCounts, ...rest } = report;
      sendJson(res, 200, { trace: { id: trace.id, name: trace.name, version: trace.version }, ...rest, warnings: warningCounts });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === "/graphql") return handleGraphQL(req, res, url);
    if (url.pathname.startsWith("/graphql/ide/") && (method === "GET" || method === "HEAD")) {
      if (ideEnabled && serveFile(res, ideDir, url.pathname.slice("/graphql/ide/".length), method)) return;
      return sendError(res, new DomainError("NOT_FOUND", `no file ${url.pathname}`));
    }
    if (url.pathname === "/upload") {
      if (method !== "POST") return sendError(res, new DomainError("BAD_USER_INPUT", "upload: use POST"), { allow: "POST" });
      return handleUpload(req, res, url);
    }
    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true });
    if (options.staticDir && (method === "GET" || method === "HEAD")) {
      const rel = url.pathname.endsWith("/") ? url.pathname + "index.html" : url.pathname;
      if (serveFile(res, options.staticDir, rel, method)) return;
      // Client-side routes of the web page fall back to its index.
      if (!path.extname(url.pathname) && serveFile(res, options.staticDir, "index.html", method)) return;
    }
    sendError(res, new DomainError("NOT_FOUND", `no route ${method} ${url.pathname}`));
  }

  // Requests whose work is still running, even if their client has gone: stop() waits for them,
  // so the caller never closes the pool under a resolver.
  const inFlight = new Set<Promise<void>>();
  httpServer.on("request", (req, res) => {
    const work: Promise<void> = route(req, res)
      .catch((err: unknown) => {
        const domain = domainCause(err);
        if (!domain) log("request failed", err);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const failure = domain ?? new DomainError("INTERNAL", formatting.maskInternal ? "internal error" : `internal error: ${String((err as Error)?.message ?? err)}`);
        // The unread rest of a body (oversized, or refused before reading) would otherwise be taken for the next request.
        sendError(res, failure, bodyUnread(req) ? { connection: "close" } : {});
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  async function stop(): Promise<void> {
    await apollo.stop();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
    await Promise.race([Promise.allSettled([...inFlight]), expired]);
    clearTimeout(timer);
  }

  let stopping: Promise<void> | null = null;
  return {
    httpServer,
    apollo,
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

// ---- upload spooling -------------------------------------------------------------------

/** A client's file name as a plain name inside our spool folder. */
function safeFileName(name: string | null | undefined): string {
  const base = path.basename((name ?? "").replace(/\\/g, "/")).replace(/[^A-Za-z0-9._-]/g, "_");
  return base && base !== "." && base !== ".." ? base : "upload";
}

async function spoolRaw(req: http.IncomingMessage, file: string, limit: number): Promise<string> {
  let size = 0;
  const out = createWriteStream(file);
  await pipeline(
    req,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw tooLarge("upload", limit);
        yield chunk;
      }
    },
    out,
  );
  if (size === 0) throw new DomainError("BAD_USER_INPUT", "upload: empty body");
  return file;
}

/** Spools the one file part into `dir` under its own name; fields `name`, `format`, `skipInvalid` fill `params` unless given in the URL. */
function spoolMultipart(req: http.IncomingMessage, dir: string, params: Record<string, string>, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: limit, fields: 10, fieldSize: 64 * 1024 } });
    } catch (err) {
      reject(new DomainError("BAD_USER_INPUT", `upload: ${(err as Error).message}`));
      return;
    }
    let file = "";
    let written: Promise<void> | null = null;
    let failed = false;
    const fail = (err: DomainError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    parser.on("field", (name, value) => {
      if (["name", "format", "skipInvalid"].includes(name) && params[name] === undefined) params[name] = value;
    });
    parser.on("file", (_field, stream, info) => {
      if (written) {
        stream.resume();
        return;
      }
      file = path.join(dir, safeFileName(info.filename));
      stream.on("limit", () => fail(tooLarge("upload", limit)));
      written = pipeline(stream, createWriteStream(file));
    });
    parser.on("filesLimit", () => fail(new DomainError("BAD_USER_INPUT", "upload: send one file")));
    parser.on("error", (err: Error) => fail(new DomainError("BAD_USER_INPUT", `upload: ${err.message}`)));
    parser.on("close", () => {
      if (failed) return;
      if (!written) return fail(new DomainError("BAD_USER_INPUT", "upload: no file part in the form"));
      written.then(
        () => (failed ? undefined : existsSync(file) && statSync(file).size > 0 ? resolve(file) : fail(new DomainError("BAD_USER_INPUT", "upload: empty file"))),
        (err: Error) => fail(new DomainError("BAD_USER_INPUT", `upload: ${err.message}`)),
      );
    });
    req.pipe(parser);
  });
}
