/**
 * Opens racelab's database: the PostgreSQL server of `DATABASE_URL`, or else
 * the embedded PostgreSQL (PGlite, `embedded.ts`) in `RACELAB_DATA_DIR` or
 * `./.racelab/`. Either way the rest of racelab sees a `pg` pool and a Prisma
 * client over that same pool; pending migrations are applied on open.
 */
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { defaultDataDir } from "./data-dir.ts";
import type { EmbeddedHandle } from "./embedded.ts";
import { migrate, type MigrateResult } from "./migrate.ts";

export interface Database {
  /** How another connection reaches the same database (a worker thread, a `racelab worker`): with the embedded one's password. */
  readonly url: string;
  readonly pool: pg.Pool;
  readonly prisma: PrismaClient;
  readonly kind: "server" | "embedded";
  /** For messages: the server as host:port/database, or the embedded data directory. */
  readonly location: string;
  /** What the automatic migration did on open (null with `migrate: false`). */
  readonly migrations: MigrateResult | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL. Undefined: `DATABASE_URL`; null: the embedded database even if `DATABASE_URL` is set. */
  readonly url?: string | null;
  /** Embedded data directory. Default: `RACELAB_DATA_DIR`, else `./.racelab`. */
  readonly dataDir?: string;
  /** Apply pending migrations on open (default true). */
  readonly migrate?: boolean;
  /** Pool size (default 10). */
  readonly poolSize?: number;
}

export { defaultDataDir } from "./data-dir.ts";

/** host:port/database of a URL, without credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || "5432"}${u.pathname || "/"}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

/** The embedded server went away (its owner process ended). */
function lostServer(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE" || /Connection terminated unexpectedly/.test((err as Error)?.message ?? "");
}

/**
 * Pool to an embedded server owned by another process: when that owner has
 * ended, a new connection re-attaches (to the next owner, or by becoming it)
 * and is tried once more.
 */
class FollowingPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly follow: () => Promise<void>,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    const attempt = (async () => {
      try {
        return await super.connect();
      } catch (err) {
        if (!lostServer(err)) throw err;
        await this.follow();
        return await super.connect();
      }
    })();
    if (!callback) return attempt;
    attempt.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (err: Error) => callback(err, undefined, () => {}),
    );
  }
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url === undefined ? process.env.DATABASE_URL || null : opts.url;
  const max = opts.poolSize ?? 10;
  let embedded: EmbeddedHandle | null = null;
  let pool: pg.Pool;
  let location: string;
  if (url) {
    location = describeUrl(url);
    pool = new pg.Pool({ connectionString: url, max });
  } else {
    const dataDir = opts.dataDir ?? defaultDataDir();
    // PGlite (a WebAssembly PostgreSQL) is loaded only when it is used.
    const { attachEmbedded } = await import("./embedded.ts");
    embedded = await attachEmbedded(dataDir);
    location = embedded.dataDir;
    let following: Promise<void> | null = null;
    const follow = () =>
      (following ??= (async () => {
        const previous = embedded;
        embedded = await attachEmbedded(dataDir);
        await previous?.release();
        Object.assign((pool as unknown as { options: pg.PoolConfig }).options, { host: embedded.host, port: embedded.port });
      })().finally(() => {
        following = null;
      }));
    const config = { host: embedded.host, port: embedded.port, user: "postgres", password: embedded.password, database: "postgres", max };
    // Idle connections to another process's server are let go soon, so that it can end once it is done.
    pool = embedded.owner ? new pg.Pool(config) : new FollowingPool({ ...config, idleTimeoutMillis: 1000 }, follow);
  }
  // A client losing its server (e.g. the embedded owner ending) must not crash the process: the
  // error reaches whoever uses the client next.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));

  const release = async () => {
    await pool.end().catch(() => {});
    await embedded?.release();
  };
  try {
    // A connection, no query: the migration check below is the first (and, up to date, the only) one.
    (await pool.connect()).release();
  } catch (err) {
    await release();
    throw new DomainError("DATABASE", `cannot connect to PostgreSQL at ${location}: ${(err as Error).message}`, { cause: err });
  }
  let migrations: MigrateResult | null = null;
  if (opts.migrate !== false) {
    try {
      migrations = await migrate(pool);
    } catch (err) {
      await release();
      throw err;
    }
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    get url() {
      // The embedded server this process uses now (it may have re-attached to another owner).
      return url ?? `postgresql://postgres:${encodeURIComponent(embedded!.password)}@${embedded!.host}:${embedded!.port}/postgres`;
    },
    pool,
    prisma,
    kind: url ? "server" : "embedded",
    location,
    migrations,
    close: async () => {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => {});
      await release();
    },
  };
}
