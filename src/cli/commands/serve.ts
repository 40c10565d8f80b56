/**
 * `racelab serve [--port P] [--host H] [--static DIR]`: the GraphQL API
 * (and the IDE, and the web page when built) on the embedded database or
 * `DATABASE_URL`. SIGTERM/SIGINT stop it gracefully: no new connections,
 * in-flight requests finish, subscriptions close, then the pool is closed.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DomainError } from "../../errors.ts";
import type { RacelabServer } from "../../server.ts";
import type { DurableQueue } from "../../jobs/queue.ts";
import { defaultDataDir } from "../../db/data-dir.ts";
import { processSpool, sweepSpool } from "../../spool.ts";
import { openCommandStore, type StorelessContext } from "../command.ts";

export const name = "serve";
export const summary = "serve the GraphQL API (GraphiQL IDE, subscriptions, uploads) over HTTP";
export const usage = "racelab serve [--port P] [--host H] [--static DIR] [--no-worker] [--debug]";
/** Opens the store itself and stops gracefully on SIGTERM (main's signal handler would exit at once). */
export const needsStore = false;
export const help = `Usage: ${usage}

Serves the GraphQL API at http://H:P/graphql (the GraphiQL IDE in a browser,
subscriptions over graphql-ws on the same path) and POST /upload for large logs
(multipart/form-data or a raw body; ?name=&format=&skipInvalid=).
SIGTERM or Ctrl-C: in-flight requests finish, then the database is closed.

Options:
  --port P       port (default: $PORT, else 4000; 0 = any free port)
  --host H       address to listen on (default: $RACELAB_HOST, else 127.0.0.1)
  --static DIR   serve DIR at / (default: $RACELAB_STATIC_DIR, else the built web page web/dist)
  --no-worker    take no long jobs (large imports, big explorations, snapshot builds) from the
                 durable queue: leave them to \`racelab worker\` processes (docs/scaling.md)
  --debug        answers show what an internal failure said (its message: paths, SQL); without it
                 clients get "internal error" and the server's log has the rest
  -h, --help     this help

Environment: DATABASE_URL (else the embedded PostgreSQL in $RACELAB_DATA_DIR or ./.racelab);
NODE_ENV=production turns introspection and the IDE off, unless
RACELAB_INTROSPECTION / RACELAB_IDE (true|false) say otherwise; replays, explorations and imports run
in RACELAB_WORKERS worker threads (default: the CPUs) of RACELAB_WORKER_HEAP_MB each (768) under each
viewer's budget (docs/scaling.md); limits: RACELAB_MAX_DEPTH,
RACELAB_MAX_COST, RACELAB_MAX_PAGE_SIZE, RACELAB_MAX_BODY_BYTES, RACELAB_MAX_UPLOAD_BYTES.
`;

export interface ServeFlags {
  readonly port: number;
  readonly host: string;
  readonly staticDir: string | null;
  /** Take long jobs from the durable queue (default true). */
  readonly worker: boolean;
  readonly help: boolean;
}

/** Checks the flags (and PORT); opens nothing. */
export const parse = (argv: readonly string[]): ServeFlags => parseServeArgs(argv);

export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        static: { type: "string" },
        "no-worker": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `serve: ${(err as Error).message}`);
  }
  const portText = values.port ?? env.PORT ?? "4000";
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) {
    throw new DomainError("BAD_USER_INPUT", `${values.port !== undefined ? "--port" : "PORT"}: expected a port number 0..65535, got ${JSON.stringify(portText)}`);
  }
  return {
    port,
    host: values.host ?? env.RACELAB_HOST ?? "127.0.0.1",
    staticDir: values.static ?? env.RACELAB_STATIC_DIR ?? builtWebPage(),
    worker: !(values["no-worker"] ?? false),
    help: values.help ?? false,
  };
}

/** The classroom page built by `npm run build` (web/dist), served at / by default when present. */
function builtWebPage(): string | null {
  const dir = fileURLToPath(new URL("../../../web/dist", import.meta.url));
  return existsSync(path.join(dir, "index.html")) ? dir : null;
}

export interface RunningServe {
  readonly url: string;
  readonly port: number;
  /** Graceful stop: drain the server, then close the store (and the embedded database). */
  stop(): Promise<void>;
}

export async function startServe(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env, debug = false): Promise<RunningServe> {
  // The server's modules (Apollo, the resolvers, the job pool and queue, the database) load when it starts, not for --help.
  const [{ allModules, createApiDeps }, { buildServer, serverOptionsFromEnv }, { poolOptionsFromEnv, poolRunner }, { DurableQueue, longJobsFromEnv, routedRunner }] =
    await Promise.all([import("../../resolvers/deps.ts"), import("../../server.ts"), import("../../jobs/runner.ts"), import("../../jobs/queue.ts")]);
  const options = { ...serverOptionsFromEnv(env), staticDir: flags.staticDir, maskInternalErrors: !debug };
  const store = await openCommandStore({ url: env.DATABASE_URL || null });
  try {
    // What a killed server left in the spool goes now; this one's own spool is made on first use.
    const dataDir = defaultDataDir(env);
    sweepSpool(dataDir);
    // Heavy work in worker threads (the request loop only waits); long jobs through the durable queue.
    const spoolDir = processSpool(dataDir);
    const pool = poolRunner({ databaseUrl: store.db.url, spoolDir, ...poolOptionsFromEnv(env) });
    let queue: DurableQueue | null = null;
    let server: RacelabServer;
    let url: string;
    let port: number;
    try {
      queue = await DurableQueue.open(store.db, spoolDir);
      if (flags.worker) await queue.consume(pool, 1);
      server = await buildServer(createApiDeps(store, { modules: allModules(store), dataDir, jobs: routedRunner(pool, queue, longJobsFromEnv(env)) }), options);
      ({ url, port } = await server.listen(flags.port, flags.host));
    } catch (err) {
      await queue?.close();
      await pool.close();
      throw err;
    }
    let stopping: Promise<void> | null = null;
    return {
      url,
      port,
      stop: () =>
        (stopping ??= (async () => {
          try {
            await server.stop();
          } finally {
            await queue!.close();
            await pool.close();
            await store.close();
          }
        })()),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function run(argv: readonly string[], ctx: StorelessContext): Promise<number> {
  const flags = parseServeArgs(argv, ctx.env);
  if (flags.help) {
    ctx.stdout.write(help);
    return 0;
  }
  const running = await startServe(flags, ctx.env, ctx.debug);
  const say = (line: string) => ctx.stdout.write(`racelab serve: ${line}\n`);
  say(`GraphQL at ${running.url}/graphql (IDE in a browser, ws for subscriptions), uploads at ${running.url}/upload`);
  return new Promise<number>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      say(`${signal}: finishing in-flight requests`);
      running.stop().then(() => {
        say("stopped");
        resolve(0);
      }, reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
