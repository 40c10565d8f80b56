/**
 * Exercises racelab writes itself (issue 16), on the seed races. Expected
 * values come from the seed scenarios' own headers (`# expect unpatched: bug
 * <effect> at step N`), from the benign seeds (which task goes first when
 * nothing goes wrong) and from literals — never from the generator.
 */
import { generateFromProgram, generateFromTrace } from "../../src/exercises/generate/index.ts";
import { gradeAnswer } from "../../src/exercises/grade.ts";
import { listing, programs, scheduleEvents } from "../../src/exercises/trace.ts";
import type { LoadedExercise } from "../../src/exercises/types.ts";
import { loadDefinition } from "../../src/exercises/verify.ts";
import { programFromScenario } from "../../src/explore/program.ts";
import { checkEvents, checkTrace } from "../../src/replay/check.ts";
import { parseScenario } from "../../src/scenario/parse.ts";
import { rejection } from "../helpers/errors.ts";
import { FIX_OF_RACE, RACES, seed } from "../replay/helpers.ts";

type Race = (typeof RACES)[number];

/** The seed's header: the effect and step of the unpatched failure. */
function expected(race: Race): { effect: string; step: number } {
  const e = seed(race).meta.expect.unpatched!;
  return { effect: e.effect!, step: e.step! };
}

const explore = (race: Race, kind: Parameters<typeof generateFromProgram>[1]["kind"], difficulty: "easy" | "medium" | "hard", count = 2) =>
  generateFromProgram(programFromScenario(seed(race), race), { kind, rules: ["unpatched"], count, difficulty });

const schedule = (ex: LoadedExercise, s: readonly string[]) => gradeAnswer(ex, { kind: "be-the-scheduler", schedule: s });

