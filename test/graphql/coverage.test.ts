/**
 * A check's coverage at the edges (issue 13): `CheckResult.coverage` over
 * HTTP is what `racelab check --json` prints under "coverage" (one entry per
 * race of the registry, in its order, keyed by race in the JSON), each
 * computed afresh; the plain `racelab check` prints a line per race after
 * the verdict. Real PostgreSQL, the CLI as a child process.
 */
import path from "node:path";
import { RACE_IDS } from "../../src/events/races.ts";
import type { Coverage } from "../../src/replay/types.ts";
import { SEEDS_DIR } from "../../src/scenario/load.ts";
import { racelab } from "../helpers/cli.ts";
import { rigForFile } from "./helpers.ts";

const rig = rigForFile({ seeds: ["scrub-vs-bg-deletion", "trim-vs-bg-removal.benign"] });
const SCRUB_TRACE = path.join(SEEDS_DIR, "recordings", "scrub.trace");

const CHECKS = `query($traces: [ID!]!, $rules: [String!]) {
  checks(traces: $traces, rules: $rules) {
    trace { id } rules
    coverage { race chains { kind count } unbound closest { blockGroup ns sides { kind step seq line pid } } reachable }
  }
}`;

interface GqlCoverage {
  race: string;
  chains: { kind: string; count: number }[];
  unbound: number;
  closest: Coverage[keyof Coverage]["closest"];
  reachable: boolean | null;
}

test("CheckResult.coverage is check --json's coverage, race by race in the registry's order", async () => {
  const cli = await racelab(["check", SCRUB_TRACE, "scrub-vs-bg-deletion", "trim-vs-bg-removal.benign", "--rules", "unpatched", "--rules", "patched", "--json"], { env: rig.db.env });
  expect(cli.code).toBe(0);
  const json = cli.stdout.trim().split("\n").map((l) => JSON.parse(l) as { trace: string; ruleSet: string; coverage: Coverage });
  expect(json).toHaveLength(6);
  // GraphQL computes its own: no stored verdict to answer from.
  await rig.db.db.pool.query("DELETE FROM verdicts");
  const res = await rig.gql(CHECKS, { traces: [...new Set(json.map((j) => j.trace))], rules: ["unpatched", "patched"] });
  expect(res.errors).toBeUndefined();
  const results = res.data.checks as { trace: { id: string }; rules: string[]; coverage: GqlCoverage[] }[];
  expect(results).toHaveLength(6);
  for (const [i, r] of results.entries()) {
    expect(r.coverage.map((c) => c.race)).toEqual(RACE_IDS);
    const keyed = Object.fromEntries(
      r.coverage.map((c) => [c.race, { chains: Object.fromEntries(c.chains.map((k) => [k.kind, k.count])), unbound: c.unbound, closest: c.closest, reachable: c.reachable }]),
    );
    expect({ trace: r.trace.id, rules: r.rules.join(","), coverage: keyed }).toEqual({ trace: json[i]!.trace, rules: json[i]!.ruleSet, coverage: json[i]!.coverage });
  }
  // The same under every rule set: what the trace shows does not depend on the rules.
  expect(json[1]!.coverage).toEqual(json[0]!.coverage);
  expect(json[0]!.coverage["scrub-vs-bg-deletion"].reachable).toBe(true);
  expect(json[2]!.coverage["scrub-vs-bg-deletion"].reachable).toBe(true);
  expect(json[4]!.coverage["trim-vs-bg-removal"].reachable).toBe(false);
});

test("the plain check: after the verdict, one line per race", async () => {
  const r = await racelab(["check", "scrub-vs-bg-deletion"], { env: rig.db.env });
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n");
  expect(lines[0]).toMatch(/^scrub-vs-bg-deletion \(.*\) under unpatched: BUG$/);
  const at = lines.indexOf("  coverage:");
  // The finding (effect and message) comes first.
  expect(at).toBe(3);
  expect(lines.slice(at + 1, at + 5)).toEqual([
    "    balance-vs-unused-bg-deletion: 0 relocations, 1 cleaner check; the two sides never met on one block group",
    "    trim-vs-bg-removal: 0 trims, 1 cleaner check, 0 relocations; the two sides never met on one block group",
    "    bg-creation-vs-cache-writeout: 0 new block groups, 0 early writeouts, 0 critical writeouts; the two sides never met on one block group",
    // seeds/scrub-vs-bg-deletion.scenario: A's remove_chunk (line 23) is followed by S's scrub_dev_extent (line 24).
    "    scrub-vs-bg-deletion: 1 cleaner check, 0 relocations, 1 scrub; closest 1 event apart on 0x3c400000 (remove_chunk/scrub_dev_extent, lines 23/24); a reordering of these would hit scrub's -EINVAL under unpatched",
  ]);
});
