/**
 * Migrations: applied in order, idempotent, recorded as `prisma migrate
 * deploy` records them, safe when two processes start together, and in
 * agreement with prisma/schema.prisma.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { checksum, loadMigrations, migrate, MIGRATIONS_DIR } from "../src/db/migrate.ts";
import { databaseForFile, tempDataDir, testServerUrl, createServerDatabase, testPool } from "./helpers/db.ts";
import { rejection } from "./helpers/errors.ts";
import { readPrismaSchema } from "./helpers/prisma-schema.ts";
import { racelab, ROOT } from "./helpers/cli.ts";
import { counted } from "./helpers/counting.ts";
const names = loadMigrations().map((m) => m.name);

const t = databaseForFile({ migrate: false });

async function history(pool: pg.Pool) {
  const { rows } = await pool.query(
    `SELECT migration_name, checksum, finished_at, started_at, logs, rolled_back_at, applied_steps_count, id
       FROM _prisma_migrations ORDER BY migration_name`,
  );
  return rows as { migration_name: string; checksum: string; finished_at: Date | null; started_at: Date; logs: string | null; rolled_back_at: Date | null; applied_steps_count: number; id: string }[];
}

test("pending migrations are applied in order, once; a second run applies nothing", async () => {
  expect(names.length).toBeGreaterThan(0);
  expect(names).toEqual([...names].sort());
  const first = await migrate(t.db.pool);
  expect(first).toEqual({ applied: names, skipped: [] });
  const second = await migrate(t.db.pool);
  expect(second).toEqual({ applied: [], skipped: names });

  const rows = await history(t.db.pool);
  expect(rows.map((r) => r.migration_name)).toEqual(names);
  for (const r of rows) {
    const file = fs.readFileSync(path.join(MIGRATIONS_DIR, r.migration_name, "migration.sql"));
    expect(r.checksum).toBe(checksum(file));
    expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.finished_at).not.toBeNull();
    expect(r.finished_at!.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
    expect(r.logs).toBeNull();
    expect(r.rolled_back_at).toBeNull();
    expect(r.applied_steps_count).toBe(1);
  }
});

test("on an up-to-date database the check at start is one query, with no connection (and no lock) of its own", async () => {
  expect(await migrate(t.db.pool)).toEqual({ applied: [], skipped: names });
  const calls = new Map<string, number>();
  expect(await migrate(counted(t.db.pool, calls))).toEqual({ applied: [], skipped: names });
  expect([calls.get("query"), calls.get("connect")]).toEqual([1, undefined]);
});

test("_prisma_migrations has exactly the columns Prisma creates", async () => {
  const { rows } = await t.db.pool.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relname = '_prisma_migrations' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  );
  expect(rows).toEqual([
    { name: "id", type: "character varying(36)", notnull: true, def: null },
    { name: "checksum", type: "character varying(64)", notnull: true, def: null },
    { name: "finished_at", type: "timestamp with time zone", notnull: false, def: null },
    { name: "migration_name", type: "character varying(255)", notnull: true, def: null },
    { name: "logs", type: "text", notnull: false, def: null },
    { name: "rolled_back_at", type: "timestamp with time zone", notnull: false, def: null },
    { name: "started_at", type: "timestamp with time zone", notnull: true, def: "now()" },
    { name: "applied_steps_count", type: "integer", notnull: true, def: "0" },
  ]);
  const pk = await t.db.pool.query(
    "SELECT conname FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p'",
  );
  expect(pk.rows).toEqual([{ conname: "_prisma_migrations_pkey" }]);
});

test("the migrated database is what prisma/schema.prisma describes", async () => {
  const expected = readPrismaSchema(path.join(ROOT, "prisma/schema.prisma"));
  const q = async <R,>(sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows as R[];

  const tables = await q<{ relname: string }>(
    "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname <> '_prisma_migrations' ORDER BY relname",
  );
  expect(tables.map((r) => r.relname)).toEqual(expected.map((e) => e.name).sort());

  for (const table of expected) {
    const columns = await q<{ name: string; type: string; nullable: boolean; hasDefault: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, a.atthasdef AS "hasDefault"
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table.name],
    );
    expect({ table: table.name, columns }).toEqual({ table: table.name, columns: table.columns });

    const indexes = await q<{ name: string; unique: boolean; primary: boolean; columns: string[] }>(
      `SELECT c.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
              array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass`,
      [table.name],
    );
    const pk = indexes.find((i) => i.primary);
    expect({ table: table.name, pk: pk?.name, columns: pk?.columns }).toEqual({ table: table.name, pk: `${table.name}_pkey`, columns: table.primaryKey });
    const byKind = (unique: boolean) =>
      Object.fromEntries(indexes.filter((i) => !i.primary && i.unique === unique).map((i) => [i.name, i.columns]));
    expect({ table: table.name, indexes: byKind(false) }).toEqual({ table: table.name, indexes: table.indexes });
    expect({ table: table.name, uniques: byKind(true) }).toEqual({ table: table.name, uniques: table.uniques });

    const fks = await q<{ name: string; columns: string[]; table: string; references: string[]; onDelete: string }>(
      `SELECT con.conname AS name,
              array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
              con.confrelid::regclass::text AS table,
              array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS references,
              CASE con.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION' ELSE con.confdeltype::text END AS "onDelete"
         FROM pg_constraint con WHERE con.conrelid = $1::regclass AND con.contype = 'f'`,
      [table.name],
    );
    const fkMap = Object.fromEntries(fks.map(({ name, ...rest }) => [name, rest]));
    expect({ table: table.name, foreignKeys: fkMap }).toEqual({ table: table.name, foreignKeys: table.foreignKeys });
  }
});

/** A copy of the migrations folder to tamper with. */
function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "racelab-migrations-"));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

