/**
 * One test per error code a client can meet, over HTTP against a running
 * server and real PostgreSQL: every error carries `extensions.code`, and bad
 * input names the field.
 */
import { freshDatabase } from "../helpers/db.ts";
import { onlyError, rigForFile, startRig } from "./helpers.ts";

const rig = rigForFile({ options: { limits: { maxBodyBytes: 4096, maxDepth: 6, maxCost: 500 } }, seeds: ["scrub-vs-bg-deletion"] });

test("BAD_USER_INPUT: an argument out of range, naming it", async () => {
  const e = onlyError(await rig.gql(`{ stateAt(trace: "scrub-vs-bg-deletion", seq: 1000) { seq } }`));
  expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "seq" });
  expect(e.message).toMatch(/^seq: 1000 is outside 0\.\.\d+ \(trace scrub-vs-bg-deletion has \d+ events\)$/);
  expect(e.path).toEqual(["stateAt"]);
});

test("BAD_USER_INPUT: a variable of the wrong type, naming the variable (HTTP 400)", async () => {
  const res = await rig.gql(`query($n: Int!) { stateAt(trace: "scrub-vs-bg-deletion", seq: $n) { seq } }`, { n: "three" });
  expect(res.status).toBe(400);
  const e = onlyError(res);
  expect(e.extensions?.code).toBe("BAD_USER_INPUT");
  expect(e.message).toMatch(/\$n/);
});

test("NOT_FOUND: a trace that does not exist, naming the argument", async () => {
  const e = onlyError(await rig.gql(`{ check(trace: "no-such-trace", rules: ["patched"]) { verdict } }`));
  expect(e.extensions).toMatchObject({ code: "NOT_FOUND", field: "trace" });
  expect(e.message).toBe('trace: no trace "no-such-trace"');
});

test("CONFLICT: an append at a stale version", async () => {
  const t = await rig.db.store.createTrace({ name: "conflict", source: { file: null, hash: null, format: "api" } });
  const append = `mutation($t: ID!, $v: Int!) { appendEvents(trace: $t, expectedVersion: $v, events: [{ type: "commit_start", origin: { pid: 7 } }]) { version } }`;
  expect((await rig.gql(append, { t: t.id, v: 0 })).data.appendEvents.version).toBe(1);
  const e = onlyError(await rig.gql(append, { t: t.id, v: 0 }));
  expect(e.extensions).toMatchObject({ code: "CONFLICT", field: "expectedVersion" });
  expect((await rig.db.store.getTrace(t.id))!.version).toBe(1);
});

test("INVALID_TRACE: an ftrace line that cannot be parsed, with its line number", async () => {
  const text = "# tracer: function\n#\n           btrfs-1  [000] ....   1.000: btrfs_relocate_chunk <-__btrfs_balance\nthis is not a trace line\n";
  const e = onlyError(await rig.gql(`mutation($t: String!) { importTrace(name: "bad", text: $t) { events } }`, { t: text }));
  expect(e.extensions?.code).toBe("INVALID_TRACE");
  expect(e.message).toMatch(/:4: .*this is not a trace line/);
});

test("PAYLOAD_TOO_LARGE: a request body over the cap is refused (HTTP 413) before anything runs", async () => {
  rig.calls.clear();
  const text = "x".repeat(5000);
  const res = await fetch(`${rig.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `mutation($t: String!) { importTrace(text: $t) { events } }`, variables: { t: text } }),
  });
  expect(res.status).toBe(413);
  const body = (await res.json()) as any;
  expect(body.errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  expect(body.errors[0].message).toMatch(/exceeds the limit of 4096 bytes/);
  expect(rig.calls.size).toBe(0);
});

test("QUERY_TOO_COMPLEX: too deep, refused (HTTP 400) before execution", async () => {
  rig.calls.clear();
  const res = await rig.gql(`{ traces { nodes { forkedFrom { trace { forkedFrom { trace { name } } } } } } }`);
  expect(res.status).toBe(400);
  const e = onlyError(res);
  expect(e.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  expect(e.message).toBe("query depth 7 exceeds the limit of 6");
  expect(res.data).toBeUndefined();
  expect(rig.calls.size).toBe(0);
});

test("QUERY_TOO_COMPLEX: too costly, refused before execution; variables count", async () => {
  rig.calls.clear();
  const q = `query($n: Int) { traces(first: $n) { nodes { check(rules: ["patched"]) { verdict } } } }`;
  const res = await rig.gql(q, { n: 20 });
  const e = onlyError(res);
  expect(e.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  expect(e.message).toMatch(/^query cost \d+ exceeds the limit of 500$/);
  expect(rig.calls.size).toBe(0);
  // The same query on a small page is within the limit and runs.
  const ok = await rig.gql(q, { n: 2 });
  expect(ok.errors).toBeUndefined();
  expect(ok.data.traces.nodes.length).toBeGreaterThan(0);
});

test("GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED come from graphql-js with their own codes", async () => {
  const parse = onlyError(await rig.gql(`{ traces { `));
  expect(parse.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  const invalid = onlyError(await rig.gql(`{ traces { nodes { colour } } }`));
  expect(invalid.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(invalid.message).toMatch(/colour/);
});

test("INTERNAL_SERVER_ERROR: an unexpected failure is masked in production and logged with its cause", async () => {
  const db = await freshDatabase();
  const logged: string[] = [];
  const broken = await startRig({ maskInternalErrors: true, log: (m, e) => logged.push(`${m} ${String(e)}`) }, db);
  try {
    await db.db.close(); // the database goes away under the server
    const res = await broken.gql(`{ traces { totalCount } }`);
    const e = onlyError(res);
    expect(e.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(e.message).toBe("internal error");
    expect(JSON.stringify(res)).not.toMatch(/at .*\.ts:\d+/); // no stack trace leaks
    expect(logged.length).toBeGreaterThan(0);
  } finally {
    await broken.close();
    await db.drop().catch(() => {});
  }
});
