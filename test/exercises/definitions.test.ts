/**
 * Exercise files: the library of seeds/exercises loads with every key checked
 * against the replay, and a bad file — bad YAML, a missing or unknown field,
 * a key the replay contradicts, a bad line inside an inline scenario — is one
 * error naming file:line and the field. No database.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { EXERCISE_KINDS } from "../../src/exercises/types.ts";
import { loadExerciseFile, loadLibrary } from "../../src/exercises/library.ts";
import { rejection } from "../helpers/errors.ts";
import { tempDirForFile } from "../helpers/for-file.ts";

const dir = tempDirForFile("racelab-exercises-");

/** Writes `text` as <dir>/<id>.yaml and loads it; returns the error message (or fails the test when it loads). */
async function loadError(id: string, text: string): Promise<string> {
  const file = path.join(dir, `${id}.yaml`);
  writeFileSync(file, text);
  return (await rejection(loadExerciseFile(file), "BAD_USER_INPUT")).message;
}

/** Lines 1-7 of a definition whose trace is the race's seed scenario; the key and the rest follow at line 8. */
const head = (id: string, kind: string, race: string) => `id: ${id}
kind: ${kind}
race: ${race}
title: t
statement: s
hints: [h]
trace: { scenario: ${race} }
`;

const SPOT = (seq: number, race = "balance-vs-unused-bg-deletion") => `id: spot-x
kind: spot-the-race
race: balance-vs-unused-bg-deletion
title: t
statement: s
hints:
  - h1
trace:
  scenario: balance-vs-unused-bg-deletion
key:
  race: ${race}
  seq: ${seq}
`;

describe("the library of seeds/exercises", () => {
  test("loads: at least 12 exercises, every kind and every race, each with a statement, hints and a checked key", async () => {
    const lib = await loadLibrary();
    expect(lib.exercises.length).toBeGreaterThanOrEqual(12);
    expect(new Set(lib.exercises.map((e) => e.def.kind))).toEqual(new Set(EXERCISE_KINDS));
    // The four races of DOMAIN.md §5, written out: the library covers each.
    expect(new Set(lib.exercises.map((e) => e.def.race))).toEqual(
      new Set(["balance-vs-unused-bg-deletion", "trim-vs-bg-removal", "bg-creation-vs-cache-writeout", "scrub-vs-bg-deletion"]),
    );
    for (const kind of EXERCISE_KINDS) {
      // every kind covers more than one race
      expect(new Set(lib.exercises.filter((e) => e.def.kind === kind).map((e) => e.def.race)).size).toBeGreaterThanOrEqual(3);
    }
    for (const e of lib.exercises) {
      expect(e.def.statement.length).toBeGreaterThan(20);
      expect(e.def.hints.length).toBeGreaterThanOrEqual(1);
      expect(e.trace.events.length).toBeGreaterThan(0);
      expect(e.ref).toBe(path.basename(e.origin, path.extname(e.origin)));
    }
  });
});

describe("bad files name file:line and the field", () => {
  test("YAML syntax error", async () => {
    const msg = await loadError("bad-yaml", `id: bad-yaml\nkind: spot-the-race\ntitle: a: b\n`);
    expect(msg).toMatch(new RegExp(`^${dir}/bad-yaml\\.yaml:3: not valid YAML: `));
  });

  test("missing field", async () => {
    const msg = await loadError("no-statement", SPOT(8).replace(/^statement: s\n/m, "").replace("spot-x", "no-statement"));
    expect(msg).toBe(`${dir}/no-statement.yaml:1: statement: missing`);
  });

  test("unknown field, at its line", async () => {
    const msg = await loadError("extra", SPOT(8).replace("spot-x", "extra").replace("title: t\n", "title: t\ndifficulty: hard\n"));
    expect(msg).toBe(`${dir}/extra.yaml:5: unknown field difficulty`);
  });

  test("unknown kind", async () => {
    const msg = await loadError("kind", SPOT(8).replace("spot-x", "kind").replace("kind: spot-the-race", "kind: guess-the-race"));
    expect(msg).toMatch(new RegExp(`^${dir}/kind\\.yaml:2: kind: `));
  });

  test("a hint that is not text (YAML read it as a mapping)", async () => {
    const msg = await loadError("hint", SPOT(8).replace("spot-x", "hint").replace("  - h1\n", "  - h1\n  - first: then this\n"));
    expect(msg).toMatch(new RegExp(`^${dir}/hint\\.yaml:8: hints\\.1: `));
  });

  test("a file whose id is not its name", async () => {
    const msg = await loadError("other-name", SPOT(8));
    expect(msg).toBe(`${dir}/other-name.yaml:1: id: must match the file name: "other-name"`);
  });

  test("a bad line of an inline scenario is reported at its line in the exercise file", async () => {
    const text = `id: inline-bad
kind: spot-the-race
race: balance-vs-unused-bg-deletion
title: t
statement: s
hints: [h]
trace:
  inline: |
    let X = 0x1000
    actor A pid=1 role=balance
    A relocate_chunk bytenr=X
    A frobnicate bytenr=X
key: { race: balance-vs-unused-bg-deletion, seq: 1 }
`;
    const msg = await loadError("inline-bad", text);
    expect(msg).toBe(`${dir}/inline-bad.yaml:12: trace.inline: unknown event type "frobnicate"`);
  });

  test("an unknown seed scenario", async () => {
    const msg = await loadError("no-seed", SPOT(8).replace("spot-x", "no-seed").replace("scenario: balance-vs-unused-bg-deletion", "scenario: no-such-race"));
    expect(msg).toBe(`${dir}/no-seed.yaml:9: trace.scenario: no seed scenario "no-such-race" (seeds/no-such-race.scenario)`);
  });
});

