/**
 * The one typed context of the resolvers: the domain services (store, replay,
 * importer, reference data) shared by the whole server, plus per-request
 * DataLoaders and the limits in force. Resolvers only see these interfaces; no
 * SQL and no Prisma here (STYLE.md 6).
 */
import { NO_OWNER, type EventStore, type SnapshotStore, type TraceInfo, type TraceOwner } from "../events/store.ts";
import type { JobOwner } from "../jobs/budgets.ts";
import type { JobRequest, JobRunner } from "../jobs/runner.ts";
import type { AppliedStep } from "../replay/steps.ts";
import type { ReplayService } from "../replay/types.ts";
import type { FixInfo, ImportResult, RaceInfo, ScenarioInfo } from "./models.ts";
import { createLoaders, type Loaders } from "./loaders.ts";
import { requestImporter, requestReplay } from "./jobs.ts";

export interface ImportOptions {
  /** Trace name; default: from the file name. */
  readonly name?: string | null;
  readonly format?: string | null;
  readonly skipInvalid?: boolean;
  /** The file name the client knows (an upload's), for messages and the trace's source; not a server path. */
  readonly displayName?: string | null;
  /** Who the new trace belongs to (default: nobody, as if made on the machine). */
  readonly owner?: TraceOwner;
}

/** The importer as the API uses it (issue 4): an ftrace/JSON-lines log into a stored trace. */
export interface TraceImporter {
  importText(text: string, options: ImportOptions): Promise<ImportResult>;
  /** Large logs: the upload endpoint spools the body to a file first. */
  importFile(path: string, options: ImportOptions): Promise<ImportResult>;
}

/** Reference data: the rule registry, the races, the seed scenarios. */
export interface ReferenceData {
  fixes(): readonly FixInfo[];
  races(): Promise<readonly RaceInfo[]>;
  scenarios(): Promise<readonly ScenarioInfo[]>;
}

export type { AppliedStep } from "../replay/steps.ts";

/** A replay that streams its steps (the `replay` subscription), `fromSeq..to`, in batches. */
export interface ReplaySteps {
  steps(traceId: string, rules: readonly string[], fromSeq: number, to: number): AsyncIterable<AppliedStep>;
}

/** What a module may read of the request: HTTP headers, or a WebSocket's upgrade headers and connectionParams. */
export interface RequestInfo {
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The client's address (an anonymous client's jobs are accounted to it). */
  readonly remoteAddress?: string;
  /** Aborted when the client goes away: its heavy jobs stop. */
  readonly signal?: AbortSignal;
}

/**
 * Who may read and write which trace, for one request: the classroom decides
 * (src/auth/traces.ts); without it, a server is one person's own and
 * everyone may do everything (`OPEN_ACCESS`).
 */
export interface TraceAccess {
  /** For each of `traces` this request may not read, why (the message of its FORBIDDEN). */
  refusals(traces: readonly TraceInfo[]): Promise<ReadonlyMap<string, string>>;
  /**
   * Throws (UNAUTHENTICATED, FORBIDDEN) unless this request may make the
   * write `what` names: with `trace` null, any trace write at all (checked
   * before a body is read); with a trace, a write to that one.
   */
  authorizeWrite(what: string, trace: TraceInfo | null): Promise<void>;
  /** Who a trace this request creates belongs to. */
  newOwner(): TraceOwner;
}

export const OPEN_ACCESS: TraceAccess = Object.freeze({
  refusals: async () => new Map<string, string>(),
  authorizeWrite: async () => {},
  newOwner: () => NO_OWNER,
});

/**
 * A part of the API defined beside the core schema (the explorer, the
 * classroom): SDL that extends it, its resolvers, what it adds to each
 * request's context (e.g. the viewer of a bearer token), and the cost
 * weights of its dear fields ("Type.field", see limits/cost.ts).
 */
