/**
 * The embedded PostgreSQL (PGlite behind a local socket), whatever
 * DATABASE_URL says: what a newcomer without a server gets.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { openDatabase } from "../src/db/connection.ts";
import { loadMigrations } from "../src/db/migrate.ts";
import { openStore } from "../src/events/pg-store.ts";
import { racelab, ROOT } from "./helpers/cli.ts";
import { tempDataDir, templatedDataDir } from "./helpers/db.ts";
import { setRo, varietyOfEvents } from "./helpers/events.ts";

const names = loadMigrations().map((m) => m.name);
const noServer = { DATABASE_URL: "", TEST_DATABASE_URL: "", RACELAB_DATA_DIR: "" };
const dirs: string[] = [];
const dir = (d: string) => (dirs.push(d), d);

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test("from an empty folder: racelab creates ./.racelab, migrates, and stores and reads back events", async () => {
  const folder = dir(tempDataDir());
  const first = await racelab(["traces", "--json"], { cwd: folder, env: noServer });
  expect(first).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  expect(fs.existsSync(path.join(folder, ".racelab", "pgdata", "PG_VERSION"))).toBe(true);
  // The owner process is gone: its server files went with it; the folder's password stays.
  expect(fs.readdirSync(path.join(folder, ".racelab")).sort()).toEqual(["password", "pgdata"]);

  const migrated = await racelab(["db", "migrate", "--json"], { cwd: folder, env: noServer });
  expect(JSON.parse(migrated.stdout)).toEqual({
    applied: [],
    skipped: names,
    database: { kind: "embedded", location: path.join(fs.realpathSync(folder), ".racelab") },
  });

  const events = varietyOfEvents();
  const store = await openStore({ url: null, dataDir: path.join(folder, ".racelab") });
  const trace = await store.createTrace({ name: "newcomer", source: { file: null, hash: null, format: "api" } });
  await store.append(trace.id, 0, events);
  expect(await store.read(trace.id)).toEqual(events.map((e, i) => ({ ...e, seq: i + 1 })));
  await store.close();

  // Reopened: the data is on disk.
  const listed = await racelab(["traces", "--json"], { cwd: folder, env: noServer });
  expect(JSON.parse(listed.stdout)).toMatchObject([{ id: trace.id, name: "newcomer", events: events.length }]);
}, 300_000);

test("RACELAB_DATA_DIR selects the folder; a second process uses the first one's server", async () => {
  const dataDir = dir(await templatedDataDir());
  const saved = process.env.RACELAB_DATA_DIR;
  process.env.RACELAB_DATA_DIR = dataDir;
  let store;
  try {
    store = await openStore({ url: null });
  } finally {
    if (saved === undefined) delete process.env.RACELAB_DATA_DIR;
    else process.env.RACELAB_DATA_DIR = saved;
  }
  try {
    expect(store.db.location).toBe(dataDir);
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8")) as { pid: number; port: number };
    expect(info.pid).toBe(process.pid);
    const trace = await store.createTrace({ name: "shared", source: { file: null, hash: null, format: "api" } });
    await store.append(trace.id, 0, [setRo(7n)]);

    const child = await racelab(["events", "shared", "--json"], { env: { ...noServer, RACELAB_DATA_DIR: dataDir } });
    expect(child.stderr).toBe("");
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ seq: 1, type: "set_ro", data: { bytenr: "7", flag: false } });
    // The child connected; it did not take over the folder.
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8"))).toEqual(info);
  } finally {
    await store.close();
  }
  expect(fs.existsSync(path.join(dataDir, "server.json"))).toBe(false);
  expect(fs.existsSync(path.join(dataDir, "server.lock"))).toBe(false);
}, 180_000);

test("the embedded server asks for the data folder's password; the folder, server.json and the password are its owner's only", async () => {
  const dataDir = dir(await templatedDataDir());
  fs.chmodSync(dataDir, 0o755); // made before passwords: opened to all
  const db = await openDatabase({ url: null, dataDir });
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8")) as { port: number };
    const password = fs.readFileSync(path.join(dataDir, "password"), "utf8");
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, "server.json")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, "password")).mode & 0o777).toBe(0o600);
    const connect = async (user: string, pw: string | undefined) => {
      const c = new pg.Client({ host: "127.0.0.1", port: info.port, user, password: pw, database: "postgres" });
      c.on("error", () => {});
      try {
        await c.connect();
        return (await c.query("SELECT current_user AS u")).rows[0].u as string;
      } finally {
        await c.end().catch(() => {});
      }
    };
    // The attack of issue 11: any local user, any name, any password.
    await expect(connect("x", "y")).rejects.toThrow(/password authentication failed for user "x"/);
    await expect(connect("postgres", "")).rejects.toThrow();
    await expect(connect("postgres", `${password}x`)).rejects.toThrow(/password authentication failed/);
    expect(await connect("postgres", password)).toBe("postgres");
    // The server still serves its own pool.
    expect((await db.pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  } finally {
    await db.close();
  }
}, 120_000);

test("files left by a dead owner are stale: the next process takes over", async () => {
  const dataDir = dir(await templatedDataDir());
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const deadPid = Number(dead.stdout);
  fs.writeFileSync(path.join(dataDir, "server.lock"), String(deadPid));
  fs.writeFileSync(path.join(dataDir, "server.json"), JSON.stringify({ pid: deadPid, port: 1, host: "127.0.0.1", startedAt: "" }));

  const db = await openDatabase({ url: null, dataDir });
  try {
    expect((await db.pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    expect(fs.readFileSync(path.join(dataDir, "server.lock"), "utf8")).toBe(String(process.pid));
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8")).pid).toBe(process.pid);
  } finally {
    await db.close();
  }
}, 180_000);

describe("one backend shared by many connections", () => {
  let dataDir: string;
  let db: Awaited<ReturnType<typeof openDatabase>>;
  beforeAll(async () => {
    dataDir = dir(await templatedDataDir());
    db = await openDatabase({ url: null, dataDir, poolSize: 12 });
    await db.pool.query("CREATE TABLE scratch (a integer, b text)");
  }, 180_000);
  afterAll(async () => {
    await db?.close();
  });

  test("two openers in one process share the server; closing one leaves the other working", async () => {
    const other = await openDatabase({ url: null, dataDir });
    expect((await other.pool.query("SELECT count(*)::int AS n FROM scratch")).rows).toEqual([{ n: 0 }]);
    await other.close();
    expect((await db.pool.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
  });

  test("interleaved parameterised queries of many connections each get their own answer", async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0
          ? db.pool.query("SELECT $1::int * 2 AS v", [i])
          : i % 3 === 1
            ? db.pool.query("SELECT $1::text || '-' || $2::text AS v", [`a${i}`, "b"])
            : db.pool.query("SELECT length($1::text) AS v, $2::int AS w", ["x".repeat(i), i]),
      ),
    );
    results.forEach((r, i) => {
      const expected = i % 3 === 0 ? { v: 2 * i } : i % 3 === 1 ? { v: `a${i}-b` } : { v: i, w: i };
      expect(r.rows).toEqual([expected]);
    });
  });

  test("a transaction keeps the backend: others wait for its COMMIT and then see it whole", async () => {
    const tx = await db.pool.connect();
    try {
      await tx.query("BEGIN");
      await tx.query("INSERT INTO scratch VALUES (1, 'tx')");
      let seen: number | null = null;
      const reader = db.pool.query("SELECT count(*)::int AS n FROM scratch WHERE b = 'tx'").then((r) => (seen = r.rows[0].n));
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toBeNull(); // still waiting: no interleaving inside the transaction
      await tx.query("INSERT INTO scratch VALUES (2, 'tx')");
      await tx.query("COMMIT");
      await reader;
      expect(seen).toBe(2);
    } finally {
      tx.release();
    }
  });

  test("a client dropped mid-transaction is rolled back and the others go on", async () => {
    const tx = await db.pool.connect();
    await tx.query("BEGIN");
    await tx.query("INSERT INTO scratch VALUES (3, 'dropped')");
    tx.release(new Error("gone")); // closes the connection
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM scratch WHERE b = 'dropped'");
    expect(rows).toEqual([{ n: 0 }]);
  });

  test("COPY FROM STDIN works, and a failed COPY leaves the connection usable", async () => {
    const client = await db.pool.connect();
    try {
      await pipeline(
        Readable.from((function* () {
          for (let i = 0; i < 20_000; i++) yield `${i}\tcopy\\t${i}\n`;
        })()),
        client.query(copyFrom("COPY scratch (a, b) FROM STDIN")),
      );
      const { rows } = await client.query("SELECT count(*)::int AS n, max(a) AS max, min(b) AS min FROM scratch WHERE b LIKE 'copy%'");
      expect(rows).toEqual([{ n: 20_000, max: 19_999, min: "copy\t0" }]);

      const failed = await pipeline(Readable.from(["1\tok\n", "x\tbad\n"]), client.query(copyFrom("COPY scratch (a, b) FROM STDIN"))).catch((e: Error) => e);
      expect((failed as Error).message).toMatch(/invalid input syntax for type integer: "x"/);
      expect((await client.query("SELECT count(*)::int AS n FROM scratch WHERE b = 'ok'")).rows).toEqual([{ n: 0 }]);
    } finally {
      client.release();
    }
  });
});

test("when the owning process ends, a process connected to it carries on (re-attaches, here as the new owner)", async () => {
  const dataDir = dir(await templatedDataDir());
  const { spawn } = await import("node:child_process");
  const holder = spawn(process.execPath, ["--import", "tsx", "test/fixtures/hold-embedded.ts", dataDir], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((r) => holder.once("exit", r));
  let out = "";
  holder.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const until = async (re: RegExp) => {
    for (let i = 0; i < 1200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(re);
  };
  await until(/^ready /);
  const db = await openDatabase({ url: null, dataDir });
  try {
    await db.pool.query("CREATE TABLE carry_on (a integer)");
    await db.pool.query("INSERT INTO carry_on VALUES (1)");
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8")).pid).toBe(holder.pid);

    holder.stdin.end(); // the owner is done; it waits for us to let go of our (idle) connections
    await until(/closed\n/);
    await exited;

    await db.pool.query("INSERT INTO carry_on VALUES (2)");
    expect((await db.pool.query("SELECT array_agg(a ORDER BY a) AS a FROM carry_on")).rows).toEqual([{ a: [1, 2] }]);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "server.json"), "utf8")).pid).toBe(process.pid);
  } finally {
    holder.kill();
    await db.close();
  }
}, 240_000);