/** Tasks one after another, in the order their roles first act in the race's benign seed (where nothing goes wrong); others last. */
function benignOrder(race: Race, ex: LoadedExercise): string[] {
  const benign = seed(`${race}.benign`);
  const rank = (role: string | null) => {
    const i = benign.events.findIndex((e) => benign.actors.find((a) => a.pid === e.origin.pid)?.role === role);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return programs(ex.trace)
    .sort((a, b) => rank(a.actor.role) - rank(b.actor.role))
    .flatMap((p) => p.steps.map(() => p.actor.name));
}

describe.each(RACES)("%s", (race) => {
  const { effect, step } = expected(race);

  test.each(["easy", "medium", "hard"] as const)("be the scheduler (%s): the key fails unpatched with the seed's effect and scores 1; the benign order scores 0", async (difficulty) => {
    const g = await explore(race, "be-the-scheduler", difficulty);
    expect(g.exercises.length).toBeGreaterThan(0);
    for (const { loaded: ex } of g.exercises) {
      expect(ex.def).toMatchObject({ kind: "be-the-scheduler", race, fix: FIX_OF_RACE[race] });
      const key = ex.def.kind === "be-the-scheduler" ? ex.def.key.schedule : [];
      const right = schedule(ex, key);
      expect(right).toMatchObject({ correct: true, score: 1 });
      expect(right.replays[0]!.finding!.effect).toBe(effect);
      expect(right.replays[1]!.verdict).toBe("clean");
      const benign = schedule(ex, benignOrder(race, ex));
      expect(benign.score).toBe(0);
    }
  });

  test("be the scheduler: another order than the key's scores 1 when the replay says it fails unpatched and is clean under the fix", async () => {
    const { loaded: ex } = (await explore(race, "be-the-scheduler", "hard", 1)).exercises[0]!;
    const key = ex.def.kind === "be-the-scheduler" ? [...ex.def.key.schedule] : [];
    let others = 0;
    for (let i = 0; i + 1 < key.length; i++) {
      if (key[i] === key[i + 1]) continue;
      const s = [...key];
      [s[i], s[i + 1]] = [s[i + 1]!, s[i]!];
      const g = schedule(ex, s);
      // The replay, not the grader: the same order as a trace under unpatched and under the fix.
      const { events, roles } = scheduleEvents(ex.trace, s);
      const unpatched = checkTrace(events, ["unpatched"], { assign: { roles } }).report;
      const fixed = checkTrace(events, [FIX_OF_RACE[race]], { assign: { roles } }).report;
      const good = unpatched.findings[0]?.effect === effect && unpatched.warnings.length === 0 && fixed.verdict === "clean";
      expect(g.score === 1).toBe(good);
      if (good) others++;
    }
    expect(others).toBeGreaterThan(0);
  });

  test("spot the race from the seed trace: the key is the check's first finding, the header's step", async () => {
    const g = await generateFromTrace(seed(race).events, race, { kind: "spot-the-race", rules: ["unpatched"], difficulty: "hard" });
    const ex = g.exercises[0]!.loaded;
    expect(ex.def).toMatchObject({ kind: "spot-the-race", race, key: { race, seq: step } });
    expect(checkEvents(seed(race).events, ["unpatched"]).findings[0]).toMatchObject({ race, effect, seq: step });
  });

  test("difficulty: more tasks and more steps from easy to hard; the failing step stays the same", async () => {
    const sizes: [number, number][] = [];
    const failing: string[] = [];
    for (const d of ["easy", "medium", "hard"] as const) {
      const { loaded: ex } = (await explore(race, "spot-the-race", d, 1)).exercises[0]!;
      sizes.push([ex.trace.actors.length, ex.trace.events.length]);
      // The step the key names is of the type of the seed's failing step, on the same block group.
      const key = ex.def.kind === "spot-the-race" ? ex.def.key : null;
      const listed = listing(ex.trace)[key!.seq - 1]!;
      expect(listed.type).toBe(seed(race).events[step - 1]!.type);
      expect(listed.args).toMatch(/^bytenr=X\b/);
      failing.push(`${listed.comm} ${listed.type} ${listed.args}`);
    }
    // Noise moved it, never changed it: the same task's same event at every level.
    expect(new Set(failing).size).toBe(1);
    const [easy, medium, hard] = sizes as [[number, number], [number, number], [number, number]];
    expect(easy[1]).toBeLessThan(medium[1]);
    expect(medium[1]).toBeLessThan(hard[1]);
    expect(easy[0]).toBeLessThanOrEqual(medium[0]);
    expect(medium[0]).toBeLessThan(hard[0]);
  });

  test("which fix: the race's own fix alone", async () => {
    for (const { loaded: ex } of (await explore(race, "which-fix", "medium")).exercises) {
      expect(ex.def).toMatchObject({ kind: "which-fix", key: { fixes: [FIX_OF_RACE[race]] } });
    }
  });

  test("predict the state: the state just before the seed's failing step, under the rules asked", async () => {
    const g = await generateFromTrace(seed(race).events, race, { kind: "predict-the-state", rules: ["unpatched"], difficulty: "medium" });
    const ex = g.exercises[0]!.loaded;
    expect(ex.def).toMatchObject({ kind: "predict-the-state", rules: ["unpatched"], at: step - 1 });
    const questions = ex.def.kind === "predict-the-state" ? ex.def.questions : [];
    expect(questions).toHaveLength(3);
    expect(gradeAnswer(ex, { kind: "predict-the-state", answers: Object.fromEntries(questions.map((q) => [q.id, q.answer])) }).score).toBe(1);
  });
});

test("every generated definition loads again by itself, key checked, with hints and an explanation from the replay", async () => {
  const g = await explore("balance-vs-unused-bg-deletion", "be-the-scheduler", "medium", 1);
  const made = g.exercises[0]!;
  const again = await loadDefinition(made.source, "again.yaml");
  expect(again.exercise.def).toEqual(made.loaded.def);
  const def = made.loaded.def;
  expect(def.hints).toHaveLength(3);
  // Which lock: the fix of this race adds delete_unused_bgs_mutex.
  expect(def.hints[2]).toMatch(/adds the lock delete_unused_bgs_mutex/);
  // Hints cite no position of the key (the recorded order is the answer).
  expect(def.hints.join(" ")).not.toMatch(/seq \d/);
  expect(def.explanation).toMatch(/^Under unpatched, B's remove_chunk of X \(seq \d+\) fails: btrfs_remove_chunk: no extent map for chunk X/);
});

test("noise is work on other block groups and commits, and never changes the key", async () => {
  const { loaded: ex } = (await explore("trim-vs-bg-removal", "spot-the-race", "hard", 1)).exercises[0]!;
  const sc = parseScenario(ex.def.trace.kind === "inline" ? ex.def.trace.text : "", "hard.scenario");
  const seedNames = new Set(seed("trim-vs-bg-removal").names.map(([n]) => n));
  const noiseNames = sc.names.filter(([n]) => !seedNames.has(n)).map(([, v]) => v);
  expect(noiseNames.length).toBeGreaterThan(0);
  // Without the events on the noise block groups (and the commits it added), the same failure at the same event.
  const isNoise = (e: (typeof sc.events)[number]) => noiseNames.includes((e.data as { bytenr?: bigint | null }).bytenr ?? -1n);
  const keySeq = ex.def.kind === "spot-the-race" ? ex.def.key.seq : 0;
  const failing = sc.events[keySeq - 1]!;
  const without = sc.events.filter((e) => !isNoise(e));
  const f = checkEvents(without, ["unpatched"]).findings[0]!;
  expect(f.effect).toBe("discard_overwrites_metadata");
  expect(without[f.seq - 1]).toBe(failing);
});

describe("refusals", () => {
  test("a scenario with no bug under the rules: one line, naming it and the rules", async () => {
    const p = programFromScenario(seed("scrub-vs-bg-deletion"), "scrub-vs-bg-deletion");
    const err = await rejection(generateFromProgram(p, { kind: "spot-the-race", rules: ["patched"] }), "BAD_USER_INPUT");
    expect(err.message).toBe("exercise generate: scrub-vs-bg-deletion has no bug under patched (every interleaving of its 2 tasks explored): nothing to make an exercise of");
  });

  test("a trace with no finding under the rules", async () => {
    const err = await rejection(generateFromTrace(seed("trim-vs-bg-removal.benign").events, "trim-benign", { kind: "spot-the-race", rules: ["unpatched"] }), "BAD_USER_INPUT");
    expect(err.message).toBe("exercise generate: trim-benign replays clean under unpatched: there is no finding to make an exercise of");
  });

  test("a trace's window makes spot-the-race and predict-the-state only", async () => {
    const err = await rejection(generateFromTrace(seed("trim-vs-bg-removal").events, "trim", { kind: "be-the-scheduler", rules: ["unpatched"] }), "BAD_USER_INPUT");
    expect(err.message).toMatch(/^exercise generate: --from-trace makes spot-the-race and predict-the-state exercises .* not be-the-scheduler: use --from-explore for it$/);
  });
});

test("a long trace: the window around its finding, renumbered, fails at the same event as the whole trace", async () => {
  // 48 scrubs of other block groups before the scrub race of seeds/scrub-vs-bg-deletion.scenario.
  const canon = seed("scrub-vs-bg-deletion");
  const prelude = Array.from({ length: 12 }, (_, i) => {
    const z = `0x${(0x100000000 + i * 0x40000000).toString(16)}`;
    return [`S scrub_dev_extent bytenr=${z} devid=1 physical=${z}`, `S set_ro bytenr=${z}`, `S scrub_chunk bytenr=${z}`, `S clear_ro bytenr=${z}`];
  }).flat();
  const text = [
    "let X = 0x3c400000",
    "actor A pid=887 comm=btrfs-cleaner role=cleaner",
    "actor S pid=4410 comm=btrfs role=scrub",
    ...prelude,
    "A unused_bg_check bytenr=X outcome=proceed",
    "A set_ro bytenr=X",
    "A remove_chunk bytenr=X",
    "S scrub_dev_extent bytenr=X devid=1 physical=0x7c400000",
    "S set_ro bytenr=X",
    "A remove_block_group bytenr=X",
    "S scrub_chunk bytenr=X",
    "S clear_ro bytenr=X",
  ].join("\n");
  const events = parseScenario(text, "long.scenario").events;
  const whole = checkEvents(events, ["unpatched"]).findings[0]!;
  expect(whole).toMatchObject({ race: "scrub-vs-bg-deletion", effect: "scrub_einval", seq: 55 });
  expect(canon.meta.expect.unpatched).toMatchObject({ effect: "scrub_einval" });
  for (const difficulty of ["easy", "hard"] as const) {
    const ex = (await generateFromTrace(events, "long", { kind: "spot-the-race", rules: ["unpatched"], difficulty })).exercises[0]!.loaded;
    const key = ex.def.kind === "spot-the-race" ? ex.def.key : null;
    expect(ex.trace.events.length).toBeLessThan(events.length);
    const listed = listing(ex.trace)[key!.seq - 1]!;
    expect([key!.race, listed.comm, listed.type, listed.args]).toEqual(["scrub-vs-bg-deletion", "btrfs", "scrub_chunk", "bytenr=X"]);
    // The window's own events, in order: the last ones are those of the whole trace before and after the finding.
    expect(ex.trace.events.length - key!.seq).toBe(events.length - whole.seq);
  }
});