describe("answer keys are checked against the replay", () => {
  test("spot the race: a seq the replay contradicts", async () => {
    const msg = await loadError("spot-seq", SPOT(7).replace("spot-x", "spot-seq"));
    expect(msg).toBe(`${dir}/spot-seq.yaml:12: key.seq: the replay finds the state first wrong at seq 8 (assertion_failure), the key says 7`);
  });

  test("spot the race: the wrong race", async () => {
    const msg = await loadError("spot-race", SPOT(8, "scrub-vs-bg-deletion").replace("spot-x", "spot-race"));
    expect(msg).toBe(`${dir}/spot-race.yaml:11: key.race: the replay shows balance-vs-unused-bg-deletion (assertion_failure), the key says scrub-vs-bg-deletion`);
  });

  test("spot the race on a clean trace", async () => {
    const msg = await loadError("spot-clean", SPOT(8).replace("spot-x", "spot-clean").replace("scenario: balance-vs-unused-bg-deletion", "scenario: balance-vs-unused-bg-deletion.benign"));
    expect(msg).toBe(`${dir}/spot-clean.yaml:8: trace: the trace replays clean under unpatched: there is no race to spot`);
  });

  test("be the scheduler: a key schedule the replay does not accept", async () => {
    const text = `${head("sched-bad", "be-the-scheduler", "balance-vs-unused-bg-deletion")}key:
  schedule: A A A A B B B B
`;
    const msg = await loadError("sched-bad", text);
    expect(msg).toMatch(new RegExp(`^${dir}/sched-bad\\.yaml:9: key\\.schedule: the replay does not accept the key schedule: a kernel could not run this order: check_outcome_inconsistent`));
  });

  test("which fix: a set that is not the smallest", async () => {
    const text = `${head("wf-big", "which-fix", "scrub-vs-bg-deletion")}key:
  fixes: [pin-chunks-during-trim, scrub-skip-removed-chunk]
`;
    const msg = await loadError("wf-big", text);
    expect(msg).toBe(
      `${dir}/wf-big.yaml:9: key.fixes: {pin-chunks-during-trim, scrub-skip-removed-chunk} is not a smallest set that makes the trace clean (not needed: pin-chunks-during-trim (the trace is clean without it)); the replay finds: {scrub-skip-removed-chunk}`,
    );
  });

  test("which fix: a set that leaves the trace failing", async () => {
    const text = `${head("wf-wrong", "which-fix", "scrub-vs-bg-deletion")}key: { fixes: [delete-unused-bgs-mutex] }
`;
    const msg = await loadError("wf-wrong", text);
    expect(msg).toMatch(new RegExp(`^${dir}/wf-wrong\\.yaml:8: key\\.fixes: \\{delete-unused-bgs-mutex\\} is not a smallest set .*still fails: scrub_einval at seq 7`));
  });

  test("predict the state: an answer the replay contradicts, at that question's line", async () => {
    const text = `${head("predict-bad", "predict-the-state", "scrub-vs-bg-deletion")}rules: scrub-skip-removed-chunk
at: 6
questions:
  - ask: removed-flag
    bg: X
    answer: yes
  - ask: extent-map
    bg: X
    answer: yes
`;
    const msg = await loadError("predict-bad", text);
    expect(msg).toBe(`${dir}/predict-bad.yaml:16: questions.1.answer: the replay shows no after step 6 under scrub-skip-removed-chunk, the key says yes`);
  });

  test("predict the state: a question the rules cannot answer (no mutex without its fix)", async () => {
    const text = `${head("predict-mutex", "predict-the-state", "balance-vs-unused-bg-deletion")}at: 3
questions:
  - ask: mutex-holder
    answer: A
`;
    const msg = await loadError("predict-mutex", text);
    expect(msg).toBe(`${dir}/predict-mutex.yaml:10: questions.0.ask: the rule set has no delete_unused_bgs_mutex: replay with rules that include delete-unused-bgs-mutex`);
  });
});
