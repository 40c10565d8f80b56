/**
 * `racelab serve` runs heavy work in its worker pool: while an exploration
 * runs, the server answers other requests; a client that goes away cancels
 * its job (`GET /healthz/jobs` counts it). A child process, as users run it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { databaseForFile } from "../helpers/db.ts";
import { FIXTURES } from "../graphql/helpers.ts";
import { contendedScenario } from "./heavy.ts";

const t = databaseForFile();
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, "serve-child.ts"), "--port", "0"], {
    // The test's database by URL (embedded too); the children's own data folder (their spools) apart from its files.
    env: { ...process.env, DATABASE_URL: t.db.url, RACELAB_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "racelab-jobs-")), NODE_OPTIONS: "", RACELAB_WORKERS: "2" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /GraphQL at (http:\/\/\S+)\/graphql/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`racelab serve exited (${code})`)));
  });
}, 60_000);
afterAll(async () => {
  // Gone before the data folder is removed (its spool lives in it).
  if (child && child.exitCode === null) await new Promise((r) => (child.once("exit", r), child.kill("SIGKILL")));
});

const jobs = async () => (await (await fetch(`${url}/healthz/jobs`)).json()) as { running: number; cancelled: number; completed: number };

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("an exploration runs in a worker: the server answers meanwhile; the client going away stops it", async () => {
  const gone = new AbortController();
  const explore = fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `query($s: String!) { explore(scenario: $s, rules: ["unpatched"], maxStates: 1000000) { states } }`, variables: { s: contendedScenario(8, 2) } }),
    signal: gone.signal,
  }).catch(() => null);
  await until(async () => (await jobs()).running === 1, "the exploration to run");

  // The request loop is free: a light query is answered while the exploration runs (it takes over a minute alone).
  const races = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ races { id } }" }) });
  expect(((await races.json()) as { data: { races: unknown[] } }).data.races).toHaveLength(4);
  expect((await jobs()).running).toBe(1);

  const before = await jobs();
  gone.abort();
  await explore;
  await until(async () => {
    const j = await jobs();
    return j.running === 0 && j.cancelled === before.cancelled + 1;
  }, "the job to be cancelled");
  expect((await jobs()).completed).toBe(before.completed);
}, 120_000);
