/**
 * The web page's pure parts, on the real replay's answers: the timeline's
 * display order without the rows (checked against a sort of every row that
 * shares no code with it), lanes from an overview, blocked spans and what a
 * row says, from the `check` and `changes` of a seed race replayed by the
 * real replay service over PostgreSQL; the time axis' arithmetic; the
 * scheduler's moves; the gradebook CSV reader and its student × exercise grid
 * (on the server's own CSV); a student's progress.
 */
import path from "node:path";
import { createReplayService } from "../../src/replay-service.ts";
import { loadScenarioFile, SEEDS_DIR, storeScenario, scenarioMeta } from "../../src/scenario/load.ts";
import { databaseForFile } from "../helpers/db.ts";
import { rng } from "../helpers/random.ts";
import { addressNames, annotations, blockedSpans, buildLanes, formatArgs, movedEvents, rowOf, scenarioActors } from "../../web/src/timeline/model.ts";
import { DisplayOrder, type MovedEvent } from "../../web/src/timeline/order.ts";
import { clampSpan, pan, ticks, zoom } from "../../web/src/timeline/time.ts";
import { allowedRange, initialSchedule, moveStep, scheduleAnswer } from "../../web/src/exercises/schedule.ts";
import { parseCsv } from "../../web/src/exercises/csv.ts";
import { cellText, cellWords, gradeGrid, progressOf, progressText } from "../../web/src/exercises/grid.ts";
import { gradebookCsv } from "../../src/exercises/csv.ts";
import type { LoadedExercise } from "../../src/exercises/types.ts";
import type { CheckResult, Overview, TraceEvent } from "../../web/src/types.ts";
import { encodeEvent } from "../../src/events/catalog.ts";

const t = databaseForFile();

/** A seed race as the page receives it: events in wire form, the report of `check` and its rule changes (GraphQL shapes). */
async function race(name: string, rules: string) {
  const scenario = loadScenarioFile(path.join(SEEDS_DIR, `${name}.scenario`));
  const { trace } = await storeScenario(t.store, scenario);
  const stored = await t.store.read(trace.id);
  const events: TraceEvent[] = stored.map((e) => {
    const wire = JSON.parse(JSON.stringify(encodeEvent(e))) as { type: string; data: Record<string, unknown> };
    return {
      seq: e.seq,
      type: e.type,
      data: wire.data,
      bytenr: null,
      bytenrHex: null,
      origin: { line: e.origin.line, pid: e.origin.pid, comm: e.origin.comm ?? null, task: `${e.origin.comm}-${e.origin.pid}`, cpu: e.origin.cpu ?? null, ts: null, time: null },
      chain: null,
      observation: false,
      source: null,
    };
  });
  const service = createReplayService(t.store);
  const report = await service.check(trace.id, [rules]);
  const check: CheckResult = {
    verdict: report.verdict.toUpperCase() as CheckResult["verdict"],
    rules: report.rules,
    findings: report.findings,
    warnings: report.warnings.map((w) => w.message),
    reordered: report.reordered,
    undecided: report.undecided,
    deferredAtEnd: report.deferredAtEnd,
    gaps: report.gaps,
  };
  const changes = (await service.changes(trace.id, [rules])).map((c) => ({
    seq: c.seq,
    line: c.line,
    pid: c.pid,
    type: c.type,
    kind: c.kind,
    text: c.text,
    waitedFor: c.waitedFor ?? null,
    heldBy: c.heldBy ?? null,
    appliedAfterSeq: c.appliedAfterSeq ?? null,
  }));
  // The overview as the server counts it, here counted from the events.
  const tasks = [...new Set(events.map((e) => e.origin.pid))].map((pid) => {
    const mine = events.filter((e) => e.origin.pid === pid);
    return {
      pid,
      comm: mine[0]!.origin.comm,
      task: mine[0]!.origin.task,
      cpus: [...new Set(mine.map((e) => e.origin.cpu!))],
      events: mine.length,
      firstSeq: mine[0]!.seq,
      lastSeq: mine[mine.length - 1]!.seq,
      idle: false,
    };
  });
  const cpus = [...new Set(events.map((e) => e.origin.cpu))].sort().map((cpu) => ({ cpu, events: events.filter((e) => e.origin.cpu === cpu).length }));
  const overview: Overview = { events: events.length, firstTs: null, lastTs: null, tasks, cpus, types: [], blockGroups: [] };
  return { events, check, changes, overview, meta: scenarioMeta(scenario) };
}