export interface ApiModule {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers: Readonly<Record<string, unknown>>;
  readonly context?: (request: RequestInfo) => Promise<Record<string, unknown>> | Record<string, unknown>;
  readonly fieldWeights?: Readonly<Record<string, number>>;
  /**
   * The trace access of a request (one module may give it): `ctx` is the
   * request's context, with what every module's `context` added.
   */
  readonly traceAccess?: (ctx: Readonly<Record<string, unknown>>) => TraceAccess;
  /** Whom a request's heavy jobs are accounted to (its viewer): one module may say; else the request is its server's owner's. */
  readonly jobOwner?: (ctx: Readonly<Record<string, unknown>>, request: RequestInfo) => Promise<JobOwner> | JobOwner;
}

export interface ApiDeps {
  readonly store: EventStore & SnapshotStore;
  /** This process's spool folder (src/spool.ts): uploads and other temporary files. */
  readonly spoolDir: string;
  /** Where replays, explorations and imports run (src/jobs): worker threads on a server. */
  readonly jobs: JobRunner;
  readonly reference: ReferenceData;
  readonly modules?: readonly ApiModule[];
}

export interface ApiLimits {
  /** Deepest field nesting of an operation (introspection included). */
  readonly maxDepth: number;
  /** Highest estimated cost of an operation (see limits/cost.ts). */
  readonly maxCost: number;
  /** Most aliased fields in an operation, fragments expanded. */
  readonly maxAliases: number;
  /** Most directives in an operation, fragments expanded. */
  readonly maxDirectives: number;
  /** Most fields an operation names, fragments expanded. */
  readonly maxFields: number;
  /** Most tokens in a document (the parser stops there). */
  readonly maxTokens: number;
  /** Largest `first` of a connection. */
  readonly maxPageSize: number;
  /** `first` when none is given. */
  readonly defaultPageSize: number;
  /** Largest HTTP request body at /graphql, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest upload at /upload, in bytes. */
  readonly maxUploadBytes: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxDepth: 15,
  maxCost: 20_000,
  maxAliases: 20,
  maxDirectives: 50,
  maxFields: 2_000,
  maxTokens: 10_000,
  maxPageSize: 1000,
  defaultPageSize: 100,
  maxBodyBytes: 16 * 1024 * 1024,
  maxUploadBytes: 1024 * 1024 * 1024,
};

export interface RequestContext extends ApiDeps {
  readonly loaders: Loaders;
  readonly limits: ApiLimits;
  readonly traceAccess: TraceAccess;
  /** The request's jobs: its owner's budget, stopped when the client goes away. */
  readonly job: JobRequest;
  /** The replay and the importer, as jobs of this request. */
  readonly replay: ReplayService & ReplaySteps;
  readonly importer: TraceImporter;
}

/**
 * A fresh context per request (HTTP) or per subscription (graphql-ws):
 * loaders cache per request only (and read only what the request may read);
 * modules add their fields.
 */
export async function createRequestContext(deps: ApiDeps, limits: ApiLimits, request: RequestInfo = { headers: {} }): Promise<RequestContext> {
  const modules = deps.modules ?? [];
  const extra = await Promise.all(modules.map((m) => m.context?.(request) ?? {}));
  const base: Record<string, unknown> = Object.assign({}, ...extra, deps, { limits });
  const traceAccess = modules.find((m) => m.traceAccess)?.traceAccess?.(base) ?? OPEN_ACCESS;
  const ownerOf = modules.find((m) => m.jobOwner)?.jobOwner;
  const owner: JobOwner = ownerOf ? await ownerOf(base, request) : SERVER_OWNER;
  const job: JobRequest = { owner, ...(request.signal ? { signal: request.signal } : {}) };
  const replay = requestReplay(deps.jobs, job);
  return Object.assign(base, {
    traceAccess,
    job,
    replay,
    importer: requestImporter(deps, job),
    loaders: createLoaders(deps.store, replay, traceAccess),
  }) as unknown as RequestContext;
}

/** A server without accounts is one person's own: its requests have an instructor's budget. */
const SERVER_OWNER: JobOwner = Object.freeze({ key: "owner", role: "instructor" });
