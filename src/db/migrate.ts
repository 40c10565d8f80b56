/**
 * Applies `prisma/migrations` the way `prisma migrate deploy` does, without
 * the Prisma CLI's native schema engine (not installable offline): pending
 * migrations in name order, each in its own transaction, recorded in
 * `_prisma_migrations` with Prisma's own table definition and checksum
 * (sha256 hex of migration.sql), so a working Prisma CLI sees them as applied.
 *
 * Two processes starting together: every step takes the transaction-scoped
 * advisory lock 72707369 (the key Prisma's own migrate commands lock) and
 * re-reads the history under it, so exactly one applies each migration.
 * A transaction-scoped lock is used because on the embedded database all
 * connections share one session, where a session lock would not exclude.
 *
 * Every racelab start runs this: when the history already records every
 * migration as finished with its checksum (the usual case), one query says
 * so and nothing is locked.
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { DomainError } from "../errors.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

/** The key `prisma migrate` takes with pg_advisory_lock. */
const ADVISORY_LOCK_KEY = 72707369;

/** Prisma's DDL for its history table (schema-engine, postgres flavour), verbatim. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export interface Migration {
  /** Folder name, e.g. `20261122002800_init`. */
  readonly name: string;
  readonly sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it. */
  readonly checksum: string;
}

export interface MigrateResult {
  /** Migrations this call applied, in order. */
  readonly applied: string[];
  /** Migrations found already applied. */
  readonly skipped: string[];
}

export function checksum(sql: string | Buffer): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Reads the migration folders of `dir` in name order (Prisma's order). */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new DomainError("DATABASE", `cannot read migrations in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (err) {
        throw new DomainError("DATABASE", `${file}: cannot read migration: ${(err as Error).message}`, { cause: err });
      }
      return { name, sql: bytes.toString("utf8"), checksum: checksum(bytes) };
    });
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Runs `fn` in a transaction holding the migration lock. */
async function locked<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [ADVISORY_LOCK_KEY]);
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

async function history(client: pg.PoolClient, name: string): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations
      WHERE migration_name = $1 AND rolled_back_at IS NULL ORDER BY started_at`,
    [name],
  );
  return rows;
}

/**
 * One query: true when the history records every migration as finished with
 * its checksum and none as unfinished. Anything else (no history table yet, a
 * pending, failed or edited migration) is for the locked steps, which apply
 * what is pending or say what is wrong.
 */
async function upToDate(pool: pg.Pool, migrations: readonly Migration[]): Promise<boolean> {
  let rows: { migration_name: string; checksum: string; finished: boolean }[];
  try {
    ({ rows } = await pool.query(
      "SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE rolled_back_at IS NULL",
    ));
  } catch {
    return false;
  }
  const finished = new Map<string, string>();
  for (const r of rows) {
    if (!r.finished) return false;
    finished.set(r.migration_name, r.checksum);
  }
  return migrations.every((m) => finished.get(m.name) === m.checksum);
}

/**
 * Applies the pending migrations of `dir`. Idempotent. Throws DomainError
 * DATABASE when an applied migration's file changed (checksum), when a
 * migration failed earlier (Prisma P3009: resolve it first), or when one fails now.
 */
export async function migrate(pool: pg.Pool, opts: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(opts.dir);
  if (await upToDate(pool, migrations)) return { applied: [], skipped: migrations.map((m) => m.name) };
  const client = await pool.connect();
  const applied: string[] = [];
  const skipped: string[] = [];
  try {
    await locked(client, async () => {
      const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('_prisma_migrations')::text AS t");
      if (rows[0]?.t == null) await client.query(CREATE_MIGRATIONS_TABLE);
    });
    for (const m of migrations) {
      const done = await locked(client, async () => {
        const rows = await history(client, m.name);
        const finished = rows.find((r) => r.finished_at !== null);
        if (finished) {
          if (finished.checksum !== m.checksum) {
            throw new DomainError(
              "DATABASE",
              `migration ${m.name} was modified after it was applied: checksum of ${path.join(opts.dir ?? MIGRATIONS_DIR, m.name, "migration.sql")} ` +
                `is ${m.checksum}, the database recorded ${finished.checksum}`,
            );
          }
          return true;
        }
        if (rows.length > 0) {
          throw new DomainError(
            "DATABASE",
            `migration ${m.name} failed earlier and is recorded as unfinished in _prisma_migrations; ` +
              `fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${m.name})`,
          );
        }
        const id = randomUUID();
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, $3, clock_timestamp(), 0)`,
          [id, m.checksum, m.name],
        );
        try {
          await client.query(m.sql);
        } catch (err) {
          throw new DomainError("DATABASE", `migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        await client.query(
          `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
          [id],
        );
        return false;
      });
      (done ? skipped : applied).push(m.name);
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError("DATABASE", `migrating the database failed: ${(err as Error).message}`, { cause: err });
  } finally {
    client.release();
  }
  return { applied, skipped };
}
