/**
 * Interleavings of the four canonical actor programs (programs.ts), each race alone and all four
 * at once, judged twice: by racelab (`checkEvents`) and by the reference model
 * (reference-model.ts, written from DOMAIN.md and sharing no code with src/). Under `unpatched`,
 * `patched` and each single fix both must give the same verdict and the same findings — race,
 * effect and seq of each, in order, so the first finding first. Besides: with neither lag nor
 * noise the programs replay DOMAIN §5 and end in its effect at its step; no interleaving is a bug
 * under `patched`; `unpatched` reaches each race's bug on some interleaving.
 *
 * The seed is random per run. On failure fast-check prints it with the path and the schedule,
 * and the message shows the interleaving (`seq:pid:type`) and both answers. To run again with
 * the same seed:
 *   RACELAB_PROPERTY_SEED=<seed> NODE_OPTIONS=--experimental-vm-modules npx jest test/replay/property.test.ts
 */
import fc from "fast-check";
import type { RaceEvent } from "../../src/events/types.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { type RaceNo, type Schedule, interleave, programsOf } from "./programs.ts";
import { FIXES, type Fix, type Judgement, judge } from "./reference-model.ts";

const SEED = seedOfRun();
function seedOfRun(): number {
  const env = process.env.RACELAB_PROPERTY_SEED;
  if (env === undefined || env === "") return Date.now() % 2 ** 31;
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`RACELAB_PROPERTY_SEED: an integer, not ${JSON.stringify(env)}`);
  return seed;
}

const schedules: fc.Arbitrary<Schedule> = fc.record({
  lags: fc.array(fc.nat({ max: 12 }), { minLength: 4, maxLength: 4 }),
  // mostly near the canonical order, where the races and their fixes are; sometimes any order
  amplitude: fc.constantFrom(0, 1, 2, 3, 5, 8, 13, 100),
  noise: fc.array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 64 }),
});

const RACE_OF = { 1: "balance-vs-unused-bg-deletion", 2: "trim-vs-bg-removal", 3: "bg-creation-vs-cache-writeout", 4: "scrub-vs-bg-deletion" } as const;

/** The rule sets compared: the spec racelab takes, the fixes the reference model takes. */
const RULE_SETS: readonly { readonly spec: string; readonly fixes: readonly Fix[] }[] = [
  { spec: "unpatched", fixes: [] },
  { spec: "patched", fixes: FIXES },
  ...FIXES.map((f) => ({ spec: f, fixes: [f] })),
];

const steps = (events: readonly RaceEvent[]) => events.map((e, i) => `${i + 1}:${e.origin.pid}:${e.type}`).join(" ");

/** What both sides are compared on, one line. */
function answer(r: Judgement): string {
  const fs = r.findings.map((f) => `${f.effect}${f.race ? ` (${f.race})` : ""} at seq ${f.seq}`);
  return `${r.verdict}${fs.length > 0 ? `: ${fs.join(", ")}` : ""}`;
}
const racelab = (events: readonly RaceEvent[], spec: string): string => {
  const r = checkEvents(events, [spec]);
  return answer({ verdict: r.verdict, findings: r.findings.map((f) => ({ race: f.race, effect: f.effect, seq: f.seq })) });
};

test.each([1, 2, 3, 4] as const)("race %s: with neither lag nor noise the programs replay DOMAIN §5 and end in its effect at its step", (race) => {
  const expected = {
    1: { trace: "101:relocate_chunk 101:relocate_bg 102:unused_bg_check 101:set_ro 102:set_ro 102:remove_chunk 102:remove_block_group 101:remove_chunk", bug: "assertion_failure (balance-vs-unused-bg-deletion) at seq 8" },
    2: {
      trace: "202:unused_bg_check 202:set_ro 201:trim_bg 201:discard_start 202:remove_chunk 202:remove_block_group 203:commit_done 204:chunk_alloc 204:bg_create 205:eb_write 201:discard_end 201:trim_bg_end 204:bg_items_insert",
      bug: "discard_overwrites_metadata (trim-vs-bg-removal) at seq 11",
    },
    3: {
      trace: "301:chunk_alloc 301:bg_create 302:bg_alloc 302:commit_start 302:writeout_early 302:write_cache_group 301:bg_items_insert 302:writeout_critical 302:write_cache_group 302:commit_done",
      bug: "transaction_abort_enoent (bg-creation-vs-cache-writeout) at seq 6",
    },
    4: { trace: "401:unused_bg_check 401:set_ro 401:remove_chunk 402:scrub_dev_extent 402:set_ro 401:remove_block_group 402:scrub_chunk 402:clear_ro", bug: "scrub_einval (scrub-vs-bg-deletion) at seq 7" },
  }[race];
  const events = interleave(programsOf(race), { amplitude: 0, noise: [] });
  expect(events.map((e) => `${e.origin.pid}:${e.type}`).join(" ")).toBe(expected.trace);
  for (const judged of [racelab(events, "unpatched"), answer(judge(events, []))]) expect(judged).toBe(`bug: ${expected.bug}`);
  for (const judged of [racelab(events, "patched"), answer(judge(events, FIXES))]) expect(judged).toBe("clean");
});

test.each([1, 2, 3, 4, "all"] as const)("race %s: racelab and the reference model agree on every interleaving, under every rule set", (race) => {
  fc.assert(
    fc.property(schedules, (schedule) => {
      const events = interleave(programsOf(race), schedule);
      for (const { spec, fixes } of RULE_SETS) {
        const got = racelab(events, spec);
        const want = answer(judge(events, fixes));
        if (got !== want) {
          throw new Error(
            `RACELAB_PROPERTY_SEED=${SEED}: racelab and the reference model disagree under ${spec}\n` +
              `  racelab:   ${got}\n  reference: ${want}\n  interleaving: ${steps(events)}`,
          );
        }
      }
    }),
    { numRuns: race === "all" ? 3000 : 1000, seed: SEED },
  );
});

test.each([1, 2, 3, 4, "all"] as const)("race %s: no interleaving is a bug under patched", (race) => {
  fc.assert(
    fc.property(schedules, (schedule) => {
      const events = interleave(programsOf(race), schedule);
      const r = checkEvents(events, ["patched"]);
      if (r.verdict !== "clean") throw new Error(`RACELAB_PROPERTY_SEED=${SEED}: ${r.verdict} under patched: ${JSON.stringify(r.findings)} in ${steps(events)}`);
    }),
    { numRuns: race === "all" ? 600 : 300, seed: SEED },
  );
});

test.each([1, 2, 3, 4] as const)("race %s: some interleaving is that race's bug under unpatched", (race: RaceNo) => {
  const hits = fc.sample(schedules, { numRuns: 300, seed: SEED }).filter((s) => {
    const r = checkEvents(interleave(programsOf(race), s), ["unpatched"]);
    return r.verdict === "bug" && r.findings[0]!.race === RACE_OF[race];
  });
  if (hits.length === 0) throw new Error(`RACELAB_PROPERTY_SEED=${SEED}: none of 300 interleavings reached ${RACE_OF[race]}`);
});
