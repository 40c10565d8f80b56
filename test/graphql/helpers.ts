/**
 * HTTP/WebSocket test rig for the GraphQL API: a real server (`buildServer`
 * with the real store, replay, importer and seeds) listening on a free
 * loopback port, over a fresh database per test file (test/helpers/db.ts).
 *
 *   const rig = rigForFile({ seeds: ["balance-vs-unused-bg-deletion"] });
 *   test("…", async () => { const res = await rig.gql(`{ traces { totalCount } }`); });
 *
 * (`startRig()` starts one by hand, e.g. with other options beside it; `close()` stops it.)
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { EventStore, TraceInfo } from "../../src/events/store.ts";
import { counted } from "../helpers/counting.ts";
import type { ApiDeps, ApiModule } from "../../src/resolvers/context.ts";
import { createApiDeps, EXPLORE_MODULE } from "../../src/resolvers/deps.ts";
import { loadScenarioFile, scenarioMeta, SEEDS_DIR, storeScenario } from "../../src/scenario/load.ts";
import { buildServer, type RacelabServer, type ServerOptions } from "../../src/server.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";
import { forFile } from "../helpers/for-file.ts";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(HERE, "fixtures");

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string } & Record<string, unknown>;
}

export interface GqlResponse<T = any> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
}

export interface Rig {
  readonly db: TestDatabase;
  readonly server: RacelabServer;
  readonly url: string;
  /** Store calls made through the server, by method name (the real store behind). */
  readonly calls: Map<string, number>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, init?: { headers?: Record<string, string> }): Promise<GqlResponse<T>>;
  /** A graphql-ws client on the same port. */
  ws(connectionParams?: Record<string, unknown>): Client;
  close(): Promise<void>;
}

/** `modules`: more API modules, beside the explorer that `racelab serve` has. */
export async function startRig(options: ServerOptions = {}, db?: TestDatabase, modules?: readonly ApiModule[]): Promise<Rig> {
  const database = db ?? (await freshDatabase());
  const calls = new Map<string, number>();
  const deps: ApiDeps = createApiDeps(counted(database.store, calls), { modules: [EXPLORE_MODULE, ...(modules ?? [])] });
  const server = await buildServer(deps, { log: () => {}, ...options });
  const { url } = await server.listen(0, "127.0.0.1");
  const clients: Client[] = [];
  return {
    db: database,
    server,
    url,
    calls,
    async gql(query, variables, init) {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...init?.headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: GqlError[] };
      return { status: res.status, ...body } as GqlResponse;
    },
    ws(connectionParams) {
      const client = createClient({ url: `${url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.stop();
      if (!db) await database.drop();
    },
  };
}

export interface FileRig extends Rig {
  /** The seed traces stored at the start, by scenario name. */
  readonly seeded: Readonly<Record<string, TraceInfo>>;
}

/** A rig for the whole test file (test/helpers/for-file.ts), the `seeds` scenarios stored as traces first. */
export function rigForFile(opts: { options?: ServerOptions; seeds?: readonly string[] } = {}): FileRig {
  return forFile(
    async () => {
      const rig = await startRig(opts.options);
      const seeded: Record<string, TraceInfo> = {};
      for (const name of opts.seeds ?? []) seeded[name] = await seedTrace(rig.db.store, name);
      return { ...rig, seeded };
    },
    (rig) => rig.close(),
  );
}

/**
 * Stores a seed scenario (seeds/<name>.scenario) as a trace: as `racelab seed`
 * does when no other name is given, else as one more copy under `traceName`.
 */
export async function seedTrace(store: EventStore, name: string, traceName?: string): Promise<TraceInfo> {
  const scenario = loadScenarioFile(path.join(SEEDS_DIR, `${name}.scenario`));
  if (traceName === undefined) return (await storeScenario(store, scenario)).trace;
  return store.importTrace(
    { name: traceName, source: { file: path.basename(scenario.file), hash: null, format: "scenario" }, meta: scenarioMeta(scenario) },
    (async function* () {
      yield scenario.events;
    })(),
  );
}

export const CANONICAL = [
  "balance-vs-unused-bg-deletion",
  "trim-vs-bg-removal",
  "bg-creation-vs-cache-writeout",
  "scrub-vs-bg-deletion",
] as const;

/** All messages of one subscription until it completes (or errors). */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown>): Promise<{ next: { data?: T; errors?: GqlError[] }[]; error: unknown }> {
  return new Promise((resolve) => {
    const next: { data?: T; errors?: GqlError[] }[] = [];
    client.subscribe<T>(
      { query, variables },
      {
        next: (m) => next.push(m as { data?: T; errors?: GqlError[] }),
        error: (error) => resolve({ next, error }),
        complete: () => resolve({ next, error: null }),
      },
    );
  });
}

/** The one error of a response, with a message naming what went wrong. */
export function onlyError(res: GqlResponse): GqlError {
  expect(res.errors).toHaveLength(1);
  return res.errors![0]!;
}
