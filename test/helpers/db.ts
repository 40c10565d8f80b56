/**
 * A database of its own for one test file.
 *
 * - With `TEST_DATABASE_URL` (or else `DATABASE_URL`): creates
 *   `racelab_t_<random>` on that server, migrates it, and drops it afterwards.
 * - Without: the embedded PostgreSQL (PGlite) in a fresh temporary directory,
 *   removed afterwards. The directory starts as a copy of a freshly
 *   initialised cluster kept in the system temp dir (one per PGlite version):
 *   PGlite's initdb takes 10 s or more here, opening a copy about 1 s.
 *
 * Usage in a test file (one database for all its tests):
 *
 *   import { databaseForFile } from "./helpers/db.ts";
 *   const t = databaseForFile();
 *   test("…", async () => { const trace = await t.store.createTrace({ … }); });
 *
 * (`freshDatabase()` opens one by hand; `drop()` removes it.)
 *
 * `t.store` is the PgEventStore (EventStore + SnapshotStore), `t.db` the
 * Database (pool, prisma). `t.env` holds the environment a child process
 * (e.g. the `racelab` CLI) needs to reach the same database: spread it over
 * process.env. With the embedded database the child connects to this test
 * process's server, so keep `t` open while children run.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { openDatabase, type Database } from "../../src/db/connection.ts";
import { PgEventStore } from "../../src/events/pg-store.ts";
import { forFile } from "./for-file.ts";

export interface TestDatabase {
  readonly store: PgEventStore;
  readonly db: Database;
  readonly kind: "server" | "embedded";
  /** URL of the test database on the server; null when embedded. */
  readonly url: string | null;
  /** Data directory of the embedded database; null on a server. */
  readonly dataDir: string | null;
  /** Environment for child processes that must use this database. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

/** The server URL tests run against, or null for the embedded database. */
export function testServerUrl(): string | null {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || null;
}

/** `base` with its database name replaced. */
export function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty database on the test server (no migrations); returns its URL and a dropper. */
export async function createServerDatabase(base: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `racelab_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`); // name is ours: [a-z0-9_] only
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(base, name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        // pg's Pool.end() resolves before its sockets close; a forced drop would then kill
        // backends still saying goodbye, and their clients emit an unhandled 57P01 error.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A pg pool on a test database whose clients' connection errors never go unhandled. */
export function testPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/** A fresh, empty temporary directory for an embedded database. */
export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "racelab-test-"));
}

/** A freshly initialised, never migrated PGlite cluster to copy from (built once per PGlite version). */
export async function embeddedTemplate(): Promise<string> {
  const pkg = fileURLToPath(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url));
  const version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
  const dir = path.join(os.tmpdir(), `racelab-pglite-template-${version}`);
  if (fs.existsSync(path.join(dir, "READY"))) return dir;
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString("hex")}`;
  fs.mkdirSync(path.join(building, "pgdata"), { recursive: true });
  const db = await PGlite.create(path.join(building, "pgdata"));
  await db.close();
  fs.writeFileSync(path.join(building, "READY"), "");
  try {
    fs.renameSync(building, dir);
  } catch {
    fs.rmSync(building, { recursive: true, force: true }); // another worker built it first
  }
  return dir;
}

/** A temporary data directory holding a copy of the template cluster. */
export async function templatedDataDir(): Promise<string> {
  const template = await embeddedTemplate();
  const dataDir = tempDataDir();
  fs.cpSync(path.join(template, "pgdata"), path.join(dataDir, "pgdata"), { recursive: true });
  return dataDir;
}

export async function freshDatabase(opts: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  const base = testServerUrl();
  if (base) {
    const created = await createServerDatabase(base);
    const db = await openDatabase({ url: created.url, migrate: opts.migrate, poolSize: opts.poolSize });
    const store = new PgEventStore(db);
    return {
      store,
      db,
      kind: "server",
      url: created.url,
      dataDir: null,
      env: { DATABASE_URL: created.url, TEST_DATABASE_URL: "" },
      drop: async () => {
        await store.close();
        await db.close();
        await created.drop();
      },
    };
  }
  const dataDir = await templatedDataDir();
  const db = await openDatabase({ url: null, dataDir, migrate: opts.migrate, poolSize: opts.poolSize });
  const store = new PgEventStore(db);
  return {
    store,
    db,
    kind: "embedded",
    url: null,
    dataDir,
    env: { DATABASE_URL: "", TEST_DATABASE_URL: "", RACELAB_DATA_DIR: dataDir },
    drop: async () => {
      await store.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database for the whole test file: opened before its first test, dropped after its last (see for-file.ts). */
export function databaseForFile(opts: { migrate?: boolean; poolSize?: number } = {}): TestDatabase {
  return forFile(() => freshDatabase(opts), (t) => t.drop());
}

/** How many traces and events the database holds: what a refused import must leave unchanged. */
export async function rowCounts(t: Pick<TestDatabase, "db">): Promise<{ traces: number; events: number }> {
  const { rows } = await t.db.pool.query<{ traces: string; events: string }>(
    "SELECT (SELECT count(*) FROM traces) AS traces, (SELECT count(*) FROM events) AS events",
  );
  return { traces: Number(rows[0]!.traces), events: Number(rows[0]!.events) };
}
