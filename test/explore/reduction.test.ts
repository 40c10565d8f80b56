/**
 * The reduction against brute force. The brute force here shares nothing
 * with the explorer's search (no state keys, no engine copies, no
 * footprints, no sleep sets): it lists every interleaving of the programs,
 * replays each one from scratch with the explorer's replay semantics
 * (semantics.ts), and collects the (race, effect) pairs. The reduced
 * exploration must find exactly those, with fewer schedules; it must also
 * visit every state the unreduced exploration visits, and each independence
 * it relies on must hold when checked by running both orders.
 */
import { Engine, type EngineEvent } from "../../src/replay/engine.ts";
import { isWaiting } from "../../src/explore/engine-state.ts";
import { exploreProgram } from "../../src/explore/explore.ts";
import { type Program, programFromScenario } from "../../src/explore/program.ts";
import { EXPLORE_ENGINE_OPTIONS, WAITS_FOR_HANDLES, handleWindows } from "../../src/explore/semantics.ts";
import { resolveRules } from "../../src/rules/index.ts";
import type { RuleSet } from "../../src/rules/types.ts";
import { parseScenario } from "../../src/scenario/parse.ts";
import { FIX_OF_RACE, RACES, seed } from "../replay/helpers.ts";

/** Every interleaving of the programs (actor index per step). */
function* interleavings(lens: readonly number[]): Generator<number[]> {
  const pcs = lens.map(() => 0);
  const total = lens.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  function* rec(): Generator<number[]> {
    if (out.length === total) {
      yield out.slice();
      return;
    }
    for (let a = 0; a < lens.length; a++) {
      if (pcs[a]! >= lens[a]!) continue;
      pcs[a]!++;
      out.push(a);
      yield* rec();
      out.pop();
      pcs[a]!--;
    }
  }
  yield* rec();
}

interface Brute {
  readonly bugs: Set<string>;
  /** Interleavings a recording could show (commits wait for the other tasks' transaction handles). */
  readonly valid: number;
  readonly all: number;
}

function bruteForce(p: Program, rules: RuleSet): Brute {
  const windows = p.steps.map((s) => handleWindows(s));
  const bugs = new Set<string>();
  let valid = 0;
  let all = 0;
  for (const schedule of interleavings(p.steps.map((s) => s.length))) {
    all++;
    const eng = new Engine(rules, { ...EXPLORE_ENGINE_OPTIONS, itemsUnknown: p.itemsUnknown });
    const pcs = p.steps.map(() => 0);
    let ok = true;
    for (const a of schedule) {
      if (eng.stopped) break;
      const e: EngineEvent = p.steps[a]![pcs[a]!]!;
      if (WAITS_FOR_HANDLES.has(e.ev.type) && !isWaiting(eng, e.ev.origin.pid)) {
        const held = p.steps.some((_, x) =>
          x !== a &&
          windows[x]!.some((w) => w.start < pcs[x]! && pcs[x]! <= w.end && !isWaiting(eng, p.actors[x]!.pid) && (w.chain === null || !eng.scheduler().cut.has(w.chain))),
        );
        if (held) {
          ok = false;
          break;
        }
      }
      eng.push(e);
      pcs[a]!++;
    }
    if (!ok) continue;
    valid++;
    for (const f of eng.findings) if (f.race !== null) bugs.add(`${f.race}|${f.effect}`);
  }
  return { bugs, valid, all };
}

/** The trim race with fewer tasks and steps (the cleaner commits; one task allocates and writes): 4200 interleavings. */
const SMALL_TRIM = `
let X  = 0x40000000
let R  = 0x40100000
let Y  = 0x80000000
let EB = 0x80004000
actor A pid=3001 comm=fstrim role=trim
actor B pid=887 comm=btrfs-cleaner role=cleaner
actor C pid=3120 comm=kworker role=allocator
B unused_bg_check bytenr=X outcome=proceed
A trim_bg bytenr=X
A discard_start bytenr=X devid=1 physical=R len=1M
B remove_chunk bytenr=X
B remove_block_group bytenr=X
B commit_done gen=42
C chunk_alloc bytenr=Y len=256M type=METADATA stripes=1:R
C bg_create bytenr=Y len=256M flags=METADATA
C eb_write bytenr=EB len=16K
A discard_end bytenr=X
`;

