/**
 * `Query.checks` (issue 12): every trace under every rule set in one request,
 * over HTTP against a running server and real PostgreSQL; its arguments named
 * in errors, and its cost counted per pair before anything runs.
 */
import { onlyError, rigForFile, startRig } from "./helpers.ts";

const rig = rigForFile({ seeds: ["trim-vs-bg-removal", "balance-vs-unused-bg-deletion"] });

const CHECKS = `query($traces: [ID!]!, $rules: [String!]) {
  checks(traces: $traces, rules: $rules) { trace { name } rules verdict findings { effect seq line } reordered { seq } }
}`;

test("results trace by trace, each under the rule sets in order; a rule set may be fix ids joined by commas", async () => {
  const res = await rig.gql(CHECKS, {
    traces: ["trim-vs-bg-removal", rig.seeded["balance-vs-unused-bg-deletion"]!.id],
    rules: ["unpatched", "patched", "pin-chunks-during-trim,scrub-skip-removed-chunk"],
  });
  expect(res.errors).toBeUndefined();
  expect(res.data.checks).toEqual([
    { trace: { name: "trim-vs-bg-removal" }, rules: ["unpatched"], verdict: "BUG", findings: [{ effect: "discard_overwrites_metadata", seq: 11, line: 38 }], reordered: [] },
    { trace: { name: "trim-vs-bg-removal" }, rules: ["patched"], verdict: "CLEAN", findings: [], reordered: [] },
    { trace: { name: "trim-vs-bg-removal" }, rules: ["pin-chunks-during-trim", "scrub-skip-removed-chunk"], verdict: "CLEAN", findings: [], reordered: [] },
    { trace: { name: "balance-vs-unused-bg-deletion" }, rules: ["unpatched"], verdict: "BUG", findings: [{ effect: "assertion_failure", seq: 8, line: 28 }], reordered: [] },
    // Under the mutex the cleaner's chain (3, 5, 6, 7) waits for balance.
    { trace: { name: "balance-vs-unused-bg-deletion" }, rules: ["patched"], verdict: "CLEAN", findings: [], reordered: [{ seq: 3 }, { seq: 5 }, { seq: 6 }, { seq: 7 }] },
    { trace: { name: "balance-vs-unused-bg-deletion" }, rules: ["pin-chunks-during-trim", "scrub-skip-removed-chunk"], verdict: "BUG", findings: [{ effect: "assertion_failure", seq: 8, line: 28 }], reordered: [] },
  ]);
});

test("without rules: unpatched; no traces: no results", async () => {
  const res = await rig.gql(CHECKS, { traces: ["trim-vs-bg-removal"] });
  expect(res.data.checks.map((c: { rules: string[]; verdict: string }) => [c.rules, c.verdict])).toEqual([[["unpatched"], "BUG"]]);
  expect((await rig.gql(CHECKS, { traces: [] })).data.checks).toEqual([]);
});

test("a bad trace or rule set is named by its index, and nothing is returned", async () => {
  const missing = await rig.gql(CHECKS, { traces: ["trim-vs-bg-removal", "no-such-trace"], rules: ["patched"] });
  expect(missing.data).toBeNull();
  expect(onlyError(missing)).toMatchObject({ message: 'traces[1]: no trace "no-such-trace"', extensions: { code: "NOT_FOUND", field: "traces[1]" } });
  const bad = await rig.gql(CHECKS, { traces: ["trim-vs-bg-removal"], rules: ["patched", "no-such-fix"] });
  expect(bad.data).toBeNull();
  expect(onlyError(bad).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "rules[1]" });
  expect(onlyError(bad).message).toMatch(/^rules\[1\]: unknown fix "no-such-fix"/);
});

test("the cost counts every pair: 2 traces × 3 rule sets × (50 + 1 for findings) = 306", async () => {
  const query = `query($t: [ID!]!) { checks(traces: $t, rules: ["unpatched", "patched", "delete-unused-bgs-mutex"]) { verdict findings { effect } } }`;
  const variables = { t: ["trim-vs-bg-removal", "balance-vs-unused-bg-deletion"] };
  const below = await startRig({ limits: { maxCost: 305 } }, rig.db);
  const at = await startRig({ limits: { maxCost: 306 } }, rig.db);
  try {
    const refused = await below.gql(query, variables);
    expect(onlyError(refused)).toMatchObject({ message: "query cost 306 exceeds the limit of 305", extensions: { code: "QUERY_TOO_COMPLEX" } });
    expect(below.calls.size).toBe(0);
    const ran = await at.gql(query, variables);
    expect(ran.errors).toBeUndefined();
    expect(ran.data.checks).toHaveLength(6);
  } finally {
    await below.close();
    await at.close();
  }
});
