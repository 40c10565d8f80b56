/**
 * Bearer tokens expire, can be revoked (`racelab user revoke`) and show their
 * last use (`racelab user list`); over graphql-ws a refused token closes the
 * socket with 4401, not 4500 (issue 11 item 5). Real server, real database.
 */
import WebSocket from "ws";
import { addUser, parseTtl, type AddedUser } from "../../src/exercises/accounts.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { createApiDeps, EXPLORE_MODULE } from "../../src/resolvers/deps.ts";
import { classroomModule } from "../../src/resolvers/exercises.ts";
import { buildServer, type RacelabServer } from "../../src/server.ts";
import { racelab } from "../helpers/cli.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";

let t: TestDatabase;
let server: RacelabServer;
let url: string;
let store: PgClassroomStore;

beforeAll(async () => {
  t = await freshDatabase();
  server = await buildServer(createApiDeps(t.store, { modules: [EXPLORE_MODULE, classroomModule(t.db, t.store)] }), { log: () => {} });
  url = (await server.listen(0, "127.0.0.1")).url;
  store = new PgClassroomStore(t.db);
});
afterAll(async () => {
  await server?.stop();
  await t?.drop();
});

async function viewer(token: string): Promise<{ status: number; name: string | null; error: { code?: string; message: string } | null }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ viewer { name } }" }),
  });
  const body = (await res.json()) as any;
  return { status: res.status, name: body.data?.viewer?.name ?? null, error: body.errors?.[0] ? { code: body.errors[0].extensions?.code, message: body.errors[0].message } : null };
}

/** How the server closes a graphql-ws connection whose connection_init carries `token`. */
function wsClose(token: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("message", (m) => {
      if (JSON.parse(String(m)).type === "connection_ack") ws.close(1000, "accepted");
    });
    ws.on("close", (code, reason) => resolve({ code, reason: String(reason) }));
    ws.on("error", reject);
  });
}

test("lifetimes: 120d, 12h, 90m, never; anything else is refused naming the flag", () => {
  expect([parseTtl("--expires", "120d"), parseTtl("--expires", "12h"), parseTtl("--expires", "90m"), parseTtl("--expires", "never")]).toEqual([
    120 * 86_400_000,
    12 * 3_600_000,
    90 * 60_000,
    null,
  ]);
  expect(() => parseTtl("--expires", "soon")).toThrow('--expires: expected a lifetime such as 120d, 12h, 90m or never, got "soon"');
});

test("a token expires: accepted before its time, refused (401 UNAUTHENTICATED) after it, and over ws closed with 4401", async () => {
  const now = Date.now();
  const fresh = await addUser(store, { role: "student", course: "os-2026", name: "Fresh", expires: "1h" });
  expect(fresh.user.expiresAt!.getTime()).toBeGreaterThanOrEqual(now + 3_600_000 - 5_000);
  expect(await viewer(fresh.token)).toMatchObject({ status: 200, name: "Fresh" });
  // A token made an hour ago with a lifetime of a minute.
  const old = await addUser(store, { role: "student", course: "os-2026", name: "Old", expires: "1m" }, new Date(now - 3_600_000));
  const refused = await viewer(old.token);
  expect(refused).toMatchObject({ status: 401, name: null, error: { code: "UNAUTHENTICATED" } });
  expect(refused.error!.message).toMatch(/^this bearer token expired on 20\d\d-/);
  expect(await wsClose(old.token)).toEqual({ code: 4401, reason: expect.stringMatching(/^this bearer token expired on/) });
  expect(await wsClose(fresh.token)).toEqual({ code: 1000, reason: "accepted" });
});

test("a malformed or unknown token over ws closes with 4401 (not 4500)", async () => {
  expect((await wsClose(`rl_${"x".repeat(43)}`)).code).toBe(4401);
  expect((await wsClose("not-a-token")).code).toBe(4401);
});

test("racelab user revoke: the token is refused from then on; user list shows expiry, last use and revocation", async () => {
  const bob: AddedUser = await addUser(store, { role: "student", course: "os-2026", name: "Bob" });
  expect((await store.getUser(bob.user.id))!.lastUsedAt).toBeNull();
  expect(await viewer(bob.token)).toMatchObject({ status: 200, name: "Bob" });
  // Last use is written without holding the request up: wait for it.
  let used: Date | null = null;
  for (let i = 0; i < 50 && used === null; i++) {
    used = (await store.getUser(bob.user.id))!.lastUsedAt;
    if (used === null) await new Promise((r) => setTimeout(r, 20));
  }
  expect(used).not.toBeNull();

  const revoked = await racelab(["user", "revoke", "Bob", "--json"], { env: t.env });
  expect(revoked.stderr).toBe("");
  expect(JSON.parse(revoked.stdout)).toMatchObject({ user: bob.user.id, name: "Bob", revokedAt: expect.stringMatching(/^20\d\d-/) });
  expect(await viewer(bob.token)).toMatchObject({ status: 401, error: { code: "UNAUTHENTICATED", message: "this bearer token was revoked; ask your instructor for a new one" } });
  expect((await wsClose(bob.token)).code).toBe(4401);

  const list = await racelab(["user", "list", "--course", "os-2026", "--json"], { env: t.env });
  const rows = JSON.parse(list.stdout) as { name: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null }[];
  const row = rows.find((r) => r.name === "Bob")!;
  expect(row.revokedAt).toBe(JSON.parse(revoked.stdout).revokedAt);
  expect(row.lastUsedAt).toBe(used!.toISOString());
  expect(Date.parse(row.expiresAt!) - Date.parse(row.lastUsedAt!)).toBeGreaterThan(119 * 86_400_000); // the default lifetime, 120 days
  const text = await racelab(["user", "list", "--course", "os-2026"], { env: t.env });
  expect(text.stdout.split("\n")[0]).toMatch(/^ID +ROLE +COURSE +EXPIRES \(UTC\) +LAST USED +REVOKED +NAME$/);

  // Two users of one name: revoke asks for an id.
  await addUser(store, { role: "student", course: "os-2026", name: "Twin" });
  await addUser(store, { role: "student", course: "os-2026", name: "Twin" });
  const twin = await racelab(["user", "revoke", "Twin"], { env: t.env });
  expect(twin.code).toBe(4);
  expect(twin.stderr).toMatch(/^racelab: 2 users are named "Twin": give an id \(/);
});
