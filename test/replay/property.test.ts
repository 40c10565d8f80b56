/**
 * Random interleavings of the four canonical actor programs (each race
 * alone, and all four at once): never a bug under `patched`; the unpatched
 * rules reach each race's bug on some interleaving.
 */
import fc from "fast-check";
import { checkEvents } from "../../src/replay/check.ts";
import { type Schedule, interleave, programsOf } from "./programs.ts";

const schedules: fc.Arbitrary<Schedule> = fc.record({
  lags: fc.array(fc.nat({ max: 12 }), { minLength: 4, maxLength: 4 }),
  amplitude: fc.constantFrom(0, 1, 2, 3, 5, 8, 13, 100),
  noise: fc.array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 64 }),
});
const RACE_IDS = { 1: "balance-vs-unused-bg-deletion", 2: "trim-vs-bg-removal", 3: "bg-creation-vs-cache-writeout", 4: "scrub-vs-bg-deletion" } as const;

test.each([1, 2, 3, 4, "all"] as const)("race %s: no interleaving is a bug under patched", (race) => {
  fc.assert(
    fc.property(schedules, (s) => {
      const events = interleave(programsOf(race), s);
      const r = checkEvents(events, ["patched"]);
      if (r.verdict === "bug") throw new Error(`bug under patched: ${JSON.stringify(r.findings)} in ${events.map((e) => `${e.origin.pid}:${e.type}`).join(" ")}`);
      return r.verdict === "clean";
    }),
    { numRuns: race === "all" ? 600 : 300, seed: 20150610 },
  );
});

test.each([1, 2, 3, 4] as const)("race %s: some interleaving is that race's bug under unpatched", (race) => {
  const samples = fc.sample(schedules, { numRuns: 3000, seed: 4242 });
  const hits = samples.filter((s) => {
    const r = checkEvents(interleave(programsOf(race), s), ["unpatched"]);
    return r.verdict === "bug" && r.findings[0]!.race === RACE_IDS[race];
  });
  expect(hits.length).toBeGreaterThan(0);
});
