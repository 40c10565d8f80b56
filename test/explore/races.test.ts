/**
 * The explorer on the four seed races (DOMAIN §5): unpatched finds each race,
 * and its shortest counterexample replayed through the normal check
 * (`checkEvents` of the schedule's trace) is a bug with the same race and
 * effect; patched finds none, over every schedule; one fix alone cures its own
 * race only.
 */
import { checkEvents } from "../../src/replay/check.ts";
import { scheduleTrace } from "../../src/explore/counterexample.ts";
import { exploreProgram } from "../../src/explore/explore.ts";
import { programFromScenario } from "../../src/explore/program.ts";
import { explore } from "../../src/explore/report.ts";
import { resolveRules } from "../../src/rules/index.ts";
import { EFFECT_OF_RACE, FIX_OF_RACE, RACES, seed } from "../replay/helpers.ts";

const program = (name: string) => programFromScenario(seed(name), name);

describe.each(RACES)("%s", (race) => {
  const p = program(race);
  const [effect, recordedStep] = EFFECT_OF_RACE[race];

  test("unpatched: the race is reachable; its shortest counterexample is a bug for the normal check too", () => {
    const rules = resolveRules(["unpatched"]);
    const r = exploreProgram(p, rules);
    expect(r.complete).toBe(true);
    expect(r.bugs.map((b) => [b.race, b.effect])).toContainEqual([race, effect]);
    const bug = r.bugs.find((b) => b.race === race)!;
    // never longer than the recorded interleaving of the seed
    expect(bug.schedule.length).toBeLessThanOrEqual(recordedStep);
    const { events, prefixLength } = scheduleTrace(p, rules, bug.schedule);
    const check = checkEvents(events, ["unpatched"]);
    expect(check.verdict).toBe("bug");
    expect(check.race).toBe(race);
    expect(check.findings[0]).toMatchObject({ race, effect });
    expect(check.findings[0]!.seq).toBeLessThanOrEqual(prefixLength);
    // every program is in the trace, each task's events in its own order
    expect(events).toHaveLength(p.steps.reduce((n, s) => n + s.length, 0));
    for (const [i, a] of p.actors.entries()) {
      expect(events.filter((e) => e.origin.pid === a.pid).map((e) => e.type)).toEqual(p.steps[i]!.map((s) => s.ev.type));
    }
  });

  test("patched: no bug in any schedule, and the result says so", () => {
    const rep = explore(p, ["patched"]);
    expect(rep.result.complete).toBe(true);
    expect(rep.bugs).toEqual([]);
    expect(rep.result.outcomes.bug).toBe(0);
    expect(rep.result.outcomes.clean).toBeGreaterThan(0);
    expect(rep.statement).toMatch(/^No bug is reachable under patched within the bound/);
  });

  test.each(Object.values(FIX_OF_RACE))("only fix %s: its own race is gone, the others are still found", (fix) => {
    const r = exploreProgram(p, resolveRules([fix]));
    expect(r.complete).toBe(true);
    if (fix === FIX_OF_RACE[race]) {
      expect(r.bugs).toEqual([]);
    } else {
      const bug = r.bugs.find((b) => b.race === race);
      expect(bug?.effect).toBe(effect);
      // and the normal check agrees under that rule set
      const check = checkEvents(scheduleTrace(p, resolveRules([fix]), bug!.schedule).events, [fix]);
      expect(check.findings[0]).toMatchObject({ race, effect });
    }
  });
});

test("every bug of the report is cross-checked and agrees, with a diagram in the seeds' layout", () => {
  for (const race of RACES) {
    const rep = explore(program(race), ["unpatched"]);
    expect(rep.bugs.length).toBeGreaterThan(0);
    for (const b of rep.bugs) {
      expect(b.confirmed).toMatchObject({ verdict: "bug", race: b.race, effect: b.effect, agrees: true });
      const lines = b.diagram.split("\n");
      expect(lines[0]).toMatch(/^ {2}step {2}/);
      expect(lines[1]).toMatch(/^ {2}────/);
      expect(b.diagram).toContain(`✗ ${b.effect}`);
      // one row per step of the schedule (synthetic events share their step's number)
      const stepNumbers = lines.map((l) => /^ {2}( {0,3}\d{1,4}) {2}/.exec(l)?.[1]?.trim()).filter((x) => x !== undefined);
      expect(new Set(stepNumbers).size).toBe(b.confirmed.step);
    }
  }
});

test("seed 5.2: the counterexample removes X, commits, reuses R and writes there before the discard ends", () => {
  const p = program("trim-vs-bg-removal");
  const rep = explore(p, ["unpatched"]);
  const b = rep.bugs[0]!;
  const types = b.stepsJson.map((s) => `${s.actor}:${s.type}`);
  const at = (t: string) => types.indexOf(t);
  expect(at("B:remove_block_group")).toBeLessThan(at("T:commit_done"));
  expect(at("T:commit_done")).toBeLessThan(at("C:chunk_alloc"));
  expect(at("C:chunk_alloc")).toBeLessThan(at("W:eb_write"));
  expect(at("A:discard_start")).toBeLessThan(at("W:eb_write"));
  expect(types[types.length - 1]).toBe("A:discard_end");
});

test("the output is deterministic", () => {
  for (const race of RACES) {
    const strip = (r: ReturnType<typeof explore>) => ({ ...r.result, elapsedMs: 0, program: null, rules: null, bugs: r.bugs.map((b) => ({ ...b })) });
    expect(strip(explore(program(race), ["unpatched"]))).toEqual(strip(explore(program(race), ["unpatched"])));
  }
});