test("an applied migration whose file changed is a clear error", async () => {
  const dir = copyOfMigrations();
  try {
    const file = path.join(dir, names[0]!, "migration.sql");
    fs.appendFileSync(file, "\n-- edited after the fact\n");
    const err = await rejection(migrate(t.db.pool, { dir }), "DATABASE");
    expect(err.message).toContain(`migration ${names[0]} was modified after it was applied: checksum of ${file} is ${checksum(fs.readFileSync(file))}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a failing migration leaves nothing of itself behind and says which one failed", async () => {
  const dir = copyOfMigrations();
  try {
    const bad = "29991231000000_broken";
    fs.mkdirSync(path.join(dir, bad));
    fs.writeFileSync(path.join(dir, bad, "migration.sql"), 'CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\n');
    const err = await rejection(migrate(t.db.pool, { dir }), "DATABASE");
    expect(err.message).toMatch(/^migration 29991231000000_broken failed: relation "no_such_table" does not exist$/);
    const { rows } = await t.db.pool.query("SELECT to_regclass('half_done') AS t, (SELECT count(*) FROM _prisma_migrations WHERE migration_name = $1)::int AS n", [bad]);
    expect(rows[0]).toEqual({ t: null, n: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("two processes migrating one new database at once: one schema, each migration applied once", async () => {
  const server = testServerUrl();
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let url: string | null = null;
  if (server) {
    const created = await createServerDatabase(server);
    env = { DATABASE_URL: created.url };
    url = created.url;
    cleanup = created.drop;
  } else {
    // Both processes start on the same empty folder: one runs the embedded database, the other connects to it.
    const dir = tempDataDir();
    env = { DATABASE_URL: "", TEST_DATABASE_URL: "", RACELAB_DATA_DIR: dir };
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  try {
    const [a, b] = await Promise.all([racelab(["db", "migrate", "--json"], { env }), racelab(["db", "migrate", "--json"], { env })]);
    expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: "" });
    expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: "" });
    const ra = JSON.parse(a.stdout) as { applied: string[]; skipped: string[] };
    const rb = JSON.parse(b.stdout) as { applied: string[]; skipped: string[] };
    expect([...ra.applied, ...rb.applied].sort()).toEqual(names);
    expect([...ra.skipped, ...rb.skipped].sort()).toEqual(names);
    if (url) {
      const pool = testPool({ connectionString: url });
      try {
        expect((await history(pool)).map((r) => r.migration_name)).toEqual(names);
      } finally {
        await pool.end();
      }
    } else {
      const again = await racelab(["db", "migrate", "--json"], { env });
      expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], skipped: names, database: { kind: "embedded" } });
    }
  } finally {
    await cleanup();
  }
}, 240_000);

// Embedded: every pool of a data dir shares one server (one session); the two-process test covers it.
const serverOnly = testServerUrl() ? test : test.skip;

serverOnly("several pools migrating at once in one process: each migration applied once", async () => {
  const created = await createServerDatabase(testServerUrl()!);
  const pools = Array.from({ length: 4 }, () => testPool({ connectionString: created.url, max: 2 }));
  try {
    const results = await Promise.all(pools.map((p) => migrate(p)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(names);
    expect((await history(pools[0]!)).length).toBe(names.length);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await created.drop();
  }
});