/** The display order by sorting every kept row (the page never holds them all; this reference does). */
function sortedRows(kept: readonly number[], moved: readonly MovedEvent[]): number[] {
  const m = new Map(moved.map((x) => [x.seq, x.release]));
  const key = (s: number): [number, number, number] => (m.has(s) ? [m.get(s) ?? Infinity, 1, s] : [s, 0, s]);
  return [...kept].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}

/** The seqs DisplayOrder shows, row by row, for kept events `kept` (ascending). */
function shown(order: DisplayOrder, kept: readonly number[]): number[] {
  return Array.from({ length: order.length }, (_, i) => kept[order.at(i).offset]!);
}

const rankIn = (kept: readonly number[]) => (s: number) => kept.filter((k) => k <= s).length;

describe("timeline model on balance-vs-unused-bg-deletion", () => {
  test("unpatched: recorded order, two task lanes named as in the scenario, the finding on step 8, no blocked span", async () => {
    const { events, check, changes, overview, meta } = await race("balance-vs-unused-bg-deletion", "unpatched");
    const lanes = buildLanes(overview, "task", scenarioActors(meta));
    expect(lanes.lanes.map((l) => l.label)).toEqual(["A · btrfs [17451]", "B · btrfs-cleaner [887]"]);
    expect(lanes.lanes[0]!.detail).toBe("balance · CPU 0 · 4 events");
    const order = new DisplayOrder(8, movedEvents(check, "applied"), (s) => s);
    expect(order.reordered).toBe(false);
    const all = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(shown(order, all)).toEqual(all);
    const notes = annotations(check, changes, 8);
    const rows = events.map((e, i) => rowOf(e, i, false, lanes, notes, "applied"));
    expect(rows.map((r) => r.lane)).toEqual([0, 0, 1, 0, 1, 1, 1, 0]);
    expect(rows.filter((r) => r.findings.length > 0).map((r) => [r.event.seq, r.findings[0]!.effect])).toEqual([[8, "assertion_failure"]]);
    expect(rows.flatMap((r) => r.changes)).toEqual([]);
    expect(blockedSpans(check, order, (s) => s)).toEqual([]);
    // The cursor after step 5 is drawn on row 5 (index 4).
    expect(order.lastIndexAtOrBefore(5, 5)).toBe(4);
  });

  test("patched: the cleaner's steps wait for the mutex and move after balance's step 8; its lane is blocked from step 3 to 8; the cards say skipped and not applied", async () => {
    const { events, check, changes, overview, meta } = await race("balance-vs-unused-bg-deletion", "patched");
    expect(check.verdict).toBe("CLEAN");
    const all = [1, 2, 3, 4, 5, 6, 7, 8];
    const order = new DisplayOrder(8, movedEvents(check, "applied"), (s) => s);
    expect(shown(order, all)).toEqual([1, 2, 4, 8, 3, 5, 6, 7]);
    expect(shown(order, all)).toEqual(sortedRows(all, movedEvents(check, "applied")));
    // Rows released by step 8 share its cursor point: the state after processing step 8.
    const lanes = buildLanes(overview, "task", scenarioActors(meta));
    const notes = annotations(check, changes, 8);
    const rows = Array.from({ length: 8 }, (_, i) => {
      const r = order.at(i);
      return rowOf(events[r.offset]!, i, r.kind === "moved", lanes, notes, "applied");
    });
    expect(rows.map((r) => r.point)).toEqual([1, 2, 4, 8, 8, 8, 8, 8]);
    expect(rows[3]!.released).toEqual([3, 5, 6, 7]);
    expect(order.lastIndexAtOrBefore(8, 8)).toBe(7);
    expect(order.lastIndexAtOrBefore(4, 4)).toBe(2);
    expect(order.indexOfOffset(2)).toBe(4); // seq 3 shows after seq 8
    // What the rules changed, on the cards: the check skipped, the rest not applied, the remove implied.
    const kinds = (seq: number) => rows.find((r) => r.event.seq === seq)!.changes.map((c) => c.kind);
    expect(kinds(3)).toEqual(["waited", "skipped"]);
    for (const s of [5, 6, 7]) expect(kinds(s)).toEqual(["waited", "not_applied"]);
    expect(kinds(8)).toEqual(["implied"]);
    expect(rows.find((r) => r.event.seq === 3)!.changes[0]!.heldBy).toBe(17451);
    const spans = blockedSpans(check, order, (s) => s);
    expect(spans.map((s) => ({ pid: s.pid, from: s.fromIndex, to: s.toIndex, release: s.releasedAt }))).toEqual([{ pid: 887, from: 2, to: 3, release: 8 }]);
    expect(spans[0]!.waitedFor).toMatch(/delete_unused_bgs_mutex/);

    const recorded = new DisplayOrder(8, movedEvents(check, "recorded"), (s) => s);
    expect(shown(recorded, all)).toEqual(all);
    expect(blockedSpans(check, recorded, (s) => s).map((s) => [s.fromIndex, s.toIndex])).toEqual([[2, 7]]);
  });

  test("filtered: only the events a filter keeps, moved events placed after the last kept event at or before their release", async () => {
    const { check } = await race("balance-vs-unused-bg-deletion", "patched");
    const moved = movedEvents(check, "applied");
    for (const kept of [
      [3, 5, 6, 7], // the cleaner only: every kept event moved, to the end
      [1, 2, 4, 8], // balance only: nothing moved
      [3, 4, 5], // checks and set_ro: the release (8) is not kept
      [2, 3, 8],
    ]) {
      const order = new DisplayOrder(kept.length, moved, rankIn(kept));
      expect(shown(order, kept)).toEqual(sortedRows(kept, moved.filter((m) => kept.includes(m.seq))));
    }
    expect(shown(new DisplayOrder(3, moved, rankIn([3, 4, 5])), [3, 4, 5])).toEqual([4, 3, 5]);
  });

  test("CPU lanes, folded idle tasks and address names", async () => {
    const { events, overview, meta } = await race("balance-vs-unused-bg-deletion", "unpatched");
    const lanes = buildLanes(overview, "cpu", scenarioActors(meta));
    expect(lanes.lanes.map((l) => [l.label, l.detail])).toEqual([
      ["CPU 0", "A"],
      ["CPU 1", "B"],
    ]);
    const withIdle: Overview = {
      ...overview,
      tasks: [...overview.tasks, { pid: -1, comm: "swapper/0", task: "swapper/0 (cpu 0)", cpus: [0], events: 3, firstSeq: 9, lastSeq: 11, idle: true }],
    };
    expect(buildLanes(withIdle, "task", [], { fold: true }).lanes.map((l) => l.label)).toEqual(["btrfs-17451", "btrfs-cleaner-887", "1 idle task"]);
    expect(buildLanes(withIdle, "task", [], { fold: false }).lanes).toHaveLength(3);
    expect(buildLanes(withIdle, "task", [], { fold: false }).lanes[2]!.label).toBe("swapper/0 (cpu 0)");
    // Tasks with no event in view fold too (the time axis says which).
    expect(buildLanes(withIdle, "task", [], { fold: true, quiet: new Set([887]) }).lanes.map((l) => l.label)).toEqual(["btrfs-17451", "2 idle tasks"]);
    const names = addressNames(meta);
    expect(names.get("44723863552")).toBe("X");
    expect(formatArgs(events[2]!.data, names)).toBe("bytenr=X outcome=proceed");
    expect(formatArgs({ bytenr: "2147483648", len: "268435456", stripes: [{ devid: 1, physical: "1074790400" }] }, new Map())).toBe(
      "bytenr=0x80000000 len=256M stripes=dev1@0x40100000",
    );
  });
});

