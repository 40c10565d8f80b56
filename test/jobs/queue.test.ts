/**
 * The durable queue (src/jobs/queue.ts): long jobs go through PostgreSQL and
 * a `racelab worker` process — not the server — runs them. The server here
 * takes none (`--no-worker`); a big exploration and an upload (every upload
 * is "long" with RACELAB_QUEUE_IMPORT_BYTES=1) are answered all the same,
 * the log having travelled through the database, which keeps none of it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { FIXTURES } from "../graphql/helpers.ts";
import { contendedScenario } from "./heavy.ts";

const t = databaseForFile();
const children: ChildProcess[] = [];
let url: string;

/** A racelab command as a child process; resolves with its output once `ready` matches it. */
function start(args: readonly string[], ready: RegExp, env: Record<string, string> = {}): Promise<RegExpExecArray> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, "serve-child.ts"), ...args], {
    // The test's database by URL (embedded too); the children's own data folder (their spools) apart from its files.
    env: { ...process.env, DATABASE_URL: t.db.url, RACELAB_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "racelab-jobs-")), NODE_OPTIONS: "", RACELAB_WORKERS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve(m);
    });
    child.on("exit", (code) => reject(new Error(`racelab ${args[0]} exited (${code}) before it was ready`)));
  });
}

beforeAll(async () => {
  url = (await start(["--port", "0", "--no-worker"], /GraphQL at (http:\/\/\S+)\/graphql/, { RACELAB_QUEUE_IMPORT_BYTES: "1" }))[1]!;
  await start(["--command", "worker"], /racelab worker: taking jobs/);
}, 60_000);
afterAll(async () => {
  // Gone before the data folder is removed (their spools live in it).
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once("exit", r), c.kill("SIGKILL"))))));
});

const jobRows = async (queue: string) =>
  (await t.db.pool.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = $1", [queue])).rows.map((r) => r.state);

test("a big exploration goes through the queue to the worker process and is answered", async () => {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // More states than RACELAB_QUEUE_EXPLORE_STATES (200,000) asked for: a long job. The search itself is small.
    body: JSON.stringify({ query: `query($s: String!) { explore(scenario: $s, rules: ["unpatched"], maxStates: 300000) { states complete } }`, variables: { s: contendedScenario(6, 2) } }),
  });
  const body = (await res.json()) as { data?: { explore: { states: number; complete: boolean } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  expect(body.data!.explore).toEqual({ states: 15_625, complete: true }); // (2·2+1)^6
  expect(await jobRows("racelab-explore")).toEqual(["completed"]);
  // The server's own pool ran nothing: it takes no queued jobs.
  expect(((await (await fetch(`${url}/healthz/jobs`)).json()) as { completed: number }).completed).toBe(0);
}, 120_000);

test("an upload travels through the database to the worker, which imports it and leaves no part of it behind", async () => {
  const log = readFileSync(path.join(ROOT, "test/ftrace/fixtures/races/trim-vs-bg-removal.trace"));
  const res = await fetch(`${url}/upload?name=queued-upload`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: log });
  const body = (await res.json()) as { trace: { name: string; version: number }; events: number };
  expect(res.status).toBe(200);
  expect(body.trace.name).toBe("queued-upload");
  expect(body.events).toBeGreaterThan(0);
  expect((await t.store.findTrace("queued-upload"))!.version).toBe(body.events);
  expect(await jobRows("racelab-import")).toEqual(["completed"]);
  expect((await t.db.pool.query("SELECT count(*)::int AS n FROM job_files")).rows[0].n).toBe(0);
}, 120_000);

test("a job that fails in the worker fails for its asker with its own code and message; nothing is stored", async () => {
  const res = await fetch(`${url}/upload?name=queued-bad&fileName=bad.trace`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: "# tracer: function\n#\nthis is not a trace line\n",
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
  expect(body.errors[0]!.extensions.code).toBe("INVALID_TRACE");
  expect(body.errors[0]!.message).toMatch(/^bad\.trace:3: /);
  expect(await t.store.findTrace("queued-bad")).toBeNull();
  expect((await t.db.pool.query("SELECT count(*)::int AS n FROM job_files")).rows[0].n).toBe(0);
}, 120_000);
