/**
 * The classroom wired into the real server as an API module
 * (`classroomModule`), over HTTP and graphql-ws with bearer tokens: the
 * viewer comes from the Authorization header (or the ws connectionParams),
 * a bad token is a 401, roles hold end to end.
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { AddedUser } from "../../src/exercises/accounts.ts";
import { addUser } from "../../src/exercises/accounts.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { createApiDeps, EXPLORE_MODULE } from "../../src/resolvers/deps.ts";
import { classroomModule } from "../../src/resolvers/exercises.ts";
import { buildServer, type RacelabServer } from "../../src/server.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";

let t: TestDatabase;
let server: RacelabServer;
let url: string;
let prof: AddedUser;
let ada: AddedUser;

async function post(query: string, variables: Record<string, unknown> = {}, authorization?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  t = await freshDatabase();
  const deps = createApiDeps(t.store, { modules: [EXPLORE_MODULE, classroomModule(t.db, t.store)] });
  server = await buildServer(deps, { log: () => {} });
  url = (await server.listen(0, "127.0.0.1")).url;
  const store = new PgClassroomStore(t.db);
  prof = await addUser(store, { role: "instructor", course: "os-2026", name: "Prof" });
  ada = await addUser(store, { role: "student", course: "os-2026", name: "Ada" });
});
afterAll(async () => {
  await server?.stop();
  await t?.drop();
});

test("the bearer token decides: anonymous sees the library, a student submits, the key stays with the instructor", async () => {
  const anon = await post(`{ viewer { name } exercises { id } }`);
  expect(anon.status).toBe(200);
  expect(anon.body.data.viewer).toBeNull();
  expect(anon.body.data.exercises.length).toBeGreaterThanOrEqual(12);

  const sub = await post(
    `mutation { submitAnswer(exercise: "wf-scrub-balance", answer: { fixes: ["scrub-skip-removed-chunk"] }) { correct feedback { summary } expected } }`,
    {},
    `Bearer ${ada.token}`,
  );
  expect(sub.body.data.submitAnswer).toEqual({ correct: true, feedback: { summary: "right: {scrub-skip-removed-chunk} is a smallest set that makes the trace clean" }, expected: null });
  expect(sub.body.errors.map((e: any) => [e.path.join("."), e.extensions.code])).toEqual([["submitAnswer.expected", "FORBIDDEN"]]);

  const key = await post(`{ exercise(id: "wf-scrub-balance") { key { fixes } } }`, {}, `Bearer ${ada.token}`);
  expect(key.body.data.exercise.key).toBeNull();
  const profKey = await post(`{ exercise(id: "wf-scrub-balance") { key { fixes } } gradebook(course: "os-2026") }`, {}, `Bearer ${prof.token}`);
  expect(profKey.body.errors).toBeUndefined();
  expect(profKey.body.data.exercise.key.fixes).toEqual(["scrub-skip-removed-chunk"]);
  expect(profKey.body.data.gradebook).toMatch(/,Ada,wf-scrub-balance,.*,which-fix,1,0,1,true,/);
});

test("a wrong or malformed token is a 401 UNAUTHENTICATED, not anonymity", async () => {
  for (const authorization of [`Bearer rl_${"x".repeat(43)}`, "Basic abc", `Bearer ${ada.token.slice(0, -1)}`]) {
    const r = await post(`{ exercises { id } }`, {}, authorization);
    expect([authorization, r.status, r.body.errors?.[0]?.extensions?.code]).toEqual([authorization, 401, "UNAUTHENTICATED"]);
    expect(r.body.data ?? null).toBeNull();
  }
});

test("graphql-ws: the token travels in connectionParams", async () => {
  const client = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${ada.token}` },
  });
  try {
    const result = await new Promise<any>((resolve, reject) => {
      let value: unknown;
      client.subscribe({ query: `{ viewer { name role } mySubmissions { correct } }` }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
    });
    expect(result.data).toEqual({ viewer: { name: "Ada", role: "STUDENT" }, mySubmissions: [{ correct: true }] });
  } finally {
    await client.dispose();
  }
});
