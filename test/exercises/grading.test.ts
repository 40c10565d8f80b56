/**
 * Grading, kind by kind, right and wrong, on the library's exercises: the
 * grade is decided by replaying the answer, and the feedback says what the
 * replay did — without quoting the key to the student. No database.
 */
import { gradeAnswer } from "../../src/exercises/grade.ts";
import { loadLibrary, type Library } from "../../src/exercises/library.ts";
import type { Answer, Grade, LoadedExercise } from "../../src/exercises/types.ts";
import { thrown } from "../helpers/errors.ts";

let lib: Library;
beforeAll(async () => {
  lib = await loadLibrary();
});

const ex = (id: string): LoadedExercise => {
  const e = lib.get(id);
  if (!e) throw new Error(`no library exercise ${id}`);
  return e;
};
const grade = (id: string, answer: Answer): Grade => gradeAnswer(ex(id), answer);
const check = (g: Grade, name: string) => {
  const c = g.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${JSON.stringify(g.checks)}`);
  return c;
};
/** What a student is shown of a grade. */
const studentText = (g: Grade) => JSON.stringify({ summary: g.summary, checks: g.checks, replays: g.replays });

const badAnswer = (f: () => unknown): string => thrown(f, "BAD_USER_INPUT").message;

describe("spot the race", () => {
  const race = "balance-vs-unused-bg-deletion" as const;

  test("right: race and seq of the first wrong state; the replay shows the finding there", () => {
    const g = grade("spot-balance", { kind: "spot-the-race", race, seq: 12 });
    expect(g).toMatchObject({ correct: true, score: 1 });
    expect(check(g, "seq").detail).toMatch(/^seq 12 \(A remove_chunk\): the state first goes wrong here: assertion_failure: btrfs_remove_chunk: no extent map for chunk 0x5d3400000/);
    expect(g.replays[0]).toMatchObject({ what: "events 1..12 under unpatched", verdict: "bug", finding: { race, effect: "assertion_failure", seq: 12 } });
  });

  test("too early: the replay up to the answer is still consistent", () => {
    const g = grade("spot-balance", { kind: "spot-the-race", race, seq: 10 });
    expect(g).toMatchObject({ correct: false, score: 0.5, summary: "not yet: seq wrong" });
    expect(check(g, "race").ok).toBe(true);
    expect(check(g, "seq")).toEqual({ name: "seq", ok: false, detail: "seq 10 (B remove_chunk): after events 1..10 the replay is still consistent; the state goes wrong later" });
    expect(g.replays[0]).toMatchObject({ verdict: "clean", finding: null });
    expect(g.expected).toMatch(/^race balance-vs-unused-bg-deletion, seq 12: /);
  });

  test("too late: the student learns that it went wrong earlier, not where", () => {
    const g = grade("spot-scrub", { kind: "spot-the-race", race: "scrub-vs-bg-deletion", seq: 12 });
    expect(g).toMatchObject({ correct: false, score: 0.5 });
    expect(check(g, "seq").detail).toBe("seq 12 (S clear_ro): the state had already gone wrong before this event");
    expect(g.replays[0]).toMatchObject({ verdict: "bug", finding: null });
    // The key is seq 11: nothing the student sees names it.
    expect(studentText(g)).not.toMatch(/\b11\b|scrub_einval/);
    expect(g.expected).toMatch(/seq 11/);
  });

  test("wrong race, right seq", () => {
    const g = grade("spot-trim", { kind: "spot-the-race", race: "scrub-vs-bg-deletion", seq: 15 });
    expect(g).toMatchObject({ correct: false, score: 0.5, summary: "not yet: race wrong" });
    expect(check(g, "race")).toEqual({ name: "race", ok: false, detail: "scrub-vs-bg-deletion is not the race this trace shows" });
    expect(check(g, "seq").ok).toBe(true);
  });

  test("a seq outside the trace is a bad answer, not a wrong one", () => {
    expect(badAnswer(() => grade("spot-creation", { kind: "spot-the-race", race, seq: 99 }))).toBe("answer.seq: the trace has events 1..14, got 99");
  });
});

describe("be the scheduler", () => {
  const sched = (id: string, s: string): Grade => grade(id, { kind: "be-the-scheduler", schedule: s.split(" ") });

  test("right: fails unpatched with the race; under the fix the cleaner waits for the mutex", () => {
    const g = sched("sched-balance", "A A B A B B B A");
    expect(g).toMatchObject({ correct: true, score: 1 });
    expect(g.replays.map((r) => [r.what, r.verdict, r.finding?.effect ?? null])).toEqual([
      ["your schedule under unpatched", "bug", "assertion_failure"],
      ["your schedule under delete-unused-bgs-mutex", "clean", null],
    ]);
    expect(g.replays[0]!.finding!.seq).toBe(8);
    expect(g.replays[1]!.reordered[0]).toBe(
      "position 3 (B1 unused_bg_check) waited (delete_unused_bgs_mutex held by pid 17451); applied after position 8 (A4 remove_chunk)",
    );
    expect(g.replays[1]!.notes).toContain("position 3 (B1 unused_bg_check): the cleaner's check, run late, finds the block group gone or busy and skips it");
  });

  test("any order the replay accepts scores 1, not only the key's (issue 16 item 4)", () => {
    // The key of sched-balance is A A B A B B B A; of sched-scrub A A A S S A S S T.
    for (const [id, s] of [
      ["sched-balance", "A B A A B B B A"],
      ["sched-balance", "B A A A B B B A"],
      ["sched-scrub", "A A A S A S S S T"],
      ["sched-scrub", "A A A A S S S S T"],
    ] as const) {
      const g = sched(id, s);
      expect([id, s, g.score, g.correct]).toEqual([id, s, 1, true]);
    }
  });

  test("right, with explicit step numbers; the fix's own mechanism is shown (pinned map, shifted stripe)", () => {
    const g = sched("sched-trim", "B1 B2 A1 A2 B3 B4 T1 C1 C2 W1 A3 A4");
    expect(g.correct).toBe(true);
    expect(g.replays[1]!.notes.join("\n")).toMatch(/kept on pinned_chunks: trimming=1[\s\S]*stripe on dev 1 moved from 0x40100000 to 0x40200000/);
  });

  test("wrong: an order under which nothing fails", () => {
    const g = sched("sched-scrub", "S S S S A A A A T");
    expect(g).toMatchObject({ correct: false, score: 0 });
    expect(check(g, "unpatched fails")).toEqual({ name: "unpatched fails", ok: false, detail: "the unpatched replay is clean: this order does not make the kernel fail" });
  });

  test("wrong: an order no kernel could run (the cleaner proceeds with a block group balance already removed)", () => {
    const g = sched("sched-balance", "A A A A B B B B");
    expect(g.correct).toBe(false);
    expect(check(g, "possible schedule").ok).toBe(false);
    expect(check(g, "possible schedule").detail).toMatch(/^a kernel could not run this order: check_outcome_inconsistent at position 5 \(B1 unused_bg_check\)/);
    expect(check(g, "harmless under the fix").detail).toMatch(/still fails \(assertion_failure\): this is not the window the fix closes/);
  });

  test("wrong: scrub after the deletion committed cannot find the chunk", () => {
    const g = sched("sched-scrub", "A A A A T S S S S");
    expect(check(g, "possible schedule").detail).toMatch(/dev_extent_not_in_commit_root/);
    expect(g.correct).toBe(false);
  });

  test("malformed schedules are bad answers", () => {
    expect(badAnswer(() => sched("sched-balance", "A A B Q"))).toBe('answer.schedule: position 4: "Q" is not an actor of this exercise (actors: A, B)');
    expect(badAnswer(() => sched("sched-balance", "A A B A"))).toBe("answer.schedule: every step of every actor must be scheduled; missing: A4, B2..B4");
    expect(badAnswer(() => sched("sched-balance", "A2 A1"))).toBe("answer.schedule: position 1: A2 is out of order: A's next step is A1 (an actor's steps keep their order)");
    expect(badAnswer(() => sched("sched-balance", "A A A A A B B B B"))).toBe("answer.schedule: position 5: A has only 4 steps");
  });
});

describe("which fix", () => {
  const wf = (id: string, fixes: string[]): Grade => grade(id, { kind: "which-fix", fixes: fixes as never });

  test("right: two fixes, each needed (without either one a race comes back)", () => {
    const g = wf("wf-trim-creation", ["retry-enoent-cache-writeout", "pin-chunks-during-trim"]);
    expect(g).toMatchObject({ correct: true, score: 1 });
    expect(g.replays.map((r) => [r.what, r.verdict, r.finding?.effect ?? null])).toEqual([
      ["the trace under {pin-chunks-during-trim, retry-enoent-cache-writeout}", "clean", null],
      ["the trace under {retry-enoent-cache-writeout} (without pin-chunks-during-trim)", "bug", "discard_overwrites_metadata"],
      ["the trace under {pin-chunks-during-trim} (without retry-enoent-cache-writeout)", "bug", "transaction_abort_enoent"],
    ]);
  });

  test("wrong: one fix uncovers the second race", () => {
    const g = wf("wf-trim-creation", ["pin-chunks-during-trim"]);
    expect(g).toMatchObject({ correct: false, score: 0 });
    expect(check(g, "clean").detail).toMatch(/^under \{pin-chunks-during-trim\} the trace still fails: transaction_abort_enoent at seq 18 \(P write_cache_group\)/);
  });

  test("either of two smallest sets is right: the replay decides, not the key's choice", () => {
    expect(wf("wf-either", ["scrub-skip-removed-chunk"]).correct).toBe(true);
    const g = wf("wf-either", ["delete-unused-bgs-mutex"]);
    expect(g.correct).toBe(true);
    expect(g.replays[0]!.reordered[0]).toMatch(/^seq 2 \(C unused_bg_check\) waited \(delete_unused_bgs_mutex held by pid 5120\)/);
  });

  test("clean but not minimal: half the score, and which fix was not needed", () => {
    const g = wf("wf-either", ["delete-unused-bgs-mutex", "scrub-skip-removed-chunk"]);
    expect(g).toMatchObject({ correct: false, score: 0.5 });
    expect(check(g, "clean").ok).toBe(true);
    expect(check(g, "every fix needed").detail).toBe("not needed: delete-unused-bgs-mutex, scrub-skip-removed-chunk (the trace is clean without it)");
    expect(check(g, "smallest").ok).toBe(false);
  });

  test("the empty set is right for a trace that is clean already, and a fix is then one too many", () => {
    expect(wf("wf-none", []).correct).toBe(true);
    const g = wf("wf-none", ["retry-enoent-cache-writeout"]);
    expect(g).toMatchObject({ correct: false, score: 0.5 });
    expect(check(g, "every fix needed").detail).toBe("not needed: retry-enoent-cache-writeout (the trace is clean without it)");
  });

  test("the mutex does not help scrub: the trace still fails", () => {
    const g = wf("wf-scrub-balance", ["delete-unused-bgs-mutex"]);
    expect(check(g, "clean").detail).toMatch(/still fails: scrub_einval at seq 8 \(S scrub_chunk\)/);
  });
});

describe("predict the state", () => {
  const predict = (id: string, answers: Record<string, string>): Grade => grade(id, { kind: "predict-the-state", answers });

  test("right: every answer matches the replayed state (an actor may be named by its pid)", () => {
    const g = predict("predict-balance", { holder: "17451", "cleaner-waits": "yes", "x-ro": "yes", "x-exists": "yes" });
    expect(g).toMatchObject({ correct: true, score: 1, summary: "right: all 4 answers match the state after step 5" });
    expect(check(g, "holder").detail).toBe("Who holds delete_unused_bgs_mutex? (an actor, or none) — you said A: right");
  });

  test("partly wrong: the score is the share right; a wrong answer is not corrected for the student", () => {
    const g = predict("predict-trim", { exists: "no", map: "no", pinned: "yes", trimming: "1", commits: "0" });
    expect(g).toMatchObject({ correct: false, score: 0.8, summary: "4 of 5 right" });
    expect(check(g, "map")).toEqual({
      name: "map",
      ok: false,
      detail: "Is the extent map (chunk mapping) of X (0x40000000) present in the mapping tree? — you said no: not what the replay shows after step 6",
    });
    expect(g.expected).toMatch(/map = yes/);
  });

  test("unanswered questions count as wrong; unknown ones are bad answers", () => {
    const g = predict("predict-creation", { item: "no" });
    expect(g.score).toBe(0.25);
    expect(check(g, "dirty").detail).toMatch(/— no answer$/);
    expect(badAnswer(() => predict("predict-creation", { color: "blue" }))).toBe("answer.answers.color: no question \"color\" (questions: exists, item, dirty, commits)");
  });
});

test("grading is deterministic: the same answer gets the same grade", () => {
  const answers: [string, Answer][] = [
    ["spot-trim", { kind: "spot-the-race", race: "trim-vs-bg-removal", seq: 14 }],
    ["sched-creation", { kind: "be-the-scheduler", schedule: "A A B B B B A B B".split(" ") }],
    ["wf-balance", { kind: "which-fix", fixes: ["delete-unused-bgs-mutex"] }],
    ["predict-scrub", { kind: "predict-the-state", answers: { ro: "2", exists: "no", map: "no", removed: "no" } }],
  ];
  for (const [id, a] of answers) expect(JSON.stringify(gradeAnswer(ex(id), a))).toBe(JSON.stringify(gradeAnswer(ex(id), a)));
});

test("an answer of another kind is a bad answer", () => {
  expect(badAnswer(() => grade("spot-balance", { kind: "which-fix", fixes: [] }))).toBe("answer.kind: this is a spot-the-race exercise, the answer is for which-fix");
});