test("display order against a sort of every row, on random traces, filters and releases", () => {
  const r = rng(14);
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(r() * 40);
    const all = Array.from({ length: n }, (_, i) => i + 1);
    const kept = all.filter(() => r() < 0.6);
    const moved: MovedEvent[] = all
      .filter(() => r() < 0.25)
      .map((seq) => ({ seq, release: r() < 0.15 ? null : Math.min(n, seq + 1 + Math.floor(r() * (n - seq + 1))) }))
      .filter((m) => m.release === null || m.release > m.seq);
    const order = new DisplayOrder(kept.length, moved, rankIn(kept));
    const want = sortedRows(kept, moved.filter((m) => kept.includes(m.seq)));
    expect(shown(order, kept)).toEqual(want);
    for (let i = 0; i < kept.length; i++) expect(order.indexOfOffset(order.at(i).offset)).toBe(i);
    // The cursor's row: the last row whose point (its seq, or its release when moved) is at or before it.
    const point = (s: number) => {
      const m = moved.find((x) => x.seq === s);
      return m ? (m.release ?? Infinity) : s;
    };
    for (const p of [0, 1, Math.floor(n / 2), n]) {
      const last = want.reduce((acc, s, i) => (point(s) <= p ? i : acc), -1);
      const before = want.filter((s) => point(s) <= p).length - 1;
      expect(order.lastIndexAtOrBefore(p, rankIn(kept)(p))).toBe(Math.max(last, before));
    }
  }
});

