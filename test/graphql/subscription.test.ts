/**
 * The `replay` subscription over graphql-ws (client: graphql-ws + ws) against
 * a running server and real PostgreSQL.
 */
import { collect, rigForFile, startRig, type GqlError } from "./helpers.ts";

const rig = rigForFile({ seeds: ["balance-vs-unused-bg-deletion"] });

const REPLAY = `subscription($t: ID!, $rules: [String!], $from: Int) {
  replay(trace: $t, rules: $rules, fromSeq: $from) {
    seq total deferred released
    event { seq type origin { pid } }
    changes { path before after }
    findings { race effect seq message event { type } } } }`;

function errorsOf(r: { next: { errors?: GqlError[] }[]; error: unknown }): GqlError[] {
  return [...r.next.flatMap((n) => n.errors ?? []), ...(Array.isArray(r.error) ? (r.error as GqlError[]) : [])];
}

const X = String(0xa69c00000);

test("unpatched: one message per event, with its state delta, the finding at the bad step", async () => {
  const r = await collect(rig.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion", rules: ["unpatched"] });
  expect(r.error).toBeNull();
  const steps = r.next.map((m) => (m.data as any).replay);
  expect(steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(steps.every((s) => s.total === 8 && s.event.seq === s.seq && !s.deferred)).toBe(true);
  expect(steps.map((s) => s.event.type)).toEqual([
    "relocate_chunk",
    "relocate_bg",
    "unused_bg_check",
    "set_ro",
    "set_ro",
    "remove_chunk",
    "remove_block_group",
    "remove_chunk",
  ]);
  // Step 7: the cleaner's btrfs_remove_block_group drops the extent map.
  expect(steps[6].changes).toContainEqual({ path: `extentMaps[${X}].inTree`, before: true, after: false });
  expect(steps.slice(0, 7).every((s) => s.findings.length === 0)).toBe(true);
  expect(steps[7].findings).toEqual([
    expect.objectContaining({ race: "balance-vs-unused-bg-deletion", effect: "assertion_failure", seq: 8, event: { type: "remove_chunk" } }),
  ]);
});

test("patched: the cleaner's events wait for the mutex and are released later; no finding", async () => {
  const r = await collect(rig.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion", rules: ["patched"] });
  expect(r.error).toBeNull();
  const steps = r.next.map((m) => (m.data as any).replay);
  expect(steps).toHaveLength(8);
  const deferred = steps.filter((s) => s.deferred).map((s) => s.seq);
  expect(deferred).toEqual([3, 5, 6, 7]);
  const released = steps.flatMap((s) => s.released);
  expect(released.sort((a: number, b: number) => a - b)).toEqual([3, 5, 6, 7]);
  expect(steps.flatMap((s) => s.findings)).toEqual([]);
});

test("fromSeq starts the stream later", async () => {
  const r = await collect(rig.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion", from: 7 });
  expect(r.next.map((m) => (m.data as any).replay.seq)).toEqual([7, 8]);
});

test("an unknown trace is NOT_FOUND, a bad fromSeq BAD_USER_INPUT naming it", async () => {
  const missing = errorsOf(await collect(rig.ws(), REPLAY, { t: "no-such-trace" }));
  expect(missing).toHaveLength(1);
  expect(missing[0]!.extensions).toMatchObject({ code: "NOT_FOUND", field: "trace" });
  const bad = errorsOf(await collect(rig.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion", from: 0 }));
  expect(bad[0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "fromSeq" });
});

test("limits hold on the WebSocket too: a too deep subscription is refused before it starts", async () => {
  const small = await startRig({ limits: { maxDepth: 3 } }, rig.db);
  try {
    small.calls.clear();
    const errors = errorsOf(await collect(small.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion" }));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(errors[0]!.message).toMatch(/depth 4 exceeds the limit of 3/);
    expect(small.calls.size).toBe(0);
  } finally {
    await small.close();
  }
});

test("parse, validation and variable errors carry the same codes as over HTTP", async () => {
  const parse = errorsOf(await collect(rig.ws(), `subscription { replay(`, {}));
  expect(parse[0]!.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  const invalid = errorsOf(await collect(rig.ws(), `subscription { replay(trace: "x") { colour } }`, {}));
  expect(invalid[0]!.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(invalid[0]!.message).toMatch(/colour/);
  const variable = errorsOf(await collect(rig.ws(), REPLAY, { t: "balance-vs-unused-bg-deletion", from: "seven" }));
  expect(variable[0]!.extensions?.code).toBe("BAD_USER_INPUT");
  expect(variable[0]!.message).toMatch(/\$from/);
});
