/**
 * Limits and production settings (page size cap, depth and cost limits
 * before execution, introspection and IDE switches) and DataLoader batching,
 * over HTTP against a running server and real PostgreSQL.
 */
import { getIntrospectionQuery, parse } from "graphql";
import { DomainError } from "../../src/errors.ts";
import { measureOperation } from "../../src/resolvers/limits/measure.ts";
import { operationUnderCheck } from "../../src/resolvers/limits/operation.ts";
import { serverOptionsFromEnv } from "../../src/server.ts";
import { onlyError, rigForFile, seedTrace, startRig } from "./helpers.ts";

const rig = rigForFile({ seeds: ["balance-vs-unused-bg-deletion"] });

describe("page size cap", () => {
  test.each([1001, -1])("first: %i is refused naming `first`", async (first) => {
    const e = onlyError(await rig.gql(`query($n: Int) { traces(first: $n) { totalCount } }`, { n: first }));
    expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    expect(e.message).toMatch(/0\.\.1000/);
    const ev = onlyError(await rig.gql(`query($n: Int) { trace(id: "balance-vs-unused-bg-deletion") { events(first: $n) { nodes { seq } } } }`, { n: first }));
    expect(ev.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
  });

  test("the cap itself is allowed", async () => {
    const res = await rig.gql(`{ trace(id: "balance-vs-unused-bg-deletion") { events(first: 1000) { nodes { seq } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.trace.events.nodes).toHaveLength(8);
  });
});

describe("depth and cost", () => {
  test("GraphiQL's introspection query passes the default limits", async () => {
    const res = await rig.gql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
    expect(res.errors).toBeUndefined();
    expect(res.data.__schema.queryType.name).toBe("Query");
  });

  test("depth counts through fragments; exactly at the limit runs, one deeper is refused", async () => {
    const small = await startRig({ limits: { maxDepth: 5 } }, rig.db);
    try {
      const at = `{ traces { nodes { forkedFrom { trace { name } } } } }`; // depth 5
      expect((await small.gql(at)).errors).toBeUndefined();
      small.calls.clear();
      const deeper = `fragment F on Trace { forkedFrom { trace { forkedFrom { traceId } } } } { traces { nodes { ...F } } }`; // depth 6
      const e = onlyError(await small.gql(deeper));
      expect(e).toMatchObject({ message: "query depth 6 exceeds the limit of 5", extensions: { code: "QUERY_TOO_COMPLEX" } });
      expect(small.calls.size).toBe(0);
    } finally {
      await small.close();
    }
  });

  test("nested pages multiply: 1000 traces × 1000 events is refused before any store call", async () => {
    rig.calls.clear();
    const res = await rig.gql(`{ traces(first: 1000) { nodes { events(first: 1000) { nodes { seq } } } } }`);
    expect(res.status).toBe(400);
    expect(onlyError(res).extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(rig.calls.size).toBe(0);
  });
});

/** `levels` fragments, each naming one field and spreading the next twice: 2^levels − 1 fields in a few hundred bytes per level. */
function fragmentBomb(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, k) =>
    k === levels - 1 ? `fragment F${k} on Trace { name }` : `fragment F${k} on Trace { name ...F${k + 1} ...F${k + 1} }`,
  );
  return `${fragments.join("\n")}\n{ traces { nodes { ...F0 } } }`;
}

describe("limits that cost nothing to check", () => {
  test("the measure is linear: 40 levels of fragments each spread twice name 2^40 + 1 fields, measured at once", () => {
    const op = operationUnderCheck(parse(fragmentBomb(40)), null, {})!;
    // traces + nodes + (2^40 − 1) names: a walk that expanded the spreads would never finish.
    const m = measureOperation(rig.server.schema, op, { defaultPageSize: 100, weights: {} });
    expect(m.fields).toBe(2 ** 40 + 1);
    expect(m.depth).toBe(3);
  });

  test("the fragment bomb is refused (fields), before any store call", async () => {
    rig.calls.clear();
    const res = await rig.gql(fragmentBomb(22));
    expect(res.status).toBe(400);
    expect(onlyError(res)).toMatchObject({
      message: `query names ${2 ** 22 + 1} fields once its fragments are expanded, more than the limit of 2000`,
      extensions: { code: "QUERY_TOO_COMPLEX" },
    });
    expect(rig.calls.size).toBe(0);
  });

  test("aliases count each: 20 run, 21 are refused; aliased explores are refused the same way", async () => {
    const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
    expect((await rig.gql(aliased(20, "traces { totalCount }"))).errors).toBeUndefined();
    expect(onlyError(await rig.gql(aliased(21, "traces { totalCount }")))).toMatchObject({
      message: "query has 21 aliases, more than the limit of 20",
      extensions: { code: "QUERY_TOO_COMPLEX" },
    });
    rig.calls.clear();
    const explores = aliased(40, `explore(scenario: "balance-vs-unused-bg-deletion", rules: ["unpatched"]) { naive }`);
    expect(onlyError(await rig.gql(explores)).message).toBe("query has 40 aliases, more than the limit of 20");
    expect(rig.calls.size).toBe(0);
  });

  test("directives: 50 run, 51 are refused", async () => {
    const withDirectives = (n: number) => `{ traces { ${"totalCount @include(if: true) ".repeat(n)}} }`;
    expect((await rig.gql(withDirectives(50))).errors).toBeUndefined();
    expect(onlyError(await rig.gql(withDirectives(51))).message).toBe("query uses 51 directives, more than the limit of 50");
  });

  test("tokens: the parser stops at the limit", async () => {
    const many = `{ traces { totalCount ${"__typename ".repeat(10_000)}} }`;
    const e = onlyError(await rig.gql(many));
    expect(e.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(e.message).toMatch(/Document contains more that 10000 tokens/); // graphql-js's wording
  });
});

describe("DataLoader", () => {
  test("origins of many forks cost one listing, not one lookup each", async () => {
    const origins = await Promise.all([1, 2, 3, 4, 5].map((i) => seedTrace(rig.db.store, "trim-vs-bg-removal", `origin-${i}`)));
    const forks: string[] = [];
    for (const [i, o] of origins.entries()) {
      const res = await rig.gql(`mutation($t: ID!, $n: String!) { forkTrace(trace: $t, atSeq: 2, name: $n) { id } }`, { t: o.id, n: `fork-${i}` });
      forks.push(res.data.forkTrace.id);
    }
    const aliases = forks.map((id, i) => `f${i}: trace(id: "${id}") { name forkedFrom { trace { name } } }`).join("\n");
    rig.calls.clear();
    const res = await rig.gql(`{ ${aliases} }`);
    expect(res.errors).toBeUndefined();
    expect(forks.map((_, i) => res.data[`f${i}`].forkedFrom.trace.name)).toEqual(["origin-1", "origin-2", "origin-3", "origin-4", "origin-5"]);
    // One batch for the five forks, one for the five origins; no per-item lookups.
    expect(rig.calls.get("listTraces")).toBe(2);
    expect((rig.calls.get("findTrace") ?? 0) + (rig.calls.get("getTrace") ?? 0)).toBe(0);
  });

  test("the events of many reorderings are read in one batch", async () => {
    const check = `{ check(trace: "balance-vs-unused-bg-deletion", rules: ["patched"]) { reordered { seq } } }`;
    const withEvents = `{ check(trace: "balance-vs-unused-bg-deletion", rules: ["patched"]) { reordered { seq event { type } } } }`;
    // The verdict is stored by the first check: count the reads of a check answered from the store.
    await rig.gql(check);
    rig.calls.clear();
    const plain = await rig.gql(check);
    const readsForCheck = rig.calls.get("read") ?? 0;
    expect(plain.data.check.reordered.length).toBe(4);
    rig.calls.clear();
    const res = await rig.gql(withEvents);
    expect(res.data.check.reordered.map((r: any) => r.event.type)).toEqual(["unused_bg_check", "set_ro", "remove_chunk", "remove_block_group"]);
    expect(rig.calls.get("read") ?? 0).toBe(readsForCheck + 1);
  });
});

describe("production settings", () => {
  test("NODE_ENV=production turns introspection and the IDE off; each can be set; internal messages are always masked", () => {
    expect(serverOptionsFromEnv({ NODE_ENV: "production" })).toMatchObject({ introspection: false, ide: false, maskInternalErrors: true });
    expect(serverOptionsFromEnv({})).toMatchObject({ introspection: true, ide: true, maskInternalErrors: true });
    expect(serverOptionsFromEnv({ NODE_ENV: "production", RACELAB_INTROSPECTION: "true", RACELAB_IDE: "1" })).toMatchObject({ introspection: true, ide: true });
    expect(serverOptionsFromEnv({ RACELAB_MAX_DEPTH: "9", RACELAB_MAX_UPLOAD_BYTES: "1048576" }).limits).toEqual({ maxDepth: 9, maxUploadBytes: 1048576 });
    expect(() => serverOptionsFromEnv({ RACELAB_MAX_COST: "lots" })).toThrow(new DomainError("BAD_USER_INPUT", 'RACELAB_MAX_COST: expected a non-negative integer, got "lots"'));
    expect(() => serverOptionsFromEnv({ RACELAB_IDE: "maybe" })).toThrow(/RACELAB_IDE/);
  });

  test("with introspection off, __schema is refused and error messages suggest no field names", async () => {
    const prod = await startRig(serverOptionsFromEnv({ NODE_ENV: "production" }), rig.db);
    try {
      const e = onlyError(await prod.gql(`{ __schema { types { name } } }`));
      expect(e.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(e.message).toMatch(/introspection/i);
      const typo = onlyError(await prod.gql(`{ tracez { totalCount } }`));
      expect(typo.message).not.toMatch(/Did you mean/);
      const page = await fetch(`${prod.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).not.toMatch(/text\/html/);
      // Queries still work.
      expect((await prod.gql(`{ traces { totalCount } }`)).errors).toBeUndefined();
    } finally {
      await prod.close();
    }
  });
});