test("time axis: zoom keeps the time under the pointer, pans stay inside the trace, ticks fall on round times", () => {
  const full = 10_000_000; // 10 ms
  const s = zoom({ from: 0, to: full }, 0.5, 0.25, full);
  expect(s).toEqual({ from: 1_250_000, to: 6_250_000 }); // 2.5 ms stays at a quarter of the width
  expect(zoom(s, 2, 0.25, full)).toEqual({ from: 0, to: 10_000_000 });
  expect(pan(s, -1, full)).toEqual({ from: 0, to: 5_000_000 });
  expect(pan(s, 1, full)).toEqual({ from: 5_000_000, to: 10_000_000 });
  expect(clampSpan({ from: 5, to: 6 }, full)).toEqual({ from: 5, to: 1005 }); // at least 1 µs wide
  // First timestamp 13.716279 s, 10 ms on 500 px: a label every 5 ms, at 13.720 and 13.725 s.
  const first = 13_716_279_000n;
  expect(ticks({ from: 0, to: full }, 500, first)).toEqual([3_721_000, 8_721_000]);
});

describe("scheduler moves", () => {
  const programs = [
    { actor: "A", pid: 1, comm: null, role: null, steps: ["A1 relocate_chunk bytenr=X", "A2 relocate_bg bytenr=X", "A3 remove_chunk bytenr=X"] },
    { actor: "B", pid: 2, comm: null, role: null, steps: ["B1 unused_bg_check bytenr=X", "B2 remove_chunk bytenr=X"] },
  ];

  test("starts actor after actor and answers step ids", () => {
    expect(scheduleAnswer(initialSchedule(programs))).toEqual(["A1", "A2", "A3", "B1", "B2"]);
  });

  test("a step moves freely between its own actor's neighbours", () => {
    const list = initialSchedule(programs);
    expect(allowedRange(list, 3)).toEqual({ min: 0, max: 3 }); // B1: anywhere before B2
    const r = moveStep(list, 3, 1);
    expect(scheduleAnswer(r.list)).toEqual(["A1", "B1", "A2", "A3", "B2"]);
    expect(r.clamped).toBeNull();
  });

  test("a move past the actor's own step is clamped, and says why", () => {
    const list = initialSchedule(programs);
    const r = moveStep(list, 4, 0); // B2 before B1: stops right after B1
    expect(scheduleAnswer(r.list)).toEqual(["A1", "A2", "A3", "B1", "B2"]);
    expect(r.index).toBe(4);
    expect(r.clamped).toBe("B2 stays after B1: an actor's steps keep their order");
    const down = moveStep(list, 0, 4); // A1 to the end: stops before A2
    expect(down.index).toBe(0);
    expect(down.clamped).toBe("A1 stays before A2: an actor's steps keep their order");
  });
});

