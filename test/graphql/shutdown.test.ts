/**
 * Graceful shutdown: in-flight requests finish, new ones are refused, and
 * `racelab serve` exits 0 on SIGTERM once its pool is closed (a process with
 * an open pool would not exit by itself).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";
import { FIXTURES, seedTrace, startRig } from "./helpers.ts";

const LOG = readFileSync(path.join(FIXTURES, "balance-race.trace"), "utf8");

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await seedTrace(db.store, "balance-vs-unused-bg-deletion");
});
afterAll(async () => {
  await db?.drop();
});

/** An upload whose second half is sent only when `release` is called: a request kept in flight. */
function slowUpload(url: string, text: string, name: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const half = Math.floor(text.length / 2);
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(new TextEncoder().encode(text.slice(0, half)));
      await released;
      c.enqueue(new TextEncoder().encode(text.slice(half)));
      c.close();
    },
  });
  const response = fetch(`${url}/upload?name=${name}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body,
    duplex: "half",
  } as RequestInit);
  return { response, release };
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("stop(): the in-flight request finishes, then the port is closed", async () => {
  const rig = await startRig({}, db);
  const { response, release } = slowUpload(rig.url, LOG.replaceAll("4242", "6161"), "in-flight-1");
  await new Promise((r) => setTimeout(r, 200));
  const stopped = rig.server.stop();
  // Stopping: new connections are refused while the upload is still open.
  await waitFor(async () => fetch(`${rig.url}/healthz`).then(() => false, () => true), "the port to close");
  release();
  const res = await response;
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).trace).toMatchObject({ name: "in-flight-1", version: 11 });
  await stopped;
  expect(rig.server.httpServer.listening).toBe(false);
  await rig.close();
});

test("racelab serve exits 0 on SIGTERM after finishing in-flight requests", async () => {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, "serve-child.ts"), "--port", "0"], {
    env: { ...process.env, ...db.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await waitFor(() => /GraphQL at (http:\/\/\S+)\/graphql/.test(out) || child.exitCode !== null, "racelab serve to listen");
    const url = /GraphQL at (http:\/\/\S+)\/graphql/.exec(out)?.[1];
    expect({ url, err }).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    const q = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ check(trace: "balance-vs-unused-bg-deletion", rules: ["patched"]) { verdict } }` }),
    });
    expect(await q.json()).toEqual({ data: { check: { verdict: "CLEAN" } } });

    const { response, release } = slowUpload(url!, LOG.replaceAll("4242", "7171"), "in-flight-2");
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    await waitFor(() => /SIGTERM/.test(out), "the child to notice SIGTERM");
    release();
    const res = await response;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped/);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  // What it imported while stopping was committed.
  expect((await db.store.findTrace("in-flight-2"))?.version).toBe(11);
});
