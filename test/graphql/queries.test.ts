/**
 * Every query of the API over HTTP against a running server and real
 * PostgreSQL, on the seed traces (the four canonical races).
 */
import { CANONICAL, collect, onlyError, rigForFile, startRig } from "./helpers.ts";

const rig = rigForFile({ seeds: CANONICAL });

describe("traces and trace", () => {
  test("traces lists every trace, oldest first, as a Relay connection", async () => {
    const res = await rig.gql(`{ traces { totalCount edges { cursor node { id name format version createdAt } } pageInfo { hasNextPage hasPreviousPage } } }`);
    expect(res.errors).toBeUndefined();
    const conn = res.data.traces;
    expect(conn.totalCount).toBe(4);
    expect(conn.edges.map((e: any) => e.node.name)).toEqual([...CANONICAL]);
    expect(conn.edges[0].node).toMatchObject({ id: rig.seeded[CANONICAL[0]]!.id, format: "scenario", version: 8 });
    expect(new Date(conn.edges[0].node.createdAt).toISOString()).toBe(conn.edges[0].node.createdAt);
    expect(conn.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false });
  });

  test("traces pages with first/after and the cursors chain", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res: any = await rig.gql(`query($after: String) { traces(first: 1, after: $after) { nodes { name } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, { after });
      expect(res.errors).toBeUndefined();
      seen.push(...res.data.traces.nodes.map((n: any) => n.name));
      expect(res.data.traces.pageInfo.hasNextPage).toBe(i < 3);
      expect(res.data.traces.pageInfo.hasPreviousPage).toBe(i > 0);
      after = res.data.traces.pageInfo.endCursor;
    }
    expect(seen).toEqual([...CANONICAL]);
  });

  test("trace by id and by name; null for an unknown one", async () => {
    const t = rig.seeded["trim-vs-bg-removal"]!;
    const byId = await rig.gql(`query($id: ID!) { trace(id: $id) { id name version sourceFile sourceHash meta } }`, { id: t.id });
    expect(byId.data.trace).toMatchObject({ id: t.id, name: "trim-vs-bg-removal", version: t.version, sourceHash: t.source.hash });
    expect(byId.data.trace.sourceFile).toMatch(/trim-vs-bg-removal\.scenario$/);
    expect(byId.data.trace.meta.scenario).toMatchObject({ race: "trim-vs-bg-removal", variant: "canonical" });
    const byName = await rig.gql(`{ trace(id: "trim-vs-bg-removal") { id } }`);
    expect(byName.data.trace.id).toBe(t.id);
    const none = await rig.gql(`{ trace(id: "no-such-trace") { id } }`);
    expect(none.errors).toBeUndefined();
    expect(none.data.trace).toBeNull();
  });
});

describe("events", () => {
  const q = `query($t: ID!, $first: Int, $after: String, $type: String, $actor: Int) {
    trace(id: $t) { events(first: $first, after: $after, type: $type, actor: $actor) {
      edges { cursor node { seq type bytenr data doc observation origin { line lineSeq pid comm cpu ts } chain { id kind } } }
      nodes { seq }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

  test("events in recorded order with payloads in wire form (addresses as decimal strings)", async () => {
    const res = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", first: 3 });
    expect(res.errors).toBeUndefined();
    const { edges, pageInfo } = res.data.trace.events;
    expect(edges.map((e: any) => [e.node.seq, e.node.type])).toEqual([
      [1, "relocate_chunk"],
      [2, "relocate_bg"],
      [3, "unused_bg_check"],
    ]);
    // X = 0xa69c00000 in the scenario.
    expect(edges[0].node.bytenr).toBe(String(0xa69c00000));
    expect(edges[0].node.data).toEqual({ bytenr: String(0xa69c00000) });
    expect(edges[2].node.origin).toMatchObject({ pid: 887, comm: "btrfs-cleaner" });
    expect(edges[0].node.doc).toMatch(/btrfs_relocate_chunk/);
    expect(edges[0].node.chain.kind).toBe("relocation");
    expect(pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: edges[0].cursor, endCursor: edges[2].cursor });
  });

  test("after a cursor comes the next page, to the end", async () => {
    const first = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", first: 5 });
    const rest = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", first: 5, after: first.data.trace.events.pageInfo.endCursor });
    expect(rest.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([6, 7, 8]);
    expect(rest.data.trace.events.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  test("filtered by type and by actor (pid)", async () => {
    const byType = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", type: "remove_chunk" });
    expect(byType.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([6, 8]);
    const byActor = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", actor: 887 });
    expect(byActor.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([3, 5, 6, 7]);
    const both = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", actor: 887, type: "set_ro", first: 1 });
    expect(both.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([5]);
    expect(both.data.trace.events.pageInfo.hasNextPage).toBe(false);
    const paged = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", actor: 887, first: 2 });
    expect(paged.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([3, 5]);
    expect(paged.data.trace.events.pageInfo.hasNextPage).toBe(true);
    const next = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", actor: 887, first: 2, after: paged.data.trace.events.pageInfo.endCursor });
    expect(next.data.trace.events.nodes.map((n: any) => n.seq)).toEqual([6, 7]);
  });

  test("an unknown event type and a foreign cursor are refused, naming the argument", async () => {
    const badType = onlyError(await rig.gql(q, { t: "balance-vs-unused-bg-deletion", type: "set_rw" }));
    expect(badType.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "type" });
    expect(badType.message).toMatch(/type: unknown event type "set_rw"/);
    const traceCursor = (await rig.gql(`{ traces(first: 1) { pageInfo { endCursor } } }`)).data.traces.pageInfo.endCursor;
    const badCursor = onlyError(await rig.gql(q, { t: "balance-vs-unused-bg-deletion", after: traceCursor }));
    expect(badCursor.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  test("one event by seq; null outside the trace", async () => {
    const res = await rig.gql(`{ trace(id: "scrub-vs-bg-deletion") { a: event(seq: 1) { seq type } b: event(seq: 99) { seq } } }`);
    expect(res.data.trace.a).toEqual({ seq: 1, type: expect.any(String) });
    expect(res.data.trace.b).toBeNull();
  });
});

describe("stateAt and diff", () => {
  test("the state at the bad step of the balance race: the extent map is gone", async () => {
    const res = await rig.gql(`{ stateAt(trace: "balance-vs-unused-bg-deletion", seq: 7, rules: ["unpatched"]) {
      seq rules
      blockGroups { start length flags ro roCount removed trimming status inCacheTree itemInserted used reserved dirty newBgOf freeSpace { blockGroup offset bytes hidden } }
      extentMaps { start length pinned inTree type stripes { devid physical } devRanges { devid physical end } }
      pinnedChunks devExtents { devid physical length chunk deletedAt visibleInCommitRoot }
      freeSpace { blockGroup offset }
      transactions { commits lastGen state dirtyBlockGroups newBlockGroups { pid blockGroups } }
      mutexes { name holder waiters }
      actors { pid comm status blockedOn phase discard { bytenr devid physical len } }
      findings { effect } } }`);
    expect(res.errors).toBeUndefined();
    const s = res.data.stateAt;
    const X = String(0xa69c00000);
    expect(s.seq).toBe(7);
    expect(s.rules).toEqual(["unpatched"]);
    const bg = s.blockGroups.find((b: any) => b.start === X);
    expect(bg).toMatchObject({ status: "REMOVED", inCacheTree: false, ro: true });
    expect(s.extentMaps.find((m: any) => m.start === X)).toMatchObject({ inTree: false, pinned: false });
    expect(s.actors.map((a: any) => a.pid).sort((a: number, b: number) => a - b)).toEqual([887, 17451]);
    expect(s.findings).toEqual([]);
  });

  test("the default rule set is unpatched; rules change the state", async () => {
    const dflt = await rig.gql(`{ stateAt(trace: "balance-vs-unused-bg-deletion", seq: 8) { rules findings { effect seq } } }`);
    expect(dflt.data.stateAt).toEqual({ rules: ["unpatched"], findings: [{ effect: "assertion_failure", seq: 8 }] });
    const patched = await rig.gql(`{ stateAt(trace: "balance-vs-unused-bg-deletion", seq: 3, rules: ["patched"]) { rules mutexes { name holder waiters } actors { pid status blockedOn } } }`);
    expect(patched.errors).toBeUndefined();
    const s = patched.data.stateAt;
    expect(s.rules).toEqual(["patched"]);
    expect(s.mutexes).toEqual([{ name: expect.stringMatching(/delete_unused_bgs_mutex/), holder: 17451, waiters: [887] }]);
    expect(s.actors.find((a: any) => a.pid === 887)).toMatchObject({ status: "BLOCKED" });
  });

  test("the pinned extent map of the trim race under its fix", async () => {
    const res = await rig.gql(`{ stateAt(trace: "trim-vs-bg-removal", seq: 6, rules: ["pin-chunks-during-trim"]) { extentMaps { start pinned } pinnedChunks blockGroups { start removed trimming } } }`);
    expect(res.errors).toBeUndefined();
    const s = res.data.stateAt;
    expect(s.extentMaps.some((m: any) => m.pinned)).toBe(true);
    expect(s.pinnedChunks.length).toBeGreaterThan(0);
    expect(s.blockGroups.some((b: any) => b.removed && b.trimming > 0)).toBe(true);
  });

  test("diff between two points lists the changes with before and after", async () => {
    const res = await rig.gql(`{ diff(trace: "balance-vs-unused-bg-deletion", from: 6, to: 7) { from to changes { path before after } } }`);
    expect(res.errors).toBeUndefined();
    const d = res.data.diff;
    expect(d).toMatchObject({ from: 6, to: 7 });
    const X = String(0xa69c00000);
    expect(d.changes).toContainEqual({ path: `blockGroups[${X}].inCacheTree`, before: true, after: false });
    expect(d.changes).toContainEqual({ path: `extentMaps[${X}].inTree`, before: true, after: false });
  });

  test("positions outside the trace are refused naming the argument", async () => {
    const e1 = onlyError(await rig.gql(`{ stateAt(trace: "balance-vs-unused-bg-deletion", seq: 9) { seq } }`));
    expect(e1.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "seq" });
    expect(e1.message).toMatch(/^seq: 9 is outside 0\.\.8/);
    const e2 = onlyError(await rig.gql(`{ diff(trace: "balance-vs-unused-bg-deletion", from: -1, to: 3) { from } }`));
    expect(e2.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "from" });
  });
});

describe("check", () => {
  const q = `query($t: ID!, $rules: [String!]!) { check(trace: $t, rules: $rules) {
    verdict rules findings { race effect seq line message event { seq type origin { pid } } }
    warnings warningDetails { code seq line message }
    reordered { seq line pid waitedFor appliedAfterSeq event { type } }
    undecided { seq why } deferredAtEnd gaps } }`;

  test.each([
    ["balance-vs-unused-bg-deletion", "assertion_failure", 8],
    ["trim-vs-bg-removal", "discard_overwrites_metadata", null],
    ["bg-creation-vs-cache-writeout", "transaction_abort_enoent", null],
    ["scrub-vs-bg-deletion", "scrub_einval", null],
  ])("%s: BUG with its effect unpatched, CLEAN patched", async (race, effect, seq) => {
    const un = await rig.gql(q, { t: race, rules: ["unpatched"] });
    expect(un.errors).toBeUndefined();
    expect(un.data.check.verdict).toBe("BUG");
    const f = un.data.check.findings[0];
    expect(f).toMatchObject({ race, effect });
    if (seq !== null) expect(f.seq).toBe(seq);
    // The finding resolves the event that triggered it.
    expect(f.event.seq).toBe(f.seq);
    const pa = await rig.gql(q, { t: race, rules: ["patched"] });
    expect(pa.data.check).toMatchObject({ verdict: "CLEAN", findings: [], rules: ["patched"] });
  });

  test("the mutex fix reorders the cleaner behind balance and reports it", async () => {
    const res = await rig.gql(q, { t: "balance-vs-unused-bg-deletion", rules: ["delete-unused-bgs-mutex"] });
    expect(res.data.check.verdict).toBe("CLEAN");
    const r = res.data.check.reordered;
    expect(r.length).toBeGreaterThan(0);
    expect(r[0]).toMatchObject({ seq: 3, pid: 887, event: { type: "unused_bg_check" } });
    expect(r[0].waitedFor).toMatch(/held by pid 17451/);
  });

  test("Trace.check reaches the same verdict as Query.check", async () => {
    const res = await rig.gql(`{ traces { nodes { name check(rules: ["unpatched"]) { verdict } } } }`);
    expect(res.data.traces.nodes.map((n: any) => n.check.verdict)).toEqual(["BUG", "BUG", "BUG", "BUG"]);
  });

  test("an unknown rule set name is refused naming `rules`", async () => {
    const e = onlyError(await rig.gql(q, { t: "trim-vs-bg-removal", rules: ["pin-chunks"] }));
    expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "rules" });
    expect(e.message).toMatch(/pin-chunks/);
  });
});

describe("reference data", () => {
  test("fixes: the four rule modules with id, title, seed and what they protect", async () => {
    const res = await rig.gql(`{ fixes { id title seed commit invariant race } }`);
    expect(res.data.fixes.map((f: any) => f.id)).toEqual([
      "delete-unused-bgs-mutex",
      "pin-chunks-during-trim",
      "retry-enoent-cache-writeout",
      "scrub-skip-removed-chunk",
    ]);
    expect(res.data.fixes[0]).toMatchObject({ seed: "000_7410ea1700246a15.txt", race: "balance-vs-unused-bg-deletion" });
    for (const f of res.data.fixes) expect(f.title.length).toBeGreaterThan(10);
  });

  test("races: each with its effect, fix and seed", async () => {
    const res = await rig.gql(`{ races { id title effect fix seeds } }`);
    expect(res.data.races).toEqual([
      { id: "balance-vs-unused-bg-deletion", title: expect.any(String), effect: "assertion_failure", fix: "delete-unused-bgs-mutex", seeds: ["000_7410ea1700246a15.txt"] },
      { id: "trim-vs-bg-removal", title: expect.any(String), effect: "discard_overwrites_metadata", fix: "pin-chunks-during-trim", seeds: ["001_ccdd62c1f7bd69e1.txt"] },
      { id: "bg-creation-vs-cache-writeout", title: expect.any(String), effect: "transaction_abort_enoent", fix: "retry-enoent-cache-writeout", seeds: ["002_70ee108d738edeeb.txt"] },
      { id: "scrub-vs-bg-deletion", title: expect.any(String), effect: "scrub_einval", fix: "scrub-skip-removed-chunk", seeds: ["003_859c27ecbcd90aaa.txt", "004_28e7ee6444ef3537.txt"] },
    ]);
  });

  test("scenarios: canonical and benign interleavings of each race", async () => {
    const res = await rig.gql(`{ scenarios { name race title benign description actors events text } }`);
    const byName = new Map(res.data.scenarios.map((s: any) => [s.name, s]));
    for (const race of CANONICAL) {
      expect(byName.get(race)).toMatchObject({ race, benign: false });
      expect(byName.get(`${race}.benign`)).toMatchObject({ race, benign: true });
    }
    const canonical: any = byName.get("balance-vs-unused-bg-deletion");
    expect(canonical).toMatchObject({ actors: [17451, 887], events: 8 });
    expect(canonical.text).toMatch(/^# racelab scenario/);
  });

  test("eventTypes: the catalog with a JSON Schema of each payload", async () => {
    const res = await rig.gql(`{ eventTypes { type doc observation payload } }`);
    const setRo = res.data.eventTypes.find((t: any) => t.type === "set_ro");
    expect(setRo.observation).toBe(false);
    expect(setRo.payload).toMatchObject({ type: "object", required: ["bytenr"], properties: { bytenr: {}, flag: {} } });
    expect(res.data.eventTypes.find((t: any) => t.type === "trans_abort").observation).toBe(true);
  });
});

describe("modules beside the core schema", () => {
  test("explore (issue 7) is merged in: an unpatched bug schedule of a seed race", async () => {
    const res = await rig.gql(`{ explore(scenario: "balance-vs-unused-bg-deletion", rules: ["unpatched"]) { complete bugs { race effect steps confirmed { verdict agrees } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.explore.complete).toBe(true);
    expect(res.data.explore.bugs[0]).toMatchObject({ race: "balance-vs-unused-bg-deletion", effect: "assertion_failure", confirmed: { verdict: "BUG", agrees: true } });
  });

  test("a module's context sees the request's headers (HTTP) and connectionParams (WebSocket)", async () => {
    const whoami = {
      name: "whoami",
      typeDefs: `extend type Query { whoami: String }`,
      resolvers: { Query: { whoami: (_r: unknown, _a: unknown, ctx: { caller?: string }) => ctx.caller ?? null } },
      context: (req: { headers: Readonly<Record<string, string | undefined>> }) => ({ caller: req.headers.authorization }),
    };
    const withModule = await startRig({}, rig.db, [whoami]);
    try {
      const http = await withModule.gql(`{ whoami }`, {}, { headers: { authorization: "Bearer abc" } });
      expect(http.data).toEqual({ whoami: "Bearer abc" });
      const ws = await collect(withModule.ws({ Authorization: "Bearer xyz" }), `query { whoami }`, {});
      expect(ws.next[0]?.data).toEqual({ whoami: "Bearer xyz" });
    } finally {
      await withModule.close();
    }
  });
});