test("gradebook CSV: quoted commas, doubled quotes and CRLF", () => {
  expect(parseCsv('course,title,correct\r\nos101,"Two tasks, one ""block group""",true\r\n')).toEqual([
    ["course", "title", "correct"],
    ["os101", 'Two tasks, one "block group"', "true"],
  ]);
});

test("gradebook grid from the server's CSV: students by name, exercises in course order, totals", () => {
  const exercises = [
    { ref: "spot-balance", def: { title: "Two tasks, one block group", kind: "spot-the-race" } },
    { ref: "0b5f7f8e-2c1d-4e0a-9a57-3f6f4c1d2e10", def: { title: "Be the scheduler: scrub", kind: "be-the-scheduler" } },
    { ref: "wf-none", def: { title: "Which fix? Maybe none", kind: "which-fix" } },
  ] as unknown as LoadedExercise[];
  const at = new Date("2026-12-03T10:00:00Z");
  const csv = gradebookCsv(
    { id: "c", createdBy: null, name: "os101" },
    [
      { id: "u-zed", name: "Zed" },
      { id: "u-ada", name: "Ada, the first" },
    ],
    exercises,
    [
      { courseId: "c", userId: "u-ada", exerciseId: "spot-balance", attempts: 2, hintsUsed: 1, bestScore: 1, correct: true, firstCorrectAt: at, lastScore: 1, lastSubmittedAt: at },
      { courseId: "c", userId: "u-ada", exerciseId: "wf-none", attempts: 1, hintsUsed: 0, bestScore: 0.5, correct: false, firstCorrectAt: null, lastScore: 0.5, lastSubmittedAt: at },
      { courseId: "c", userId: "u-zed", exerciseId: "0b5f7f8e-2c1d-4e0a-9a57-3f6f4c1d2e10", attempts: 3, hintsUsed: 2, bestScore: 1, correct: true, firstCorrectAt: at, lastScore: 1, lastSubmittedAt: at },
    ] as never,
  );
  const grid = gradeGrid(parseCsv(csv));
  expect(grid.exercises).toEqual([
    { id: "spot-balance", title: "Two tasks, one block group", kind: "spot-the-race", solvedBy: 1 },
    { id: "0b5f7f8e-2c1d-4e0a-9a57-3f6f4c1d2e10", title: "Be the scheduler: scrub", kind: "be-the-scheduler", solvedBy: 1 },
    { id: "wf-none", title: "Which fix? Maybe none", kind: "which-fix", solvedBy: 0 },
  ]);
  expect(grid.students.map((s) => [s.name, s.cells.map(cellText), s.solved, s.score])).toEqual([
    ["Ada, the first", ["✔", "·", "50%"], 1, 1.5],
    ["Zed", ["·", "✔", "·"], 1, 1],
  ]);
  expect(cellWords("Ada, the first", "Which fix? Maybe none", grid.students[0]!.cells[2]!)).toBe("Ada, the first, Which fix? Maybe none: best 50% (1 attempt, 0 hints)");
  expect(cellWords("Zed", "Be the scheduler: scrub", grid.students[1]!.cells[1]!)).toBe("Zed, Be the scheduler: scrub: solved (3 attempts, 2 hints)");
  expect(gradeGrid([])).toEqual({ students: [], exercises: [] });
});

test("a student's progress on an exercise, from the grades of their submissions", () => {
  expect(progressText(progressOf([]))).toBe("not tried yet");
  expect(progressText(progressOf([{ score: 0, correct: false }, { score: 0.5, correct: false }]))).toBe("best 50% · 2 attempts");
  expect(progressText(progressOf([{ score: 0.5, correct: false }, { score: 1, correct: true }]))).toBe("✔ solved in 2 attempts");
  expect(progressText(progressOf([{ score: 1, correct: true }]))).toBe("✔ solved");
});
