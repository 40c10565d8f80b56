/**
 * The four races of DOMAIN §5 from seeds/: unpatched → bug with the right
 * race, effect and seq; patched → clean; each fix cures its own race and no
 * other; the benign variants are clean under both.
 */
import { checkEvents } from "../../src/replay/check.ts";
import { EFFECT_OF_RACE, FIX_OF_RACE, RACES, seed } from "./helpers.ts";

describe.each(RACES)("%s", (race) => {
  const sc = seed(race);
  const [effect, step] = EFFECT_OF_RACE[race];

  test("unpatched: bug with its race, effect, seq and source line", () => {
    const r = checkEvents(sc.events, ["unpatched"]);
    expect(r.verdict).toBe("bug");
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ race, effect, seq: step });
    // the line is the scenario file line of that event
    expect(f.line).toBe(sc.events[step - 1]!.origin.line);
    expect(f.message.length).toBeGreaterThan(20);
    expect(r.rules).toEqual(["unpatched"]);
  });

  test("the scenario header states the same expectation", () => {
    expect(sc.meta.race).toBe(race);
    expect(sc.meta.expect.unpatched).toEqual({ verdict: "bug", effect, step });
    expect(sc.meta.expect.patched).toEqual({ verdict: "clean", effect: null, step: null });
  });

  test("patched: clean", () => {
    const r = checkEvents(sc.events, ["patched"]);
    expect(r.verdict).toBe("clean");
    expect(r.findings).toEqual([]);
    expect(r.undecided).toEqual([]);
    expect(r.deferredAtEnd).toEqual([]);
    expect(r.rules).toEqual(["patched"]);
  });

  test.each(Object.values(FIX_OF_RACE))("single fix %s cures only its own race", (fix) => {
    const r = checkEvents(sc.events, [fix]);
    if (fix === FIX_OF_RACE[race]) {
      expect(r.verdict).toBe("clean");
    } else {
      expect(r.verdict).toBe("bug");
      expect(r.findings[0]).toMatchObject({ race, effect, seq: step });
    }
    expect(r.rules).toEqual([fix]);
  });

  test("benign variant: clean under unpatched and patched", () => {
    const benign = seed(`${race}.benign`);
    for (const rules of ["unpatched", "patched"]) {
      const r = checkEvents(benign.events, [rules]);
      expect({ rules, verdict: r.verdict, findings: r.findings, undecided: r.undecided }).toEqual({ rules, verdict: "clean", findings: [], undecided: [] });
    }
  });
});

test("race 5.1 patched: the cleaner waits for the mutex, its check is recomputed after balance removed X and skips", () => {
  const r = checkEvents(seed("balance-vs-unused-bg-deletion").events, ["patched"]);
  expect(r.reordered.map((x) => [x.seq, x.pid, x.appliedAfterSeq])).toEqual([
    [3, 887, 8],
    [5, 887, 8],
    [6, 887, 8],
    [7, 887, 8],
  ]);
  for (const x of r.reordered) expect(x.waitedFor).toBe("delete_unused_bgs_mutex held by pid 17451");
  // 3 (the check) is applied; 5–7 are the skipped rest of its deletion chain
  expect(r.reordered.map((x) => ("note" in x ? "dropped" : "applied"))).toEqual(["applied", "dropped", "dropped", "dropped"]);
});

test("a subset is keyed by its ids in table order", () => {
  const r = checkEvents(seed("scrub-vs-bg-deletion").events, ["scrub-skip-removed-chunk,delete-unused-bgs-mutex"]);
  expect(r.rules).toEqual(["delete-unused-bgs-mutex", "scrub-skip-removed-chunk"]);
  expect(r.ruleSet).toBe("delete-unused-bgs-mutex,scrub-skip-removed-chunk");
  expect(r.verdict).toBe("clean");
});
