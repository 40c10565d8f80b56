/**
 * Who may write to the trace store over HTTP (GraphQL's importTrace,
 * appendEvents, forkTrace, deleteTrace and POST /upload), through the real
 * server with the classroom module: anyone on a database without users (one
 * person's own), instructors only once users exist; a refused write stores
 * nothing, and a refused upload is answered before its body is read.
 */
import net from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import { addUser, type AddedUser } from "../../src/exercises/accounts.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { allModules, createApiDeps } from "../../src/resolvers/deps.ts";
import { buildServer, type RacelabServer } from "../../src/server.ts";
import { ROOT } from "../helpers/cli.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";

let t: TestDatabase;
let server: RacelabServer;
let url: string;

const RACE_LOG = readFileSync(path.join(ROOT, "test/ftrace/fixtures/races/balance-vs-unused-bg-deletion.trace"), "utf8");
/** The race log with a comment of its own: another file (hash), so not taken for a re-import. */
const copy = (n: string) => RACE_LOG.replace("\n", `\n# copy ${n}\n`);

async function post(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

const IMPORT = `mutation($text: String!, $name: String) { importTrace(text: $text, name: $name) { trace { id version } } }`;
const APPEND = `mutation($trace: ID!) { appendEvents(trace: $trace, expectedVersion: 0, events: [{ type: "commit_start", origin: { pid: 1, comm: "sync", cpu: 0 } }]) { version } }`;
const FORK = `mutation($trace: ID!) { forkTrace(trace: $trace, atSeq: 0, name: "what-if") { id } }`;
const DELETE = `mutation($trace: ID!) { deleteTrace(trace: $trace) }`;

const codeOf = (r: { body: any }) => r.body.errors?.[0]?.extensions?.code ?? null;

beforeAll(async () => {
  t = await freshDatabase();
  server = await buildServer(createApiDeps(t.store, { modules: allModules(t.store) }), { log: () => {} });
  url = (await server.listen(0, "127.0.0.1")).url;
});
afterAll(async () => {
  await server?.stop();
  await t?.drop();
});

async function traceNames(): Promise<string[]> {
  return (await t.store.listTraces()).map((x) => x.name).sort();
}

describe("a database without users is one person's own", () => {
  test("anyone imports, appends, forks and deletes", async () => {
    const imported = await post(IMPORT, { text: copy("mine"), name: "mine" });
    expect(imported.body.errors).toBeUndefined();
    const id = imported.body.data.importTrace.trace.id as string;
    const empty = await post(`mutation { importTrace(text: "", name: "empty") { trace { id } } }`);
    // an empty log is refused for what it is, not for who sent it
    expect(codeOf(empty)).toBe("INVALID_TRACE");
    const fork = await post(FORK, { trace: id });
    expect(fork.body.errors).toBeUndefined();
    expect((await post(APPEND, { trace: fork.body.data.forkTrace.id })).body.data.appendEvents.version).toBe(1);
    expect((await post(DELETE, { trace: fork.body.data.forkTrace.id })).body.data.deleteTrace).toBe(fork.body.data.forkTrace.id);
    expect(await traceNames()).toEqual(["mine"]);
  });
});

describe("once the database has users", () => {
  let prof: AddedUser;
  let ada: AddedUser;
  let mine: string;
  beforeAll(async () => {
    const accounts = new PgClassroomStore(t.db);
    prof = await addUser(accounts, { role: "instructor", course: "os-2026", name: "Prof" });
    ada = await addUser(accounts, { role: "student", course: "os-2026", name: "Ada" });
    mine = (await t.store.findTrace("mine"))!.id;
  });

  test.each([
    ["anonymous", undefined, 401, "UNAUTHENTICATED"],
    ["a student", "ada", 403, "FORBIDDEN"],
  ] as const)("%s may not write: each mutation is refused and nothing changes", async (_who, user, status, code) => {
    const token = user ? ada.token : undefined;
    const before = await t.store.findTrace(mine);
    for (const [query, variables, field] of [
      [IMPORT, { text: copy("theirs"), name: "theirs" }, "importTrace"],
      [APPEND, { trace: mine }, "appendEvents"],
      [FORK, { trace: mine }, "forkTrace"],
      [DELETE, { trace: mine }, "deleteTrace"],
    ] as const) {
      const r = await post(query, variables, token);
      expect([field, codeOf(r)]).toEqual([field, code]);
      expect(r.body.errors[0].message).toMatch(new RegExp(`^Mutation\\.${field}: on a server with users, only instructors write traces`));
      expect(r.body.data?.[field] ?? null).toBeNull();
    }
    expect(await traceNames()).toEqual(["mine"]);
    expect(await t.store.findTrace(mine)).toEqual(before);

    const upload = await fetch(`${url}/upload?name=uploaded`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: copy("uploaded"),
    });
    expect([upload.status, ((await upload.json()) as any).errors[0].extensions.code]).toEqual([status, code]);
    expect(await traceNames()).toEqual(["mine"]);
  });

  test("reading stays open: anyone checks and travels through a trace", async () => {
    const r = await post(`query($t: ID!) { check(trace: $t, rules: ["unpatched"]) { verdict } stateAt(trace: $t, seq: 3) { seq } }`, { t: mine });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ check: { verdict: "BUG" }, stateAt: { seq: 3 } });
  });

  test("an instructor imports, forks, appends, uploads and deletes", async () => {
    const imported = await post(IMPORT, { text: copy("lecture"), name: "lecture" }, prof.token);
    expect(imported.body.errors).toBeUndefined();
    const fork = await post(FORK, { trace: imported.body.data.importTrace.trace.id }, prof.token);
    expect((await post(APPEND, { trace: fork.body.data.forkTrace.id }, prof.token)).body.data.appendEvents.version).toBe(1);
    const upload = await fetch(`${url}/upload?name=uploaded`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", authorization: `Bearer ${prof.token}` },
      body: copy("uploaded"),
    });
    expect(upload.status).toBe(200);
    expect(await traceNames()).toEqual(["lecture", "mine", "uploaded", "what-if"]);
    for (const name of ["lecture", "uploaded", "what-if"]) {
      const id = (await t.store.findTrace(name))!.id;
      expect((await post(DELETE, { trace: id }, prof.token)).body.data.deleteTrace).toBe(id);
    }
    expect(await traceNames()).toEqual(["mine"]);
  });

  test("a refused upload is answered before its body is sent, and the connection is closed", async () => {
    // Declares 100 MB, sends only the headers: the refusal must come without waiting for the body.
    const { port } = new URL(url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => {
        socket.write(
          "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n" +
            `Authorization: Bearer ${ada.token}\r\nContent-Length: 100000000\r\n\r\n`,
        );
      });
      let text = "";
      socket.on("data", (d) => (text += d.toString("utf8")));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.setTimeout(20_000, () => reject(new Error(`no answer; got ${JSON.stringify(text)}`)));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"FORBIDDEN"');
    expect(await traceNames()).toEqual(["mine"]);
  });
});
