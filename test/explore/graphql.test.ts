/**
 * `Query.explore` over HTTP (the real server with the explorer module, a
 * fresh database): a seed scenario by name, scenario text, a stored trace,
 * and the argument errors naming the argument.
 */
import { onlyError, rigForFile, seedTrace } from "../graphql/helpers.ts";

const rig = rigForFile();

const Q = `query ($scenario: String, $trace: ID, $rules: [String!]!, $maxSteps: Int, $maxStates: Int) {
  explore(scenario: $scenario, trace: $trace, rules: $rules, maxSteps: $maxSteps, maxStates: $maxStates) {
    source rules schedules states transitions naive complete limits maxSteps maxStates
    outcomes { bug clean undecidable inconsistent }
    actors { name pid comm events }
    bugs { race effect message steps diagram schedule { step actor pid type bytenr seq line outcome } confirmed { verdict race effect step agrees } }
    undecidable { count why steps }
    statement
  }
}`;

test("a seed by name: the race, its shortest counterexample, cross-checked", async () => {
  const res = await rig.gql(Q, { scenario: "balance-vs-unused-bg-deletion", rules: ["unpatched"] });
  expect(res.errors).toBeUndefined();
  const e = res.data.explore;
  expect(e).toMatchObject({ source: "balance-vs-unused-bg-deletion", rules: "unpatched", naive: "70", complete: true, limits: [], maxSteps: 8 });
  expect(e.actors).toEqual([
    { name: "A", pid: 17451, comm: "btrfs", events: 4 },
    { name: "B", pid: 887, comm: "btrfs-cleaner", events: 4 },
  ]);
  expect(e.bugs).toHaveLength(1);
  const b = e.bugs[0];
  expect(b).toMatchObject({ race: "balance-vs-unused-bg-deletion", effect: "assertion_failure", confirmed: { verdict: "BUG", effect: "assertion_failure", agrees: true } });
  expect(b.schedule).toHaveLength(b.steps);
  expect(b.schedule.find((s: any) => s.type === "unused_bg_check")).toMatchObject({ actor: "B", outcome: "proceed", bytenr: String(0xa69c00000) });
  expect(b.diagram).toContain("✗ assertion_failure");
});

test("scenario text and a stored trace give the same answer as the seed", async () => {
  const fs = await import("node:fs");
  const { SEEDS_DIR } = await import("../../src/scenario/load.ts");
  const text = fs.readFileSync(`${SEEDS_DIR}/scrub-vs-bg-deletion.scenario`, "utf8");
  const byText = await rig.gql(Q, { scenario: text, rules: ["patched"] });
  const byName = await rig.gql(Q, { scenario: "scrub-vs-bg-deletion", rules: ["patched"] });
  const trace = await seedTrace(rig.db.store, "scrub-vs-bg-deletion");
  const byTrace = await rig.gql(Q, { trace: trace.id, rules: ["patched"] });
  for (const r of [byText, byName, byTrace]) {
    expect(r.errors).toBeUndefined();
    expect(r.data.explore).toMatchObject({ naive: "35", complete: true, bugs: [], outcomes: { bug: 0 } });
    expect(r.data.explore.statement).toMatch(/^No bug is reachable under patched within the bound/);
  }
  expect(byTrace.data.explore.states).toBe(byName.data.explore.states);
});

test("bounds are reported, and a bound too high is refused", async () => {
  const res = await rig.gql(Q, { scenario: "trim-vs-bg-removal", rules: ["patched"], maxStates: 30 });
  expect(res.data.explore.complete).toBe(false);
  expect(res.data.explore.limits[0]).toMatch(/^state bound hit/);
  const high = onlyError(await rig.gql(Q, { scenario: "trim-vs-bg-removal", rules: ["patched"], maxStates: 5_000_000 }));
  expect(high.message).toMatch(/^maxStates: 5000000 is above the cap/);
  expect(high.extensions?.code).toBe("BAD_USER_INPUT");
});

test("argument errors name the argument", async () => {
  const both = onlyError(await rig.gql(Q, { scenario: "trim-vs-bg-removal", trace: "x", rules: ["unpatched"] }));
  expect(both.message).toMatch(/give exactly one of scenario and trace/);
  const none = onlyError(await rig.gql(Q, { rules: ["unpatched"] }));
  expect(none.message).toMatch(/^scenario: give exactly one/);
  const unknown = onlyError(await rig.gql(Q, { scenario: "no-such-race", rules: ["unpatched"] }));
  expect(unknown.message).toMatch(/^scenario: no seed scenario "no-such-race"/);
  expect(unknown.extensions?.code).toBe("NOT_FOUND");
  const noTrace = onlyError(await rig.gql(Q, { trace: "no-such-trace", rules: ["unpatched"] }));
  expect(noTrace.extensions?.code).toBe("NOT_FOUND");
  const rules = onlyError(await rig.gql(Q, { scenario: "trim-vs-bg-removal", rules: ["bogus"] }));
  expect(rules.message).toMatch(/^rules: unknown fix "bogus"/);
  const steps = onlyError(await rig.gql(Q, { scenario: "trim-vs-bg-removal", rules: ["unpatched"], maxSteps: 0 }));
  expect(steps.message).toMatch(/^maxSteps: expected a positive integer/);
  const badText = onlyError(await rig.gql(Q, { scenario: "actor A pid=1\nA frobnicate bytenr=1\n", rules: ["unpatched"] }));
  expect(badText.message).toMatch(/^scenario: scenario:2: unknown event type "frobnicate"/);
});