const RULE_SETS = ["unpatched", "patched", ...Object.values(FIX_OF_RACE)];

const small: [string, Program, readonly string[]][] = [
  ...RACES.filter((r) => r !== "trim-vs-bg-removal")
    .flatMap((r) => [r, `${r}.benign`])
    .map((n) => [n, programFromScenario(seed(n), n), RULE_SETS] as [string, Program, readonly string[]]),
  // 4200 interleavings replayed one by one: the rule sets that matter for this race
  ["small trim", programFromScenario(parseScenario(SMALL_TRIM.replace(/^\s+/gm, ""), "small-trim.scenario"), "small-trim"), ["unpatched", "patched", "delete-unused-bgs-mutex"]],
];

describe.each(small)("%s", (_name, p, ruleSets) => {
  test.each(ruleSets)("%s: same bugs as brute force, fewer schedules", (spec) => {
    const rules = resolveRules([spec]);
    const brute = bruteForce(p, rules);
    const reduced = exploreProgram(p, rules);
    expect(reduced.complete).toBe(true);
    expect(new Set(reduced.bugs.map((b) => `${b.race}|${b.effect}`))).toEqual(brute.bugs);
    expect(reduced.schedules).toBeLessThan(brute.valid);
    expect(reduced.naive).toBe(BigInt(brute.all));
    if (p.name === "small-trim") expect(brute.bugs.size).toBe(spec === "patched" ? 0 : 1);
    // the explorer's own brute-force mode agrees too
    const none = exploreProgram(p, rules, { reduction: false });
    expect(new Set(none.bugs.map((b) => `${b.race}|${b.effect}`))).toEqual(brute.bugs);
    expect(none.schedules).toBeLessThanOrEqual(brute.valid);
    expect(none.schedules).toBeGreaterThan(reduced.schedules);
  });
});

const everySeed = RACES.flatMap((r) => [r, `${r}.benign`]);

describe.each(everySeed)("%s", (name) => {
  const p = programFromScenario(seed(name), name);
  // Checking every independence runs four extra steps per pair: the larger trim seeds only under the two main rule sets.
  const ruleSets = name.startsWith("trim-") ? ["unpatched", "patched"] : RULE_SETS;
  test.each(ruleSets)("%s: the reduction visits every reachable state, and each independence it uses holds", (spec) => {
    const rules = resolveRules([spec]);
    const reduced = exploreProgram(p, rules, { verifyIndependence: true });
    // the full state graph: every state once, every step from it
    const full = exploreProgram(p, rules, { reduction: false, stateCaching: true });
    expect(reduced.complete && full.complete).toBe(true);
    expect(reduced.states).toBe(full.states);
    expect(new Set(reduced.bugs.map((b) => `${b.race}|${b.effect}|${b.schedule.length}`))).toEqual(new Set(full.bugs.map((b) => `${b.race}|${b.effect}|${b.schedule.length}`)));
    expect(reduced.transitions).toBeLessThanOrEqual(full.transitions);
  });
});

test("where tasks touch disjoint state, the reduction takes fewer steps than the full state graph", () => {
  const cases: [string, string[]][] = [
    ["trim-vs-bg-removal", ["unpatched", "patched"]],
    ["scrub-vs-bg-deletion.benign", ["unpatched", "patched"]],
    // (patched: balance holds the mutex the cleaner waits for, and a step that may hand it over commutes with nothing)
    ["balance-vs-unused-bg-deletion.benign", ["unpatched"]],
  ];
  for (const [name, specs] of cases) {
    const p = programFromScenario(seed(name), name);
    for (const spec of specs) {
      const rules = resolveRules([spec]);
      const reduced = exploreProgram(p, rules);
      const full = exploreProgram(p, rules, { reduction: false, stateCaching: true });
      expect({ name, spec, fewer: reduced.transitions < full.transitions }).toEqual({ name, spec, fewer: true });
    }
  }
});
