/**
 * Distinct counterexamples of a bug (src/explore/variants.ts): on the seed
 * races each one is a bug of the race for the normal check (the replay of the
 * schedule's trace), they are shortest first starting with the explorer's own,
 * and no two order the events of every block group alike.
 */
import { confirmSchedule } from "../../src/explore/counterexample.ts";
import { exploreProgram } from "../../src/explore/explore.ts";
import { programFromScenario } from "../../src/explore/program.ts";
import { distinctCounterexamples, orderKey } from "../../src/explore/variants.ts";
import { resolveRules } from "../../src/rules/index.ts";
import { EFFECT_OF_RACE, RACES, seed } from "../replay/helpers.ts";

const unpatched = resolveRules(["unpatched"]);

describe.each(RACES)("%s", (race) => {
  const p = programFromScenario(seed(race), race);
  const [effect] = EFFECT_OF_RACE[race];
  const bug = exploreProgram(p, unpatched).bugs.find((b) => b.race === race)!;
  const variants = distinctCounterexamples(p, unpatched, bug, 6);

  test("the explorer's shortest first, then longer or equal ones, each a bug of the race for the normal check", () => {
    expect(variants[0]).toEqual(bug.schedule);
    for (let i = 1; i < variants.length; i++) expect(variants[i]!.length).toBeGreaterThanOrEqual(variants[i - 1]!.length);
    for (const s of variants) {
      const { report, prefixLength } = confirmSchedule(p, unpatched, s);
      expect(report.verdict).toBe("bug");
      expect(report.findings[0]).toMatchObject({ race, effect, seq: prefixLength });
      expect(report.warnings).toEqual([]);
    }
  });

  test("no two order the events of each block group alike", () => {
    expect(new Set(variants.map((s) => orderKey(p, s))).size).toBe(variants.length);
  });
});

test("how many there are: several where the tasks can overlap in many ways, one where they cannot", () => {
  const count = (race: (typeof RACES)[number]) => {
    const p = programFromScenario(seed(race), race);
    return distinctCounterexamples(p, unpatched, exploreProgram(p, unpatched).bugs[0]!, 6).length;
  };
  expect(count("balance-vs-unused-bg-deletion")).toBe(6);
  expect(count("scrub-vs-bg-deletion")).toBe(6);
  // A allocates and creates X, B dirties X, commits and writes X out: every earlier order is inconsistent, every later one has the item.
  expect(count("bg-creation-vs-cache-writeout")).toBe(1);
});
